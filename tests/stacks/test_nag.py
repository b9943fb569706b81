"""cdk-nag: all five packs run on every environment and leave no open finding.

The session assembly is synthesized with the packs registered exactly as app.py registers them,
so a finding without an acknowledgment would already have failed the fixture.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from infra.nag import nag_packs
from tests.conftest import KIT_ENVIRONMENTS, Assembly

PACKS = ("AwsSolutions", "Serverless", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")


def acknowledged(assembly: Assembly) -> dict[str, set[tuple[str, str]]]:
    """(rule, construct path) pairs acknowledged in the validation report, per environment."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for plugin in assembly.validation_report()["pluginReports"]:
        for violation in plugin.get("suppressedViolations", []):
            for construct in violation["violatingConstructs"]:
                environment = construct["constructPath"].split("/")[0]
                found[environment].add((violation["ruleName"], construct["constructPath"]))
    return found


def test_the_project_runs_all_five_packs() -> None:
    assert [pack.read_pack_name for pack in nag_packs()] == list(PACKS)


def test_validation_report_has_no_open_finding(assembly: Assembly) -> None:
    for plugin in assembly.validation_report()["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]
        assert plugin["conclusion"] == "success", plugin["pluginName"]


@pytest.mark.parametrize("name", KIT_ENVIRONMENTS)
def test_every_pack_finding_is_acknowledged(assembly: Assembly, name: str) -> None:
    # validate_scope ignores acknowledgments: it shows what each pack really finds.
    acknowledged_here = acknowledged(assembly)[name]
    for pack in nag_packs():
        report = pack.validate_scope(assembly.stages[name])
        for violation in report.violations:
            for resource in violation.violating_resources:
                path = resource.construct_path or ""
                # Findings land on the L1 resource; acknowledgments are made on its L2 parent.
                assert (violation.rule_name, path) in acknowledged_here, (
                    f"{pack.read_pack_name} {violation.rule_name} at {path} is not acknowledged"
                )


def test_acknowledgments_are_qualified_and_name_their_environment(assembly: Assembly) -> None:
    report = assembly.validation_report()
    suppressed = [v for p in report["pluginReports"] for v in p.get("suppressedViolations", [])]
    assert suppressed, "the dev and staging relaxations should appear as acknowledgments"
    for violation in suppressed:
        pack = violation["acknowledgedId"].split("::")[0]
        assert pack in PACKS, violation["acknowledgedId"]
        assert violation["acknowledgedId"].startswith(f"{pack}::{violation['ruleName']}")
        environment = violation["acknowledgedAt"].split("/")[0]
        assert violation["reason"].startswith(f"{environment}: "), violation["reason"]
        assert len(violation["reason"]) > 40, violation["reason"]


def test_prod_needs_no_acknowledgment_for_mfa_or_feature_plan(assembly: Assembly) -> None:
    rules = {rule for rule, _ in acknowledged(assembly)["strict"]}
    assert "AwsSolutions-COG2" not in rules
    assert "AwsSolutions-COG8" not in rules


@pytest.mark.parametrize("name", ["showcase", "relaxed"])
def test_relaxed_environments_acknowledge_cog2_and_cog8_with_their_reason(
    assembly: Assembly, name: str
) -> None:
    rules = {rule for rule, _ in acknowledged(assembly)[name]}
    assert {"AwsSolutions-COG2", "AwsSolutions-COG8"} <= rules
