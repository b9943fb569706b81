"""The user-pool controls of shared/SECURITY.md, per shipped environment."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from tests.conftest import Assembly, Synthesized

USER_POOL = "AWS::Cognito::UserPool"


def test_sign_in_is_case_insensitive(any_env: Synthesized) -> None:
    any_env.template.has_resource_properties(
        USER_POOL, {"UsernameConfiguration": {"CaseSensitive": False}}
    )


def test_password_policy_is_explicit_and_passes_cog1(any_env: Synthesized) -> None:
    # AwsSolutions-COG1: at least 8 characters with uppercase, digits and symbols.
    policy = any_env.only(USER_POOL)["Properties"]["Policies"]["PasswordPolicy"]
    configured = any_env.config.user_pool.password_policy
    assert policy["MinimumLength"] == configured.length >= 8
    assert policy["RequireLowercase"] is configured.require_lowercase
    assert policy["RequireUppercase"] is True
    assert policy["RequireNumbers"] is True
    assert policy["RequireSymbols"] is True


def test_production_tier_passwords_meet_cis_and_nist(any_env: Synthesized) -> None:
    # CIS AWS Foundations Benchmark: 14; NIST SP 800-63B-4: 15 when the password is the only
    # factor (MFA not required).
    if any_env.config.tier != "production":
        pytest.skip("development tier")
    policy = any_env.only(USER_POOL)["Properties"]["Policies"]["PasswordPolicy"]
    mfa_required = any_env.config.user_pool.mfa.mode == "required"
    assert policy["MinimumLength"] >= (14 if mfa_required else 15)


def test_email_change_waits_for_verification(any_env: Synthesized) -> None:
    if "email" not in any_env.config.user_pool.standard_attributes:
        pytest.skip("this pool keeps no email")
    any_env.template.has_resource_properties(
        USER_POOL,
        {
            "UserAttributeUpdateSettings": {
                "AttributesRequireVerificationBeforeUpdate": Match.array_with(["email"])
            },
            "AutoVerifiedAttributes": Match.array_with(["email"]),
        },
    )


EMAIL_SIGN_IN = ["showcase", "relaxed", "strict"]


@pytest.mark.parametrize("name", EMAIL_SIGN_IN)
def test_account_recovery_is_by_verified_email_only(assembly: Assembly, name: str) -> None:
    assembly.environments[name].template.has_resource_properties(
        USER_POOL,
        {
            "AccountRecoverySetting": {
                "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
            }
        },
    )


@pytest.mark.parametrize("name", EMAIL_SIGN_IN)
def test_sign_in_identifier_is_email(assembly: Assembly, name: str) -> None:
    properties = assembly.environments[name].only(USER_POOL)["Properties"]
    assert properties["UsernameAttributes"] == ["email"]
    assert "AliasAttributes" not in properties


def test_username_sign_in_has_neither_username_nor_alias_attributes(assembly: Assembly) -> None:
    properties = assembly.environments["minimal"].only(USER_POOL)["Properties"]
    assert "UsernameAttributes" not in properties
    assert "AliasAttributes" not in properties
    assert properties["UsernameConfiguration"] == {"CaseSensitive": False}
    assert properties["AccountRecoverySetting"] == {
        "RecoveryMechanisms": [
            {"Name": "verified_phone_number", "Priority": 1},
            {"Name": "verified_email", "Priority": 2},
        ]
    }


def test_sms_is_sent_through_a_role_only_cognito_assumes_for_this_pool(
    assembly: Assembly,
) -> None:
    minimal = assembly.environments["minimal"]
    properties = minimal.only(USER_POOL)["Properties"]
    assert sorted(properties["EnabledMfas"]) == ["SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    role_id = properties["SmsConfiguration"]["SnsCallerArn"]["Fn::GetAtt"][0]
    role_resource = minimal.resources("AWS::IAM::Role")[role_id]
    # Passed by its policy, not by a skip (`make sweep` runs checkov on SMS variants).
    assert "checkov" not in role_resource.get("Metadata", {})
    role = role_resource["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert (
        trust["Condition"]["StringEquals"]["sts:ExternalId"]
        == properties["SmsConfiguration"]["ExternalId"]
    )
    # Text messages only: publishing is allowed on nothing that has an SNS ARN (no topic, no
    # platform endpoint) and denied on every SNS ARN; never `Resource: *` (checkov CKV_AWS_111).
    sns_arns = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:*:*:*"]]}
    [policy] = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": "sns:Publish",
            "Effect": "Allow",
            "NotResource": sns_arns,
            "Sid": "TextMessagesOnly",
        },
        {
            "Action": "sns:Publish",
            "Effect": "Deny",
            "Resource": sns_arns,
            "Sid": "NoTopicsOrEndpoints",
        },
    ]


@pytest.mark.parametrize(
    ("name", "self_sign_up"), [("showcase", True), ("relaxed", True), ("strict", False)]
)
def test_self_sign_up_follows_the_environment(
    assembly: Assembly, name: str, self_sign_up: bool
) -> None:
    assembly.environments[name].template.has_resource_properties(
        USER_POOL, {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not self_sign_up}}
    )


@pytest.mark.parametrize(
    ("name", "mfa", "factors"),
    [
        ("showcase", "OPTIONAL", ["SOFTWARE_TOKEN_MFA"]),
        ("relaxed", "OPTIONAL", ["SOFTWARE_TOKEN_MFA"]),
        ("strict", "ON", ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"]),
    ],
)
def test_mfa_follows_the_environment(
    assembly: Assembly, name: str, mfa: str, factors: list[str]
) -> None:
    properties = assembly.environments[name].only(USER_POOL)["Properties"]
    assert properties["MfaConfiguration"] == mfa
    assert sorted(properties["EnabledMfas"]) == sorted(factors)


def test_prod_is_on_plus_with_threat_protection_enforced(assembly: Assembly) -> None:
    assembly.environments["strict"].template.has_resource_properties(
        USER_POOL,
        {
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {
                "AdvancedSecurityMode": "ENFORCED",
                "AdvancedSecurityAdditionalFlows": {"CustomAuthMode": "ENFORCED"},
            },
        },
    )


@pytest.mark.parametrize("name", ["showcase", "relaxed"])
def test_essentials_environments_have_no_threat_protection_add_on(
    assembly: Assembly, name: str
) -> None:
    properties = assembly.environments[name].only(USER_POOL)["Properties"]
    assert properties["UserPoolTier"] == "ESSENTIALS"
    assert "UserPoolAddOns" not in properties


@pytest.mark.parametrize("name", ["relaxed", "strict"])
def test_production_tier_sends_email_through_the_configured_ses_identity(
    assembly: Assembly, name: str
) -> None:
    synthesized = assembly.environments[name]
    email = synthesized.config.user_pool.email
    synthesized.template.has_resource_properties(
        USER_POOL,
        {
            "EmailConfiguration": {
                "EmailSendingAccount": "DEVELOPER",
                "SourceArn": email.ses_identity_arn,
                "From": Match.string_like_regexp(f"{email.from_address}"),
                "ReplyToEmailAddress": email.reply_to,
            }
        },
    )


def test_prod_uses_its_ses_configuration_set(assembly: Assembly) -> None:
    assembly.environments["strict"].template.has_resource_properties(
        USER_POOL, {"EmailConfiguration": {"ConfigurationSet": "cognito-mail"}}
    )


@pytest.mark.parametrize("name", ["relaxed", "strict"])
def test_production_tier_pool_is_retained_and_deletion_protected(
    assembly: Assembly, name: str
) -> None:
    assembly.environments[name].template.has_resource(
        USER_POOL,
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like({"DeletionProtection": "ACTIVE"}),
        },
    )


def test_dev_pool_is_destroyable_as_configured(assembly: Assembly) -> None:
    assembly.environments["showcase"].template.has_resource(
        USER_POOL,
        {
            "DeletionPolicy": "Delete",
            "Properties": Match.object_like({"DeletionProtection": "INACTIVE"}),
        },
    )


def test_custom_attributes_are_immutable_unless_declared_mutable(assembly: Assembly) -> None:
    schema = {
        entry["Name"]: entry
        for entry in assembly.environments["showcase"].only(USER_POOL)["Properties"]["Schema"]
    }
    assert schema["tenant_id"]["Mutable"] is False
    assert schema["tenant_id"]["StringAttributeConstraints"] == {
        "MinLength": "1",
        "MaxLength": "64",
    }
    assert schema["newsletter"] == {
        "AttributeDataType": "Boolean",
        "Mutable": True,
        "Name": "newsletter",
    }
    assert schema["email"] == {"Name": "email", "Required": True, "Mutable": True}


def test_groups_come_from_config_with_precedence_and_description(any_env: Synthesized) -> None:
    groups = {
        group["Properties"]["GroupName"]: group["Properties"]
        for group in any_env.resources("AWS::Cognito::UserPoolGroup").values()
    }
    expected = {g.name: g for g in any_env.config.user_pool.groups.values()}
    assert groups.keys() == expected.keys()
    for name, properties in groups.items():
        assert properties["Precedence"] == expected[name].precedence
        assert properties["Description"] == expected[name].description


def test_verification_and_invitation_messages_carry_their_placeholders(
    any_env: Synthesized,
) -> None:
    properties = any_env.only(USER_POOL)["Properties"]
    verification = properties["VerificationMessageTemplate"]
    assert verification["DefaultEmailOption"] == "CONFIRM_WITH_CODE"
    assert "{####}" in verification["EmailMessage"]
    assert "{####}" in verification["SmsMessage"]
    invitation = properties["AdminCreateUserConfig"]["InviteMessageTemplate"]
    for text in (invitation["EmailMessage"], invitation["SMSMessage"]):
        assert "{username}" in text
        assert "{####}" in text


def test_pool_name_and_tags_name_the_environment(any_env: Synthesized) -> None:
    properties = any_env.only(USER_POOL)["Properties"]
    config = any_env.config
    assert properties["UserPoolName"] == (
        config.user_pool.name or f"{config.project}-{config.name}"
    )
    assert properties["UserPoolTags"]["environment"] == config.name
    assert properties["UserPoolTags"]["owner"] == config.owner
    assert properties["UserPoolTags"]["project"] == config.project
