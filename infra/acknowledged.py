"""Accepted scanner findings recorded in a resource's `Metadata`, for `make validate`.

cdk-nag keeps its acknowledgments in `cdk.out/validation-report.json` and checkov reads its
skips from `Metadata.checkov.skip`. cfn-lint and AWS Control Tower's guard rules have no place
for a reason (Control Tower's hooks honour no suppression at all), so the kit records every
acknowledgment it or an environment file makes in `Metadata.cognito-kit:acknowledged`:

    "cognito-kit:acknowledged": [
      {"tool": "control-tower", "rule": "CT.LAMBDA.PR.3", "reason": "dev: the pre_sign_up ..."},
      {"tool": "cfn-lint", "rule": "W3005", "reason": "...",
       "source": "infra/environments/dev.yaml: acknowledgments[0]"}
    ]

`make validate` (infra/validate) accepts a finding of that tool and rule on that resource with
that reason, and warns about an environment file's acknowledgment that accepted nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # infra.validate reads these names without starting the CDK's Node.js runtime
    import aws_cdk as cdk

ACKNOWLEDGED_METADATA = "cognito-kit:acknowledged"
MIN_REASON = 20


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """One accepted finding: the tool, its rule id as the tool prints it, and why."""

    tool: str
    rule: str
    reason: str
    source: str | None = None
    """`infra/environments/dev.yaml: acknowledgments[0]` for an environment file's entry; None
    for the kit's own decisions."""


def record(
    resource: cdk.CfnResource, tool: str, rule: str, *, reason: str, source: str | None = None
) -> None:
    """Add one acknowledgment to `resource`'s metadata (once: a repeat is ignored)."""
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"acknowledgment of {tool} {rule} needs a specific reason")
    entry = {"tool": tool, "rule": rule, "reason": reason}
    if source is not None:
        entry["source"] = source
    existing = list(resource.get_metadata(ACKNOWLEDGED_METADATA) or [])
    if entry not in existing:
        resource.add_metadata(ACKNOWLEDGED_METADATA, [*existing, entry])


def read(resource: Mapping[str, Any]) -> Iterator[Acknowledged]:
    """The acknowledgments of one template resource (its JSON); malformed entries are skipped."""
    metadata = resource.get("Metadata")
    entries = metadata.get(ACKNOWLEDGED_METADATA) if isinstance(metadata, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and all(
            isinstance(entry.get(name), str) for name in ("tool", "rule", "reason")
        ):
            source = entry.get("source")
            yield Acknowledged(
                str(entry["tool"]),
                str(entry["rule"]),
                str(entry["reason"]),
                str(source) if isinstance(source, str) else None,
            )
