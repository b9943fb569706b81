"""The Cognito metrics the alarms and the dashboard read, in one place.

`AWS/Cognito` publishes sign-up, sign-in, refresh and federation metrics per user pool *and app
client* (federation also per identity provider); there is no pool-wide series. Alarms therefore
watch one client (or client and provider) each; the dashboard sums every client with a
CloudWatch Metrics Insights query. Quota usage (`CallCount`, `ThrottleCount` in `AWS/Usage`) is
per account and Region, one series per quota category (the `Resource` dimension).

Sources (Amazon Cognito Developer Guide, checked Nov 2026): "User pool metrics in CloudWatch"
(https://docs.aws.amazon.com/cognito/latest/developerguide/metrics-for-cognito-user-pools.html)
for the metric names and dimensions, and "Viewing threat protection metrics" on the same page
for `CompromisedCredentialRisk` and `AccountTakeoverRisk` (dimensions Operation, UserPoolId,
RiskLevel).
"""

from __future__ import annotations

from typing import Protocol

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

COGNITO = "AWS/Cognito"
SNS = "AWS/SNS"
KIT_NAMESPACE = "CognitoKit"
"""Metrics the kit derives from Cognito's logs (metric filters), one name per environment."""

LAMBDA = "AWS/Lambda"


class FunctionMetrics(Protocol):
    """What the alarms and the dashboard read of a trigger function: a `lambda.IFunction` of
    the kit's, or `NamedFunction` for the team's (by name)."""

    def metric_invocations(
        self,
        *,
        period: cdk.Duration | None = ...,
        statistic: str | None = ...,
        label: str | None = ...,
    ) -> cloudwatch.Metric: ...

    def metric_errors(
        self,
        *,
        period: cdk.Duration | None = ...,
        statistic: str | None = ...,
        label: str | None = ...,
    ) -> cloudwatch.Metric: ...

    def metric_throttles(
        self,
        *,
        period: cdk.Duration | None = ...,
        statistic: str | None = ...,
        label: str | None = ...,
    ) -> cloudwatch.Metric: ...

    def metric_duration(
        self,
        *,
        period: cdk.Duration | None = ...,
        statistic: str | None = ...,
        label: str | None = ...,
    ) -> cloudwatch.Metric: ...


class NamedFunction:
    """The `AWS/Lambda` metrics of a function known by name only (the team's own): every
    version and alias together, as the `FunctionName` dimension aggregates them."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _metric(
        self, metric: str, period: cdk.Duration | None, statistic: str | None, label: str | None
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=LAMBDA,
            metric_name=metric,
            dimensions_map={"FunctionName": self.name},
            period=period,
            statistic=statistic,
            label=label,
        )

    def metric_invocations(
        self,
        *,
        period: cdk.Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        return self._metric("Invocations", period, statistic, label)

    def metric_errors(
        self,
        *,
        period: cdk.Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        return self._metric("Errors", period, statistic, label)

    def metric_throttles(
        self,
        *,
        period: cdk.Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        return self._metric("Throttles", period, statistic, label)

    def metric_duration(
        self,
        *,
        period: cdk.Duration | None = None,
        statistic: str | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        return self._metric("Duration", period, statistic, label)


RISK_METRICS = ("CompromisedCredentialRisk", "AccountTakeoverRisk")


def insights(
    select: str, source: str, where: dict[str, str], period: cdk.Duration, label: str
) -> cloudwatch.MathExpression:
    """A CloudWatch Metrics Insights query, e.g. `SELECT SUM(SignInSuccesses) FROM ...`.

    Every part comes from this module's constants, the quota table or a CloudFormation token
    (the pool id); no configuration or user text reaches a query.
    """
    conditions = " AND ".join(f"\"{key}\" = '{value}'" for key, value in where.items())
    return cloudwatch.MathExpression(
        expression=f"SELECT {select} FROM {source} WHERE {conditions}",  # noqa: S608 (see above)
        using_metrics={},
        period=period,
        label=label,
    )


def quota_usage(metric_name: str, category: str, period: cdk.Duration) -> cloudwatch.MathExpression:
    """`CallCount` or `ThrottleCount` of one quota category, summed.

    The guide documents the dimensions as Service, Type, Resource and Class, but spells the
    `Service` value differently across its pages and says Cognito leaves `Class` unused. The
    query therefore matches on `Type` and `Resource` only: a dimension value that matched
    nothing would leave the alarm silently green.
    """
    return insights(
        f"SUM({metric_name})",
        '"AWS/Usage"',
        {"Type": "API", "Resource": category},
        period,
        category,
    )


def pool_total(
    metric_name: str, user_pool_id: str, period: cdk.Duration, *, function: str = "SUM"
) -> cloudwatch.MathExpression:
    """One `AWS/Cognito` metric over every app client of the pool (`COUNT`: attempts)."""
    dimensions = "UserPool, UserPoolClient"
    if metric_name.startswith("Federation"):
        dimensions = f"IdentityProvider, {dimensions}"
    return insights(
        f"{function}({metric_name})",
        f'SCHEMA("{COGNITO}", {dimensions})',
        {"UserPool": user_pool_id},
        period,
        f"{metric_name} ({function.lower()})",
    )


def client_metric(
    metric_name: str,
    user_pool_id: str,
    client_id: str,
    statistic: str,
    period: cdk.Duration,
    *,
    provider: str | None = None,
) -> cloudwatch.Metric:
    """One `AWS/Cognito` metric of one app client (and identity provider, for federation)."""
    dimensions = {"UserPool": user_pool_id, "UserPoolClient": client_id}
    if provider is not None:
        dimensions["IdentityProvider"] = provider
    return cloudwatch.Metric(
        namespace=COGNITO,
        metric_name=metric_name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
    )


def high_risk_total(
    metric_name: str, user_pool_id: str, period: cdk.Duration
) -> cloudwatch.MathExpression:
    """High-risk requests threat protection rated, over every operation (sign-in, sign-up,
    password change). Compromised credentials are always rated high."""
    return insights(
        f"SUM({metric_name})",
        f'SCHEMA("{COGNITO}", Operation, RiskLevel, UserPoolId)',
        {"UserPoolId": user_pool_id, "RiskLevel": "high"},
        period,
        f"{metric_name} (high)",
    )


def sms_month_to_date_spend(period: cdk.Duration) -> cloudwatch.Metric:
    """What the account spent on SMS this month (every sender; no dimensions)."""
    return cloudwatch.Metric(
        namespace=SNS,
        metric_name="SMSMonthToDateSpentUSD",
        statistic="Maximum",
        period=period,
    )
