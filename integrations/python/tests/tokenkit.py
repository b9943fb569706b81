"""Test helpers: keys generated per session (nothing secret on disk) and a token minter that can
produce any header, payload or segment, valid or not.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, get_default_algorithms

POOL_ID = "us-east-1_Ab12Cd34E"
REGION = "us-east-1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
GLOBAL_ISSUER = f"https://issuer-cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
JWKS_URI = f"{ISSUER}/.well-known/jwks.json"
GLOBAL_JWKS_URI = f"{GLOBAL_ISSUER}/.well-known/jwks.json"
CLIENT_ID = "1example23456789abcdefghij"
OTHER_CLIENT_ID = "9other876543210zyxwvutsrqp"
KID = "key-1-2026"
SECOND_KID = "key-2-2026"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as in a compact JWS."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: Any) -> str:
    """A header or payload segment: compact JSON, base64url-encoded."""
    return b64url(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def sign_segments(header_b64: str, payload_b64: str, key: Any, alg: str) -> str:
    """A compact JWS over the two given segments exactly as they are (no re-encoding)."""
    signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    algorithm = get_default_algorithms()[alg]
    signature = algorithm.sign(signing_input, algorithm.prepare_key(key))
    return f"{header_b64}.{payload_b64}.{b64url(signature)}"


def mint(header: dict[str, Any], payload: dict[str, Any], key: Any, alg: str = "RS256") -> str:
    """A JWS with this header and payload, signed with `key` using `alg`."""
    return sign_segments(segment(header), segment(payload), key, alg)


def rsa_public_jwk(key: rsa.RSAPrivateKey, kid: str, **members: str) -> dict[str, Any]:
    """The public JWK of `key` as Cognito publishes it (alg RS256, use sig) unless overridden."""
    jwk = dict(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True))
    jwk.pop("key_ops", None)
    jwk.update({"alg": "RS256", "kid": kid, "use": "sig"})
    jwk.update(members)
    return {name: value for name, value in jwk.items() if value != ""}


@dataclass(frozen=True)
class Keys:
    """The pool's two signing keys, an attacker's key and an EC key, made once per session."""

    signing: rsa.RSAPrivateKey
    second: rsa.RSAPrivateKey
    attacker: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> Keys:
        def new_rsa() -> rsa.RSAPrivateKey:
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)

        return cls(new_rsa(), new_rsa(), new_rsa(), ec.generate_private_key(ec.SECP256R1()))

    def jwks(self) -> dict[str, Any]:
        """The pool's JWKS: two RSA keys, as Cognito serves it."""
        return {
            "keys": [rsa_public_jwk(self.signing, KID), rsa_public_jwk(self.second, SECOND_KID)]
        }

    def ec_jwk(self, kid: str) -> dict[str, Any]:
        """The EC key's public JWK (alg ES256)."""
        jwk = dict(ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True))
        jwk.pop("key_ops", None)
        jwk.update({"alg": "ES256", "kid": kid, "use": "sig"})
        return jwk


def header(kid: str = KID, alg: str = "RS256") -> dict[str, Any]:
    """A Cognito-style JWS header."""
    return {"kid": kid, "alg": alg}


def access_claims(now: int | None = None, **overrides: Any) -> dict[str, Any]:
    """Claims of a Cognito access token for CLIENT_ID; `overrides` replace them (None removes)."""
    now = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["users"],
        "iss": ISSUER,
        "version": 2,
        "client_id": CLIENT_ID,
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "access",
        "scope": "openid api/read",
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": "abcdefab-cdef-abcd-efab-cdefabcdefab",
        "username": "ann",
    }
    return _apply(claims, overrides)


def id_claims(now: int | None = None, **overrides: Any) -> dict[str, Any]:
    """Claims of a Cognito ID token for CLIENT_ID; `overrides` replace them (None removes)."""
    now = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["users", "admins"],
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": "ann",
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "aud": CLIENT_ID,
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "id",
        "auth_time": now - 10,
        "exp": now + 3600,
        "iat": now - 10,
        "jti": "abcdefab-cdef-abcd-efab-cdefabcdefab",
        "email": "ann@example.com",
    }
    return _apply(claims, overrides)


def _apply(claims: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for name, value in overrides.items():
        name = name.replace("__", ":")  # cognito__groups= stands for cognito:groups
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims
