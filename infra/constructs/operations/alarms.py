"""CloudWatch alarms that page the platform team when sign-up or sign-in breaks.

Every alarm's description says what users see while it fires and the first thing to check.
Missing data never alarms: no traffic is not an outage. Alarms notify an encrypted SNS topic
the kit creates (only CloudWatch may publish to it) or an existing topic from the config, on
ALARM and on OK, so a page resolves itself.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config.operations import AlarmsConfig
from infra.constructs.kms import allow_grants_to_aws_services_only
from infra.constructs.operations import metrics
from infra.nag import acknowledge
from infra.quota import CATEGORY_QUOTAS


@dataclass(frozen=True)
class TriggerImpact:
    """What a failing trigger breaks for users, and where to look first."""

    breaks: str
    check: str


TRIGGER_IMPACT = {
    "PreSignUp": TriggerImpact(
        "sign-ups and first federated sign-ins fail with 'try again' (it fails closed; "
        "deliberate email-domain denials also count as errors)",
        "ERROR lines in its log group: '<Operation> failed' (ListUsers, AdminGetUser, "
        "AdminListGroupsForUser, AdminLinkProviderForUser, with error_code) or 'invalid "
        "trigger configuration'",
    ),
    "PostConfirmation": TriggerImpact(
        "confirming a sign-up returns an error to the user and the user may miss the default "
        "group (the confirmation itself stands)",
        "its log group for timeouts or 'AdminAddUserToGroup failed'; add missing memberships "
        "with AdminAddUserToGroup",
    ),
    "PreTokenGeneration": TriggerImpact(
        "Cognito issues no tokens: every sign-in and token refresh fails",
        "its log group for 'Task timed out' or 'Runtime.ImportModuleError', and the last "
        "deployment of the function",
    ),
    "UserMigration": TriggerImpact(
        "users not yet moved from the old pool cannot sign in or reset their password here "
        "(they are told to try again)",
        "its log group for AdminInitiateAuth/AdminGetUser errors on the old pool, and that the "
        "old pool's app client still allows ALLOW_ADMIN_USER_PASSWORD_AUTH",
    ),
    "CustomMessage": TriggerImpact(
        "the operations that send a message (sign-up, resend code, forgot password, "
        "invitations, MFA codes) fail",
        "its log group for timeouts or 'invalid trigger configuration'",
    ),
    "InboundFederation": TriggerImpact(
        "every federated sign-in (SAML, OIDC, social) fails with 'try again' (it fails closed)",
        "its log group for 'failing the sign-in' (an event it cannot read, a provider type "
        "that differs from the configuration) or 'invalid trigger configuration'",
    ),
    # The team's own functions (docs/triggers.md): what Cognito does when they fail.
    "PreAuthentication": TriggerImpact(
        "sign-ins fail (Cognito refuses the sign-in when the function errors)",
        "the team function's log group; its owner's runbook",
    ),
    "PostAuthentication": TriggerImpact(
        "sign-ins fail after the password was accepted (no tokens are issued)",
        "the team function's log group; its owner's runbook",
    ),
    "DefineAuthChallenge": TriggerImpact(
        "custom-challenge sign-ins (auth flow `custom`) fail",
        "the team function's log group; its owner's runbook",
    ),
    "CreateAuthChallenge": TriggerImpact(
        "custom-challenge sign-ins (auth flow `custom`) fail",
        "the team function's log group; its owner's runbook",
    ),
    "VerifyAuthChallengeResponse": TriggerImpact(
        "custom-challenge sign-ins (auth flow `custom`) fail",
        "the team function's log group; its owner's runbook",
    ),
    "CustomEmailSender": TriggerImpact(
        "no email reaches users: sign-up codes, password resets, invitations and email MFA "
        "codes are lost",
        "the team function's log group for kms:Decrypt denials (its role must be the key "
        "policy's decrypt_role_arn) and its mail provider's status",
    ),
    "CustomSmsSender": TriggerImpact(
        "no SMS reaches users: sign-up codes, password resets and SMS MFA codes are lost",
        "the team function's log group for kms:Decrypt denials (its role must be the key "
        "policy's decrypt_role_arn) and its SMS provider's status",
    ),
}
CATEGORY_IMPACT = {
    "UserAuthentication": "sign-ins and token refreshes fail with TooManyRequestsException",
    "UserCreation": "sign-ups and confirmations fail",
    "UserFederation": "federated sign-ins (Google, SAML, ...) fail",
    "ClientAuthentication": "machine clients get no access tokens",
    "UserList": "the pre sign-up trigger's ListUsers fails, so first federated sign-ins fail "
    "closed",
    "UserUpdate": "AdminLinkProviderForUser fails, so first federated sign-ins that link fail "
    "closed",
    "UserRead": "user lookups (AdminGetUser) in the triggers fail",
    "UserResourceRead": "group and device lookups (AdminListGroupsForUser) fail",
    "UserResourceUpdate": "default-group membership at confirmation is skipped",
}
PASSKEY_REGISTRATION_IMPACT = (
    "registering a passkey fails (StartWebAuthnRegistration, CompleteWebAuthnRegistration; "
    "their category is not confirmed, see docs/operations.md), as does account linking "
    "(AdminLinkProviderForUser) where the pre sign-up trigger links"
)


class Alarms(Construct):
    """The alarms of one environment and the topic they notify.

    `clients` maps the interactive app clients' config ids to their Cognito client ids;
    `sign_in_clients` are those offering password sign-in; `federation` maps a client's config
    id to the identity providers it offers (config id -> provider name).

    Attributes:
        topic: the SNS topic every alarm notifies (created, or the configured one).
        key: the KMS key of a created topic (None for a configured topic).
        alarms: every alarm by its construct id.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: AlarmsConfig,
        environment: str,
        name_prefix: str,
        user_pool_id: str,
        trigger_functions: Mapping[str, metrics.FunctionMetrics],
        trigger_timeouts: Mapping[str, int],
        quota_categories: list[str],
        clients: Mapping[str, str],
        sign_in_clients: Collection[str],
        federation: Mapping[str, Mapping[str, str]],
        threat_protection: bool,
        removal_policy: cdk.RemovalPolicy,
        message_errors: logs.ILogGroup | None = None,
        sms_spend: bool = False,
        passkeys: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        self._config = config
        self._environment = environment
        self._name_prefix = name_prefix
        self._period = cdk.Duration.minutes(config.period_minutes)
        self.key: kms.Key | None = None
        self.topic = self._topic(removal_policy)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        thresholds = config.thresholds
        window = f"{config.period_minutes} min"

        for trigger_id, function in trigger_functions.items():
            impact = TRIGGER_IMPACT[trigger_id]
            self._alarm(
                f"{trigger_id}Errors",
                function.metric_errors(period=self._period, statistic="Sum"),
                thresholds.trigger_errors,
                f"the {trigger_id} trigger failed {thresholds.trigger_errors}+ times in "
                f"{window}. Users: {impact.breaks}. First check: {impact.check}.",
            )
            self._alarm(
                f"{trigger_id}Throttles",
                function.metric_throttles(period=self._period, statistic="Sum"),
                thresholds.trigger_throttles,
                f"Lambda throttled the {trigger_id} trigger {thresholds.trigger_throttles}+ "
                f"times in {window}; Cognito fails the request. Users: {impact.breaks}. First "
                "check: the account's ConcurrentExecutions and any function whose reserved "
                "concurrency takes the shared pool.",
            )
            timeout = trigger_timeouts[trigger_id]
            limit_ms = timeout * 1000 * thresholds.trigger_duration_percent // 100
            self._alarm(
                f"{trigger_id}Duration",
                function.metric_duration(period=self._period, statistic="p99"),
                limit_ms,
                f"the {trigger_id} trigger's p99 duration is above {limit_ms} ms "
                f"({thresholds.trigger_duration_percent}% of its {timeout} s "
                "timeout); Cognito gives up after 5 s. Users: slow, then failing requests: "
                f"{impact.breaks}. First check: cold starts and the latency of its AWS calls in "
                "its log (throttled Cognito admin calls show up as retries).",
            )

        impacts = dict(CATEGORY_IMPACT)
        if passkeys:
            impacts["UserUpdate"] = PASSKEY_REGISTRATION_IMPACT
        for category in quota_categories:
            self._alarm(
                f"Throttled{category}",
                metrics.quota_usage("ThrottleCount", category, self._period),
                thresholds.quota_throttles,
                f"Cognito throttled {thresholds.quota_throttles}+ {category} requests in "
                f"{window} (the quota is per account and Region, across all user pools; "
                f"{CATEGORY_QUOTAS[category]}/s by default). Users: "
                f"{impacts.get(category, 'the calls in this category fail')}. First "
                "check: the dashboard's quota widgets for which caller (app retries, batch job, "
                "trigger) drives the category, then docs/operations.md (quota budget) before "
                "asking for a quota increase.",
            )

        for client_id in sign_in_clients:
            self._failure_alarm(
                f"SignInFailures{client_id}",
                "SignInSuccesses",
                user_pool_id,
                clients[client_id],
                None,
                thresholds.sign_in_failure_percent,
                thresholds.sign_in_min_attempts,
                f"more than {thresholds.sign_in_failure_percent}% of the sign-ins through app "
                f"client {client_id} failed ({thresholds.sign_in_min_attempts}+ attempts in "
                f"{window}). Users: cannot sign in, or someone is guessing passwords. First "
                "check: the user-activity log for the failure reasons and source IPs, then what "
                "changed in the app (auth flow, client secret).",
            )
        for client_id, providers in federation.items():
            for provider_id, provider_name in providers.items():
                self._failure_alarm(
                    f"FederationFailures{client_id}{provider_id}",
                    "FederationSuccesses",
                    user_pool_id,
                    clients[client_id],
                    provider_name,
                    thresholds.federation_failure_percent,
                    thresholds.federation_min_attempts,
                    f"more than {thresholds.federation_failure_percent}% of the sign-ins with "
                    f"{provider_name} through app client {client_id} failed "
                    f"({thresholds.federation_min_attempts}+ attempts in {window}). Users: "
                    f"cannot sign in with {provider_name}. First check: the provider's status "
                    "and its client secret or SAML signing certificate, the attribute mapping, "
                    "and the pre sign-up trigger's log.",
                )

        if threat_protection:
            for metric_name, what in (
                ("CompromisedCredentialRisk", "sign-ins with compromised credentials"),
                ("AccountTakeoverRisk", "high-risk (account takeover) requests"),
            ):
                self._alarm(
                    f"HighRisk{metric_name.removesuffix('Risk')}",
                    metrics.high_risk_total(metric_name, user_pool_id, self._period),
                    thresholds.high_risk_events,
                    f"threat protection saw {thresholds.high_risk_events}+ {what} in "
                    f"{window}. Users: those requests are blocked or challenged as the risk "
                    "configuration says; a wave of them is credential stuffing. First check: "
                    "the user-activity log for the source IPs and decisions, then a WAF block "
                    "of those IPs.",
                )

        if message_errors is not None:
            # Cognito publishes no metric for failed deliveries; its delivery-error log has one
            # record per email or text it could not send.
            errors = logs.MetricFilter(
                self,
                "MessageDeliveryErrorsFilter",
                log_group=message_errors,
                filter_pattern=logs.FilterPattern.all_events(),
                metric_namespace=metrics.KIT_NAMESPACE,
                metric_name=f"{name_prefix}-MessageDeliveryErrors",
                metric_value="1",
            )
            self._alarm(
                "MessageDeliveryErrors",
                errors.metric(statistic="Sum", period=self._period),
                thresholds.message_delivery_errors,
                f"Cognito failed to deliver {thresholds.message_delivery_errors}+ emails or "
                f"texts in {window}. Users: sign-ins with a one-time code (and sign-up, "
                "password reset, MFA codes) wait for a message that never comes. First check: "
                "the NotificationErrors log group for the error (SES sandbox or sending quota, "
                "unverified identity, SNS spend limit or blocked country).",
            )
        if sms_spend:
            self._alarm(
                "SmsSpend",
                metrics.sms_month_to_date_spend(self._period),
                thresholds.sms_spend_usd,
                f"the account's SMS spend this month reached {thresholds.sms_spend_usd} USD "
                "(AWS/SNS SMSMonthToDateSpentUSD, every sender in the account). Users: once "
                "the account's SNS spend limit is hit, SMS codes stop and those sign-ins fail. "
                "First check: a surge of SMS sign-ins to premium or unusual countries (toll "
                "fraud) in the user-activity log, the WAF rate limit, and the protect "
                "configuration named in user_pool.sign_in.sms_spend_guard.",
            )

    def _topic(self, removal_policy: cdk.RemovalPolicy) -> sns.ITopic:
        if self._config.topic_arn is not None:
            return sns.Topic.from_topic_arn(self, "Topic", self._config.topic_arn)
        stack = cdk.Stack.of(self)
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"{self._environment}: encrypts the Cognito alarm topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # CloudWatch encrypts what it publishes with the topic's key. The statement is the one
        # the CloudWatch guide gives for encrypted alarm topics; the topic policy below limits
        # publishing to this account's alarms.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        allow_grants_to_aws_services_only(self.key)
        topic = sns.Topic(
            self,
            "Topic",
            display_name=f"{self._name_prefix} Cognito alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cloudwatch",
                            resource="alarm",
                            resource_name="*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        )
                    },
                },
            )
        )
        # A page must come from an alarm: no person or role publishes here, however broad its
        # IAM permissions (AWS service principals still need the grant above).
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyServicesPublish",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"Bool": {"aws:PrincipalIsAWSService": "false"}},
            )
        )
        for address in self._config.email_subscriptions:
            subscription = topic.add_subscription(subscriptions.EmailSubscription(address))
            acknowledge(
                subscription,
                "Serverless",
                "SNSRedrivePolicy",
                reason=f"{self._environment}: an email subscription to the alarm topic; SNS "
                "retries mail delivery itself, and a dead-letter queue of missed pages would "
                "need a watcher of its own (the alarm's state stays visible in CloudWatch)",
            )
        return topic

    def _failure_alarm(
        self,
        id_: str,
        metric_name: str,
        user_pool_id: str,
        client_id: str,
        provider: str | None,
        percent: int,
        min_attempts: int,
        description: str,
    ) -> None:
        """Failed share of one client's (and provider's) requests, once there are enough.

        Cognito publishes 1 for a success and 0 for a failure, so the sample count is the
        attempts and the sum the successes.
        """
        attempts, successes = (
            metrics.client_metric(
                metric_name, user_pool_id, client_id, statistic, self._period, provider=provider
            )
            for statistic in ("SampleCount", "Sum")
        )
        failure_percent = cloudwatch.MathExpression(
            expression=f"IF(attempts >= {min_attempts}, "
            "100 * (attempts - successes) / attempts, 0)",
            using_metrics={"attempts": attempts, "successes": successes},
            period=self._period,
            label=f"{metric_name.removesuffix('Successes')} failures (%)",
        )
        self._alarm(id_, failure_percent, percent, description, strictly_above=True)

    def _alarm(
        self,
        id_: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        *,
        strictly_above: bool = False,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            id_,
            alarm_name=f"{self._name_prefix}-{id_}",
            alarm_description=f"{self._environment}: {description}",
            metric=metric,
            threshold=threshold,
            comparison_operator=(
                cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
                if strictly_above
                else cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
            ),
            evaluation_periods=self._config.evaluation_periods,
            datapoints_to_alarm=self._config.evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[id_] = alarm
