"""Replacement guard: block template changes that replace or delete stateful resources.

Compares synthesized CloudFormation templates before and after a change and reports:
a stateful resource whose logical id disappears (`removed`), a changed createOnlyProperties
value (`create-only-change`), a user pool setting Cognito refuses to update
(`immutable-pool-setting`) and weakened deletion protection (`protection-weakened`).
See docs/guard.md.
"""

from infra.guard.accepted_risks import AcceptedRisk, load_accepted_risks, parse_accepted_risks
from infra.guard.compare import GuardResult, compare
from infra.guard.errors import GuardInputError
from infra.guard.findings import EnvironmentSummary, Finding, FindingKind, TemplateChange
from infra.guard.schemas import create_only_properties

__all__ = [
    "AcceptedRisk",
    "EnvironmentSummary",
    "Finding",
    "FindingKind",
    "GuardInputError",
    "GuardResult",
    "TemplateChange",
    "compare",
    "create_only_properties",
    "load_accepted_risks",
    "parse_accepted_risks",
]
