"""cdk-nag's verdict, read from `cdk.out/validation-report.json` (the CDK policy-validation report).

The CLI turns `@aws-cdk/core:failSynthOnValidationErrors` off, so aws-cdk-lib would only write
the report; app.py turns it back on, and synth stops on an open finding. The report is read
anyway: a synth made another way (another app, a hand-made cloud assembly) still fails here on
every open violation (any severity) and every plugin that failed. Acknowledged rules are
counted per environment with their reasons: the audit trail shown in the summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from infra.validate.findings import APP_LEVEL, ScannerFinding, Suppression, ToolRun

TOOL = "cdk-nag"
REPORT_NAME = "validation-report.json"


class ReportError(ValueError):
    """The report is missing or not the CDK validation-report format."""


def environment_of(construct_path: str) -> str:
    """`dev/Cognito/Directory/UserPool/Resource` -> `dev`: each environment is one Stage."""
    stage, separator, _ = construct_path.partition("/")
    return stage if separator and stage else APP_LEVEL


def _constructs(violation: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(construct path, logical id) of every resource a violation names."""
    for construct in violation.get("violatingConstructs") or []:
        if isinstance(construct, Mapping):
            yield str(construct.get("constructPath", "?")), None
    for resource in violation.get("violatingResources") or []:
        if isinstance(resource, Mapping):
            path = resource.get("constructPath") or resource.get("templatePath") or "?"
            yield str(path), resource.get("resourceLogicalId")


def parse(data: Any) -> tuple[tuple[ScannerFinding, ...], tuple[Suppression, ...]]:
    if not isinstance(data, Mapping) or not isinstance(data.get("pluginReports"), list):
        raise ReportError("not a CDK validation report (no pluginReports list)")
    findings: list[ScannerFinding] = []
    suppressions: list[Suppression] = []
    for plugin in data["pluginReports"]:
        if not isinstance(plugin, Mapping):
            raise ReportError(f"unexpected plugin report: {plugin!r}")
        pack = str(plugin.get("pluginName", "?"))
        violations = [v for v in plugin.get("violations") or [] if isinstance(v, Mapping)]
        for violation in violations:
            rule = str(violation.get("ruleName", "?"))
            named = list(_constructs(violation)) or [("?", None)]
            for construct_path, logical_id in named:
                findings.append(
                    ScannerFinding(
                        tool=TOOL,
                        environment=environment_of(construct_path),
                        template=construct_path,
                        logical_id=str(logical_id) if logical_id else None,
                        rule=rule,
                        severity=str(violation.get("severity", "error")),
                        message=(
                            f"{violation.get('description', '')} ({pack}); fix it, or acknowledge "
                            f"with infra.nag.acknowledge and a reason"
                        ),
                    )
                )
        if plugin.get("conclusion") == "failure" and not violations:
            findings.append(
                ScannerFinding(
                    tool=TOOL,
                    environment=APP_LEVEL,
                    template="(app)",
                    logical_id=None,
                    rule=pack,
                    severity="error",
                    message=f"the {pack} pack reported failure without naming a violation",
                )
            )
        for suppressed in plugin.get("suppressedViolations") or []:
            if not isinstance(suppressed, Mapping):
                continue
            reason = str(suppressed.get("reason", "")).strip() or "(no reason given)"
            targets = [path for path, _ in _constructs(suppressed)]
            if not targets:
                targets = [str(suppressed.get("acknowledgedAt", "?"))]
            for construct_path in targets:
                suppressions.append(
                    Suppression(
                        tool=TOOL,
                        environment=environment_of(construct_path),
                        rule=str(suppressed.get("ruleName", suppressed.get("acknowledgedId", "?"))),
                        target=construct_path.removesuffix("/Resource"),
                        reason=reason,
                    )
                )
    return tuple(findings), tuple(suppressions)


def version() -> str | None:
    try:
        return metadata.version("cdk-nag")
    except metadata.PackageNotFoundError:
        return None


def read(candidate: Path) -> ToolRun:
    path = candidate / REPORT_NAME
    if not path.is_file():
        return ToolRun(
            TOOL,
            version(),
            error=(
                f"{path} not found: synth did not run the cdk-nag packs "
                "(app.py registers them; synthesize with `cdk synth -c env=all`)"
            ),
        )
    try:
        findings, suppressions = parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ReportError) as error:
        return ToolRun(TOOL, version(), error=f"{path}: {error}")
    return ToolRun(TOOL, version(), findings=findings, suppressions=suppressions)
