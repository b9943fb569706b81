"""The operations section: alarms, dashboard, user-pool log delivery and the web ACL.

Each part has `enabled`. Its default depends on the tier: on in production-tier environments,
off in development-tier ones (they stay cheap). A development-tier file turns any part on or
off; a production-tier file that turns one off writes `disabled_reason`, a sentence that says
why the environment runs without it.

Checks that need the user pool (user-activity logs and threat-protection alarms need the plus
plan with threat protection on) live in `infra.config.references`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section, tier_of
from infra.config.types import Bool, EmailAddress, Int, LogRetentionDays, NonEmptyStr, Str

SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
FIREHOSE_STREAM_ARN = re.compile(
    r"^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream/[A-Za-z0-9_.-]{1,64}$"
)
S3_BUCKET_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# CloudWatch alarms accept these periods for metrics with standard resolution.
ALARM_PERIOD_MINUTES = (1, 5, 10, 15, 30, 60)


class _Part(Section):
    """A part of the operations section that production-tier environments keep on."""

    # Never None after validation: `_tier_default` fills in the tier's default.
    enabled: Bool | None = Field(
        None,
        description="Default: on in production-tier environments, off in development-tier ones.",
    )
    disabled_reason: NonEmptyStr | None = Field(
        None,
        description="Why a production-tier environment runs without this part (required there "
        "when `enabled` is false).",
    )

    @model_validator(mode="before")
    @classmethod
    def _tier_default(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and data.get("enabled") is None:
            return {**data, "enabled": tier_of(info) == "production"}
        return data

    @model_validator(mode="after")
    def _reason(self, info: ValidationInfo) -> _Part:
        problems = KeyProblems(self)
        if self.enabled and self.disabled_reason is not None:
            problems.add("disabled_reason", "is only allowed when enabled is false")
        if not self.enabled and self.disabled_reason is None and tier_of(info) == "production":
            problems.add(
                "disabled_reason",
                "a production-tier environment that turns this off needs disabled_reason: a "
                "sentence saying why it runs without it",
            )
        problems.raise_any()
        return self


class AlarmThresholds(Section):
    """When each alarm fires. Counts are per alarm period."""

    trigger_errors: Int = Field(
        3,
        ge=1,
        description="Failed invocations of one trigger (the pre sign-up trigger's deliberate "
        "denials count too).",
    )
    trigger_throttles: Int = Field(1, ge=1, description="Throttled invocations of one trigger.")
    trigger_duration_percent: Int = Field(
        80, ge=10, le=100, description="p99 duration of a trigger, in percent of its timeout."
    )
    quota_throttles: Int = Field(
        1, ge=1, description="Requests Cognito throttled in one quota category (whole account)."
    )
    sign_in_failure_percent: Int = Field(
        50, ge=1, le=100, description="Failed sign-ins through one app client, in percent."
    )
    sign_in_min_attempts: Int = Field(
        20, ge=1, description="Sign-in attempts needed before the failure share counts."
    )
    federation_failure_percent: Int = Field(
        25, ge=1, le=100, description="Failed federated sign-ins per client and provider, %."
    )
    federation_min_attempts: Int = Field(
        10, ge=1, description="Federated sign-in attempts needed before the share counts."
    )
    high_risk_events: Int = Field(
        10,
        ge=1,
        description="Requests threat protection rated high risk (compromised credentials or "
        "account takeover).",
    )
    message_delivery_errors: Int = Field(
        5,
        ge=1,
        description="Emails or texts Cognito failed to deliver (its message-delivery error "
        "log); alarmed where one-time codes are a first factor and logs are on.",
    )
    sms_spend_usd: Int = Field(
        100,
        ge=1,
        description="The account's SMS spend this month in USD (AWS/SNS "
        "SMSMonthToDateSpentUSD); alarmed where SMS codes are a first factor.",
    )


class AlarmsConfig(_Part):
    """CloudWatch alarms on the triggers, Cognito throttling, failures and threat protection."""

    topic_arn: Str | None = Field(
        None,
        description="Notify this existing SNS topic instead of creating one (it must allow "
        "CloudWatch to publish, and to use its KMS key if encrypted).",
    )
    email_subscriptions: tuple[EmailAddress, ...] = Field(
        (), description="Subscribe these addresses to the kit's topic (each confirms by mail)."
    )
    period_minutes: Int = Field(
        5,
        description="Alarm period in minutes: 1, 5, 10, 15, 30 or 60 (Cognito publishes "
        "every 5 minutes).",
    )
    evaluation_periods: Int = Field(
        1, ge=1, le=24, description="Periods in a row that must breach before an alarm fires."
    )
    threat_protection: Bool | None = Field(
        None,
        description="Alarm on high-risk events; default: on where the pool has the plus plan "
        "with threat protection on.",
    )
    thresholds: AlarmThresholds = Field(
        default_factory=dict, validate_default=True, description="When each alarm fires."
    )

    @field_validator("topic_arn")
    @classmethod
    def _topic_arn(cls, value: str | None) -> str | None:
        if value is not None and not SNS_TOPIC_ARN.match(value):
            raise ValueError("must be an SNS topic ARN: arn:aws:sns:<region>:<account>:<name>")
        return value

    @field_validator("period_minutes")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in ALARM_PERIOD_MINUTES:
            raise ValueError(f"allowed: one of {list(ALARM_PERIOD_MINUTES)}")
        return value

    @model_validator(mode="after")
    def _subscriptions(self) -> AlarmsConfig:
        problems = KeyProblems(self)
        if self.topic_arn is not None and self.email_subscriptions:
            problems.add(
                "email_subscriptions",
                "only apply to the kit's own topic; subscribe to topic_arn where that topic is "
                "managed",
            )
        problems.raise_any()
        return self


class DashboardConfig(_Part):
    """A CloudWatch dashboard: sign-ups, sign-ins, refreshes, federation, throttles, triggers."""


class LogsConfig(_Part):
    """Cognito's own log delivery: message-delivery errors, and user activity on plus."""

    retention_days: LogRetentionDays = Field(
        365, description="Retention of the log groups the kit creates (a CloudWatch Logs period)."
    )
    user_activity: Literal["auto", "off", "cloudwatch", "firehose", "s3"] = Field(
        "auto",
        description="Where user-activity logs (sign-ins, source IPs, threat-protection "
        "decisions) go; `auto`: a log group where the pool has them (plus plan, threat "
        "protection on), else none.",
    )
    user_activity_arn: Str | None = Field(
        None, description="Firehose stream or S3 bucket ARN for `firehose` / `s3`."
    )

    @model_validator(mode="after")
    def _destination(self) -> LogsConfig:
        pattern = {"firehose": FIREHOSE_STREAM_ARN, "s3": S3_BUCKET_ARN}.get(self.user_activity)
        problems = KeyProblems(self)
        if pattern is None and self.user_activity_arn is not None:
            problems.add(
                "user_activity_arn",
                "only applies to user_activity firehose or s3",
                show_value=False,
            )
        if pattern is not None and not pattern.match(self.user_activity_arn or ""):
            example = (
                "arn:aws:firehose:<region>:<account>:deliverystream/<name>"
                if self.user_activity == "firehose"
                else "arn:aws:s3:::<bucket>"
            )
            problems.add(
                "user_activity_arn",
                f"user_activity {self.user_activity} needs user_activity_arn: {example}",
            )
        problems.raise_any()
        return self


