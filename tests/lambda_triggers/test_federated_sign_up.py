"""Federated sign-in never takes over an account and never gets around invite-only.

Each scenario drives the real pre sign-up handler with AWS answered by botocore's Stubber: an
unexpected AWS call fails the test (the Stubber has nothing queued), so "never calls AWS" and
"never links" are checked, not assumed. Every refusal here fails if its protection is removed.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_triggers import pre_sign_up
from lambda_triggers.pre_sign_up import SignUpDenied

POOL = "us-east-1_EXAMPLE"
SUBJECT = "109876543210987654321"
GOOGLE = {"Google": ["gmail.com", "googlemail.com"]}
CORPORATE = {"CorporateSSO": ["corp.example.com"]}
LINKING = {
    "account_linking": True,
    "provider_email_domains": {**GOOGLE, **CORPORATE},
    "protected_groups": ["admins"],
}


@pytest.fixture
def aws(cognito_idp: Any, stubber: Any) -> Any:
    pre_sign_up._client = cognito_idp
    return stubber


def federated(load_event: Any, username: str, email: str, verified: str = "true") -> Any:
    event = load_event("pre_sign_up_external_provider")
    event["userName"] = username
    event["request"]["userAttributes"].update({"email": email, "email_verified": verified})
    return event


def native(username: str, email: str) -> dict[str, Any]:
    return {
        "Username": username,
        "UserStatus": "CONFIRMED",
        "Attributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
        ],
    }


def find(aws: Any, username: str, email: str) -> None:
    aws.add_response(
        "list_users",
        {"Users": [native(username, email)]},
        {
            "UserPoolId": POOL,
            "Filter": f'email = "{email}"',
            "AttributesToGet": ["email", "email_verified"],
            "Limit": 60,
        },
    )


def target(aws: Any, username: str, mfa: dict[str, Any] | None = None) -> None:
    aws.add_response(
        "admin_get_user",
        {"Username": username, "UserAttributes": [], **(mfa or {})},
        {"UserPoolId": POOL, "Username": username},
    )


def groups(aws: Any, username: str, names: list[str], next_token: str | None = None) -> None:
    page: dict[str, Any] = {"Groups": [{"GroupName": n} for n in names]}
    expected: dict[str, Any] = {"UserPoolId": POOL, "Username": username, "Limit": 60}
    if next_token:
        page["NextToken"] = next_token
    aws.add_response("admin_list_groups_for_user", page, expected)


def link(aws: Any, username: str, provider: str = "Google") -> None:
    aws.add_response(
        "admin_link_provider_for_user",
        {},
        {
            "UserPoolId": POOL,
            "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": username},
            "SourceUser": {
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": SUBJECT,
            },
        },
    )


# --- linking: the one case that links ---------------------------------------------------------


def test_a_verified_gmail_sign_in_links_to_the_matching_unprivileged_native_user(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(LINKING)
    find(aws, "ann", "ann@gmail.com")
    target(aws, "ann")
    groups(aws, "ann", ["members"])
    link(aws, "ann")
    event = federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com")
    assert pre_sign_up.handler(event, None) is event


# --- linking never bypasses a stronger sign-in ------------------------------------------------


@pytest.mark.parametrize(
    "mfa",
    [
        {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"},
        {"UserMFASettingList": ["EMAIL_OTP"]},
        {"PreferredMfaSetting": "SMS_MFA"},
        {"MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]},
    ],
)
def test_a_user_with_mfa_is_never_linked(
    mfa: dict[str, Any], set_config: Any, load_event: Any, aws: Any, caplog: Any, log_text: Any
) -> None:
    set_config(LINKING)
    find(aws, "ann", "ann@gmail.com")
    target(aws, "ann", mfa)
    event = federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com")
    with caplog.at_level(logging.INFO), pytest.raises(SignUpDenied) as raised:
        pre_sign_up.handler(event, None)
    assert str(raised.value) == pre_sign_up.LINK_REFUSED_MESSAGE
    assert "refusing to link: the native user has MFA set up" in log_text(caplog.records)
    assert "ann@gmail.com" not in log_text(caplog.records)


def test_a_member_of_a_protected_group_is_never_linked(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(LINKING)
    find(aws, "boss", "boss@gmail.com")
    target(aws, "boss")
    groups(aws, "boss", ["members", "admins"])
    with pytest.raises(SignUpDenied, match="Sign in with your password"):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "boss@gmail.com"), None)


def test_a_protected_group_on_a_later_page_is_found(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(LINKING)
    find(aws, "boss", "boss@gmail.com")
    target(aws, "boss")
    groups(aws, "boss", ["members"], next_token="more")
    aws.add_response(
        "admin_list_groups_for_user",
        {"Groups": [{"GroupName": "admins"}]},
        {"UserPoolId": POOL, "Username": "boss", "Limit": 60, "NextToken": "more"},
    )
    with pytest.raises(SignUpDenied):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "boss@gmail.com"), None)


def test_more_groups_than_can_be_checked_is_treated_as_protected(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(LINKING)
    find(aws, "ann", "ann@gmail.com")
    target(aws, "ann")
    groups(aws, "ann", ["g1"], next_token="p2")
    aws.add_response(
        "admin_list_groups_for_user",
        {"Groups": [{"GroupName": "g2"}], "NextToken": "p3"},
        {"UserPoolId": POOL, "Username": "ann", "Limit": 60, "NextToken": "p2"},
    )
    with pytest.raises(SignUpDenied):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com"), None)


# --- a provider is trusted only for the domains it owns --------------------------------------


@pytest.mark.parametrize(
    ("username", "email", "why"),
    [
        # A Google account opened on a corporate address during a mailbox compromise.
        (f"Google_{SUBJECT}", "ceo@corp.example.com", "Google does not own corp.example.com"),
        # The corporate IdP's administrators asserting a customer's address.
        (f"CorporateSSO_{SUBJECT}", "customer@gmail.com", "the IdP does not own gmail.com"),
        # Facebook asserts no verification: it vouches for nothing.
        (f"Facebook_{SUBJECT}", "ann@gmail.com", "Facebook vouches for nothing"),
        # Apple's private relay addresses are per app, never someone's mailbox.
        (f"SignInWithApple_{SUBJECT}", "x1@privaterelay.appleid.com", "Apple vouches for nothing"),
    ],
)
def test_a_provider_outside_its_domains_never_links(
    username: str, email: str, why: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    # The Stubber has nothing queued: a ListUsers or a link would fail the test.
    set_config(LINKING)
    event = federated(load_event, username, email)
    assert pre_sign_up.handler(event, None) is event, why


def test_the_corporate_idp_links_its_own_domain(set_config: Any, load_event: Any, aws: Any) -> None:
    set_config(LINKING)
    find(aws, "ann.corp", "ann@corp.example.com")
    target(aws, "ann.corp")
    groups(aws, "ann.corp", [])
    link(aws, "ann.corp", provider="CorporateSSO")
    pre_sign_up.handler(
        federated(load_event, f"CorporateSSO_{SUBJECT}", "ann@corp.example.com"), None
    )


def test_an_unverified_email_never_links(set_config: Any, load_event: Any, aws: Any) -> None:
    set_config(LINKING)
    event = federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com", verified="false")
    assert pre_sign_up.handler(event, None) is event


def test_without_linking_turned_on_nothing_is_linked(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config({**LINKING, "account_linking": False})
    event = federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com")
    assert pre_sign_up.handler(event, None) is event


# --- invite-only means invite-only ------------------------------------------------------------

# The runtime side of an invite-only pool whose Workspace signs in through Google's OIDC issuer
# (as prod.yaml synthesizes it; tests/stacks/test_triggers.py pins that).
WORKSPACE = "GoogleWorkspace"
INVITE_ONLY = {
    "provider_email_domains": {**GOOGLE, WORKSPACE: ["example.com"]},
    "provider_hosted_domains": {WORKSPACE: "custom:hd"},
    "federated_sign_up": "invite_only",
    "federated_sign_up_domains": ["example.com", "gmail.com"],
}


GOOGLE_ONLY = {"provider_email_domains": GOOGLE, "provider_hosted_domains": {}}


def workspace(load_event: Any, email: str, hd: str | None, verified: str = "true") -> Any:
    event = federated(load_event, f"{WORKSPACE}_{SUBJECT}", email, verified)
    if hd is not None:
        event["request"]["userAttributes"]["custom:hd"] = hd
    return event


@pytest.mark.parametrize(
    ("email", "hd", "verified"),
    [
        # A consumer Google account opened on a company address: verified, but no `hd`.
        ("contractor@example.com", None, "true"),
        ("contractor@example.com", "", "true"),
        # Another organisation's Workspace cannot speak for example.com.
        ("ceo@example.com", "other.example.net", "true"),
        # An address at a subdomain that is not listed, whatever its Workspace.
        ("ticket-4711@support.example.com", "example.com", "true"),
        ("ticket-4711@support.example.com", "support.example.com", "true"),
        ("stranger@example.com", "example.com", "false"),  # not verified
        ("stranger@example.com.evil.net", "example.com", "true"),
    ],
)
def test_invite_only_refuses_what_google_does_not_vouch_for(
    email: str, hd: str | None, verified: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(INVITE_ONLY)
    with pytest.raises(SignUpDenied) as raised:
        pre_sign_up.handler(workspace(load_event, email, hd, verified), None)
    assert str(raised.value) == pre_sign_up.INVITE_ONLY_MESSAGE


@pytest.mark.parametrize("hd", ["example.com", "EXAMPLE.COM"])
def test_invite_only_admits_a_workspace_account_at_the_listed_domain(
    hd: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(INVITE_ONLY)
    event = workspace(load_event, "ann@example.com", hd)
    assert pre_sign_up.handler(event, None) is event


def test_invite_only_admits_gmail_through_google_exactly(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(INVITE_ONLY)
    event = federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com")
    assert pre_sign_up.handler(event, None) is event
    with pytest.raises(SignUpDenied):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@x.gmail.com"), None)


def test_the_google_type_cannot_vouch_for_the_workspace_domain(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    # example.com belongs to the Workspace provider: the google type vouches for gmail.com only.
    set_config(INVITE_ONLY)
    with pytest.raises(SignUpDenied, match="invitation only"):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@example.com"), None)


def test_invite_only_admits_a_sign_in_linked_to_an_existing_user(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config({**INVITE_ONLY, **LINKING, **GOOGLE_ONLY})
    find(aws, "ann", "ann@gmail.com")
    target(aws, "ann")
    groups(aws, "ann", [])
    link(aws, "ann")
    pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com"), None)


def test_invite_only_refuses_when_there_is_no_one_to_link_to(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config({**INVITE_ONLY, **LINKING, **GOOGLE_ONLY, "federated_sign_up_domains": ["x.org"]})
    aws.add_response("list_users", {"Users": []})
    with pytest.raises(SignUpDenied, match="invitation only"):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "new@gmail.com"), None)


@pytest.mark.parametrize("name", ["pre_sign_up_sign_up", "pre_sign_up_admin_create_user"])
def test_invite_only_applies_to_federated_sign_ins_only(
    name: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    # AllowAdminCreateUserOnly governs SignUp; invitations (AdminCreateUser) must still work.
    set_config(INVITE_ONLY)
    event = load_event(name)
    assert pre_sign_up.handler(event, None) is event


# --- Google Workspace links only with `hd`, and never a subdomain ------------------------------

WORKSPACE_LINKING = {
    "account_linking": True,
    "provider_email_domains": {WORKSPACE: ["example.com"]},
    "provider_hosted_domains": {WORKSPACE: "custom:hd"},
    "protected_groups": ["admins"],
}


@pytest.mark.parametrize(
    ("email", "hd"),
    [
        ("ceo@example.com", None),  # a consumer Google account on the CEO's address
        ("ceo@example.com", "consumer.example.org"),
        ("ceo@support.example.com", "example.com"),  # a subdomain nobody listed
    ],
)
def test_a_google_account_without_the_workspace_never_links(
    email: str, hd: str | None, set_config: Any, load_event: Any, aws: Any
) -> None:
    # The Stubber has nothing queued: a ListUsers or a link would fail the test.
    set_config(WORKSPACE_LINKING)
    event = workspace(load_event, email, hd)
    assert pre_sign_up.handler(event, None) is event


def test_a_workspace_account_links_to_its_native_user(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(WORKSPACE_LINKING)
    find(aws, "ceo", "ceo@example.com")
    target(aws, "ceo")
    groups(aws, "ceo", [])
    link(aws, "ceo", provider=WORKSPACE)
    pre_sign_up.handler(workspace(load_event, "ceo@example.com", "example.com"), None)


# --- Apple: listed domains exactly; an enterprise IdP: its subdomains, unless listed elsewhere --

APPLE_AND_IDPS = {
    "account_linking": True,
    "provider_email_domains": {
        "SignInWithApple": ["apple-managed.example.com"],
        "CorporateSSO": ["corp.example.com"],
        "PartnerLogin": ["example.com"],
    },
    "provider_subdomains": ["CorporateSSO", "PartnerLogin"],
}


@pytest.mark.parametrize(
    ("username", "email"),
    [
        # Apple vouches for its listed domain only, never a subdomain of it.
        (f"SignInWithApple_{SUBJECT}", "ann@eu.apple-managed.example.com"),
        # The partner's IdP owns example.com, but corp.example.com belongs to CorporateSSO.
        (f"PartnerLogin_{SUBJECT}", "ceo@corp.example.com"),
        (f"PartnerLogin_{SUBJECT}", "ceo@eu.corp.example.com"),
    ],
)
def test_no_provider_vouches_beyond_its_own_domains(
    username: str, email: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(APPLE_AND_IDPS)
    event = federated(load_event, username, email)
    assert pre_sign_up.handler(event, None) is event


def test_an_enterprise_idp_vouches_for_its_subdomains(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(APPLE_AND_IDPS)
    find(aws, "ann.eu", "ann@eu.corp.example.com")
    target(aws, "ann.eu")
    link(aws, "ann.eu", provider="CorporateSSO")
    pre_sign_up.handler(
        federated(load_event, f"CorporateSSO_{SUBJECT}", "ann@eu.corp.example.com"), None
    )


@pytest.mark.parametrize(
    ("username", "email", "allowed"),
    [
        (f"SignInWithApple_{SUBJECT}", "ann@apple-managed.example.com", True),
        (f"SignInWithApple_{SUBJECT}", "ann@eu.apple-managed.example.com", False),
        (f"{WORKSPACE}_{SUBJECT}", "ann@support.apple-managed.example.com", False),
        (f"CorporateSSO_{SUBJECT}", "ann@eu.apple-managed.example.com", True),
    ],
)
def test_the_allow_list_is_exact_for_a_sign_in_from_google_or_apple(
    username: str, email: str, allowed: bool, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(
        {
            "allowed_email_domains": ["apple-managed.example.com"],
            "provider_email_domains": APPLE_AND_IDPS["provider_email_domains"],
            "provider_subdomains": ["CorporateSSO"],
        }
    )
    event = federated(load_event, username, email)
    if allowed:
        assert pre_sign_up.handler(event, None) is event
    else:
        with pytest.raises(SignUpDenied, match=r"restricted to apple-managed\.example\.com"):
            pre_sign_up.handler(event, None)


# --- the example production environment, as synthesized ----------------------------------------


@pytest.fixture(scope="module")
def prod_pre_sign_up() -> dict[str, Any]:
    """The pre sign-up TRIGGER_CONFIG that infra/environments/prod.yaml synthesizes."""
    from infra.config import load_environments
    from infra.config.loader import ENVIRONMENTS_DIR
    from infra.constructs.triggers import runtime_configs

    [prod] = load_environments(["prod"], directory=ENVIRONMENTS_DIR)
    configs = runtime_configs(
        prod.triggers, prod.user_pool, prod.identity_providers, prod.app_clients
    )
    return configs["PreSignUp"]


@pytest.mark.parametrize(
    ("email", "hd"),
    [
        ("contractor@example.com", None),  # a consumer Google account on a company address
        ("ceo@example.com", None),
        ("ticket-4711@support.example.com", "example.com"),  # a subdomain that is not listed
    ],
)
def test_prod_admits_neither_a_consumer_account_nor_an_unlisted_subdomain(
    email: str, hd: str | None, prod_pre_sign_up: Any, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(prod_pre_sign_up)
    with pytest.raises(SignUpDenied, match="invitation only"):
        pre_sign_up.handler(workspace(load_event, email, hd), None)


def test_prod_admits_its_workspace_staff(
    prod_pre_sign_up: Any, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(prod_pre_sign_up)
    event = workspace(load_event, "ann@example.com", "example.com")
    assert pre_sign_up.handler(event, None) is event
