"""Verify Amazon Cognito user pool tokens (ID and access JWTs) in Python.

`CognitoTokenVerifier(user_pool_id, client_ids=..., token_use="access").verify(token)` returns the
token's claims or raises a `TokenVerificationError` subclass naming the reason; see README.md.
"""

from __future__ import annotations

from .errors import (
    InvalidKey,
    InvalidSignature,
    JwksUnavailable,
    MalformedToken,
    MissingClaim,
    MissingScope,
    NotInGroup,
    TokenExpired,
    TokenNotYetValid,
    TokenVerificationError,
    UnknownKey,
    UnsupportedAlgorithm,
    WrongClient,
    WrongIssuer,
    WrongTokenUse,
)
from .jwks import SUPPORTED_ALGORITHMS, Fetcher, HttpsFetcher, JwksCache, parse_jwks
from .verifier import (
    CognitoTokenVerifier,
    Requirements,
    TokenUse,
    accepted_issuers,
    parse_user_pool_id,
)

__version__ = "0.1.0"

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "CognitoTokenVerifier",
    "Fetcher",
    "HttpsFetcher",
    "InvalidKey",
    "InvalidSignature",
    "JwksCache",
    "JwksUnavailable",
    "MalformedToken",
    "MissingClaim",
    "MissingScope",
    "NotInGroup",
    "Requirements",
    "TokenExpired",
    "TokenNotYetValid",
    "TokenUse",
    "TokenVerificationError",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "WrongClient",
    "WrongIssuer",
    "WrongTokenUse",
    "__version__",
    "accepted_issuers",
    "parse_jwks",
    "parse_user_pool_id",
]
