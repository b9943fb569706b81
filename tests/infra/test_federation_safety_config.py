"""The config refuses every federation setting that would let someone take over an account,
get around invite-only, or grant themselves a claim (issue: federated sign-in safety)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from tests.infra.test_config_errors import kit_file, problems_of, write_env

GOOGLE = {
    "type": "google",
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": {"secret_id": "cognito/google", "json_key": "client_secret"},
}


def showcase(**changes: Any) -> dict[str, Any]:
    data = kit_file("showcase")
    for path, value in changes.items():
        node = data
        *parents, leaf = path.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return data


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    write_env(tmp_path, "dev", data)
    return problems_of(tmp_path, "dev")


def only(tmp_path: Path, data: dict[str, Any]) -> str:
    [problem] = problems(tmp_path, data)
    return problem


# --- a provider vouches only for domains it owns ----------------------------------------------


@pytest.mark.parametrize("domain", ["gmail.com", "outlook.com", "yahoo.com"])
def test_google_workspace_domains_cannot_be_public_mailbox_providers(
    tmp_path: Path, domain: str
) -> None:
    data = showcase(identity_providers__Google={**GOOGLE, "workspace_domains": [domain]})
    problem = only(tmp_path, data)
    assert "identity_providers.Google.workspace_domains" in problem
    assert "public mailbox providers" in problem


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("privaterelay.appleid.com", "per-app relays"),
        ("icloud.com", "public mailbox providers"),
    ],
)
def test_apple_never_vouches_for_its_relay_or_public_mailboxes(
    tmp_path: Path, domain: str, message: str
) -> None:
    apple = kit_file("showcase")["identity_providers"]["Apple"]
    data = showcase(identity_providers__Apple={**apple, "trusted_email_domains": [domain]})
    problem = only(tmp_path, data)
    assert "identity_providers.Apple.trusted_email_domains" in problem
    assert message in problem


@pytest.mark.parametrize("provider", ["CorporateSso", "PartnerLogin"])
def test_an_enterprise_idp_cannot_vouch_for_gmail(tmp_path: Path, provider: str) -> None:
    config = kit_file("showcase")["identity_providers"][provider]
    data = showcase(
        **{f"identity_providers__{provider}": {**config, "trusted_email_domains": ["gmail.com"]}}
    )
    problem = only(tmp_path, data)
    assert f"identity_providers.{provider}.trusted_email_domains" in problem
    assert "its administrators could take over those users" in problem


def test_facebook_has_no_way_to_vouch(tmp_path: Path) -> None:
    facebook = kit_file("showcase")["identity_providers"]["Facebook"]
    data = showcase(identity_providers__Facebook={**facebook, "trusted_email_domains": ["x.com"]})
    assert "identity_providers.Facebook.trusted_email_domains: unknown key" in only(tmp_path, data)


def test_what_each_provider_vouches_for(tmp_path: Path) -> None:
    saml = kit_file("showcase")["identity_providers"]["CorporateSso"]
    data = showcase(
        identity_providers__Google={**GOOGLE, "workspace_domains": ["example.com"]},
        identity_providers__CorporateSso={**saml, "identifiers": ["corp.example.com", "CORP"]},
    )
    write_env(tmp_path, "dev", data)
    providers = load_environment("dev", directory=tmp_path).identity_providers
    assert providers["Google"].email_domains() == ("gmail.com", "googlemail.com", "example.com")
    assert providers["CorporateSso"].email_domains() == ("corp.example.com",)
    assert providers["Facebook"].email_domains() == ()
    assert providers["Apple"].email_domains() == ()
    # PartnerLogin does not guarantee verified email: it vouches for nothing.
    assert providers["PartnerLogin"].email_domains() == ()


# --- linking is opt-in and never around MFA -----------------------------------------------------


def test_linking_is_off_unless_the_file_turns_it_on(tmp_path: Path) -> None:
    data = kit_file("showcase")
    del data["triggers"]["pre_sign_up"]["account_linking"]
    write_env(tmp_path, "dev", data)
    assert load_environment("dev", directory=tmp_path).triggers.pre_sign_up.account_linking is False


def test_linking_is_refused_where_mfa_is_required(tmp_path: Path) -> None:
    data = showcase(user_pool__mfa={"mode": "required", "totp": True})
    problem = only(tmp_path, data)
    assert "triggers.pre_sign_up.account_linking: true, but MFA is required" in problem


def test_linking_without_a_provider_that_may_vouch_is_refused(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["identity_providers"] = {"Facebook": data["identity_providers"]["Facebook"]}
    data["app_clients"]["AdminPortal"].pop("identity_providers")
    problem = only(tmp_path, data)
    assert (
        "triggers.pre_sign_up.account_linking: true, but no enabled provider may vouch" in problem
    )


def test_protected_groups_must_be_groups(tmp_path: Path) -> None:
    data = showcase(triggers__pre_sign_up__protected_groups=["Admins", "Owners"])
    assert "triggers.pre_sign_up.protected_groups: ['Owners'] are not group ids" in only(
        tmp_path, data
    )


# --- invite-only means invite-only -------------------------------------------------------------


def invite_only(**changes: Any) -> dict[str, Any]:
    return showcase(user_pool__self_sign_up=False, **changes)


def test_invite_only_with_providers_needs_the_pre_sign_up_trigger(tmp_path: Path) -> None:
    problem = only(tmp_path, invite_only(triggers__pre_sign_up={"enabled": False}))
    assert "triggers.pre_sign_up.enabled: false, but self sign-up is off" in problem


def test_opening_federated_sign_up_needs_a_reason(tmp_path: Path) -> None:
    data = invite_only(user_pool__federated_sign_up="open")
    assert "needs federated_sign_up_reason" in only(tmp_path, data)
    data["user_pool"]["federated_sign_up_reason"] = "partners sign in with their own IdP"
    data["triggers"]["pre_sign_up"]["enabled"] = False
    write_env(tmp_path, "dev", data)
    assert load_environment("dev", directory=tmp_path).user_pool.federated_sign_up == "open"


def test_admitted_domains_must_be_owned_by_an_enabled_provider(tmp_path: Path) -> None:
    data = invite_only(triggers__pre_sign_up__federated_sign_up_domains=["partner.example.net"])
    problem = only(tmp_path, data)
    assert "no enabled provider may vouch for ['partner.example.net']" in problem


def test_admitted_domains_have_no_effect_when_sign_up_is_open(tmp_path: Path) -> None:
    data = showcase(triggers__pre_sign_up__federated_sign_up_domains=["gmail.com"])
    assert "has no effect: federated sign-up is open" in only(tmp_path, data)


# --- claims and session tags only from attributes nobody can write ----------------------------


@pytest.mark.parametrize(
    ("key", "attribute", "who"),
    [
        ("identity_pool__principal_tags", "given_name", "app client WebApp"),
        ("triggers__pre_token_generation__id_token_claims", "family_name", "app client WebApp"),
        ("triggers__pre_token_generation__access_token_claims", "given_name", "AdminPortal"),
        # Every federated sign-in writes what the provider maps: its users control it.
        ("identity_pool__principal_tags", "email", "identity provider Google"),
    ],
)
def test_claims_and_tags_never_come_from_attributes_someone_can_write(
    tmp_path: Path, key: str, attribute: str, who: str
) -> None:
    problem = next(
        p
        for p in problems(tmp_path, showcase(**{key: {"tenant": attribute}}))
        if f"{key.replace('__', '.')}.tenant" in p
    )
    assert f"{attribute!r} can be set by" in problem
    assert who in problem


@pytest.mark.parametrize(
    "name", ["custom:tenant_id", "email", "sub", "cognito:groups", "Email_Verified", "origin_jti"]
)
def test_a_claim_never_shadows_a_pool_attribute_or_a_cognito_claim(
    tmp_path: Path, name: str
) -> None:
    data = showcase(triggers__pre_token_generation__id_token_claims={name: "custom:tenant_id"})
    problem = only(tmp_path, data)
    assert f"triggers.pre_token_generation.id_token_claims.{name}" in problem
    assert "would shadow it" in problem


def test_the_groups_claim_never_shadows_one_either(tmp_path: Path) -> None:
    data = showcase(triggers__pre_token_generation__groups_claim="cognito:groups")
    assert "triggers.pre_token_generation.groups_claim: 'cognito:groups'" in only(tmp_path, data)


# --- empty attribute lists ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["read_attributes", "write_attributes"])
def test_an_empty_attribute_list_is_refused_not_read_as_every_attribute(
    tmp_path: Path, key: str
) -> None:
    data = kit_file("showcase")
    data["app_clients"]["AdminPortal"][key] = []
    problem = next(p for p in problems(tmp_path, data) if f"AdminPortal.{key}" in p)
    assert "an empty list cannot be expressed" in problem


def test_an_empty_default_write_list_is_refused(tmp_path: Path) -> None:
    data = kit_file("minimal")
    data["user_pool"]["standard_attributes"] = {
        "phone_number": {"required": False, "mutable": False}
    }
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "app_clients.Mobile.write_attributes: the default" in problem
    assert "which Cognito treats as every attribute" in problem
