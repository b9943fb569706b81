"""One CDK Stage per environment: the stage id is the environment name, so construct ids
inside stay the same in every environment while stack names and assembly folders differ."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.config import EnvironmentConfig
from stacks.cognito_stack import CognitoStack
from stacks.replica_stacks import add_replica_stacks, cross_region_options

WEAK_REFERENCES = "@aws-cdk/core:defaultCrossStackReferences"


class CognitoStage(cdk.Stage):
    """Everything one environment deploys, tagged with its environment, project and owner."""

    def __init__(self, scope: Construct, *, config: EnvironmentConfig, source_file: str) -> None:
        super().__init__(
            scope,
            config.name,
            env=cdk.Environment(account=config.account, region=config.region),
        )
        if config.multi_region.replicas:
            # The replica's stacks read the primary's outputs through CloudFormation's
            # Fn::GetStackOutput, whatever the app's context says: the CDK's other cross-Region
            # references need custom-resource functions in both Regions.
            self.node.set_context(WEAK_REFERENCES, "weak")
        self.cognito = CognitoStack(
            self,
            "Cognito",
            config=config,
            source_file=source_file,
            **cross_region_options(config),
        )
        # A replica's stacks (multi_region.replicas), in this Stage: `cdk deploy '<env>/*'`.
        self.replicas = add_replica_stacks(self, config, self.cognito, source_file)
        tags = {
            "environment": config.name,
            "project": config.project,
            "owner": config.owner,
            **({"cost-center": config.cost_center} if config.cost_center else {}),
            **config.tags,
        }
        for key, value in tags.items():
            cdk.Tags.of(self).add(key, value)
