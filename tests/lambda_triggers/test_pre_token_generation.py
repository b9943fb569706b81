"""Pre token generation trigger (V2/V3 events): claims, groups, scopes, protected names."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest

from lambda_triggers import _common
from lambda_triggers import pre_token_generation as ptg
from lambda_triggers._common import ConfigError

CONFIG = {
    "id_token_claims": {"tenant_id": "custom:tenant_id", "nickname": "nickname"},
    "access_token_claims": {"tenant_id": "custom:tenant_id", "plan": "custom:plan"},
    "groups_claim": "roles",
    "suppress_claims": ["email"],
    "group_scopes": {
        "admins": ["orders.example.com/admin", "orders.example.com/read"],
        "users": ["orders.example.com/read"],
    },
    # The user events come from client 1example23456789, named WebApp (see `pool_clients_list`).
    "client_scopes": {"WebApp": ["orders.example.com/admin", "orders.example.com/read"]},
}
NO_GROUP_SCOPES = {k: v for k, v in CONFIG.items() if k not in ("group_scopes", "client_scopes")}
WEB_APP_ID = "1example23456789"  # callerContext.clientId of every event fixture


class ClientList:
    """Answers ListUserPoolClients like cognito-idp, with one page; counts the calls."""

    def __init__(self, *clients: tuple[str, str]) -> None:
        self.clients = clients
        self.calls = 0

    def list_user_pool_clients(self, **params: Any) -> dict[str, Any]:
        self.calls += 1
        return {
            "UserPoolClients": [
                {"ClientId": client_id, "UserPoolId": params["UserPoolId"], "ClientName": name}
                for client_id, name in self.clients
            ]
        }


@pytest.fixture(autouse=True)
def pool_clients_list() -> ClientList:
    """The pool's clients as the trigger lists them (a test may replace the client)."""
    clients = ClientList((WEB_APP_ID, "WebApp"))
    _common._cognito_client = clients
    return clients


def invoke(event: Any) -> Any:
    return ptg.handler(event, None)


USER_SOURCES = [
    "pre_token_generation_hosted_auth",
    "pre_token_generation_authentication",
    "pre_token_generation_new_password_challenge",
    "pre_token_generation_authenticate_device",
    "pre_token_generation_refresh_tokens",
]


@pytest.mark.parametrize("name", USER_SOURCES)
def test_user_sources_get_configured_claims_groups_and_scopes(
    name: str, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event(name)
    result = invoke(event)
    assert result is event
    assert result["response"]["claimsAndScopeOverrideDetails"] == {
        "idTokenGeneration": {
            "claimsToAddOrOverride": {"tenant_id": "tenant-42", "roles": ["admins", "users"]},
            "claimsToSuppress": ["email"],
        },
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {
                "tenant_id": "tenant-42",
                "plan": "pro",
                "roles": ["admins", "users"],
            },
            "claimsToSuppress": ["email"],
            "scopesToAdd": ["orders.example.com/admin", "orders.example.com/read"],
            "scopesToSuppress": [],
        },
    }
    assert result["request"] == load_event(name)["request"]


def test_client_credentials_customise_only_the_access_token(set_config: Any, load_event: Any):
    set_config(CONFIG)
    result = invoke(load_event("pre_token_generation_client_credentials"))
    assert result["response"]["claimsAndScopeOverrideDetails"] == {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {},
            "claimsToSuppress": ["email"],
            "scopesToAdd": [],
            "scopesToSuppress": [],
        }
    }


# --- machine clients (V3_0 client-credentials events) -------------------------------------

POOL_ID = "us-east-1_EXAMPLE"
WORKER_ID = "1example23456789"  # the client id in the client-credentials fixture
MACHINE_CONFIG = {
    **CONFIG,
    "machine_clients": {
        "OrdersWorker": {
            "claims": {"service": "orders-worker", "tier": "gold"},
            "scopes": ["orders.example.com/audit"],
        },
        "Reporting": {"claims": {"service": "reporting"}},
    },
}


def pool_clients(*clients: tuple[str, str], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "UserPoolClients": [
            {"ClientId": client_id, "UserPoolId": POOL_ID, "ClientName": name}
            for client_id, name in clients
        ]
    }
    if token is not None:
        page["NextToken"] = token
    return page


