"""Every default lives in the model and is the secure choice; each has its own test."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.config.app_clients import AppClientConfig
from infra.config.domain import DomainConfig
from infra.config.environment import EnvironmentConfig
from infra.config.threat_protection import ThreatProtectionConfig
from infra.config.user_pool import MfaConfig, PasswordPolicyConfig, UserPoolConfig

PRODUCTION = {"tier": "production"}
MINIMAL: dict[str, Any] = {
    "name": "test",
    "account": "123456789012",
    "region": "eu-west-1",
    "owner": "team",
    "domain": {"prefix": "acme-test"},
    "user_pool": {
        "feature_plan": "plus",
        "email": {
            "sender": "ses",
            "from_address": "no-reply@example.com",
            "ses_identity_arn": "arn:aws:ses:eu-west-1:123456789012:identity/example.com",
        },
    },
}


@pytest.fixture(scope="module")
def minimal() -> EnvironmentConfig:
    return EnvironmentConfig.model_validate(MINIMAL, context=PRODUCTION)


def test_tier_defaults_to_production(minimal: EnvironmentConfig) -> None:
    assert minimal.tier == "production"


def test_password_policy_requires_every_character_class_by_default() -> None:
    policy = PasswordPolicyConfig()
    assert policy.require_lowercase
    assert policy.require_uppercase
    assert policy.require_digits
    assert policy.require_symbols


def test_production_tier_passwords_are_14_characters_with_required_mfa(
    minimal: EnvironmentConfig,
) -> None:
    assert minimal.user_pool.mfa.mode == "required"
    assert minimal.user_pool.password_policy.min_length == 14


def test_production_tier_passwords_are_15_characters_without_required_mfa() -> None:
    pool = UserPoolConfig.model_validate(
        {**MINIMAL["user_pool"], "mfa": {"mode": "optional", "relaxed_reason": "a reason"}},
        context=PRODUCTION,
    )
    assert pool.password_policy.min_length == 15


def test_development_tier_passwords_are_12_characters() -> None:
    pool = UserPoolConfig.model_validate(MINIMAL["user_pool"], context={"tier": "development"})
    assert pool.password_policy.min_length == 12


def test_mfa_defaults_to_required_totp() -> None:
    mfa = MfaConfig()
    assert (mfa.mode, mfa.totp, mfa.sms, mfa.email) == ("required", True, False, False)


def test_threat_protection_defaults_to_enforced() -> None:
    assert ThreatProtectionConfig().mode == "enforced"


def test_threat_protection_defaults_are_the_production_baseline() -> None:
    protection = ThreatProtectionConfig()
    assert protection.compromised_credentials.action == "block"
    assert protection.compromised_credentials.events == ("sign_in", "password_change", "sign_up")
    levels = protection.adaptive_authentication
    assert (levels.low.action, levels.medium.action, levels.high.action) == (
        "allow",
        "mfa_required",
        "block",
    )
    assert protection.weaker_than_baseline() == []
    assert protection.notified_levels(sends_through_ses=True) == {
        "low": False,
        "medium": True,
        "high": True,
    }


def test_self_sign_up_is_off_by_default(minimal: EnvironmentConfig) -> None:
    assert minimal.user_pool.self_sign_up is False


def test_pool_is_retained_and_protected_by_default(minimal: EnvironmentConfig) -> None:
    assert minimal.user_pool.deletion_protection is True
    assert minimal.user_pool.removal_policy == "retain"


def test_sign_in_is_by_email_with_email_required_by_default(
    minimal: EnvironmentConfig,
) -> None:
    assert minimal.user_pool.sign_in_identifiers == ("email",)
    assert minimal.user_pool.standard_attributes["email"].required is True


def test_account_recovery_defaults_to_verified_email(minimal: EnvironmentConfig) -> None:
    assert minimal.user_pool.account_recovery == "email_only"


def test_feature_plan_defaults_to_essentials_which_then_needs_a_reason() -> None:
    assert UserPoolConfig.model_fields["feature_plan"].default == "essentials"
    with pytest.raises(ValidationError) as caught:
        UserPoolConfig.model_validate({}, context={"tier": "development"})
    [error] = caught.value.errors()
    # (key, message, the value in effect): the default mode is what needs the plus plan.
    assert (("threat_protection", "mode"), "needs feature_plan `plus`", "enforced") in error["ctx"][
        "problems"
    ]


def test_public_client_defaults_to_srp_and_oidc_scopes() -> None:
    client = AppClientConfig(kind="public", callback_urls=("https://app.example.com/",))
    assert client.effective_auth_flows == ("user_srp",)
    assert client.effective_scopes == ("openid", "email", "profile")
    assert (client.access_token_validity_minutes, client.id_token_validity_minutes) == (60, 60)
    assert client.refresh_token_validity_days == 30
    assert client.refresh_token_rotation is False


def test_machine_client_defaults_to_no_auth_flows() -> None:
    client = AppClientConfig(kind="machine", scopes=("orders/read",))
    assert client.effective_auth_flows == ()


def test_managed_login_is_the_default_domain_version() -> None:
    assert DomainConfig(prefix="acme").managed_login_version == "managed_login"


def test_every_field_has_a_description() -> None:
    missing = []
    for model in (EnvironmentConfig, UserPoolConfig, AppClientConfig, DomainConfig):
        missing += [
            f"{model.__name__}.{n}" for n, f in model.model_fields.items() if not f.description
        ]
    assert missing == []
