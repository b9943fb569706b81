"""What the templates themselves say about their resources: the config key that made each one,
and the findings accepted on it (infra/acknowledged.py), applied to the scanners' findings.

cfn-lint and Control Tower findings that a resource's `cognito-kit:acknowledged` metadata
accepts (same tool, same rule) move from the findings to the suppressions, with the recorded
reason. checkov applies its own skips (`Metadata.checkov.skip`) and cdk-nag its own
acknowledgments; for every tool, an environment file's acknowledgment that accepted nothing
is reported as a warning, so a stale entry is noticed and deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from infra.acknowledged import Acknowledged, read
from infra.provenance import CONFIG_KEY_METADATA
from infra.validate.assembly import StackTemplate
from infra.validate.findings import ScannerFinding, Suppression, ToolRun

APPLIED_HERE = ("cfn-lint", "control-tower")
"""The tools whose acknowledgments `make validate` applies (checkov and cdk-nag apply theirs)."""


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    config_key: str
    acknowledged: tuple[Acknowledged, ...]


Facts = Mapping[tuple[str, str, str], ResourceFacts]
"""By (environment, template stem, logical id)."""


def facts(templates: Mapping[str, StackTemplate], loaded: Mapping[str, Any]) -> Facts:
    """The config key and the acknowledgments of every resource of every template."""
    found: dict[tuple[str, str, str], ResourceFacts] = {}
    for key, stack in templates.items():
        resources = (
            loaded.get(key, {}).get("Resources") if isinstance(loaded.get(key), Mapping) else None
        )
        for logical_id, resource in (resources or {}).items():
            if not isinstance(resource, Mapping):
                continue
            metadata = resource.get("Metadata")
            config_key = (
                metadata.get(CONFIG_KEY_METADATA) if isinstance(metadata, Mapping) else None
            )
            found[(stack.environment, stack.stem, str(logical_id))] = ResourceFacts(
                config_key if isinstance(config_key, str) else "", tuple(read(resource))
            )
    return found


def _facts_of(finding: ScannerFinding, known: Facts) -> ResourceFacts | None:
    if finding.logical_id is None:
        return None
    return known.get((finding.environment, finding.template, finding.logical_id))


def apply(run: ToolRun, known: Facts) -> ToolRun:
    """Name the config key of every finding and, for the tools in APPLIED_HERE, accept what the
    resource's metadata accepts."""
    findings: list[ScannerFinding] = []
    suppressions = list(run.suppressions)
    for finding in run.findings:
        resource = _facts_of(finding, known)
        if resource is None:
            findings.append(finding)
            continue
        accepting = next(
            (
                a
                for a in resource.acknowledged
                if run.tool in APPLIED_HERE and a.tool == run.tool and a.rule == finding.rule
            ),
            None,
        )
        if accepting is None:
            findings.append(replace(finding, config_key=resource.config_key))
            continue
        suppressions.append(
            Suppression(
                tool=run.tool,
                environment=finding.environment,
                rule=finding.rule,
                target=finding.logical_id or finding.template,
                reason=accepting.reason,
            )
        )
    return replace(run, findings=tuple(findings), suppressions=tuple(suppressions))


def unused(runs: Iterable[ToolRun], known: Facts) -> tuple[str, ...]:
    """An environment file's acknowledgments that accepted no finding of a tool that ran."""
    ran = {run.tool: run for run in runs if run.error is None}
    used = {
        (s.tool, s.environment, s.rule, s.reason) for run in ran.values() for s in run.suppressions
    }
    warnings: dict[tuple[str, str, str, str], str] = {}
    for (environment, _, _), resource in known.items():
        for entry in resource.acknowledged:
            if entry.source is None or entry.tool not in ran:
                continue
            key = (entry.tool, environment, entry.rule, entry.reason)
            if key not in used:
                warnings[key] = (
                    f"{environment}: {entry.source} ({entry.rule}, {entry.tool}) accepted no "
                    "finding: delete it, or check its key and rule"
                )
    return tuple(warnings[key] for key in sorted(warnings))
