"""Passwordless sign-in in the templates: the sign-in policy, WebAuthn settings and tier, each
client's flows, remembered devices, user context data, email verification style, and the
alarms on message delivery and SMS spend; nothing of it where the file does not opt in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import EnvironmentConfig, load_environment
from infra.config.sign_in import FIRST_FACTOR_NAMES
from stacks.cognito_stack import CognitoStack
from tests.conftest import Assembly, Synthesized, new_app
from tests.infra.test_config_errors import kit_file, write_env
from tests.infra.test_sign_in_config import every_factor

# Seconds of work (synths): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

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


def test_the_showcase_fixture_offers_passkeys_as_mfa_on_its_hosted_domain(
    assembly: Assembly,
) -> None:
    env = assembly.environments["showcase"]
    properties = pool(env)
    assert properties["Policies"]["SignInPolicy"] == {
        "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]
    }
    assert properties["UserPoolTier"] == "ESSENTIALS"
    # No relying party in the file: the hosted prefix domain, as the pool domain serves it.
    [domain] = env.resources("AWS::Cognito::UserPoolDomain").values()
    prefix = domain["Properties"]["Domain"]
    assert properties["WebAuthnRelyingPartyID"] == {
        "Fn::Join": ["", [f"{prefix}.auth.", {"Ref": "AWS::Region"}, ".amazoncognito.com"]]
    }
    assert properties["WebAuthnUserVerification"] == "required"
    assert properties["WebAuthnFactorConfiguration"] == "MULTI_FACTOR_WITH_USER_VERIFICATION"
    assert properties["DeviceConfiguration"] == {
        "ChallengeRequiredOnNewDevice": True,
        "DeviceOnlyRememberedOnUserPrompt": False,
    }


def test_only_clients_that_offer_it_allow_user_auth(assembly: Assembly) -> None:
    env = assembly.environments["showcase"]
    flows = {c: p["ExplicitAuthFlows"] for c, p in clients(env).items()}
    assert [c for c, found in flows.items() if "ALLOW_USER_AUTH" in found] == ["WebApp"]


FACTOR_ORDER = ("password", "email_otp", "sms_otp", "passkey")
FACTOR_NAMES = dict(
    zip(FACTOR_ORDER, ("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"), strict=True)
)


def test_every_environment_synthesizes_the_sign_in_its_file_states(any_env: Synthesized) -> None:
    env = any_env
    sign_in = env.config.user_pool.sign_in
    properties = pool(env)
    policy = properties["Policies"].get("SignInPolicy")
    if sign_in.first_factors == ("password",):
        assert policy is None
    else:
        written = [FIRST_FACTOR_NAMES[f] for f in FACTOR_ORDER if f in sign_in.first_factors]
        assert policy["AllowedFirstAuthFactors"] == written
    if sign_in.passkeys:
        chosen = sign_in.passkey.relying_party_id or env.config.domain.custom_domain
        if chosen is not None:
            assert properties["WebAuthnRelyingPartyID"] == chosen
        assert properties["WebAuthnUserVerification"] == sign_in.passkey.user_verification
        factor = properties.get("WebAuthnFactorConfiguration")
        assert (factor == "MULTI_FACTOR_WITH_USER_VERIFICATION") is sign_in.passkey.counts_as_mfa
    else:
        assert not [p for p in PASSWORDLESS_POOL_PROPERTIES[:3] if p in properties]
    for client_id, found in clients(env).items():
        offers = env.config.app_clients[client_id].choice_based_sign_in
        assert ("ALLOW_USER_AUTH" in found["ExplicitAuthFlows"]) is offers, client_id


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


def test_passkeys_without_codes_alarm_on_neither_messages_nor_sms_spend(
    assembly: Assembly,
) -> None:
    env = assembly.environments["showcase"]
    names = alarm_names(env)
    assert not [a for a in names if a.endswith(("MessageDeliveryErrors", "SmsSpend"))]
    [throttled] = [
        r["Properties"]["AlarmDescription"]
        for r in env.resources(ALARM).values()
        if r["Properties"]["AlarmName"].endswith("ThrottledUserUpdate")
    ]
    assert "registering a passkey fails" in throttled


# --- every first factor: the showcase fixture with email and SMS codes added ------------------


@pytest.fixture(scope="module")
def every_factor_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("every-factor")
    write_env(folder, "showcase", every_factor(kit_file("showcase")))
    config = load_environment("showcase", directory=Path(folder))
    app = new_app()
    stack = CognitoStack(app, "EveryFactor", config=config, source_file="showcase.yaml")
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


def test_codes_as_first_factors_alarm_on_failed_deliveries_and_sms_spend(
    every_factor_template: dict[str, Any],
) -> None:
    [properties] = [r["Properties"] for r in _resources(every_factor_template, USER_POOL).values()]
    assert properties["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        "EMAIL_OTP",
        "SMS_OTP",
        "WEB_AUTHN",
    ]
    # SMS codes need the SNS role: the phone_number attribute they require brings it.
    assert "SnsCallerArn" in properties["SmsConfiguration"]
    alarms = {
        r["Properties"]["AlarmName"].rpartition("-")[2]: r["Properties"]
        for r in _resources(every_factor_template, ALARM).values()
    }
    [metric_filter] = _resources(every_factor_template, "AWS::Logs::MetricFilter").values()
    [logs] = [
        logical_id
        for logical_id in _resources(every_factor_template, "AWS::Logs::LogGroup")
        if "NotificationErrors" in logical_id
    ]
    assert metric_filter["Properties"]["LogGroupName"] == {"Ref": logs}
    [transformation] = metric_filter["Properties"]["MetricTransformations"]
    delivery = alarms["MessageDeliveryErrors"]
    assert (delivery["Namespace"], delivery["MetricName"]) == (
        transformation["MetricNamespace"],
        transformation["MetricName"],
    )
    spend = alarms["SmsSpend"]
    assert (spend["Namespace"], spend["MetricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert spend["Threshold"] == 100


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
    app = new_app()
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
