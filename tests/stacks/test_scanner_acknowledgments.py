"""An environment file's `acknowledgments:` name a cdk-nag rule, a checkov check, an AWS Control
Tower control or a cfn-lint rule; each lands where its tool (or `make validate`) reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.acknowledged import ACKNOWLEDGED_METADATA
from infra.config import ConfigError, load_environment
from infra.config.acknowledgments import tool_of
from infra.nag import CHECKOV_METADATA
from tests.conftest import KIT_ENVIRONMENTS_DIR, Assembly, Synthesized, synthesize
from tests.yaml_files import dump_yaml, read_yaml

REASON = "the kit's fixture accepts this to show where each acknowledgment lands"
ENTRIES = [
    {"key": "user_pool", "rule": "CKV_AWS_111", "reason": REASON},
    {"key": "user_pool", "rule": "CT.IAM.PR.5", "reason": REASON},
    {"key": "user_pool", "rule": "W3005", "reason": REASON},
]


def minimal_with(tmp_path: Path, acknowledgments: list[dict[str, str]]) -> Path:
    data: dict[str, Any] = read_yaml(KIT_ENVIRONMENTS_DIR / "minimal.yaml")
    data["acknowledgments"] = acknowledgments
    (tmp_path / "minimal.yaml").write_text(dump_yaml(data, sort_keys=False))
    return tmp_path


@pytest.mark.parametrize(
    ("rule", "tool"),
    [
        ("AwsSolutions-IAM5", "cdk-nag"),
        ("NIST.800.53.R5-IAMNoInlinePolicy", "cdk-nag"),
        ("CKV_AWS_111", "checkov"),
        ("CKV2_AWS_64", "checkov"),
        ("CT.KMS.PR.3", "control-tower"),
        ("W3005", "cfn-lint"),
        ("I3011", "cfn-lint"),
        ("IAM5", None),
        ("CKV_AWS_", None),
        ("ct.kms.pr.3", None),
    ],
)
def test_the_rule_says_which_tool_it_belongs_to(rule: str, tool: str | None) -> None:
    assert tool_of(rule) == tool


def test_a_finding_id_belongs_to_cdk_nag_rules_only(tmp_path: Path) -> None:
    directory = minimal_with(
        tmp_path, [{"key": "user_pool", "rule": "CKV_AWS_111", "finding": "x", "reason": REASON}]
    )
    with pytest.raises(ConfigError) as caught:
        load_environment("minimal", directory=directory)
    [problem] = caught.value.problems
    assert problem.path == "acknowledgments[0]"
    assert "finding applies to cdk-nag rules only; CKV_AWS_111 (checkov)" in problem.message


def test_an_unknown_rule_form_lists_the_four_forms(tmp_path: Path) -> None:
    directory = minimal_with(tmp_path, [{"key": "user_pool", "rule": "IAM5", "reason": REASON}])
    with pytest.raises(ConfigError) as caught:
        load_environment("minimal", directory=directory)
    [problem] = caught.value.problems
    assert problem.path == "acknowledgments[0].rule"
    assert "CKV_AWS_111" in problem.message
    assert "CT.KMS.PR.3" in problem.message


def test_each_kind_lands_on_every_resource_of_its_key_with_the_file_that_accepted_it(
    tmp_path: Path,
) -> None:
    # GIVEN the minimal fixture accepting a checkov check, a Control Tower control and a
    # cfn-lint rule for what `user_pool` creates (the pool and its SMS role)
    directory = minimal_with(tmp_path, ENTRIES)
    config = load_environment("minimal", directory=directory)
    # WHEN synthesized
    resources = synthesize([config], tmp_path / "out", directory).environments["minimal"]
    # THEN every resource of the key (or a key below it) carries all three, with the reason
    # naming the entry
    template = resources.template_json["Resources"]
    by_key = {
        logical_id: resource
        for logical_id, resource in template.items()
        if resource.get("Metadata", {}).get("cognito-kit:config", "").split(".")[0] == "user_pool"
    }
    assert {r["Type"] for r in by_key.values()} >= {"AWS::Cognito::UserPool", "AWS::IAM::Role"}
    source = "minimal.yaml: acknowledgments"  # the file's name: not its folder (see the stack)
    for resource in by_key.values():
        metadata = resource["Metadata"]
        reasons = {
            entry["rule"]: (entry["tool"], entry["reason"], entry["source"])
            for entry in metadata[ACKNOWLEDGED_METADATA]
        }
        for index, (rule, tool) in enumerate(
            (("CKV_AWS_111", "checkov"), ("CT.IAM.PR.5", "control-tower"), ("W3005", "cfn-lint"))
        ):
            reason = f"minimal: {REASON} (acknowledged in {source}[{index}])"
            assert reasons[rule] == (tool, reason, f"{source}[{index}]")
        # checkov reads its own skips: the same reason as its comment
        assert {
            "id": "CKV_AWS_111",
            "comment": f"minimal: {REASON} (acknowledged in {source}[0])",
        } in (metadata[CHECKOV_METADATA]["skip"])
    # and nothing outside the key
    others = [r for r in template.values() if r not in by_key.values()]
    assert others
    assert not [r for r in others if ACKNOWLEDGED_METADATA in r.get("Metadata", {})]


# --- the kit's own Control Tower decisions -------------------------------------------------------


def recorded(resource: dict[str, Any], tool: str = "control-tower") -> dict[str, str]:
    entries = resource.get("Metadata", {}).get(ACKNOWLEDGED_METADATA, [])
    return {e["rule"]: e["reason"] for e in entries if e["tool"] == tool and "source" not in e}


def checkov_skips(resource: dict[str, Any]) -> dict[str, str]:
    skips = resource.get("Metadata", {}).get(CHECKOV_METADATA, {}).get("skip", [])
    return {s["id"]: s["comment"] for s in skips}


def test_every_log_group_accepts_kms_encryption_with_its_checkov_reason(
    any_env: Synthesized,
) -> None:
    groups = any_env.resources("AWS::Logs::LogGroup")
    if not groups:
        pytest.skip("no log group in this environment")
    for logical_id, group in groups.items():
        reason = recorded(group).get("CT.CLOUDWATCH.PR.3")
        assert reason, f"{logical_id} has no CT.CLOUDWATCH.PR.3 decision"
        assert reason == checkov_skips(group)["CKV_AWS_158"]


def test_every_function_accepts_running_outside_a_vpc_with_its_checkov_reason(
    any_env: Synthesized,
) -> None:
    functions = any_env.resources("AWS::Lambda::Function")
    if not functions:
        pytest.skip("no function in this environment")
    for logical_id, function in functions.items():
        reason = recorded(function).get("CT.LAMBDA.PR.3")
        assert reason, f"{logical_id} has no CT.LAMBDA.PR.3 decision"
        assert reason == checkov_skips(function)["CKV_AWS_117"]


def test_api_gateway_invoke_permissions_accept_ct_lambda_pr_2_and_cognitos_need_not(
    assembly: Assembly,
) -> None:
    permissions = assembly.environments["showcase"].resources("AWS::Lambda::Permission")
    by_principal: dict[str, list[dict[str, str]]] = {}
    for permission in permissions.values():
        by_principal.setdefault(permission["Properties"]["Principal"], []).append(
            recorded(permission)
        )
    assert len(by_principal["apigateway.amazonaws.com"]) == 3
    for decisions in by_principal["apigateway.amazonaws.com"]:
        assert "built with Fn::Join" in decisions["CT.LAMBDA.PR.2"]
    # Cognito's SourceArn references the pool, which the rule reads: nothing to accept
    assert by_principal["cognito-idp.amazonaws.com"]
    assert all(d == {} for d in by_principal["cognito-idp.amazonaws.com"])
