"""Threat protection in the template: a stated risk configuration wherever it is on, and KMS
keys whose grants go to AWS services only (shared/SECURITY.md, "Threat protection")."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config.threat_protection import RISK_ACTION_STRENGTH
from tests.conftest import Assembly, Synthesized

RISK = "AWS::Cognito::UserPoolRiskConfigurationAttachment"
POOL_REF = {"Ref": "DirectoryUserPool76052951"}
CFN_ACTION_STRENGTH = {
    "NO_ACTION": RISK_ACTION_STRENGTH["allow"],
    "MFA_IF_CONFIGURED": RISK_ACTION_STRENGTH["mfa_if_configured"],
    "MFA_REQUIRED": RISK_ACTION_STRENGTH["mfa_required"],
    "BLOCK": RISK_ACTION_STRENGTH["block"],
}


def risk_configuration(env: Synthesized) -> dict[str, Any]:
    properties: dict[str, Any] = env.only(RISK)["Properties"]
    return properties


def test_a_pool_with_threat_protection_states_its_risk_configuration(any_env: Synthesized) -> None:
    protection = any_env.config.user_pool.threat_protection
    if protection.mode == "off":
        assert any_env.resources(RISK) == {}
        return
    properties = risk_configuration(any_env)
    assert properties["UserPoolId"] == POOL_REF
    assert properties["ClientId"] == "ALL"
    credentials = properties["CompromisedCredentialsRiskConfiguration"]
    assert credentials["Actions"]["EventAction"] == (
        "BLOCK" if protection.compromised_credentials.action == "block" else "NO_ACTION"
    )
    assert credentials["EventFilter"] == [
        event.upper() for event in protection.compromised_credentials.events
    ]
    actions = properties["AccountTakeoverRiskConfiguration"]["Actions"]
    assert set(actions) == {"LowAction", "MediumAction", "HighAction"}


def test_production_tier_blocks_compromised_credentials_and_high_risk(
    any_env: Synthesized,
) -> None:
    protection = any_env.config.user_pool.threat_protection
    if any_env.config.tier != "production" or protection.mode == "off":
        pytest.skip("the baseline applies to production-tier pools with threat protection")
    if protection.actions_reason is not None:
        pytest.skip(f"weaker actions acknowledged: {protection.actions_reason}")
    properties = risk_configuration(any_env)
    credentials = properties["CompromisedCredentialsRiskConfiguration"]
    assert credentials["Actions"]["EventAction"] == "BLOCK"
    assert "SIGN_IN" in credentials["EventFilter"]
    actions = properties["AccountTakeoverRiskConfiguration"]["Actions"]
    assert actions["HighAction"]["EventAction"] == "BLOCK"
    assert (
        CFN_ACTION_STRENGTH[actions["MediumAction"]["EventAction"]]
        >= (CFN_ACTION_STRENGTH["MFA_REQUIRED"])
    )


def test_the_strict_pool_notifies_users_from_its_ses_identity(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    email = strict.config.user_pool.email
    takeover = risk_configuration(strict)["AccountTakeoverRiskConfiguration"]
    assert takeover["Actions"] == {
        "LowAction": {"EventAction": "NO_ACTION", "Notify": False},
        "MediumAction": {"EventAction": "MFA_REQUIRED", "Notify": True},
        "HighAction": {"EventAction": "BLOCK", "Notify": True},
    }
    assert takeover["NotifyConfiguration"] == {
        "SourceArn": email.ses_identity_arn,
        "From": email.from_address,
        "ReplyTo": email.reply_to,
    }


def test_a_pool_without_ses_notifies_nobody(assembly: Assembly) -> None:
    minimal = assembly.environments["minimal"]
    assert minimal.config.user_pool.email.sender == "cognito"
    takeover = risk_configuration(minimal)["AccountTakeoverRiskConfiguration"]
    assert "NotifyConfiguration" not in takeover
    assert all(action["Notify"] is False for action in takeover["Actions"].values())


def test_every_kms_key_lets_only_aws_services_create_grants(any_env: Synthesized) -> None:
    # AWS Control Tower proactive control CT.KMS.PR.3, in the shape its guard rule requires.
    expected = {
        "Sid": "GrantsOnlyForAwsServices",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {
            "BoolIfExists": {
                "kms:GrantIsForAWSResource": "false",
                "aws:PrincipalIsAWSService": "false",
            }
        },
    }
    keys = any_env.resources("AWS::KMS::Key")
    if not keys:
        pytest.skip("no customer-managed key in this environment")
    for logical_id, key in keys.items():
        statements = key["Properties"]["KeyPolicy"]["Statement"]
        assert expected in statements, logical_id
