"""Test your own routes with tokens of a stand-in user pool: `LocalPool` makes an RSA key pair in
memory, publishes its JWKS and signs ID and access tokens shaped like Cognito's.

    from cognito_tokens.testing import LocalPool

    pool = LocalPool()
    verifier = pool.verifier()                      # or COGNITO_JWKS_FILE=pool.write_jwks(path)
    token = pool.access_token(scopes=["orders/read"], groups=["admins"])
    expired = pool.access_token(expires_in=-60)

With pytest, the fixture `cognito_pool` (a `LocalPool` per test session) is there once the
package is installed (a `pytest11` entry point; `-p no:cognito_tokens` turns it off).

Why a test token can never get into production: the key pair is made when `LocalPool()` runs and
the private key never leaves the process (nothing is written but the public JWKS); the tokens'
issuer is the testing pool `<region>_cognitoTokensTesting`, which no verifier of a real pool
accepts (`WrongIssuer`); and a verifier of the testing pool never fetches keys (`JwksCache`
refuses, `JwksUnavailable`): it accepts them only when given explicitly (`jwks=`).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ..jwks import TESTING_POOL_NAME
from ..verifier import CognitoTokenVerifier, TokenUse

__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_SUB", "LocalPool"]

DEFAULT_CLIENT_ID: Final = "cognitotokenstestingclient"  # 26 characters, as Cognito's
DEFAULT_SUB: Final = "00000000-0000-4000-8000-000000000001"


class LocalPool:
    """A stand-in user pool for tests: its own key pair, JWKS and token factory.

    `region` picks the pool id `<region>_cognitoTokensTesting`; `client_id` is the app client
    tokens are issued to unless a call says otherwise.
    """

    def __init__(self, *, region: str = "us-east-1", client_id: str = DEFAULT_CLIENT_ID) -> None:
        self.user_pool_id = f"{region}_{TESTING_POOL_NAME}"
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.user_pool_id}"
        self.client_id = client_id
        self.kid = f"cognito-tokens-testing-{secrets.token_hex(8)}"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwks(self) -> dict[str, Any]:
        """The pool's JWKS (public key only), as Cognito publishes it."""
        jwk = dict(RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True))
        jwk.pop("key_ops", None)
        jwk.update({"alg": "RS256", "kid": self.kid, "use": "sig"})
        return {"keys": [jwk]}

    def write_jwks(self, path: str | Path) -> Path:
        """Write the JWKS to `path` (for `COGNITO_JWKS_FILE`) and return the path."""
        target = Path(path)
        target.write_text(json.dumps(self.jwks), encoding="utf-8")
        return target

    def environment(self, jwks_file: str | Path) -> dict[str, str]:
        """`COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` and `COGNITO_JWKS_FILE` for this pool."""
        return {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_FILE": str(self.write_jwks(jwks_file)),
        }

    def verifier(
        self,
        *,
        client_ids: str | Sequence[str] | None = None,
        token_use: TokenUse = "access",
        **options: Any,
    ) -> CognitoTokenVerifier:
        """A verifier of this pool that knows its keys (`client_ids` default: the pool's client)."""
        return CognitoTokenVerifier(
            self.user_pool_id,
            client_ids=self.client_id if client_ids is None else client_ids,
            token_use=token_use,
            jwks=self.jwks,
            **options,
        )

    def access_token(
        self,
        *,
        sub: str = DEFAULT_SUB,
        scopes: Sequence[str] = ("openid",),
        groups: Sequence[str] | None = None,
        client_id: str | None = None,
        username: str = "test-user",
        expires_in: float = 3600,
        issued_at: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed access token. `expires_in` < 0 makes an expired one; `claims` adds or
        replaces claims (a value of None removes one).
        """
        now = time.time() if issued_at is None else issued_at
        payload: dict[str, Any] = {
            "sub": sub,
            **({"cognito:groups": list(groups)} if groups is not None else {}),
            "iss": self.issuer,
            "version": 2,
            "client_id": self.client_id if client_id is None else client_id,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": "access",
            "scope": " ".join(scopes),
            "auth_time": int(now),
            "exp": int(now + expires_in),
            "iat": int(now),
            "jti": str(uuid.uuid4()),
            "username": username,
        }
        return self.sign(payload, claims)

    def id_token(
        self,
        *,
        sub: str = DEFAULT_SUB,
        groups: Sequence[str] | None = None,
        client_id: str | None = None,
        username: str = "test-user",
        email: str | None = "test-user@example.com",
        expires_in: float = 3600,
        issued_at: float | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed ID token (same options as `access_token`, plus `email`)."""
        now = time.time() if issued_at is None else issued_at
        payload: dict[str, Any] = {
            "sub": sub,
            **({"cognito:groups": list(groups)} if groups is not None else {}),
            "iss": self.issuer,
            "cognito:username": username,
            "origin_jti": str(uuid.uuid4()),
            "aud": self.client_id if client_id is None else client_id,
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": int(now),
            "exp": int(now + expires_in),
            "iat": int(now),
            "jti": str(uuid.uuid4()),
            **({"email": email, "email_verified": True} if email is not None else {}),
        }
        return self.sign(payload, claims)

    def sign(self, payload: Mapping[str, Any], claims: Mapping[str, Any] | None = None) -> str:
        """Sign any payload with the pool's key (`claims` override it; None removes a claim)."""
        merged = dict(payload)
        for name, value in (claims or {}).items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        # Cognito's header: kid and alg, no typ.
        return jwt.encode(
            merged, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": None}
        )

    def __repr__(self) -> str:
        return f"LocalPool(user_pool_id={self.user_pool_id!r}, client_id={self.client_id!r})"
