"""Trigger slots in the config: the team's functions, custom auth, the custom senders' key and
the inbound federation allow-list. Each refusal names the key and says what is allowed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.triggers import SLOT_KEYS
from tests.infra.test_config_errors import kit_file, problems_of, write_env

PLACED = "arn:aws:lambda:{region}:{account}:function:team-fn"
EU = "arn:aws:lambda:eu-west-1:333333333333:function:team-fn"
KEY = "arn:aws:kms:eu-west-1:333333333333:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
CHALLENGES = ("define_auth_challenge", "create_auth_challenge", "verify_auth_challenge_response")


def showcase(**triggers: Any) -> dict[str, Any]:
    """The showcase fixture with these `triggers` keys replaced."""
    data = kit_file("showcase")
    data["triggers"].update(copy.deepcopy(triggers))
    return data


def strict(**triggers: Any) -> dict[str, Any]:
    """The strict fixture (pinned to 333333333333 / eu-west-1) with these `triggers` keys."""
    data = kit_file("strict")
    data["triggers"].update(copy.deepcopy(triggers))
    return data


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    write_env(tmp_path, "dev", data)
    return problems_of(tmp_path, "dev")


def loads(tmp_path: Path, data: dict[str, Any]) -> None:
    write_env(tmp_path, "dev", data)
    load_environment("dev", directory=tmp_path)


# --- any slot, the team's function ----------------------------------------------------------


def test_a_slot_claimed_by_the_kit_and_the_team_is_refused(tmp_path: Path) -> None:
    data = showcase(pre_sign_up={"enabled": True, "function_arn": PLACED})
    [problem] = problems(tmp_path, data)
    assert "triggers.pre_sign_up: " in problem
    assert "claimed twice" in problem


def test_the_migration_and_a_team_migration_function_claim_one_slot(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["triggers"]["user_migration"] = {"function_arn": PLACED}
    [problem] = problems(tmp_path, data)
    assert "triggers.user_migration.function_arn" in problem
    assert "claimed twice" in problem


@pytest.mark.parametrize(
    ("arn", "part"),
    [
        ("arn:aws:lambda:us-east-1:333333333333:function:team-fn", "region us-east-1"),
        ("arn:aws:lambda:eu-west-1:444444444444:function:team-fn", "account 444444444444"),
    ],
)
def test_a_function_outside_the_pool_s_region_or_account_is_refused(
    tmp_path: Path, arn: str, part: str
) -> None:
    [problem] = problems(tmp_path, strict(pre_authentication={"function_arn": arn}))
    assert "triggers.pre_authentication.function_arn" in problem
    assert f"is in {part}" in problem


def test_the_pool_s_own_region_and_account_are_accepted_literally_or_as_placeholders(
    tmp_path: Path,
) -> None:
    loads(tmp_path, strict(pre_authentication={"function_arn": EU}))
    loads(tmp_path, strict(post_authentication={"function_arn": PLACED}))


def test_a_literal_arn_in_an_environment_that_pins_no_region_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, showcase(post_authentication={"function_arn": EU}))
    assert len(found) == 2
    assert all("triggers.post_authentication.function_arn" in p for p in found)
    assert any("pins no region" in p and "write {region}" in p for p in found)
    assert any("pins no account" in p for p in found)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:eu-west-1:333333333333:function:team-fn:$LATEST",
        "arn:aws:iam::333333333333:role/team-fn",
        "team-fn",
        "arn:aws:lambda:{region}:{account}:function:",
    ],
)
def test_only_a_function_arn_is_accepted(tmp_path: Path, arn: str) -> None:
    [problem] = problems(tmp_path, strict(pre_authentication={"function_arn": arn}))
    assert "triggers.pre_authentication.function_arn" in problem
    assert "allowed: a Lambda function ARN" in problem


def test_declared_calls_need_a_function_and_a_known_operation(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, strict(pre_authentication={"cognito_calls": {"ListUsers": 1}}))
    assert "triggers.pre_authentication" in problem
    assert "needs function_arn" in problem
    data = strict(pre_authentication={"function_arn": EU, "cognito_calls": {"AdminFrob": 1}})
    [problem] = problems(tmp_path, data)
    assert "triggers.pre_authentication.cognito_calls" in problem
    assert "['AdminFrob'] have no quota category" in problem


# --- pre token generation: the event version must carry what the file asks for ---------------


def test_a_team_pre_token_function_states_its_event_version(tmp_path: Path) -> None:
    data = showcase(pre_token_generation={"function_arn": PLACED})
    [problem] = problems(tmp_path, data)
    assert "triggers.pre_token_generation" in problem
    assert "needs lambda_version" in problem


@pytest.mark.parametrize(
    ("version", "key", "value", "message"),
    [
        ("V1_0", "access_token_claims", {"tenant": "custom:tenant_id"}, "need V2_0 or V3_0"),
        ("V1_0", "group_scopes", {"Admins": ["orders/write"]}, "need V2_0 or V3_0"),
        ("V2_0", "machine_clients", {"OrdersWorker": {"claims": {"s": "w"}}}, "only with"),
    ],
)
def test_a_version_that_cannot_carry_the_claims_asked_for_is_refused(
    tmp_path: Path, version: str, key: str, value: Any, message: str
) -> None:
    tokens = {"function_arn": PLACED, "lambda_version": version, key: value}
    found = problems(tmp_path, showcase(pre_token_generation=tokens))
    assert any(f"triggers.pre_token_generation.{key}" in p and message in p for p in found)


def test_v3_carries_machine_client_claims(tmp_path: Path) -> None:
    tokens = dict(kit_file("showcase")["triggers"]["pre_token_generation"])
    tokens.pop("enabled")
    loads(
        tmp_path,
        showcase(pre_token_generation={**tokens, "function_arn": PLACED, "lambda_version": "V3_0"}),
    )


def test_versions_2_and_3_need_essentials_or_plus(tmp_path: Path) -> None:
    data = showcase(pre_token_generation={"function_arn": PLACED, "lambda_version": "V2_0"})
    data["user_pool"]["feature_plan"] = "lite"
    data["user_pool"]["sign_in"] = {"first_factors": ["password"]}  # lite allows no other
    data["user_pool"].pop("device_tracking", None)
    for client in data["app_clients"].values():
        client.pop("choice_based_sign_in", None)
        client.pop("preferred_challenge", None)
    found = problems(tmp_path, data)
    assert any("triggers.pre_token_generation.lambda_version" in p for p in found)
    data["triggers"]["pre_token_generation"]["lambda_version"] = "V1_0"
    loads(tmp_path, data)  # V1_0 works on every plan


# --- custom auth: ALLOW_CUSTOM_AUTH and the three challenge triggers ---------------------------


def with_custom_flow(data: dict[str, Any]) -> dict[str, Any]:
    data["app_clients"]["WebApp"]["auth_flows"] = ["user_srp", "custom"]
    return data


def test_allow_custom_auth_without_the_challenge_triggers_is_refused(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, with_custom_flow(showcase()))
    assert "app_clients.WebApp.auth_flows" in problem
    assert "ALLOW_CUSTOM_AUTH" in problem
    for key in CHALLENGES:
        assert f"triggers.{key}.function_arn" in problem


def test_allow_custom_auth_names_only_the_missing_trigger(tmp_path: Path) -> None:
    data = with_custom_flow(
        showcase(
            define_auth_challenge={"function_arn": PLACED},
            create_auth_challenge={"function_arn": PLACED},
        )
    )
    [problem] = problems(tmp_path, data)
    assert "missing: triggers.verify_auth_challenge_response.function_arn." in problem


def test_the_three_challenge_triggers_make_custom_auth_valid(tmp_path: Path) -> None:
    slots = {key: {"function_arn": PLACED} for key in CHALLENGES}
    loads(tmp_path, with_custom_flow(showcase(**slots)))


def test_challenge_triggers_no_client_uses_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, showcase(define_auth_challenge={"function_arn": PLACED}))
    [problem] = found
    assert "triggers.define_auth_challenge.function_arn" in problem
    assert "no app client offers the custom auth flow" in problem


# --- custom senders and their key -----------------------------------------------------------


SENDER = {"function_arn": PLACED, "decrypt_role_arn": "arn:aws:iam::{account}:role/mailer"}


def test_a_sender_without_a_key_is_refused(tmp_path: Path) -> None:
    data = showcase(custom_email_sender=SENDER, custom_sms_sender={}, custom_sender_key=None)
    [problem] = problems(tmp_path, data)
    assert "triggers.custom_sender_key: required" in problem
    assert "triggers.custom_email_sender" in problem


def test_a_key_without_a_sender_is_refused(tmp_path: Path) -> None:
    data = showcase(custom_email_sender={}, custom_sms_sender={}, custom_sender_key="create")
    [problem] = problems(tmp_path, data)
    assert "triggers.custom_sender_key: has no effect" in problem


def test_a_role_without_a_sender_is_refused(tmp_path: Path) -> None:
    role = {"decrypt_role_arn": SENDER["decrypt_role_arn"]}
    [problem] = problems(tmp_path, showcase(custom_sms_sender=role))
    assert "triggers.custom_sms_sender" in problem
    assert "needs function_arn" in problem


def test_a_created_key_needs_the_sender_s_role(tmp_path: Path) -> None:
    data = showcase(custom_sms_sender={"function_arn": PLACED})
    [problem] = problems(tmp_path, data)
    assert "triggers.custom_sms_sender.decrypt_role_arn: required" in problem


def test_an_existing_key_is_checked_and_its_policy_is_the_team_s(tmp_path: Path) -> None:
    data = strict(custom_email_sender={"function_arn": EU}, custom_sender_key=KEY)
    loads(tmp_path, data)
    data = strict(custom_email_sender={**SENDER, "function_arn": EU}, custom_sender_key=KEY)
    [problem] = problems(tmp_path, data)
    assert "triggers.custom_email_sender.decrypt_role_arn: has no effect" in problem
    elsewhere = KEY.replace("eu-west-1", "us-east-1")
    data = strict(custom_email_sender={"function_arn": EU}, custom_sender_key=elsewhere)
    [problem] = problems(tmp_path, data)
    assert "triggers.custom_sender_key" in problem
    assert "is in region us-east-1" in problem


@pytest.mark.parametrize(
    "key",
    [
        "arn:aws:kms:eu-west-1:333333333333:alias/senders",
        "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "created",
    ],
)
def test_the_key_is_create_or_a_key_arn(tmp_path: Path, key: str) -> None:
    found = problems(
        tmp_path, strict(custom_email_sender={"function_arn": EU}, custom_sender_key=key)
    )
    assert any("triggers.custom_sender_key" in p and "allowed: `create`" in p for p in found)


# --- inbound federation: allow-listed provider groups --------------------------------------


def inbound(**mapping: Any) -> dict[str, Any]:
    return {"enabled": True, "group_mapping": mapping}


CORPORATE = {
    "claim": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "groups": {"0b7f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4": "Admins"},
}


def test_the_showcase_group_mapping_loads(kit_configs: Any) -> None:
    inbound_config = kit_configs["showcase"].triggers.inbound_federation
    assert inbound_config.enabled
    assert set(inbound_config.group_mapping) == {"CorporateSso"}


def test_groups_map_only_from_enterprise_providers(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, showcase(inbound_federation=inbound(Google=CORPORATE)))
    assert "triggers.inbound_federation.group_mapping" in problem
    assert "['Google'] are not enabled saml or oidc identity providers" in problem


def test_groups_map_only_to_pool_groups(tmp_path: Path) -> None:
    mapping = {**CORPORATE, "groups": {"0b7f1c2e": "Owners"}}
    [problem] = problems(tmp_path, showcase(inbound_federation=inbound(CorporateSso=mapping)))
    assert "triggers.inbound_federation.group_mapping.CorporateSso.groups" in problem
    assert "['Owners'] are not group ids" in problem


@pytest.mark.parametrize("value", ["Platform Admins", "a,b", "x" * 257, ""])
def test_a_provider_group_is_a_stable_id(tmp_path: Path, value: str) -> None:
    mapping = {**CORPORATE, "groups": {value: "Admins"}}
    found = problems(tmp_path, showcase(inbound_federation=inbound(CorporateSso=mapping)))
    assert any("group_mapping.CorporateSso.groups" in p and "stable id" in p for p in found)


def test_the_kit_attribute_exists_and_no_user_can_write_it(tmp_path: Path) -> None:
    data = showcase()
    del data["user_pool"]["custom_attributes"]["idp_groups"]
    found = problems(tmp_path, data)
    assert any(
        "user_pool.custom_attributes.idp_groups: missing" in p and "max: 2048" in p for p in found
    )
    data = showcase()
    data["user_pool"]["custom_attributes"]["idp_groups"] = {
        "type": "string",
        "mutable": True,
        "user_writable": True,
    }
    found = problems(tmp_path, data)
    assert any("no user_writable (users would grant themselves groups)" in p for p in found)


def test_no_provider_mapping_may_write_the_kit_attribute(tmp_path: Path) -> None:
    data = showcase()
    data["identity_providers"]["PartnerLogin"]["attribute_mapping"] = {
        "email": "email",
        "custom:idp_groups": "groups",
    }
    found = problems(tmp_path, data)
    assert any(
        "identity_providers.PartnerLogin.attribute_mapping" in p
        and "only the kit's inbound federation function writes" in p
        for p in found
    )


def test_the_kit_attribute_feeds_a_claim_because_only_the_kit_writes_it(
    kit_configs: Any,
) -> None:
    claims = kit_configs["showcase"].triggers.pre_token_generation.id_token_claims
    assert claims["idp_groups"] == "custom:idp_groups"


def test_a_group_mapping_configures_the_kit_s_function_only(tmp_path: Path) -> None:
    data = showcase(
        inbound_federation={"function_arn": PLACED, "group_mapping": {"CorporateSso": CORPORATE}}
    )
    [problem] = problems(tmp_path, data)
    assert "triggers.inbound_federation" in problem
    assert "needs enabled: true (not your function_arn)" in problem
    [problem] = problems(tmp_path, showcase(inbound_federation={"enabled": True}))
    assert "list at least one provider under group_mapping" in problem


def test_the_trigger_docs_list_every_slot() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "triggers.md").read_text()
    table = docs.split("## Every slot", 1)[1].split("\n\n", 2)[1]
    listed = [line.split("`")[1] for line in table.splitlines()[2:]]
    assert listed == list(SLOT_KEYS)
