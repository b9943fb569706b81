"""Django REST framework: an authentication class and scope / group permissions.

    class Orders(APIView):
        authentication_classes = (CognitoTokenAuthentication,)
        permission_classes = (require_scopes("orders/read"),)

        def get(self, request):
            return Response({"sub": token_claims(request)["sub"]})

`CognitoTokenAuthentication` uses its `verifier` attribute (subclass to set it) or
`settings.COGNITO_TOKENS_VERIFIER`. `request.user` is a `CognitoUser`, `request.auth` the claims.
A missing token fails the permission (401 with a bare `Bearer realm` challenge), an invalid one
fails authentication (401, `error="invalid_token"`), a missing scope or group is 403 with
`error="insufficient_scope"`, unavailable keys are 503.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ._extras import require_extra

require_extra("rest_framework", "drf", "drf")

from rest_framework import exceptions  # noqa: E402
from rest_framework.authentication import BaseAuthentication  # noqa: E402
from rest_framework.permissions import BasePermission  # noqa: E402
from rest_framework.request import Request  # noqa: E402

from .bearer import DEFAULT_REALM, bearer_token, denial_for, missing_token  # noqa: E402
from .django import settings_verifier  # noqa: E402
from .errors import JwksUnavailable, TokenVerificationError  # noqa: E402
from .verifier import CognitoTokenVerifier, Requirements  # noqa: E402

__all__ = [
    "CognitoTokenAuthentication",
    "CognitoUser",
    "InsufficientScope",
    "IsCognitoAuthenticated",
    "ServiceUnavailable",
    "require_groups",
    "require_scopes",
    "token_claims",
]

_DENIAL = "_cognito_tokens_challenge"


class CognitoUser:
    """`request.user` for a verified token: `sub`, `username` and the `claims`."""

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims
        self.sub: str = claims.get("sub", "")
        username = claims.get("username", claims.get("cognito:username", self.sub))
        self.username: str = username if isinstance(username, str) else self.sub

    @property
    def pk(self) -> str:
        """The user's `sub`, so throttles and logs keyed by user id work."""
        return self.sub

    def __str__(self) -> str:
        return self.username


def token_claims(request: Request) -> dict[str, Any]:
    """The verified token's claims (`request.auth`) in a view this module's classes protect."""
    claims = request.auth
    if not isinstance(claims, dict):
        raise exceptions.NotAuthenticated()
    return claims


class ServiceUnavailable(exceptions.APIException):
    """503: the user pool's keys could not be fetched."""

    status_code = 503
    default_detail = "token verification is temporarily unavailable"
    default_code = "service_unavailable"


class InsufficientScope(exceptions.PermissionDenied):
    """403 with `WWW-Authenticate: Bearer error="insufficient_scope"`."""

    def __init__(self, detail: str, challenge: str) -> None:
        super().__init__(detail)
        # DRF's exception handler copies auth_header into WWW-Authenticate.
        self.auth_header = challenge


class CognitoTokenAuthentication(BaseAuthentication):
    """Authenticates `Authorization: Bearer <Cognito token>`; no header: not this class's turn."""

    verifier: CognitoTokenVerifier | None = None
    realm: str = DEFAULT_REALM

    def get_verifier(self) -> CognitoTokenVerifier:
        """The class's `verifier`, or the one `settings.COGNITO_TOKENS_VERIFIER` names."""
        return self.verifier if self.verifier is not None else settings_verifier()

    def authenticate(self, request: Request) -> tuple[CognitoUser, dict[str, Any]] | None:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return None
        try:
            claims = self.get_verifier().verify(token)
        except JwksUnavailable as error:
            denial_for(error, realm=self.realm)  # logs it
            raise ServiceUnavailable() from None
        except TokenVerificationError as error:
            denial = denial_for(error, realm=self.realm)
            setattr(request, _DENIAL, denial.www_authenticate)
            raise exceptions.AuthenticationFailed(denial.detail) from None
        return CognitoUser(claims), claims

    def authenticate_header(self, request: Request) -> str:
        challenge = getattr(request, _DENIAL, None)
        if isinstance(challenge, str):
            return challenge
        return missing_token(realm=self.realm).www_authenticate or f'Bearer realm="{self.realm}"'


class IsCognitoAuthenticated(BasePermission):
    """A permission: a request authenticated by a valid Cognito token (`require_scopes` and
    `require_groups` add their requirements).
    """

    requirements: ClassVar[Requirements] = Requirements()
    realm: ClassVar[str] = DEFAULT_REALM

    def has_permission(self, request: Request, view: Any) -> bool:
        claims = request.auth
        if not isinstance(request.successful_authenticator, CognitoTokenAuthentication) or not (
            isinstance(claims, dict)
        ):
            return False  # DRF answers 401 (not authenticated) with the challenge
        try:
            self.requirements.check(claims)
        except TokenVerificationError as error:
            denial = denial_for(error, realm=self.realm, scopes=self.requirements.scopes)
            raise InsufficientScope(denial.detail, denial.www_authenticate or "") from None
        return True


def require_scopes(*scopes: str, realm: str = DEFAULT_REALM) -> type[BasePermission]:
    """A permission class: a Cognito token with at least one of `scopes`."""
    requirements = Requirements.of(scopes=list(scopes))
    return type(
        "RequireScopes", (IsCognitoAuthenticated,), {"requirements": requirements, "realm": realm}
    )


def require_groups(*groups: str, realm: str = DEFAULT_REALM) -> type[BasePermission]:
    """A permission class: a Cognito token whose user is in at least one of `groups`."""
    requirements = Requirements.of(groups=list(groups))
    return type(
        "RequireGroups", (IsCognitoAuthenticated,), {"requirements": requirements, "realm": realm}
    )
