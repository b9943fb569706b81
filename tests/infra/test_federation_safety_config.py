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


def test_the_google_type_refuses_workspace_domains_and_says_what_to_do(tmp_path: Path) -> None:
    # Cognito's Google type cannot deliver `hd`: a consumer Google account opened on a company
    # address would pass as a Workspace one.
    data = showcase(identity_providers__Google={**GOOGLE, "workspace_domains": ["example.com"]})
    problem = only(tmp_path, data)
    assert "identity_providers.Google.workspace_domains" in problem
    assert "cannot vouch for Workspace domains" in problem
    assert "issuer_url: https://accounts.google.com, workspace_domains: ['example.com']" in problem


WORKSPACE = {
    "type": "oidc",
    "name": "GoogleWorkspace",
    "issuer_url": "https://accounts.google.com",
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": {"secret_id": "cognito/google", "json_key": "client_secret"},
    "email_verified_by_idp": True,
    "workspace_domains": ["workspace.example.org"],
}
HD = {"type": "string", "mutable": True, "max": 253}


def with_workspace(provider: dict[str, Any] | None = None, hd: Any = HD) -> dict[str, Any]:
    data = showcase(identity_providers__GoogleWorkspace=provider or WORKSPACE)
    if hd is not None:
        data["user_pool"]["custom_attributes"]["hd"] = hd
    return data


def test_workspace_sign_in_through_google_s_issuer_vouches_exactly_with_hd(
    tmp_path: Path,
) -> None:
    write_env(tmp_path, "dev", with_workspace())
    config = load_environment("dev", directory=tmp_path)
    workspace = config.identity_providers["GoogleWorkspace"]
    assert workspace.email_domains() == ("workspace.example.org",)
    assert workspace.vouches_for_subdomains() is False
    assert workspace.hosted_domain_attribute() == "custom:hd"
    assert workspace.effective_mapping() == {
        "email": "email",
        "email_verified": "email_verified",
        "given_name": "given_name",
        "family_name": "family_name",
        "custom:hd": "hd",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"issuer_url": "https://login.partner.example.com"},
            "GoogleWorkspace.issuer_url: 'https://login.partner.example.com': workspace_domains "
            "needs issuer_url",
        ),
        (
            {"email_verified_by_idp": False},
            "GoogleWorkspace.email_verified_by_idp: false: workspace_domains needs "
            "email_verified_by_idp: true",
        ),
        ({"workspace_domains": ["gmail.com"]}, "public mailbox providers"),
        ({"workspace_domains": ["co.uk"]}, "public suffixes"),
        (
            {"workspace_domains": [], "trusted_email_domains": ["workspace.example.org"]},
            "GoogleWorkspace.trusted_email_domains: [workspace.example.org]: is not allowed on "
            "Google's issuer",
        ),
        (
            {"attribute_mapping": {"email": "email", "email_verified": "email_verified"}},
            "GoogleWorkspace.attribute_mapping: must map custom:hd to 'hd'",
        ),
    ],
)
def test_a_workspace_provider_is_refused_unless_hd_decides(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    problem = only(tmp_path, with_workspace({**WORKSPACE, **change}))
    assert "identity_providers" in problem
    assert message in problem


def test_google_s_issuer_without_workspace_domains_vouches_for_nothing(tmp_path: Path) -> None:
    provider = {**WORKSPACE, "workspace_domains": [], "identifiers": ["example.com"]}
    write_env(tmp_path, "dev", with_workspace(provider, hd=None))
    config = load_environment("dev", directory=tmp_path)
    assert config.identity_providers["GoogleWorkspace"].email_domains() == ()


def test_only_the_workspace_provider_may_write_the_hosted_domain(tmp_path: Path) -> None:
    saml = kit_file("showcase")["identity_providers"]["CorporateSso"]
    mapping = {**saml["attribute_mapping"], "custom:hd": "http://schemas.example.com/hd"}
    data = with_workspace()
    data["identity_providers"]["CorporateSso"]["attribute_mapping"] = mapping
    problem = only(tmp_path, data)
    assert "identity_providers.CorporateSso.attribute_mapping: maps custom:hd" in problem


@pytest.mark.parametrize(
    ("hd", "message"),
    [
        (None, "user_pool.custom_attributes.hd: missing"),
        ({**HD, "mutable": False}, "mutable: true"),
        ({**HD, "user_writable": True}, "no user_writable"),
        ({**HD, "max": 64}, "max of at least 253"),
        ({"type": "number"}, "type string"),
    ],
)
def test_the_hosted_domain_needs_an_attribute_cognito_can_write_and_no_client_can(
    tmp_path: Path, hd: Any, message: str
) -> None:
    found = "\n".join(problems(tmp_path, with_workspace(hd=hd)))
    assert message in found


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
        identity_providers__CorporateSso={**saml, "identifiers": ["corp.example.com", "CORP"]},
    )
    write_env(tmp_path, "dev", data)
    providers = load_environment("dev", directory=tmp_path).identity_providers
    assert providers["Google"].email_domains() == ("gmail.com", "googlemail.com")
    assert providers["Google"].vouches_for_subdomains() is False
    assert providers["CorporateSso"].email_domains() == ("corp.example.com",)
    # An enterprise IdP's organisation runs its domain's DNS: its subdomains are its own.
    assert providers["CorporateSso"].vouches_for_subdomains() is True
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
    data["triggers"].pop("inbound_federation")  # it maps the (removed) SAML provider's groups
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


