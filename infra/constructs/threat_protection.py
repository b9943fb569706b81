"""The pool's risk configuration: what threat protection does, stated in the template.

Without an ``AWS::Cognito::UserPoolRiskConfigurationAttachment``, a pool with threat protection
"enforced" acts on defaults that neither the template nor the docs state. This construct writes
the configuration of ``user_pool.threat_protection`` for every app client of the pool
(``ClientId: ALL``): compromised-credential actions and events, the action and notification per
adaptive-authentication risk level, the notification sender, and the IP exceptions.
"""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config.threat_protection import RiskLevelConfig, ThreatProtectionConfig
from infra.config.user_pool import EmailConfig

ALL_CLIENTS = "ALL"
_RISK_ACTIONS = {
    "allow": "NO_ACTION",
    "mfa_if_configured": "MFA_IF_CONFIGURED",
    "mfa_required": "MFA_REQUIRED",
    "block": "BLOCK",
}
_COMPROMISED_ACTIONS = {"block": "BLOCK", "allow": "NO_ACTION"}

Cfn = cognito.CfnUserPoolRiskConfigurationAttachment


class RiskConfiguration(Construct):
    """The risk configuration of one pool, from its threat-protection section.

    Attributes:
        resource: the L1 risk configuration attachment.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool: cognito.IUserPool,
        config: ThreatProtectionConfig,
        email: EmailConfig,
    ) -> None:
        super().__init__(scope, id_)
        notified = config.notified_levels(sends_through_ses=email.sender == "ses")
        levels = config.adaptive_authentication
        credentials = config.compromised_credentials
        self.resource = Cfn(
            self,
            "Resource",
            user_pool_id=user_pool.user_pool_id,
            client_id=ALL_CLIENTS,
            compromised_credentials_risk_configuration=Cfn.CompromisedCredentialsRiskConfigurationTypeProperty(
                actions=Cfn.CompromisedCredentialsActionsTypeProperty(
                    event_action=_COMPROMISED_ACTIONS[credentials.action]
                ),
                event_filter=[event.upper() for event in credentials.events],
            ),
            account_takeover_risk_configuration=Cfn.AccountTakeoverRiskConfigurationTypeProperty(
                actions=Cfn.AccountTakeoverActionsTypeProperty(
                    low_action=_level(levels.low, notify=notified["low"]),
                    medium_action=_level(levels.medium, notify=notified["medium"]),
                    high_action=_level(levels.high, notify=notified["high"]),
                ),
                notify_configuration=_notify(config, email) if any(notified.values()) else None,
            ),
            risk_exception_configuration=(
                Cfn.RiskExceptionConfigurationTypeProperty(
                    blocked_ip_range_list=list(config.ip_ranges.always_block) or None,
                    skipped_ip_range_list=list(config.ip_ranges.never_screen) or None,
                )
                if config.ip_ranges.always_block or config.ip_ranges.never_screen
                else None
            ),
        )


def _level(
    level: RiskLevelConfig, *, notify: bool
) -> cognito.CfnUserPoolRiskConfigurationAttachment.AccountTakeoverActionTypeProperty:
    return Cfn.AccountTakeoverActionTypeProperty(
        event_action=_RISK_ACTIONS[level.action], notify=notify
    )


def _notify(
    config: ThreatProtectionConfig, email: EmailConfig
) -> cognito.CfnUserPoolRiskConfigurationAttachment.NotifyConfigurationTypeProperty:
    # Config validation guarantees SES (an identity ARN and a from address) whenever a level
    # notifies; Cognito's own default templates are used for the message bodies.
    assert email.ses_identity_arn is not None
    return Cfn.NotifyConfigurationTypeProperty(
        source_arn=email.ses_identity_arn,
        from_=config.notifications.from_address or email.from_address,
        reply_to=config.notifications.reply_to or email.reply_to,
    )
