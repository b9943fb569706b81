"""Key-policy rules every customer-managed KMS key of the kit follows."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms


def allow_grants_to_aws_services_only(key: kms.Key) -> None:
    """Deny kms:CreateGrant unless the grant is for an AWS resource or made by an AWS service.

    A grant hands the key's use to another principal outside the key policy; the account-root
    statement the CDK writes would let anyone with key access create one. This is the statement
    AWS Control Tower's proactive control CT.KMS.PR.3 looks for, in its exact shape
    (`BoolIfExists` on both condition keys).
    """
    key.add_to_resource_policy(grants_only_for_aws_services())


def grants_only_for_aws_services() -> iam.PolicyStatement:
    """The statement of `allow_grants_to_aws_services_only`, for a key policy written by hand
    (a multi-Region replica key's)."""
    return iam.PolicyStatement(
        sid="GrantsOnlyForAwsServices",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["kms:CreateGrant"],
        resources=["*"],
        conditions={
            "BoolIfExists": {
                "kms:GrantIsForAWSResource": "false",
                "aws:PrincipalIsAWSService": "false",
            }
        },
    )
