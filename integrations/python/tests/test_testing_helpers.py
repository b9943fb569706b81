"""`cognito_tokens.testing`: the stand-in pool, its tokens, the pytest fixture, and the
guarantee that its tokens are accepted only by a verifier explicitly given its keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest
from cognito_tokens import (
    CognitoTokenVerifier,
    JwksCache,
    JwksUnavailable,
    MissingScope,
    NotInGroup,
    TokenExpired,
    TokenVerificationError,
    WrongClient,
    WrongIssuer,
    WrongTokenUse,
)
from cognito_tokens import jwks as jwks_module
from cognito_tokens.testing import DEFAULT_SUB, LocalPool
from tokenkit import POOL_ID


def test_the_fixture_comes_from_the_installed_pytest_plugin(
    cognito_pool: LocalPool, pytestconfig: pytest.Config
) -> None:
    assert isinstance(cognito_pool, LocalPool)
    assert pytestconfig.pluginmanager.has_plugin("cognito_tokens")
    assert cognito_pool.user_pool_id == "us-east-1_cognitoTokensTesting"


def test_access_tokens_carry_what_was_asked(cognito_pool: LocalPool) -> None:
    token = cognito_pool.access_token(sub="s-1", scopes=["orders/read", "openid"], groups=["a"])

    claims = cognito_pool.verifier().verify(token, scopes="orders/read", groups="a")

    assert claims["sub"] == "s-1"
    assert claims["scope"] == "orders/read openid"
    assert claims["client_id"] == cognito_pool.client_id
    assert claims["exp"] - claims["iat"] == 3600
    with pytest.raises(MissingScope):
        cognito_pool.verifier().verify(token, scopes="orders/write")
    with pytest.raises(NotInGroup):
        cognito_pool.verifier().verify(cognito_pool.access_token(), groups="a")


def test_id_tokens_expiry_clients_and_extra_claims(cognito_pool: LocalPool) -> None:
    id_verifier = cognito_pool.verifier(token_use="id")
    id_token = cognito_pool.id_token(email="ann@example.com", claims={"custom:tenant": "t1"})

    claims = id_verifier.verify(id_token)
    assert (claims["aud"], claims["email"], claims["custom:tenant"]) == (
        cognito_pool.client_id,
        "ann@example.com",
        "t1",
    )
    assert claims["sub"] == DEFAULT_SUB
    with pytest.raises(WrongTokenUse):
        cognito_pool.verifier().verify(id_token)
    with pytest.raises(TokenExpired):
        cognito_pool.verifier().verify(cognito_pool.access_token(expires_in=-1))
    with pytest.raises(WrongClient):
        cognito_pool.verifier().verify(cognito_pool.access_token(client_id="someone-else"))
    no_scope = cognito_pool.access_token(claims={"scope": None})
    assert "scope" not in cognito_pool.verifier().verify(no_scope)


def test_the_header_is_cognitos(cognito_pool: LocalPool) -> None:
    assert jwt.get_unverified_header(cognito_pool.access_token()) == {
        "alg": "RS256",
        "kid": cognito_pool.kid,
    }


def test_the_jwks_and_its_file_hold_the_public_key_only(
    cognito_pool: LocalPool, tmp_path: Path
) -> None:
    written = json.loads(cognito_pool.write_jwks(tmp_path / "jwks.json").read_text())

    assert written == cognito_pool.jwks
    (key,) = written["keys"]
    assert set(key) == {"kty", "n", "e", "alg", "kid", "use"}


def test_a_verifier_of_a_real_pool_never_accepts_a_testing_token(cognito_pool: LocalPool) -> None:
    # Even when handed the testing keys by mistake: the issuer is the testing pool's.
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=cognito_pool.client_id, token_use="access", jwks=cognito_pool.jwks
    )

    with pytest.raises(WrongIssuer):
        verifier.verify(cognito_pool.access_token())


def test_the_testing_pools_keys_are_never_fetched(
    cognito_pool: LocalPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []
    monkeypatch.setattr(jwks_module.HttpsFetcher, "__call__", lambda self, uri: fetched.append(uri))
    custom: list[str] = []

    def custom_fetcher(uri: str) -> bytes:
        custom.append(uri)
        return b""

    verifiers = [
        CognitoTokenVerifier(
            cognito_pool.user_pool_id, client_ids=cognito_pool.client_id, token_use="access"
        ),
        CognitoTokenVerifier(
            cognito_pool.user_pool_id,
            client_ids=cognito_pool.client_id,
            token_use="access",
            jwks_cache=JwksCache(fetcher=custom_fetcher),
        ),
    ]

    for verifier in verifiers:
        with pytest.raises(JwksUnavailable, match="never fetched: pass them to the verifier"):
            verifier.verify(cognito_pool.access_token())
    assert fetched == custom == []


def test_each_pool_has_its_own_key() -> None:
    first, second = LocalPool(), LocalPool()

    assert first.kid != second.kid
    with pytest.raises(TokenVerificationError):
        second.verifier().verify(first.access_token())


def test_environment_configures_from_environment(cognito_pool: LocalPool, tmp_path: Path) -> None:
    environ = cognito_pool.environment(tmp_path / "jwks.json")

    verifier = CognitoTokenVerifier.from_environment(token_use="access", environ=environ)

    assert verifier.verify(cognito_pool.access_token())["sub"] == DEFAULT_SUB
