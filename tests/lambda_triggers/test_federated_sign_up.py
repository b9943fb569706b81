"""Federated sign-in never takes over an account and never gets around invite-only.

Each scenario drives the real pre sign-up handler with AWS answered by botocore's Stubber: an
unexpected AWS call fails the test (the Stubber has nothing queued), so "never calls AWS" and
"never links" are checked, not assumed. Every refusal here fails if its protection is removed.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lambda_triggers import _common, pre_sign_up
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
    _common._cognito_client = cognito_idp
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

INVITE_ONLY = {
    "provider_email_domains": {"Google": ["gmail.com", "googlemail.com", "example.com"]},
    "federated_sign_up": "invite_only",
    "federated_sign_up_domains": ["example.com"],
}


@pytest.mark.parametrize(
    ("email", "verified"),
    [
        ("stranger@gmail.com", "true"),  # an unknown address outside the allowed domains
        ("stranger@example.com", "false"),  # the provider did not verify it
        ("stranger@example.com.evil.net", "true"),
    ],
)
def test_invite_only_refuses_a_first_federated_sign_in_outside_the_allowed_domains(
    email: str, verified: str, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(INVITE_ONLY)
    with pytest.raises(SignUpDenied) as raised:
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", email, verified), None)
    assert str(raised.value) == pre_sign_up.INVITE_ONLY_MESSAGE


def test_invite_only_refuses_an_allowed_domain_the_provider_does_not_own(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    # example.com is allowed, but only Google Workspace may vouch for it, not this IdP.
    set_config({**INVITE_ONLY, "provider_email_domains": {"Google": ["gmail.com"]}})
    with pytest.raises(SignUpDenied, match="invitation only"):
        pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@example.com"), None)


def test_invite_only_admits_a_verified_address_at_an_allowed_domain(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(INVITE_ONLY)
    event = federated(load_event, f"Google_{SUBJECT}", "ann@eu.example.com")
    assert pre_sign_up.handler(event, None) is event


def test_invite_only_admits_a_sign_in_linked_to_an_existing_user(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config({**INVITE_ONLY, **LINKING, "provider_email_domains": GOOGLE})
    find(aws, "ann", "ann@gmail.com")
    target(aws, "ann")
    groups(aws, "ann", [])
    link(aws, "ann")
    pre_sign_up.handler(federated(load_event, f"Google_{SUBJECT}", "ann@gmail.com"), None)


def test_invite_only_refuses_when_there_is_no_one_to_link_to(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config({**INVITE_ONLY, **LINKING, "provider_email_domains": GOOGLE})
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
