"""Compare baseline and candidate templates: the guard's Python API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.guard import report
from infra.guard.accepted_risks import AcceptedRisk
from infra.guard.config_keys import environment_of, locate
from infra.guard.findings import EnvironmentSummary, Finding, TemplateChange
from infra.guard.rules import (
    Site,
    check_pair,
    probable_rename,
    relying_party_changed,
    removed,
    tier_lowered,
)
from infra.guard.stateful import is_stateful
from infra.guard.switches import PRODUCTION, switches
from infra.guard.templates import Resource, parse_resources
from infra.guard.values import normalize

_COMPARED_ATTRIBUTES = (
    "Type",
    "Properties",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Condition",
    "CreationPolicy",
    "UpdatePolicy",
)
"""What makes a resource "changed" in the summary; Metadata and DependsOn do not."""


@dataclass(frozen=True, slots=True)
class GuardResult:
    findings: tuple[Finding, ...]
    templates: tuple[TemplateChange, ...]
    unused_accepted: tuple[AcceptedRisk, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    @property
    def accepted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted)

    @property
    def passed(self) -> bool:
        return not self.blocking

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def environments(self) -> tuple[EnvironmentSummary, ...]:
        """Per environment: template and resource counts and findings, sorted by name."""
        names = sorted({t.environment for t in self.templates})
        summaries = []
        for name in names:
            changes = [t for t in self.templates if t.environment == name]
            findings = [f for f in self.findings if f.environment == name]
            summaries.append(
                EnvironmentSummary(
                    environment=name,
                    templates_compared=sum(t.status == "compared" for t in changes),
                    templates_added=sum(t.status == "added" for t in changes),
                    templates_removed=sum(t.status == "removed" for t in changes),
                    resources_added=sum(t.resources_added for t in changes),
                    resources_changed=sum(t.resources_changed for t in changes),
                    resources_removed=sum(t.resources_removed for t in changes),
                    blocking=sum(f.blocking for f in findings),
                    accepted=sum(f.accepted for f in findings),
                )
            )
        return tuple(summaries)

    def to_lines(self) -> list[str]:
        return report.lines(self)

    def to_markdown(self) -> str:
        return report.markdown(self)


def split_key(key: str) -> tuple[str, str]:
    """`"dev/devCognito7ACE1F46"` -> ("dev", "devCognito7ACE1F46"); a bare stem is its own env."""
    environment, _, stem = key.rpartition("/")
    return (environment or stem, stem)


def _changed(old: Resource, new: Resource) -> bool:
    return any(
        normalize(old.raw.get(name)) != normalize(new.raw.get(name))
        for name in _COMPARED_ATTRIBUTES
    )


def compare(
    baseline: Mapping[str, Any],
    candidate: Mapping[str, Any],
    accepted: Sequence[AcceptedRisk] = (),
) -> GuardResult:
    """Compare templates (parsed JSON) keyed by `"<environment>/<template stem>"`.

    Keys present on both sides are compared; a key only in the candidate is a new template
    (passes); a key only in the baseline removes every resource in it. A bare key without
    `/` is both environment and stem. Raises GuardInputError for a malformed template.
    """
    parsed_baseline = {key: parse_resources(t, f"baseline {key}") for key, t in baseline.items()}
    parsed_candidate = {key: parse_resources(t, f"candidate {key}") for key, t in candidate.items()}

    added_by_environment: dict[str, list[tuple[str, Resource]]] = {}
    for key, resources in parsed_candidate.items():
        environment, stem = split_key(key)
        known = parsed_baseline.get(key, {})
        added_by_environment.setdefault(environment, []).extend(
            (stem, resource)
            for logical_id, resource in resources.items()
            if logical_id not in known
        )

    findings: list[Finding] = []
    templates: list[TemplateChange] = []
    for key in sorted(set(parsed_baseline) | set(parsed_candidate)):
        environment, stem = split_key(key)
        site = Site(environment, stem)
        old_resources = parsed_baseline.get(key)
        new_resources = parsed_candidate.get(key)
        before = old_resources or {}
        after = new_resources or {}
        renames: dict[str, str] = {}
        site_findings: list[Finding] = []
        for logical_id, old in before.items():
            if logical_id in after or not is_stateful(old.type):
                continue
            candidates = added_by_environment.get(environment, [])
            rename = probable_rename(old, candidates, same_template=stem)
            site_findings.append(removed(site, old, rename))
            if rename and "/" not in rename:
                renames[logical_id] = rename
        old_template, new_template = baseline.get(key), candidate.get(key)
        tier = environment_of(new_template).get("tier") or environment_of(old_template).get("tier")
        tiers = {environment_of(t).get("tier") for t in (old_template, new_template)}
        switch_tier = PRODUCTION if PRODUCTION in tiers else None
        for logical_id, old in before.items():
            if logical_id in after:
                site_findings.extend(check_pair(site, old, after[logical_id], renames))
                site_findings.extend(relying_party_changed(site, old, after[logical_id], tier))
                site_findings.extend(switches(site, old, after[logical_id], switch_tier))
        if old_resources is not None and new_resources is not None:
            site_findings += tier_lowered(
                site,
                environment_of(old_template).get("tier"),
                environment_of(new_template).get("tier"),
            )
        findings += [locate(f, old_template, new_template) for f in site_findings]
        status = (
            "added" if old_resources is None else "removed" if new_resources is None else "compared"
        )
        templates.append(
            TemplateChange(
                environment=environment,
                template=stem,
                status=status,
                resources_added=sum(i not in before for i in after),
                resources_changed=sum(_changed(before[i], after[i]) for i in after if i in before),
                resources_removed=sum(i not in after for i in before),
            )
        )

    decided: list[Finding] = []
    used: set[int] = set()
    for finding in findings:
        match = next((i for i, risk in enumerate(accepted) if risk.matches(finding)), None)
        if match is None:
            decided.append(finding)
        else:
            used.add(match)
            decided.append(finding.accept(accepted[match].reason))
    unused = tuple(risk for i, risk in enumerate(accepted) if i not in used)
    return GuardResult(tuple(decided), tuple(templates), unused)
