"""Pre sign-up trigger: configuration, email-domain policy, account linking, failure policy."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from lambda_triggers import _common, pre_sign_up
from lambda_triggers._common import ConfigError, username_ref
from lambda_triggers.pre_sign_up import SignUpDenied, SignUpUnavailable

POOL = "us-east-1_EXAMPLE"
# example.com stands for the organisation's own domain here (a Google Workspace domain).
VOUCHING = {"Google": ["gmail.com", "googlemail.com", "example.com"], "SignInWithApple": []}
LINKING = {
    "account_linking": True,
    "provider_email_domains": VOUCHING,
    "protected_groups": ["admins"],
}
INVITE_ONLY = {
    "provider_email_domains": VOUCHING,
    "federated_sign_up": "invite_only",
    "federated_sign_up_domains": ["example.com"],
}
EXPECTED_FILTER = 'email = "ann@example.com"'
LIST_USERS_PARAMS = {
    "UserPoolId": POOL,
    "Filter": EXPECTED_FILTER,
    "AttributesToGet": ["email", "email_verified"],
    "Limit": 60,
}
SOURCE_EVENTS = [
    "pre_sign_up_sign_up",
    "pre_sign_up_admin_create_user",
    "pre_sign_up_external_provider",
]


def native_user(
    username: str = "ann",
    email: str = "ann@example.com",
    status: str = "CONFIRMED",
    verified: str = "true",
) -> dict[str, Any]:
    return {
        "Username": username,
        "UserStatus": status,
        "Enabled": True,
        "Attributes": [
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": verified},
        ],
    }


def expect_target_checks(
    stubber: Any,
    native: str = "ann",
    mfa: dict[str, Any] | None = None,
    groups: tuple[str, ...] = (),
) -> None:
    """The lookups before a link: AdminGetUser (MFA), then AdminListGroupsForUser."""
    user = {"Username": native, "UserAttributes": [], "Enabled": True, "UserStatus": "CONFIRMED"}
    stubber.add_response(
        "admin_get_user", {**user, **(mfa or {})}, {"UserPoolId": POOL, "Username": native}
    )
    if mfa:
        return
    stubber.add_response(
        "admin_list_groups_for_user",
        {"Groups": [{"GroupName": name} for name in groups]},
        {"UserPoolId": POOL, "Username": native, "Limit": 60},
    )


def expect_link(stubber: Any, native: str = "ann", provider: str = "Google") -> None:
    stubber.add_response(
        "admin_link_provider_for_user",
        {},
        {
            "UserPoolId": POOL,
            "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": native},
            "SourceUser": {
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": "109876543210987654321",
            },
        },
    )


@pytest.fixture
def use_stubbed_client(cognito_idp: Any, stubber: Any) -> Any:
    pre_sign_up._client = cognito_idp
    return stubber


# --- configuration ------------------------------------------------------------------------


def test_parse_config_normalises_domains_and_keeps_provider_spelling() -> None:
    config = pre_sign_up.parse_config(
        {
            "allowed_email_domains": ["Example.COM", "example.com.", "bücher.example"],
            "denied_email_domains": ["Spam.Example.com"],
            "account_linking": True,
            "provider_email_domains": {"Google": ["Gmail.com"], "SignInWithApple": []},
            "protected_groups": ["admins", "admins"],
            "federated_sign_up": "invite_only",
            "federated_sign_up_domains": ["Example.com"],
        }
    )
    assert config.allowed_email_domains == ("example.com", "xn--bcher-kva.example")
    assert config.denied_email_domains == ("spam.example.com",)
    assert config.account_linking is True
    assert dict(config.provider_email_domains) == {
        "Google": ("gmail.com",),
        "SignInWithApple": (),
    }
    assert config.providers == ("Google", "SignInWithApple")
    assert config.protected_groups == ("admins",)
    assert config.federated_sign_up == "invite_only"
    assert config.federated_sign_up_domains == ("example.com",)


def test_parse_config_defaults_allow_everything_and_never_link() -> None:
    assert pre_sign_up.parse_config({}) == pre_sign_up.Config()


def test_parse_config_reports_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        pre_sign_up.parse_config(
            {
                "allowed_email_domains": ["@example.com", "not a domain", 7],
                "denied_email_domains": "example.org",
                "account_linking": "yes",
                "provider_email_domains": {"Login_With_Amazon": [], "Google": ["@gmail.com"]},
                "federated_sign_up": "anyone",
                "auto_confirm_email_domains": ["example.com"],
            }
        )
    problems = raised.value.problems
    assert len(problems) == 9
    text = "\n".join(problems)
    assert "auto_confirm_email_domains" in text  # unknown keys fail
    assert "allowed_email_domains[0]" in text
    assert "allowed_email_domains[1]" in text
    assert "allowed_email_domains[2]" in text
    assert "denied_email_domains: expected an array" in text
    assert "account_linking: expected true or false" in text
    assert "provider_email_domains.Login_With_Amazon" in text
    assert "provider_email_domains.Google: '@gmail.com' is not a domain name" in text
    assert "federated_sign_up: 'anyone'" in text


def test_parse_config_rejects_a_domain_both_allowed_and_denied() -> None:
    with pytest.raises(ConfigError, match="also in allowed_email_domains"):
        pre_sign_up.parse_config(
            {"allowed_email_domains": ["example.com"], "denied_email_domains": ["EXAMPLE.com"]}
        )


@pytest.mark.parametrize("raw", [None, "not json", "[]", '"x"', "{"])
def test_missing_or_invalid_config_fails_closed_with_a_generic_message(
    raw: str | None, set_config: Any, load_event: Any, no_aws: Any, caplog: Any
) -> None:
    if raw is not None:
        set_config(raw)
    with caplog.at_level(logging.ERROR), pytest.raises(SignUpUnavailable) as raised:
        pre_sign_up.handler(load_event("pre_sign_up_sign_up"), None)
    assert str(raised.value) == pre_sign_up.GENERIC_FAILURE_MESSAGE
    assert any("invalid trigger configuration" in r.getMessage() for r in caplog.records)


def test_config_is_parsed_once_and_cached(
    set_config: Any, load_event: Any, monkeypatch: Any
) -> None:
    set_config({"denied_email_domains": ["example.com"]})
    calls: list[object] = []
    real_parse = pre_sign_up.CONFIG._parse

    def counting_parse(raw: object) -> pre_sign_up.Config:
        calls.append(raw)
        return real_parse(raw)

    monkeypatch.setattr(pre_sign_up.CONFIG, "_parse", counting_parse)
    for _ in range(3):
        with pytest.raises(SignUpDenied):
            pre_sign_up.handler(load_event("pre_sign_up_sign_up"), None)
    assert len(calls) == 1


# --- domain policy ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "allowed", "denied", "error"),
    [
        ("ann@example.com", ["example.com"], [], None),
        ("ann@EXAMPLE.com", ["example.com"], [], None),
        ("ann@example.com.", ["example.com"], [], None),
        ("ann@eu.example.com", ["example.com"], [], None),
        ("ann@evil-example.com", ["example.com"], [], "restricted to example.com"),
        ("ann@example.com.evil.net", ["example.com"], [], "restricted to example.com"),
        ("ann@notexample.com", ["example.com"], [], "restricted to example.com"),
        ("ann@example.org", ["example.com", "example.net"], [], "example.com or example.net"),
        (None, ["example.com"], [], "restricted to example.com"),
        ("", ["example.com"], [], "restricted to example.com"),
        (None, [], ["spam.example"], None),
        ("not-an-email", ["example.com"], [], "valid email address"),
        ("ann@", [], ["spam.example"], "valid email address"),
        ("ann@exa mple.com", ["example.com"], [], "valid email address"),
        ("ann@spam.example", [], ["spam.example"], "not allowed"),
        ("ann@mx.SPAM.example", [], ["spam.example"], "not allowed"),
        ("ann@notspam.example", [], ["spam.example"], None),
        ("ann@corp.example.com", ["example.com"], ["corp.example.com"], "not allowed"),
        ("ann@anything.test", [], [], None),
        ('"a@b"@example.com', ["example.com"], [], None),
    ],
)
def test_email_domain_policy(
    email: str | None, allowed: list[str], denied: list[str], error: str | None
) -> None:
    config = pre_sign_up.parse_config(
        {"allowed_email_domains": allowed, "denied_email_domains": denied}
    )
    if error is None:
        pre_sign_up.check_email_domain(email, config)
        return
    with pytest.raises(SignUpDenied, match=error):
        pre_sign_up.check_email_domain(email, config)


def test_many_allowed_domains_are_not_listed_in_the_message() -> None:
    config = pre_sign_up.parse_config(
        {"allowed_email_domains": ["a.com", "b.com", "c.com", "d.com"]}
    )
    with pytest.raises(SignUpDenied) as raised:
        pre_sign_up.check_email_domain("ann@e.com", config)
    assert str(raised.value) == "Sign-up is restricted to email addresses at approved domains"


@pytest.mark.parametrize("name", SOURCE_EVENTS)
def test_every_source_applies_the_domain_policy(
    name: str, set_config: Any, load_event: Any, no_aws: Any, caplog: Any
) -> None:
    set_config({"allowed_email_domains": ["example.org"]})
    with caplog.at_level(logging.INFO), pytest.raises(SignUpDenied) as raised:
        pre_sign_up.handler(load_event(name), None)
    assert str(raised.value) == "Sign-up is restricted to example.org email addresses"
    assert any(r.getMessage().startswith("sign-up denied") for r in caplog.records)


@pytest.mark.parametrize("name", SOURCE_EVENTS)
def test_allowed_sign_up_is_returned_without_auto_confirmation(
    name: str, set_config: Any, load_event: Any, monkeypatch: Any
) -> None:
    set_config({"allowed_email_domains": ["example.com"]})
    monkeypatch.setattr(pre_sign_up, "sign_up_client", lambda: pytest.fail("no AWS call"))
    event = load_event(name)
    event["response"] = None
    result = pre_sign_up.handler(event, None)
    assert result is event
    assert result["response"] == {
        "autoConfirmUser": False,
        "autoVerifyEmail": False,
        "autoVerifyPhone": False,
    }
    assert result["request"] == load_event(name)["request"]


def test_unknown_source_and_non_object_events_are_returned_unchanged(
    set_config: Any, load_event: Any
) -> None:
    set_config({"allowed_email_domains": ["example.org"]})
    event = load_event("pre_sign_up_sign_up")
    event["triggerSource"] = "PreSignUp_SomethingNew"
    expected = copy.deepcopy(event)
    assert pre_sign_up.handler(event, None) == expected
    assert pre_sign_up.handler(["not", "an", "object"], None) == ["not", "an", "object"]
    assert pre_sign_up.handler(None, None) is None


def test_denial_logs_no_email_address(set_config: Any, load_event: Any, caplog: Any, log_text: Any):
    set_config({"allowed_email_domains": ["example.org"]})
    with caplog.at_level(logging.DEBUG), pytest.raises(SignUpDenied):
        pre_sign_up.handler(load_event("pre_sign_up_sign_up"), None)
    assert caplog.records
    assert "ann@example.com" not in log_text(caplog.records)


# --- vouching: pure decisions -------------------------------------------------------------


def vouch(event: dict[str, Any], **config: Any) -> pre_sign_up.Voucher:
    parsed = pre_sign_up.parse_config({**LINKING, **config})
    attributes = event["request"]["userAttributes"]
    return pre_sign_up.vouch(event["triggerSource"], event["userName"], attributes, parsed)


def test_a_provider_vouches_for_a_verified_email_at_a_domain_it_owns(load_event: Any) -> None:
    result = vouch(load_event("pre_sign_up_external_provider"))
    assert result.vouched == pre_sign_up.Vouched(
        provider="Google",
        subject="109876543210987654321",
        email="ann@example.com",
        domain="example.com",
    )


@pytest.mark.parametrize(
    "username", ["google_109876543210987654321", "GOOGLE_109876543210987654321"]
)
def test_vouching_uses_the_configured_provider_spelling(load_event: Any, username: str) -> None:
    event = load_event("pre_sign_up_external_provider")
    event["userName"] = username
    vouched = vouch(event).vouched
    assert vouched is not None
    assert vouched.provider == "Google"


def test_the_username_is_split_on_the_first_underscore(load_event: Any) -> None:
    event = load_event("pre_sign_up_external_provider")
    event["userName"] = "CorpSAML_ann_example_id"
    vouched = vouch(event, provider_email_domains={"CorpSAML": ["example.com"]}).vouched
    assert vouched is not None
    assert (vouched.provider, vouched.subject) == ("CorpSAML", "ann_example_id")


@pytest.mark.parametrize("verified", ["true", "TRUE", "True", True])
def test_true_is_accepted_in_any_case(load_event: Any, verified: object) -> None:
    event = load_event("pre_sign_up_external_provider")
    event["request"]["userAttributes"]["email_verified"] = verified
    assert vouch(event).vouched is not None


@pytest.mark.parametrize(
    ("change", "config", "reason"),
    [
        ({"email_verified": "false"}, {}, "did not assert a verified email"),
        ({"email_verified": None}, {}, "did not assert a verified email"),
        ({"email_verified": "yes"}, {}, "did not assert a verified email"),
        ({"email_verified": " true"}, {}, "did not assert a verified email"),
        ({"email_verified": 1}, {}, "did not assert a verified email"),
        ({"email": None}, {}, "no email"),
        ({"email": "ann@"}, {}, "no valid domain"),
        # A Google account opened on a corporate address proves nothing about its mailbox.
        ({"email": "ann@corp.example.org"}, {}, "does not own the email's domain"),
        ({"email": "ann@example.com.evil.net"}, {}, "does not own the email's domain"),
        ({}, {"provider_email_domains": {"Facebook": ["example.com"]}}, "vouch for no email"),
        ({}, {"provider_email_domains": {}}, "vouch for no email"),
        ({}, {"provider_email_domains": {"Google": []}}, "does not own the email's domain"),
    ],
)
def test_a_provider_does_not_vouch(
    load_event: Any, change: dict[str, Any], config: dict[str, Any], reason: str
) -> None:
    event = load_event("pre_sign_up_external_provider")
    attributes = event["request"]["userAttributes"]
    for key, value in change.items():
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    result = vouch(event, **config)
    assert result.vouched is None
    assert reason in result.reason


@pytest.mark.parametrize("username", ["Google", "Google_", "_123", 42, None])
def test_no_vouching_for_a_username_that_is_not_provider_and_subject(
    load_event: Any, username: object
) -> None:
    event = load_event("pre_sign_up_external_provider")
    event["userName"] = username
    assert vouch(event).vouched is None


@pytest.mark.parametrize("name", ["pre_sign_up_sign_up", "pre_sign_up_admin_create_user"])
def test_vouching_only_for_federated_sign_ins(load_event: Any, name: str) -> None:
    event = load_event(name)
    event["userName"] = "Google_109876543210987654321"
    event["request"]["userAttributes"]["email_verified"] = "true"
    assert vouch(event).reason == "not a federated sign-in"


def test_select_native_user_skips_federated_entries() -> None:
    users = [
        {**native_user("Google_1"), "UserStatus": "EXTERNAL_PROVIDER"},
        native_user("signinwithapple_000"),
        native_user("Facebook_99", status="CONFIRMED"),
        native_user("ann"),
    ]
    selection = pre_sign_up.select_native_user(
        users, "ann@example.com", ["Google", "SignInWithApple"]
    )
    assert selection.username is None  # "Facebook_99" is not a known provider: a second native
    assert selection.reason == "several native users have this email"
    selection = pre_sign_up.select_native_user(
        users, "ann@example.com", ["Google", "SignInWithApple", "Facebook"]
    )
    assert selection.username == "ann"


@pytest.mark.parametrize(
    ("users", "reason"),
    [
        ([], "no native user"),
        ([native_user(email="other@example.com")], "no native user"),
        ([{"Username": "ann"}], "no native user"),
        ([native_user("a"), native_user("b")], "several native users"),
        ([native_user(verified="false")], "email is not verified"),
        ([native_user(status="UNCONFIRMED")], "status is UNCONFIRMED"),
        (["junk", None, {"Attributes": "x"}], "no native user"),
    ],
)
def test_select_native_user_refuses(users: list[Any], reason: str) -> None:
    selection = pre_sign_up.select_native_user(users, "ann@example.com", ["Google"])
    assert selection.username is None
    assert reason in selection.reason


@pytest.mark.parametrize("status", ["CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"])
def test_select_native_user_matches_email_case_insensitively(status: str) -> None:
    users = [native_user("ann", email="Ann@Example.com", status=status)]
    assert pre_sign_up.select_native_user(users, "ann@example.com", ["Google"]).username == "ann"


# --- account linking through the handler, AWS stubbed -------------------------------------


def test_links_to_the_single_native_user(
    set_config: Any, load_event: Any, use_stubbed_client: Any, caplog: Any, log_text: Any
) -> None:
    set_config(LINKING)
    use_stubbed_client.add_response("list_users", {"Users": [native_user()]}, LIST_USERS_PARAMS)
    expect_target_checks(use_stubbed_client, groups=("members",))
    expect_link(use_stubbed_client)
    event = load_event("pre_sign_up_external_provider")
    with caplog.at_level(logging.INFO):
        result = pre_sign_up.handler(event, None)
    assert result is event
    assert result["response"]["autoConfirmUser"] is False
    assert any(r.getMessage().startswith("linked") for r in caplog.records)
    assert "ann@example.com" not in log_text(caplog.records)


def test_links_with_a_lower_case_provider_in_the_username(
    set_config: Any, load_event: Any, use_stubbed_client: Any
) -> None:
    set_config(LINKING)
    use_stubbed_client.add_response("list_users", {"Users": [native_user()]}, LIST_USERS_PARAMS)
    expect_target_checks(use_stubbed_client)
    expect_link(use_stubbed_client, provider="Google")
    event = load_event("pre_sign_up_external_provider")
    event["userName"] = "google_109876543210987654321"
    pre_sign_up.handler(event, None)


def test_follows_list_users_pages(
    set_config: Any, load_event: Any, use_stubbed_client: Any
) -> None:
    set_config(LINKING)
    federated = {**native_user("Google_5"), "UserStatus": "EXTERNAL_PROVIDER"}
    use_stubbed_client.add_response(
        "list_users", {"Users": [federated], "PaginationToken": "page-2"}, LIST_USERS_PARAMS
    )
    use_stubbed_client.add_response(
        "list_users",
        {"Users": [native_user("ann-native")]},
        {**LIST_USERS_PARAMS, "PaginationToken": "page-2"},
    )
    expect_target_checks(use_stubbed_client, native="ann-native")
    expect_link(use_stubbed_client, native="ann-native")
    pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)


def test_too_many_pages_are_ambiguous(
    set_config: Any, load_event: Any, use_stubbed_client: Any, caplog: Any
) -> None:
    set_config(LINKING)
    for page in range(pre_sign_up.LIST_USERS_MAX_PAGES):
        params = dict(LIST_USERS_PARAMS)
        if page:
            params["PaginationToken"] = f"t{page}"
        use_stubbed_client.add_response(
            "list_users", {"Users": [native_user()], "PaginationToken": f"t{page + 1}"}, params
        )
    with caplog.at_level(logging.WARNING):
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)
    assert any("too many users" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("users", "log_level", "message"),
    [
        ([], logging.INFO, "not linking: no native user has this email"),
        (
            [{**native_user("Google_1"), "UserStatus": "EXTERNAL_PROVIDER"}],
            logging.INFO,
            "not linking: no native user has this email",
        ),
        (
            [native_user("ann"), native_user("ann2")],
            logging.WARNING,
            "not linking: several native users have this email",
        ),
        (
            [native_user(verified="false")],
            logging.WARNING,
            "not linking: the native user's email is not verified",
        ),
    ],
)
def test_does_not_link_without_exactly_one_linkable_native_user(
    users: list[Any],
    log_level: int,
    message: str,
    set_config: Any,
    load_event: Any,
    use_stubbed_client: Any,
    caplog: Any,
) -> None:
    set_config(LINKING)
    use_stubbed_client.add_response("list_users", {"Users": users}, LIST_USERS_PARAMS)
    event = load_event("pre_sign_up_external_provider")
    with caplog.at_level(logging.INFO):
        assert pre_sign_up.handler(event, None) is event
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [(log_level, message)]


@pytest.mark.parametrize(
    ("name", "change", "config"),
    [
        ("pre_sign_up_external_provider", {"email_verified": "false"}, LINKING),
        ("pre_sign_up_external_provider", {"email_verified": None}, LINKING),
        ("pre_sign_up_external_provider", {"email": None}, LINKING),
        (
            "pre_sign_up_external_provider",
            {},
            {**LINKING, "provider_email_domains": {"Facebook": ["example.com"]}},
        ),
        ("pre_sign_up_external_provider", {"email": "ann@corp.example.org"}, LINKING),
        ("pre_sign_up_external_provider", {}, {**LINKING, "account_linking": False}),
        ("pre_sign_up_external_provider", {}, {}),
        ("pre_sign_up_sign_up", {"email_verified": "true"}, LINKING),
        ("pre_sign_up_admin_create_user", {}, LINKING),
    ],
)
def test_never_calls_aws_when_linking_does_not_apply(
    name: str, change: dict[str, Any], config: dict[str, Any], set_config: Any, load_event: Any
) -> None:
    set_config(config)
    pre_sign_up._client = object()  # any AWS call would fail with AttributeError
    event = load_event(name)
    event["userName"] = "Google_109876543210987654321"
    for key, value in change.items():
        if value is None:
            event["request"]["userAttributes"].pop(key, None)
        else:
            event["request"]["userAttributes"][key] = value
    assert pre_sign_up.handler(event, None) is event


# --- failure policy -----------------------------------------------------------------------


AWS_STEPS = [
    "list_users",
    "admin_get_user",
    "admin_list_groups_for_user",
    "admin_link_provider_for_user",
]


@pytest.mark.parametrize("operation", AWS_STEPS)
def test_aws_errors_fail_closed_and_are_logged_with_context(
    operation: str,
    set_config: Any,
    load_event: Any,
    use_stubbed_client: Any,
    caplog: Any,
    log_text: Any,
) -> None:
    set_config(LINKING)
    succeeding = AWS_STEPS[: AWS_STEPS.index(operation)]
    if "list_users" in succeeding:
        use_stubbed_client.add_response("list_users", {"Users": [native_user()]}, LIST_USERS_PARAMS)
    if "admin_get_user" in succeeding:
        user = {"Username": "ann", "UserAttributes": []}
        use_stubbed_client.add_response("admin_get_user", user)
    if "admin_list_groups_for_user" in succeeding:
        use_stubbed_client.add_response("admin_list_groups_for_user", {"Groups": []})
    # Throttled twice: the call is tried once more, then the sign-in is blocked.
    for _ in range(pre_sign_up.MAX_ATTEMPTS):
        use_stubbed_client.add_client_error(
            operation, service_error_code="TooManyRequestsException", http_status_code=400
        )
    api_name = "".join(part.title() for part in operation.split("_"))
    code = "TooManyRequestsException"
    with caplog.at_level(logging.WARNING), pytest.raises(SignUpUnavailable) as raised:
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)
    assert str(raised.value) == pre_sign_up.GENERIC_FAILURE_MESSAGE
    retry, record = caplog.records
    assert (retry.levelname, retry.attempt, retry.error_code) == ("WARNING", 1, code)
    assert record.levelname == "ERROR"
    assert record.attempt == 2
    assert record.aws_operation == api_name
    assert record.error_code == code
    assert record.trigger_source == "PreSignUp_ExternalProvider"
    assert record.username_ref == username_ref("Google_109876543210987654321")
    assert "Google_109876543210987654321" not in log_text(caplog.records)
    assert "ann@example.com" not in log_text(caplog.records)


def test_a_throttled_call_that_succeeds_on_the_second_attempt_links(
    set_config: Any, load_event: Any, use_stubbed_client: Any
) -> None:
    set_config(LINKING)
    use_stubbed_client.add_client_error("list_users", "TooManyRequestsException")
    use_stubbed_client.add_response("list_users", {"Users": [native_user()]}, LIST_USERS_PARAMS)
    expect_target_checks(use_stubbed_client)
    expect_link(use_stubbed_client)
    event = load_event("pre_sign_up_external_provider")
    assert pre_sign_up.handler(event, None) is event


@pytest.mark.parametrize("code", ["AccessDeniedException", "ResourceNotFoundException"])
def test_an_error_that_will_not_go_away_is_not_retried(
    code: str, set_config: Any, load_event: Any, client_error: Any
) -> None:
    calls: list[str] = []

    class Refusing:
        def list_users(self, **params: Any) -> Any:
            calls.append("ListUsers")
            raise client_error("ListUsers", code)

    set_config(LINKING)
    pre_sign_up._client = Refusing()
    with pytest.raises(SignUpUnavailable):
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)
    assert calls == ["ListUsers"]


# --- time budget: Cognito waits 5 seconds, cold start included ---------------------------


class _Clock:
    """A fake monotonic clock; each AWS call of `_SlowCognito` moves it on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _SlowCognito:
    """Answers like the linking path's happy case; every call takes `seconds`."""

    def __init__(self, clock: _Clock, seconds: float, fail_first: bool = False) -> None:
        self.clock, self.seconds, self.fail_first = clock, seconds, fail_first
        self.calls: list[str] = []

    def _take(self, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(operation)
        self.clock.now += self.seconds
        if self.fail_first and len(self.calls) == 1:
            from botocore.exceptions import ReadTimeoutError

            raise ReadTimeoutError(endpoint_url="https://cognito-idp.us-east-1.amazonaws.com/")
        return answer

    def list_users(self, **params: Any) -> dict[str, Any]:
        return self._take("ListUsers", {"Users": [native_user()]})

    def admin_get_user(self, **params: Any) -> dict[str, Any]:
        return self._take("AdminGetUser", {"Username": "ann", "UserAttributes": []})

    def admin_list_groups_for_user(self, **params: Any) -> dict[str, Any]:
        return self._take("AdminListGroupsForUser", {"Groups": []})

    def admin_link_provider_for_user(self, **params: Any) -> dict[str, Any]:
        return self._take("AdminLinkProviderForUser", {})


def _run_with(clock: _Clock, client: _SlowCognito, load_event: Any, budget: float) -> Any:
    deadline = _common.Deadline(budget, clock)
    event = load_event("pre_sign_up_external_provider")
    config = pre_sign_up.parse_config(LINKING)
    return pre_sign_up.process_event(event, config, lambda: client, deadline)


def test_all_four_linking_calls_fit_the_budget_when_aws_is_quick(load_event: Any) -> None:
    clock = _Clock()
    client = _SlowCognito(clock, 0.2)
    _run_with(clock, client, load_event, pre_sign_up.TIME_BUDGET_S)
    assert client.calls == [
        "ListUsers",
        "AdminGetUser",
        "AdminListGroupsForUser",
        "AdminLinkProviderForUser",
    ]


def test_no_call_starts_when_its_worst_case_no_longer_fits(
    load_event: Any, caplog: Any, log_text: Any
) -> None:
    clock = _Clock()
    client = _SlowCognito(clock, 1.2)  # slow but within the read timeout
    with caplog.at_level(logging.ERROR), pytest.raises(SignUpUnavailable) as raised:
        _run_with(clock, client, load_event, pre_sign_up.TIME_BUDGET_S)
    # 4.0 s: ListUsers (1.2), AdminGetUser (2.4); then 1.6 s left >= 1.5 for the groups (3.6);
    # 0.4 s left is less than a call's worst case: the link is never started.
    assert client.calls == ["ListUsers", "AdminGetUser", "AdminListGroupsForUser"]
    assert str(raised.value) == pre_sign_up.GENERIC_FAILURE_MESSAGE
    assert "no time left for AdminLinkProviderForUser" in log_text(caplog.records)
    assert "ann@example.com" not in log_text(caplog.records)


def test_a_retry_is_made_only_when_it_still_fits(load_event: Any) -> None:
    clock = _Clock()
    client = _SlowCognito(clock, 3.0, fail_first=True)  # the first ListUsers times out late
    with pytest.raises(SignUpUnavailable):
        _run_with(clock, client, load_event, pre_sign_up.TIME_BUDGET_S)
    assert client.calls == ["ListUsers"]


def test_a_quick_failure_is_retried_within_the_budget(load_event: Any) -> None:
    clock = _Clock()
    client = _SlowCognito(clock, 0.1, fail_first=True)
    _run_with(clock, client, load_event, pre_sign_up.TIME_BUDGET_S)
    assert client.calls[:2] == ["ListUsers", "ListUsers"]
    assert client.calls[-1] == "AdminLinkProviderForUser"


def test_the_handler_takes_its_budget_from_the_lambda_context(
    set_config: Any, load_event: Any, use_stubbed_client: Any
) -> None:
    class AlmostOutOfTime:
        def get_remaining_time_in_millis(self) -> int:
            return 1500  # less than a call's worst case after the margin

    set_config(LINKING)
    with pytest.raises(SignUpUnavailable):  # the stubber has nothing queued: no call is made
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), AlmostOutOfTime())


