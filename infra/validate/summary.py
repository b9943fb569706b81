"""Render a ValidationResult: log lines for the terminal, Markdown for the pull request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from infra.guard import Finding
from infra.guard.report import change_details
from infra.validate import cfn_lint, checkov, nag_report
from infra.validate.findings import ScannerFinding, Suppression
from infra.validate.run import ValidationResult

GUARD = "guard"
_TOOLS = (cfn_lint.TOOL, checkov.TOOL, nag_report.TOOL)


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
            noun = "acknowledged" if tool == nag_report.TOOL else "skipped"
            text += f", {len(run.suppressions)} {noun}"
        parts.append(text)
    return f"validate: {verdict(result)}; " + "; ".join(parts)


def lines(result: ValidationResult) -> list[str]:
    """Findings, guard lines, tool errors, then the counts line."""
    output = [f.line() for f in result.findings]
    if result.guard.result is not None:
        output += result.guard.result.to_lines()
    output += [f"ERROR {error}" for error in result.tool_errors]
    output.append(counts_line(result))
    return output


def _tool_versions(result: ValidationResult) -> str:
    names = []
    for tool in _TOOLS:
        run = result.run(tool)
        if run is not None:
            names.append(f"{tool} {run.version}" if run.version else tool)
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
        count(cfn_lint.TOOL),
        f"{count(checkov.TOOL)} / {suppressed(checkov.TOOL)}",
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


def _scanner_rows(findings: Iterable[ScannerFinding]) -> list[list[object]]:
    return [
        [
            f"FAIL ({f.severity})" if f.severity else "FAIL",
            f.tool,
            f.rule,
            f"`{f.logical_id}` in {f.template}" if f.logical_id else f.template,
            f"{f.message} ({f.location})" if f.location else f.message,
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
    acknowledged = [
        s for s in result.suppressions if s.environment == environment and s.tool == nag_report.TOOL
    ]
    out += _suppression_block(f"Acknowledged cdk-nag rules ({len(acknowledged)})", acknowledged)
    skipped = [
        s for s in result.suppressions if s.environment == environment and s.tool == checkov.TOOL
    ]
    if skipped:
        out += _suppression_block(f"Skipped checkov checks ({len(skipped)})", skipped)
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
                "cfn-lint findings",
                "checkov failed / skipped",
                "cdk-nag open / acknowledged",
            ],
            (_env_row(result, environment) for environment in environments),
            align="---|---:|---:|---:|---:|---:|---:|---:",
        )
        out.append("")
    for environment in environments:
        out += _environment_section(result, environment)
    guard = result.guard.result
    if guard is not None and guard.unused_accepted:
        out += ["## Warnings", ""]
        out += [
            f"- unused accepted risk {_cell(risk.describe())}: delete the entry once its "
            "change has shipped"
            for risk in guard.unused_accepted
        ]
        out.append("")
    notes = [f"{run.tool}: {note}" for run in result.runs for note in run.notes]
    out += [f"`{counts_line(result)}`", ""]
    if notes:
        out += [f"<sub>{_cell('; '.join(notes))}</sub>", ""]
    return "\n".join(out)
