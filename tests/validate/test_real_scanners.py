"""SMS MFA and phone sign-in pass `make validate` on both tiers, from a random-looking path.

Every real scanner runs (cfn-lint, checkov, the Control Tower controls, and the validation report
with cdk-nag and aws-cdk-lib's own CloudFormation validation) on the kit's fixtures with SMS
turned on, synthesized into a folder named like a CI cache key: the verdict may depend neither on
the option nor on where the checkout is.

CDK's CloudFormation validation runs in this module only: it costs more than a second of CPU to
start in each test process. `make validate` reads what it reports, on every environment.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.config import load_environments
from infra.validate import control_tower, nag_report
from infra.validate.run import ROOT, Options, validate
from stacks.composition import compose
from tests.conftest import KIT_ENVIRONMENTS_DIR, new_app
from tests.yaml_files import dump_yaml, read_yaml

from .scanners import checkov_executable, control_tower_install

# Seconds of work (a synth, every real scanner): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly


def with_sms(name: str, **user_pool: Any) -> dict[str, Any]:
    data: dict[str, Any] = read_yaml(KIT_ENVIRONMENTS_DIR / f"{name}.yaml")
    data["user_pool"].update(user_pool)
    return data


@pytest.fixture(scope="module")
def sms_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development fixture with phone sign-in and SMS MFA, and the production fixture with
    SMS as a second factor, phone sign-in and phone recovery."""
    directory = tmp_path_factory.mktemp("environments")
    development = with_sms("minimal", sign_in_identifiers=["username", "phone"])
    production = with_sms(
        "strict",
        sign_in_identifiers=["email", "phone"],
        account_recovery="phone_and_email",
    )
    production["user_pool"]["mfa"]["sms"] = True
    production["user_pool"]["standard_attributes"]["phone_number"] = {"required": True}
    for name, data in (("smsdev", development), ("smsprod", production)):
        (directory / f"{name}.yaml").write_text(dump_yaml(data, sort_keys=False))
    configs = load_environments(["smsdev", "smsprod"], directory=directory)
    # A folder named like a CI cache key or a temporary folder (16 hex characters).
    outdir = tmp_path_factory.mktemp("work") / secrets.token_hex(8) / "cdk.out"
    # As `cdk synth` runs app.py: cdk.json's feature flags, the CLI's path metadata (by which
    # cfn-lint recognises CDK output) and CDK's own CloudFormation validation.
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context |= {"aws:cdk:enable-path-metadata": True, "aws:cdk:disable-version-reporting": True}
    app = new_app(outdir=str(outdir), context=context, cloudformation_validation=True)
    compose(app, configs, directory=directory)
    app.synth()
    return outdir


def test_sms_on_both_tiers_passes_every_scanner_from_a_random_path(sms_assembly: Path) -> None:
    result = validate(
        Options(
            candidate=sms_assembly,
            checkov=checkov_executable(),
            control_tower=control_tower_install().executable.parents[1],
            cwd=ROOT,
        )
    )

    assert result.tool_errors == ()
    assert [f.line() for f in result.findings] == []
    assert {r.tool: r.version is not None for r in result.runs} == {
        "cfn-lint": True,
        "checkov": True,
        control_tower.TOOL: True,
        "cdk-nag": True,
    }
    # the SMS role exists in both, and checkov checked it (it is not merely skipped)
    for environment in ("smsdev", "smsprod"):
        template = next(t for t in result.templates.values() if t.environment == environment)
        roles = [
            logical_id
            for logical_id, resource in template.load()["Resources"].items()
            if resource["Type"] == "AWS::IAM::Role" and "smsRole" in logical_id
        ]
        assert len(roles) == 1
        skipped = {(s.rule, s.target) for s in result.suppressions if s.environment == environment}
        assert ("CKV_AWS_111", roles[0]) not in skipped


def test_cdks_own_cloudformation_validation_speaks_where_make_validate_reads(
    tmp_path: Path,
) -> None:
    """It reports into validation-report.json only when it finds something (the test above
    finds nothing): a probe with a property outside the schema shows that it would, and that
    `make validate` counts it."""
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
