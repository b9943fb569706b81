"""cdk-nag 3 wiring: the five packs, and the one way this project acknowledges a scanner finding.

An acknowledgment uses the qualified ``Pack::RuleId[finding]`` form: it is what cdk-nag
matches, and it lands in ``cdk.out/validation-report.json`` with its reason (the audit trail).
The bare form is skipped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NagPack,
    NIST80053R5Checks,
    PCIDSS321Checks,
    ServerlessChecks,
)
from constructs import IConstruct

from infra import acknowledged

CHECKOV_METADATA = "checkov"
CONTROL_TOWER = "control-tower"
CFN_LINT = "cfn-lint"
CHECKOV = "checkov"

Pack = Literal["AwsSolutions", "Serverless", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"]


def nag_packs(scope: IConstruct | None = None) -> list[NagPack]:
    """One instance of each pack this project runs, in report order."""
    return [
        AwsSolutionsChecks(scope),
        ServerlessChecks(scope),
        NIST80053R5Checks(scope),
        HIPAASecurityChecks(scope),
        PCIDSS321Checks(scope),
    ]


def register_nag_packs(app: cdk.App) -> None:
    """Run every pack at synth; any unacknowledged finding makes synth fail."""
    cdk.Validations.of(app).add_plugins(*nag_packs(app))


def acknowledge(
    construct: IConstruct, pack: Pack, rule_id: str, *, reason: str, finding: str | None = None
) -> None:
    """Acknowledge one finding on `construct` with a reason specific to it and its environment.

    `rule_id` is the id without its pack prefix (``COG2``); the acknowledgment id becomes
    ``AwsSolutions::AwsSolutions-COG2[finding]``, the form the failure message prints.
    """
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgment of {pack}::{rule_id} needs a specific reason")
    qualified = f"{pack}::{pack}-{rule_id}" + (f"[{finding}]" if finding else "")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=qualified, reason=reason))


def skip_checkov(resource: cdk.CfnResource, check_id: str, *, reason: str) -> None:
    """Skip one checkov check on one resource, with its reason, in the resource's Metadata.

    checkov reads ``Metadata.checkov.skip`` from the synthesized template; `make validate`
    lists every skip and its reason in the validation summary.
    """
    if len(reason.strip()) < 20:
        raise ValueError(f"skip of {check_id} needs a specific reason")
    existing = resource.get_metadata(CHECKOV_METADATA) or {"skip": []}
    skips = [*existing["skip"], {"id": check_id, "comment": reason}]
    resource.add_metadata(CHECKOV_METADATA, {"skip": skips})


def acknowledge_control(resource: cdk.CfnResource, control_id: str, *, reason: str) -> None:
    """Accept one AWS Control Tower proactive control (`CT.LAMBDA.PR.3`) on one resource, with its
    reason, for `make validate`. A Control Tower hook honours no suppression: an organisation
    that turns the control on for the account's OU still refuses the resource (docs/ci.md)."""
    acknowledged.record(resource, CONTROL_TOWER, control_id, reason=reason)


def acknowledge_finding(
    resource: cdk.CfnResource, tool: str, rule: str, *, reason: str, source: str
) -> None:
    """Accept a checkov, Control Tower or cfn-lint finding on one resource for an environment
    file's `acknowledgments:` entry (`source`): a checkov skip checkov honours itself, and for
    every tool the kit's record that `make validate` reads (infra/acknowledged.py)."""
    if tool == CHECKOV:
        skip_checkov(resource, rule, reason=reason)
    acknowledged.record(resource, tool, rule, reason=reason, source=source)


# The Lambda rules that do not fit a function invoked synchronously (by Cognito or API
# Gateway), by pack; and the same decisions as checkov names them.
SYNCHRONOUS_FUNCTION_RULES: dict[str, tuple[Pack, ...]] = {
    "LambdaDLQ": ("Serverless", "NIST.800.53.R5", "HIPAA.Security"),
    "LambdaInsideVPC": ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"),
    "LambdaConcurrency": ("NIST.800.53.R5", "HIPAA.Security"),
    "LambdaTracing": ("Serverless",),
}
LOG_GROUP_ENCRYPTION_PACKS: tuple[Pack, ...] = ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321")
SYNCHRONOUS_FUNCTION_CHECKOV = {
    "LambdaDLQ": "CKV_AWS_116",
    "LambdaInsideVPC": "CKV_AWS_117",
    "LambdaConcurrency": "CKV_AWS_115",
}
SYNCHRONOUS_FUNCTION_CONTROLS = {"LambdaInsideVPC": "CT.LAMBDA.PR.3"}
LOG_GROUP_ENCRYPTION_CONTROL = "CT.CLOUDWATCH.PR.3"


def acknowledge_synchronous_function(
    function: lambda_.Function, subject: str, reasons: Mapping[str, str]
) -> None:
    """Acknowledge every `SYNCHRONOUS_FUNCTION_RULES` rule (cdk-nag, checkov and the Control Tower
    controls) on `function`, with the caller's reason for each: who invokes it decides why a
    rule does not fit."""
    missing = set(SYNCHRONOUS_FUNCTION_RULES) - set(reasons)
    if missing:
        raise ValueError(f"{subject}: no reason for {sorted(missing)}")
    resource = function.node.default_child
    assert isinstance(resource, lambda_.CfnFunction)
    for rule, packs in SYNCHRONOUS_FUNCTION_RULES.items():
        reason = f"{subject}: {reasons[rule]}"
        for pack in packs:
            acknowledge(function, pack, rule, reason=reason)
        if rule in SYNCHRONOUS_FUNCTION_CHECKOV:
            skip_checkov(resource, SYNCHRONOUS_FUNCTION_CHECKOV[rule], reason=reason)
        if rule in SYNCHRONOUS_FUNCTION_CONTROLS:
            acknowledge_control(resource, SYNCHRONOUS_FUNCTION_CONTROLS[rule], reason=reason)


def acknowledge_log_group_encryption(log_group: logs.LogGroup, reason: str) -> None:
    """Keep CloudWatch Logs' own encryption at rest instead of a customer-managed key (the three
    packs' CloudWatchLogGroupEncrypted, checkov's CKV_AWS_158 and Control Tower's
    CT.CLOUDWATCH.PR.3), for the caller's `reason`: what the group holds decides why."""
    for pack in LOG_GROUP_ENCRYPTION_PACKS:
        acknowledge(log_group, pack, "CloudWatchLogGroupEncrypted", reason=reason)
    resource = log_group.node.default_child
    assert isinstance(resource, logs.CfnLogGroup)
    skip_checkov(resource, "CKV_AWS_158", reason=reason)
    acknowledge_control(resource, LOG_GROUP_ENCRYPTION_CONTROL, reason=reason)
