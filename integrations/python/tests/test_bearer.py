"""The RFC 6750 answers every adapter gives (`cognito_tokens.bearer`)."""

from __future__ import annotations

import logging

import pytest
from cognito_tokens import (
    InvalidSignature,
    JwksUnavailable,
    MissingScope,
    NotInGroup,
    TokenExpired,
    WrongClient,
    WrongTokenUse,
)
from cognito_tokens.bearer import bearer_token, denial_for, missing_token


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", ""),
        ("Bearer ", ""),
        ("Bearer a.b.c", "a.b.c"),
        ("bearer a.b.c", "a.b.c"),
        ("BEARER  a.b.c ", "a.b.c"),
    ],
)
def test_the_bearer_token_of_an_authorization_header(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_no_credentials_get_a_challenge_without_an_error_code() -> None:
    # RFC 6750 section 3.1: no error code when the request has no authentication information;
    # section 3: the scheme is followed by at least one auth-param (the realm).
    denial = missing_token(realm="orders")

    assert denial.status == 401
    assert denial.headers == {"WWW-Authenticate": 'Bearer realm="orders"'}


@pytest.mark.parametrize(
    "error", [InvalidSignature("x"), WrongClient("x"), WrongTokenUse("x"), TokenExpired("x")]
)
def test_an_invalid_token_is_401_invalid_token(error: Exception) -> None:
    denial = denial_for(error)  # type: ignore[arg-type]

    assert denial.status == 401
    assert denial.www_authenticate is not None
    assert denial.www_authenticate.startswith('Bearer realm="api", error="invalid_token"')


def test_an_expired_token_says_so() -> None:
    assert denial_for(TokenExpired("x")).detail == "the token has expired"
    assert denial_for(WrongClient("x")).detail == "the token is not valid for this API"


def test_a_missing_scope_is_403_insufficient_scope_naming_the_scopes() -> None:
    denial = denial_for(MissingScope("x"), scopes=("orders/read", "orders/admin"))

    assert denial.status == 403
    assert denial.www_authenticate == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="the token lacks a required scope", scope="orders/read orders/admin"'
    )


def test_a_missing_group_is_403_insufficient_scope() -> None:
    denial = denial_for(NotInGroup("x"), scopes=("orders/read",))

    assert denial.status == 403
    assert denial.www_authenticate is not None
    assert 'error="insufficient_scope"' in denial.www_authenticate
    assert "scope=" not in denial.www_authenticate.replace("insufficient_scope", "")


def test_unavailable_keys_are_503_without_a_challenge(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cognito_tokens"):
        denial = denial_for(JwksUnavailable("could not fetch the JWKS from https://x"))

    assert (denial.status, denial.headers) == (503, {})
    assert denial.body == {"detail": "token verification is temporarily unavailable"}
    assert "could not fetch the JWKS" in caplog.text


def test_quotes_in_a_realm_are_escaped() -> None:
    assert missing_token(realm='a"b\\c').www_authenticate == 'Bearer realm="a\\"b\\\\c"'
