"""Cold first-invocation cost of each Cognito trigger, measured in fresh interpreters.

For each scenario a new interpreter (``python -I -B``) imports one trigger module and handles one
documented event from ``tests/lambda_triggers/events``. The modules are copied, without any
``.pyc``, into a temporary directory laid out as the Lambda asset (the package directory is the
asset root, handler ``<module>.handler``), so they are compiled on import as on Lambda, where the
asset ships no bytecode. AWS calls are answered by botocore's Stubber, attached to the client the
trigger itself creates; an accidental real request would go to a closed local port.

Two baselines run in the same session with the same flags: a bare interpreter, and one that
imports boto3 and creates a cognito-idp client. All scenarios run ``--runs`` times, interleaved,
and the table reports medians of the wall time of the whole process. Targets: at most 25 ms over
the bare interpreter for a path that makes no AWS call, at most 25 ms over the boto3 baseline for
one that does. The harness itself imports ``json``, ``sys`` and ``time`` in every process; the
trigger rows also pay for ``logging``, which the Lambda runtime has already imported, so the
deltas here slightly overstate the cost on Lambda.

Usage: ``python benchmarks/trigger_cold_start.py [--runs N] [--strict]``. Exits 0 (it reports,
it does not gate) unless ``--strict`` is given and a scenario is over its target.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO_ROOT / "lambda_triggers"
EVENTS_DIR = REPO_ROOT / "tests" / "lambda_triggers" / "events"
TARGET_MS = 25.0
BARE = "bare interpreter"
BOTO3 = "boto3 + cognito-idp client"

PROLOGUE = """\
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, {asset!r})
event = json.loads({event!r})
"""
EPILOGUE = """\
print(json.dumps({"inner_ms": (time.perf_counter() - start) * 1000}))
"""
BOTO3_BASELINE = """\
import boto3
client = boto3.client("cognito-idp")
"""
TRIGGER = """\
import {module} as trigger
{stub}
result = trigger.handler(event, None)
assert isinstance(result, dict), result
{check}
"""
STUB = """\
from botocore.stub import Stubber
stub = Stubber(trigger.{client})
{responses}
stub.activate()
"""
WEB_APP = {
    "ClientId": "1example23456789",
    "UserPoolId": "us-east-1_EXAMPLE",
    "ClientName": "WebApp",
}
NATIVE_ANN = {
    "Username": "ann",
    "UserStatus": "CONFIRMED",
    "Attributes": [
        {"Name": "email", "Value": "ann@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ],
}

OLD_REGION = "eu-west-1"
OLD_SUB = "7d8ca528-4931-4254-9273-ea5ee853f271"
# An access token of the old pool: the trigger reads only its payload (username, sub).
ANN_TOKEN = "eyJhbGciOiJSUzI1NiJ9.{}.c2ln".format(
    base64.urlsafe_b64encode(json.dumps({"sub": OLD_SUB, "username": "ann"}).encode())
    .rstrip(b"=")
    .decode()
)
OLD_ANN = {
    "Username": "ann",
    "Enabled": True,
    "UserStatus": "CONFIRMED",
    "UserAttributes": [
        {"Name": "sub", "Value": OLD_SUB},
        {"Name": "email", "Value": "ann@example.com"},
        {"Name": "email_verified", "Value": "true"},
    ],
}
MIGRATION_CONFIG: dict[str, object] = {
    "from_user_pool_id": f"{OLD_REGION}_OLDPOOL01",
    "from_client_id": "oldclient0123456789",
    "attributes": ["email", "email_verified", "given_name"],
    "case_sensitive": False,
    "sign_in_identifiers": ["email"],
    # The benchmark measures the path that calls AWS; the default (ignore) calls nothing.
    "forgot_password": "migrate",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    code: str
    event: str | None = None  # file name under EVENTS_DIR, without .json
    config: dict[str, object] | None = None
    baseline: str | None = None  # None for a baseline itself


def _trigger(
    label: str,
    module: str,
    event: str,
    config: dict[str, object],
    aws_responses: list[tuple[str, dict[str, object]]] | None = None,
    client: str = "cognito_client()",
) -> Scenario:
    stub, check = "", ""
    if aws_responses is not None:
        responses = "\n".join(
            f"stub.add_response({operation!r}, {response!r})"
            for operation, response in aws_responses
        )
        stub = STUB.format(client=client, responses=responses)
        check = "stub.assert_no_pending_responses()"  # proves the AWS path really ran
    code = TRIGGER.format(module=module, stub=stub, check=check)
    return Scenario(
        name=f"{module} ({label})",
        code=code,
        event=event,
        config=config,
        baseline=BOTO3 if aws_responses is not None else BARE,
    )


def scenarios() -> list[Scenario]:
    linking = {
        "account_linking": True,
        "provider_email_domains": {"Google": ["example.com"]},
        "protected_groups": ["admins"],
    }
    return [
        Scenario(BARE, ""),
        Scenario(BOTO3, BOTO3_BASELINE),
        _trigger(
            "PreSignUp_SignUp, no AWS call",
            "pre_sign_up",
            "pre_sign_up_sign_up",
            {"allowed_email_domains": ["example.com"], **linking},
        ),
        _trigger(
            "PreSignUp_ExternalProvider, links",
            "pre_sign_up",
            "pre_sign_up_external_provider",
            {"allowed_email_domains": ["example.com"], **linking},
            [
                ("list_users", {"Users": [NATIVE_ANN]}),
                ("admin_get_user", {"Username": "ann", "UserAttributes": []}),
                ("admin_list_groups_for_user", {"Groups": [{"GroupName": "users"}]}),
                ("admin_link_provider_for_user", {}),
            ],
            client="sign_up_client()",
        ),
        _trigger(
            "ConfirmSignUp, adds to group",
            "post_confirmation",
            "post_confirmation_confirm_sign_up",
            {"default_group": "users"},
            [("admin_add_user_to_group", {})],
        ),
        _trigger(
            "TokenGeneration_Authentication",
            "pre_token_generation",
            "pre_token_generation_authentication",
            {
                "id_token_claims": {"tenant_id": "custom:tenant_id"},
                "access_token_claims": {"tenant_id": "custom:tenant_id"},
                "groups_claim": "roles",
                "group_scopes": {"admins": ["api/admin"]},
                "client_scopes": {"WebApp": ["api/admin"]},
            },
            # A group scope goes only to a client that may request it: the trigger finds the
            # asking client's name (cached for five minutes per function instance).
            [("list_user_pool_clients", {"UserPoolClients": [WEB_APP]})],
        ),
        _trigger(
            "UserMigration_Authentication, migrates",
            "user_migration",
            "user_migration_authentication",
            MIGRATION_CONFIG,
            [
                ("admin_initiate_auth", {"AuthenticationResult": {"AccessToken": ANN_TOKEN}}),
                ("admin_get_user", OLD_ANN),
            ],
            client=f"old_pool_client({OLD_REGION!r})",
        ),
        _trigger(
            "UserMigration_ForgotPassword, migrates",
            "user_migration",
            "user_migration_forgot_password",
            MIGRATION_CONFIG,
            [("admin_get_user", OLD_ANN)],
            client=f"old_pool_client({OLD_REGION!r})",
        ),
        _trigger(
            "CustomMessage_AdminCreateUser",
            "custom_message",
            "custom_message_admin_create_user",
            {"app_name": "Acme Portal", "app_url": "https://portal.example.com"},
        ),
        _trigger(
            "InboundFederation_ExternalProvider, maps groups",
            "inbound_federation",
            "inbound_federation_saml",
            {
                "attribute": "custom:idp_groups",
                "providers": {
                    "CorporateSSO": {
                        "type": "SAML",
                        "claim": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                        "groups": {"0b7f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4": "admins"},
                    }
                },
            },
        ),
    ]


def child_source(scenario: Scenario, asset: Path) -> str:
    event = "{}" if scenario.event is None else (EVENTS_DIR / f"{scenario.event}.json").read_text()
    return PROLOGUE.format(asset=str(asset), event=event) + scenario.code + EPILOGUE


def child_env(scenario: Scenario) -> dict[str, str]:
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "benchmark",
        "AWS_SECRET_ACCESS_KEY": "benchmark",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Stubber answers every call; anything else would hit a closed local port, not AWS.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    if scenario.config is not None:
        env["TRIGGER_CONFIG"] = json.dumps(scenario.config)
    return env


def run_once(source: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall ms of one fresh interpreter, and the ms it measured from start to the end."""
    started = time.perf_counter()
    completed = subprocess.run(  # noqa: S603 - runs this interpreter on code written above
        [sys.executable, "-I", "-B", "-c", source],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{completed.stderr}")
    return wall, float(json.loads(completed.stdout.strip().splitlines()[-1])["inner_ms"])


def make_asset(directory: Path) -> Path:
    """Copy the trigger modules as a Lambda asset whose root is the package directory."""
    asset = directory / "asset"
    asset.mkdir()
    for source in PACKAGE_DIR.glob("*.py"):
        shutil.copy(source, asset / source.name)
    return asset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per scenario")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    all_scenarios = scenarios()
    walls: dict[str, list[float]] = {s.name: [] for s in all_scenarios}
    inners: dict[str, list[float]] = {s.name: [] for s in all_scenarios}
    with tempfile.TemporaryDirectory(prefix="trigger-cold-start-") as temporary:
        asset = make_asset(Path(temporary))
        prepared = [(s, child_source(s, asset), child_env(s)) for s in all_scenarios]
        run_once(prepared[1][1], prepared[1][2])  # warm the OS file cache once, not measured
        for _ in range(runs):
            for scenario, source, env in prepared:
                wall, inner = run_once(source, env)
                walls[scenario.name].append(wall)
                inners[scenario.name].append(inner)

    median = {name: statistics.median(values) for name, values in walls.items()}
    inner_median = {name: statistics.median(values) for name, values in inners.items()}
    print(
        f"Cold first invocation: median of {runs} fresh interpreters "
        f"(Python {platform.python_version()}, -I -B, {platform.machine()})"
    )
    header = (
        f"{'scenario':<56} {'median ms':>9} {'in-proc ms':>10}  {'baseline':<26} "
        f"{'delta ms':>8} {'target':>8}  status"
    )
    print(header)
    print("-" * len(header))
    over = False
    for scenario in all_scenarios:
        name = scenario.name
        row = f"{name:<56} {median[name]:>9.1f} {inner_median[name]:>10.1f}  "
        if scenario.baseline is None:
            print(row + "(baseline)")
            continue
        delta = median[name] - median[scenario.baseline]
        ok = delta <= TARGET_MS
        over = over or not ok
        target = f"<= {TARGET_MS:g}"
        print(row + f"{scenario.baseline:<26} {delta:>+8.1f} {target:>8}  {'OK' if ok else 'OVER'}")
    return 1 if args.strict and over else 0


if __name__ == "__main__":
    sys.exit(main())
