"""Cognito's own logs, delivered by the user pool (`AWS::Cognito::LogDeliveryConfiguration`).

- `userNotification` at `ERROR`: every email or SMS Cognito failed to deliver (a bounce, an SES
  or SNS error), to a log group. Cognito sends these only to CloudWatch Logs.
- `userAuthEvents` at `INFO`: user activity with threat protection's decision (who signed in,
  from which IP and device, the risk rating and action), on pools with the plus plan and threat
  protection on; to a log group, or to a Firehose stream or S3 bucket from the config.

The records are what Cognito writes; the kit adds nothing to them. Source: Amazon Cognito
Developer Guide, "Exporting user pool logs", and the `LogConfigurationType` API reference
(https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_LogConfigurationType.html).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config.operations import LogsConfig


class UserPoolLogs(Construct):
    """The log groups and the pool's log delivery configuration.

    Attributes:
        log_groups: the log groups the kit created, by construct id (NotificationErrors,
            UserActivity).
        delivery: the L1 log delivery configuration.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: LogsConfig,
        user_pool: cognito.IUserPool,
        user_activity: bool,
        removal_policy: cdk.RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.log_groups: dict[str, logs.LogGroup] = {}
        notifications = self._log_group("NotificationErrors", config, removal_policy)
        configurations = [
            cognito.CfnLogDeliveryConfiguration.LogConfigurationProperty(
                event_source="userNotification",
                log_level="ERROR",
                cloud_watch_logs_configuration=cognito.CfnLogDeliveryConfiguration.CloudWatchLogsConfigurationProperty(
                    log_group_arn=_arn(notifications)
                ),
            )
        ]
        if user_activity:
            configurations.append(self._user_activity(config, removal_policy))
        self.delivery = cognito.CfnLogDeliveryConfiguration(
            self,
            "Delivery",
            user_pool_id=user_pool.user_pool_id,
            log_configurations=configurations,
        )

    def _user_activity(
        self, config: LogsConfig, removal_policy: cdk.RemovalPolicy
    ) -> cognito.CfnLogDeliveryConfiguration.LogConfigurationProperty:
        kind = cognito.CfnLogDeliveryConfiguration
        if config.user_activity == "firehose":
            return kind.LogConfigurationProperty(
                event_source="userAuthEvents",
                log_level="INFO",
                firehose_configuration=kind.FirehoseConfigurationProperty(
                    stream_arn=config.user_activity_arn
                ),
            )
        if config.user_activity == "s3":
            return kind.LogConfigurationProperty(
                event_source="userAuthEvents",
                log_level="INFO",
                s3_configuration=kind.S3ConfigurationProperty(bucket_arn=config.user_activity_arn),
            )
        activity = self._log_group("UserActivity", config, removal_policy)
        return kind.LogConfigurationProperty(
            event_source="userAuthEvents",
            log_level="INFO",
            cloud_watch_logs_configuration=kind.CloudWatchLogsConfigurationProperty(
                log_group_arn=_arn(activity)
            ),
        )

    def _log_group(
        self, id_: str, config: LogsConfig, removal_policy: cdk.RemovalPolicy
    ) -> logs.LogGroup:
        log_group = logs.LogGroup(self, id_, removal_policy=removal_policy)
        resource = log_group.node.default_child
        assert isinstance(resource, logs.CfnLogGroup)
        # The config holds days (validated against CloudWatch's allowed periods).
        resource.retention_in_days = config.retention_days
        self.log_groups[id_] = log_group
        return log_group


def _arn(log_group: logs.ILogGroup) -> str:
    """The log group ARN without the `:*` suffix of `Fn::GetAtt Arn` (log delivery destinations
    name the group, not its streams)."""
    arn: str = cdk.Stack.of(log_group).format_arn(
        service="logs",
        resource="log-group",
        resource_name=log_group.log_group_name,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return arn
