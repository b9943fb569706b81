"""Operations: alarms and their topic, the dashboard, Cognito's log delivery and the web ACL.

Kit fixtures: `strict` and `relaxed` are production tier (every part on by default; relaxed
notifies an existing topic, runs the web ACL in count mode and goes without a dashboard, with
its reason); `showcase` is development tier with every part turned on; `minimal` is development
tier with the defaults, so it has none of them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.config import EnvironmentConfig
from infra.config.operations import OperationsConfig
from infra.quota import CATEGORY_QUOTAS, OPERATION_CATEGORIES
from stacks.cognito_stack import CognitoStack
from tests.conftest import Assembly, Synthesized, new_app
from tests.stacks.test_nag import acknowledged

ALARM = "AWS::CloudWatch::Alarm"
TRIGGER_IDS = {
    "pre_sign_up": "PreSignUp",
    "post_confirmation": "PostConfirmation",
    "pre_token_generation": "PreTokenGeneration",
    "custom_message": "CustomMessage",
    "user_migration": "UserMigration",
}
OPERATIONS_TYPES = (
    ALARM,
    "AWS::CloudWatch::Dashboard",
    "AWS::Cognito::LogDeliveryConfiguration",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::WAFv2::LoggingConfiguration",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::Logs::ResourcePolicy",
)
EXISTING_TOPIC = "arn:aws:sns:eu-west-1:222222222222:platform-alerts"


def alarms(env: Synthesized) -> dict[str, dict[str, Any]]:
    """Alarm properties by the alarm's id (its name without `<project>-<env>-`)."""
    prefix = f"{env.config.project}-{env.config.name}-"
    return {
        alarm["Properties"]["AlarmName"].removeprefix(prefix): alarm["Properties"]
        for alarm in env.resources(ALARM).values()
    }


def functions(env: Synthesized) -> dict[str, str]:
    """Trigger id -> the function's logical id (not the APIs' example backend)."""
    return {
        TRIGGER_IDS[module]: logical_id
        for logical_id, f in env.resources("AWS::Lambda::Function").items()
        if (module := f["Properties"]["Handler"].split(".")[0]) in TRIGGER_IDS
    }


def ref_of(env: Synthesized, resource_type: str) -> dict[str, str]:
    return {"Ref": next(iter(env.resources(resource_type)))}


def pool_ref(env: Synthesized) -> dict[str, str]:
    return ref_of(env, "AWS::Cognito::UserPool")


def client_ref(client_id: str) -> dict[str, str]:
    return {"Ref": next(i for i in CLIENT_IDS if i.startswith(f"AppClients{client_id}"))}


CLIENT_IDS = (
    "AppClientsWebAppB810510E",
    "AppClientsAdminPortal52BE64F9",
    "AppClientsOrdersWorkerEBC3B087",
)


def joined(value: Any) -> str:
    """An `Fn::Join` (or plain string) with every token replaced by `<token>`."""
    if isinstance(value, str):
        return value
    _, parts = value["Fn::Join"]
    return "".join(part if isinstance(part, str) else "<token>" for part in parts)


