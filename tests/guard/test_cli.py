"""`python -m infra.guard BASELINE_DIR CANDIDATE_DIR`: folders in, lines and exit codes out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.guard.cli import main

from .sample import CLIENT, ENV, FILE_NAME, KEY, POOL, STEM, cognito_template, rename_resource

REPO_ROOT = Path(__file__).resolve().parents[2]


def write(root: Path, template: dict[str, Any], name: str = FILE_NAME, env: str = ENV) -> Path:
    """Lay a template out like `cdk synth` does for a Stage: cdk.out/assembly-<env>/<name>."""
    folder = root / f"assembly-{env}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(template, indent=1))
    return root


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Baseline and candidate cdk.out folders (same template) and an empty accepted-risks file."""
    risks = tmp_path / "accepted-risks.yaml"
    risks.write_text("[]\n")
    baseline = write(tmp_path / "baseline", cognito_template())
    candidate = write(tmp_path / "candidate", cognito_template())
    return baseline, candidate, risks


def guard(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_identical_folders_pass(
    dirs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs

    code, lines, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 0
    assert lines == [
        "guard: PASSED: 0 blocking, 0 accepted; templates: 1 compared, 0 added, 0 removed; "
        "resources: 0 added, 0 changed, 0 removed"
    ]


def test_renamed_pool_blocks_with_one_line_per_finding(
    dirs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs
    changed = cognito_template()
    rename_resource(changed, POOL, "UsersF00DCAFE")
    write(candidate, changed)

    code, lines, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 1
    first = lines[0]
    assert first.startswith(f"BLOCK {ENV}/{STEM} {POOL} AWS::Cognito::UserPool - : ")
    assert "UsersF00DCAFE (same type, new in the candidate) is probably its rename" in first
    assert " -> keep the construct id" in first
    client_line = next(line for line in lines if f" {CLIENT} " in line)
    assert f'UserPoolId : UserPoolId changes from {{"Ref":"{POOL}"}}' in client_line
    assert f"because {POOL} is renamed" in client_line
    assert lines[-1].startswith("guard: FAILED: 4 blocking, 0 accepted;")


def test_accepted_risk_file_lets_a_deliberate_change_through(
    dirs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs
    changed = cognito_template()
    changed["Resources"][CLIENT]["Properties"]["GenerateSecret"] = True
    write(candidate, changed)
    risks.write_text(
        f"- environment: {ENV}\n"
        f"  logical_id: {CLIENT}\n"
        "  finding: create-only-change\n"
        "  reason: Server-side client needs a secret; no app uses it yet.\n"
    )

    code, lines, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 0
    assert lines[0].startswith(f"ACCEPTED {KEY} {CLIENT} AWS::Cognito::UserPoolClient ")
    assert lines[0].endswith("[accepted: Server-side client needs a secret; no app uses it yet.]")


def test_template_only_in_candidate_is_added(
    dirs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs
    write(candidate, cognito_template(), name="prodCognito1234ABCD.template.json", env="prod")

    code, lines, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 0
    assert "ADDED prod/prodCognito1234ABCD : new template, 7 resource(s)" in lines


def test_template_only_in_baseline_blocks(
    dirs: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs
    (candidate / f"assembly-{ENV}" / FILE_NAME).unlink()
    write(candidate, {"Resources": {}}, name="devOther0000AAAA.template.json")

    code, lines, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 1
    assert sum(line.startswith(f"BLOCK {KEY} ") for line in lines) == 5


def test_template_outside_a_stage_folder_is_its_own_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for side in ("baseline", "candidate"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "AuthStack.template.json").write_text(json.dumps(cognito_template()))
    changed = cognito_template()
    changed["Resources"][POOL]["DeletionPolicy"] = "Delete"
    (tmp_path / "candidate" / "AuthStack.template.json").write_text(json.dumps(changed))

    code, lines, _ = guard(
        capsys, tmp_path / "baseline", tmp_path / "candidate", "--accepted-risks", "/dev/null"
    )

    assert code == 1
    assert lines[0].startswith(f"BLOCK AuthStack/AuthStack {POOL} ")


def test_markdown_report_is_written(
    dirs: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline, candidate, risks = dirs
    changed = cognito_template()
    changed["Resources"][POOL]["Properties"]["UsernameAttributes"] = ["phone_number"]
    write(candidate, changed)
    report = tmp_path / "out" / "guard.md"

    code, _, _ = guard(capsys, baseline, candidate, "--accepted-risks", risks, "--markdown", report)

    text = report.read_text()
    assert code == 1
    assert text.startswith("## Replacement guard: FAILED: 1 blocking finding(s)")
    assert "| dev | 1 | 0 | 0 | 0 | 1 | 0 | 1 | 0 |" in text
    assert f"| BLOCK | - | {KEY} | `{POOL}` | AWS::Cognito::UserPool | UsernameAttributes |" in text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing baseline", "baseline directory not found"),
        ("broken json", "not valid JSON"),
        ("invalid risks", "[0].reason: required key is missing"),
        ("missing risks file", "cannot read accepted-risks file"),
        ("no templates anywhere", "no *.template.json files"),
        ("duplicate template names", "has two templates named"),
    ],
)
def test_input_errors_exit_2_with_a_message_and_no_traceback(
    setup: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = write(tmp_path / "baseline", cognito_template())
    candidate = write(tmp_path / "candidate", cognito_template())
    risks = tmp_path / "risks.yaml"
    risks.write_text("[]\n")
    if setup == "missing baseline":
        baseline = tmp_path / "nope"
    elif setup == "broken json":
        (candidate / f"assembly-{ENV}" / FILE_NAME).write_text("{not json")
    elif setup == "invalid risks":
        risks.write_text(f"- environment: dev\n  logical_id: {POOL}\n  finding: removed\n")
    elif setup == "missing risks file":
        risks = tmp_path / "absent.yaml"
    elif setup == "no templates anywhere":
        baseline, candidate = tmp_path / "e1", tmp_path / "e2"
        baseline.mkdir()
        candidate.mkdir()
    elif setup == "duplicate template names":
        write(candidate, cognito_template(), env="staging")

    code, lines, err = guard(capsys, baseline, candidate, "--accepted-risks", risks)

    assert code == 2
    assert lines == []
    assert err.startswith("guard: error: ")
    assert message in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["only-one-dir"])

    assert exit_info.value.code == 2
    assert "usage: python -m infra.guard" in capsys.readouterr().err


def test_module_entry_point_runs_as_a_subprocess(dirs: tuple[Path, Path, Path]) -> None:
    baseline, candidate, risks = dirs

    completed = subprocess.run(
        [sys.executable, "-m", "infra.guard", baseline, candidate, "--accepted-risks", risks],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("guard: PASSED")


def test_guard_does_not_start_the_cdk_runtime() -> None:
    """The guard compares JSON: loading aws_cdk would start a Node.js process (and its
    end-of-life banners on a machine Node) for nothing, on every pull request."""
    probe = "import sys, infra.guard.cli; print(sorted({'aws_cdk', 'jsii'} & set(sys.modules)))"

    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )

    assert completed.stdout.strip() == "[]"