LIST_PARAMS = {"UserPoolId": POOL_ID, "MaxResults": 60}


@pytest.fixture
def aws(cognito_idp: Any, stubber: Any) -> Any:
    _common._cognito_client = cognito_idp
    return stubber


def test_a_machine_client_gets_its_claims_and_scopes_on_the_access_token_only(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(MACHINE_CONFIG)
    aws.add_response(
        "list_user_pool_clients",
        pool_clients((WORKER_ID, "OrdersWorker"), ("2example23456789", "WebApp")),
        LIST_PARAMS,
    )
    event = load_event("pre_token_generation_client_credentials")
    assert event["version"] == "3"
    result = invoke(event)
    assert result["response"]["claimsAndScopeOverrideDetails"] == {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"service": "orders-worker", "tier": "gold"},
            "claimsToSuppress": ["email"],
            "scopesToAdd": ["orders.example.com/audit"],
            "scopesToSuppress": [],
        }
    }


def test_the_client_list_is_kept_between_invocations(
    set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(MACHINE_CONFIG)
    aws.add_response("list_user_pool_clients", pool_clients((WORKER_ID, "OrdersWorker")))
    for _ in range(3):  # the stubber fails on a second, unexpected listing
        details = invoke(load_event("pre_token_generation_client_credentials"))["response"][
            "claimsAndScopeOverrideDetails"
        ]
        assert details["accessTokenGeneration"]["claimsToAddOrOverride"]["tier"] == "gold"


def test_the_client_list_is_refreshed_after_its_ttl(cognito_idp: Any, stubber: Any) -> None:
    now = [0.0]
    names = ptg.ClientNames(ttl=300, clock=lambda: now[0])
    stubber.add_response("list_user_pool_clients", pool_clients((WORKER_ID, "Old")))
    stubber.add_response("list_user_pool_clients", pool_clients((WORKER_ID, "New")))
    assert names.unique_name(cognito_idp, POOL_ID, WORKER_ID) == "Old"
    now[0] = 299.0
    assert names.unique_name(cognito_idp, POOL_ID, WORKER_ID) == "Old"
    now[0] = 300.0
    assert names.unique_name(cognito_idp, POOL_ID, WORKER_ID) == "New"


def test_every_page_of_clients_is_read(cognito_idp: Any, stubber: Any) -> None:
    stubber.add_response(
        "list_user_pool_clients", pool_clients(("a" * 26, "WebApp"), token="next"), LIST_PARAMS
    )
    stubber.add_response(
        "list_user_pool_clients",
        pool_clients((WORKER_ID, "OrdersWorker")),
        {**LIST_PARAMS, "NextToken": "next"},
    )
    assert ptg.ClientNames().unique_name(cognito_idp, POOL_ID, WORKER_ID) == "OrdersWorker"


@pytest.mark.parametrize(
    "clients",
    [
        pytest.param([(WORKER_ID, "OrdersWorker"), ("b" * 26, "OrdersWorker")], id="name twice"),
        pytest.param([(WORKER_ID, "Unconfigured")], id="not configured"),
        pytest.param([("b" * 26, "OrdersWorker")], id="unknown id"),
    ],
)
def test_no_machine_claims_unless_the_client_is_the_one_configured(
    clients: list[tuple[str, str]], set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(MACHINE_CONFIG)
    aws.add_response("list_user_pool_clients", pool_clients(*clients))
    access = invoke(load_event("pre_token_generation_client_credentials"))["response"][
        "claimsAndScopeOverrideDetails"
    ]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {}
    assert access["scopesToAdd"] == []


def test_a_failed_lookup_issues_the_token_without_machine_claims(
    set_config: Any, load_event: Any, aws: Any, caplog: Any
) -> None:
    set_config(MACHINE_CONFIG)
    aws.add_client_error("list_user_pool_clients", "AccessDeniedException")
    with caplog.at_level(logging.ERROR):
        details = invoke(load_event("pre_token_generation_client_credentials"))["response"][
            "claimsAndScopeOverrideDetails"
        ]
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"] == {}
    assert details["accessTokenGeneration"]["claimsToSuppress"] == ["email"]
    [record] = caplog.records
    assert record.getMessage().startswith("cannot list the app clients")
    assert record.error_code == "AccessDeniedException"


@pytest.mark.parametrize("config", [NO_GROUP_SCOPES, {**MACHINE_CONFIG, "group_scopes": {}}])
def test_without_group_scopes_user_tokens_never_look_clients_up(
    config: dict[str, Any], set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(config)
    invoke(load_event("pre_token_generation_authentication"))  # the stubber has no response
    if config is NO_GROUP_SCOPES:
        invoke(load_event("pre_token_generation_client_credentials"))


@pytest.mark.parametrize("caller", [None, {}, {"clientId": ""}, {"clientId": 5}])
def test_a_client_credentials_event_without_a_client_id_gets_no_machine_claims(
    caller: object, set_config: Any, load_event: Any, aws: Any
) -> None:
    set_config(MACHINE_CONFIG)
    event = load_event("pre_token_generation_client_credentials")
    event["callerContext"] = caller
    access = invoke(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {}


def test_machine_claims_skip_reserved_names_and_scopes(caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        config = ptg.parse_config(
            {
                "machine_clients": {
                    "Worker": {
                        "claims": {"client_id": "x", "cognito:groups": "y", "service": "w"},
                        "scopes": ["openid", "api/read", "api/read"],
                    }
                }
            }
        )
    assert dict(config.machine_clients["Worker"].claims) == {"service": "w"}
    assert config.machine_clients["Worker"].scopes == ("api/read",)
    assert len(caplog.records) == 3


def test_a_user_in_no_group_gets_an_empty_groups_claim(set_config: Any, load_event: Any) -> None:
    set_config({"groups_claim": "roles"})
    event = load_event("pre_token_generation_authentication")
    event["request"]["groupConfiguration"] = None
    details = invoke(event)["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {"roles": []}
    assert details["accessTokenGeneration"]["scopesToAdd"] == []


@pytest.mark.parametrize("value", [None, 7, True, ["tenant-42"], {"id": "tenant-42"}])
def test_a_missing_or_non_string_attribute_adds_no_claim(
    value: object, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    if value is None:
        del event["request"]["userAttributes"]["custom:tenant_id"]
    else:
        event["request"]["userAttributes"]["custom:tenant_id"] = value
    details = invoke(event)["response"]["claimsAndScopeOverrideDetails"]
    assert "tenant_id" not in details["idTokenGeneration"]["claimsToAddOrOverride"]
    assert "tenant_id" not in details["accessTokenGeneration"]["claimsToAddOrOverride"]
    assert details["accessTokenGeneration"]["claimsToAddOrOverride"]["plan"] == "pro"


@pytest.mark.parametrize("request_value", [None, {}, {"userAttributes": None}, "x"])
def test_a_sparse_request_gives_only_unconditional_overrides(
    request_value: object, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    event["request"] = request_value
    details = invoke(event)["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {"roles": []}
    assert details["accessTokenGeneration"]["claimsToSuppress"] == ["email"]


@pytest.mark.parametrize("response_value", [None, "x", [], {"claimsAndScopeOverrideDetails": 5}])
def test_a_malformed_response_is_replaced(
    response_value: object, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    event["response"] = response_value
    result = invoke(event)
    assert set(result["response"]["claimsAndScopeOverrideDetails"]) == {
        "idTokenGeneration",
        "accessTokenGeneration",
    }


@pytest.mark.parametrize(
    "claim",
    [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "nbf",
        "jti",
        "token_use",
        "client_id",
        "scope",
        "username",
        "cognito:username",
        "cognito:groups",
        "cognito:roles",
        "cognito:preferred_role",
        "cognito:anything",
        "event_id",
        "origin_jti",
        "identities",
        "acr",
        "amr",
        "at_hash",
        "nonce",
        "email_verified",
        "phone_number_verified",
        "Sub",
        "COGNITO:GROUPS",
    ],
)
def test_reserved_claims_are_never_added_overridden_or_suppressed(claim: str, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        config = ptg.parse_config(
            {
                "id_token_claims": {claim: "custom:tenant_id"},
                "access_token_claims": {claim: "custom:tenant_id"},
                "groups_claim": claim,
                "suppress_claims": [claim],
            }
        )
    assert config == ptg.Config()
    assert len(caplog.records) == 4
    assert all(r.claim == claim for r in caplog.records)
    overrides = ptg.build_overrides(
        "TokenGeneration_Authentication", {"custom:tenant_id": "t"}, ["admins"], config
    )
    for token in ("idTokenGeneration", "accessTokenGeneration"):
        details = overrides[token]
        assert isinstance(details, dict)
        assert details["claimsToAddOrOverride"] == {}
        assert details["claimsToSuppress"] == []


def test_reserved_scopes_are_skipped_with_a_warning(caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        config = ptg.parse_config(
            {
                "group_scopes": {
                    "admins": ["aws.cognito.signin.user.admin", "openid", "api/read", "api/read"]
                }
            }
        )
    assert config.group_scopes == {"admins": ("api/read",)}
    assert [r.scope for r in caplog.records] == ["aws.cognito.signin.user.admin", "openid"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"id_token_claims": {"tenant": "custom:t"}, "suppress_claims": ["tenant"]}, "both added"),
        ({"groups_claim": "roles", "suppress_claims": ["roles"]}, "both added"),
        ({"groups_claim": "roles", "access_token_claims": {"roles": "custom:r"}}, "also mapped"),
        ({"group_scopes": {"admins": ["api read"]}}, "not a valid scope"),
        ({"group_scopes": {"admins": "api/read"}}, "array of non-empty strings"),
        ({"id_token_claims": ["tenant"]}, "expected an object"),
        ({"groups_claim": ""}, "non-empty string"),
        ({"claims": {}}, "unknown keys"),
        ("[]", "expected a JSON object"),
        ({"machine_clients": []}, "machine_clients: expected an object"),
        ({"machine_clients": {"W": {"claim": {}}}}, "machine_clients.W: unknown keys"),
        ({"machine_clients": {"W": {"claims": {"a": 1}}}}, r"machine_clients.W: claims.a"),
        ({"machine_clients": {"W": {"scopes": ["a b"]}}}, "is not a valid scope"),
        ({"machine_clients": {"W": {"claims": {"a": "x" * 2049}}}}, "longer than 2048"),
        (
            {"machine_clients": {"W": {"claims": {"tier": "x"}}}, "suppress_claims": ["tier"]},
            "both added and suppressed",
        ),
    ],
)
def test_invalid_config_is_rejected(raw: object, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        ptg.parse_config(raw)


@pytest.mark.parametrize("raw", [None, "{", '{"groups_claim": 1}'])
def test_an_invalid_config_passes_the_event_through(
    raw: str | None, set_config: Any, load_event: Any, caplog: Any
) -> None:
    if raw is not None:
        set_config(raw)
    event = load_event("pre_token_generation_authentication")
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.ERROR):
        assert invoke(event) == expected
    assert caplog.records[0].getMessage().startswith("invalid trigger configuration")


@pytest.mark.parametrize("version", ["1", None, 1, True, "4"])
def test_other_event_versions_pass_through_with_a_warning(
    version: object, set_config: Any, load_event: Any, caplog: Any
) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    event["version"] = version
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.WARNING):
        assert invoke(event) == expected
    assert "not version 2 or 3" in caplog.records[0].getMessage()


def test_integer_version_two_is_accepted(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    event["version"] = 2
    assert "claimsAndScopeOverrideDetails" in invoke(event)["response"]


def test_unknown_sources_and_non_objects_pass_through(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("pre_token_generation_authentication")
    event["triggerSource"] = "TokenGeneration_Something"
    expected = copy.deepcopy(event)
    assert invoke(event) == expected
    assert invoke("event") == "event"


def test_an_unexpected_error_passes_the_event_through(
    set_config: Any, load_event: Any, monkeypatch: Any, caplog: Any
) -> None:
    set_config(NO_GROUP_SCOPES)

    def broken(*args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(ptg, "build_overrides", broken)
    event = load_event("pre_token_generation_authentication")
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.ERROR):
        assert invoke(event) == expected
    assert caplog.records[0].exc_info is not None


def test_an_unexpected_error_still_withholds_every_group_scope(
    set_config: Any, load_event: Any, monkeypatch: Any, caplog: Any
) -> None:
    # Passing the event through would issue whatever scopes the user asked the client for.
    set_config(CONFIG)

    def broken(*args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(ptg, "build_overrides", broken)
    event = load_event("pre_token_generation_hosted_auth")
    with caplog.at_level(logging.ERROR):
        result = invoke(event)
    assert result["response"]["claimsAndScopeOverrideDetails"] == {
        "accessTokenGeneration": {
            "scopesToSuppress": ["orders.example.com/admin", "orders.example.com/read"]
        }
    }
    assert caplog.records[0].exc_info is not None


# --- a group scope reaches a token only through a client that may request it ----------------

GATED = {
    "group_scopes": {"admins": ["orders/write"], "users": ["orders/read"]},
    "client_scopes": {"AdminPortal": ["orders/read", "orders/write"], "WebApp": ["orders/read"]},
}


def access_scopes(
    set_config: Any, load_event: Any, groups: list[str], client: str | None
) -> dict[str, Any]:
    set_config(GATED)
    if client is not None:
        _common._cognito_client = ClientList((WEB_APP_ID, client), ("b" * 26, "Other"))
    event = load_event("pre_token_generation_hosted_auth")
    event["request"]["groupConfiguration"]["groupsToOverride"] = groups
    access = invoke(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    return {"added": access["scopesToAdd"], "suppressed": access["scopesToSuppress"]}


def test_a_member_gets_the_group_scope_through_a_client_that_may_request_it(
    set_config: Any, load_event: Any
) -> None:
    assert access_scopes(set_config, load_event, ["admins", "users"], "AdminPortal") == {
        "added": ["orders/write", "orders/read"],
        "suppressed": [],
    }


def test_a_member_never_gets_a_scope_the_client_may_not_request(
    set_config: Any, load_event: Any
) -> None:
    # An admin signing in through the web app: the REST API, which decides on scopes alone,
    # must never see orders/write from a client that was not granted it.
    assert access_scopes(set_config, load_event, ["admins", "users"], "WebApp") == {
        "added": ["orders/read"],
        "suppressed": ["orders/write"],
    }


def test_a_non_member_never_gets_a_group_scope_even_when_asking_for_it(
    set_config: Any, load_event: Any
) -> None:
    # The admin portal may request orders/write, so a user could ask for it in /authorize.
    assert access_scopes(set_config, load_event, ["users"], "AdminPortal") == {
        "added": ["orders/read"],
        "suppressed": ["orders/write"],
    }


@pytest.mark.parametrize("client", ["Unconfigured", "MachineOnly"])
def test_an_unknown_client_gets_no_group_scope(
    client: str, set_config: Any, load_event: Any
) -> None:
    assert access_scopes(set_config, load_event, ["admins", "users"], client) == {
        "added": [],
        "suppressed": ["orders/read", "orders/write"],
    }


def test_a_client_name_two_clients_share_gets_no_group_scope(
    set_config: Any, load_event: Any
) -> None:
    set_config(GATED)
    _common._cognito_client = ClientList((WEB_APP_ID, "AdminPortal"), ("b" * 26, "AdminPortal"))
    event = load_event("pre_token_generation_hosted_auth")
    access = invoke(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["scopesToAdd"] == []
    assert access["scopesToSuppress"] == ["orders/read", "orders/write"]


def test_a_failed_client_lookup_withholds_every_group_scope(
    set_config: Any, load_event: Any, aws: Any, caplog: Any
) -> None:
    set_config(GATED)
    aws.add_client_error("list_user_pool_clients", "TooManyRequestsException")
    event = load_event("pre_token_generation_hosted_auth")
    with caplog.at_level(logging.ERROR):
        access = invoke(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["scopesToAdd"] == []
    assert access["scopesToSuppress"] == ["orders/read", "orders/write"]
    assert caplog.records[0].error_code == "TooManyRequestsException"


def test_machine_tokens_are_not_gated_by_groups(set_config: Any, load_event: Any) -> None:
    # A machine client's own scopes come from its client settings; no group applies.
    set_config({**GATED, "machine_clients": {"Worker": {"scopes": ["orders/write"]}}})
    _common._cognito_client = ClientList((WEB_APP_ID, "Worker"))
    event = load_event("pre_token_generation_client_credentials")
    access = invoke(event)["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["scopesToAdd"] == ["orders/write"]
    assert access["scopesToSuppress"] == []


def test_the_client_list_serves_every_user_token_for_its_ttl(
    set_config: Any, load_event: Any, pool_clients_list: ClientList
) -> None:
    set_config(CONFIG)
    for _ in range(3):
        invoke(load_event("pre_token_generation_authentication"))
    assert pool_clients_list.calls == 1
