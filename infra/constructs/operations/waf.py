"""An AWS WAF web ACL in front of the user pool.

Associated with the pool (REGIONAL scope, the pool ARN as the resource), WAF inspects requests
to the pool's managed login / classic hosted UI pages and to the public Cognito user pools API
before Cognito throttles them; blocked requests do not count against any quota. Rules: a
per-IP rate limit, Amazon's IP reputation list, the common rule set and known bad inputs. Every
rule publishes CloudWatch metrics, and blocked or counted requests are logged (cookies and the
Authorization header redacted). Coverage and limits: docs/operations.md. Source: Amazon
Cognito Developer Guide, "Associate an AWS WAF web ACL with a user pool"
(https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-waf.html).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config.operations import WafConfig

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)
RATE_RULE = "RateLimitPerIp"
# Known-bad request patterns (Log4Shell among them) block even while the rest only counts: they
# rarely match a legitimate sign-in, and checkov CKV_AWS_192 requires the group to block.
ALWAYS_BLOCKING = frozenset({"AWSManagedRulesKnownBadInputsRuleSet"})


class WebFirewall(Construct):
    """The web ACL, its association with the pool and the log of what it blocked.

    Attributes:
        web_acl: the L1 web ACL.
        web_acl_name: its name (the `WebACL` dimension of its metrics).
        association: the L1 association with the user pool.
        log_group: the log group of blocked and counted requests.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: WafConfig,
        name: str,
        user_pool: cognito.IUserPool,
        removal_policy: cdk.RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        self.web_acl_name = name
        blocking = config.action == "block"
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=RATE_RULE,
                priority=0,
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP",
                        limit=config.rate_limit,
                        evaluation_window_sec=config.rate_window_seconds,
                    )
                ),
                action=wafv2.CfnWebACL.RuleActionProperty(
                    block={} if blocking else None, count=None if blocking else {}
                ),
                visibility_config=_visibility(f"{name}-{RATE_RULE}"),
            ),
            *(
                wafv2.CfnWebACL.RuleProperty(
                    name=group,
                    priority=priority,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name=group
                        )
                    ),
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(
                        none={} if blocking or group in ALWAYS_BLOCKING else None,
                        count=None if blocking or group in ALWAYS_BLOCKING else {},
                    ),
                    visibility_config=_visibility(f"{name}-{group}"),
                )
                for priority, group in enumerate(MANAGED_RULE_GROUPS, start=1)
            ),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            description=f"{name}: rate limit, IP reputation and common rules for the user pool",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(name),
        )
        self.association = wafv2.CfnWebACLAssociation(
            self,
            "Association",
            resource_arn=user_pool.user_pool_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        # WAF delivers only to log groups whose name starts with aws-waf-logs-.
        self.log_group = logs.LogGroup(
            self, "Logs", log_group_name=f"aws-waf-logs-{name}", removal_policy=removal_policy
        )
        resource = self.log_group.node.default_child
        assert isinstance(resource, logs.CfnLogGroup)
        resource.retention_in_days = config.log_retention_days
        stack = cdk.Stack.of(self)
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=self.log_group.log_group_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            # `single_header` and `logging_filter` are untyped in the L1: CloudFormation's names.
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": header})
                for header in ("authorization", "cookie")
            ],
            # Allowed requests are the sign-ins themselves: only what a rule stopped or counted.
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {
                        "Behavior": "KEEP",
                        "Requirement": "MEETS_ANY",
                        "Conditions": [
                            {"ActionCondition": {"Action": action}} for action in ("BLOCK", "COUNT")
                        ],
                    }
                ],
            },
        )
        self.logging.node.add_dependency(self.log_group)


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )
