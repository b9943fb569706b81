"""One verifier, requirements per call: `verify(token, scopes=..., groups=...)`."""

from __future__ import annotations

from typing import Any

import pytest
from cognito_tokens import (
    CognitoTokenVerifier,
    MissingScope,
    NotInGroup,
    WrongClient,
    WrongTokenUse,
)
from tokenkit import (
    CLIENT_ID,
    OTHER_CLIENT_ID,
    POOL_ID,
    Keys,
    access_claims,
    header,
    id_claims,
    mint,
)


@pytest.fixture(scope="module")
def verifier(jwks: dict[str, Any]) -> CognitoTokenVerifier:
    return CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=jwks)


def test_each_call_brings_its_own_scopes(keys: Keys, verifier: CognitoTokenVerifier) -> None:
    token = mint(header(), access_claims(scope="orders/read"), keys.signing)

    assert verifier.verify(token, scopes="orders/read")["sub"]
    assert verifier.verify(token, scopes=["orders/write", "orders/read"])["sub"]
    with pytest.raises(MissingScope, match="orders/write"):
        verifier.verify(token, scopes="orders/write")
    assert verifier.verify(token)["sub"]  # no requirement on this call


def test_each_call_brings_its_own_groups(keys: Keys, verifier: CognitoTokenVerifier) -> None:
    token = mint(header(), access_claims(cognito__groups=["users"]), keys.signing)

    assert verifier.verify(token, groups=["admins", "users"])["sub"]
    with pytest.raises(NotInGroup):
        verifier.verify(token, groups="admins")
    no_groups = mint(header(), access_claims(cognito__groups=None), keys.signing)
    with pytest.raises(NotInGroup):
        verifier.verify(no_groups, groups="users")


def test_call_requirements_add_to_the_verifiers_own(keys: Keys, jwks: dict[str, Any]) -> None:
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", scopes="api/read", jwks=jwks
    )
    token = mint(header(), access_claims(scope="orders/read"), keys.signing)

    # A route cannot loosen what the verifier requires.
    with pytest.raises(MissingScope, match="api/read"):
        verifier.verify(token, scopes="orders/read")


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (id_claims(), WrongTokenUse),  # an ID token has no scope claim at all
        (access_claims(client_id=OTHER_CLIENT_ID, scope="openid"), WrongClient),
    ],
)
def test_a_token_invalid_for_this_api_is_never_reported_as_a_missing_scope(
    keys: Keys, verifier: CognitoTokenVerifier, claims: dict[str, Any], expected: type[Exception]
) -> None:
    # 401 (invalid token), not 403 (valid token, missing scope): per-call requirements come last.
    with pytest.raises(expected):
        verifier.verify(mint(header(), claims, keys.signing), scopes="orders/read", groups="x")


@pytest.mark.parametrize(
    "options", [{"scopes": []}, {"scopes": [""]}, {"groups": []}, {"groups": ""}]
)
def test_empty_call_requirements_are_a_programming_error(
    keys: Keys, verifier: CognitoTokenVerifier, options: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="must be a non-empty"):
        verifier.verify(mint(header(), access_claims(), keys.signing), **options)
