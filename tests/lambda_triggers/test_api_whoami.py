"""The example API backend: the caller's identity from verified claims, never the token.

Fixtures follow the documented event shapes:
- ``api/http_api``: HTTP API payload format 2.0 with a JWT authorizer, a machine client's
  access token (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)
- ``api/rest_api``: REST API Lambda proxy event with a Cognito user pools authorizer, a
  user's access token (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html)
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from lambda_triggers import api_whoami


def body_of(result: dict[str, Any]) -> Any:
    assert result["headers"] == {"content-type": "application/json", "cache-control": "no-store"}
    return json.loads(result["body"])


def tokens_in(event: dict[str, Any]) -> list[str]:
    headers = {k.lower(): v for k, v in event["headers"].items()}
    return [headers["authorization"].removeprefix("Bearer "), headers["authorization"]]


def test_http_api_machine_token(load_event: Any) -> None:
    event = load_event("api/http_api")
    result = api_whoami.handler(event, None)
    assert result["statusCode"] == 200
    assert body_of(result) == {
        "sub": "1example23456789",
        "client_id": "1example23456789",
        "scopes": ["orders/read", "orders/write"],
    }


def test_rest_api_user_token(load_event: Any) -> None:
    event = load_event("api/rest_api")
    result = api_whoami.handler(event, None)
    assert result["statusCode"] == 200
    assert body_of(result) == {
        "sub": "a1b2c3d4-0000-1111-2222-333344445555",
        "client_id": "2example23456789",
        "scopes": ["openid", "email", "orders/read", "profile"],
        "username": "ann",
    }


@pytest.mark.parametrize("name", ["api/http_api", "api/rest_api"])
def test_the_token_and_other_claims_never_leave(name: str, load_event: Any, caplog: Any) -> None:
    event = load_event(name)
    with caplog.at_level(logging.DEBUG):
        result: dict[str, Any] = api_whoami.handler(event, None)
    text = result["body"] + "".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    for token in tokens_in(event):
        assert token not in text
    for claim in ("iss", "jti", "tenant_id", "service", "cognito:groups", "exp"):
        assert claim not in body_of(result)


def test_an_id_token_names_its_client_in_aud(load_event: Any) -> None:
    event = load_event("api/rest_api")
    event["requestContext"]["authorizer"]["claims"] = {
        "sub": "a1b2c3d4",
        "aud": "3example23456789",
        "cognito:username": "ann",
        "token_use": "id",
    }
    assert body_of(api_whoami.handler(event, None)) == {
        "sub": "a1b2c3d4",
        "client_id": "3example23456789",
        "scopes": [],
        "username": "ann",
    }


@pytest.mark.parametrize(
    "authorizer",
    [None, {}, {"claims": None}, {"claims": {}}, {"jwt": {"claims": "x"}}, {"claims": {"sub": ""}}],
)
def test_no_verified_caller_is_a_server_error(authorizer: Any, load_event: Any, caplog: Any):
    event = load_event("api/rest_api")
    event["requestContext"]["authorizer"] = authorizer
    with caplog.at_level(logging.ERROR):
        result: dict[str, Any] = api_whoami.handler(event, None)
    assert result["statusCode"] == 500
    assert body_of(result) == {"message": "no verified caller"}
    assert "behind a Cognito authorizer" in caplog.records[0].getMessage()


@pytest.mark.parametrize("event", [None, "x", [], 7])
def test_an_event_that_is_not_an_object_is_a_bad_request(event: object) -> None:
    result = api_whoami.handler(event, None)
    assert result["statusCode"] == 400
    assert body_of(result) == {"message": "malformed request"}


def test_long_values_are_capped(load_event: Any) -> None:
    event = load_event("api/http_api")
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims["sub"] = "s" * 1000
    claims["scope"] = " ".join(f"api/s{i}" for i in range(80))
    body = body_of(api_whoami.handler(event, None))
    assert body["sub"] == "s" * api_whoami.MAX_VALUE_LEN
    assert len(body["scopes"]) == api_whoami.MAX_SCOPES


def test_an_unexpected_error_answers_without_a_traceback(
    load_event: Any, monkeypatch: Any, caplog: Any
) -> None:
    def broken(event: object) -> None:
        raise ZeroDivisionError("bug in answer")

    monkeypatch.setattr(api_whoami, "answer", broken)
    with caplog.at_level(logging.ERROR):
        result: dict[str, Any] = api_whoami.handler(load_event("api/http_api"), None)
    assert result["statusCode"] == 500
    assert body_of(result) == {"message": "internal error"}
    assert "Traceback" not in result["body"]
    assert caplog.records[0].exc_info is not None
