"""Operations: what the platform team sees when sign-in breaks, and what protects the pages.

`Operations` builds the parts an environment's `operations` section turns on: alarms (with their
encrypted topic), a dashboard, Cognito's log delivery and an AWS WAF web ACL. It reads the other
sections to know what to watch: which triggers run, which app clients sign users in, which
identity providers they offer, whether the pool has threat protection, and which quota
categories the configured flows use (`infra.quota`).
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config.environment import EnvironmentConfig
from infra.config.federation import enabled_providers
from infra.config.references import client_provider_ids, has_user_activity
from infra.constructs.operations import metrics
from infra.constructs.operations.alarms import Alarms
from infra.constructs.operations.dashboard import Dashboard
from infra.constructs.operations.log_delivery import UserPoolLogs
from infra.constructs.operations.waf import WebFirewall
from infra.nag import acknowledge_log_group_encryption
from infra.quota import quota_categories

COGNITO_WAIT_SECONDS = 5
"""How long Cognito waits for a trigger, cold start included."""


class Operations(Construct):
    """Alarms, dashboard, log delivery and web ACL of one environment, each where enabled.

    Attributes:
        alarms: the alarms and their topic, or None.
        dashboard: the dashboard, or None.
        logs: the log delivery configuration and its log groups, or None.
        firewall: the web ACL and its association, or None.
        parts: the parts that exist, by their key below `operations` (alarms, dashboard,
            logs, waf).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        user_pool: cognito.UserPool,
        trigger_functions: Mapping[str, metrics.FunctionMetrics],
        trigger_actions: Mapping[str, tuple[str, ...]],
        app_clients: Mapping[str, cognito.UserPoolClient],
        team_functions: Mapping[str, metrics.FunctionMetrics] | None = None,
    ) -> None:
        """`trigger_functions` are the kit's, `team_functions` the team's (trigger id ->
        function); `trigger_actions` the cognito-idp actions of both."""
        super().__init__(scope, id_)
        operations, pool = config.operations, config.user_pool
        name = f"{config.project}-{config.name}"
        removal = (
            cdk.RemovalPolicy.RETAIN
            if pool.removal_policy == "retain"
            else cdk.RemovalPolicy.DESTROY
        )
        user_activity = has_user_activity(pool)
        threat_alarms = operations.alarms.threat_protection
        threat_protection = user_activity if threat_alarms is None else threat_alarms
        team = dict(team_functions or {})
        functions = {**trigger_functions, **team}
        # A team function's own timeout is unknown here: Cognito's 5 seconds is its budget.
        timeouts = {
            trigger_id: COGNITO_WAIT_SECONDS
            if trigger_id in team
            else config.triggers.timeout_seconds
            for trigger_id in functions
        }
        categories = quota_categories(
            config,
            [a.split(":", 1)[1] for actions in trigger_actions.values() for a in actions],
        )

        self.firewall: WebFirewall | None = None
        if operations.waf.enabled:
            self.firewall = WebFirewall(
                self,
                "Firewall",
                config=operations.waf,
                name=name,
                user_pool=user_pool,
                removal_policy=removal,
            )
        self.logs: UserPoolLogs | None = None
        if operations.logs.enabled:
            self.logs = UserPoolLogs(
                self,
                "Logs",
                config=operations.logs,
                user_pool=user_pool,
                user_activity=user_activity and operations.logs.user_activity != "off",
                removal_policy=removal,
            )
        self._delivery_policy(config.name)

        self.alarms: Alarms | None = None
        if operations.alarms.enabled:
            providers = enabled_providers(config.identity_providers)
            interactive = {
                client_id: client
                for client_id, client in config.app_clients.items()
                if client.kind != "machine"
            }
            self.alarms = Alarms(
                self,
                "Alarms",
                config=operations.alarms,
                environment=config.name,
                name_prefix=name,
                user_pool_id=user_pool.user_pool_id,
                trigger_functions=functions,
                trigger_timeouts=timeouts,
                quota_categories=categories,
                clients={c: app_clients[c].user_pool_client_id for c in interactive},
                sign_in_clients=[
                    c for c, client in interactive.items() if client.allow_cognito_sign_in
                ],
                federation={
                    client_id: {p: providers[p].provider_name() for p in provider_ids}
                    for client_id, client in interactive.items()
                    if (provider_ids := client_provider_ids(client, providers))
                },
                threat_protection=threat_protection,
                removal_policy=removal,
                message_errors=(
                    self.logs.log_groups["NotificationErrors"]
                    if self.logs is not None and pool.sign_in.codes
                    else None
                ),
                sms_spend="sms_otp" in pool.sign_in.first_factors,
                passkeys=pool.sign_in.passkeys,
            )

        self.dashboard: Dashboard | None = None
        if operations.dashboard.enabled:
            self.dashboard = Dashboard(
                self,
                "Dashboard",
                name=name,
                user_pool_id=user_pool.user_pool_id,
                trigger_functions=functions,
                quota_categories=categories,
                threat_protection=user_activity,
                web_acl_name=self.firewall.web_acl_name if self.firewall else None,
                alarms=list(self.alarms.alarms.values()) if self.alarms else [],
            )

    @property
    def parts(self) -> dict[str, Construct]:
        parts: dict[str, Construct | None] = {
            "alarms": self.alarms,
            "dashboard": self.dashboard,
            "logs": self.logs,
            "waf": self.firewall,
        }
        return {key: part for key, part in parts.items() if part is not None}

    def _delivery_policy(self, environment: str) -> None:
        """Let the log delivery service write to the kit's log groups, and only these.

        Cognito and WAF deliver through CloudWatch Logs' delivery service; without this
        resource policy they would create a broader one themselves on first delivery.
        """
        groups = {
            **(self.logs.log_groups if self.logs else {}),
            **({"Firewall": self.firewall.log_group} if self.firewall else {}),
        }
        if not groups:
            return
        stack = cdk.Stack.of(self)
        policy = logs.ResourcePolicy(
            self,
            "DeliveryPolicy",
            policy_statements=[
                iam.PolicyStatement(
                    principals=[iam.ServicePrincipal("delivery.logs.amazonaws.com")],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[group.log_group_arn for group in groups.values()],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": stack.format_arn(service="logs", resource="*")
                        },
                    },
                )
            ],
        )
        if self.logs:
            self.logs.delivery.node.add_dependency(policy)
        if self.firewall:
            self.firewall.logging.node.add_dependency(policy)
        for group_id, group in groups.items():
            _acknowledge_log_group(group, f"{environment}: {LOG_CONTENTS[group_id]}")


LOG_CONTENTS = {
    "NotificationErrors": "the log of emails and SMS Cognito failed to deliver (recipient, "
    "error), written by Cognito's log delivery",
    "UserActivity": "the user-activity log Cognito writes (sign-ins, source IPs, threat "
    "protection's risk decisions)",
    "Firewall": "the log of requests AWS WAF blocked or counted, with cookies and the "
    "Authorization header redacted",
}


def _acknowledge_log_group(log_group: logs.LogGroup, subject: str) -> None:
    reason = (
        f"{subject}; CloudWatch Logs encrypts it at rest, and a customer-managed key would "
        "have to be granted to the log delivery service and, if lost, would make the audit "
        "trail unreadable"
    )
    acknowledge_log_group_encryption(log_group, reason)
