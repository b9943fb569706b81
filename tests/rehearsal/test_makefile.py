"""The deploy targets select an environment's stacks by its stage path, and CI rehearses them.

`make -n` prints the recipes without running them; stacks inside a CDK Stage are not selected
by `--all` (it would deploy, diff or destroy nothing), so it must never come back.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from infra.config import known_environments, load_environments

ROOT = Path(__file__).resolve().parents[2]
STACK_COMMANDS = {"deploy": "deploy", "deploy-ci": "deploy", "diff": "diff", "destroy": "destroy"}


def recipe(target: str, *variables: str) -> str:
    """What `make <target>` would run, with ENV set, as printed by `make -n`."""
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), target, "ENV=some-env", *variables],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(("target", "command"), STACK_COMMANDS.items())
def test_stack_commands_select_the_environments_stage_and_never_all(
    target: str, command: str
) -> None:
    printed = recipe(target)
    assert re.search(rf'cdk .*\b{command} "\$ENV/\*" -c env="\$ENV"', printed), printed
    assert "--all" not in printed
    assert re.search(rf'preflight --env "\$\{{ENV-\}}"\s+--action {command}\n', printed), printed


@pytest.mark.parametrize("target", ["deploy", "deploy-ci"])
def test_deploys_write_the_outputs_file_of_the_environment(target: str) -> None:
    assert '--outputs-file "deploy-outputs/$ENV.json"' in recipe(target)
    assert '--outputs-file "/elsewhere/$ENV.json"' in recipe(target, "OUTPUTS_DIR=/elsewhere")


def test_synth_selects_the_environments_stage() -> None:
    """Without a selection the CLI ends the first command a new user runs with "Supply a
    stack id ()", which reads like an error."""
    assert re.search(
        r'cdk .*\bsynth --quiet -c env="\$\{ENV-dev\}" .*"\$\{ENV-dev\}/\*"', recipe("synth")
    )


def test_bootstrap_checks_the_credentials_then_bootstraps_the_environments_stacks() -> None:
    printed = recipe("bootstrap")
    assert re.search(r'preflight --env "\$\{ENV-\}"\s+--action deploy\n', printed), printed
    assert re.search(r'cdk .*\bbootstrap -c env="\$ENV"', printed), printed


def test_make_rehearse_runs_the_rehearsal_tests() -> None:
    assert re.search(r"pytest tests/rehearsal -m rehearsal\b", recipe("rehearse"))


def test_make_test_hands_out_the_groups_in_the_order_the_conftest_gives_them() -> None:
    # pytest-xdist would reorder them by number of tests (tests/conftest.py says why not).
    assert re.search(r"pytest -n \S+ --dist loadgroup --no-loadscope-reorder\b", recipe("test"))


def test_ci_runs_every_gate_and_the_rehearsal() -> None:
    # .ci/run runs its steps in two lanes: the quoted `make` commands are its steps.
    steps = re.findall(r'"(make [^"]+)"', (ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    assert sorted(steps) == sorted(
        [
            "make lint",
            "make test",
            "make validate",
            "make sweep",
            "make package-check",
            "make rehearse",
        ]
    )


def test_the_rehearsals_environment_files_load() -> None:
    # `make rehearse` deploys these; a config rule they break must fail `make test` first.
    directory = Path(__file__).resolve().parent / "environments"
    names = known_environments(directory)
    assert names == ["rehearsal-dev", "rehearsal-multiregion", "rehearsal-prod"]
    configs = load_environments(names, directory=directory)
    assert [config.tier for config in configs] == ["development", "development", "production"]
    assert [config.multi_region.replica_regions for config in configs] == [(), ("us-west-2",), ()]


def test_validate_reads_and_compares_the_candidate_it_synthesized_in_validate_out() -> None:
    """The rehearsal validates into its own folder beside another run; a baseline that read the
    deployed stacks' names from cdk.out instead failed on a clean clone (no cdk.out there)."""
    printed = recipe("validate", "BASE=deployed", "VALIDATE_OUT=/elsewhere/out")
    assert '--out "/elsewhere/out"' in printed
    assert re.search(r'infra\.validate\.baseline [^\n]*--candidate "/elsewhere/out"', printed), (
        printed
    )
    assert '--candidate "/elsewhere/out" --baseline' in printed


def test_every_target_runs_jsii_on_the_venvs_node_with_one_gc_thread() -> None:
    # What each make target's CDK app starts as its jsii runtime (JSII_NODE, exported).
    printed = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(ROOT), "--eval",
         "show-jsii-node: ; @echo \"$$JSII_NODE\"", "show-jsii-node"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert printed == str(ROOT / ".venv" / "bin" / "jsii-node")
    # `make setup` writes it (make test depends on setup): the venv's Node.js with one GC
    # thread, jsii's own arguments passed on.
    assert (
        f'exec "{ROOT / ".venv" / "bin"}/node" --single-threaded-gc "$@"'
        in Path(printed).read_text()
    )
    probe = "console.log(JSON.stringify(process.execArgv))"
    argv = subprocess.run([printed, "-e", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(argv) == ["--single-threaded-gc", "-e", probe]
