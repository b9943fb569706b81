"""Small cloud assemblies and stand-in scanners for the validation tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_VERSION = "55.0.0"
STEMS = {
    "dev": "devCognito7ACE1F46",
    "staging": "stagingCognitoE75BB24A",
    "prod": "prodCognitoDFED9A82",
}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


def write_assembly(
    root: Path,
    stacks: dict[str, tuple[dict[str, Any], str | None]],
    report: Any = None,
) -> Path:
    """Lay out `cdk synth` output: manifest.json -> assembly-<env>/manifest.json -> template.

    `stacks` maps environment -> (template, pinned region or None for environment-agnostic).
    """
    root.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for env, (template, region) in stacks.items():
        folder = root / f"assembly-{env}"
        folder.mkdir(exist_ok=True)
        stem = STEMS.get(env, f"{env}Cognito12345678")
        (folder / f"{stem}.template.json").write_text(json.dumps(template, indent=1))
        environment = (
            f"aws://111111111111/{region}" if region else ("aws://unknown-account/unknown-region")
        )
        nested = {
            "version": SCHEMA_VERSION,
            "artifacts": {
                stem: {
                    "type": "aws:cloudformation:stack",
                    "environment": environment,
                    "properties": {"templateFile": f"{stem}.template.json"},
                    "displayName": f"{env}/Cognito",
                }
            },
        }
        (folder / "manifest.json").write_text(json.dumps(nested))
        artifacts[f"assembly-{env}"] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": f"assembly-{env}", "displayName": env},
        }
    artifacts["Tree"] = {"type": "cdk:tree", "properties": {"file": "tree.json"}}
    (root / "manifest.json").write_text(
        json.dumps({"version": SCHEMA_VERSION, "artifacts": artifacts})
    )
    if report is not None:
        (root / "validation-report.json").write_text(json.dumps(report))
    return root


def fake_tool(path: Path, stdout: str, exit_code: int = 0) -> Path:
    """An executable that prints `stdout`, exits with `exit_code` and records its argv and the
    environment variables it saw in `<path>.call.json`."""
    output = path.with_name(path.name + ".stdout")
    output.write_text(stdout, encoding="utf-8")
    record = path.with_name(path.name + ".call.json")
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "call = {'argv': sys.argv[1:], 'env': dict(os.environ)}\n"
        f"json.dump(call, open({str(record)!r}, 'w'))\n"
        f"sys.stdout.write(open({str(output)!r}, encoding='utf-8').read())\n"
        f"sys.exit({exit_code})\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def call_of(tool: Path) -> dict[str, Any]:
    """What a fake tool was called with."""
    data: dict[str, Any] = json.loads(tool.with_name(tool.name + ".call.json").read_text())
    return data


def fake_control_tower(
    folder: Path, stdout: str = "[]", exit_code: int = 0, types: tuple[str, ...] = ()
) -> Path:
    """A `.venv/cfn-guard`-shaped folder: a stand-in cfn-guard and one control, CT.FAKE.PR.1,
    that evaluates `types` (default: the user pool, which every sample template has)."""
    rules = folder / "rules"
    (folder / "bin").mkdir(parents=True)
    (rules / "cfn-guard" / "fake").mkdir(parents=True)
    (rules / "metadata" / "fake").mkdir(parents=True)
    (rules / "cfn-guard" / "fake" / "ct-fake-pr-1.guard").write_text(
        "rule fake_check when is_cfn_template(%INPUT_DOCUMENT) {\n}\n"
    )
    metadata = {
        "Id": "CT.FAKE.PR.1",
        "DisplayName": "Require a fake property",
        "RemediationMessage": "Set the fake property.",
        "EvaluatedResourceTypes": list(types or ("AWS::Cognito::UserPool",)),
    }
    (rules / "metadata" / "fake" / "ct-fake-pr-1.metadata.json").write_text(json.dumps(metadata))
    (folder / "versions.json").write_text(json.dumps({"cfn-guard": "3.1.1", "rules": "test"}))
    fake_tool(folder / "bin" / "cfn-guard", stdout, exit_code)
    return folder


def cloudwatch_rules(folder: Path) -> Path:
    """Stand-ins for the two CloudWatch controls (the rule names and metadata of the package,
    with short fixes) in `folder/rules`, as the package lays them out; returns that folder."""
    rules = folder / "rules"
    for number, rule, fix in (
        (2, "cloudwatch_log_group_retention_period_check", "Keep logs a year."),
        (3, "cloudwatch_log_group_encrypted_check", "Encrypt with a key."),
    ):
        guard = rules / "cfn-guard" / "cloudwatch" / f"ct-cloudwatch-pr-{number}.guard"
        guard.parent.mkdir(parents=True, exist_ok=True)
        guard.write_text(f"rule {rule} when is_cfn_template(%INPUT_DOCUMENT) {{\n}}\n")
        metadata = rules / "metadata" / "cloudwatch" / f"ct-cloudwatch-pr-{number}.metadata.json"
        metadata.parent.mkdir(parents=True, exist_ok=True)
        metadata.write_text(
            json.dumps(
                {
                    "Id": f"CT.CLOUDWATCH.PR.{number}",
                    "DisplayName": rule,
                    "RemediationMessage": fix,
                    "EvaluatedResourceTypes": ["AWS::Logs::LogGroup"],
                }
            )
        )
    return rules
