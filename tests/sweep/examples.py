"""Example values for options the model cannot enumerate (free text, lists, maps), by the key
path docs/configuration.md uses. Enumerations, booleans, number bounds and "not set" come from
the model itself (`tests.sweep.options`).

A new free-form key needs an entry here, or a value in both sweep bases
(tests/fixtures/sweep/): tests/sweep/test_options.py fails and names the key otherwise.
"""

from __future__ import annotations

REASON = "the sweep sets this reason to check that the option deploys clean"
"""A reason long enough for every `*_reason` key."""

_S3_OWN_PREFIX = "arn:aws:s3:::acme-user-files/${cognito-identity.amazonaws.com:sub}/*"
# The team's functions in the pool's own account and region (placeholders): the sweep's
# development base pins neither.
_TEAM_SLOTS = (
    "pre_sign_up",
    "post_confirmation",
    "pre_authentication",
    "post_authentication",
    "pre_token_generation",
    "custom_message",
    "user_migration",
    "define_auth_challenge",
    "create_auth_challenge",
    "verify_auth_challenge_response",
    "custom_email_sender",
    "custom_sms_sender",
    "inbound_federation",
)
_TEAM_FUNCTIONS: dict[str, tuple[object, ...]] = {
    **{
        f"triggers.{slot}.function_arn": (
            f"arn:aws:lambda:{{region}}:{{account}}:function:acme-{slot.replace('_', '-')}",
        )
        for slot in _TEAM_SLOTS
    },
    **{f"triggers.{slot}.cognito_calls": ({"AdminGetUser": 1},) for slot in _TEAM_SLOTS},
}

_REPLICA = "multi_region.replicas.<id>"
_MULTI_REGION: dict[str, tuple[object, ...]] = {
    "multi_region.key": (
        "aws_owned",
        "create",
        "arn:aws:kms:{region}:{account}:key/mrk-0123456789abcdef0123456789abcdef",
    ),
    f"{_REPLICA}.email.ses_identity_arn": (
        "arn:aws:ses:eu-central-1:333333333333:identity/mail.example.com",
    ),
    f"{_REPLICA}.email.from_address": ("no-reply@example.com",),
    f"{_REPLICA}.email.from_name": ("Acme (Frankfurt)",),
    f"{_REPLICA}.email.reply_to": ("support@example.com",),
    f"{_REPLICA}.email.configuration_set": ("cognito-mail-eu-central-1",),
    f"{_REPLICA}.sms_region": ("eu-central-1",),
    f"{_REPLICA}.functions": (
        {"pre_authentication": "arn:aws:lambda:eu-central-1:333333333333:function:acme-pre-auth"},
    ),
    f"{_REPLICA}.custom_sender_key": (
        "arn:aws:kms:eu-central-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef",
    ),
}

