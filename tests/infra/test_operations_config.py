"""The operations section: tier defaults, the written reason for turning a part off in
production, and the refusals (each with its key path and the fix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.config import load_environment
from infra.config.operations import (
    AlarmsConfig,
    DashboardConfig,
    LogsConfig,
    OperationsConfig,
    WafConfig,
)
from tests.infra.test_config_errors import kit_file, problems_of, write_env

PARTS = ("alarms", "dashboard", "logs", "waf")
DEVELOPMENT = {"tier": "development"}
PRODUCTION = {"tier": "production"}


@pytest.mark.parametrize(("context", "expected"), [(PRODUCTION, True), (DEVELOPMENT, False)])
def test_every_part_is_on_in_production_and_off_in_development_by_default(
    context: dict[str, str], expected: bool
) -> None:
    operations = OperationsConfig.model_validate({}, context=context)
    assert [getattr(operations, part).enabled for part in PARTS] == [expected] * 4


def test_an_unknown_tier_context_gets_the_production_default() -> None:
    assert OperationsConfig.model_validate({}).alarms.enabled is True


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("enabled", [True, False])
def test_development_turns_each_part_on_or_off_without_a_reason(part: str, enabled: bool) -> None:
    operations = OperationsConfig.model_validate({part: {"enabled": enabled}}, context=DEVELOPMENT)
    assert getattr(operations, part).enabled is enabled


@pytest.mark.parametrize("part", PARTS)
def test_production_turns_a_part_off_only_with_a_reason(part: str) -> None:
    with pytest.raises(ValidationError, match="needs disabled_reason"):
        OperationsConfig.model_validate({part: {"enabled": False}}, context=PRODUCTION)
    operations = OperationsConfig.model_validate(
        {part: {"enabled": False, "disabled_reason": "watched by the shared platform stack"}},
        context=PRODUCTION,
    )
    assert getattr(operations, part).enabled is False


def test_a_reason_for_a_part_that_is_on_is_refused() -> None:
    with pytest.raises(ValidationError, match="only allowed when enabled is false"):
        WafConfig.model_validate({"disabled_reason": "not needed"}, context=PRODUCTION)


def test_alarm_defaults() -> None:
    alarms = AlarmsConfig.model_validate({}, context=PRODUCTION)
    assert (alarms.topic_arn, alarms.period_minutes, alarms.evaluation_periods) == (None, 5, 1)
    assert alarms.threat_protection is None
    thresholds = alarms.thresholds
    assert (thresholds.trigger_errors, thresholds.trigger_throttles) == (3, 1)
    assert thresholds.trigger_duration_percent == 80
    assert thresholds.quota_throttles == 1
    assert (thresholds.sign_in_failure_percent, thresholds.sign_in_min_attempts) == (50, 20)
    assert (thresholds.federation_failure_percent, thresholds.federation_min_attempts) == (25, 10)
    assert thresholds.high_risk_events == 10


def test_waf_defaults_block_with_a_rate_limit_of_1000_per_5_minutes() -> None:
    waf = WafConfig.model_validate({}, context=PRODUCTION)
    assert (waf.action, waf.rate_limit, waf.rate_window_seconds) == ("block", 1000, 300)
    assert waf.log_retention_days == 365


def test_logs_default_to_a_year_and_user_activity_where_the_plan_has_it() -> None:
    logs = LogsConfig.model_validate({}, context=PRODUCTION)
    assert (logs.retention_days, logs.user_activity, logs.user_activity_arn) == (365, "auto", None)


def test_the_dashboard_has_nothing_but_its_switch() -> None:
    assert set(DashboardConfig.model_fields) == {"enabled", "disabled_reason"}


@pytest.mark.parametrize(
    ("part", "data", "message"),
    [
        ("alarms", {"topic_arn": "arn:aws:sqs:eu-west-1:1:q"}, "must be an SNS topic ARN"),
        ("alarms", {"period_minutes": 2}, "allowed: one of [1, 5, 10, 15, 30, 60]"),
        (
            "alarms",
            {
                "topic_arn": "arn:aws:sns:eu-west-1:123456789012:alerts",
                "email_subscriptions": ["oncall@example.com"],
            },
            "email_subscriptions: only apply to the kit's own topic",
        ),
        ("logs", {"retention_days": 2}, "allowed: one of [1, 3, 5"),
        ("logs", {"user_activity": "firehose"}, "needs user_activity_arn"),
        (
            "logs",
            {"user_activity": "s3", "user_activity_arn": "arn:aws:firehose:x"},
            "arn:aws:s3:::<bucket>",
        ),
        (
            "logs",
            {"user_activity": "cloudwatch", "user_activity_arn": "arn:aws:s3:::logs"},
            "only applies to user_activity firehose or s3",
        ),
        ("waf", {"rate_limit": 9}, "greater than or equal to 10"),
        ("waf", {"rate_window_seconds": 30}, "Input should be 60, 120, 300 or 600"),
        ("waf", {"action": "captcha"}, "'block' or 'count'"),
    ],
)
def test_refusals_say_what_is_allowed(part: str, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        OperationsConfig.model_validate({part: data}, context=PRODUCTION)
    assert message in str(caught.value)


def test_accepted_destinations_for_user_activity() -> None:
    firehose = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/cognito-activity"
    logs = LogsConfig.model_validate(
        {"user_activity": "firehose", "user_activity_arn": firehose}, context=PRODUCTION
    )
    assert logs.user_activity_arn == firehose
    bucket = LogsConfig.model_validate(
        {"user_activity": "s3", "user_activity_arn": "arn:aws:s3:::acme-cognito-logs"},
        context=PRODUCTION,
    )
    assert bucket.user_activity == "s3"


def test_a_production_file_that_turns_alarms_off_is_refused_with_its_key_path(
    tmp_path: Path,
) -> None:
    data = kit_file("strict")
    data["operations"] = {"alarms": {"enabled": False}, "waf": {"enabled": False}}
    path = write_env(tmp_path, "prod", data)
    problems = problems_of(tmp_path, "prod")
    for part in ("alarms", "waf"):
        assert (
            f"{path}: operations.{part}.disabled_reason: not set: a production-tier environment "
            "that turns this off needs disabled_reason: a sentence saying why it runs without it"
        ) in problems


def test_user_activity_logs_and_threat_alarms_need_the_plus_plan(tmp_path: Path) -> None:
    data = kit_file("relaxed")  # essentials plan, threat protection off
    data["operations"] = {
        "logs": {"user_activity": "cloudwatch"},
        "alarms": {"threat_protection": True},
    }
    path = write_env(tmp_path, "staging", data)
    problems = problems_of(tmp_path, "staging")
    needs = (
        "needs user_pool.feature_plan `plus` with threat_protection.mode `audit` or `enforced` "
        "(the pool has essentials, threat protection off)"
    )
    assert problems == [
        f"{path}: operations.logs.user_activity: cloudwatch: user-activity logs {needs}",
        f"{path}: operations.alarms.threat_protection: true: high-risk event alarms {needs}",
    ]


def test_cross_section_checks_run_when_another_section_has_an_error(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["operations"] = {"logs": {"user_activity": "cloudwatch"}}
    data["owner"] = 7
    write_env(tmp_path, "staging", data)
    problems = problems_of(tmp_path, "staging")
    assert any("owner" in p for p in problems)
    assert any("operations.logs.user_activity" in p for p in problems)


def test_a_pool_without_threat_protection_may_keep_the_automatic_settings(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["operations"] = {"logs": {"user_activity": "auto"}, "alarms": {"threat_protection": None}}
    write_env(tmp_path, "staging", data)
    assert load_environment("staging", directory=tmp_path).operations.logs.enabled
