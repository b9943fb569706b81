"""Serve routes through each framework adapter, with the framework's own test client.

A `Route` is a verifier plus the route's scopes and groups; a harness mounts every route at
`/r/<name>`, answers with the claims, and returns `Answer`s. Used by the adapter tests and by the
differential test (the aws-jwt-verify corpus through every adapter).

Django's settings are process-wide: they are the example's (`examples/django_app.py`, imported
first by `django_example()`), and the Django harnesses swap in their own URLconf.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import importlib
import json
import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from cognito_tokens import CognitoTokenVerifier

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Route:
    """A protected route: its verifier and its own requirements."""

    name: str
    verifier: CognitoTokenVerifier
    scopes: Sequence[str] | None = None
    groups: Sequence[str] | None = None


@dataclass(frozen=True)
class Answer:
    """What the client got: status, headers (lowercase names) and the JSON body."""

    status: int
    headers: Mapping[str, str]
    body: Any = field(default=None)

    @property
    def challenge(self) -> str | None:
        return self.headers.get("www-authenticate")


Call = Callable[[str, str | None], Answer]  # (route name, Authorization header) -> answer


def _headers(authorization: str | None) -> dict[str, str]:
    return {} if authorization is None else {"Authorization": authorization}


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set (and afterwards restore) the COGNITO_* variables the examples read."""
    names = ("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_JWKS_FILE")
    saved = {name: os.environ.get(name) for name in (*names, *values)}
    for name in names:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_example(name: str, values: Mapping[str, str]) -> types.ModuleType:
    """Import (or re-import) `examples/<name>.py` with these environment variables."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    with environment(values):
        if name in sys.modules:
            module = importlib.reload(sys.modules[name])
        else:
            module = importlib.import_module(name)
    if name == "django_app":
        from cognito_tokens.django import _import_verifier
        from django.urls import clear_url_caches

        _import_verifier.cache_clear()
        clear_url_caches()
    return module


# --- clients ------------------------------------------------------------------------------------


def fastapi_call(app: Any) -> Call:
    from fastapi.testclient import TestClient

    client = TestClient(app)

    def call(path: str, authorization: str | None) -> Answer:
        response = client.get(path, headers=_headers(authorization))
        return Answer(response.status_code, _lower(response.headers), response.json())

    return call


def flask_call(app: Any) -> Call:
    client = app.test_client()

    def call(path: str, authorization: str | None) -> Answer:
        response = client.get(path, headers=_headers(authorization))
        return Answer(response.status_code, _lower(response.headers), response.get_json())

    return call


def django_call(urlconf: Any = None) -> Call:
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()

    def call(path: str, authorization: str | None) -> Answer:
        overrides: dict[str, Any] = {"ALLOWED_HOSTS": ["testserver"]}
        if urlconf is not None:
            overrides["ROOT_URLCONF"] = urlconf
        with override_settings(**overrides):
            response = client.get(path, headers=_headers(authorization))
        return Answer(response.status_code, _lower(response.headers), json.loads(response.content))

    return call


# --- one app per framework, one route per configuration -----------------------------------------


def fastapi_routes(routes: Sequence[Route]) -> Call:
    from cognito_tokens.fastapi import CognitoBearer
    from fastapi import Depends, FastAPI

    app = FastAPI()
    for route in routes:
        dependency = CognitoBearer(route.verifier).require(scopes=route.scopes, groups=route.groups)

        def endpoint(dependency: CognitoBearer = dependency) -> Callable[..., Any]:
            async def claims_of(
                claims: Annotated[dict[str, Any], Depends(dependency)],
            ) -> dict[str, Any]:
                return claims

            return claims_of

        app.add_api_route(f"/r/{route.name}", endpoint(), methods=["GET"])
    return fastapi_call(app)


def flask_routes(routes: Sequence[Route]) -> Call:
    from cognito_tokens.flask import CognitoAuth
    from flask import Flask, g

    app = Flask("harness")
    for route in routes:
        auth = CognitoAuth(route.verifier)

        def claims_of() -> Any:
            return g.cognito_claims

        view = auth.require(scopes=route.scopes, groups=route.groups)(claims_of)
        app.add_url_rule(f"/r/{route.name}", endpoint=route.name, view_func=view)
    return flask_call(app)


def _urlconf(patterns: list[Any]) -> types.ModuleType:
    urls = types.ModuleType(f"harness_urls_{id(patterns)}")
    urls.urlpatterns = patterns  # type: ignore[attr-defined]
    return urls


def django_routes(routes: Sequence[Route]) -> Call:
    """Plain Django views under `cognito_tokens.django.CognitoAuth.require`."""
    from cognito_tokens.django import CognitoAuth
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    def claims_of(request: HttpRequest) -> JsonResponse:
        return JsonResponse(request.cognito_claims)  # type: ignore[attr-defined]

    patterns = [
        path(
            f"r/{route.name}",
            CognitoAuth(route.verifier).require(scopes=route.scopes, groups=route.groups)(
                claims_of
            ),
        )
        for route in routes
    ]
    return django_call(_urlconf(patterns))


def drf_routes(routes: Sequence[Route]) -> Call:
    """Django REST framework views: one authentication class and one permission each."""
    from cognito_tokens.drf import (
        CognitoTokenAuthentication,
        IsCognitoAuthenticated,
        require_groups,
        require_scopes,
        token_claims,
    )
    from django.urls import path
    from rest_framework.permissions import BasePermission
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    patterns = []
    for route in routes:
        authentication = type(
            "Authentication", (CognitoTokenAuthentication,), {"verifier": route.verifier}
        )
        permissions: list[type[BasePermission]] = []
        if route.scopes is not None:
            permissions.append(require_scopes(*route.scopes))
        if route.groups is not None:
            permissions.append(require_groups(*route.groups))
        if not permissions:
            permissions.append(IsCognitoAuthenticated)

        class View(APIView):
            authentication_classes = (authentication,)
            permission_classes = tuple(permissions)

            def get(self, request: Request) -> Response:
                return Response(token_claims(request))

        patterns.append(path(f"r/{route.name}", View.as_view()))
    return django_call(_urlconf(patterns))


def lambda_routes(routes: Sequence[Route], *, version: str = "2.0") -> Call:
    """`cognito_tokens.aws_lambda.protect` handlers, called with API Gateway proxy events."""
    from cognito_tokens.aws_lambda import protect

    handlers = {}
    for route in routes:

        def claims_of(event: Any, context: Any, claims: dict[str, Any]) -> dict[str, Any]:
            return {"statusCode": 200, "body": json.dumps(claims)}

        handlers[route.name] = protect(route.verifier, scopes=route.scopes, groups=route.groups)(
            claims_of
        )

    def call(path: str, authorization: str | None) -> Answer:
        name = path.removeprefix("/r/")
        if version == "2.0":  # HTTP API: lowercase header names
            headers = {} if authorization is None else {"authorization": authorization}
            event: dict[str, Any] = {"version": "2.0", "rawPath": path, "headers": headers}
        else:  # REST API: the client's spelling, and multiValueHeaders
            headers = _headers(authorization)
            event = {
                "resource": path,
                "path": path,
                "httpMethod": "GET",
                "headers": headers,
                "multiValueHeaders": {k: [v] for k, v in headers.items()},
            }
        response = handlers[name](event, None)
        return Answer(
            response["statusCode"],
            _lower(response.get("headers", {})),
            json.loads(response["body"]),
        )

    return call


HARNESSES: dict[str, Callable[[Sequence[Route]], Call]] = {
    "fastapi": fastapi_routes,
    "flask": flask_routes,
    "django": django_routes,
    "drf": drf_routes,
    "lambda-http-api": lambda_routes,
    "lambda-rest-api": lambda routes: lambda_routes(routes, version="1.0"),
}