def test_admitted_domains_follow_the_exact_domain_rule_of_google_and_apple(
    tmp_path: Path,
) -> None:
    apple = kit_file("showcase")["identity_providers"]["Apple"]
    data = invite_only(
        identity_providers__Apple={**apple, "trusted_email_domains": ["apple.example.org"]},
        triggers__pre_sign_up__federated_sign_up_domains=["eu.apple.example.org"],
    )
    problem = only(tmp_path, data)
    assert "no enabled provider may vouch for ['eu.apple.example.org']" in problem


def test_admitted_domains_may_be_subdomains_of_an_enterprise_idp_s(tmp_path: Path) -> None:
    data = invite_only(triggers__pre_sign_up__federated_sign_up_domains=["eu.corp.example.com"])
    write_env(tmp_path, "dev", data)
    load_environment("dev", directory=tmp_path)


def test_admitting_a_public_suffix_is_refused(tmp_path: Path) -> None:
    data = invite_only(triggers__pre_sign_up__federated_sign_up_domains=["co.uk"])
    found = "\n".join(problems(tmp_path, data))
    assert "['co.uk'] are public suffixes: admitting everyone under one is open sign-up" in found


# --- one provider per domain; public suffixes by none ---------------------------------------


def partner(**changes: Any) -> dict[str, Any]:
    config = kit_file("showcase")["identity_providers"]["PartnerLogin"]
    return {**config, "email_verified_by_idp": True, **changes}


@pytest.mark.parametrize("domain", ["example.com", "corp.example.com", "eu.corp.example.com"])
def test_a_domain_and_its_parents_belong_to_one_provider(tmp_path: Path, domain: str) -> None:
    # CorporateSso vouches for corp.example.com: a partner's IdP for example.com (a parent),
    # the same domain or a subdomain of it could take over the corporate users.
    data = showcase(identity_providers__PartnerLogin=partner(trusted_email_domains=[domain]))
    found = "\n".join(problems(tmp_path, data))
    assert "shared_domains: CorporateSso vouches for 'corp.example.com' and PartnerLogin" in found
    assert "a domain and its parents are vouched for by one provider" in found


def test_an_overlap_both_providers_acknowledge_is_accepted(tmp_path: Path) -> None:
    saml = kit_file("showcase")["identity_providers"]["CorporateSso"]
    reason = "the partner is our parent company; its IdP manages our staff too"
    data = showcase(
        identity_providers__PartnerLogin=partner(
            trusted_email_domains=["example.com"], shared_domains={"example.com": reason}
        ),
        identity_providers__CorporateSso={**saml, "shared_domains": {"corp.example.com": reason}},
    )
    write_env(tmp_path, "dev", data)
    load_environment("dev", directory=tmp_path)


def test_one_side_acknowledging_is_not_enough(tmp_path: Path) -> None:
    data = showcase(
        identity_providers__PartnerLogin=partner(
            trusted_email_domains=["example.com"], shared_domains={"example.com": "ours"}
        )
    )
    assert "identity_providers.CorporateSso.shared_domains" in only(tmp_path, data)


@pytest.mark.parametrize(
    ("shared", "message"),
    [
        ({"partner.example.net": "x"}, "no other enabled provider vouches for it"),
        ({"other.example.org": "x"}, "is not a domain this provider vouches for"),
    ],
)
def test_an_acknowledgment_without_an_overlap_is_refused(
    tmp_path: Path, shared: dict[str, str], message: str
) -> None:
    data = showcase(
        identity_providers__PartnerLogin=partner(
            trusted_email_domains=["partner.example.net"], shared_domains=shared
        )
    )
    problem = only(tmp_path, data)
    assert f"identity_providers.PartnerLogin.shared_domains.{next(iter(shared))}" in problem
    assert message in problem


