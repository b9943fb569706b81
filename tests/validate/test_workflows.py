"""The GitHub workflows follow the project's rules; zizmor and the workflow schema agree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"uses:\s*(\S+)\s+#\s*v\d+(\.\d+){0,2}\s*$")


def load(path: Path) -> dict[str, Any]:
    raw: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as the boolean true.
    return {"on" if key is True else str(key): value for key, value in raw.items()}


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_both_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} == {"pull-request.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_full_sha_with_a_version_comment(path: Path) -> None:
    uses = [step["uses"] for step in steps(load(path)) if "uses" in step]
    assert uses
    for action in uses:
        assert PINNED_USES.match(action), f"{path.name}: {action} is not pinned to a commit SHA"
    commented = {
        m.group(1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if (m := VERSION_COMMENT.search(line))
    }
    assert set(uses) <= commented, f"{path.name}: every pinned action needs a `# vX.Y.Z` comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_pull_request_target_and_read_only_top_level_permissions(path: Path) -> None:
    workflow = load(path)
    triggers = workflow["on"] if isinstance(workflow["on"], dict) else {workflow["on"]: None}
    assert "pull_request_target" not in triggers
    assert workflow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_checkout_drops_its_credentials(path: Path) -> None:
    checkouts = [s for s in steps(load(path)) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_expanded_inside_a_run_script(path: Path) -> None:
    # Expressions reach scripts through `env:` only (zizmor's template-injection rule).
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_have_timeouts_and_workflows_a_concurrency_group(path: Path) -> None:
    workflow = load(path)
    assert workflow["concurrency"]["group"]
    for job in workflow["jobs"].values():
        assert 0 < job["timeout-minutes"] <= 60


def test_pull_request_workflow_runs_the_makefile_gate_against_the_base_commit() -> None:
    workflow = load(GITHUB / "workflows" / "pull-request.yml")
    assert set(workflow["on"]) == {"pull_request"}
    runs = [s.get("run", "") for s in steps(workflow)]
    assert any(r.strip() == "make lint" for r in runs)
    assert any(r.strip() == "make test" for r in runs)
    commands = [r.strip() for r in runs]
    assert commands.index("make test") < commands.index("make rehearse")
    validate = next(s for s in steps(workflow) if "make validate" in s.get("run", ""))
    assert validate["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert validate["run"].strip() == 'make validate BASE="$BASE_SHA"'
    assert "secrets." not in (GITHUB / "workflows" / "pull-request.yml").read_text()


def test_the_pull_request_workflow_runs_every_step_of_ci_run() -> None:
    # One gate: what .ci/run proves on a clean clone is what a pull request must pass.
    workflow = load(GITHUB / "workflows" / "pull-request.yml")
    targets = {r.split()[1] for s in steps(workflow) if (r := s.get("run", "")).startswith("make ")}
    ci_run = (GITHUB.parent / ".ci" / "run").read_text()
    ci_targets = {step.split()[1] for step in re.findall(r'"(make [^"]+)"', ci_run)}
    assert ci_targets
    assert ci_targets <= targets


def test_deploy_workflow_uses_an_environment_and_oidc_without_secrets() -> None:
    workflow = load(GITHUB / "workflows" / "deploy.yml")
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]["environment"]
    # Any environment file may be deployed; the preflight refuses a name without one.
    assert inputs["type"] == "string"
    assert workflow["on"]["push"]["branches"] == ["main"]
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "${{ inputs.environment || 'dev' }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert "secrets." not in (GITHUB / "workflows" / "deploy.yml").read_text()
    runs = [s.get("run", "") for s in job["steps"]]
    validate = runs.index('make validate ENV="$DEPLOY_ENV" BASE=deployed')
    assert job["steps"].index(credentials) < validate, "the deployed templates need credentials"
    assert validate < runs.index('make diff ENV="$DEPLOY_ENV"')
    assert runs.index('make diff ENV="$DEPLOY_ENV"') < runs.index(
        'make deploy-ci ENV="$DEPLOY_ENV"'
    )


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (requirements-dev.txt)")
    return found


def test_zizmor_finds_nothing_offline() -> None:
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(GITHUB)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_and_dependabot_config_match_their_schemas() -> None:
    checker = _tool("check-jsonschema")
    for schema, files in (
        ("vendor.github-workflows", [str(p) for p in WORKFLOWS]),
        ("vendor.dependabot", [str(GITHUB / "dependabot.yml")]),
    ):
        result = subprocess.run(
            [checker, "--builtin-schema", schema, *files],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
