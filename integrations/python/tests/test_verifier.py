"""Unit tests of `CognitoTokenVerifier` beyond the differential corpus: configuration errors,
derived issuer and JWKS URI, exact time boundaries, the exception hierarchy.
"""

from __future__ import annotations

import time
from typing import Any

import cognito_tokens
import pytest
from cognito_tokens import (
    CognitoTokenVerifier,
    MalformedToken,
    TokenExpired,
    TokenNotYetValid,
    TokenVerificationError,
    WrongClient,
    parse_user_pool_id,
)
from tokenkit import (
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    OTHER_CLIENT_ID,
    POOL_ID,
    Keys,
    access_claims,
    header,
    mint,
)


def verifier_for(jwks: dict[str, Any], **options: Any) -> CognitoTokenVerifier:
    settings: dict[str, Any] = {"client_ids": CLIENT_ID, "token_use": "access", "jwks": jwks}
    return CognitoTokenVerifier(POOL_ID, **{**settings, **options})


@pytest.mark.parametrize(
    ("pool_id", "region"),
    [
        ("us-east-1_Ab12Cd34E", "us-east-1"),
        ("eu-central-2_x", "eu-central-2"),
        ("us-gov-west-1_AbC", "us-gov-west-1"),
        ("eusc-de-east-1_AbC", "eusc-de-east-1"),
    ],
)
def test_the_region_comes_from_the_pool_id(pool_id: str, region: str) -> None:
    assert parse_user_pool_id(pool_id)[0] == region


@pytest.mark.parametrize(
    "pool_id",
    [
        "",
        "us-east-1",
        "us-east-1_",
        "US-EAST-1_Abc",
        "us-east-1_Ab-c",
        "us-east-1_Abc\n",
        "us-east-\u0661_Abc",  # an Arabic-Indic digit: \d would match it without re.ASCII
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc",
        "us-east-1_Abc/../x",
    ],
)
def test_an_invalid_pool_id_is_refused_at_construction(pool_id: str) -> None:
    with pytest.raises(ValueError, match="invalid Cognito user pool id"):
        CognitoTokenVerifier(pool_id, client_ids=CLIENT_ID, token_use="access")


def test_issuer_and_jwks_uri_derive_from_the_pool_id() -> None:
    verifier = CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="id")

    assert verifier.issuer == ISSUER
    assert verifier.jwks_uri == JWKS_URI
    assert verifier.jwks_uri.startswith("https://")


def test_client_ids_must_be_given_explicitly() -> None:
    with pytest.raises(TypeError, match="client_ids"):
        CognitoTokenVerifier(POOL_ID, token_use="access")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "options",
    [
        {"token_use": "refresh"},
        {"token_use": None},
        {"client_ids": ""},
        {"client_ids": []},
        {"client_ids": [CLIENT_ID, ""]},
        {"scopes": []},
        {"scopes": [""]},
        {"groups": []},
        {"leeway": -1},
        {"leeway": float("nan")},
        {"leeway": float("inf")},
        {"leeway": True},
    ],
)
def test_a_misconfiguration_is_refused_at_construction(
    jwks: dict[str, Any], options: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="must"):
        verifier_for(jwks, **options)


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_a_token_that_is_not_a_string_is_malformed(jwks: dict[str, Any], token: Any) -> None:
    with pytest.raises(MalformedToken):
        verifier_for(jwks).verify(token)


def test_client_ids_accepts_one_string_or_many(keys: Keys, jwks: dict[str, Any]) -> None:
    token = mint(header(), access_claims(client_id=OTHER_CLIENT_ID), keys.signing)

    with pytest.raises(WrongClient):
        verifier_for(jwks, client_ids=CLIENT_ID).verify(token)
    assert verifier_for(jwks, client_ids=(CLIENT_ID, OTHER_CLIENT_ID)).verify(token)


def test_exp_equal_to_now_is_still_valid_and_a_moment_later_expired(
    keys: Keys, jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # aws-jwt-verify's comparison: expired when exp + leeway < now.
    now = 2_000_000_000.0
    token = mint(header(), access_claims(int(now) - 100, exp=now), keys.signing)
    monkeypatch.setattr(time, "time", lambda: now)
    assert verifier_for(jwks).verify(token)["exp"] == now

    monkeypatch.setattr(time, "time", lambda: now + 0.001)
    with pytest.raises(TokenExpired):
        verifier_for(jwks).verify(token)
    assert verifier_for(jwks, leeway=1).verify(token)


def test_the_leeway_also_covers_iat_and_nbf(
    keys: Keys, jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = 2_000_000_000
    monkeypatch.setattr(time, "time", lambda: float(now))
    early_iat = mint(header(), access_claims(now, iat=now + 5), keys.signing)
    early_nbf = mint(header(), access_claims(now, nbf=now + 5), keys.signing)

    for token in (early_iat, early_nbf):
        with pytest.raises(TokenNotYetValid):
            verifier_for(jwks).verify(token)
        assert verifier_for(jwks, leeway=5).verify(token)


def test_every_exception_is_a_token_verification_error() -> None:
    exported = [getattr(cognito_tokens, name) for name in cognito_tokens.__all__]
    exceptions = [
        item for item in exported if isinstance(item, type) and issubclass(item, Exception)
    ]

    assert len(exceptions) == 15
    for exception in exceptions:
        assert issubclass(exception, TokenVerificationError)


def test_the_claims_are_returned_as_signed(keys: Keys, jwks: dict[str, Any]) -> None:
    claims = access_claims(scope="api/read api/write", username="ann")

    assert verifier_for(jwks).verify(mint(header(), claims, keys.signing)) == claims
