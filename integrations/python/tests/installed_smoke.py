"""`make package-check`: run with the python of a fresh venv where only `pip install` of the
built wheel (with one extra, or none) happened. Proves the installed package (not the
repository's source) imports with its declared dependencies and serves requests:

    installed_smoke.py core      verify and reject tokens; the adapters' extras are absent
    installed_smoke.py fastapi   examples/fastapi_app.py answers over ASGI
    installed_smoke.py flask     examples/flask_app.py answers over WSGI
    installed_smoke.py django    a Django view under cognito_tokens.django answers over WSGI
    installed_smoke.py drf       examples/django_app.py (Django REST framework) answers over WSGI

No test client is installed: requests go through the ASGI and WSGI interfaces directly.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cognito_tokens
from cognito_tokens import CognitoTokenVerifier, TokenVerificationError, WrongTokenUse
from cognito_tokens.testing import LocalPool

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ADAPTERS = {"fastapi": "fastapi", "flask": "flask", "django": "django", "drf": "rest_framework"}
Answer = tuple[int, dict[str, str], Any]


def installed_copy() -> Path:
    installed_from = Path(cognito_tokens.__file__).resolve()
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site_packages not in installed_from.parents:
        raise SystemExit(f"cognito_tokens imported from {installed_from}, not {site_packages}")
    return installed_from.parent


def check_core() -> str:
    from tokenkit import CLIENT_ID, POOL_ID, Keys, access_claims, header, id_claims, mint

    keys = Keys.generate()
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=keys.jwks()
    )
    claims = verifier.verify(mint(header(), access_claims(), keys.signing))
    for bad, why in (
        (mint(header(), id_claims(), keys.signing), "an ID token was accepted as an access token"),
        (mint(header(), access_claims(), keys.attacker), "a forged token was accepted"),
    ):
        try:
            verifier.verify(bad)
        except (WrongTokenUse, TokenVerificationError):
            continue
        raise SystemExit(why)
    pool = LocalPool()
    asyncio.run(pool.verifier().averify(pool.access_token()))
    for adapter in ADAPTERS:
        try:
            importlib.import_module(f"cognito_tokens.{adapter}")
        except ImportError as error:
            if f'pip install "cognito-tokens[{adapter}]"' not in str(error):
                raise SystemExit(
                    f"cognito_tokens.{adapter}: unclear ImportError: {error}"
                ) from None
        else:
            raise SystemExit(f"cognito_tokens.{adapter} imported without its extra")
    check_pytest_plugin()
    return (
        f"verified {claims['sub']}, rejected an ID token and a forged one; no extra imported; "
        "the pytest fixture cognito_pool works"
    )


def check_pytest_plugin() -> None:
    """A user's test with the `cognito_pool` fixture, run by pytest in an empty folder."""
    folder = Path(tempfile.mkdtemp())
    (folder / "test_orders.py").write_text(
        "def test_a_token_of_the_local_pool(cognito_pool):\n"
        "    token = cognito_pool.access_token(scopes=['orders/read'])\n"
        "    assert cognito_pool.verifier().verify(token, scopes='orders/read')['sub']\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0 or "1 passed" not in result.stdout:
        raise SystemExit(f"the pytest plugin did not work:\n{result.stdout}{result.stderr}")


def asgi_get(app: Any, path: str, headers: dict[str, str]) -> Answer:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, json.loads(body)


def wsgi_get(app: Any, path: str, headers: dict[str, str]) -> Answer:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        started.append((status, response_headers))
        return lambda data: None

    body = b"".join(app(environ, start_response))
    status, response_headers = started[0]
    return int(status.split()[0]), {k.lower(): v for k, v in response_headers}, json.loads(body)


def plain_django_app(pool: LocalPool) -> Any:
    import django
    from django.conf import settings

    settings.configure(ROOT_URLCONF="__main__", ALLOWED_HOSTS=["localhost"])
    django.setup()
    from cognito_tokens.django import CognitoAuth
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    auth = CognitoAuth(pool.verifier())

    @auth.require(scopes="orders/read")
    def orders(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"sub": request.cognito_claims["sub"]})  # type: ignore[attr-defined]

    sys.modules["__main__"].urlpatterns = [path("orders", orders)]  # type: ignore[attr-defined]
    return get_wsgi_application()


def check_adapter(extra: str) -> str:
    pool = LocalPool()
    jwks_file = Path(tempfile.mkdtemp()) / "jwks.json"
    os.environ.update(pool.environment(jwks_file))
    sys.path.insert(0, str(EXAMPLES))
    get: Callable[[Any, str, dict[str, str]], Answer]
    if extra == "fastapi":
        app, get = importlib.import_module("fastapi_app").app, asgi_get
    elif extra == "flask":
        app, get = importlib.import_module("flask_app").app, wsgi_get
    elif extra == "drf":
        app, get = importlib.import_module("django_app").app, wsgi_get
    else:
        app, get = plain_django_app(pool), wsgi_get

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    answers = {
        "valid": get(app, "/orders", bearer(pool.access_token(sub="s-1", scopes=["orders/read"]))),
        "no scope": get(app, "/orders", bearer(pool.access_token())),
        "no header": get(app, "/orders", {}),
    }
    expected = {"valid": 200, "no scope": 403, "no header": 401}
    for name, (status, headers, body) in answers.items():
        if status != expected[name] or (status != 200 and "www-authenticate" not in headers):
            raise SystemExit(f"{extra}: {name}: {status} {headers} {body}")
    if answers["valid"][2] != {"sub": "s-1"}:
        raise SystemExit(f"{extra}: valid: {answers['valid'][2]}")
    return "served 200 (its sub), 403 (no scope) and 401 (no header)"


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else "core"
    where = installed_copy()
    outcome = check_core() if mode == "core" else check_adapter(mode)
    print(f"cognito-tokens {cognito_tokens.__version__} [{mode}] from {where}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
