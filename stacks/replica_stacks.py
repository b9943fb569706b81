"""The stacks of an environment's replica, beside its `Cognito` stack in the same Stage (so
`make deploy ENV=<name>`, `cdk deploy '<name>/*'`, deploys them all, in this order):

1. `ReplicaKey` (replica's Region, with `multi_region.key: create`): the replica of the pool's
   multi-Region key. Cognito needs the key in the replica's Region before it replicates.
2. `Replication` (primary's Region): the replica resource.
3. `Replica` (replica's Region): the kit's trigger functions there and the replica's regional
   configuration, which needs the replica to exist.

Cognito keeps one replica per pool (`MAX_REPLICAS`), so the construct ids are fixed nouns.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.config.multi_region import CREATE_KEY
from infra.constructs.multi_region import issuer
from infra.constructs.replicas import ReplicaKey, ReplicaRegion, Replication
from infra.provenance import Provenance, environment_metadata
from stacks.cognito_stack import CognitoStack, acknowledge_from_config


def cross_region_options(config: EnvironmentConfig) -> dict[str, Any]:
    """Stack options of every stack of an environment with a replica (none without one, so
    a single-Region environment's template stays as it was): the replica's stacks read the
    pool id and the key's ARN from the primary's outputs, which the CDK writes as
    `Fn::GetStackOutput` (CloudFormation resolves it across Regions at deploy time)."""
    if not config.multi_region.replicas:
        return {}
    return {"cross_region_references": True}


class _ReplicaStackBase(cdk.Stack):
    """A stack of the replica: named after the environment, protected like its primary."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        source_file: str,
        region: str,
        suffix: str,
        description: str,
    ) -> None:
        super().__init__(
            scope,
            id_,
            stack_name=f"{config.project}-{config.name}-{suffix}",
            description=f"{description} ({config.name}), managed by {config.project}",
            env=cdk.Environment(account=config.account, region=region),
            termination_protection=config.tier == "production",
            **cross_region_options(config),
        )
        self.config = config
        self.source_file = source_file
        self.provenance = Provenance()
        self.template_options.metadata = environment_metadata(config.name, config.tier, source_file)

    def finish(self) -> None:
        """Label every resource with its config key and apply the file's acknowledgments."""
        self.provenance.label()
        acknowledge_from_config(self.provenance, self.config, self.source_file)


class ReplicaKeyStack(_ReplicaStackBase):
    """The replica of the pool's key in the replica's Region."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        source_file: str,
        region: str,
        primary_key_arn: str,
    ) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            source_file=source_file,
            region=region,
            suffix="replica-key",
            description="Replica of the user pool's multi-Region key",
        )
        self.key = ReplicaKey(self, "PoolKey", primary_key_arn=primary_key_arn, config=config)
        self.provenance.mark(self.key, "multi_region.key")
        cdk.CfnOutput(
            self,
            "ReplicaKeyArn",
            value=self.key.key.attr_arn,
            description=f"The pool's key in {region}",
        )
        self.finish()


class ReplicationStack(_ReplicaStackBase):
    """The replica resource, in the primary's Region."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        source_file: str,
        primary: CognitoStack,
        region: str,
    ) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            source_file=source_file,
            region=primary.region,
            suffix="replication",
            description=f"Replica of the user pool in {region}",
        )
        self.replication = Replication(
            self,
            "Replication",
            user_pool_id=primary.directory.user_pool.user_pool_id,
            region=region,
            config=config,
        )
        self.provenance.mark(self.replication, f"multi_region.replicas.{region}")
        self.finish()


class ReplicaStack(_ReplicaStackBase):
    """The kit's trigger functions and the regional configuration in the replica's Region."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        source_file: str,
        primary: CognitoStack,
        region: str,
    ) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            source_file=source_file,
            region=region,
            suffix="replica",
            description=f"The user pool's replica in {region}: triggers and regional settings",
        )
        pool = primary.directory.user_pool
        pool_resource = pool.node.default_child
        assert isinstance(pool_resource, cognito.CfnUserPool)
        sms = pool_resource.sms_configuration
        self.region_parts = ReplicaRegion(
            self,
            "Region",
            config=config,
            region=region,
            replica=config.multi_region.replicas[region],
            user_pool_id=pool.user_pool_id,
            sms=sms if isinstance(sms, cognito.CfnUserPool.SmsConfigurationProperty) else None,
        )
        where = f"multi_region.replicas.{region}"
        self.provenance.mark(self.region_parts, where)
        for key, parts in self.region_parts.triggers.parts.items():
            for part in parts:
                self.provenance.mark(part, f"triggers.{key}")
        for key, parts in self.region_parts.parts.items():
            for part in parts:
                self.provenance.mark(part, f"{where}.{key}")
        form = config.multi_region.issuer_form
        outputs = {
            "ReplicaRegion": (region, "Region of the pool's replica"),
            "ReplicaUserPoolArn": (self.region_parts.pool_arn, "The replica's ARN"),
            "ReplicaIssuer": (
                issuer(self, pool, form, region if form == "original" else primary.region),
                "The iss of tokens the replica issues",
            ),
            "ReplicaStatus": (config.multi_region.replicas[region].status, "active or inactive"),
        }
        for output_id, (value, description) in outputs.items():
            cdk.CfnOutput(self, output_id, value=value, description=description)
        self.finish()


def add_replica_stacks(
    stage: cdk.Stage, config: EnvironmentConfig, primary: CognitoStack, source_file: str
) -> list[cdk.Stack]:
    """The replica's stacks of `config` (none without a replica), in deploy order."""
    stacks: list[cdk.Stack] = []
    for region in config.multi_region.replica_regions:
        key_stack = None
        if config.multi_region.key == CREATE_KEY:
            assert primary.pool_key is not None  # created with `create`
            key_stack = ReplicaKeyStack(
                stage,
                "ReplicaKey",
                config=config,
                source_file=source_file,
                region=region,
                primary_key_arn=primary.pool_key.key.key_arn,
            )
            stacks.append(key_stack)
        replication = ReplicationStack(
            stage,
            "Replication",
            config=config,
            source_file=source_file,
            primary=primary,
            region=region,
        )
        if key_stack is not None:
            replication.add_stack_dependency(key_stack)
        replica = ReplicaStack(
            stage, "Replica", config=config, source_file=source_file, primary=primary, region=region
        )
        replica.add_stack_dependency(replication)
        stacks += [replication, replica]
    return stacks
