"""RFC 6750 answers for a route protected by a bearer token, shared by every framework adapter.

- No `Authorization: Bearer` header: 401 with `WWW-Authenticate: Bearer realm="..."` and no error
  code (RFC 6750 section 3.1: a request without authentication information gets none).
- A token that is malformed, expired, forged, of another pool or client, or an ID token where an
  access token is expected: 401 with `error="invalid_token"`.
- A valid token without a required scope or group: 403 with `error="insufficient_scope"`.
- The pool's keys cannot be fetched: 503 (the service's failure, not the caller's).

Bodies are `{"detail": "<fixed text>"}` (FastAPI's and Django REST framework's shape). Nothing
from the token (not even its claims) goes into an answer or a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .errors import (
    JwksUnavailable,
    MissingScope,
    NotInGroup,
    TokenExpired,
    TokenVerificationError,
)

__all__ = ["DEFAULT_REALM", "Denial", "bearer_token", "denial_for", "missing_token"]

DEFAULT_REALM: Final = "api"
_LOGGER = logging.getLogger("cognito_tokens")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, or None when the request
    has no bearer credentials (no header, or another scheme such as Basic).

    The scheme is case-insensitive (RFC 9110); `Bearer` with nothing after it gives "", which
    then fails verification as a malformed token.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Denial:
    """An HTTP answer refusing a request: status, `WWW-Authenticate` (None for 503), body text."""

    status: int
    detail: str
    www_authenticate: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The response headers to send (Content-Type is the framework's business)."""
        return {} if self.www_authenticate is None else {"WWW-Authenticate": self.www_authenticate}

    @property
    def body(self) -> dict[str, str]:
        """The JSON body: `{"detail": ...}`."""
        return {"detail": self.detail}

    def json(self) -> str:
        """The body as JSON text."""
        return json.dumps(self.body)


def _challenge(
    realm: str, error: str | None = None, description: str | None = None, **extra: str
) -> str:
    params = [f"realm={_quoted(realm)}"]
    if error is not None:
        params.append(f"error={_quoted(error)}")
    if description is not None:
        params.append(f"error_description={_quoted(description)}")
    params.extend(f"{name}={_quoted(value)}" for name, value in extra.items())
    return "Bearer " + ", ".join(params)


def missing_token(*, realm: str = DEFAULT_REALM) -> Denial:
    """401 for a request without bearer credentials: a challenge without an error code."""
    return Denial(401, "a bearer token is required", _challenge(realm))


def denial_for(
    error: TokenVerificationError,
    *,
    realm: str = DEFAULT_REALM,
    scopes: Sequence[str] | None = None,
) -> Denial:
    """The answer to a request whose token failed verification with `error`.

    `scopes`: the route's required scopes, named in the 403 challenge's `scope` attribute.
    Logs the reason (the exception class and its message, which never hold token data): at INFO
    for a rejected token, at WARNING when the keys are unavailable.
    """
    if isinstance(error, JwksUnavailable):
        _LOGGER.warning("token verification unavailable: %s", error)
        return Denial(503, "token verification is temporarily unavailable")
    _LOGGER.info("bearer token refused: %s: %s", type(error).__name__, error)
    if isinstance(error, MissingScope | NotInGroup):
        description = (
            "the token lacks a required scope"
            if isinstance(error, MissingScope)
            else "the token's user is not in a required group"
        )
        extra = {"scope": " ".join(scopes)} if scopes and isinstance(error, MissingScope) else {}
        return Denial(
            403, description, _challenge(realm, "insufficient_scope", description, **extra)
        )
    description = (
        "the token has expired"
        if isinstance(error, TokenExpired)
        else "the token is not valid for this API"
    )
    return Denial(401, description, _challenge(realm, "invalid_token", description))
