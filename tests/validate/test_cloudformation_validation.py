"""aws-cdk-lib's own CloudFormation validation (a schema check every CDK app runs as it
synthesizes; app.py keeps it) reports where `make validate` reads, and validate counts it.

It reports into validation-report.json only when it finds something: `make validate` and the
sweep (`make sweep`, with the SMS regressions of tests/sweep/regressions.py) find nothing on
every environment; a probe here shows that it would speak. It runs in this module only: its
start costs more than a second of CPU in each test process (tests/conftest.py, `new_app`).
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest

from infra.validate import nag_report
from tests.conftest import new_app

# Seconds of work (the validation's start): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly


def test_cdks_own_cloudformation_validation_speaks_where_make_validate_reads(
    tmp_path: Path,
) -> None:
    """A property outside the schema: reported, and counted by `make validate`."""
    probe = new_app(outdir=str(tmp_path), cloudformation_validation=True)
    cdk.CfnResource(
        cdk.Stack(probe, "Probe"),
        "Pool",
        type="AWS::Cognito::UserPool",
        properties={"UserPoolTier": "GOLD"},
    )
    probe.synth()

    report = json.loads((tmp_path / nag_report.REPORT_NAME).read_text())
    [found] = [p for p in report["pluginReports"] if p["pluginName"] == "CloudFormation Validate"]
    paths = {
        path
        for violation in found["violations"]
        for construct in violation["violatingConstructs"]
        for path in construct["cloudFormationResource"]["propertyPaths"]
    }
    assert "Properties.UserPoolTier" in paths
    run = nag_report.read(tmp_path)
    assert [(f.environment, "CloudFormation Validate" in f.message) for f in run.findings] == [
        ("Probe", True)
    ]
