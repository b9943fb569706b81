"""The pool's issuer form and encryption key (`multi_region.issuer`, `multi_region.key`), and
the issuers verifiers accept.

Both are L1-only in aws-cdk-lib 2.275 (`CfnUserPool` `IssuerConfiguration`, `KeyConfiguration`)
and are set on the pool's L1 only when the file sets them: an environment without
`multi_region` keeps its template byte for byte.

The created key is a customer-managed multi-Region key (its replica in the replica's Region is
`infra.constructs.replicas.ReplicaKey`), rotated yearly, whose policy follows the kit's rules
(`infra.constructs.kms`). Its statement for Cognito is inferred from the CloudFormation
handler's KMS permissions of AWS::Cognito::UserPoolReplica (Decrypt, Encrypt,
GenerateDataKeyWithoutPlaintext, ReEncrypt*, DescribeKey, CreateGrant): AWS documents no key
policy for user pools, so docs/multi-region.md lists it as unverified.
"""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config.multi_region import (
    AWS_OWNED_KEY,
    CREATE_KEY,
    ISSUER_HOSTS,
    ISSUER_TYPES,
    IssuerForm,
    MultiRegionConfig,
    accepted_issuer_regions,
)
from infra.constructs.kms import allow_grants_to_aws_services_only
from infra.constructs.trigger_slots import resolve_arn

COGNITO = "cognito-idp.amazonaws.com"
COGNITO_KEY_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
)


def cognito_key_statement(stack: cdk.Stack) -> iam.PolicyStatement:
    """Cognito may use the key for the user pools of this account, in any Region (the primary
    and its replica share the key material)."""
    return iam.PolicyStatement(
        sid="CognitoEncryptsUserPools",
        principals=[iam.ServicePrincipal(COGNITO)],
        actions=list(COGNITO_KEY_ACTIONS),
        resources=["*"],
        conditions={
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="cognito-idp", region="*", resource="userpool", resource_name="*"
                )
            },
        },
    )


class PoolKey(Construct):
    """The customer-managed multi-Region key `multi_region.key: create` makes.

    Attributes:
        key: the L2 key (multi-Region primary, rotated, retained like the pool).
    """

    def __init__(
        self, scope: Construct, id_: str, *, environment: str, removal_policy: cdk.RemovalPolicy
    ) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{environment}: encrypts the user pool's data in every Region it is "
            "replicated to (multi-Region primary key)",
            enable_key_rotation=True,
            multi_region=True,
            removal_policy=removal_policy,
        )
        self.key.add_to_resource_policy(cognito_key_statement(cdk.Stack.of(self)))
        allow_grants_to_aws_services_only(self.key)


def configure_pool(pool: cognito.UserPool, config: MultiRegionConfig, key: kms.IKey | None) -> None:
    """Set the issuer form and the key the file names on the pool's L1 (nothing when unset)."""
    resource = pool.node.default_child
    assert isinstance(resource, cognito.CfnUserPool)
    if config.issuer is not None:
        resource.issuer_configuration = cognito.CfnUserPool.IssuerConfigurationProperty(
            type=ISSUER_TYPES[config.issuer]
        )
    if config.key == AWS_OWNED_KEY:
        resource.key_configuration = cognito.CfnUserPool.KeyConfigurationProperty(
            key_type="AWS_OWNED_KEY"
        )
    elif config.key is not None:
        arn = key.key_arn if key is not None else resolve_arn(config.key, cdk.Stack.of(pool))
        resource.key_configuration = cognito.CfnUserPool.KeyConfigurationProperty(
            key_type="CUSTOMER_MANAGED_KEY", kms_key_arn=arn
        )


def pool_key(
    scope: Construct,
    config: MultiRegionConfig,
    *,
    environment: str,
    removal_policy: cdk.RemovalPolicy,
) -> PoolKey | None:
    """The key to create, when the file asks for one."""
    if config.key != CREATE_KEY:
        return None
    return PoolKey(scope, "PoolKey", environment=environment, removal_policy=removal_policy)


def issuer(stack: cdk.Stack, pool: cognito.IUserPool, form: IssuerForm, region: str) -> str:
    """The `iss` of the pool's tokens in `form`, issued in `region` (the primary's for the
    updated form)."""
    return f"https://{ISSUER_HOSTS[form]}.{region}.{stack.url_suffix}/{pool.user_pool_id}"


def pool_issuer(stack: cdk.Stack, pool: cognito.UserPool, config: MultiRegionConfig) -> str:
    """The issuer of the primary's tokens: the pool's ProviderURL attribute for the original
    form (unchanged templates), the updated form's URL otherwise."""
    if config.issuer_form == "original":
        return cast(str, pool.user_pool_provider_url)
    return issuer(stack, pool, "updated", stack.region)


def accepted_issuers(
    stack: cdk.Stack, pool: cognito.UserPool, config: MultiRegionConfig
) -> list[str]:
    """Every issuer verifiers accept: each accepted form, per Region where tokens differ."""
    return [
        issuer(stack, pool, form, region)  # type: ignore[arg-type]
        for form, region in accepted_issuer_regions(config, stack.region)
    ]