def test_a_disabled_provider_vouches_for_nothing_and_overlaps_nothing(tmp_path: Path) -> None:
    data = showcase(
        identity_providers__PartnerLogin=partner(
            trusted_email_domains=["example.com"], enabled=False
        )
    )
    data["app_clients"]["WebApp"]["identity_providers"] = ["Google", "CorporateSso"]
    write_env(tmp_path, "dev", data)
    load_environment("dev", directory=tmp_path)


@pytest.mark.parametrize(
    ("provider", "key", "domain"),
    [
        ("Apple", "trusted_email_domains", "co.uk"),
        ("CorporateSso", "trusted_email_domains", "github.io"),
        ("PartnerLogin", "trusted_email_domains", "s3.amazonaws.com"),
    ],
)
def test_public_suffixes_are_vouched_for_by_nobody(
    tmp_path: Path, provider: str, key: str, domain: str
) -> None:
    config = {**kit_file("showcase")["identity_providers"][provider], key: [domain]}
    if provider == "PartnerLogin":
        config["email_verified_by_idp"] = True
    found = "\n".join(problems(tmp_path, showcase(**{f"identity_providers__{provider}": config})))
    assert f"identity_providers.{provider}.{key}" in found
    assert f"['{domain}'] are public suffixes" in found


def test_an_identifier_that_is_a_public_suffix_is_refused(tmp_path: Path) -> None:
    saml = kit_file("showcase")["identity_providers"]["CorporateSso"]
    data = showcase(identity_providers__CorporateSso={**saml, "identifiers": ["co.uk"]})
    found = "\n".join(problems(tmp_path, data))
    assert "identity_providers.CorporateSso.identifiers: ['co.uk'] are public suffixes" in found


# --- a group scope is only ever carried by a client that may request it ----------------------


def test_a_group_scope_no_signing_in_client_may_request_is_flagged(tmp_path: Path) -> None:
    data = showcase()
    data["app_clients"]["AdminPortal"].pop("scopes")
    problem = only(tmp_path, data)
    assert "triggers.pre_token_generation.group_scopes.Admins: ['orders/write']" in problem
    assert "no app client that signs users in may request them" in problem


def test_a_machine_client_s_scope_does_not_count_for_a_group(tmp_path: Path) -> None:
    # OrdersWorker may request orders/write, but no user signs in through a machine client.
    data = showcase()
    data["app_clients"]["AdminPortal"]["scopes"] = ["openid", "email", "profile"]
    assert "group_scopes.Admins" in only(tmp_path, data)


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


def test_a_client_must_be_able_to_write_what_its_providers_map(tmp_path: Path) -> None:
    # Cognito rewrites mapped attributes at every federated sign-in with the client's write
    # permissions and refuses the sign-in when one is missing ("Attribute cannot be updated").
    data = showcase()
    data["app_clients"]["WebApp"]["write_attributes"] = ["email"]
    problem = only(tmp_path, data)
    assert (
        "app_clients.WebApp.write_attributes: ['family_name', 'given_name'] are mapped" in problem
    )
    assert "Attribute cannot be updated" in problem


def test_a_client_may_write_a_custom_attribute_its_provider_maps(tmp_path: Path) -> None:
    # custom:hd is not user_writable, but the Workspace provider maps it: the clients that offer
    # that provider write it (and only they), so an explicit list may name it.
    data = kit_file("strict")
    data["app_clients"]["WebApp"]["write_attributes"] = [
        "custom:hd",
        "email",
        "family_name",
        "given_name",
    ]
    write_env(tmp_path, "prod", data)
    config = load_environment("prod", directory=tmp_path)
    assert "custom:hd" in (config.app_clients["WebApp"].write_attributes or ())


def test_a_provider_may_not_map_an_immutable_attribute(tmp_path: Path) -> None:
    data = showcase()
    data["identity_providers"]["Facebook"]["attribute_mapping"] = {
        "email": "email",
        "custom:tenant_id": "id",
    }
    [problem] = [p for p in problems(tmp_path, data) if "attribute_mapping" in p]
    assert "identity_providers.Facebook.attribute_mapping: maps ['custom:tenant_id']" in problem
    assert "immutable in the pool" in problem
