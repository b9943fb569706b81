"""What each framework adapter adds beyond the shared acceptance list (test_examples.py) and the
differential corpus (test_differential.py): OpenAPI, extension set-up, async views, DRF users
and permissions, and the clear ImportError when an extra is missing.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import asyncio
import importlib
import subprocess
import sys
from typing import Annotated, Any

import pytest
from adapter_harness import Route, django_call, drf_routes, fastapi_call, flask_call
from cognito_tokens import CognitoTokenVerifier, JwksCache
from cognito_tokens.testing import LocalPool


def bearer(token: str) -> str:
    return f"Bearer {token}"


def unreachable(pool: LocalPool) -> CognitoTokenVerifier:
    def fetch(uri: str) -> bytes:
        raise OSError("network unreachable")

    # A pool whose JWKS cannot be fetched, and a token that names that pool.
    return CognitoTokenVerifier(
        "us-east-1_Unreachabl",
        client_ids=pool.client_id,
        token_use="access",
        jwks_cache=JwksCache(fetcher=fetch),
    )


def unreachable_token(pool: LocalPool) -> str:
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Unreachabl"
    return pool.access_token(scopes=["orders/read"], claims={"iss": issuer})


# --- FastAPI --------------------------------------------------------------------------------


def test_fastapi_one_verifier_serves_routes_with_their_own_requirements(
    cognito_pool: LocalPool,
) -> None:
    from cognito_tokens.fastapi import Claims, CognitoBearer
    from fastapi import Depends, FastAPI

    bearer_auth = CognitoBearer(cognito_pool.verifier())
    app = FastAPI()

    @app.get("/me")
    async def me(claims: Annotated[Claims, Depends(bearer_auth)]) -> dict[str, str]:
        return {"sub": claims["sub"]}

    @app.get("/admin")
    async def admin(
        claims: Annotated[Claims, Depends(bearer_auth.require(groups="admins"))],
    ) -> dict[str, str]:
        return {"sub": claims["sub"]}

    call = fastapi_call(app)
    user = cognito_pool.access_token(groups=["users"])
    assert call("/me", bearer(user)).status == 200
    refused = call("/admin", bearer(user))
    assert refused.status == 403
    assert refused.challenge is not None
    assert 'error="insufficient_scope"' in refused.challenge
    assert call("/admin", bearer(cognito_pool.access_token(groups=["admins"]))).status == 200


def test_fastapi_openapi_declares_the_bearer_scheme(cognito_pool: LocalPool) -> None:
    from cognito_tokens.fastapi import Claims, CognitoBearer
    from fastapi import Depends, FastAPI

    bearer_auth = CognitoBearer(cognito_pool.verifier())
    app = FastAPI()

    @app.get("/orders")
    async def orders(
        claims: Annotated[Claims, Depends(bearer_auth.require(scopes="orders/read"))],
    ) -> dict[str, str]:
        return {"sub": claims["sub"]}

    schema = app.openapi()

    assert schema["components"]["securitySchemes"]["CognitoBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An Amazon Cognito access token: Authorization: Bearer <token>",
    }
    assert schema["paths"]["/orders"]["get"]["security"] == [{"CognitoBearer": []}]
    # The dependency takes the header itself: no "authorization" parameter to fill in (422).
    assert "parameters" not in schema["paths"]["/orders"]["get"]


def test_fastapi_unreachable_keys_are_503(cognito_pool: LocalPool) -> None:
    from cognito_tokens.fastapi import Claims, CognitoBearer
    from fastapi import Depends, FastAPI

    bearer_auth = CognitoBearer(unreachable(cognito_pool))
    app = FastAPI()

    @app.get("/orders")
    async def orders(claims: Annotated[Claims, Depends(bearer_auth)]) -> dict[str, str]:
        return {"sub": claims["sub"]}

    answer = fastapi_call(app)("/orders", bearer(unreachable_token(cognito_pool)))

    assert (answer.status, answer.challenge) == (503, None)


# --- Flask ----------------------------------------------------------------------------------


def test_flask_init_app_reads_the_app_config(cognito_pool: LocalPool, tmp_path: Any) -> None:
    from cognito_tokens.flask import CognitoAuth
    from flask import Flask, g

    app = Flask("configured")
    app.config.update(cognito_pool.environment(tmp_path / "jwks.json"))
    auth = CognitoAuth()
    auth.init_app(app)

    @app.get("/orders")
    @auth.require(scopes="orders/read")
    def orders() -> dict[str, str]:
        return {"sub": g.cognito_claims["sub"]}

    call = flask_call(app)
    assert app.extensions["cognito_tokens"] is auth
    assert call("/orders", bearer(cognito_pool.access_token(scopes=["orders/read"]))).status == 200
    assert call("/orders", None).status == 401


def test_flask_error_handlers_can_restyle_a_refusal(cognito_pool: LocalPool) -> None:
    from cognito_tokens.flask import BearerError, CognitoAuth
    from flask import Flask

    app = Flask("restyled")
    auth = CognitoAuth(cognito_pool.verifier(), app)

    @app.errorhandler(401)
    def unauthorized(error: BearerError) -> tuple[dict[str, str], int, dict[str, str]]:
        return {"message": "sign in first"}, 401, error.denial.headers

    @app.get("/orders")
    @auth.require()
    def orders() -> dict[str, str]:
        return {}

    answer = flask_call(app)("/orders", None)

    assert (answer.status, answer.body) == (401, {"message": "sign in first"})
    assert answer.challenge == 'Bearer realm="api"'


def test_flask_async_views_are_verified_asynchronously(cognito_pool: LocalPool) -> None:
    from cognito_tokens.flask import CognitoAuth
    from flask import Flask, g

    app = Flask("async")
    auth = CognitoAuth(cognito_pool.verifier(), app)

    @app.get("/orders")
    @auth.require(scopes="orders/read")
    async def orders() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"sub": g.cognito_claims["sub"]}

    call = flask_call(app)
    assert call("/orders", bearer(cognito_pool.access_token(scopes=["orders/read"]))).status == 200
    assert call("/orders", bearer(cognito_pool.access_token())).status == 403


def test_flask_without_a_verifier_says_what_to_do() -> None:
    from cognito_tokens.flask import CognitoAuth
    from flask import Flask

    app = Flask("unconfigured")
    app.testing = True  # let the exception through
    auth = CognitoAuth()

    @app.get("/orders")
    @auth.require()
    def orders() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="pass one, or call init_app"):
        app.test_client().get("/orders", headers={"Authorization": "Bearer x.y.z"})


# --- Django ---------------------------------------------------------------------------------


def test_django_decorator_protects_sync_and_async_views(
    cognito_pool: LocalPool, django_settings: None
) -> None:
    from adapter_harness import _urlconf
    from cognito_tokens.django import CognitoAuth
    from django.http import HttpRequest, JsonResponse
    from django.test import AsyncClient
    from django.test.utils import override_settings
    from django.urls import path

    auth = CognitoAuth(cognito_pool.verifier())

    @auth.require(scopes="orders/read")
    def sync_view(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.cognito_claims["sub"]})  # type: ignore[attr-defined]

    @auth.require(scopes="orders/read")
    async def async_view(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.cognito_claims["sub"]})  # type: ignore[attr-defined]

    urls = _urlconf([path("sync", sync_view), path("async", async_view)])
    call = django_call(urls)
    good = bearer(cognito_pool.access_token(sub="s-9", scopes=["orders/read"]))
    assert call("/sync", good).body == {"sub": "s-9"}
    assert call("/sync", bearer(cognito_pool.access_token())).status == 403

    async def async_calls() -> list[int]:
        client = AsyncClient()
        with override_settings(ROOT_URLCONF=urls, ALLOWED_HOSTS=["testserver"]):
            ok = await client.get("/async", headers={"Authorization": good})
            missing = await client.get("/async")
        return [ok.status_code, missing.status_code]

    assert asyncio.run(async_calls()) == [200, 401]


def test_django_settings_name_the_verifier(cognito_pool: LocalPool, django_settings: None) -> None:
    from cognito_tokens.django import _import_verifier, settings_verifier
    from django.test.utils import override_settings

    with override_settings(COGNITO_TOKENS_VERIFIER="django_app.verifier"):
        import django_app

        assert settings_verifier() is django_app.verifier
    _import_verifier.cache_clear()
    with (
        override_settings(COGNITO_TOKENS_VERIFIER=None),
        pytest.raises(RuntimeError, match="set COGNITO_TOKENS_VERIFIER"),
    ):
        settings_verifier()
    _import_verifier.cache_clear()
    with (
        override_settings(COGNITO_TOKENS_VERIFIER="os.getcwd"),
        pytest.raises(RuntimeError, match=r"os.getcwd is not a CognitoTokenVerifier"),
    ):
        settings_verifier()
    _import_verifier.cache_clear()


def test_drf_user_is_the_token_user_and_permissions_compose(
    cognito_pool: LocalPool, django_settings: None
) -> None:
    from adapter_harness import _urlconf
    from cognito_tokens.drf import (
        CognitoTokenAuthentication,
        CognitoUser,
        require_groups,
        require_scopes,
    )
    from django.urls import path
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Auth(CognitoTokenAuthentication):
        verifier = cognito_pool.verifier()

    class Me(APIView):
        authentication_classes = (Auth,)
        # Both: the scope and membership of the group.
        permission_classes = (require_scopes("orders/read") & require_groups("admins"),)

        def get(self, request: Request) -> Response:
            user: Any = request.user  # DRF's stubs know Django's user classes only
            assert isinstance(user, CognitoUser)
            return Response({"user": str(user), "pk": user.pk})

    call = django_call(_urlconf([path("me", Me.as_view())]))
    answer = call(
        "/me",
        bearer(
            cognito_pool.access_token(
                sub="s-1", username="ann", scopes=["orders/read"], groups=["admins"]
            )
        ),
    )
    assert answer.body == {"user": "ann", "pk": "s-1"}
    for token in (
        cognito_pool.access_token(scopes=["orders/read"], groups=["users"]),
        cognito_pool.access_token(groups=["admins"]),
    ):
        refused = call("/me", bearer(token))
        assert refused.status == 403
        assert refused.challenge is not None
        assert 'error="insufficient_scope"' in refused.challenge


def test_drf_unreachable_keys_are_503(cognito_pool: LocalPool, django_settings: None) -> None:
    call = drf_routes([Route("orders", unreachable(cognito_pool), scopes=["orders/read"])])

    answer = call("/r/orders", bearer(unreachable_token(cognito_pool)))

    assert (answer.status, answer.challenge) == (503, None)
    assert answer.body == {"detail": "token verification is temporarily unavailable"}


# --- extras ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("adapter", "framework", "extra"),
    [
        ("fastapi", "fastapi", "fastapi"),
        ("flask", "flask", "flask"),
        ("django", "django", "django"),
        ("drf", "rest_framework", "drf"),
    ],
)
def test_an_adapter_without_its_framework_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, adapter: str, framework: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, framework, None)  # None: "not installed" to the importer
    monkeypatch.delitem(sys.modules, f"cognito_tokens.{adapter}", raising=False)

    with pytest.raises(ImportError, match=rf'pip install "cognito-tokens\[{extra}\]"'):
        importlib.import_module(f"cognito_tokens.{adapter}")


def test_the_core_imports_no_framework() -> None:
    code = (
        "import sys, cognito_tokens, cognito_tokens.aws_lambda, cognito_tokens.testing; "
        "print(sorted(m for m in ('fastapi', 'starlette', 'flask', 'django', 'rest_framework', "
        "'pytest') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]"