class WafConfig(_Part):
    """An AWS WAF web ACL on the user pool: managed rules, IP reputation, a per-IP rate limit."""

    action: Literal["block", "count"] = Field(
        "block",
        description="`block`, or `count` to watch the rules before they block anyone (the "
        "known-bad-inputs group blocks in both modes).",
    )
    rate_limit: Int = Field(
        1000,
        ge=10,
        le=2_000_000_000,
        description="Requests one IP address may send in the rate window before it is blocked.",
    )
    rate_window_seconds: Literal[60, 120, 300, 600] = Field(
        300, description="The window the rate limit counts over: 60, 120, 300 or 600 seconds."
    )
    log_retention_days: LogRetentionDays = Field(
        365, description="Retention of the log of blocked and counted requests."
    )


class OperationsConfig(Section):
    """What the platform team sees and what protects the sign-in pages in production."""

    alarms: AlarmsConfig = Field(
        default_factory=dict, validate_default=True, description="CloudWatch alarms."
    )
    dashboard: DashboardConfig = Field(
        default_factory=dict, validate_default=True, description="CloudWatch dashboard."
    )
    logs: LogsConfig = Field(
        default_factory=dict, validate_default=True, description="User-pool log delivery."
    )
    waf: WafConfig = Field(
        default_factory=dict, validate_default=True, description="AWS WAF web ACL."
    )
