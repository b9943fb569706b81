"""Flask: an extension and one decorator per route, with that route's scopes and groups.

    auth = CognitoAuth(verifier)          # or CognitoAuth() + auth.init_app(app): app.config

    @app.get("/orders")
    @auth.require(scopes="orders/read")
    def orders():
        return {"sub": g.cognito_claims["sub"]}

Refusals are raised as `BearerError`s (werkzeug's `Unauthorized`, `Forbidden` and
`ServiceUnavailable` with a JSON body and the RFC 6750 `WWW-Authenticate`), so
`@app.errorhandler(401)` and friends can restyle them. Async views
(`flask[async]`) are verified with `averify`.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from ._extras import require_extra

require_extra("flask", "flask", "flask")

from flask import Flask, g, request  # noqa: E402
from werkzeug.exceptions import (  # noqa: E402
    Forbidden,
    HTTPException,
    ServiceUnavailable,
    Unauthorized,
)

from .bearer import DEFAULT_REALM, Denial, bearer_token, denial_for, missing_token  # noqa: E402
from .errors import TokenVerificationError  # noqa: E402
from .sources import ENVIRONMENT_VARIABLES  # noqa: E402
from .verifier import CognitoTokenVerifier, Requirements  # noqa: E402

__all__ = [
    "BearerError",
    "CognitoAuth",
    "InsufficientScopeError",
    "InvalidTokenError",
    "VerificationUnavailableError",
]

View = TypeVar("View", bound=Callable[..., Any])


class BearerError(HTTPException):
    """A refused request: status, JSON body `{"detail": ...}` and `WWW-Authenticate`."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(description=denial.detail)
        self.denial = denial

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        return self.denial.json()

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "application/json"), *self.denial.headers.items()]


class InvalidTokenError(BearerError, Unauthorized):
    """401: no, or an invalid, bearer token (`@app.errorhandler(401)` catches it)."""


class InsufficientScopeError(BearerError, Forbidden):
    """403: a valid token without a required scope or group."""


class VerificationUnavailableError(BearerError, ServiceUnavailable):
    """503: the user pool's keys could not be fetched."""


_ERRORS: dict[int, type[BearerError]] = {
    401: InvalidTokenError,
    403: InsufficientScopeError,
    503: VerificationUnavailableError,
}


def _error(denial: Denial) -> BearerError:
    return _ERRORS[denial.status](denial)


class CognitoAuth:
    """The Flask extension: holds the verifier; `require(...)` protects a view.

    Without a verifier, `init_app(app)` builds one from `app.config` (`COGNITO_USER_POOL_ID`,
    `COGNITO_CLIENT_ID`, optionally `COGNITO_JWKS_FILE`), falling back to the environment.
    """

    def __init__(
        self,
        verifier: CognitoTokenVerifier | None = None,
        app: Flask | None = None,
        *,
        realm: str = DEFAULT_REALM,
    ) -> None:
        self.verifier = verifier
        self.realm = realm
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register with `app` (and build the verifier from its config if none was given)."""
        if self.verifier is None:
            # APIs take access tokens; ID tokens are for the client that signed in.
            self.verifier = CognitoTokenVerifier.from_environment(
                token_use="access", environ=_settings(app.config)
            )
        app.extensions["cognito_tokens"] = self

    def require(
        self,
        *,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> Callable[[View], View]:
        """Decorate a view: a valid token with one of `scopes` and one of `groups` is required;
        its claims are in `flask.g.cognito_claims` while the view runs.
        """
        requirements = Requirements.of(scopes, groups)

        def decorate(view: View) -> View:
            if inspect.iscoroutinefunction(view):

                @functools.wraps(view)
                async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                    token = self._token()
                    try:
                        g.cognito_claims = await self._verifier().averify(
                            token, scopes=requirements.scopes, groups=requirements.groups
                        )
                    except TokenVerificationError as error:
                        raise self._refusal(error, requirements) from None
                    return await view(*args, **kwargs)

                return cast(View, async_wrapper)

            @functools.wraps(view)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                token = self._token()
                try:
                    g.cognito_claims = self._verifier().verify(
                        token, scopes=requirements.scopes, groups=requirements.groups
                    )
                except TokenVerificationError as error:
                    raise self._refusal(error, requirements) from None
                return view(*args, **kwargs)

            return cast(View, wrapper)

        return decorate

    def _verifier(self) -> CognitoTokenVerifier:
        if self.verifier is None:
            raise RuntimeError("CognitoAuth has no verifier: pass one, or call init_app(app)")
        return self.verifier

    def _token(self) -> str:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise _error(missing_token(realm=self.realm))
        return token

    def _refusal(self, error: TokenVerificationError, requirements: Requirements) -> BearerError:
        return _error(denial_for(error, realm=self.realm, scopes=requirements.scopes))


def _settings(config: Mapping[str, Any]) -> dict[str, str]:
    return {
        name: str(config[name]) if config.get(name) is not None else os.environ.get(name, "")
        for name in ENVIRONMENT_VARIABLES
    }
