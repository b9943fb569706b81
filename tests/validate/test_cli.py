"""`python -m infra.validate`: exit codes, the summary file and the CI job summary.

The scanners are stand-ins printing recorded output, so these tests take milliseconds; the
real cfn-lint runs in test_cfn_lint.py, and checkov's output format is pinned by a recording.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.provenance import CONFIG_KEY_METADATA, ENVIRONMENT_METADATA
from infra.validate.cli import main
from tests.guard.sample import POOL, cognito_template, rename_resource

from .builders import fake_control_tower, fake_tool, fixture, fixture_json, write_assembly

CLEAN_CHECKOV = json.dumps({"passed": 0, "failed": 0, "skipped": 0, "checkov_version": "3.3.30"})


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, Path]:
    """Stand-ins that find nothing."""
    folder = tmp_path / "tools"
    folder.mkdir()
    return {
        "cfn-lint": fake_tool(folder / "cfn-lint", "[]"),
        "checkov": fake_tool(folder / "checkov", CLEAN_CHECKOV),
        "control-tower": fake_control_tower(folder / "cfn-guard"),
    }


def synth(root: Path, report: Any = None, **stacks: tuple[dict[str, Any], str | None]) -> Path:
    return write_assembly(
        root, stacks, fixture_json("validation_report.json") if report is None else report
    )


def validate(
    candidate: Path,
    tools: dict[str, Path],
    *args: str | Path,
    environ: dict[str, str] | None = None,
) -> int:
    argv = ["--candidate", str(candidate), "--cfn-lint", str(tools["cfn-lint"])]
    argv += ["--checkov", str(tools["checkov"]), "--control-tower", str(tools["control-tower"])]
    argv += list(map(str, args))
    return main(argv, environ=environ or {})


def test_identical_baseline_passes_and_writes_the_summary(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = synth(tmp_path / "base", dev=(cognito_template(), None))
    candidate = synth(tmp_path / "cdk.out", dev=(cognito_template(), None))
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("# earlier step\n")

    code = validate(
        candidate, tools, "--baseline", baseline, environ={"GITHUB_STEP_SUMMARY": str(step_summary)}
    )

    out = capsys.readouterr().out
    summary = (candidate / "validation-summary.md").read_text()
    assert code == 0
    assert "validate: passed; guard: 0 blocking, 0 accepted; cfn-lint: 0 open; " in out
    assert summary.startswith("# Template validation: passed")
    assert step_summary.read_text() == "# earlier step\n" + summary + "\n"


def test_summary_has_per_environment_counts_findings_and_acknowledgment_reasons(
    tmp_path: Path, tools: dict[str, Path]
) -> None:
    # GIVEN a candidate that adds a staging stack and changes a dev client
    before = cognito_template()
    after = cognito_template()
    client = next(
        k for k, v in after["Resources"].items() if v["Type"] == "AWS::Cognito::UserPoolClient"
    )
    after["Resources"][client]["Properties"]["AccessTokenValidity"] = 30
    baseline = synth(tmp_path / "base", dev=(before, None))
    candidate = synth(
        tmp_path / "cdk.out", dev=(after, None), staging=(cognito_template(), "eu-west-1")
    )
    tools["checkov"] = fake_tool(tools["checkov"], fixture("checkov_output.json"), exit_code=1)

    # WHEN validated
    code = validate(
        candidate, tools, "--baseline", baseline, "--baseline-label", "base commit abc1234"
    )

    # THEN the checkov findings fail it and the summary shows each environment
    summary = (candidate / "validation-summary.md").read_text()
    assert code == 1
    assert summary.startswith("# Template validation: FAILED: 2 finding(s)")
    assert "against baseline base commit abc1234." in summary
    assert "| dev | 0 | 1 | 0 | 0 / 0 | 0 / 0 | 2 / 1 | 0 / 0 | 0 / 2 |" in summary
    assert "| staging | 7 | 0 | 0 | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 1 |" in summary
    assert "## dev: FAILED" in summary
    assert "| FAIL | checkov | CKV_AWS_116 |" in summary
    assert "<summary><b>Acknowledged cdk-nag rules (2)</b></summary>" in summary
    assert (
        "| `AwsSolutions-COG2` | `dev/Cognito/Directory/UserPool` | dev: MFA is optional" in summary
    )
    assert "<summary><b>Skipped checkov checks (1)</b></summary>" in summary
    assert "it reaches no VPC resource" in summary
    assert "## staging: passed" in summary


def test_a_renamed_user_pool_fails_through_the_guard(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = cognito_template()
    rename_resource(renamed, POOL, "DirectoryPool1A2B3C4D")
    baseline = synth(tmp_path / "base", dev=(cognito_template(), None))
    candidate = synth(tmp_path / "cdk.out", dev=(renamed, None))

    code = validate(candidate, tools, "--baseline", baseline)

    out = capsys.readouterr().out
    summary = (candidate / "validation-summary.md").read_text()
    assert code == 1
    assert f"BLOCK dev/devCognito7ACE1F46 {POOL} AWS::Cognito::UserPool" in out
    assert f"| BLOCK | guard | removed | `{POOL}` (AWS::Cognito::UserPool) |" in summary


def test_an_open_nag_violation_fails(tmp_path: Path, tools: dict[str, Path]) -> None:
    candidate = synth(
        tmp_path / "cdk.out",
        fixture_json("validation_report_open.json"),
        prod=(cognito_template(), "eu-west-1"),
    )

    code = validate(candidate, tools, "--baseline", candidate)

    summary = (candidate / "validation-summary.md").read_text()
    assert code == 1
    assert "| prod | 0 | 0 | 0 | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 0 | 2 / 0 |" in summary
    assert "| FAIL (error) | cdk-nag | AwsSolutions-COG1 |" in summary


def test_a_tool_that_cannot_run_makes_the_verdict_incomplete(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    candidate = synth(tmp_path / "cdk.out", dev=(cognito_template(), None))
    tools["checkov"] = tmp_path / "no-such-checkov"

    code = validate(candidate, tools, "--baseline", candidate)

    out = capsys.readouterr().out
    summary = (candidate / "validation-summary.md").read_text()
    assert code == 2
    assert "ERROR checkov:" in out
    assert summary.startswith("# Template validation: INCOMPLETE")
    assert "## Tools that could not give a verdict" in summary


def test_without_templates_nothing_runs_and_it_exits_2(
    tmp_path: Path, tools: dict[str, Path]
) -> None:
    empty = tmp_path / "cdk.out"
    empty.mkdir()

    assert validate(empty, tools) == 2
    assert "no stack templates" in (empty / "validation-summary.md").read_text()


def test_without_baseline_the_guard_is_reported_as_skipped(
    tmp_path: Path, tools: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    candidate = synth(tmp_path / "cdk.out", dev=(cognito_template(), None))

    code = validate(candidate, tools)

    assert code == 0
    assert "guard: skipped (no baseline)" in capsys.readouterr().out
    assert (
        "no baseline: the replacement guard did not run"
        in (candidate / "validation-summary.md").read_text()
    )


def test_an_empty_baseline_reports_every_template_as_added_and_passes(
    tmp_path: Path, tools: dict[str, Path]
) -> None:
    empty = tmp_path / "base"
    empty.mkdir()
    candidate = synth(tmp_path / "cdk.out", dev=(cognito_template(), None))

    assert validate(candidate, tools, "--baseline", empty) == 0
    assert "| dev | 7 | 0 | 0 | 0 / 0 |" in (candidate / "validation-summary.md").read_text()


def test_an_invalid_accepted_risks_file_is_a_guard_error(
    tmp_path: Path, tools: dict[str, Path]
) -> None:
    candidate = synth(tmp_path / "cdk.out", dev=(cognito_template(), None))
    risks = tmp_path / "risks.yaml"
    risks.write_text("- environment: dev\n  reson: typo\n")

    code = validate(candidate, tools, "--baseline", candidate, "--accepted-risks", risks)

    assert code == 2
    assert "guard: " in (candidate / "validation-summary.md").read_text()


def test_the_summary_names_the_environment_file_and_config_key_of_a_guard_finding(
    tmp_path: Path, tools: dict[str, Path]
) -> None:
    # GIVEN kit templates that say which file and key made the pool
    def labelled(username_attributes: list[str]) -> dict[str, Any]:
        body = cognito_template()
        body["Metadata"] = {
            ENVIRONMENT_METADATA: {
                "name": "prod",
                "tier": "production",
                "file": "infra/environments/prod.yaml",
            }
        }
        pool = body["Resources"][POOL]
        pool["Metadata"] = {CONFIG_KEY_METADATA: "user_pool"}
        pool["Properties"]["UsernameAttributes"] = username_attributes
        return body

    baseline = synth(tmp_path / "base", prod=(labelled(["email"]), "eu-west-1"))
    candidate = synth(tmp_path / "cdk.out", prod=(labelled(["phone_number"]), "eu-west-1"))
    # WHEN validated
    code = validate(candidate, tools, "--baseline", baseline)
    # THEN the finding says it in config terms
    summary = (candidate / "validation-summary.md").read_text()
    assert code == 1
    assert (
        "**In config:** `infra/environments/prod.yaml`: `user_pool.sign_in_identifiers`: put "
        "user_pool.sign_in_identifiers back as deployed"
    ) in summary
