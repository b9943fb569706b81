"""Django: one decorator per view, with that view's scopes and groups (sync and async views).

    auth = CognitoAuth(verifier)    # or CognitoAuth(): settings.COGNITO_TOKENS_VERIFIER

    @auth.require(scopes="orders/read")
    def orders(request):
        return JsonResponse({"sub": request.cognito_claims["sub"]})

For Django REST framework views use `cognito_tokens.drf` (an authentication class and scope
and group permissions). Refusals are JSON responses with RFC 6750 challenges.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from ._extras import require_extra

require_extra("django", "django", "django")

from django.conf import settings  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from .bearer import DEFAULT_REALM, Denial, bearer_token, denial_for, missing_token  # noqa: E402
from .errors import TokenVerificationError  # noqa: E402
from .verifier import CognitoTokenVerifier, Requirements  # noqa: E402

__all__ = ["CognitoAuth", "denial_response", "settings_verifier"]

View = TypeVar("View", bound=Callable[..., Any])


def settings_verifier() -> CognitoTokenVerifier:
    """The verifier named by `settings.COGNITO_TOKENS_VERIFIER`: a dotted path to a
    `CognitoTokenVerifier` (or to a function returning one), imported once.
    """
    path = getattr(settings, "COGNITO_TOKENS_VERIFIER", None)
    if not isinstance(path, str) or not path:
        raise RuntimeError(
            "set COGNITO_TOKENS_VERIFIER in the Django settings to the dotted path of a "
            "CognitoTokenVerifier, or pass the verifier to CognitoAuth / the DRF class"
        )
    return _import_verifier(path)


@functools.cache
def _import_verifier(path: str) -> CognitoTokenVerifier:
    target = import_string(path)
    verifier = target if isinstance(target, CognitoTokenVerifier) else target()
    if not isinstance(verifier, CognitoTokenVerifier):
        raise RuntimeError(f"COGNITO_TOKENS_VERIFIER: {path} is not a CognitoTokenVerifier")
    return verifier


def denial_response(denial: Denial) -> HttpResponse:
    """The JSON response for a refusal, with its `WWW-Authenticate` header."""
    return JsonResponse(denial.body, status=denial.status, headers=denial.headers)


class CognitoAuth:
    """Holds the verifier (default: `settings.COGNITO_TOKENS_VERIFIER`); `require` protects a
    view and puts the token's claims in `request.cognito_claims`.
    """

    def __init__(
        self, verifier: CognitoTokenVerifier | None = None, *, realm: str = DEFAULT_REALM
    ) -> None:
        self._verifier = verifier
        self.realm = realm

    @property
    def verifier(self) -> CognitoTokenVerifier:
        """The verifier given, or the one the settings name."""
        return self._verifier if self._verifier is not None else settings_verifier()

    def require(
        self,
        *,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> Callable[[View], View]:
        """Decorate a view (function, or `View.as_view()`): a valid token with one of `scopes`
        and one of `groups` is required.
        """
        requirements = Requirements.of(scopes, groups)

        def decorate(view: View) -> View:
            if inspect.iscoroutinefunction(view):

                @functools.wraps(view)
                async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                    token = bearer_token(request.headers.get("Authorization"))
                    if token is None:
                        return denial_response(missing_token(realm=self.realm))
                    try:
                        claims = await self.verifier.averify(
                            token, scopes=requirements.scopes, groups=requirements.groups
                        )
                    except TokenVerificationError as error:
                        return self._refuse(error, requirements)
                    request.cognito_claims = claims  # type: ignore[attr-defined]
                    return await view(request, *args, **kwargs)

                return cast(View, async_wrapper)

            @functools.wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                token = bearer_token(request.headers.get("Authorization"))
                if token is None:
                    return denial_response(missing_token(realm=self.realm))
                try:
                    claims = self.verifier.verify(
                        token, scopes=requirements.scopes, groups=requirements.groups
                    )
                except TokenVerificationError as error:
                    return self._refuse(error, requirements)
                request.cognito_claims = claims  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)

            return cast(View, wrapper)

        return decorate

    def _refuse(self, error: TokenVerificationError, requirements: Requirements) -> HttpResponse:
        return denial_response(denial_for(error, realm=self.realm, scopes=requirements.scopes))
