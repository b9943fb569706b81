"""The pool's replica in another Region: the replica resource, the replica's regional
configuration (mail sender, text messages, trigger functions, status), the kit's trigger
functions deployed in the replica's Region, and the replica of the pool's multi-Region key.

Where each resource lives (CloudFormation registry schemas bundled in cfn-lint 1.58):
- `AWS::Cognito::UserPoolReplica` (`UserPoolId`, `RegionName`; both create-only, identified by
  the pair) is created through the primary's Region: `Replication`, in a stack there.
- `AWS::Cognito::UserPoolRegionalConfigurationAttachment` is identified by `UserPoolId` alone,
  so it configures the pool of the Region its stack deploys to: `ReplicaRegion`, in a stack in
  the replica's Region. Cognito shares the pool id between the Regions (developer guide,
  "Multi-Region replication for user pools"); the replica's ARN with the replica's Region is
  inferred from it.
- `AWS::KMS::ReplicaKey` is created in the Region of its stack: `ReplicaKey`, in the replica's.

Cognito invokes only functions of its own Region, so the kit's functions run in the replica's
Region too (same code, same TRIGGER_CONFIG, the replica's pool in their policies), except the
migration function: the secondary pool creates no users.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.config.multi_region import ReplicaConfig
from infra.config.references import replica_function_arn, sends_sms
from infra.config.triggers import SLOT_IDS
from infra.constructs.kms import grants_only_for_aws_services
from infra.constructs.multi_region import COGNITO, cognito_key_statement
from infra.constructs.trigger_slots import SLOTS, resolve_arn
from infra.constructs.triggers import Triggers

TRIGGER_SLOTS = {trigger_id: slot for slot, trigger_id in SLOT_IDS.items()}
"""Trigger id (PreSignUp) -> its slot key (pre_sign_up)."""
KIT_EVENT_VERSIONS = {"PreTokenGeneration": "V3_0"}
"""The event version of each kit function whose slot takes one (beside the slots' own)."""


def removal_policy(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    """The pool's removal policy: replicas and keys are kept exactly when the pool is."""
    return (
        cdk.RemovalPolicy.RETAIN
        if config.user_pool.removal_policy == "retain"
        else cdk.RemovalPolicy.DESTROY
    )


class ReplicaKey(Construct):
    """The replica, in this stack's Region, of the multi-Region key the pool is encrypted with
    (Cognito needs the key in every Region the pool is in)."""

    def __init__(
        self, scope: Construct, id_: str, *, primary_key_arn: str, config: EnvironmentConfig
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        policy = iam.PolicyDocument(
            statements=[
                # The statement the CDK writes for every key it creates (IAM decides).
                iam.PolicyStatement(
                    actions=["kms:*"],
                    principals=[iam.AccountRootPrincipal()],
                    resources=["*"],
                ),
                cognito_key_statement(stack),
                grants_only_for_aws_services(),
            ]
        )
        self.key = kms.CfnReplicaKey(
            self,
            "Key",
            primary_key_arn=primary_key_arn,
            key_policy=policy,
            description=f"{config.name}: the user pool's key in {stack.region} (replica of "
            "its multi-Region primary key)",
            enabled=True,
        )
        self.key.apply_removal_policy(removal_policy(config))


class Replication(Construct):
    """The replica of the pool in `region`, created through the primary's Region."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool_id: str,
        region: str,
        config: EnvironmentConfig,
    ) -> None:
        super().__init__(scope, id_)
        self.replica = cognito.CfnUserPoolReplica(
            self, "Replica", region_name=region, user_pool_id=user_pool_id
        )
        # Removing the replica deletes the copy of every user in that Region: kept exactly
        # when the pool is.
        self.replica.apply_removal_policy(removal_policy(config))


class ReplicaTriggers(Triggers):
    """The kit's trigger functions in the replica's Region: the primary's, minus migration.
    The functions go into the regional configuration instead of the pool's LambdaConfig."""

    def _attach(self, user_pool: Any, trigger_id: str, function: lambda_.Function) -> None:
        """Attached by `ReplicaRegion` through the regional configuration."""


class ReplicaRegion(Construct):
    """Everything in the replica's Region: the kit's functions, the invoke permissions of the
    team's functions, and the regional configuration of the replica.

    Attributes:
        pool_arn: the replica's ARN (the shared pool id, the replica's Region).
        triggers: the kit's functions here.
        attachment: the regional configuration (status, email, SMS, LambdaConfig).
        parts: the constructs of each config key below the replica's (`functions.<slot>`).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        region: str,
        replica: ReplicaConfig,
        user_pool_id: str,
        sms: cognito.CfnUserPool.SmsConfigurationProperty | None,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        self.pool_arn = stack.format_arn(
            service="cognito-idp", resource="userpool", resource_name=user_pool_id
        )
        pool = cognito.UserPool.from_user_pool_arn(self, "Pool", self.pool_arn)
        self.triggers = ReplicaTriggers(
            self,
            "Triggers",
            config=config.triggers,
            environment=f"{config.name} ({region})",
            user_pool=pool,
            pool_config=config.user_pool,
            identity_providers=config.identity_providers,
            app_clients=config.app_clients,
        )
        self.parts: dict[str, list[Construct]] = {}
        lambda_config: dict[str, Any] = {}
        for trigger_id, function in self.triggers.functions.items():
            slot = TRIGGER_SLOTS[trigger_id]
            function.add_permission(
                f"{trigger_id}Cognito",
                principal=iam.ServicePrincipal(COGNITO),
                source_arn=self.pool_arn,
                source_account=stack.account,
            )
            lambda_config[SLOTS[slot].property] = _slot_value(
                slot, function.function_arn, KIT_EVENT_VERSIONS.get(trigger_id)
            )
        for slot in config.triggers.team_functions():
            arn = replica_function_arn(config.triggers, replica, slot, region)
            if arn is None:
                continue  # refused by the configuration (a replica missing a function)
            resolved = resolve_arn(arn, stack)
            trigger_id = SLOT_IDS[slot]
            permission = lambda_.CfnPermission(
                self,
                f"{trigger_id}Invoke",
                action="lambda:InvokeFunction",
                function_name=resolved,
                principal=COGNITO,
                source_arn=self.pool_arn,
                source_account=stack.account,
            )
            self.parts[f"functions.{slot}"] = [permission]
            version = (
                config.triggers.pre_token_generation.lambda_version
                if slot == "pre_token_generation"
                else None
            )
            lambda_config[SLOTS[slot].property] = _slot_value(slot, resolved, version)
        if config.triggers.senders() and replica.custom_sender_key is not None:
            lambda_config["KMSKeyID"] = resolve_arn(replica.custom_sender_key, stack)
        self.attachment = cognito.CfnUserPoolRegionalConfigurationAttachment(
            self,
            "RegionalConfiguration",
            user_pool_id=user_pool_id,
            status=replica.status.upper(),
            email_configuration=_email(config, replica),
            sms_configuration=(
                cognito.CfnUserPoolRegionalConfigurationAttachment.SmsConfigurationProperty(
                    sns_caller_arn=sms.sns_caller_arn,
                    external_id=sms.external_id,
                    sns_region=replica.sms_region or region,
                )
                if sms is not None and sends_sms(config.user_pool)
                else None
            ),
        )
        if lambda_config:
            # Written as CloudFormation names it: the slots' `{LambdaArn, LambdaVersion}` forms.
            self.attachment.add_property_override("LambdaConfig", lambda_config)


def _slot_value(slot: str, arn: str, version: str | None) -> Any:
    """A `LambdaConfig` member: a plain ARN, or `{LambdaArn, LambdaVersion}` for the slots
    that take an event version."""
    version = SLOTS[slot].version or version
    return arn if version is None else {"LambdaArn": arn, "LambdaVersion": version}


def _email(
    config: EnvironmentConfig, replica: ReplicaConfig
) -> cognito.CfnUserPoolRegionalConfigurationAttachment.EmailConfigurationProperty:
    """The replica's mail sender: its own SES identity, or Cognito's sender like the pool."""
    pool_email = config.user_pool.email
    email = replica.email
    if pool_email.sender != "ses" or email is None:
        return cognito.CfnUserPoolRegionalConfigurationAttachment.EmailConfigurationProperty(
            email_sending_account="COGNITO_DEFAULT",
            reply_to_email_address=pool_email.reply_to,
        )
    address = email.from_address or pool_email.from_address
    name = email.from_name or pool_email.from_name
    return cognito.CfnUserPoolRegionalConfigurationAttachment.EmailConfigurationProperty(
        email_sending_account="DEVELOPER",
        source_arn=email.ses_identity_arn,
        # The form the CDK writes for the pool's own sender ("Acme <no-reply@example.com>").
        from_=f"{name} <{address}>" if name else address,
        reply_to_email_address=email.reply_to or pool_email.reply_to,
        configuration_set=email.configuration_set,
    )
