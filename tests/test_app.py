"""app.py end to end, as `cdk synth` runs it: a subprocess with the context in CDK_CONTEXT_JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import requested_environments
from infra.config import ConfigError
from tests.conftest import KIT_ENVIRONMENTS_DIR

ROOT = Path(__file__).resolve().parent.parent


# The config refuses every nag finding it can foresee; to prove the synth gate behind it, the
# app runs with that config check switched off, as a finding the config missed would reach it.
WITHOUT_NAG_FORESIGHT = (
    "import runpy, infra.config.references as r; "
    "r._unacknowledged_nag_problems = lambda sections: iter(()); "
    "runpy.run_path('app.py', run_name='__main__')"
)


def run_app(
    context: dict[str, str | bool], outdir: Path, command: tuple[str, ...] = ("app.py",)
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(outdir),
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
    result = run_app(context, tmp_path / "out")
    assert result.returncode == 2
    assert (
        "unknown environment 'no-such-env'; known environments: minimal, relaxed, showcase, strict"
        in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert not list((tmp_path / "out").glob("**/*.json")), "nothing may be synthesized"


def test_environment_file_with_unknown_key_fails_cleanly(tmp_path: Path) -> None:
    text = (KIT_ENVIRONMENTS_DIR / "showcase.yaml").read_text() + "\nsurprise: true\n"
    (tmp_path / "showcase.yaml").write_text(text)
    result = run_app({"env": "showcase", "environments_dir": str(tmp_path)}, tmp_path / "out")
    assert result.returncode == 2
    assert (
        f"{tmp_path / 'showcase.yaml'}: surprise: unknown key; allowed keys here: " in result.stderr
    )
    assert "Traceback" not in result.stderr + result.stdout
    assert not list((tmp_path / "out").glob("**/*.json")), "nothing may be synthesized"


def test_an_open_nag_finding_fails_synth_even_as_the_cli_runs_it(tmp_path: Path) -> None:
    # A whole-bucket wildcard is broader than the per-prefix grants the project acknowledges.
    text = (
        (KIT_ENVIRONMENTS_DIR / "showcase.yaml")
        .read_text()
        .replace(
            "identity_pool:\n  enabled: true\n",
            "identity_pool:\n  enabled: true\n  authenticated_permissions:\n"
            "    - actions: [s3:GetObject]\n"
            '      resources: ["arn:aws:s3:::acme-showcase-user-files/*"]\n',
        )
    )
    assert "acme-showcase-user-files/*" in text
    (tmp_path / "showcase.yaml").write_text(text)
    # The CDK CLI passes this context and then exits 0 despite open findings.
    context: dict[str, str | bool] = {
        "env": "showcase",
        "environments_dir": str(tmp_path),
        "@aws-cdk/core:failSynthOnValidationErrors": False,
    }
    result = run_app(context, tmp_path / "out", ("-c", WITHOUT_NAG_FORESIGHT))
    assert result.returncode == 1
    assert "AwsSolutions-IAM5[Resource::arn:aws:s3:::acme-showcase-user-files/*]" in result.stderr
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
