"""Property tests: malformed, sparse and random-shaped events never crash a trigger.

Only a deliberate denial (``SignUpDenied``) or the documented generic failure
(``SignUpUnavailable``, ``MigrationUnavailable``) may leave a trigger; never KeyError,
TypeError, AttributeError, IndexError or ValueError. The user migration trigger answers its
refusals with the all-null response instead of raising, carries only listed attributes, is fed a
known password and must never log it. The ``process_event`` functions have no catch-all, so
they are tested directly; the handlers are also checked not to need their last-resort
``except Exception`` ("unexpected error" log). AWS is a fake that returns random, possibly
malformed, responses.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as record_path
from hypothesis import strategies as st

from lambda_triggers import _common, api_whoami
from lambda_triggers import custom_message as cm
from lambda_triggers import inbound_federation as inf
from lambda_triggers import post_confirmation as pc
from lambda_triggers import pre_sign_up as psu
from lambda_triggers import pre_token_generation as ptg
from lambda_triggers import user_migration as um
from lambda_triggers._common import is_true

# Seconds of work (property tests): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

EVENTS_DIR = Path(__file__).resolve().parent / "events"
FIXTURES = {path.stem: json.loads(path.read_text()) for path in EVENTS_DIR.glob("*.json")}
API_FIXTURES = {
    path.stem: json.loads(path.read_text()) for path in (EVENTS_DIR / "api").glob("*.json")
}

# As many examples as the profile says (tests/conftest.py: a pull request's sample, or deep).
PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# example.com stands for the organisation's Workspace domain, which Google may vouch for.
VOUCHING = {"Google": ["gmail.com", "example.com"], "SignInWithApple": ["example.com"]}
PRE_SIGN_UP_SETTINGS = {
    "allowed_email_domains": ["example.com", "example.org"],
    "denied_email_domains": ["spam.example.com"],
    "account_linking": True,
    "provider_email_domains": VOUCHING,
    "protected_groups": ["admins"],
}
PRE_SIGN_UP_CONFIG = psu.parse_config(PRE_SIGN_UP_SETTINGS)
POST_CONFIRMATION_CONFIG = pc.parse_config({"default_group": "users"})
PRE_TOKEN_CONFIG = ptg.parse_config(
    {
        "id_token_claims": {"tenant_id": "custom:tenant_id", "name": "name"},
        "access_token_claims": {"tenant_id": "custom:tenant_id"},
        "groups_claim": "roles",
        "suppress_claims": ["email", "phone_number"],
        "group_scopes": {"admins": ["api/admin"], "users": ["api/read"]},
        "machine_clients": {"OrdersWorker": {"claims": {"svc": "w"}, "scopes": ["api/m"]}},
    }
)
CUSTOM_MESSAGE_CONFIG = cm.parse_config(
    {"app_name": "Acme <Portal> & Co", "app_url": "https://x.example/?a=1&b=2"}
)
ALLOWED_ESCAPES = (psu.SignUpDenied, psu.SignUpUnavailable)

# --- strategies ---------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)
emails = st.one_of(
    st.sampled_from(
        [
            "ann@example.com",
            "ANN@Example.COM",
            "x@eu.example.org",
            "x@spam.example.com",
            "x@evil-example.com",
            'ann"@example.com',
            "a\\b@example.com",
            "a@b@example.com",
            "@example.com",
            "ann@",
            "ann@xn--bcher-kva.example",
            "ann@bücher.example",
            "ann@" + "a" * 300 + ".com",
            "",
        ]
    ),
    st.emails(),
    st.text(max_size=40),
)
attribute_names = st.sampled_from(
    ["email", "email_verified", "given_name", "name", "sub", "custom:tenant_id", "phone_number"]
)
attribute_values = st.one_of(
    st.sampled_from(["true", "false", "TRUE", True, False, "<script>x</script>" * 50]),
    emails,
    json_values,
)
user_attributes = st.one_of(
    st.dictionaries(st.one_of(attribute_names, st.text(max_size=8)), attribute_values, max_size=7),
    json_values,
)
usernames = st.one_of(
    st.sampled_from(
        [
            "ann",
            "Google_123",
            "google_123",
            "SignInWithApple_000.abc",
            "Facebook_1",
            "Google_",
            "_123",
            "Google_a_b",
            "ann@example.com",
        ]
    ),
    scalars,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The strategy, or any JSON value (None, wrong type...) in its place."""
    return st.one_of(strategy, json_values)


