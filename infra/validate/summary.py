"""Render a ValidationResult: log lines for the terminal, Markdown for the pull request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from infra.guard import Finding
from infra.guard.report import change_details
from infra.validate import cfn_lint, checkov, control_tower, nag_report
from infra.validate.findings import ScannerFinding, Suppression
from infra.validate.run import ValidationResult

GUARD = "guard"
_TOOLS = (cfn_lint.TOOL, checkov.TOOL, control_tower.TOOL, nag_report.TOOL)
_ACCEPTED = {nag_report.TOOL: "acknowledged", checkov.TOOL: "skipped"}
"""How each tool's accepted findings are called (default: accepted)."""
_ACCEPTED_TITLES = {
    nag_report.TOOL: "Acknowledged cdk-nag rules",
    checkov.TOOL: "Skipped checkov checks",
    control_tower.TOOL: "Accepted Control Tower controls",
    cfn_lint.TOOL: "Accepted cfn-lint rules",
}
_VERSION_NAMES = {control_tower.TOOL: "cfn-guard"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    alignment = align or "|".join("---" for _ in header)
    lines = ["| " + " | ".join(header) + " |", f"|{alignment}|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def verdict(result: ValidationResult) -> str:
    if result.tool_errors:
        return f"INCOMPLETE: {len(result.tool_errors)} tool(s) could not give a verdict"
    if result.finding_count:
        return f"FAILED: {result.finding_count} finding(s)"
    return "passed"


def counts_line(result: ValidationResult) -> str:
    """The one-line summary printed last."""
    guard = result.guard.result
    parts = [
        "guard: skipped (no baseline)"
        if result.guard.skipped
        else "guard: error"
        if guard is None
        else f"guard: {len(guard.blocking)} blocking, {len(guard.accepted)} accepted",
    ]
    for tool in _TOOLS:
        run = result.run(tool)
        if run is None:
            continue
        if run.error:
            parts.append(f"{tool}: error")
            continue
        text = f"{tool}: {len(run.findings)} open"
        if run.suppressions:
            text += f", {len(run.suppressions)} {_ACCEPTED.get(tool, 'accepted')}"
        parts.append(text)
    return f"validate: {verdict(result)}; " + "; ".join(parts)


def lines(result: ValidationResult) -> list[str]:
    """Findings, guard lines, tool errors, then the counts line."""
    output = [f.line() for f in result.findings]
    if result.guard.result is not None:
        output += result.guard.result.to_lines()
    output += [f"WARN {warning}" for warning in result.warnings]
    output += [f"ERROR {error}" for error in result.tool_errors]
    output.append(counts_line(result))
    return output


def _tool_versions(result: ValidationResult) -> str:
    names = []
    for tool in _TOOLS:
        run = result.run(tool)
        if run is not None:
            name = _VERSION_NAMES.get(tool, tool)
            names.append(f"{name} {run.version}" if run.version else name)
            if tool == control_tower.TOOL:
                names[-1] += " with the AWS Control Tower proactive controls"
    return ", ".join([*names, "replacement guard"])


def _baseline_text(result: ValidationResult) -> str:
    if result.baseline is None:
        return "no baseline: the replacement guard did not run"
    label = result.baseline_label or f"`{result.baseline}`"
    return f"baseline {label}"


def _env_row(result: ValidationResult, environment: str) -> list[object]:
    guard = result.guard.result
    summary = (
        next((e for e in guard.environments if e.environment == environment), None)
        if guard
        else None
    )

    def count(tool: str) -> int:
        return sum(f.environment == environment for f in result.findings if f.tool == tool)

    def suppressed(tool: str) -> int:
        return sum(s.environment == environment for s in result.suppressions if s.tool == tool)

    return [
        environment,
        summary.resources_added if summary else "-",
        summary.resources_changed if summary else "-",
        summary.resources_removed if summary else "-",
        f"{summary.blocking} / {summary.accepted}" if summary else "-",
        f"{count(cfn_lint.TOOL)} / {suppressed(cfn_lint.TOOL)}",
        f"{count(checkov.TOOL)} / {suppressed(checkov.TOOL)}",
        f"{count(control_tower.TOOL)} / {suppressed(control_tower.TOOL)}",
        f"{count(nag_report.TOOL)} / {suppressed(nag_report.TOOL)}",
    ]


def _guard_rows(findings: Iterable[Finding]) -> list[list[object]]:
    return [
        [
            "BLOCK" if f.blocking else f"accepted: {f.accepted_reason}",
            GUARD,
            f.kind.value,
            f"`{f.logical_id}` ({f.resource_type})",
            f"{f.property_path or '-'}: {f.consequence} -> {f.remedy}"
            + (
                f" **In config:** `{f.config_file}`: `{f.config_key}`: {f.config_fix}"
                if f.config_key
                else ""
            ),
        ]
        for f in findings
    ]


def _scanner_text(finding: ScannerFinding) -> str:
    text = f"{finding.message} ({finding.location})" if finding.location else finding.message
    if finding.fix:
        text += f" **Fix:** {finding.fix}"
    if finding.config_key:
        text += (
            f" **In config:** `{finding.config_key}`: change it, or accept the finding under "
            "`acknowledgments:` with a reason"
        )
    return text


def _scanner_rows(findings: Iterable[ScannerFinding]) -> list[list[object]]:
    return [
        [
            f"FAIL ({f.severity})" if f.severity else "FAIL",
            f.tool,
            f.rule,
            f"`{f.logical_id}` in {f.template}" if f.logical_id else f.template,
            _scanner_text(f),
        ]
        for f in findings
    ]


def _environment_section(result: ValidationResult, environment: str) -> list[str]:
    guard = result.guard.result
    guard_findings = [f for f in guard.findings if f.environment == environment] if guard else []
    scanner_findings = [f for f in result.findings if f.environment == environment]
    blocking = sum(f.blocking for f in guard_findings) + len(scanner_findings)
    out = [f"## {environment}: {'FAILED' if blocking else 'passed'}", ""]
    templates = sorted(t.stem for t in result.templates.values() if t.environment == environment)
    if templates:
        out += ["Templates: " + ", ".join(f"`{t}`" for t in templates), ""]
    if guard_findings or scanner_findings:
        out += _table(
            ["Status", "Tool", "Rule", "Resource", "Finding"],
            _guard_rows(guard_findings) + _scanner_rows(scanner_findings),
        )
    else:
        out.append("No findings.")
    out.append("")
    out += change_details(guard_findings)  # the part of a long value that changed
    for tool in (nag_report.TOOL, checkov.TOOL, control_tower.TOOL, cfn_lint.TOOL):
        accepted = [
            s for s in result.suppressions if s.environment == environment and s.tool == tool
        ]
        if accepted or tool == nag_report.TOOL:
            out += _suppression_block(f"{_ACCEPTED_TITLES[tool]} ({len(accepted)})", accepted)
    return out


def _suppression_block(title: str, suppressions: Sequence[Suppression]) -> list[str]:
    """A collapsed table: the audit trail is there for reviewers, without burying findings."""
    if not suppressions:
        return [f"**{title}**: none.", ""]
    rows = [[f"`{s.rule}`", f"`{s.target}`", s.reason] for s in suppressions]
    return [
        "<details>",
        f"<summary><b>{title}</b></summary>",
        "",
        *_table(["Rule", "On", "Reason"], rows),
        "",
        "</details>",
        "",
    ]


def markdown(result: ValidationResult) -> str:
    out = [f"# Template validation: {verdict(result)}", ""]
    out += [
        f"Candidate `{result.candidate}` against {_baseline_text(result)}. "
        f"Checks: {_tool_versions(result)}.",
        "",
    ]
    if result.tool_errors:
        out += ["## Tools that could not give a verdict", ""]
        out += [f"- {_cell(error)}" for error in result.tool_errors]
        out.append("")
    environments = result.environments
    if environments:
        out += _table(
            [
                "Environment",
                "Resources added",
                "Resources changed",
                "Resources removed",
                "Guard blocking / accepted",
                "cfn-lint open / accepted",
                "checkov failed / skipped",
                "Control Tower failed / accepted",
                "cdk-nag open / acknowledged",
            ],
            (_env_row(result, environment) for environment in environments),
            align="---|---:|---:|---:|---:|---:|---:|---:|---:",
        )
        out.append("")
    for environment in environments:
        out += _environment_section(result, environment)
    guard = result.guard.result
    unused_risks = guard.unused_accepted if guard is not None else ()
    if unused_risks or result.warnings:
        out += ["## Warnings", ""]
        out += [
            f"- unused accepted risk {_cell(risk.describe())}: delete the entry once its "
            "change has shipped"
            for risk in unused_risks
        ]
        out += [f"- unused acknowledgment: {_cell(warning)}" for warning in result.warnings]
        out.append("")
    notes = [f"{run.tool}: {note}" for run in result.runs for note in run.notes]
    out += [f"`{counts_line(result)}`", ""]
    if notes:
        out += [f"<sub>{_cell('; '.join(notes))}</sub>", ""]
    return "\n".join(out)