def dashboard_metrics(env: Synthesized) -> dict[str, list[Any]]:
    """Widget title -> its metric entries, from the one dashboard's body."""
    body = json.loads(joined(env.only("AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]))
    return {
        widget["properties"]["title"]: widget["properties"].get("metrics")
        or widget["properties"].get("alarms", [])
        for widget in body["widgets"]
    }


def with_operations(env: Synthesized) -> Synthesized:
    if not env.config.operations.alarms.enabled:
        pytest.skip("alarms are off in this environment")
    return env


# --- which parts exist --------------------------------------------------------------------------


def test_production_tier_synthesizes_every_part(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    for resource_type in OPERATIONS_TYPES:
        assert strict.resources(resource_type), resource_type


def test_development_tier_defaults_to_none_of_them(assembly: Assembly) -> None:
    minimal = assembly.environments["minimal"]
    for resource_type in OPERATIONS_TYPES:
        assert minimal.resources(resource_type) == {}, resource_type
    assert minimal.resources("AWS::Logs::LogGroup") == {}


def test_development_tier_turns_every_part_on(assembly: Assembly) -> None:
    showcase = assembly.environments["showcase"]
    for resource_type in OPERATIONS_TYPES:
        assert showcase.resources(resource_type), resource_type


def test_a_production_tier_dashboard_turned_off_with_its_reason_is_gone(assembly: Assembly) -> None:
    relaxed = assembly.environments["relaxed"]
    assert relaxed.config.operations.dashboard.disabled_reason
    assert relaxed.resources("AWS::CloudWatch::Dashboard") == {}
    assert relaxed.resources(ALARM)


def test_each_part_can_be_turned_on_alone(kit_configs: dict[str, EnvironmentConfig]) -> None:
    # GIVEN the minimal development environment with only the web ACL and the logs turned on
    config = kit_configs["minimal"].model_copy(
        update={
            "operations": OperationsConfig.model_validate(
                {"waf": {"enabled": True}, "logs": {"enabled": True}},
                context={"tier": "development"},
            )
        }
    )
    # WHEN it is synthesized on its own
    app = new_app()
    stack = CognitoStack(app, "Alone", config=config, source_file="minimal.yaml")
    resources = app.synth().get_stack_by_name(stack.stack_name).template["Resources"]
    # THEN it has those two parts and nothing of the others
    types = {resource["Type"] for resource in resources.values()}
    assert {"AWS::WAFv2::WebACLAssociation", "AWS::Cognito::LogDeliveryConfiguration"} <= types
    assert not types & {ALARM, "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic", "AWS::KMS::Key"}


# --- alarms -------------------------------------------------------------------------------------


def test_every_trigger_has_errors_throttles_and_duration_alarms(env: Synthesized) -> None:
    env = with_operations(env)
    found = alarms(env)
    thresholds = env.config.operations.alarms.thresholds
    timeout_ms = env.config.triggers.timeout_seconds * 1000
    for trigger_id, logical_id in functions(env).items():
        for metric, statistic, threshold in (
            ("Errors", "Sum", thresholds.trigger_errors),
            ("Throttles", "Sum", thresholds.trigger_throttles),
            ("Duration", "p99", timeout_ms * thresholds.trigger_duration_percent // 100),
        ):
            alarm = found[f"{trigger_id}{metric}"]
            assert alarm["Namespace"] == "AWS/Lambda"
            assert alarm["MetricName"] == metric
            extended = alarm.get("ExtendedStatistic")
            assert (alarm.get("Statistic") or extended) == statistic
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]
            assert alarm["Threshold"] == threshold
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_showcase_thresholds_come_from_its_file(assembly: Assembly) -> None:
    found = alarms(assembly.environments["showcase"])
    assert found["PreSignUpErrors"]["Threshold"] == 5
    assert found["PreSignUpDuration"]["Threshold"] == 4000


def test_throttling_alarms_cover_every_category_the_flows_and_trigger_policies_use(
    env: Synthesized,
) -> None:
    env = with_operations(env)
    allowed = {
        action.split(":", 1)[1]
        for policy in env.resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("cognito-idp:")
    }
    expected = {OPERATION_CATEGORIES[operation] for operation in allowed}
    expected |= {"UserAuthentication", "ClientAuthentication"}  # sign-in, refresh; machines
    if env.config.user_pool.self_sign_up:
        expected.add("UserCreation")
    if env.config.identity_providers:
        expected.add("UserFederation")
    found = {name.removeprefix("Throttled") for name in alarms(env) if name.startswith("Throttled")}
    assert found == expected
    for category in found:
        alarm = alarms(env)[f"Throttled{category}"]
        [query] = alarm["Metrics"]
        assert query["Expression"] == (
            'SELECT SUM(ThrottleCount) FROM "AWS/Usage" '  # noqa: S608 (expected query)
            f"WHERE \"Type\" = 'API' AND \"Resource\" = '{category}'"
        )
        assert query["Period"] == 300
        assert alarm["Threshold"] == env.config.operations.alarms.thresholds.quota_throttles
        assert f"{CATEGORY_QUOTAS[category]}/s by default" in alarm["AlarmDescription"]


def test_strict_throttling_alarms(assembly: Assembly) -> None:
    found = {n for n in alarms(assembly.environments["strict"]) if n.startswith("Throttled")}
    assert {
        "ThrottledUserAuthentication",
        "ThrottledUserFederation",
        "ThrottledClientAuthentication",
        "ThrottledUserResourceUpdate",
    } <= found
    # Linking is off there: the pre sign-up trigger calls nothing, so nothing to watch for it.
    assert not {"ThrottledUserList", "ThrottledUserUpdate"} & found


def test_linking_adds_the_throttling_alarms_of_its_calls(assembly: Assembly) -> None:
    showcase = with_operations(assembly.environments["showcase"])
    found = {n for n in alarms(showcase) if n.startswith("Throttled")}
    assert {"ThrottledUserList", "ThrottledUserRead", "ThrottledUserResourceRead"} <= found
    assert "ThrottledUserUpdate" in found


def test_every_alarm_says_what_breaks_and_what_to_check_and_notifies_on_alarm_and_ok(
    env: Synthesized,
) -> None:
    env = with_operations(env)
    topic = (
        EXISTING_TOPIC if env.config.operations.alarms.topic_arn else ref_of(env, "AWS::SNS::Topic")
    )
    for name, alarm in alarms(env).items():
        description = alarm["AlarmDescription"]
        assert description.startswith(f"{env.config.name}: "), name
        assert "Users: " in description, name
        assert "First check: " in description, name
        assert len(description) <= 1024, name
        assert alarm["AlarmActions"] == [topic], name
        assert alarm["OKActions"] == [topic], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["EvaluationPeriods"] == env.config.operations.alarms.evaluation_periods


def test_sign_in_failure_alarm_watches_the_share_of_failed_attempts_per_client(
    assembly: Assembly,
) -> None:
    strict = assembly.environments["strict"]
    alarm = alarms(strict)["SignInFailuresWebApp"]
    expression, attempts, successes = alarm["Metrics"]
    assert expression["Expression"] == (
        "IF(attempts >= 20, 100 * (attempts - successes) / attempts, 0)"
    )
    for query, statistic in ((attempts, "SampleCount"), (successes, "Sum")):
        assert query["MetricStat"]["Stat"] == statistic
        assert query["MetricStat"]["Metric"] == {
            "Namespace": "AWS/Cognito",
            "MetricName": "SignInSuccesses",
            "Dimensions": [
                {"Name": "UserPool", "Value": pool_ref(strict)},
                {"Name": "UserPoolClient", "Value": client_ref("WebApp")},
            ],
        }
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (50, "GreaterThanThreshold")
    # Machine clients sign nobody in.
    assert not any("OrdersWorker" in name for name in alarms(strict))


def test_federation_failure_alarms_per_client_and_offered_provider(assembly: Assembly) -> None:
    showcase = assembly.environments["showcase"]
    found = {n for n in alarms(showcase) if n.startswith("FederationFailures")}
    assert found == {
        "FederationFailuresWebAppGoogle",
        "FederationFailuresWebAppFacebook",
        "FederationFailuresWebAppApple",
        "FederationFailuresWebAppCorporateSso",
        "FederationFailuresWebAppPartnerLogin",
        "FederationFailuresAdminPortalCorporateSso",
    }
    alarm = alarms(showcase)["FederationFailuresAdminPortalCorporateSso"]
    _, attempts, _ = alarm["Metrics"]
    assert {"Name": "IdentityProvider", "Value": "CorporateSSO"} in attempts["MetricStat"][
        "Metric"
    ]["Dimensions"]
    assert attempts["MetricStat"]["Metric"]["MetricName"] == "FederationSuccesses"
    assert "IF(attempts >= 10," in alarm["Metrics"][0]["Expression"]
    assert alarm["Threshold"] == 25


def test_high_risk_alarms_only_where_threat_protection_runs(assembly: Assembly) -> None:
    strict = alarms(assembly.environments["strict"])
    for metric_name in ("CompromisedCredentialRisk", "AccountTakeoverRisk"):
        alarm = strict[f"HighRisk{metric_name.removesuffix('Risk')}"]
        [query] = alarm["Metrics"]
        assert joined(query["Expression"]) == (
            f'SELECT SUM({metric_name}) FROM SCHEMA("AWS/Cognito", Operation, RiskLevel, '  # noqa: S608
            "UserPoolId) WHERE \"UserPoolId\" = '<token>' AND \"RiskLevel\" = 'high'"
        )
        assert alarm["Threshold"] == 10
    for name in ("showcase", "relaxed"):
        assert not any(n.startswith("HighRisk") for n in alarms(assembly.environments[name]))


def test_alarm_names_are_the_stack_name_and_the_alarm_id(env: Synthesized) -> None:
    for alarm in env.resources(ALARM).values():
        assert re.fullmatch(rf"{env.stack_name}-[A-Z][A-Za-z]+", alarm["Properties"]["AlarmName"])


# --- topic --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["strict", "showcase"])
def test_the_topic_is_kms_encrypted_with_a_rotating_key_cloudwatch_may_use(
    assembly: Assembly, name: str
) -> None:
    env = assembly.environments[name]
    topic = env.only("AWS::SNS::Topic")["Properties"]
    [key_id] = [k for k in env.resources("AWS::KMS::Key") if k.startswith("OperationsAlarms")]
    key = env.resources("AWS::KMS::Key")[key_id]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert {
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Resource": "*",
    } in statements


def test_only_this_accounts_alarms_publish_to_the_topic_over_tls(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    topic = ref_of(strict, "AWS::SNS::Topic")
    policy = strict.only("AWS::SNS::TopicPolicy")["Properties"]
    assert policy["Topics"] == [topic]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(statements) == {
        "AllowPublishThroughSSLOnly",
        "CloudWatchAlarmsPublish",
        "OnlyServicesPublish",
    }
    assert [s["Effect"] for s in statements.values()].count("Allow") == 1
    publish = statements["CloudWatchAlarmsPublish"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == topic
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": "333333333333"}
    assert joined(publish["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:<token>:cloudwatch:eu-west-1:333333333333:alarm:*"
    )
    deny = statements["OnlyServicesPublish"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", "sns:Publish")
    assert deny["Condition"] == {"Bool": {"aws:PrincipalIsAWSService": "false"}}
    tls = statements["AllowPublishThroughSSLOnly"]
    assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_showcase_subscribes_its_on_call_address(assembly: Assembly) -> None:
    showcase = assembly.environments["showcase"]
    subscription = showcase.only("AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "oncall@example.com")
    assert subscription["TopicArn"] == ref_of(showcase, "AWS::SNS::Topic")


def test_a_configured_topic_is_used_as_it_is(assembly: Assembly) -> None:
    relaxed = assembly.environments["relaxed"]
    assert relaxed.resources("AWS::SNS::Topic") == {}
    assert relaxed.resources("AWS::KMS::Key") == {}


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_shows_activity_throttles_and_triggers(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    widgets = dashboard_metrics(strict)
    activity = {
        "Sign-ups": "SignUpSuccesses",
        "Sign-ins": "SignInSuccesses",
        "Token refreshes": "TokenRefreshSuccesses",
        "Federated sign-ins": "FederationSuccesses",
    }
    for title, metric_name in activity.items():
        expressions = [entry[0]["expression"] for entry in widgets[title]]
        schema = (
            "IdentityProvider, UserPool, UserPoolClient"
            if "Federation" in metric_name
            else ("UserPool, UserPoolClient")
        )
        assert expressions == [
            f'SELECT {fn}({metric_name}) FROM SCHEMA("AWS/Cognito", {schema}) '  # noqa: S608
            "WHERE \"UserPool\" = '<token>'"
            for fn in ("SUM", "COUNT")
        ]
    throttles = [e[0]["expression"] for e in widgets["Throttled requests (this user pool)"]]
    for name in (
        "SignUpThrottles",
        "SignInThrottles",
        "TokenRefreshThrottles",
        "FederationThrottles",
    ):
        assert any(f"SUM({name})" in expression for expression in throttles), name
    quota = widgets["Quota: throttled requests per category (account and Region)"]
    throttled = {n.removeprefix("Throttled") for n in alarms(strict) if n.startswith("Throttled")}
    assert {entry[0]["label"] for entry in quota} == throttled
    trigger_functions = set(functions(strict).values())
    for title, metric_name, statistic in (
        ("Trigger invocations", "Invocations", "Sum"),
        ("Trigger errors", "Errors", "Sum"),
        ("Trigger duration p99 (ms; Cognito waits 5000)", "Duration", "p99"),
    ):
        entries = widgets[title]
        assert {tuple(e[:2]) for e in entries} == {("AWS/Lambda", metric_name)}
        assert {e[3] for e in entries} == {"<token>"}  # FunctionName of each function
        assert {e[-1]["stat"] for e in entries} == {statistic}
        assert len(entries) == len(trigger_functions)
    assert len(widgets["Alarms"]) == len(alarms(strict))
    assert "Threat protection: high-risk requests" in widgets
    assert "Web ACL: blocked and counted requests" in widgets


def test_dashboard_is_named_after_the_stack(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    dashboard = strict.only("AWS::CloudWatch::Dashboard")["Properties"]
    assert dashboard["DashboardName"] == strict.stack_name


def test_dashboard_has_no_threat_widget_without_threat_protection(assembly: Assembly) -> None:
    assert "Threat protection: high-risk requests" not in dashboard_metrics(
        assembly.environments["showcase"]
    )


# --- log delivery -------------------------------------------------------------------------------


def delivery(env: Synthesized) -> list[dict[str, Any]]:
    configurations: list[dict[str, Any]] = env.only("AWS::Cognito::LogDeliveryConfiguration")[
        "Properties"
    ]["LogConfigurations"]
    return configurations


def destination_group(configuration: dict[str, Any]) -> str:
    """The logical id of the log group a CloudWatch Logs destination names."""
    _, parts = configuration["CloudWatchLogsConfiguration"]["LogGroupArn"]["Fn::Join"]
    assert parts[-2].endswith(":log-group:")  # the group, not `:*` (its streams)
    ref: str = parts[-1]["Ref"]
    return ref


def test_plus_pools_deliver_notification_errors_and_user_activity(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    configurations = delivery(strict)
    assert [(c["EventSource"], c["LogLevel"]) for c in configurations] == [
        ("userNotification", "ERROR"),
        ("userAuthEvents", "INFO"),
    ]
    groups = strict.resources("AWS::Logs::LogGroup")
    for configuration in configurations:
        group = groups[destination_group(configuration)]
        assert group["Properties"]["RetentionInDays"] == 365
        assert group["DeletionPolicy"] == "Retain"
    pool = strict.only("AWS::Cognito::LogDeliveryConfiguration")["Properties"]["UserPoolId"]
    assert pool == pool_ref(strict)


def test_pools_without_threat_protection_deliver_notification_errors_only(
    assembly: Assembly,
) -> None:
    showcase = assembly.environments["showcase"]
    [configuration] = delivery(showcase)
    assert (configuration["EventSource"], configuration["LogLevel"]) == (
        "userNotification",
        "ERROR",
    )
    group = showcase.resources("AWS::Logs::LogGroup")[destination_group(configuration)]
    assert group["Properties"]["RetentionInDays"] == showcase.config.operations.logs.retention_days
    assert group["DeletionPolicy"] == "Delete"  # the pool is destroyable here


def test_only_the_delivery_service_writes_to_the_kits_log_groups(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    resource = strict.only("AWS::Logs::ResourcePolicy")
    document = json.loads(joined(resource["Properties"]["PolicyDocument"]))
    [statement] = document["Statement"]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == ["<token>"] * 3  # notification errors, activity, WAF
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "333333333333"}
    _, parts = resource["Properties"]["PolicyDocument"]["Fn::Join"]
    arns = [p["Fn::GetAtt"][0] for p in parts if isinstance(p, dict) and "Fn::GetAtt" in p]
    waf = next(
        i for i in strict.resources("AWS::Logs::LogGroup") if i.startswith("OperationsFirewall")
    )
    assert sorted(arns) == sorted([destination_group(c) for c in delivery(strict)] + [waf])
    for dependent in ("AWS::Cognito::LogDeliveryConfiguration", "AWS::WAFv2::LoggingConfiguration"):
        [policy_id] = strict.resources("AWS::Logs::ResourcePolicy")
        assert policy_id in strict.only(dependent)["DependsOn"], dependent


# --- web ACL ------------------------------------------------------------------------------------


def web_acl(env: Synthesized) -> tuple[str, dict[str, Any]]:
    [(logical_id, acl)] = env.resources("AWS::WAFv2::WebACL").items()
    return logical_id, acl["Properties"]


@pytest.mark.parametrize(
    ("name", "limit", "window"), [("strict", 1000, 300), ("showcase", 500, 60)]
)
def test_web_acl_has_a_per_ip_rate_limit_from_config_and_the_managed_rules(
    assembly: Assembly, name: str, limit: int, window: int
) -> None:
    env = assembly.environments[name]
    _, acl = web_acl(env)
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert list(rules) == [
        "RateLimitPerIp",
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesCommonRuleSet",
    ]
    assert [rule["Priority"] for rule in rules.values()] == [0, 1, 2, 3]
    rate = rules["RateLimitPerIp"]
    assert rate["Statement"] == {
        "RateBasedStatement": {
            "AggregateKeyType": "IP",
            "Limit": limit,
            "EvaluationWindowSec": window,
        }
    }
    assert rate["Action"] == {"Block": {}}
    for group in list(rules)[1:]:
        assert rules[group]["Statement"] == {
            "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": group}
        }
        assert rules[group]["OverrideAction"] == {"None": {}}
    for visibility in [acl["VisibilityConfig"], *(r["VisibilityConfig"] for r in rules.values())]:
        assert visibility["CloudWatchMetricsEnabled"] is True
        assert visibility["SampledRequestsEnabled"] is True
        assert visibility["MetricName"].startswith(env.stack_name)


def test_count_mode_counts_instead_of_blocking(assembly: Assembly) -> None:
    _, acl = web_acl(assembly.environments["relaxed"])
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert rules["RateLimitPerIp"]["Action"] == {"Count": {}}
    for name, rule in rules.items():
        if name == "AWSManagedRulesKnownBadInputsRuleSet":
            # Exploit patterns (Log4Shell) block in both modes: checkov CKV_AWS_192.
            assert rule["OverrideAction"] == {"None": {}}
        elif name != "RateLimitPerIp":
            assert rule["OverrideAction"] == {"Count": {}}


def test_the_web_acl_is_associated_with_the_user_pool(env: Synthesized) -> None:
    if not env.config.operations.waf.enabled:
        assert env.resources("AWS::WAFv2::WebACLAssociation") == {}
        return
    acl_id, _ = web_acl(env)
    association = env.only("AWS::WAFv2::WebACLAssociation")["Properties"]
    pool_id = next(iter(env.resources("AWS::Cognito::UserPool")))
    assert association == {
        "ResourceArn": {"Fn::GetAtt": [pool_id, "Arn"]},
        "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]},
    }


def test_the_web_acl_logs_what_it_stopped_without_cookies_or_authorization(
    assembly: Assembly,
) -> None:
    strict = assembly.environments["strict"]
    acl_id, _ = web_acl(strict)
    logging = strict.only("AWS::WAFv2::LoggingConfiguration")["Properties"]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
    [keep] = logging["LoggingFilter"]["Filters"]
    assert keep["Behavior"] == "KEEP"
    assert [c["ActionCondition"]["Action"] for c in keep["Conditions"]] == ["BLOCK", "COUNT"]
    [destination] = logging["LogDestinationConfigs"]
    _, parts = destination["Fn::Join"]
    group_id = parts[-1]["Ref"]
    group = strict.resources("AWS::Logs::LogGroup")[group_id]["Properties"]
    assert group["LogGroupName"] == f"aws-waf-logs-{strict.stack_name}"
    assert group["RetentionInDays"] == 365


# --- acknowledgments ----------------------------------------------------------------------------


def test_kit_log_groups_acknowledge_encryption_with_what_they_hold(assembly: Assembly) -> None:
    report = assembly.validation_report()
    reasons = {
        (violation["ruleName"], construct["constructPath"]): violation["reason"]
        for plugin in report["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        for construct in violation["violatingConstructs"]
    }
    expected = {
        "Logs/NotificationErrors": "emails and SMS Cognito failed to deliver",
        "Logs/UserActivity": "user-activity log",
        "Firewall/Logs": "AWS WAF blocked or counted",
    }
    for name in ("strict", "showcase"):
        env = assembly.environments[name]
        for path, content in expected.items():
            if path == "Logs/UserActivity" and name == "showcase":
                continue
            for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"):
                rule = f"{pack}-CloudWatchLogGroupEncrypted"
                reason = reasons[(rule, f"{name}/Cognito/Operations/{path}/Resource")]
                assert reason.startswith(f"{name}: the ")
                assert content in reason
        for logical_id, group in env.resources("AWS::Logs::LogGroup").items():
            if logical_id.startswith("Operations"):
                [skip] = group["Metadata"]["checkov"]["skip"]
                assert skip["id"] == "CKV_AWS_158"
                assert skip["comment"].startswith(f"{name}: the ")


def test_the_email_subscription_acknowledges_its_missing_redrive_policy(
    assembly: Assembly,
) -> None:
    rules = acknowledged(assembly)["showcase"]
    assert (
        "Serverless-SNSRedrivePolicy",
        "showcase/Cognito/Operations/Alarms/Topic/oncall@example.com/Resource",
    ) in rules
    assert not any(
        rule == "Serverless-SNSRedrivePolicy" for rule, _ in acknowledged(assembly)["strict"]
    )
