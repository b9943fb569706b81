"""The runnable examples (examples/*_app.py), each served by its framework's own test client,
against the acceptance list: valid token with orders/read -> 200 and its sub; no header, expired,
ID token, other client -> 401 with WWW-Authenticate; no scope -> 403 insufficient_scope; keys
unreachable -> 503. Nothing from the token appears in an answer or a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from adapter_harness import Call, django_call, fastapi_call, flask_call, load_example
from cognito_tokens.testing import LocalPool

SUB = "11111111-2222-4333-8444-555555555555"

CLIENTS: dict[str, tuple[str, Callable[[Any], Call]]] = {
    "fastapi": ("fastapi_app", lambda module: fastapi_call(module.app)),
    "flask": ("flask_app", lambda module: flask_call(module.app)),
    "django": ("django_app", lambda module: django_call()),
}


@pytest.fixture(params=list(CLIENTS))
def framework(request: pytest.FixtureRequest, django_settings: None) -> str:
    name: str = request.param
    return name


def serve(framework: str, env: dict[str, str]) -> Call:
    module_name, client = CLIENTS[framework]
    return client(load_example(module_name, env))


TOKENS: dict[str, Callable[[LocalPool], str]] = {
    "expired": lambda pool: pool.access_token(sub=SUB, scopes=["orders/read"], expires_in=-60),
    "id token": lambda pool: pool.id_token(sub=SUB),
    "other client": lambda pool: pool.access_token(
        sub=SUB, scopes=["orders/read"], client_id="0therclient000000000000000"
    ),
    "forged": lambda pool: LocalPool().access_token(sub=SUB, scopes=["orders/read"]),
    "not a jwt": lambda pool: "not-a-jwt",
}


def test_a_valid_token_with_the_scope_gets_its_sub(
    framework: str,
    cognito_pool: LocalPool,
    example_env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="cognito_tokens"):
        call = serve(framework, example_env)
    token = cognito_pool.access_token(sub=SUB, scopes=["openid", "orders/read"])

    answer = call("/orders", f"Bearer {token}")

    assert (answer.status, answer.body) == (200, {"sub": SUB})
    # The local JWKS file is announced at start-up.
    assert f"verifying tokens with the keys in {example_env['COGNITO_JWKS_FILE']}" in caplog.text


def test_no_authorization_header_is_401_with_a_bare_challenge(
    framework: str, example_env: dict[str, str]
) -> None:
    call = serve(framework, example_env)

    for authorization in (None, "Basic dXNlcjpwYXNzd29yZA=="):
        answer = call("/orders", authorization)
        assert answer.status == 401
        assert answer.challenge == 'Bearer realm="api"'


@pytest.mark.parametrize("kind", list(TOKENS))
def test_an_invalid_token_is_401_invalid_token(
    framework: str,
    kind: str,
    cognito_pool: LocalPool,
    example_env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = serve(framework, example_env)
    token = TOKENS[kind](cognito_pool)

    with caplog.at_level(logging.DEBUG):
        answer = call("/orders", f"Bearer {token}")

    assert answer.status == 401
    assert answer.challenge is not None
    assert answer.challenge.startswith('Bearer realm="api", error="invalid_token"')
    leaked = json.dumps(answer.body) + json.dumps(dict(answer.headers)) + caplog.text
    assert token not in leaked
    assert SUB not in leaked


def test_a_token_without_the_scope_is_403_insufficient_scope(
    framework: str, cognito_pool: LocalPool, example_env: dict[str, str]
) -> None:
    call = serve(framework, example_env)

    answer = call("/orders", f"Bearer {cognito_pool.access_token(sub=SUB, scopes=['openid'])}")

    assert answer.status == 403
    assert answer.challenge is not None
    assert 'error="insufficient_scope"' in answer.challenge
    assert 'scope="orders/read"' in answer.challenge
    assert SUB not in json.dumps(answer.body)


def test_unreachable_keys_are_503(
    framework: str, cognito_pool: LocalPool, example_env: dict[str, str]
) -> None:
    # Without COGNITO_JWKS_FILE the example fetches the pool's JWKS, which fails (for the
    # testing pool, always: its keys are never fetched).
    env = {key: value for key, value in example_env.items() if key != "COGNITO_JWKS_FILE"}
    call = serve(framework, env)
    try:
        answer = call("/orders", f"Bearer {cognito_pool.access_token(scopes=['orders/read'])}")
    finally:
        serve(framework, example_env)  # Django's URLconf is the module: restore it

    assert answer.status == 503
    assert answer.challenge is None
    assert answer.body == {"detail": "token verification is temporarily unavailable"}
