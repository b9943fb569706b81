"""Passwordless settings in the guard: a changed passkey relying party breaks every registered
passkey and blocks in production tier; every other sign-in setting changes in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from infra.guard import FindingKind, compare, parse_accepted_risks
from infra.provenance import CONFIG_KEY_METADATA, environment_metadata

from .sample import CLIENT, KEY, POOL, cognito_template

Template = dict[str, Any]


def passkey_template(tier: str | None, relying_party: Any = "auth.example.com") -> Template:
    template = cognito_template()
    if tier is not None:
        template["Metadata"] = environment_metadata("dev", tier, "infra/environments/dev.yaml")
    pool = template["Resources"][POOL]
    pool["Metadata"][CONFIG_KEY_METADATA] = "user_pool"
    pool["Properties"]["Policies"]["SignInPolicy"] = {
        "AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]
    }
    pool["Properties"]["WebAuthnRelyingPartyID"] = relying_party
    pool["Properties"]["WebAuthnUserVerification"] = "required"
    return template


def pool_props(template: Template) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][POOL]["Properties"]
    return properties


def test_a_changed_relying_party_blocks_in_production_tier_and_says_it_in_config_words() -> None:
    before = passkey_template("production")
    after = passkey_template("production", "example.com")

    result = compare({KEY: before}, {KEY: after})

    (finding,) = result.findings
    assert finding.blocking
    assert finding.kind is FindingKind.RELYING_PARTY_CHANGED
    assert (finding.logical_id, finding.property_path) == (POOL, "WebAuthnRelyingPartyID")
    assert "every passkey users registered stops working" in finding.consequence
    assert finding.config_file == "infra/environments/dev.yaml"
    assert finding.config_key == "user_pool.sign_in.passkey.relying_party_id"
    assert finding.config_fix is not None
    assert "set user_pool.sign_in.passkey.relying_party_id to the deployed value" in (
        finding.config_fix
    )


def test_a_moved_hosted_domain_changes_the_default_relying_party_too() -> None:
    prefix = {"Fn::Join": ["", ["acme-", {"Ref": "AWS::AccountId"}, ".auth.eu-west-1.x"]]}
    moved = {"Fn::Join": ["", ["acme2-", {"Ref": "AWS::AccountId"}, ".auth.eu-west-1.x"]]}

    result = compare({KEY: passkey_template(None, prefix)}, {KEY: passkey_template(None, moved)})

    assert [f.kind for f in result.findings] == [FindingKind.RELYING_PARTY_CHANGED]


def test_an_accepted_risks_entry_lets_the_change_through() -> None:
    accepted = parse_accepted_risks(
        [
            {
                "environment": "dev",
                "logical_id": POOL,
                "finding": "relying-party-changed",
                "reason": "moving to the new brand domain; users were told (AUTH-321)",
            }
        ],
        "accepted-risks.yaml",
    )

    result = compare(
        {KEY: passkey_template("production")},
        {KEY: passkey_template("production", "example.com")},
        accepted,
    )

    assert result.passed
    assert [f.accepted for f in result.findings] == [True]


def test_a_development_tier_pool_may_move_its_relying_party() -> None:
    result = compare(
        {KEY: passkey_template("development")},
        {KEY: passkey_template("development", "example.com")},
    )

    assert result.findings == ()


def test_switching_passkeys_off_or_on_is_no_finding() -> None:
    without = cognito_template()
    for before, after in (
        (passkey_template("production"), without),
        (without, passkey_template("production")),
    ):
        assert compare({KEY: before}, {KEY: after}).findings == ()


def _factors(*factors: str) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        pool_props(template)["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] = list(factors)

    return mutate


def _set(name: str, value: Any) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        pool_props(template)[name] = value

    return mutate


def _client_flows(template: Template) -> None:
    template["Resources"][CLIENT]["Properties"]["ExplicitAuthFlows"].append("ALLOW_USER_AUTH")


def _propagate(template: Template) -> None:
    template["Resources"][CLIENT]["Properties"]["EnablePropagateAdditionalUserContextData"] = True


IN_PLACE: dict[str, Callable[[Template], None]] = {
    "email and SMS codes added": _factors("PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"),
    "user verification relaxed": _set("WebAuthnUserVerification", "preferred"),
    "passkeys count as MFA": _set(
        "WebAuthnFactorConfiguration", "MULTI_FACTOR_WITH_USER_VERIFICATION"
    ),
    "remembered devices": _set(
        "DeviceConfiguration",
        {"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": True},
    ),
    "verification by link": _set(
        "VerificationMessageTemplate", {"DefaultEmailOption": "CONFIRM_WITH_LINK"}
    ),
    "choice-based sign-in on a client": _client_flows,
    "user context data on a client": _propagate,
}


@pytest.mark.parametrize("case", sorted(IN_PLACE))
def test_other_sign_in_settings_change_in_place(case: str) -> None:
    after = passkey_template("production")
    IN_PLACE[case](after)

    assert compare({KEY: passkey_template("production")}, {KEY: after}).findings == ()
