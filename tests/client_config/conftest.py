"""Client-config fixtures: plausible deploy outputs for every synthesized environment, API
variants of the showcase, an AWS environment without credentials, and one Node.js process that
runs Amplify's own code (parser, REST merge, REST client) over every generated file."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.client_config.amplify import ClientFile, amplify_outputs, required_outputs
from infra.client_config.outputs import stack_name
from infra.config import EnvironmentConfig, load_environment
from tests.conftest import EVERY_ENVIRONMENT, KIT_ENVIRONMENTS_DIR, Assembly, Synthesized
from tests.yaml_files import dump_yaml, read_yaml

ROOT = Path(__file__).resolve().parents[2]
NODE = Path(sys.executable).parent / "node"
AMPLIFY_CHECK = Path(__file__).with_name("amplify_check.mjs")
AMPLIFY_TYPES = (
    ROOT
    / "node_modules"
    / ".amplify-client-config"
    / "package"
    / "lib"
    / "client-config-schema"
    / "client_config_v1.4"
)
TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"
REGION = "eu-west-1"
CANARY = "canary/unknown-key"
# What the app's REST configuration sends in the Authorization header (the access token).
TOKEN = "access-token-of-the-signed-in-user"

AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ENDPOINT_URL",
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials and no region anywhere botocore looks (and no instance metadata)."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, no_credentials: None) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def fake_values(config: EnvironmentConfig, keys: Iterable[str]) -> dict[str, str]:
    """Values shaped like the deployed ones for the given output keys (deterministic)."""
    region = config.region or REGION
    values: dict[str, str] = {}
    for index, key in enumerate(sorted(keys)):
        if key == "UserPoolId":
            values[key] = f"{region}_AbCdEf{index:03d}"
        elif key == "IdentityPoolId":
            values[key] = f"{region}:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
        elif key.endswith("ClientId"):
            values[key] = f"{index:02d}" + "abcdefghijklmnopqrstuvwx"
        elif key.endswith(("HttpApiUrl", "RestApiUrl")):
            # API Gateway's stage URLs: `$default` for HTTP APIs, `v1` for REST APIs.
            stage = "v1/" if key.endswith("RestApiUrl") else ""
            values[key] = f"https://{index:02d}abcdefgh.execute-api.{region}.amazonaws.com/{stage}"
        elif key == "HostedDomainBaseUrl":
            domain = config.domain
            host = domain.custom_domain or (
                f"{(domain.prefix or '').replace('{account}', '123456789012')}"
                f".auth.{region}.amazoncognito.com"
            )
            values[key] = f"https://{host}"
        else:
            values[key] = f"value-of-{key}"
    return values


def fake_outputs(env: Synthesized) -> dict[str, str]:
    """The template's outputs with values shaped like the deployed ones."""
    return fake_values(env.config, env.template_json["Outputs"])


def outputs_file(env: Synthesized) -> dict[str, dict[str, str]]:
    """The file `cdk deploy --outputs-file` writes for the environment's stack."""
    return {stack_name(env.config): fake_outputs(env)}


@pytest.fixture(scope="session")
def generated(
    assembly: Assembly, team_assembly: Assembly
) -> dict[str, tuple[Synthesized, list[ClientFile]]]:
    """Every environment's client files, by `<kind>:<name>`."""
    result: dict[str, tuple[Synthesized, list[ClientFile]]] = {}
    for kind, name in EVERY_ENVIRONMENT:
        env: Synthesized = (assembly if kind == "kit" else team_assembly).environments[name]
        files, _ = amplify_outputs(env.config, fake_outputs(env))
        result[f"{kind}:{name}"] = (env, files)
    return result


def _drop_rest(apis: dict[str, Any]) -> None:
    del apis["rest"], apis["rest_logging_role"]


def _scopes(client: str, scopes: list[str]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["app_clients"][client]["scopes"] = scopes

    return edit


def _no_group_scopes(data: dict[str, Any]) -> None:
    data["triggers"]["pre_token_generation"]["group_scopes"] = {}


def _second_public_client(data: dict[str, Any]) -> None:
    data["app_clients"]["Mobile"] = {
        "kind": "public",
        "native": True,
        "callback_urls": ["com.example.shop:/callback"],
        "logout_urls": ["com.example.shop:/signout"],
        "scopes": ["openid", "orders/read"],
    }


def _broad_rest_route(data: dict[str, Any]) -> None:
    data["apis"]["rest"]["Orders"]["routes"]["ANY /files/{path+}"] = {
        "scopes": ["orders/read"],
        "broad_reason": "the file store routes every method and sub-path itself",
    }


# The showcase fixture with one API-related change each: every shape of `apis:` a client can
# meet (HTTP only, REST only, both, none; listed or not; scopes of its own or a group's).
VARIANTS: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "http-only": [lambda d: _drop_rest(d["apis"])],
    "rest-only": [lambda d: d["apis"].pop("http")],
    "unlisted": [lambda d: d["apis"]["http"]["Orders"].update(clients=["OrdersWorker"])],
    "no-api-scope": [_scopes("WebApp", ["openid", "email", "profile"]), _no_group_scopes],
    "group-scope-only": [_scopes("WebApp", ["openid", "email", "profile"])],
    "two-public": [_second_public_client],
    "broad-route": [_broad_rest_route],
    "no-apis": [lambda d: d.pop("apis")],
}