group_lists = st.lists(
    st.one_of(st.sampled_from(["admins", "users"]), st.text(max_size=6), scalars), max_size=5
)
requests = maybe(
    st.fixed_dictionaries(
        {"userAttributes": user_attributes},
        optional={
            "validationData": json_values,
            "clientMetadata": json_values,
            "codeParameter": maybe(
                st.one_of(st.sampled_from(["{####}", "####", ""]), st.text(max_size=160))
            ),
            "usernameParameter": maybe(st.sampled_from(["{username}", ""])),
            "linkParameter": json_values,
            "groupConfiguration": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "groupsToOverride": maybe(group_lists),
                        "iamRolesToOverride": json_values,
                        "preferredRole": json_values,
                    },
                )
            ),
            "scopes": json_values,
        },
    )
)


def random_events(sources: frozenset[str]) -> st.SearchStrategy[Any]:
    objects = st.fixed_dictionaries(
        {
            "triggerSource": st.one_of(st.sampled_from(sorted(sources)), scalars),
            "request": requests,
            "response": json_values,
        },
        optional={
            "version": st.one_of(st.sampled_from(["1", "2", "3", 2, 3]), scalars),
            "region": json_values,
            "userPoolId": st.one_of(
                st.sampled_from(["us-east-1_EXAMPLE", "", "not a pool"]), scalars
            ),
            "userName": usernames,
            "callerContext": json_values,
        },
    )
    return st.one_of(objects, json_values)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn, prefix: str, fixtures: dict[str, Any] | None = None) -> Any:
    """A documented event with 0-4 values deleted, nulled or replaced by random JSON."""
    fixtures = FIXTURES if fixtures is None else fixtures
    name = draw(st.sampled_from(sorted(n for n in fixtures if n.startswith(prefix))))
    event = copy.deepcopy(fixtures[name])
    paths = _paths(event)
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(paths))
        parent: Any = event
        for step in path[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                break
        else:
            action = draw(st.sampled_from(["delete", "null", "replace"]))
            last = path[-1]
            if isinstance(parent, dict) and last in parent:
                if action == "delete":
                    del parent[last]
                else:
                    parent[last] = None if action == "null" else draw(json_values)
            elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
                parent[last] = None if action == "null" else draw(json_values)
    return event


def any_events(sources: frozenset[str], prefix: str) -> st.SearchStrategy[Any]:
    return st.one_of(random_events(sources), mutated_fixtures(prefix))


# The linking path needs the federated event nearly intact: give it its own share.
pre_sign_up_events = st.one_of(
    any_events(psu.SOURCES, "pre_sign_up"), mutated_fixtures("pre_sign_up_external_provider")
)


# --- fake AWS -----------------------------------------------------------------------------


def _client_error(operation: str) -> Any:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "InternalErrorException"}}, operation)


