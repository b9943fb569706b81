"""app.py end to end: as `cdk synth` runs it (a subprocess with the context in CDK_CONTEXT_JSON),
and its `main` in this process where only the answer to a bad file is under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import app
from app import requested_environments
from infra.config import ConfigError
from infra.config.loader import ENVIRONMENT_NAME_RULE, MAX_ENVIRONMENT_NAME_LENGTH
from tests.conftest import KIT_ENVIRONMENTS_DIR, Assembly, new_app

# Seconds of work (app.py as the CLI runs it): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

ROOT = Path(__file__).resolve().parent.parent


# The config refuses every nag finding it can foresee; to prove the synth gate behind it, the
# app runs with that config check switched off, as a finding the config missed would reach it.
WITHOUT_NAG_FORESIGHT = (
    "import runpy, infra.config.references as r; "
    "r._unacknowledged_nag_problems = lambda sections: iter(()); "
    "runpy.run_path('app.py', run_name='__main__')"
)


CLI_CONTEXT_VARIABLES = ("CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION_ENV")
"""Where the CDK CLI hands an app its context (named here, not taken from app.py: the
protocol is the CLI's)."""


def run_app(
    context: dict[str, str | bool],
    outdir: Path,
    command: tuple[str, ...] = ("app.py",),
    *,
    context_file: Path | None = None,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    """app.py as the CDK CLI runs it: the context in CDK_CONTEXT_JSON, or in `context_file`
    (the CLI's overflow file, for a context too large for a variable)."""
    if context_file is None:
        handed = {"CDK_CONTEXT_JSON": json.dumps(context)}
    else:
        context_file.write_text(json.dumps(context))
        handed = {"CONTEXT_OVERFLOW_LOCATION_ENV": str(context_file)}
    environment = {
        **{k: v for k, v in os.environ.items() if k not in CLI_CONTEXT_VARIABLES},
        **handed,
        "CDK_OUTDIR": str(outdir),
        **variables,
    }
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_unknown_environment_fails_cleanly(tmp_path: Path) -> None:
    context: dict[str, str | bool] = {
        "env": "no-such-env",
        "environments_dir": str(KIT_ENVIRONMENTS_DIR),
    }
    # A Node.js that cannot start: the refusal must come before aws-cdk-lib starts one.
    result = run_app(context, tmp_path / "out", JSII_NODE=str(tmp_path / "no-node"))
    assert result.returncode == 2
    assert (
        "unknown environment 'no-such-env'; known environments: minimal, relaxed, showcase, strict"
        in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert not list((tmp_path / "out").glob("**/*.json")), "nothing may be synthesized"


def test_the_context_is_merged_as_aws_cdk_lib_merges_it(tmp_path: Path) -> None:
    """app.py reads `env` before the App exists: the variable, then the overflow file over it,
    as the App does (the nag test below hands its context through the file, as the CLI does
    when the context is too large for a variable)."""
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"env": "from-file"}))
    environ = {
        app.CLI_CONTEXT_VARIABLE: json.dumps({"env": "from-variable", "environments_dir": "/e"}),
        app.CLI_CONTEXT_FILE_VARIABLE: str(overflow),
    }

    assert app.cli_context(environ) == {"env": "from-file", "environments_dir": "/e"}
    assert app.cli_context({}) == {}


def run_main(
    context: dict[str, str], outdir: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """app.main in this process, on an app with `context` (the subprocess tests above prove
    the same path as the CLI runs it; these spare a second of startup each)."""
    code = app.main(new_app(context=context, outdir=str(outdir)))
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_environment_file_with_unknown_key_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (KIT_ENVIRONMENTS_DIR / "showcase.yaml").read_text() + "\nsurprise: true\n"
    (tmp_path / "showcase.yaml").write_text(text)
    code, stderr = run_main(
        {"env": "showcase", "environments_dir": str(tmp_path)}, tmp_path / "out", capsys
    )
    assert code == 2
    assert f"{tmp_path / 'showcase.yaml'}: surprise: unknown key; allowed keys here: " in stderr
    assert not list((tmp_path / "out").glob("**/*.json")), "nothing may be synthesized"


def test_an_open_nag_finding_fails_synth_even_as_the_cli_runs_it(tmp_path: Path) -> None:
    # A password policy without symbols fails AwsSolutions-COG1; the smallest fixture keeps
    # this subprocess synth short.
    text = (
        (KIT_ENVIRONMENTS_DIR / "minimal.yaml")
        .read_text()
        .replace(
            "password_policy: {min_length: 8, require_lowercase: false}",
            "password_policy: {min_length: 8, require_lowercase: false, require_symbols: false}",
        )
    )
    assert "require_symbols: false" in text
    (tmp_path / "minimal.yaml").write_text(text)
    # The CDK CLI passes this context and then exits 0 despite open findings.
    context: dict[str, str | bool] = {
        "env": "minimal",
        "environments_dir": str(tmp_path),
        "@aws-cdk/core:failSynthOnValidationErrors": False,
    }
    # Through the overflow file: app.py and the App must both read it. CDK's own
    # CloudFormation validation (a warning-only schema check, most of a second to start) is not
    # what is under test (tests/validate/test_cloudformation_validation.py is).
    result = run_app(
        context,
        tmp_path / "out",
        ("-c", WITHOUT_NAG_FORESIGHT),
        context_file=tmp_path / "context.json",
        CDK_VALIDATION="false",
    )
    assert result.returncode == 1
    assert "AwsSolutions-COG1" in result.stderr
    assert "Synth stopped by policy validation" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["dev"]),
        ("strict", ["strict"]),
        ("showcase, relaxed", ["showcase", "relaxed"]),
        ("all", ["minimal", "relaxed", "showcase", "strict"]),
    ],
)
def test_requested_environments(value: str | None, expected: list[str]) -> None:
    assert requested_environments(value, KIT_ENVIRONMENTS_DIR) == expected


