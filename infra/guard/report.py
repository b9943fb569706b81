"""Render a GuardResult: one line per finding for logs, Markdown for a CI summary.

Values are shown whole; where they are long, a key-level diff below the finding shows the part
that changed (a changed `MaxLength` at the end of a schema attribute is easy to miss).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.guard.findings import Finding, FindingKind
from infra.guard.values import is_long, value_diff

if TYPE_CHECKING:
    from infra.guard.compare import GuardResult

_KIND_ORDER = {kind: position for position, kind in enumerate(FindingKind)}


def _order(finding: Finding) -> tuple[bool, str, int, str]:
    """Blocking first; per template the root causes (removed ids) before their consequences."""
    return (finding.accepted, finding.location, _KIND_ORDER[finding.kind], finding.logical_id)


def finding_line(finding: Finding) -> str:
    """`BLOCK|ACCEPTED <env>/<stem> <LogicalId> <Type> <property or -> : <what> -> <instead>`."""
    status = "BLOCK" if finding.blocking else "ACCEPTED"
    line = (
        f"{status} {finding.location} {finding.logical_id} {finding.resource_type} "
        f"{finding.property_path or '-'} : {finding.consequence} -> {finding.remedy}"
    )
    if finding.config_key is not None:
        line += f" [config: {finding.config_file}: {finding.config_key}: {finding.config_fix}]"
    if finding.accepted_reason is not None:
        line += f" [accepted: {finding.accepted_reason}]"
    return line


def change_diff(finding: Finding) -> list[str]:
    """`- key: old` / `+ key: new` lines for a finding about a long value; [] otherwise."""
    change = finding.change
    if change is None or not is_long(change.before, change.after):
        return []
    return value_diff(change.before, change.after)


def change_details(findings: list[Finding]) -> list[str]:
    """Markdown: per finding about a long value, its key-level diff in a `diff` block."""
    out: list[str] = []
    for finding in findings:
        diff = change_diff(finding)
        if not diff:
            continue
        where = f"{finding.location} `{finding.logical_id}` {finding.property_path or ''}"
        out += [f"**{where.strip()}** changes:", "", "```diff", *diff, "```", ""]
    return out


def summary_line(result: GuardResult) -> str:
    templates = result.templates
    verdict = "PASSED" if result.passed else "FAILED"
    return (
        f"guard: {verdict}: {len(result.blocking)} blocking, {len(result.accepted)} accepted; "
        f"templates: {sum(t.status == 'compared' for t in templates)} compared, "
        f"{sum(t.status == 'added' for t in templates)} added, "
        f"{sum(t.status == 'removed' for t in templates)} removed; "
        f"resources: {sum(t.resources_added for t in templates)} added, "
        f"{sum(t.resources_changed for t in templates)} changed, "
        f"{sum(t.resources_removed for t in templates)} removed"
    )


def _unused_notes(result: GuardResult) -> list[str]:
    environments = {t.environment for t in result.templates}
    notes = []
    for risk in result.unused_accepted:
        hint = (
            "no finding matches it; delete the entry once its change has shipped"
            if risk.environment in environments
            else f"environment {risk.environment} was not among the compared templates"
        )
        notes.append(f"unused accepted risk {risk.describe()}: {hint}")
    return notes


def lines(result: GuardResult) -> list[str]:
    """Findings (blocking first), new templates, warnings, then the summary line."""
    ordered = sorted(result.findings, key=_order)
    output = [line for f in ordered for line in [finding_line(f), *_indented(change_diff(f))]]
    output += [
        f"ADDED {t.environment}/{t.template} : new template, {t.resources_added} resource(s)"
        for t in result.templates
        if t.status == "added"
    ]
    output += [f"WARN {note}" for note in _unused_notes(result)]
    output.append(summary_line(result))
    return output


def _indented(diff: list[str]) -> list[str]:
    return [f"    {line}" for line in diff]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(result: GuardResult) -> str:
    """A Markdown section for a pull request or CI job summary."""
    verdict = "passed" if result.passed else f"FAILED: {len(result.blocking)} blocking finding(s)"
    out = [f"## Replacement guard: {verdict}", ""]
    out += [
        "| Environment | Templates compared | New templates | Removed templates "
        "| Resources added | Resources changed | Resources removed | Blocking | Accepted |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for env in result.environments:
        out.append(
            f"| {_cell(env.environment)} | {env.templates_compared} | {env.templates_added} "
            f"| {env.templates_removed} | {env.resources_added} | {env.resources_changed} "
            f"| {env.resources_removed} | {env.blocking} | {env.accepted} |"
        )
    if not result.environments:
        out.append("| (no templates) | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |")
    if result.findings:
        ordered = sorted(result.findings, key=_order)
        out += [
            "",
            "### Findings",
            "",
            "| Status | Config | Template | Logical id | Type | Property | What will happen "
            "| What to do instead |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in ordered:
            status = "BLOCK" if f.blocking else f"ACCEPTED: {f.accepted_reason}"
            config = f"`{f.config_file}`: `{f.config_key}`: {f.config_fix}" if f.config_key else "-"
            out.append(
                f"| {_cell(status)} | {_cell(config)} | {_cell(f.location)} | `{f.logical_id}` "
                f"| {_cell(f.resource_type)} | {_cell(f.property_path or '-')} "
                f"| {_cell(f.consequence)} | {_cell(f.remedy)} |"
            )
        details = change_details(ordered)
        if details:
            out += ["", "### What changed", "", *details[:-1]]
    notes = _unused_notes(result)
    if notes:
        out += ["", "### Warnings", ""] + [f"- {_cell(note)}" for note in notes]
    out += ["", f"`{summary_line(result)}`", ""]
    return "\n".join(out)