user_records = st.fixed_dictionaries(
    {
        "Username": st.one_of(usernames, st.sampled_from(["ann", "ann2"])),
        "UserStatus": maybe(
            st.sampled_from(["CONFIRMED", "UNCONFIRMED", "EXTERNAL_PROVIDER", "RESET_REQUIRED"])
        ),
        "Attributes": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "Name": maybe(st.sampled_from(["email", "email_verified"])),
                        "Value": attribute_values,
                    }
                ),
                max_size=3,
            )
        ),
    }
)
ANN_NATIVE = {
    "Username": "ann",
    "UserStatus": "CONFIRMED",
    "Attributes": [
        {"Name": "email", "Value": "ann@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ],
}
list_users_results = st.one_of(
    # The documented federated event's email, so the linking path runs often.
    st.lists(st.one_of(st.just(ANN_NATIVE), user_records), min_size=1, max_size=2).map(
        lambda users: {"Users": users}
    ),
    st.fixed_dictionaries(
        {"Users": st.lists(maybe(user_records), max_size=3)},
        optional={"PaginationToken": maybe(st.sampled_from(["next", ""]))},
    ),
    json_values,
    st.just("client-error"),
)


get_user_results = st.one_of(
    st.just({"Username": "ann", "UserAttributes": []}),
    st.fixed_dictionaries(
        {"Username": st.just("ann")},
        optional={
            "UserMFASettingList": st.lists(st.sampled_from(["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"])),
            "PreferredMfaSetting": st.sampled_from(["", "SMS_MFA"]),
            "MFAOptions": st.lists(st.just({"DeliveryMedium": "SMS"}), max_size=1),
        },
    ),
    json_values,
    st.just("client-error"),
)
group_results = st.one_of(
    st.lists(st.sampled_from(["admins", "members", "other"]), max_size=3).map(
        lambda names: {"Groups": [{"GroupName": n} for n in names]}
    ),
    json_values,
    st.just("client-error"),
)


class FakeCognito:
    """Answers like cognito-idp, with whatever hypothesis drew; records every call."""

    def __init__(
        self,
        list_users_result: Any,
        link_fails: bool,
        group_fails: bool,
        get_user_result: Any = None,
        groups_result: Any = None,
    ) -> None:
        self.list_users_result = list_users_result
        self.link_fails = link_fails
        self.group_fails = group_fails
        self.get_user_result = get_user_result
        self.groups_result = groups_result
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, operation: str, result: Any, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        if result == "client-error":
            raise _client_error(operation)
        return copy.deepcopy(result)

    def admin_get_user(self, **params: Any) -> Any:
        return self._answer("AdminGetUser", self.get_user_result, params)

    def admin_list_groups_for_user(self, **params: Any) -> Any:
        return self._answer("AdminListGroupsForUser", self.groups_result, params)

    def list_users(self, **params: Any) -> Any:
        self.calls.append(("ListUsers", params))
        if self.list_users_result == "client-error":
            raise _client_error("ListUsers")
        return copy.deepcopy(self.list_users_result)

    def admin_link_provider_for_user(self, **params: Any) -> Any:
        self.calls.append(("AdminLinkProviderForUser", params))
        if self.link_fails:
            raise _client_error("AdminLinkProviderForUser")
        return {}

    def admin_add_user_to_group(self, **params: Any) -> Any:
        self.calls.append(("AdminAddUserToGroup", params))
        if self.group_fails:
            raise _client_error("AdminAddUserToGroup")
        return {}


fake_clients = st.builds(
    FakeCognito,
    list_users_results,
    st.booleans(),
    st.booleans(),
    get_user_results,
    group_results,
)


def assert_linking_was_warranted(event: dict[str, Any], client: FakeCognito) -> None:
    links = [params for operation, params in client.calls if operation.startswith("AdminLink")]
    if not links:
        return
    # A failed link is tried once more, with the same parameters.
    params = links[0]
    assert len(links) <= psu.MAX_ATTEMPTS
    assert all(attempt == params for attempt in links)
    attributes = event["request"]["userAttributes"]
    provider, _, subject = event["userName"].partition("_")
    assert event["triggerSource"] == "PreSignUp_ExternalProvider"
    assert is_true(attributes["email_verified"])
    assert provider.lower() in {"google", "signinwithapple"}
    assert params["SourceUser"] == {
        "ProviderName": {"google": "Google", "signinwithapple": "SignInWithApple"}[
            provider.lower()
        ],
        "ProviderAttributeName": "Cognito_Subject",
        "ProviderAttributeValue": subject,
    }
    assert params["DestinationUser"]["ProviderName"] == "Cognito"
    assert client.calls[0][1]["Filter"] == f'email = "{attributes["email"]}"'
    # Only at a domain the provider owns, and never to a user with MFA or a protected group.
    domain = psu.email_domain(attributes["email"]) or ""
    assert domain in {"example.com", "gmail.com"} or domain.endswith(".example.com")
    target = dict(client.calls)["AdminGetUser"]
    assert target["Username"] == params["DestinationUser"]["ProviderAttributeValue"]
    looked_up = client.get_user_result
    assert not looked_up.get("UserMFASettingList")
    assert not looked_up.get("PreferredMfaSetting")
    assert not looked_up.get("MFAOptions")
    assert "admins" not in {g.get("GroupName") for g in client.groups_result["Groups"]}


def source_of(event: Any) -> str | None:
    """The trigger source if the event has a string one (lists are unhashable in a set test)."""
    source = event.get("triggerSource") if isinstance(event, dict) else None
    return source if isinstance(source, str) else None


def no_unexpected_errors(caplog: Any) -> bool:
    return not any(r.getMessage().startswith("unexpected error") for r in caplog.records)


# --- pre sign-up --------------------------------------------------------------------------


@PROPERTY
@given(event=pre_sign_up_events, client=fake_clients)
def test_pre_sign_up_process_event_raises_only_its_own_errors(event: Any, client: Any) -> None:
    if not isinstance(event, dict):
        return
    try:
        result = psu.process_event(event, PRE_SIGN_UP_CONFIG, lambda: client)
    except ALLOWED_ESCAPES as error:
        event_label = type(error).__name__
    else:
        assert result is event
        event_label = "returned"
    if any(operation.startswith("AdminLink") for operation, _ in client.calls):
        event_label += " after linking"
    record_path(event_label)  # `pytest --hypothesis-show-statistics` shows how often each path ran
    assert_linking_was_warranted(event, client)


@PROPERTY
@given(event=pre_sign_up_events, client=fake_clients)
def test_pre_sign_up_handler_never_crashes(
    event: Any, client: Any, set_config: Any, caplog: Any
) -> None:
    set_config(PRE_SIGN_UP_SETTINGS)
    psu._client = client
    original = copy.deepcopy(event)
    caplog.clear()
    try:
        result = psu.handler(event, None)
    except ALLOWED_ESCAPES:
        pass
    else:
        assert result is event
        if source_of(event) not in psu.SOURCES:
            assert event == original
    assert no_unexpected_errors(caplog)


# --- post confirmation --------------------------------------------------------------------


@PROPERTY
@given(event=any_events(frozenset({pc.CONFIRM_SIGN_UP}), "post_confirmation"), client=fake_clients)
def test_post_confirmation_never_raises(
    event: Any, client: Any, set_config: Any, caplog: Any
) -> None:
    if isinstance(event, dict):
        assert pc.process_event(event, POST_CONFIRMATION_CONFIG, lambda: client) is event
    set_config({"default_group": "users"})
    _common._cognito_client = client
    caplog.clear()
    result: Any = pc.handler(event, None)
    assert result is event
    assert no_unexpected_errors(caplog)
    for operation, params in client.calls:
        assert operation == "AdminAddUserToGroup"
        assert result["triggerSource"] == pc.CONFIRM_SIGN_UP
        assert params == {
            "UserPoolId": result["userPoolId"],
            "Username": result["userName"],
            "GroupName": "users",
        }


# --- pre token generation -----------------------------------------------------------------


def assert_valid_overrides(event: dict[str, Any]) -> None:
    """Check the overrides the trigger wrote (it writes them for a v2/v3 event of its sources)."""
    if source_of(event) not in ptg.SOURCES or ptg.event_version(event) not in {"2", "3"}:
        return
    details = event["response"]["claimsAndScopeOverrideDetails"]
    for token in details.values():
        for claim, value in token["claimsToAddOrOverride"].items():
            assert not ptg.is_reserved_claim(claim)
            assert isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            )
        assert not any(ptg.is_reserved_claim(claim) for claim in token["claimsToSuppress"])
        assert not set(token.get("scopesToAdd", [])) & ptg.RESERVED_SCOPES


class FakeClientList:
    """ListUserPoolClients answering whatever hypothesis drew (pages, junk or an error)."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def list_user_pool_clients(self, **params: Any) -> Any:
        if self.result == "client-error":
            raise _client_error("ListUserPoolClients")
        return copy.deepcopy(self.result)


client_lists = st.one_of(
    st.fixed_dictionaries(
        {
            "UserPoolClients": maybe(
                st.lists(
                    maybe(
                        st.fixed_dictionaries(
                            {
                                "ClientId": maybe(st.sampled_from(["1example23456789", "other"])),
                                "ClientName": maybe(st.sampled_from(["OrdersWorker", "WebApp"])),
                            }
                        )
                    ),
                    max_size=3,
                )
            )
        },
        optional={"NextToken": maybe(st.sampled_from(["", "next"]))},
    ),
    json_values,
    st.just("client-error"),
).map(FakeClientList)


@PROPERTY
@given(event=any_events(ptg.SOURCES, "pre_token_generation"), clients=client_lists)
def test_pre_token_generation_never_raises_or_touches_reserved_claims(
    event: Any, clients: FakeClientList, set_config: Any, caplog: Any
) -> None:
    ptg.CLIENT_NAMES.reset()
    if isinstance(event, dict):
        assert (
            ptg.process_event(copy.deepcopy(event), PRE_TOKEN_CONFIG, lambda: clients) is not None
        )
    ptg.CLIENT_NAMES.reset()
    _common._cognito_client = clients
    set_config(
        {
            "id_token_claims": {"tenant_id": "custom:tenant_id"},
            "groups_claim": "roles",
            "suppress_claims": ["email"],
            "group_scopes": {"admins": ["api/admin"]},
            "machine_clients": {"OrdersWorker": {"claims": {"svc": "w"}, "scopes": ["api/m"]}},
        }
    )
    caplog.clear()
    assert ptg.handler(event, None) is event
    assert no_unexpected_errors(caplog)
    if isinstance(event, dict):
        assert_valid_overrides(event)


# --- custom message -----------------------------------------------------------------------


def assert_valid_messages(event: dict[str, Any]) -> None:
    response = event.get("response")
    if source_of(event) not in cm.SOURCES or not isinstance(response, dict):
        return
    raw_request = event.get("request")
    request: dict[str, Any] = raw_request if isinstance(raw_request, dict) else {}
    code = request.get("codeParameter")
    code = code if isinstance(code, str) and code else "{####}"
    sms = response.get("smsMessage")
    if isinstance(sms, str):
        assert len(sms) <= cm.MAX_SMS_MESSAGE
        assert code in sms
    if "emailMessage" in response and response.get("emailMessage") is not None:
        assert len(response["emailMessage"]) <= cm.MAX_EMAIL_MESSAGE
        assert code in response["emailMessage"]
        assert "<script>" not in response["emailMessage"].replace(code, "")
        assert len(response["emailSubject"]) <= cm.MAX_EMAIL_SUBJECT
        if event["triggerSource"] == "CustomMessage_AdminCreateUser":
            username = request.get("usernameParameter")
            username = username if isinstance(username, str) and username else "{username}"
            assert username in response["emailMessage"]


@PROPERTY
@given(event=any_events(cm.SOURCES, "custom_message"))
def test_custom_message_never_raises_and_respects_limits(
    event: Any, set_config: Any, caplog: Any
) -> None:
    if isinstance(event, dict):
        copied = copy.deepcopy(event)
        assert cm.process_event(copied, CUSTOM_MESSAGE_CONFIG) is copied
        assert_valid_messages(copied)
    set_config({"app_name": "Acme", "support_email": "help@example.com"})
    caplog.clear()
    assert cm.handler(event, None) is event
    assert no_unexpected_errors(caplog)


@PROPERTY
@given(
    name=st.text(max_size=3000),
    app_name=st.text(min_size=1, max_size=128).filter(str.isprintable),
    code=st.sampled_from(["{####}", "####", "{##code##}"]),
    suffix=st.sampled_from(sorted(cm.KINDS)),
)
def test_messages_always_keep_placeholders_within_limits(
    name: str, app_name: str, code: str, suffix: str
) -> None:
    config = cm.Config(app_name=app_name, app_url="https://x.example", support_email="a@b.example")
    messages = cm.build_messages(suffix, {"given_name": name}, code, "{username}", config)
    assert messages.sms_message is not None
    assert messages.email_message is not None
    assert messages.email_subject is not None
    assert len(messages.sms_message) <= cm.MAX_SMS_MESSAGE
    assert len(messages.email_message) <= cm.MAX_EMAIL_MESSAGE
    assert len(messages.email_subject) <= cm.MAX_EMAIL_SUBJECT
    assert code in messages.sms_message
    assert f"<strong>{code}</strong>" in messages.email_message
    if suffix == "AdminCreateUser":
        assert "{username}" in messages.sms_message
        assert "<strong>{username}</strong>" in messages.email_message
    if "<" in name.strip()[:1]:
        assert f"Hello {name.strip()[:1]}" not in messages.email_message


# --- inbound federation -----------------------------------------------------------------------

GROUPS_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
ADMINS_ID = "0b7f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"
INBOUND_SETTINGS = {
    "attribute": "custom:idp_groups",
    "providers": {
        "CorporateSSO": {"type": "SAML", "claim": GROUPS_CLAIM, "groups": {ADMINS_ID: "admins"}},
        "PartnerLogin": {"type": "OIDC", "claim": "groups", "groups": {"partner-staff": "members"}},
    },
}
INBOUND_CONFIG = inf.parse_config(INBOUND_SETTINGS)
group_claims = st.one_of(
    st.lists(st.one_of(st.sampled_from([ADMINS_ID, "partner-staff", "admins"]), json_values)),
    st.text(max_size=200),
    st.sampled_from([f"[{ADMINS_ID}, partner-staff]", json.dumps([ADMINS_ID]), ADMINS_ID]),
    json_values,
)
# A well-formed provider event with hostile content: every provider name, any attribute source
# shape, the group claim in any form, and the pool attribute injected under several spellings.
provider_events = st.fixed_dictionaries(
    {
        "triggerSource": st.just(inf.SOURCE),
        "userName": usernames,
        "request": st.fixed_dictionaries(
            {
                "providerName": st.one_of(
                    st.sampled_from(["CorporateSSO", "PartnerLogin", "Other"]), json_values
                ),
                "providerType": st.one_of(st.sampled_from(["SAML", "OIDC", "Google"]), scalars),
                "attributes": st.dictionaries(
                    st.sampled_from(["samlResponse", "idToken", "userInfo", "tokenResponse"]),
                    st.one_of(
                        st.dictionaries(
                            st.sampled_from(
                                [
                                    GROUPS_CLAIM,
                                    "groups",
                                    "email",
                                    "custom:idp_groups",
                                    "CUSTOM:IDP_GROUPS",
                                ]
                            ),
                            st.one_of(group_claims, st.sampled_from(["admins", "members"])),
                        ),
                        json_values,
                    ),
                ),
            }
        ),
        "response": json_values,
    }
)
inbound_events = st.one_of(
    random_events(frozenset({inf.SOURCE})),
    mutated_fixtures("inbound_federation"),
    provider_events,
)


@PROPERTY
@given(event=inbound_events)
def test_inbound_federation_never_crashes_and_writes_only_allow_listed_groups(
    event: Any, set_config: Any, caplog: Any
) -> None:
    if isinstance(event, dict):
        copied = copy.deepcopy(event)
        message: str | None = None
        try:
            result = inf.process_event(copied, INBOUND_CONFIG)
        except inf.FederationUnavailable as error:
            record_path("refused")
            message = str(error)
        else:
            assert result is copied
            request = event.get("request")
            provider = request.get("providerName") if isinstance(request, dict) else None
            if isinstance(provider, str) and provider in INBOUND_CONFIG.providers:
                record_path(f"mapped {provider}")
                response: Any = result["response"]
                attributes = response["userAttributesToMap"]
                allowed = set(INBOUND_CONFIG.providers[provider].groups.values())
                written = attributes["custom:idp_groups"]
                assert set(filter(None, written.split(","))) <= allowed
                assert [k for k in attributes if k.lower() == "custom:idp_groups"] == [
                    "custom:idp_groups"
                ]
            else:
                record_path("passed through")
                assert result == event  # a provider the configuration does not name
        assert message in (None, inf.GENERIC_FAILURE_MESSAGE)
    set_config(INBOUND_SETTINGS)
    caplog.clear()
    with contextlib.suppress(inf.FederationUnavailable):
        inf.handler(event, None)
    assert no_unexpected_errors(caplog)


# --- user migration -----------------------------------------------------------------------

MIGRATION_PASSWORD = "Old-Pool-Passw0rd!"  # also the password in the fixture
MIGRATION_SUB = "7d8ca528-4931-4254-9273-ea5ee853f271"
MIGRATION_ATTRIBUTES = ["email", "email_verified", "given_name", "phone_number", "custom:tenant_id"]
USER_MIGRATION_CONFIG_RAW = {
    "from_user_pool_id": "eu-west-1_OLDPOOL01",
    "from_client_id": "oldclient0123456789",
    "attributes": MIGRATION_ATTRIBUTES,
    "case_sensitive": False,
    "sign_in_identifiers": ["email"],
    "forgot_password": "migrate",
}
USER_MIGRATION_CONFIG = um.parse_config(USER_MIGRATION_CONFIG_RAW)
MIGRATION_ESCAPES = (um.MigrationUnavailable,)


def _jwt(claims: object) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"


ANN_TOKEN = _jwt({"sub": MIGRATION_SUB, "username": "ann"})
ANN_OLD = {
    "Username": "ann",
    "Enabled": True,
    "UserStatus": "CONFIRMED",
    "UserAttributes": [
        {"Name": "sub", "Value": MIGRATION_SUB},
        {"Name": "email", "Value": "ann@example.com"},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "given_name", "Value": "Ann"},
    ],
}
access_tokens = st.one_of(
    st.just(ANN_TOKEN),
    st.builds(_jwt, json_values),
    st.builds(
        _jwt,
        st.fixed_dictionaries(
            {"sub": maybe(st.just(MIGRATION_SUB)), "username": maybe(st.sampled_from(["ann"]))}
        ),
    ),
    json_values,
)
initiate_auth_results = st.one_of(
    st.fixed_dictionaries(
        {"AuthenticationResult": maybe(st.fixed_dictionaries({"AccessToken": access_tokens}))}
    ),
    st.fixed_dictionaries(
        {
            "ChallengeName": st.one_of(
                st.sampled_from(["SOFTWARE_TOKEN_MFA", "SMS_MFA", "NEW_PASSWORD_REQUIRED"]),
                scalars,
            )
        },
        optional={"AuthenticationResult": st.just({"AccessToken": ANN_TOKEN})},
    ),
    json_values,
    st.just("client-error"),
)
old_records = st.fixed_dictionaries(
    {
        "Username": st.one_of(st.just("ann"), usernames),
        "Enabled": maybe(st.booleans()),
        "UserStatus": maybe(
            st.sampled_from(["CONFIRMED", "UNCONFIRMED", "RESET_REQUIRED", "EXTERNAL_PROVIDER"])
        ),
        "UserAttributes": maybe(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "Name": maybe(
                            st.sampled_from(
                                [
                                    *MIGRATION_ATTRIBUTES,
                                    "sub",
                                    "identities",
                                    "cognito:user_status",
                                    "phone_number_verified",
                                    "nickname",
                                ]
                            )
                        ),
                        "Value": st.one_of(st.just(MIGRATION_SUB), attribute_values),
                    }
                ),
                max_size=6,
            )
        ),
    },
    optional={
        "UserMFASettingList": maybe(st.lists(st.sampled_from(["SMS_MFA", "EMAIL_OTP"]))),
        "PreferredMfaSetting": maybe(st.sampled_from(["", "SMS_MFA"])),
        "MFAOptions": json_values,
    },
)
get_user_results = st.one_of(st.just(ANN_OLD), old_records, json_values, st.just("client-error"))


class FakeOldPool:
    """The old pool, answering with whatever hypothesis drew; records every call."""

    def __init__(self, initiate_result: Any, get_user_result: Any) -> None:
        self.initiate_result = initiate_result
        self.get_user_result = get_user_result
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, operation: str, result: Any, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        if result == "client-error":
            raise _client_error(operation)
        return copy.deepcopy(result)

    def admin_initiate_auth(self, **params: Any) -> Any:
        return self._answer("AdminInitiateAuth", self.initiate_result, params)

    def admin_get_user(self, **params: Any) -> Any:
        return self._answer("AdminGetUser", self.get_user_result, params)


fake_old_pools = st.builds(FakeOldPool, initiate_auth_results, get_user_results)
# The migration paths need a nearly intact event: give the mutated fixtures their own share.
migration_events = st.one_of(
    any_events(um.SOURCES, "user_migration"), mutated_fixtures("user_migration")
)


def assert_migration_was_warranted(event: dict[str, Any], old_pool: FakeOldPool) -> None:
    """A returned migration event carries only what the policy allows, from an eligible user."""
    response = event["response"]
    attributes = response["userAttributes"]
    assert attributes
    for name, value in attributes.items():
        assert isinstance(value, str)
        assert name in MIGRATION_ATTRIBUTES  # nothing unlisted, no unlisted flag
        assert name not in {"sub", "identities"}
        assert not name.startswith("cognito:")
    for flag, base in (("email_verified", "email"), ("phone_number_verified", "phone_number")):
        if flag in attributes:
            assert attributes[flag] == "true"
            assert base in attributes
    assert response["messageAction"] == "SUPPRESS"
    assert response["forceAliasCreation"] is False
    record = old_pool.get_user_result
    assert record["Enabled"] is True
    assert record["UserStatus"] == "CONFIRMED"
    assert not record.get("UserMFASettingList")
    assert not record.get("PreferredMfaSetting")
    if event["triggerSource"] == um.AUTHENTICATION:
        assert response["finalUserStatus"] == "CONFIRMED"
        operations = [operation for operation, _ in old_pool.calls]
        assert operations == ["AdminInitiateAuth", "AdminGetUser"]
        assert old_pool.initiate_result.get("ChallengeName") is None
        assert old_pool.calls[0][1]["AuthParameters"]["PASSWORD"] == event["request"]["password"]
    else:
        assert "finalUserStatus" not in response
        assert um.has_verified_contact(attributes)
    old_values = {item.get("Name"): item.get("Value") for item in record["UserAttributes"] or []}
    if old_values.get("email"):  # email is a sign-in identifier: never carried unverified
        assert attributes.get("email_verified") == "true"
    verified_email = attributes.get("email") if attributes.get("email_verified") == "true" else None
    known = [record["Username"], verified_email]
    assert any(isinstance(k, str) and k.lower() == event["userName"].lower() for k in known)


def is_refused(event: dict[str, Any]) -> bool:
    """The empty response Cognito answers as for an unknown name."""
    response = event.get("response")
    return isinstance(response, dict) and all(value is None for value in response.values())


@PROPERTY
@given(event=migration_events, old_pool=fake_old_pools)
def test_user_migration_process_event_raises_only_its_own_errors(
    event: Any, old_pool: FakeOldPool
) -> None:
    if not isinstance(event, dict):
        return
    try:
        result = um.process_event(
            event, USER_MIGRATION_CONFIG, lambda region: old_pool, um.Deadline(4.0)
        )
    except MIGRATION_ESCAPES as error:
        record_path(type(error).__name__)
        return
    assert result is event
    if source_of(event) not in um.SOURCES:
        assert not old_pool.calls
    elif is_refused(event):
        record_path("refused")
        assert set(event["response"]) >= set(um.RESPONSE_KEYS)
    else:
        record_path("migrated")
        assert_migration_was_warranted(event, old_pool)


@PROPERTY
@given(event=migration_events, old_pool=fake_old_pools)
def test_user_migration_handler_never_crashes_or_logs_the_password(
    event: Any, old_pool: FakeOldPool, set_config: Any, caplog: Any
) -> None:
    set_config(USER_MIGRATION_CONFIG_RAW)
    um.CONFIG.reset()
    um._old_pool_clients["eu-west-1"] = old_pool
    if isinstance(event, dict) and isinstance(event.get("request"), dict):
        event["request"]["password"] = MIGRATION_PASSWORD
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    try:
        um.handler(event, None)
    except MIGRATION_ESCAPES:
        pass
    finally:
        um._old_pool_clients.clear()
        um.CONFIG.reset()
    assert no_unexpected_errors(caplog)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert MIGRATION_PASSWORD not in logged


# --- example API backend ------------------------------------------------------------------

API_TOKENS = [
    value.removeprefix("Bearer ")
    for event in API_FIXTURES.values()
    for name, value in event["headers"].items()
    if name.lower() == "authorization"
]


@PROPERTY
@given(event=st.one_of(mutated_fixtures("", API_FIXTURES), json_values))
def test_api_backend_always_answers_json_and_never_the_token(event: Any, caplog: Any) -> None:
    caplog.clear()
    result: dict[str, Any] = api_whoami.handler(event, None)
    assert no_unexpected_errors(caplog)
    assert result["statusCode"] in {200, 400, 500}
    body = json.loads(result["body"])
    assert isinstance(body, dict)
    record_path(str(result["statusCode"]))
    if result["statusCode"] == 200:
        assert set(body) <= {"sub", "client_id", "scopes", "username"}
        assert isinstance(body["sub"], str)
        assert body["sub"]
        assert all(isinstance(scope, str) for scope in body["scopes"])
    else:
        assert set(body) == {"message"}
    assert not any(token in result["body"] for token in API_TOKENS)


# --- domain policy ------------------------------------------------------------------------

labels = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domains = st.lists(labels, min_size=1, max_size=3).map(lambda parts: ".".join([*parts, "com"]))


@PROPERTY
@given(rule=domains, sub=labels)
def test_subdomains_match(rule: str, sub: str) -> None:
    assert psu.domain_matches(f"{sub}.{rule}", rule)
    assert psu.domain_matches(rule, rule)


@PROPERTY
@given(rule=domains, glued=labels, suffix=labels)
def test_look_alike_domains_do_not_match(rule: str, glued: str, suffix: str) -> None:
    assert not psu.domain_matches(f"{glued}-{rule}", rule)
    assert not psu.domain_matches(f"{glued}{rule}", rule)
    assert not psu.domain_matches(f"{rule}.{suffix}", rule)


@PROPERTY
@given(email=emails)
def test_domain_policy_only_denies(email: str) -> None:
    message: str | None
    try:
        psu.check_email_domain(email, PRE_SIGN_UP_CONFIG)
    except psu.SignUpDenied as denial:
        message = str(denial)
    else:
        message = None
    if message is not None:
        assert message.startswith("Sign-up ")
    else:
        domain = psu.email_domain(email)
        assert domain is not None
        assert (
            domain == "example.com"
            or domain.endswith((".example.com", ".example.org"))
            or (domain == "example.org")
        )
        assert not psu.domain_matches(domain, "spam.example.com")


@PROPERTY
@given(value=st.text(max_size=80))
def test_normalize_domain_is_idempotent(value: str) -> None:
    normalized = psu.normalize_domain(value)
    if normalized is not None:
        assert psu.normalize_domain(normalized) == normalized
        assert normalized == normalized.lower()
        assert normalized.isascii()


def test_the_fixtures_cover_every_source_of_every_trigger() -> None:
    sources = {event["triggerSource"] for event in FIXTURES.values()}
    assert psu.SOURCES | {pc.CONFIRM_SIGN_UP} | ptg.SOURCES | cm.SOURCES | um.SOURCES <= sources
    assert inf.SOURCE in sources
