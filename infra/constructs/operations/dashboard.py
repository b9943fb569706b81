"""The CloudWatch dashboard of one environment: what users did, what was throttled, how the
triggers ran, and the state of every alarm."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from infra.constructs.operations import metrics

PERIOD = cdk.Duration.minutes(5)
ACTIVITY = (
    ("Sign-ups", "SignUpSuccesses"),
    ("Sign-ins", "SignInSuccesses"),
    ("Token refreshes", "TokenRefreshSuccesses"),
    ("Federated sign-ins", "FederationSuccesses"),
)
THROTTLES = ("SignUpThrottles", "SignInThrottles", "TokenRefreshThrottles", "FederationThrottles")


class Dashboard(Construct):
    """A dashboard named after the stack.

    Attributes:
        dashboard: the L2 dashboard.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        user_pool_id: str,
        trigger_functions: Mapping[str, metrics.FunctionMetrics],
        quota_categories: Sequence[str],
        threat_protection: bool,
        web_acl_name: str | None,
        alarms: Sequence[cloudwatch.IAlarm],
    ) -> None:
        super().__init__(scope, id_)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=name,
            default_interval=cdk.Duration.hours(3),
        )
        # Successes are 1 and failures 0 in one series: SUM counts successes, COUNT attempts.
        self.dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=title,
                    width=6,
                    left=[
                        metrics.pool_total(metric_name, user_pool_id, PERIOD, function="SUM"),
                        metrics.pool_total(metric_name, user_pool_id, PERIOD, function="COUNT"),
                    ],
                )
                for title, metric_name in ACTIVITY
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Throttled requests (this user pool)",
                width=8,
                left=[metrics.pool_total(name, user_pool_id, PERIOD) for name in THROTTLES],
            ),
            cloudwatch.GraphWidget(
                title="Quota: throttled requests per category (account and Region)",
                width=8,
                left=[metrics.quota_usage("ThrottleCount", c, PERIOD) for c in quota_categories],
            ),
            cloudwatch.GraphWidget(
                title="Quota: requests per category (account and Region)",
                width=8,
                left=[metrics.quota_usage("CallCount", c, PERIOD) for c in quota_categories],
            ),
        )
        if trigger_functions:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Trigger invocations",
                    width=8,
                    left=[
                        f.metric_invocations(period=PERIOD, statistic="Sum", label=trigger_id)
                        for trigger_id, f in trigger_functions.items()
                    ],
                ),
                cloudwatch.GraphWidget(
                    title="Trigger errors",
                    width=8,
                    left=[
                        f.metric_errors(period=PERIOD, statistic="Sum", label=trigger_id)
                        for trigger_id, f in trigger_functions.items()
                    ],
                ),
                cloudwatch.GraphWidget(
                    title="Trigger duration p99 (ms; Cognito waits 5000)",
                    width=8,
                    left=[
                        f.metric_duration(period=PERIOD, statistic="p99", label=trigger_id)
                        for trigger_id, f in trigger_functions.items()
                    ],
                ),
            )
        extra: list[cloudwatch.IWidget] = []
        if threat_protection:
            extra.append(
                cloudwatch.GraphWidget(
                    title="Threat protection: high-risk requests",
                    width=12,
                    left=[
                        metrics.high_risk_total(name, user_pool_id, PERIOD)
                        for name in ("CompromisedCredentialRisk", "AccountTakeoverRisk")
                    ],
                )
            )
        if web_acl_name is not None:
            extra.append(
                cloudwatch.GraphWidget(
                    title="Web ACL: blocked and counted requests",
                    width=12,
                    left=[
                        cloudwatch.Metric(
                            namespace="AWS/WAFV2",
                            metric_name=metric_name,
                            dimensions_map={
                                "WebACL": web_acl_name,
                                "Rule": "ALL",
                                "Region": cdk.Stack.of(self).region,
                            },
                            statistic="Sum",
                            period=PERIOD,
                        )
                        for metric_name in ("BlockedRequests", "CountedRequests")
                    ],
                )
            )
        if extra:
            self.dashboard.add_widgets(*extra)
        if alarms:
            self.dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(title="Alarms", width=24, alarms=list(alarms))
            )
