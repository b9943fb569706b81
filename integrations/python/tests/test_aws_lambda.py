"""`cognito_tokens.aws_lambda`: protected proxy handlers and the ready Lambda authorizer, with
API Gateway's event shapes (REST and HTTP API payload 1.0/2.0; TOKEN and REQUEST authorizers).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cognito_tokens import CognitoTokenVerifier, JwksCache, JwksUnavailable
from cognito_tokens.aws_lambda import Unauthorized, event_bearer_token, lambda_authorizer, protect
from cognito_tokens.testing import LocalPool

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/prod/GET/orders/42"
ROUTE_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/$default/GET/orders"


@pytest.mark.parametrize(
    ("event", "token"),
    [
        ({"version": "2.0", "headers": {"authorization": "Bearer a.b.c"}}, "a.b.c"),
        ({"headers": {"Authorization": "Bearer a.b.c"}}, "a.b.c"),
        ({"headers": {"AUTHORIZATION": "bearer a.b.c"}}, "a.b.c"),
        ({"headers": None, "multiValueHeaders": {"authorization": ["Bearer a.b.c"]}}, "a.b.c"),
        ({"type": "TOKEN", "authorizationToken": "Bearer a.b.c"}, "a.b.c"),
        ({"headers": {"Authorization": "Basic xyz"}}, None),
        ({"headers": {}}, None),
        ({"headers": {"authorization": 5}}, None),
        ({}, None),
        (None, None),
        ("not an event", None),
    ],
)
def test_the_bearer_token_of_an_event(event: Any, token: str | None) -> None:
    assert event_bearer_token(event) == token


def test_protect_answers_for_the_handler(cognito_pool: LocalPool) -> None:
    seen: list[dict[str, Any]] = []

    @protect(cognito_pool.verifier(), scopes="orders/read")
    def handler(event: Any, context: Any, claims: dict[str, Any]) -> dict[str, Any]:
        seen.append(claims)
        return {"statusCode": 200, "body": json.dumps({"sub": claims["sub"]})}

    def event(token: str | None) -> dict[str, Any]:
        headers = {} if token is None else {"authorization": f"Bearer {token}"}
        return {"version": "2.0", "headers": headers}

    ok = handler(event(cognito_pool.access_token(sub="s-1", scopes=["orders/read"])), None)
    missing = handler(event(None), None)
    no_scope = handler(event(cognito_pool.access_token()), None)
    garbage = handler({"unexpected": True}, None)

    assert (ok["statusCode"], json.loads(ok["body"])) == (200, {"sub": "s-1"})
    assert missing == {
        "statusCode": 401,
        "headers": {"Content-Type": "application/json", "WWW-Authenticate": 'Bearer realm="api"'},
        "body": '{"detail": "a bearer token is required"}',
    }
    assert no_scope["statusCode"] == 403
    assert 'error="insufficient_scope"' in no_scope["headers"]["WWW-Authenticate"]
    assert garbage["statusCode"] == 401
    assert len(seen) == 1


@pytest.fixture
def authorizer(cognito_pool: LocalPool) -> Any:
    return lambda_authorizer(cognito_pool.verifier(), scopes="orders/read")


def test_a_rest_token_authorizer_allows_the_whole_stage_with_the_callers_context(
    authorizer: Any, cognito_pool: LocalPool
) -> None:
    token = cognito_pool.access_token(
        sub="s-1", username="ann", scopes=["orders/read"], groups=["a", "b"]
    )

    policy = authorizer(
        {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN}, None
    )

    assert policy == {
        "principalId": "s-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    # The policy is cached per token for every route: not only this one.
                    "Resource": "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/prod/*",
                }
            ],
        },
        "context": {
            "sub": "s-1",
            "username": "ann",
            "client_id": cognito_pool.client_id,
            "scope": "orders/read",
            "token_use": "access",
            "groups": "a,b",
        },
    }


@pytest.mark.parametrize(
    "event",
    [
        {"type": "TOKEN", "methodArn": METHOD_ARN},
        {"type": "TOKEN", "authorizationToken": "Bearer not-a-jwt", "methodArn": METHOD_ARN},
        {"type": "REQUEST", "headers": {"Authorization": "Bearer x.y.z"}, "methodArn": METHOD_ARN},
        {},
    ],
)
def test_a_missing_or_invalid_token_raises_unauthorized(authorizer: Any, event: Any) -> None:
    # API Gateway answers 401 for exactly this message; any other error is a 500.
    with pytest.raises(Unauthorized) as raised:
        authorizer(event, None)
    assert str(raised.value) == "Unauthorized"


def test_a_token_without_the_scope_gets_a_deny_policy(
    authorizer: Any, cognito_pool: LocalPool
) -> None:
    event = {
        "type": "REQUEST",
        "headers": {"authorization": f"Bearer {cognito_pool.access_token()}"},
        "methodArn": METHOD_ARN,
    }

    policy = authorizer(event, None)

    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert policy["context"] == {}


def test_an_http_api_authorizer_answers_simple_responses(
    authorizer: Any, cognito_pool: LocalPool
) -> None:
    def event(token: str) -> dict[str, Any]:
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": ROUTE_ARN,
            "headers": {"authorization": f"Bearer {token}"},
        }

    allowed = authorizer(event(cognito_pool.access_token(sub="s-2", scopes=["orders/read"])), None)

    assert allowed["isAuthorized"] is True
    assert allowed["context"]["sub"] == "s-2"
    assert authorizer(event(cognito_pool.access_token()), None) == {"isAuthorized": False}
    assert authorizer(event("not-a-jwt"), None) == {"isAuthorized": False}


def test_an_http_api_authorizer_can_answer_iam_policies(cognito_pool: LocalPool) -> None:
    authorizer = lambda_authorizer(cognito_pool.verifier(), simple_responses=False)
    event = {
        "version": "2.0",
        "routeArn": ROUTE_ARN,
        "headers": {"authorization": f"Bearer {cognito_pool.access_token()}"},
    }

    policy = authorizer(event, None)

    assert policy["policyDocument"]["Statement"][0] == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": "arn:aws:execute-api:eu-west-1:123456789012:abcdef123/$default/*",
    }


def test_unavailable_keys_propagate(cognito_pool: LocalPool) -> None:
    def fetch(uri: str) -> bytes:
        raise OSError("network unreachable")

    verifier = CognitoTokenVerifier(
        "eu-west-1_Unreachabl",
        client_ids=cognito_pool.client_id,
        token_use="access",
        jwks_cache=JwksCache(fetcher=fetch),
    )
    token = cognito_pool.access_token(
        claims={"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Unreachabl"}
    )

    # An authorizer cannot answer 503: API Gateway turns the error into a 500, not a 401 that
    # would send clients to sign in again.
    with pytest.raises(JwksUnavailable):
        lambda_authorizer(verifier)(
            {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN},
            None,
        )