@pytest.mark.parametrize("value", ["", " ", ","])
def test_an_empty_environment_name_is_an_error_not_the_default(value: str) -> None:
    with pytest.raises(ConfigError, match="the environment name is empty"):
        requested_environments(value, KIT_ENVIRONMENTS_DIR)


def test_all_with_a_misnamed_file_names_that_file(tmp_path: Path) -> None:
    showcase = (KIT_ENVIRONMENTS_DIR / "showcase.yaml").read_text()
    (tmp_path / "showcase.yaml").write_text(showcase)
    (tmp_path / "Staging.yaml").write_text(showcase)
    with pytest.raises(ConfigError) as caught:
        requested_environments("all", tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"  - {tmp_path / 'Staging.yaml'}: the file name 'Staging' is not an environment name "
        f"(it starts with 'S'); allowed: {ENVIRONMENT_NAME_RULE}; rename the file"
    ]


def test_a_name_over_the_limit_is_refused_by_name_and_rule_not_as_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "customer-onboarding-sandbox-for-the-frankfurt-team-01"
    assert len(name) == MAX_ENVIRONMENT_NAME_LENGTH + 1
    (tmp_path / f"{name}.yaml").write_text((KIT_ENVIRONMENTS_DIR / "showcase.yaml").read_text())
    code, stderr = run_main({"env": name, "environments_dir": str(tmp_path)}, tmp_path, capsys)
    assert code == 2
    lines = stderr.splitlines()
    start = lines.index("Configuration error (1 problem):")
    assert lines[start : start + 2] == [
        "Configuration error (1 problem):",
        f"  - {tmp_path / name}.yaml: the file name {name!r} is not an environment name (it is "
        f"53 characters long); allowed: {ENVIRONMENT_NAME_RULE}; rename the file",
    ]
    assert "unknown environment" not in stderr


# Names built from `<project>-<env>` and `<env>-<api id>`, with the limit CloudFormation or the
# service sets (SNS: a display name "must be maximum 100 characters long").
NAME_LIMITS = {
    ("AWS::SNS::Topic", "DisplayName"): 100,
    ("AWS::WAFv2::WebACL", "Name"): 128,
    ("AWS::WAFv2::WebACL", "MetricName"): 128,
    ("AWS::CloudWatch::Alarm", "AlarmName"): 255,
    ("AWS::CloudWatch::Dashboard", "DashboardName"): 255,
    ("AWS::Cognito::UserPool", "UserPoolName"): 128,
    ("AWS::ApiGatewayV2::Api", "Name"): 128,
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,
}
LONGEST_PROJECT = 32  # ProjectName: 3-32 characters


def named_strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(property name, string) for every string below `node`."""
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from named_strings(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from named_strings(item, key)


def test_the_longest_names_fit_every_name_built_from_them(assembly: Assembly) -> None:
    # Each name holding the environment (and project) name, grown to the longest each allows.
    grow = MAX_ENVIRONMENT_NAME_LENGTH
    checked: set[tuple[str, str]] = set()
    for synthesized in assembly.environments.values():
        env, project = synthesized.config.name, synthesized.config.project
        stack = synthesized.stack_name
        assert len(stack) + (grow - len(env)) + (LONGEST_PROJECT - len(project)) <= 128
        for resource in synthesized.template_json["Resources"].values():
            for key, text in named_strings(resource.get("Properties", {})):
                limit = NAME_LIMITS.get((resource["Type"], key))
                if limit is None or env not in text:
                    continue
                longest = (
                    len(text)
                    + text.count(env) * (grow - len(env))
                    + text.count(project) * (LONGEST_PROJECT - len(project))
                )
                assert longest <= limit, (resource["Type"], key, text, longest)
                checked.add((resource["Type"], key))
    assert {("AWS::SNS::Topic", "DisplayName"), ("AWS::WAFv2::WebACL", "MetricName")} <= checked
