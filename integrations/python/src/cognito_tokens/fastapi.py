"""FastAPI / Starlette: one dependency per route, with that route's scopes and groups.

    bearer = CognitoBearer(verifier)

    @app.get("/orders")
    async def orders(claims: Annotated[Claims, Depends(bearer.require(scopes="orders/read"))]):
        return {"sub": claims["sub"]}

Verification is async (`averify`): a JWKS fetch runs in a worker thread, never on the event loop.
Refusals are `HTTPException`s with RFC 6750 challenges (see `cognito_tokens.bearer`); the
dependency is an OpenAPI security scheme (HTTP bearer, JWT), so /docs shows the lock.
"""

# No `from __future__ import annotations`: FastAPI reads the dependency's signature at runtime.

from collections.abc import Sequence
from typing import Any

from ._extras import require_extra

require_extra("fastapi", "fastapi", "fastapi")

from fastapi import HTTPException, Request  # noqa: E402
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel  # noqa: E402
from fastapi.security.base import SecurityBase  # noqa: E402

from .bearer import DEFAULT_REALM, Denial, bearer_token, denial_for, missing_token  # noqa: E402
from .errors import TokenVerificationError  # noqa: E402
from .verifier import CognitoTokenVerifier, Requirements  # noqa: E402

__all__ = ["Claims", "CognitoBearer"]

Claims = dict[str, Any]
"""The verified token's claims, as returned by the dependency."""


def _refuse(denial: Denial) -> HTTPException:
    return HTTPException(status_code=denial.status, detail=denial.detail, headers=denial.headers)


class CognitoBearer(SecurityBase):
    """A FastAPI dependency that verifies the request's bearer token and returns its claims.

    `Depends(bearer)` requires a valid token; `Depends(bearer.require(scopes=..., groups=...))`
    also requires at least one of the scopes and one of the groups (403 otherwise).
    """

    def __init__(
        self,
        verifier: CognitoTokenVerifier,
        *,
        realm: str = DEFAULT_REALM,
        scheme_name: str = "CognitoBearer",
        description: str | None = "An Amazon Cognito access token: Authorization: Bearer <token>",
        requirements: Requirements | None = None,
    ) -> None:
        self.verifier = verifier
        self.realm = realm
        self.scheme_name = scheme_name
        self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.requirements = requirements if requirements is not None else Requirements()

    def require(
        self,
        *,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> "CognitoBearer":
        """A dependency for a route that needs one of `scopes` and one of `groups`."""
        protected = CognitoBearer(
            self.verifier,
            realm=self.realm,
            scheme_name=self.scheme_name,
            requirements=Requirements.of(scopes, groups),
        )
        protected.model = self.model
        return protected

    async def __call__(self, request: Request) -> Claims:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise _refuse(missing_token(realm=self.realm))
        try:
            return await self.verifier.averify(
                token, scopes=self.requirements.scopes, groups=self.requirements.groups
            )
        except TokenVerificationError as error:
            raise _refuse(
                denial_for(error, realm=self.realm, scopes=self.requirements.scopes)
            ) from None
