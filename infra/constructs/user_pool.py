"""The user directory: the Cognito user pool and its groups.

The pool is the one resource whose loss is unrecoverable (every user and password hash), so its
construct id and logical id never change, and outside development it is retained and
deletion-protected.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config.user_pool import CustomAttributeConfig, UserPoolConfig
from infra.constructs.threat_protection import RiskConfiguration
from infra.nag import acknowledge

# Cognito/OIDC attribute names -> the CDK's StandardAttributes keyword names.
CDK_STANDARD_ATTRIBUTE_NAMES = {
    "address": "address",
    "birthdate": "birthdate",
    "email": "email",
    "family_name": "family_name",
    "gender": "gender",
    "given_name": "given_name",
    "locale": "locale",
    "middle_name": "middle_name",
    "name": "fullname",
    "nickname": "nickname",
    "phone_number": "phone_number",
    "picture": "profile_picture",
    "preferred_username": "preferred_username",
    "profile": "profile_page",
    "updated_at": "last_update_time",
    "website": "website",
    "zoneinfo": "timezone",
}

_ACCOUNT_RECOVERY = {
    "email_only": cognito.AccountRecovery.EMAIL_ONLY,
    "email_and_phone_without_mfa": cognito.AccountRecovery.EMAIL_AND_PHONE_WITHOUT_MFA,
    "phone_without_mfa_and_email": cognito.AccountRecovery.PHONE_WITHOUT_MFA_AND_EMAIL,
    "phone_and_email": cognito.AccountRecovery.PHONE_AND_EMAIL,
    "phone_only_without_mfa": cognito.AccountRecovery.PHONE_ONLY_WITHOUT_MFA,
    "none": cognito.AccountRecovery.NONE,
}

_THREAT_PROTECTION = {
    "enforced": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    "audit": cognito.StandardThreatProtectionMode.AUDIT_ONLY,
    "off": cognito.StandardThreatProtectionMode.NO_ENFORCEMENT,
}
_CUSTOM_AUTH_THREAT_PROTECTION = {
    "enforced": cognito.CustomThreatProtectionMode.FULL_FUNCTION,
    "audit": cognito.CustomThreatProtectionMode.AUDIT_ONLY,
}


class UserDirectory(Construct):
    """A Cognito user pool with its groups, built from one environment's `UserPoolConfig`.

    Attributes:
        user_pool: the L2 user pool.
        groups: the L2 groups by their config id.
        risk_configuration: what threat protection does (None when it is off).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: UserPoolConfig,
        environment: str,
        default_name: str,
        passkey_relying_party_id: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        sign_in = _sign_in(config, passkey_relying_party_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=config.name or default_name,
            sign_in_aliases=cognito.SignInAliases(
                email="email" in config.sign_in_identifiers,
                phone="phone" in config.sign_in_identifiers,
                username="username" in config.sign_in_identifiers,
                preferred_username="preferred_username" in config.sign_in_identifiers,
            ),
            # Immutable after creation; case-sensitive sign-in makes Ann@x.com and ann@x.com
            # two accounts.
            sign_in_case_sensitive=False,
            self_sign_up_enabled=config.self_sign_up,
            auto_verify=cognito.AutoVerifiedAttrs(
                email="email" in config.standard_attributes,
                phone="phone_number" in config.standard_attributes,
            ),
            # A new email replaces the verified one only once the user confirms the code.
            keep_original=cognito.KeepOriginalAttrs(
                email="email" in config.standard_attributes,
                phone="phone_number" in config.standard_attributes,
            ),
            feature_plan=cognito.FeaturePlan[config.feature_plan.upper()],
            standard_threat_protection_mode=(
                _THREAT_PROTECTION[config.threat_protection.mode]
                if config.feature_plan == "plus"
                else None
            ),
            custom_threat_protection_mode=_CUSTOM_AUTH_THREAT_PROTECTION.get(
                config.threat_protection.mode
            ),
            mfa=cognito.Mfa[config.mfa.mode.upper()],
            mfa_second_factor=(
                cognito.MfaSecondFactor(
                    otp=config.mfa.totp, sms=config.mfa.sms, email=config.mfa.email
                )
                if config.mfa.mode != "off"
                else None
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=config.password_policy.length,
                require_lowercase=config.password_policy.require_lowercase,
                require_uppercase=config.password_policy.require_uppercase,
                require_digits=config.password_policy.require_digits,
                require_symbols=config.password_policy.require_symbols,
                temp_password_validity=cdk.Duration.days(
                    config.password_policy.temporary_password_validity_days
                ),
                password_history_size=config.password_policy.password_history_size,
            ),
            account_recovery=_ACCOUNT_RECOVERY[config.account_recovery],
            standard_attributes=cognito.StandardAttributes(
                **{
                    CDK_STANDARD_ATTRIBUTE_NAMES[name]: cognito.StandardAttribute(
                        required=attribute.required, mutable=attribute.mutable
                    )
                    for name, attribute in config.standard_attributes.items()
                }
            ),
            custom_attributes={
                name: _custom_attribute(attribute)
                for name, attribute in config.custom_attributes.items()
            },
            email=_email(config),
            **sign_in,
            user_verification=cognito.UserVerificationConfig(
                email_style=cognito.VerificationEmailStyle[
                    config.messages.verification_email_style.upper()
                ],
                email_subject=config.messages.verification_email_subject,
                email_body=config.messages.verification_email_body,
                sms_message=config.messages.verification_sms,
            ),
            user_invitation=cognito.UserInvitationConfig(
                email_subject=config.messages.invitation_email_subject,
                email_body=config.messages.invitation_email_body,
                sms_message=config.messages.invitation_sms,
            ),
            deletion_protection=config.deletion_protection,
            removal_policy=(
                cdk.RemovalPolicy.RETAIN
                if config.removal_policy == "retain"
                else cdk.RemovalPolicy.DESTROY
            ),
        )
        if config.sign_in.passkeys and config.sign_in.passkey.counts_as_mfa:
            # Only as an L1 property: a passkey with user verification satisfies MFA.
            resource = self.user_pool.node.default_child
            assert isinstance(resource, cognito.CfnUserPool)
            resource.web_authn_factor_configuration = PASSKEY_COUNTS_AS_MFA
        if config.email.sender == "ses" and config.email.ses_identity_arn:
            # The L2 derives the identity ARN from the stack's account; the configured ARN is
            # the one that is actually verified (it may live in a shared sending account).
            pool_resource = self.user_pool.node.default_child
            assert isinstance(pool_resource, cognito.CfnUserPool)
            pool_resource.add_property_override(
                "EmailConfiguration.SourceArn", config.email.ses_identity_arn
            )

        self.risk_configuration: RiskConfiguration | None = None
        if config.threat_protection.mode != "off":
            self.risk_configuration = RiskConfiguration(
                self,
                "RiskConfiguration",
                user_pool=self.user_pool,
                config=config.threat_protection,
                email=config.email,
            )

        self.groups = {
            group_id: cognito.UserPoolGroup(
                self,
                group_id,
                user_pool=self.user_pool,
                group_name=group.name,
                description=group.description,
                precedence=group.precedence,
            )
            for group_id, group in config.groups.items()
        }
        self._acknowledge_relaxations(config, environment)
        self._restrict_sms_role(environment)

    def _restrict_sms_role(self, environment: str) -> None:
        """Narrow the role the CDK creates when the pool sends SMS (SMS MFA, phone sign-in or
        verification) to text messages only.

        SNS has no ARN for a phone number, so publishing an SMS is authorised against no
        resource at all. The policy allows sns:Publish on everything that is *not* an SNS ARN
        (no topic, no platform endpoint) and denies it on every SNS ARN, so the role can
        send text messages and nothing else: a resource constraint scanners can read
        (checkov's CKV_AWS_111 passes on it), where the CDK's default is `Resource: *`. The
        construct id stays the CDK's (`smsRole`), so a deployed role keeps its logical id.
        """
        sms_role = self.user_pool.node.try_find_child("smsRole")
        if sms_role is None:
            return
        resource = sms_role.node.default_child
        assert isinstance(resource, iam.CfnRole)
        sns_arns = f"arn:{cdk.Aws.PARTITION}:sns:*:*:*"
        resource.policies = [
            iam.CfnRole.PolicyProperty(
                policy_name="sns-publish",
                policy_document=iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            sid="TextMessagesOnly",
                            actions=["sns:Publish"],
                            not_resources=[sns_arns],
                        ),
                        iam.PolicyStatement(
                            sid="NoTopicsOrEndpoints",
                            effect=iam.Effect.DENY,
                            actions=["sns:Publish"],
                            resources=[sns_arns],
                        ),
                    ]
                ),
            )
        ]
        for pack in ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"):
            acknowledge(
                sms_role,
                pack,
                "IAMNoInlinePolicy",
                reason=f"{environment}: Cognito's SMS role (created by the CDK because the pool "
                "sends SMS) keeps its one inline policy: it belongs to this role alone and "
                "allows text messages only",
            )

    def _acknowledge_relaxations(self, config: UserPoolConfig, environment: str) -> None:
        if config.mfa.mode != "required":
            acknowledge(
                self.user_pool,
                "AwsSolutions",
                "COG2",
                reason=f"{environment}: MFA is {config.mfa.mode}: {config.mfa.relaxed_reason}",
            )
        if config.feature_plan != "plus":
            acknowledge(
                self.user_pool,
                "AwsSolutions",
                "COG8",
                reason=f"{environment}: feature plan {config.feature_plan}, threat protection "
                f"{config.threat_protection.mode}: {config.threat_protection.relaxed_reason}",
            )


