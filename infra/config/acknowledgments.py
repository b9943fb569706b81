"""Scanner findings an environment file accepts for the resources one of its keys creates.

A finding the kit cannot fix for every team (a grant wider than the kit's rules, a rule that
does not apply to a team's setting) is acknowledged here, with a reason, instead of in Python.
The rule names the scanner, in the form the scanner prints it:

- a cdk-nag rule (`AwsSolutions-IAM5`, any of the five packs): acknowledged at synth; the
  reason lands in `cdk.out/validation-report.json`;
- a checkov check (`CKV_AWS_111`): a `Metadata.checkov.skip` entry on each resource, which
  checkov itself honours;
- an AWS Control Tower proactive control (`CT.KMS.PR.3`) or a cfn-lint rule (`W3005`): the
  kit's own resource metadata, which `make validate` applies to the findings.

Whatever the tool, `make validate` lists the accepted finding with its reason and the file
that accepted it (docs/ci.md).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import Section
from infra.config.types import NonEmptyStr, Str

PACKS = ("AwsSolutions", "Serverless", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
MIN_REASON = 20

Tool = Literal["cdk-nag", "checkov", "control-tower", "cfn-lint"]
RULE_FORMS: dict[Tool, re.Pattern[str]] = {
    "cdk-nag": re.compile(
        r"^(AwsSolutions|Serverless|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-\w+$"
    ),
    "checkov": re.compile(r"^CKV2?_[A-Z0-9]+_\d+$"),
    "control-tower": re.compile(r"^CT\.[A-Z0-9]+\.PR\.\d+$"),
    "cfn-lint": re.compile(r"^[EWI]\d{4}$"),
}
RULE_EXAMPLES = (
    "a cdk-nag rule (AwsSolutions-IAM5), a checkov check (CKV_AWS_111), an AWS Control Tower "
    "control (CT.KMS.PR.3) or a cfn-lint rule (W3005)"
)


def tool_of(rule: str) -> Tool | None:
    """The scanner a rule id belongs to, from its form; None for no known form."""
    return next((tool for tool, form in RULE_FORMS.items() if form.match(rule)), None)


class AcknowledgmentConfig(Section):
    """One accepted scanner finding on the resources a config key creates."""

    key: NonEmptyStr = Field(
        description="The config key whose resources the finding is on, e.g. `identity_pool` or "
        "`user_pool.groups.Admins` (every resource below the key)."
    )
    rule: Str = Field(
        description="The rule as the scanner prints it: a cdk-nag rule (`AwsSolutions-IAM5`), "
        "a checkov check (`CKV_AWS_111`), an AWS Control Tower control (`CT.KMS.PR.3`) or a "
        "cfn-lint rule (`W3005`).",
    )
    finding: Str | None = Field(
        None,
        min_length=1,
        description="cdk-nag only: the finding id for rules that have one, e.g. "
        "`Resource::arn:aws:s3:::b/*`; default: every finding of the rule.",
    )
    reason: Str = Field(
        min_length=MIN_REASON,
        description="Why it is acceptable here (at least 20 characters); shown in the report.",
    )

    @field_validator("rule")
    @classmethod
    def _known_form(cls, rule: str) -> str:
        if tool_of(rule) is None:
            raise ValueError(f"has the wrong format: expected {RULE_EXAMPLES}")
        return rule

    @model_validator(mode="after")
    def _finding_for_nag_only(self) -> AcknowledgmentConfig:
        if self.finding is not None and self.tool != "cdk-nag":
            raise ValueError(
                f"finding applies to cdk-nag rules only; {self.rule} ({self.tool}) is accepted "
                "on every resource below the key: remove `finding`"
            )
        return self

    @property
    def tool(self) -> Tool:
        """The scanner the rule belongs to."""
        tool = tool_of(self.rule)
        assert tool is not None  # checked by `_known_form`
        return tool

    @property
    def pack(self) -> str:
        """The pack of a cdk-nag rule (`AwsSolutions` for `AwsSolutions-IAM5`)."""
        return next(p for p in PACKS if self.rule.startswith(f"{p}-"))

    @property
    def rule_id(self) -> str:
        """The cdk-nag rule without its pack (`IAM5`)."""
        return self.rule.removeprefix(f"{self.pack}-")
