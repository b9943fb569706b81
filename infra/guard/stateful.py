"""Which resource types hold state worth blocking a pull request for. The one list.

A stateful resource is one whose replacement or deletion loses something a redeploy cannot
bring back: users and their passwords, client ids configured in apps, identity ids, stored
data, encryption keys, audit logs.
"""

from __future__ import annotations

STATEFUL_TYPE_PREFIXES: tuple[str, ...] = ("AWS::Cognito::",)
"""Every Cognito type: pools hold users, clients hold ids baked into apps, domains hold DNS."""

STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        # Sign-in audit trail (trigger logs, Cognito user-activity log delivery). The CDK
        # retains log groups by default, so a rename orphans the old group, and with a fixed
        # LogGroupName the new one fails to create because the name is taken.
        "AWS::Logs::LogGroup",
        # Scheduling a key for deletion makes everything encrypted with it unreadable.
        "AWS::KMS::Key",
        "AWS::KMS::ReplicaKey",
        # Federation client secrets and generated credentials: a new secret has a new value.
        "AWS::SecretsManager::Secret",
        # Data stores a Cognito setup commonly keeps beside the pool (profiles, tenants).
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::EFS::FileSystem",
        "AWS::Backup::BackupVault",
    }
)

IGNORED_TYPES: frozenset[str] = frozenset({"AWS::CDK::Metadata"})
"""Resources the guard does not look at or count: CDK version reporting only."""

_LOSS: dict[str, str] = {
    "AWS::Cognito::UserPool": "every user, password, MFA device and group membership in it",
    "AWS::Cognito::UserPoolClient": (
        "its client id and secret; every app configured with them stops signing in"
    ),
    "AWS::Cognito::UserPoolDomain": (
        "the hosted sign-in domain during the swap (a custom domain also gets a new "
        "CloudFront alias target)"
    ),
    "AWS::Cognito::UserPoolIdentityProvider": "federated sign-in through this provider",
    "AWS::Cognito::UserPoolGroup": "every user's membership in the group",
    "AWS::Cognito::UserPoolUser": "the user and their password",
    "AWS::Cognito::IdentityPool": "every identity id; data keyed by identity id is orphaned",
    "AWS::Cognito::UserPoolResourceServer": "its scopes; clients that request them fail",
    "AWS::Cognito::ManagedLoginBranding": "its branding id (the style is re-created)",
    "AWS::Cognito::UserPoolRiskConfigurationAttachment": (
        "the stated threat-protection actions; until it is re-created Cognito acts on its "
        "own defaults"
    ),
    "AWS::Cognito::UserPoolReplica": (
        "the pool's replica in its Region: Cognito deletes its copy of every user there, and "
        "sign-in no longer survives an outage of the primary's Region"
    ),
    "AWS::Cognito::UserPoolRegionalConfigurationAttachment": (
        "the replica's regional settings (status, mail sender, SMS, trigger functions): the "
        "replica falls back to what Cognito does without them"
    ),
    "AWS::KMS::ReplicaKey": (
        "the pool's key in that Region: the replica there can no longer decrypt its users"
    ),
    "AWS::Logs::LogGroup": "the log history (the audit trail of sign-ins)",
    "AWS::KMS::Key": "the key; everything encrypted with it becomes unreadable",
    "AWS::SecretsManager::Secret": "the secret value",
}


def is_stateful(resource_type: str) -> bool:
    return resource_type in STATEFUL_TYPES or resource_type.startswith(STATEFUL_TYPE_PREFIXES)


def what_is_lost(resource_type: str) -> str:
    """A short phrase for messages: what replacing or deleting this resource loses."""
    if resource_type in _LOSS:
        return _LOSS[resource_type]
    if is_stateful(resource_type):
        return "its data and configuration"
    return "its physical id; anything outside this stack that refers to it breaks"
