"""The same templates however they are synthesized: `make synth`, `make validate`, a plain
`cdk synth`, and the baseline's synth."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest

from infra.validate import synth
from infra.validate.run import ROOT
from tests.conftest import new_app

# Seconds of work (the CDK CLI): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly


def test_the_stages_stacks_are_selected_as_make_synth_does(tmp_path: Path) -> None:
    command = synth.command("all", tmp_path / "out", environments_dir=tmp_path / "envs")

    assert command[:3] == ["cdk", "--no-notices", "--no-version-reporting"]
    assert command[3:6] == ["synth", "--quiet", "-c"]
    assert "env=all" in command
    assert f"environments_dir={tmp_path / 'envs'}" in command
    assert command[-3:] == ["-o", str(tmp_path / "out"), "*/*"]


def test_the_clis_stack_id_advice_is_dropped_and_everything_else_kept() -> None:
    printed = io.StringIO()
    cli_says = [
        "Synth stopped by policy validation: ...\n",
        "Successfully synthesized to /x/cdk.out\n",
        "Supply a stack id (dev/Cognito, prod/Cognito) to display its template.\n",
    ]

    synth.without_advice(cli_says, printed)

    assert printed.getvalue() == cli_says[0] + cli_says[1]


STUB_APP = """
import json, os
json.dump(json.loads(os.environ.get("CDK_CONTEXT_JSON", "{}")), open(os.environ["DUMP"], "w"))
manifest = os.path.join(os.environ["CDK_OUTDIR"], "manifest.json")
json.dump({"version": "48.0.0", "artifacts": {}}, open(manifest, "w"))
"""


def test_a_plain_cdk_synth_turns_version_reporting_off(tmp_path: Path) -> None:
    """cdk.json says `"versionReporting": false`: the pinned CLI, run in the repository without
    any flag, hands every app the context that leaves out AWS::CDK::Metadata."""
    app = tmp_path / "stub_app.py"
    app.write_text(STUB_APP)
    dump = tmp_path / "context.json"
    environment = synth.tool_environment(ROOT, os.environ) | {"DUMP": str(dump)}

    subprocess.run(
        [
            "cdk",
            "--no-notices",
            "synth",
            "--app",
            f"{sys.executable} {app}",
            "-o",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        check=False,  # the stub has no stacks; only the context it was handed matters
    )

    context = json.loads(dump.read_text())
    assert context.get("aws:cdk:version-reporting") is not True
    assert context.get("aws:cdk:disable-version-reporting") is True
    assert json.loads((ROOT / "cdk.json").read_text())["versionReporting"] is False

    # and aws-cdk-lib writes no AWS::CDK::Metadata with that context (but does without it)
    def metadata_types(context: dict[str, object]) -> list[str]:
        stack_app = new_app(context=context)
        stack = cdk.Stack(stack_app, "Probe")
        cdk.CfnResource(stack, "Topic", type="AWS::SNS::Topic")
        template = stack_app.synth().get_stack_by_name("Probe").template
        return [
            r["Type"] for r in template["Resources"].values() if r["Type"] == "AWS::CDK::Metadata"
        ]

    assert metadata_types(context) == []
    assert metadata_types({"aws:cdk:version-reporting": True}) == ["AWS::CDK::Metadata"]