PASSKEY_COUNTS_AS_MFA = "MULTI_FACTOR_WITH_USER_VERIFICATION"


def _sign_in(config: UserPoolConfig, relying_party_id: str | None) -> dict[str, Any]:
    """The L2 properties of choice-based sign-in and remembered devices; none at their
    defaults, so a pool that does not opt in keeps the template it had."""
    sign_in = config.sign_in
    props: dict[str, Any] = {}
    factors = set(sign_in.first_factors)
    if factors != {"password"}:
        props["sign_in_policy"] = cognito.SignInPolicy(
            allowed_first_auth_factors=cognito.AllowedFirstAuthFactors(
                password=True,
                email_otp="email_otp" in factors,
                sms_otp="sms_otp" in factors,
                passkey="passkey" in factors,
            )
        )
    if sign_in.passkeys:
        assert relying_party_id is not None  # the stack passes the hosted domain by default
        props["passkey_relying_party_id"] = relying_party_id
        props["passkey_user_verification"] = cognito.PasskeyUserVerification[
            sign_in.passkey.user_verification.upper()
        ]
    # SMS codes need the SNS role: the L2 creates it because the config requires the
    # phone_number attribute for them, which the pool verifies by SMS.
    devices = config.device_tracking
    if devices.mode != "off":
        props["device_tracking"] = cognito.DeviceTracking(
            challenge_required_on_new_device=devices.challenge_required_on_new_device,
            device_only_remembered_on_user_prompt=devices.mode == "user_opt_in",
        )
    return props


def _custom_attribute(attribute: CustomAttributeConfig) -> cognito.ICustomAttribute:
    if attribute.type == "string":
        return cognito.StringAttribute(
            min_len=attribute.min, max_len=attribute.max, mutable=attribute.mutable
        )
    if attribute.type == "number":
        return cognito.NumberAttribute(
            min=attribute.min, max=attribute.max, mutable=attribute.mutable
        )
    if attribute.type == "boolean":
        return cognito.BooleanAttribute(mutable=attribute.mutable)
    return cognito.DateTimeAttribute(mutable=attribute.mutable)


def _email(config: UserPoolConfig) -> cognito.UserPoolEmail:
    email = config.email
    if email.sender == "cognito":
        return cognito.UserPoolEmail.with_cognito(reply_to=email.reply_to)
    assert email.from_address is not None  # guaranteed by EmailConfig validation
    return cognito.UserPoolEmail.with_ses(
        from_email=email.from_address,
        from_name=email.from_name,
        reply_to=email.reply_to,
        configuration_set_name=email.configuration_set,
        ses_region=email.ses_region,
    )
