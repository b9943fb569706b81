"""The multi_region section: issuer form, pool key and a replica. Each refusal names its key and
says what to do; the kit's multi-Region fixture loads cleanly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.multi_region import (
    REPLICA_REGIONS,
    MultiRegionConfig,
    accepted_issuer_regions,
    issuer_url,
)
from tests.infra.test_config_errors import problems_of, write_env
from tests.yaml_files import read_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "multi-region"
REPLICA = "eu-central-1"
ACCOUNT = "333333333333"
MRK = "arn:aws:kms:eu-west-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef"
SINGLE_REGION_KEY = "arn:aws:kms:eu-west-1:333333333333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def fixture() -> dict[str, Any]:
    """The kit's multi-Region fixture (production tier, eu-west-1 with a replica in
    eu-central-1), as data to modify."""
    data: dict[str, Any] = read_yaml(FIXTURES / "multiregion.yaml")
    return data


def replica(data: dict[str, Any]) -> dict[str, Any]:
    settings: dict[str, Any] = data["multi_region"]["replicas"][REPLICA]
    return settings


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    """Each problem as `mr.yaml: <key>: <message>`."""
    write_env(tmp_path, "mr", data)
    return [problem.removeprefix(f"{tmp_path}/") for problem in problems_of(tmp_path, "mr")]


def loads(tmp_path: Path, data: dict[str, Any]) -> MultiRegionConfig:
    write_env(tmp_path, "mr", data)
    return load_environment("mr", directory=tmp_path).multi_region


def test_the_fixture_loads(tmp_path: Path) -> None:
    config = loads(tmp_path, fixture())
    assert config.replica_regions == (REPLICA,)
    assert config.multi_region_key


def test_an_environment_without_the_section_configures_nothing(tmp_path: Path) -> None:
    data = fixture()
    del data["multi_region"]
    config = loads(tmp_path, data)
    assert not config.configured
    assert config.issuer_form == "original"
    assert config.accepted_forms == ("original",)


# --- the refusals the issue lists -------------------------------------------------------------


def test_a_plan_without_replication_is_refused(tmp_path: Path) -> None:
    data = fixture()
    data["user_pool"] |= {
        "feature_plan": "lite",
        "threat_protection": {"mode": "off", "relaxed_reason": "the lite plan has none"},
        "password_policy": {"min_length": 14},
        "mfa": {"mode": "required", "totp": True, "sms": True},
    }
    data["triggers"]["pre_token_generation"] = {"enabled": False}
    found = problems(tmp_path, data)
    assert [p for p in found if f"multi_region.replicas.{REPLICA}: " in p] == [
        f"mr.yaml: multi_region.replicas.{REPLICA}: needs user_pool.feature_plan essentials or "
        "plus: Cognito offers multi-Region replication on those plans only"
    ]


@pytest.mark.parametrize("key", [None, "aws_owned", SINGLE_REGION_KEY])
def test_a_key_that_cannot_follow_the_pool_is_refused(tmp_path: Path, key: str | None) -> None:
    data = fixture()
    if key is None:
        del data["multi_region"]["key"]
    else:
        data["multi_region"]["key"] = key
    [problem] = problems(tmp_path, data)
    assert problem.startswith("mr.yaml: multi_region.key: ")
    assert "a replica needs a customer-managed multi-Region key" in problem


def test_a_multi_region_key_of_the_team_is_accepted(tmp_path: Path) -> None:
    data = fixture()
    data["multi_region"]["key"] = MRK
    assert loads(tmp_path, data).multi_region_key


def test_a_replica_in_the_primary_s_region_is_refused(tmp_path: Path) -> None:
    data = fixture()
    settings = data["multi_region"]["replicas"].pop(REPLICA)
    settings["email"]["ses_identity_arn"] = f"arn:aws:ses:eu-west-1:{ACCOUNT}:identity/example.com"
    settings["functions"]["post_authentication"] = (
        "arn:aws:lambda:eu-west-1:333333333333:function:acme-post-authentication-eu-west-1"
    )
    data["multi_region"]["replicas"]["eu-west-1"] = settings
    [problem] = problems(tmp_path, data)
    assert problem == (
        "mr.yaml: multi_region.replicas.eu-west-1: is the primary's Region (eu-west-1): a "
        "replica serves sign-ins when that Region is down, so it must be in another Region"
    )


def test_a_replica_without_a_mail_sender_is_refused(tmp_path: Path) -> None:
    data = fixture()
    del replica(data)["email"]
    [problem] = problems(tmp_path, data)
    assert problem.startswith(f"mr.yaml: multi_region.replicas.{REPLICA}.email: required: ")
    assert f"an SES identity verified in {REPLICA}" in problem


def test_a_replica_whose_mail_depends_on_the_primary_s_region_is_refused(tmp_path: Path) -> None:
    data = fixture()
    replica(data)["email"]["ses_identity_arn"] = (
        "arn:aws:ses:eu-west-1:333333333333:identity/example.com"
    )
    [problem] = problems(tmp_path, data)
    assert problem.startswith(f"mr.yaml: multi_region.replicas.{REPLICA}.email.ses_identity_arn")
    assert f"its SES identity is verified in {REPLICA}" in problem


def test_a_replica_sender_that_does_not_cover_the_address_is_refused(tmp_path: Path) -> None:
    data = fixture()
    replica(data)["email"]["from_address"] = "no-reply@other.example.org"
    [problem] = problems(tmp_path, data)
    assert f"multi_region.replicas.{REPLICA}.email.from_address" in problem
    assert "is not covered by the SES identity 'example.com'" in problem


def test_a_replica_missing_a_function_of_the_primary_s_region_is_refused(tmp_path: Path) -> None:
    data = fixture()
    del replica(data)["functions"]
    [problem] = problems(tmp_path, data)
    assert problem.startswith(
        f"mr.yaml: multi_region.replicas.{REPLICA}.functions: missing post_authentication: "
    )
    assert "Cognito invokes only functions of its own Region" in problem


def test_a_function_written_with_the_region_placeholder_needs_no_replica_entry(
    tmp_path: Path,
) -> None:
    data = fixture()
    del replica(data)["functions"]
    data["triggers"]["post_authentication"]["function_arn"] = (
        "arn:aws:lambda:{region}:{account}:function:acme-post-authentication"
    )
    loads(tmp_path, data)


def test_a_replica_function_in_a_third_region_is_refused(tmp_path: Path) -> None:
    data = fixture()
    replica(data)["functions"]["post_authentication"] = (
        "arn:aws:lambda:us-east-1:333333333333:function:acme-post-authentication"
    )
    [problem] = problems(tmp_path, data)
    assert f"multi_region.replicas.{REPLICA}.functions.post_authentication" in problem
    assert f"is in us-east-1, the replica in {REPLICA}" in problem


@pytest.mark.parametrize(
    ("slot", "reason"),
    [
        ("custom_message", "the kit deploys its own function in the replica's Region"),
        ("define_auth_challenge", "the primary runs no function of yours in"),
    ],
)
def test_a_replica_function_for_a_slot_the_primary_does_not_give_the_team_is_refused(
    tmp_path: Path, slot: str, reason: str
) -> None:
    data = fixture()
    replica(data)["functions"][slot] = f"arn:aws:lambda:{REPLICA}:333333333333:function:x"
    [problem] = problems(tmp_path, data)
    assert f"multi_region.replicas.{REPLICA}.functions.{slot}: " in problem
    assert reason in problem


def test_a_replica_does_without_the_migration_slot(tmp_path: Path) -> None:
    data = fixture()
    replica(data)["functions"]["user_migration"] = (
        f"arn:aws:lambda:{REPLICA}:333333333333:function:x"
    )
    [problem] = problems(tmp_path, data)
    assert f"multi_region.replicas.{REPLICA}.functions" in problem
    assert "are not trigger slots a replica runs" in problem


def test_more_than_one_replica_is_refused(tmp_path: Path) -> None:
    data = fixture()
    data["multi_region"]["replicas"]["eu-north-1"] = copy.deepcopy(replica(data))
    [problem] = problems(tmp_path, data)
    assert problem.startswith("mr.yaml: multi_region.replicas: lists 2 Regions: ")
    assert "at most 1 secondary replica" in problem


def test_a_replica_needs_a_pinned_account_and_region(tmp_path: Path) -> None:
    data = fixture()
    data["tier"] = "development"
    data["user_pool"] |= {"deletion_protection": False}
    del data["account"], data["region"], data["domain"]["custom_domain"]
    del data["domain"]["certificate_arn"]
    data["domain"]["prefix"] = "acme-mr-test"
    found = [p for p in problems(tmp_path, data) if "pinned" in p]
    assert [p.split(": ", 2)[1] for p in found] == [f"multi_region.replicas.{REPLICA}"] * 2
    assert "environment's region pinned" in found[0]
    assert "environment's account pinned" in found[1]


def test_a_region_without_the_cloudformation_types_is_refused(tmp_path: Path) -> None:
    data = fixture()
    settings = data["multi_region"]["replicas"].pop(REPLICA)
    settings["email"]["ses_identity_arn"] = f"arn:aws:ses:eu-south-1:{ACCOUNT}:identity/example.com"
    settings["functions"]["post_authentication"] = (
        "arn:aws:lambda:eu-south-1:333333333333:function:acme-post-authentication"
    )
    data["multi_region"]["replicas"]["eu-south-1"] = settings
    [problem] = problems(tmp_path, data)
    assert "the replica's Region eu-south-1 has no AWS::Cognito::UserPoolReplica" in problem


def test_the_region_table_matches_the_pinned_cfn_lint() -> None:
    from infra.guard.schemas import schema_dir

    both = set()
    for path in (schema_dir() / "providers").glob("*.json"):
        types = json.loads(path.read_text())
        if {
            "AWS::Cognito::UserPoolReplica",
            "AWS::Cognito::UserPoolRegionalConfigurationAttachment",
        } <= set(types):
            both.add(path.stem)
    assert both == REPLICA_REGIONS


# --- issuer forms ----------------------------------------------------------------------------


def test_accepted_issuers_must_include_the_issued_form(tmp_path: Path) -> None:
    data = fixture()
    data["multi_region"]["accepted_issuers"] = ["original"]
    found = problems(tmp_path, data)
    assert any(
        p.startswith("mr.yaml: multi_region.accepted_issuers: [original]: leaves out `updated`")
        for p in found
    )


def test_apis_with_a_replica_need_the_updated_issuer(tmp_path: Path) -> None:
    data = fixture()
    data["multi_region"]["issuer"] = "original"
    [problem] = problems(tmp_path, data)
    assert problem.startswith("mr.yaml: multi_region.issuer: ")
    assert "set issuer: updated" in problem


def test_an_http_api_cannot_accept_both_forms(tmp_path: Path) -> None:
    data = fixture()
    del data["multi_region"]["replicas"]
    data["multi_region"]["key"] = "aws_owned"
    data["multi_region"]["accepted_issuers"] = ["original", "updated"]
    [problem] = problems(tmp_path, data)
    assert problem.startswith("mr.yaml: multi_region.accepted_issuers: ")
    assert "accepts exactly one issuer" in problem


def test_a_rest_api_accepts_both_forms_during_a_switch(tmp_path: Path) -> None:
    data = fixture()
    del data["multi_region"]["replicas"], data["apis"]["http"]
    data["multi_region"] |= {"key": "aws_owned", "accepted_issuers": ["original", "updated"]}
    config = loads(tmp_path, data)
    assert config.accepted_forms == ("original", "updated")


def test_each_accepted_form_is_accepted_per_region_where_tokens_differ() -> None:
    config = MultiRegionConfig.model_validate(
        {
            "issuer": "updated",
            "accepted_issuers": ["original", "updated"],
            "key": "create",
            "replicas": {REPLICA: {}},
        }
    )
    assert accepted_issuer_regions(config, "eu-west-1") == [
        ("original", "eu-west-1"),
        ("original", REPLICA),
        ("updated", "eu-west-1"),
    ]
    assert issuer_url("updated", "eu-west-1", "eu-west-1_Abc") == (
        "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("alias/cognito", "allowed: `aws_owned`, `create`, or a KMS key ARN"),
        (
            "arn:aws:kms:us-east-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef",
            "is in region us-east-1, the pool in eu-west-1",
        ),
    ],
)
def test_a_key_that_is_no_key_of_the_pool_s_region_is_refused(
    tmp_path: Path, key: str, message: str
) -> None:
    data = fixture()
    data["multi_region"]["key"] = key
    found = problems(tmp_path, data)
    assert any(p.startswith("mr.yaml: multi_region.key") and message in p for p in found)


def test_an_acknowledgment_may_name_the_replica_or_the_created_key(tmp_path: Path) -> None:
    data = fixture()
    data["acknowledgments"] = [
        {"key": f"multi_region.replicas.{REPLICA}", "rule": "CKV_AWS_116", "reason": "x" * 30},
        {"key": "multi_region.key", "rule": "CKV_AWS_7", "reason": "y" * 30},
    ]
    loads(tmp_path, data)
    data["acknowledgments"][0]["key"] = "multi_region.replicas.eu-north-1"
    [problem] = problems(tmp_path, data)
    assert "'multi_region.replicas.eu-north-1' creates no resource in this environment" in problem