def test_the_budget_leaves_room_for_every_linking_call_at_worst_case_twice() -> None:
    # Cognito waits 5 s; the budget leaves time for the runtime and the answer.
    assert pre_sign_up.TIME_BUDGET_S < 5
    assert pre_sign_up.CALL_WORST_CASE_S * 2 <= pre_sign_up.TIME_BUDGET_S


class _BrokenClient:
    def list_users(self, **params: Any) -> Any:
        raise ZeroDivisionError("bug")


def test_an_unexpected_error_fails_closed(set_config: Any, load_event: Any, caplog: Any) -> None:
    set_config(LINKING)
    pre_sign_up._client = _BrokenClient()
    with caplog.at_level(logging.ERROR), pytest.raises(SignUpUnavailable):
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)
    assert caplog.records[-1].exc_info is not None


@pytest.mark.parametrize("response", [None, {}, {"Users": "nope"}])
def test_a_malformed_list_users_response_fails_closed(
    response: object, set_config: Any, load_event: Any
) -> None:
    class Fake:
        def list_users(self, **params: Any) -> object:
            return response

    set_config(LINKING)
    pre_sign_up._client = Fake()
    with pytest.raises(SignUpUnavailable):
        pre_sign_up.handler(load_event("pre_sign_up_external_provider"), None)


@pytest.mark.parametrize("pool", [None, "", "not a pool id", 12])
def test_linking_without_a_user_pool_id_fails_closed(
    pool: object, set_config: Any, load_event: Any, no_aws: Any
) -> None:
    set_config(LINKING)
    event = load_event("pre_sign_up_external_provider")
    event["userPoolId"] = pool
    with pytest.raises(SignUpUnavailable):
        pre_sign_up.process_event(event, pre_sign_up.parse_config(LINKING), no_aws)


def test_the_client_is_created_lazily_once_with_timeouts_that_fit_the_budget() -> None:
    assert pre_sign_up._client is None
    first = pre_sign_up.sign_up_client()
    assert pre_sign_up.sign_up_client() is first
    assert first.meta.service_model.service_name == "cognito-idp"
    assert first.meta.config.connect_timeout == pre_sign_up.CONNECT_TIMEOUT_S
    assert first.meta.config.read_timeout == pre_sign_up.READ_TIMEOUT_S
    # Retries are the trigger's own, within the deadline: the SDK makes one attempt.
    assert first.meta.config.retries["total_max_attempts"] == 1
