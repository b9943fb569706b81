"""cdk-nag findings an environment file accepts for the resources one of its keys creates.

A finding the kit cannot fix for every team (a grant wider than the kit's rules, a pack rule
that does not apply to a team's setting) is acknowledged here, with a reason, instead of in
Python. The reason lands in `cdk.out/validation-report.json` and the validation summary,
naming the file it came from: the audit trail of every exception.
"""

from __future__ import annotations

from pydantic import Field

from infra.config.model_base import Section
from infra.config.types import NonEmptyStr, Str

PACKS = ("AwsSolutions", "Serverless", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
RULE_PATTERN = r"^(AwsSolutions|Serverless|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-\w+$"
MIN_REASON = 20


class AcknowledgmentConfig(Section):
    """One accepted cdk-nag finding on the resources a config key creates."""

    key: NonEmptyStr = Field(
        description="The config key whose resources the finding is on, e.g. `identity_pool` or "
        "`user_pool.groups.Admins` (every resource below the key)."
    )
    rule: Str = Field(
        pattern=RULE_PATTERN,
        description="The rule as cdk-nag prints it, e.g. `AwsSolutions-IAM5`.",
    )
    finding: Str | None = Field(
        None,
        min_length=1,
        description="The finding id for rules that have one, e.g. `Resource::arn:aws:s3:::b/*`; "
        "default: every finding of the rule.",
    )
    reason: Str = Field(
        min_length=MIN_REASON,
        description="Why it is acceptable here (at least 20 characters); shown in the report.",
    )

    @property
    def pack(self) -> str:
        """The pack of the rule (`AwsSolutions` for `AwsSolutions-IAM5`)."""
        return next(p for p in PACKS if self.rule.startswith(f"{p}-"))

    @property
    def rule_id(self) -> str:
        """The rule without its pack (`IAM5`)."""
        return self.rule.removeprefix(f"{self.pack}-")