EXAMPLES: dict[str, tuple[object, ...]] = {
    **_MULTI_REGION,
    "project": ("acme-identity",),
    "user_pool.name": ("acme-users",),
    "user_pool.federated_sign_up_reason": (REASON,),
    "user_pool.threat_protection.notifications.from_address": ("security@example.com",),
    "user_pool.threat_protection.notifications.reply_to": ("security@example.com",),
    "user_pool.threat_protection.ip_ranges.always_block": (["203.0.113.0/24"],),
    "user_pool.threat_protection.ip_ranges.never_screen": (["198.51.100.0/24"],),
    "user_pool.threat_protection.ip_ranges.never_screen_reason": (REASON,),
    "user_pool.threat_protection.actions_reason": (REASON,),
    "user_pool.groups.<id>.iam_permissions[].conditions": (
        {"StringEquals": {"aws:PrincipalTag/tenant": "acme"}},
    ),
    "user_pool.sign_in.passkey.relying_party_id": ("app.dev.example.com", "example.com"),
    "user_pool.sign_in.sms_spend_guard": (REASON,),
    "user_pool.device_tracking.reason": (REASON,),
    "user_pool.messages.verification_email_subject": ("Your Acme code",),
    "user_pool.messages.verification_email_body": ("Your Acme code is {####}.",),
    "user_pool.messages.verification_sms": ("Acme code: {####}",),
    "user_pool.messages.invitation_email_subject": ("Welcome to Acme",),
    "user_pool.messages.invitation_email_body": ("Sign in as {username} with {####}.",),
    "user_pool.messages.invitation_sms": ("Acme: {username} / {####}",),
    "identity_providers.<google-id>.attribute_mapping": (
        {"email": "email", "email_verified": "email_verified", "name": "name"},
    ),
    "identity_providers.<google-id>.client_secret.version_id": (
        "11111111-2222-3333-4444-555555555555",
    ),
    "identity_providers.<google-id>.scopes": (["openid", "email"],),
    "identity_providers.<google-id>.workspace_domains": (["example.com"],),
    "identity_providers.<apple-id>.shared_domains": ({"example.org": REASON},),
    "identity_providers.<saml-id>.shared_domains": ({"corp.example.com": REASON},),
    "identity_providers.<oidc-id>.shared_domains": ({"partner.example.com": REASON},),
    "identity_providers.<facebook-id>.attribute_mapping": ({"email": "email", "name": "name"},),
    "identity_providers.<facebook-id>.client_secret.version_id": (
        "11111111-2222-3333-4444-555555555555",
    ),
    "identity_providers.<facebook-id>.api_version": ("v22.0",),
    "identity_providers.<facebook-id>.scopes": (["email"],),
    "identity_providers.<apple-id>.attribute_mapping": (
        {"email": "email", "email_verified": "email_verified"},
    ),
    "identity_providers.<apple-id>.private_key.version_id": (
        "11111111-2222-3333-4444-555555555555",
    ),
    "identity_providers.<apple-id>.trusted_email_domains": (["example.org"],),
    "identity_providers.<saml-id>.metadata_file": ("saml-metadata.xml",),
    "identity_providers.<saml-id>.trusted_email_domains": (["corp.example.com"],),
    "identity_providers.<oidc-id>.attribute_mapping": ({"email": "email", "name": "name"},),
    "identity_providers.<oidc-id>.client_secret.version_id": (
        "11111111-2222-3333-4444-555555555555",
    ),
    "identity_providers.<oidc-id>.scopes": (["openid", "email"],),
    "identity_providers.<oidc-id>.identifiers": (["partner.example.com"],),
    "identity_providers.<oidc-id>.trusted_email_domains": (["partner.example.com"],),
    "app_clients.<id>.display_name": ("Acme web app",),
    "app_clients.<id>.user_password_auth_reason": (REASON,),
    "app_clients.<id>.identity_providers": (["Google"],),
    "app_clients.<id>.read_attributes": (["email", "email_verified", "given_name"],),
    "app_clients.<id>.write_attributes": (["email", "given_name"],),
    "identity_pool.clients": (["WebApp"],),
    "identity_pool.authenticated_permissions[].conditions": (
        {"StringEquals": {"s3:ExistingObjectTag/classification": "report"}},
    ),
    "identity_pool.guest_permissions[].conditions": (
        {"StringEquals": {"s3:ExistingObjectTag/classification": "public"}},
    ),
    "identity_pool.authenticated_permissions": (
        [{"actions": ["s3:GetObject"], "resources": [_S3_OWN_PREFIX]}],
    ),
    "identity_pool.guest_permissions": (
        [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::acme-public/*"]}],
    ),
    "triggers.pre_sign_up.allowed_email_domains": (["example.com"],),
    "triggers.pre_sign_up.protected_groups": (["Admins"],),
    "triggers.pre_token_generation.suppress_claims": (["website"],),
    "triggers.pre_token_generation.machine_clients.<id>.scopes": (["orders/read"],),
    "triggers.custom_message.subjects": ({"SignUp": "Welcome to Acme"},),
    **_TEAM_FUNCTIONS,
    "triggers.custom_email_sender.decrypt_role_arn": ("arn:aws:iam::{account}:role/acme-mailer",),
    "triggers.custom_sms_sender.decrypt_role_arn": ("arn:aws:iam::{account}:role/acme-sms",),
    "triggers.custom_sender_key": (
        "create",
        "arn:aws:kms:{region}:{account}:key/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    ),
    "triggers.inbound_federation.group_mapping.<id>.claim": (
        "http://schemas.xmlsoap.org/claims/Group",
    ),
    "triggers.inbound_federation.group_mapping.<id>.groups": (
        {"5e6f7081-92a3-4b4c-9d5e-6f708192a3b4": "Members"},
    ),
    "apis.http.<id>.routes.<id>.broad_reason": (REASON,),
    "apis.http.<id>.backend": (
        {"function_arn": "arn:aws:lambda:eu-west-1:333333333333:function:orders"},
    ),
    "apis.http.<id>.backend.function_arn": (
        "arn:aws:lambda:eu-west-1:333333333333:function:orders",
    ),
    "apis.rest.<id>.routes.<id>.broad_reason": (REASON,),
    "apis.rest.<id>.backend": (
        {"function_arn": "arn:aws:lambda:eu-west-1:333333333333:function:orders"},
    ),
    "apis.rest.<id>.backend.function_arn": (
        "arn:aws:lambda:eu-west-1:333333333333:function:orders",
    ),
    "operations.alarms.disabled_reason": (REASON,),
    "operations.alarms.topic_arn": ("arn:aws:sns:eu-west-1:333333333333:platform-alerts",),
    "operations.alarms.period_minutes": (1, 60),
    "operations.dashboard.disabled_reason": (REASON,),
    "operations.logs.disabled_reason": (REASON,),
    "operations.logs.user_activity_arn": (
        "arn:aws:firehose:eu-west-1:333333333333:deliverystream/cognito-activity",
    ),
    "operations.waf.disabled_reason": (REASON,),
    "migration.region": ("eu-west-1",),
    "migration.forgot_password_reason": (REASON,),
}
