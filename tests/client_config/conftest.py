"""Client-config fixtures: plausible deploy outputs for every synthesized environment, and one
Node.js process that runs Amplify's own parser over every generated file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.client_config.amplify import ClientFile, amplify_outputs
from infra.client_config.outputs import stack_name
from tests.conftest import EVERY_ENVIRONMENT, Synthesized

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


def fake_outputs(env: Synthesized) -> dict[str, str]:
    """The template's outputs with values shaped like the deployed ones (deterministic)."""
    region = env.config.region or REGION
    values: dict[str, str] = {}
    for index, key in enumerate(sorted(env.template_json["Outputs"])):
        if key == "UserPoolId":
            values[key] = f"{region}_AbCdEf{index:03d}"
        elif key == "IdentityPoolId":
            values[key] = f"{region}:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"
        elif key.endswith("ClientId"):
            values[key] = f"{index:02d}" + "abcdefghijklmnopqrstuvwx"
        elif key == "HostedDomainBaseUrl":
            domain = env.config.domain
            host = domain.custom_domain or (
                f"{(domain.prefix or '').replace('{account}', '123456789012')}"
                f".auth.{region}.amazoncognito.com"
            )
            values[key] = f"https://{host}"
        else:
            values[key] = f"value-of-{key}"
    return values


def outputs_file(env: Synthesized) -> dict[str, dict[str, str]]:
    """The file `cdk deploy --outputs-file` writes for the environment's stack."""
    return {stack_name(env.config): fake_outputs(env)}


@pytest.fixture(scope="session")
def generated(request: pytest.FixtureRequest) -> dict[str, tuple[Synthesized, list[ClientFile]]]:
    """Every environment's client files, by `<kind>:<name>`."""
    result: dict[str, tuple[Synthesized, list[ClientFile]]] = {}
    for kind, name in EVERY_ENVIRONMENT:
        assembly = request.getfixturevalue("assembly" if kind == "kit" else "team_assembly")
        env: Synthesized = assembly.environments[name]
        files, _ = amplify_outputs(env.config, fake_outputs(env))
        result[f"{kind}:{name}"] = (env, files)
    return result


def _label(environment: str, client_id: str) -> str:
    return f"{environment}/{client_id}"


@pytest.fixture(scope="session")
def amplify_parsed(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
) -> dict[str, dict[str, Any]]:
    """What Amplify.configure() made of every generated file (one Node process for all)."""
    documents = [
        {"name": _label(environment, f.client_id), "outputs": f.outputs}
        for environment, (_, files) in generated.items()
        for f in files
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
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """tsc's complaints about each file against Amplify's published outputs types (one run)."""
    folder = tmp_path_factory.mktemp("amplify-types")
    documents = [
        (_label(environment, f.client_id), f.outputs)
        for environment, (_, files) in generated.items()
        for f in files
    ]
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
