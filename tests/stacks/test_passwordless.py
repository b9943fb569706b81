"""Passwordless sign-in in the templates: the sign-in policy, WebAuthn settings and tier, each
client's flows, remembered devices, user context data, email verification style, and the
alarms on message delivery and SMS spend; nothing of it where the file does not opt in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.config import EnvironmentConfig, load_environment
from stacks.cognito_stack import CognitoStack
from tests.conftest import Assembly, Synthesized
from tests.infra.test_config_errors import kit_file, write_env

USER_POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
ALARM = "AWS::CloudWatch::Alarm"
PASSWORDLESS_POOL_PROPERTIES = (
    "WebAuthnRelyingPartyID",
    "WebAuthnUserVerification",
    "WebAuthnFactorConfiguration",
    "DeviceConfiguration",
)


def pool(env: Synthesized) -> dict[str, Any]:
    properties: dict[str, Any] = env.only(USER_POOL)["Properties"]
    return properties


def clients(env: Synthesized) -> dict[str, dict[str, Any]]:
    """Client properties by config id (the logical id starts with AppClients<id>)."""
    found = {}
    for logical_id, resource in env.resources(CLIENT).items():
        client_id = next(
            c for c in env.config.app_clients if logical_id.startswith(f"AppClients{c}")
        )
        found[client_id] = resource["Properties"]
    return found


def alarm_names(env: Synthesized) -> list[str]:
    return sorted(r["Properties"]["AlarmName"] for r in env.resources(ALARM).values())


def test_the_showcase_fixture_offers_every_factor_with_passkeys_on_its_hosted_domain(
    assembly: Assembly,
) -> None:
    env = assembly.environments["showcase"]
    properties = pool(env)
    assert properties["Policies"]["SignInPolicy"] == {
        "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]
    }
    assert properties["UserPoolTier"] == "ESSENTIALS"
    # The hosted prefix domain, as the pool domain serves it.
    [domain] = env.resources("AWS::Cognito::UserPoolDomain").values()
    prefix = domain["Properties"]["Domain"]
    assert properties["WebAuthnRelyingPartyID"] == {
        "Fn::Join": ["", [f"{prefix}.auth.", {"Ref": "AWS::Region"}, ".amazoncognito.com"]]
    }
    assert properties["WebAuthnUserVerification"] == "required"
    assert "WebAuthnFactorConfiguration" not in properties
    # SMS codes need the SNS role even without SMS MFA.
    assert "SnsCallerArn" in properties["SmsConfiguration"]
    assert properties["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": False,
    }


def test_only_clients_that_offer_it_allow_user_auth(assembly: Assembly) -> None:
    env = assembly.environments["showcase"]
    flows = {c: p["ExplicitAuthFlows"] for c, p in clients(env).items()}
    assert "ALLOW_USER_AUTH" in flows["WebApp"]
    assert [c for c, found in flows.items() if "ALLOW_USER_AUTH" in found] == ["WebApp"]


def test_the_prod_example_counts_passkeys_as_mfa_on_its_custom_domain(
    team_assembly: Assembly,
) -> None:
    env = team_assembly.environments["prod"]
    properties = pool(env)
    assert properties["MfaConfiguration"] == "ON"
    assert properties["Policies"]["SignInPolicy"] == {
        "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]
    }
    assert properties["WebAuthnFactorConfiguration"] == "MULTI_FACTOR_WITH_USER_VERIFICATION"
    assert properties["WebAuthnRelyingPartyID"] == env.config.domain.custom_domain
    assert properties["WebAuthnUserVerification"] == "required"
    assert "ALLOW_USER_AUTH" in clients(env)["WebApp"]["ExplicitAuthFlows"]


def test_the_showcase_example_binds_passkeys_to_the_web_apps_domain(
    team_assembly: Assembly,
) -> None:
    env = team_assembly.environments["showcase"]
    properties = pool(env)
    assert properties["WebAuthnRelyingPartyID"] == "app.showcase.example.com"
    assert len(properties["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"]) == 4
    web = env.config.app_clients["WebApp"]
    assert web.preferred_challenge == "passkey"
    assert any("app.showcase.example.com" in url for url in web.callback_urls)


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("kit", "strict"),
        ("kit", "relaxed"),
        ("kit", "minimal"),
        ("team", "dev"),
        ("team", "staging"),
    ],
)
def test_a_pool_that_does_not_opt_in_keeps_password_sign_in_only(
    assembly: Assembly, team_assembly: Assembly, kind: str, name: str
) -> None:
    env = (assembly if kind == "kit" else team_assembly).environments[name]
    properties = pool(env)
    assert "SignInPolicy" not in properties["Policies"]
    assert not [p for p in PASSWORDLESS_POOL_PROPERTIES if p in properties]
    for found in clients(env).values():
        assert "ALLOW_USER_AUTH" not in found["ExplicitAuthFlows"]
        assert "EnablePropagateAdditionalUserContextData" not in found
    assert not [a for a in alarm_names(env) if a.endswith(("MessageDeliveryErrors", "SmsSpend"))]
    template = properties.get("VerificationMessageTemplate", {})
    assert template.get("DefaultEmailOption") == "CONFIRM_WITH_CODE"


def test_codes_as_first_factors_alarm_on_failed_deliveries_and_sms_spend(
    assembly: Assembly,
) -> None:
    env = assembly.environments["showcase"]
    prefix = f"{env.config.project}-{env.config.name}"
    assert {f"{prefix}-MessageDeliveryErrors", f"{prefix}-SmsSpend"} <= set(alarm_names(env))
    [metric_filter] = env.resources("AWS::Logs::MetricFilter").values()
    [logs] = [
        logical_id
        for logical_id in env.resources("AWS::Logs::LogGroup")
        if "NotificationErrors" in logical_id
    ]
    assert metric_filter["Properties"]["LogGroupName"] == {"Ref": logs}
    [transformation] = metric_filter["Properties"]["MetricTransformations"]
    assert transformation["MetricName"] == f"{prefix}-MessageDeliveryErrors"
    [spend] = [
        r["Properties"]
        for r in env.resources(ALARM).values()
        if r["Properties"]["AlarmName"].endswith("SmsSpend")
    ]
    assert (spend["Namespace"], spend["MetricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert spend["Threshold"] == env.config.operations.alarms.thresholds.sms_spend_usd


def test_passkeys_without_codes_alarm_on_neither(team_assembly: Assembly) -> None:
    names = alarm_names(team_assembly.environments["prod"])
    assert not [a for a in names if a.endswith(("MessageDeliveryErrors", "SmsSpend"))]
    assert "cognito-kit-prod-ThrottledUserUpdate" in names


# --- one synth of the strict fixture with the remaining choices ------------------------------


@pytest.fixture(scope="module")
def strict_choices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The strict fixture (threat protection enforced) with a confidential client, email
    verification by link and remembered devices on request, synthesized on its own."""
    data = kit_file("strict")
    data["app_clients"]["Portal"] = {
        "kind": "confidential",
        "callback_urls": ["https://portal.example.com/callback"],
    }
    data["user_pool"]["messages"] = {"verification_email_style": "link"}
    data["user_pool"]["device_tracking"] = {
        "mode": "user_opt_in",
        "reason": "customers confirm a device once; MFA codes on every sign-in drive them away",
    }
    data["triggers"]["custom_message"] = {"enabled": False}
    folder = tmp_path_factory.mktemp("strict-choices")
    write_env(folder, "strict", data)
    config: EnvironmentConfig = load_environment("strict", directory=Path(folder))
    app = cdk.App()
    stack = CognitoStack(app, "Alone", config=config, source_file="strict.yaml")
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def test_confidential_clients_pass_the_users_context_where_threat_protection_is_on(
    strict_choices: dict[str, Any], assembly: Assembly
) -> None:
    found = {
        k: r["Properties"].get("EnablePropagateAdditionalUserContextData")
        for k, r in _resources(strict_choices, CLIENT).items()
    }
    assert [k for k, on in found.items() if on is True] == [
        k for k in found if k.startswith("AppClientsPortal")
    ]
    # Threat protection off (the showcase fixture's confidential AdminPortal): not set.
    showcase = assembly.environments["showcase"]
    assert showcase.config.user_pool.threat_protection.mode == "off"
    assert "EnablePropagateAdditionalUserContextData" not in clients(showcase)["AdminPortal"]


def test_email_verification_by_link_and_remembered_devices_on_request(
    strict_choices: dict[str, Any],
) -> None:
    [properties] = [r["Properties"] for r in _resources(strict_choices, USER_POOL).values()]
    template = properties["VerificationMessageTemplate"]
    assert template["DefaultEmailOption"] == "CONFIRM_WITH_LINK"
    assert "{##Verify email##}" in template["EmailMessageByLink"]
    assert properties["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": True,
    }
