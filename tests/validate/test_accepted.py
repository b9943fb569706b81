"""Accepted findings: what `make validate` does with the kit's `cognito-kit:acknowledged` records.

cfn-lint and Control Tower findings the resource's metadata accepts become suppressions with
their reason (and the file that accepted them); without it they fail. checkov applies its own
skips. An environment file's acknowledgment that accepted nothing is a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.acknowledged import ACKNOWLEDGED_METADATA
from infra.provenance import CONFIG_KEY_METADATA
from infra.validate.cli import main
from tests.guard.sample import FUNCTION, cognito_template

from .builders import (
    cloudwatch_rules,
    fake_control_tower,
    fake_tool,
    fixture,
    fixture_json,
    write_assembly,
)

LOGS = "TriggersPreSignUpLogsD894ACA4"
SOURCE = "infra/environments/dev.yaml: acknowledgments"
RETENTION_REASON = "dev: test sign-ins only, 30 days are enough (acknowledged in {source}[0])"
LINT_REASON = "dev: the CDK adds this DependsOn itself (acknowledged in {source}[1])"


def lint_match(rule: str, logical_id: str) -> dict[str, Any]:
    return {
        "Filename": "assembly-dev/devCognito7ACE1F46.template.json",
        "Level": "Warning",
        "Location": {"Path": ["Resources", logical_id], "Start": {"LineNumber": 3}},
        "Message": "Obsolete DependsOn on resource",
        "Rule": {"Id": rule},
    }


def entry(tool: str, rule: str, reason: str, index: int | None) -> dict[str, str]:
    recorded = {"tool": tool, "rule": rule, "reason": reason}
    if index is not None:
        recorded["source"] = f"{SOURCE}[{index}]"
    return recorded


def template(acknowledged: list[dict[str, str]]) -> dict[str, Any]:
    """The sample Cognito template plus a trigger log group that breaks CT.CLOUDWATCH.PR.2 and .3
    (recorded in fixtures/cfn_guard_output.json), made by `triggers.pre_sign_up`."""
    body = cognito_template()
    metadata: dict[str, Any] = {CONFIG_KEY_METADATA: "triggers.pre_sign_up"}
    if acknowledged:
        metadata[ACKNOWLEDGED_METADATA] = acknowledged
    body["Resources"][LOGS] = {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"RetentionInDays": 30},
        "Metadata": metadata,
    }
    return body


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, Path]:
    """Stand-ins: cfn-lint finds W3005 on the log group, Control Tower both CloudWatch controls,
    checkov its recorded findings (two failed checks on the function, one skipped)."""
    folder = tmp_path / "tools"
    folder.mkdir()
    control_tower = fake_control_tower(
        folder / "cfn-guard",
        fixture("cfn_guard_output.json"),
        exit_code=19,
        types=("AWS::Logs::LogGroup",),
    )
    cloudwatch_rules(control_tower)
    return {
        "cfn-lint": fake_tool(folder / "cfn-lint", json.dumps([lint_match("W3005", LOGS)])),
        "checkov": fake_tool(folder / "checkov", fixture("checkov_output.json"), exit_code=1),
        "control-tower": control_tower,
    }


def validate(tmp_path: Path, tools: dict[str, Path], acknowledged: list[dict[str, str]]) -> int:
    candidate = write_assembly(
        tmp_path / "cdk.out",
        {"dev": (template(acknowledged), None)},
        fixture_json("validation_report.json"),
    )
    argv = ["--candidate", str(candidate), "--cfn-lint", str(tools["cfn-lint"])]
    argv += ["--checkov", str(tools["checkov"]), "--control-tower", str(tools["control-tower"])]
    return main(argv, environ={})


def summary(tmp_path: Path) -> str:
    return (tmp_path / "cdk.out" / "validation-summary.md").read_text()


def test_without_acknowledgments_every_finding_fails_naming_its_config_key_and_fix(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = validate(tmp_path, tools, [])

    out = capsys.readouterr().out
    assert code == 1
    assert (
        f"FAIL control-tower dev/devCognito7ACE1F46 {LOGS} CT.CLOUDWATCH.PR.3: "
        "cloudwatch_log_group_encrypted_check -> Encrypt with a key. "
        "[config: triggers.pre_sign_up]"
    ) in out
    assert f"FAIL cfn-lint dev/devCognito7ACE1F46 {LOGS} W3005 [warning]" in out
    assert "| dev | - | - | - | - | 1 / 0 | 2 / 1 | 2 / 0 | 0 / 2 |" in summary(tmp_path)
    assert (
        "**Fix:** Encrypt with a key. **In config:** `triggers.pre_sign_up`: change it, or "
        "accept the finding under `acknowledgments:` with a reason"
    ) in summary(tmp_path)


def test_an_acknowledgment_accepts_its_tools_rule_with_the_reason_and_the_file(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the log group accepts CT.CLOUDWATCH.PR.2 and cfn-lint's W3005, each with its reason
    retention = RETENTION_REASON.format(source=SOURCE)
    lint = LINT_REASON.format(source=SOURCE)
    code = validate(
        tmp_path,
        tools,
        [
            entry("control-tower", "CT.CLOUDWATCH.PR.2", retention, 0),
            entry("cfn-lint", "W3005", lint, 1),
        ],
    )

    # THEN those two are accepted and listed with the reason naming the file; the others fail
    out = capsys.readouterr().out
    text = summary(tmp_path)
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert not [line for line in failures if "CT.CLOUDWATCH.PR.2" in line]
    assert "FAIL control-tower dev/devCognito7ACE1F46" in out  # CT.CLOUDWATCH.PR.3 still fails
    assert "W3005" not in out
    assert (
        "cfn-lint: 0 open, 1 accepted; checkov: 2 open, 1 skipped; "
        "control-tower: 1 open, 1 accepted"
    ) in out
    assert "| dev | - | - | - | - | 0 / 1 | 2 / 1 | 1 / 1 | 0 / 2 |" in text
    assert "<summary><b>Accepted Control Tower controls (1)</b></summary>" in text
    assert f"| `CT.CLOUDWATCH.PR.2` | `{LOGS}` | {retention} |" in text
    assert "<summary><b>Accepted cfn-lint rules (1)</b></summary>" in text
    assert f"| `W3005` | `{LOGS}` | {lint} |" in text


def test_an_acknowledgment_of_another_tool_or_rule_accepts_nothing(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    reason = RETENTION_REASON.format(source=SOURCE)
    code = validate(
        tmp_path,
        tools,
        [
            entry("cfn-lint", "CT.CLOUDWATCH.PR.2", reason, 0),  # the wrong tool
            entry("control-tower", "CT.CLOUDWATCH.PR.9", reason, 1),  # the wrong rule
        ],
    )

    out = capsys.readouterr().out
    assert code == 1
    assert "control-tower: 2 open" in out
    assert f"WARN dev: {SOURCE}[1] (CT.CLOUDWATCH.PR.9, control-tower) accepted no finding" in out
    assert (
        "- unused acknowledgment: dev: infra/environments/dev.yaml: acknowledgments[1]"
        in summary(tmp_path)
    )


def test_a_checkov_acknowledgment_is_checkovs_own_skip_and_is_not_reported_unused(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the recorded checkov run skipped CKV_AWS_117 on the function with this comment
    skipped = "Cognito invokes the trigger; it reaches no VPC resource"
    body_acknowledged = [entry("checkov", "CKV_AWS_111", "an entry that matches nothing", 3)]
    candidate = write_assembly(
        tmp_path / "cdk.out", {"dev": (template([]), None)}, fixture_json("validation_report.json")
    )
    path = candidate / "assembly-dev" / "devCognito7ACE1F46.template.json"
    body = json.loads(path.read_text())
    body["Resources"][FUNCTION]["Metadata"] = {
        ACKNOWLEDGED_METADATA: [entry("checkov", "CKV_AWS_117", skipped, 2), *body_acknowledged]
    }
    path.write_text(json.dumps(body))

    main(
        ["--candidate", str(candidate), "--cfn-lint", str(tools["cfn-lint"]), "--checkov",
         str(tools["checkov"]), "--control-tower", str(tools["control-tower"])],
        environ={},
    )  # fmt: skip

    out = capsys.readouterr().out
    assert f"{SOURCE}[2]" not in out
    assert f"WARN dev: {SOURCE}[3] (CKV_AWS_111, checkov) accepted no finding" in out
