"""cdk-nag's verdict from validation-report.json: open violations fail, acknowledgments count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.validate import nag_report

from .builders import fixture_json


def test_acknowledged_rules_are_counted_per_environment_with_their_reasons() -> None:
    findings, suppressions = nag_report.parse(fixture_json("validation_report.json"))

    assert findings == ()
    by_environment = {(s.environment, s.rule) for s in suppressions}
    assert by_environment == {
        ("dev", "AwsSolutions-COG2"),
        ("dev", "AwsSolutions-COG8"),
        ("staging", "AwsSolutions-COG2"),
    }
    dev_mfa = next(s for s in suppressions if s.environment == "dev" and s.rule.endswith("COG2"))
    assert dev_mfa.target == "dev/Cognito/Directory/UserPool"
    assert dev_mfa.reason.startswith("dev: MFA is optional")


def test_every_open_violation_is_a_finding_of_its_environment() -> None:
    findings, _ = nag_report.parse(fixture_json("validation_report_open.json"))

    assert [(f.environment, f.rule, f.severity) for f in findings] == [
        ("prod", "AwsSolutions-COG1", "error"),
        ("prod", "AwsSolutions-COG8", "error"),
    ]
    assert findings[0].template == "prod/Cognito/Directory/UserPool/Resource"
    assert "acknowledge" in findings[0].message


def test_a_warning_is_a_finding_too() -> None:
    report = fixture_json("validation_report_open.json")
    report["pluginReports"][0]["violations"][0]["severity"] = "warning"

    findings, _ = nag_report.parse(report)

    assert findings[0].severity == "warning"


def test_a_pack_that_failed_without_violations_is_a_finding() -> None:
    report = {"pluginReports": [{"pluginName": "HIPAA.Security", "conclusion": "failure"}]}

    findings, _ = nag_report.parse(report)

    assert [f.rule for f in findings] == ["HIPAA.Security"]


def test_read_reports_a_missing_or_malformed_report_as_an_error(tmp_path: Path) -> None:
    assert "not found" in str(nag_report.read(tmp_path).error)
    (tmp_path / "validation-report.json").write_text(json.dumps({"title": "x"}))
    assert "pluginReports" in str(nag_report.read(tmp_path).error)


@pytest.mark.parametrize(
    ("path", "environment"),
    [("dev/Cognito/Directory/UserPool/Resource", "dev"), ("Resource", "(app)")],
)
def test_environment_of_a_construct_path(path: str, environment: str) -> None:
    assert nag_report.environment_of(path) == environment