@dataclass(frozen=True)
class Variant:
    """A variant of the showcase, with outputs shaped like a deploy's."""

    config: EnvironmentConfig
    outputs: dict[str, str]
    files: list[ClientFile]
    directory: Path

    def file(self, client_id: str) -> dict[str, Any]:
        [match] = [f.outputs for f in self.files if f.client_id == client_id]
        return match


@pytest.fixture(scope="session")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Variant]:
    """The API variants of the showcase fixture, by name (no synth: only the config counts)."""
    folder = tmp_path_factory.mktemp("variants")
    source = read_yaml(KIT_ENVIRONMENTS_DIR / "showcase.yaml")
    for name, edits in VARIANTS.items():
        data = copy.deepcopy(source)
        for edit in edits:
            edit(data)
        (folder / f"{name}.yaml").write_text(dump_yaml(data, sort_keys=False))
    result: dict[str, Variant] = {}
    for name in VARIANTS:
        config = load_environment(name, directory=folder)
        outputs = fake_values(config, required_outputs(config))
        files, _ = amplify_outputs(config, outputs)
        result[name] = Variant(config, outputs, files, folder)
    return result


def _label(environment: str, client_id: str) -> str:
    return f"{environment}/{client_id}"


@pytest.fixture(scope="session")
def every_file(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]], variants: dict[str, Variant]
) -> dict[str, dict[str, Any]]:
    """Every generated file (environments and variants) by `<environment>/<client>`."""
    files = {
        _label(environment, f.client_id): f.outputs
        for environment, (_, client_files) in generated.items()
        for f in client_files
    }
    files.update(
        (_label(f"variant:{name}", f.client_id), f.outputs)
        for name, variant in variants.items()
        for f in variant.files
    )
    files.update(
        (_label("multi-region:multiregion", f.client_id), f.outputs) for f in multi_region_files()
    )
    return files


MULTI_REGION_DIR = ROOT / "tests" / "fixtures" / "multi-region"


def multi_region_files() -> list[ClientFile]:
    """The client files of the multi-Region fixture (a replica in eu-central-1)."""
    config = load_environment("multiregion", directory=MULTI_REGION_DIR)
    files, _ = amplify_outputs(config, fake_values(config, required_outputs(config)))
    return files


def example_path(route_key: str) -> tuple[str, str]:
    """(method, path) of a request an app makes to a route: the path relative to the API's
    URL, as in Amplify's examples (`path: "items"`), its parameters filled in."""
    method, _, path = route_key.partition(" ")
    segments = [
        ("a/b" if s.endswith("+}") else "123") if s.startswith("{") else s
        for s in path.strip("/").split("/")
    ]
    return ("GET" if method == "ANY" else method), "/".join(segments)


def api_requests(outputs: dict[str, Any]) -> list[dict[str, str]]:
    """One request per route of every API the file lists."""
    return [
        {"apiName": name, "method": method, "path": path}
        for name, api in outputs["custom"]["cognito_kit"]["apis"].items()
        for method, path in map(example_path, api["routes"])
    ]


@pytest.fixture(scope="session")
def amplify_parsed(every_file: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What Amplify made of every generated file (one Node process for all): see
    amplify_check.mjs."""
    documents = [
        {"name": name, "outputs": outputs, "requests": api_requests(outputs), "token": TOKEN}
        for name, outputs in every_file.items()
    ]
    completed = subprocess.run(
        [str(NODE), str(AMPLIFY_CHECK)],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    parsed: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return parsed


@pytest.fixture(scope="session")
def type_errors(
    every_file: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """tsc's complaints about each file against Amplify's published outputs types (one run)."""
    folder = tmp_path_factory.mktemp("amplify-types")
    documents = list(every_file.items())
    # A file the types must refuse, checked in the same run: proves the check can fail.
    documents.append((CANARY, {**documents[0][1], "auth": {**documents[0][1]["auth"], "bogus": 1}}))
    names = [name for name, _ in documents]
    # One object literal per line: TypeScript's excess-property check refuses unknown keys.
    lines = [f'import type {{ AWSAmplifyBackendOutputs }} from "{AMPLIFY_TYPES}";']
    lines += [
        f"export const file{index}: AWSAmplifyBackendOutputs = {json.dumps(outputs)};"
        for index, (_, outputs) in enumerate(documents)
    ]
    source = folder / "check.ts"
    source.write_text("\n".join(lines) + "\n")
    completed = subprocess.run(
        [
            str(NODE),
            str(TSC),
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--moduleResolution",
            "node",
            # The declarations themselves (TypeScript's lib, Amplify's types) are not under
            # test; skipping their own check keeps our literals checked against them and
            # saves a second of CPU.
            "--skipLibCheck",
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    errors: dict[str, str] = {}
    for line in completed.stdout.splitlines():
        if "check.ts(" in line:
            number = int(line.split("check.ts(")[1].split(",")[0])
            errors[names[number - 2]] = line
    if completed.returncode != 0 and not errors:
        raise AssertionError(f"tsc failed: {completed.stdout}{completed.stderr}")
    return errors
