"""The identity pool: temporary AWS credentials for signed-in users (and guests, if enabled).

Every role it hands out trusts only ``cognito-identity.amazonaws.com`` through
``sts:AssumeRoleWithWebIdentity``, with ``aud`` bound to *this* identity pool (otherwise tokens
of any identity pool in any account assume the role) and ``amr`` bound to authenticated or
unauthenticated (otherwise guests assume the signed-in role).
"""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config.identity_pool import (
    PREFIX_SCOPED,
    IdentityPoolConfig,
    PolicyStatementConfig,
    nag_finding,
    user_files_statements,
)
from infra.config.user_pool import GroupConfig
from infra.nag import acknowledge, skip_checkov

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
# `arn:...:bucket/<prefix>/*`: a wildcard only over the object keys below a non-empty prefix.


class IdentityPool(Construct):
    """An identity pool federated with the user pool through the chosen app clients.

    Attributes:
        identity_pool: the L1 identity pool.
        authenticated_role: the role of signed-in identities.
        guest_role: the role of guests, or None when guest access is off.
        group_roles: the roles of groups with IAM permissions, by group id.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: IdentityPoolConfig,
        environment: str,
        user_pool: cognito.IUserPool,
        clients: dict[str, cognito.UserPoolClient],
        groups: dict[str, cognito.UserPoolGroup],
        group_configs: dict[str, GroupConfig],
    ) -> None:
        super().__init__(scope, id_)
        provider_name = user_pool.user_pool_provider_name
        self.identity_pool = cognito.CfnIdentityPool(
            self,
            "IdentityPool",
            allow_unauthenticated_identities=config.guest_access,
            # The basic (classic) flow lets the caller choose the role to assume.
            allow_classic_flow=False,
            cognito_identity_providers=[
                cognito.CfnIdentityPool.CognitoIdentityProviderProperty(
                    client_id=client.user_pool_client_id,
                    provider_name=provider_name,
                    server_side_token_check=True,
                )
                for client in clients.values()
            ],
        )
        session_tags = bool(config.principal_tags)
        self.authenticated_role = self._role(
            "AuthenticatedRole",
            "authenticated",
            session_tags,
            list(config.authenticated_permissions)
            + (user_files_statements(config.user_files, guest=False) if config.user_files else []),
            f"{environment}: signed-in identities of the identity pool",
        )
        self.guest_role: iam.Role | None = None
        if config.guest_access:
            self.guest_role = self._role(
                "GuestRole",
                "unauthenticated",
                False,
                list(config.guest_permissions)
                + (
                    user_files_statements(config.user_files, guest=True)
                    if config.user_files
                    else []
                ),
                f"{environment}: guest identities of the identity pool (read-only)",
            )
            guest_reason = f"{environment}: guest access is on: {config.guest_access_reason}"
            acknowledge(self.identity_pool, "AwsSolutions", "COG7", reason=guest_reason)
            skip_checkov(self.identity_pool, "CKV_AWS_366", reason=guest_reason)
        self.group_roles: dict[str, iam.Role] = {}
        for group_id, group in group_configs.items():
            if group.iam_permissions is None:
                continue
            role = self._role(
                f"{group_id}GroupRole",
                "authenticated",
                session_tags,
                list(group.iam_permissions),
                f"{environment}: members of the {group.name} group",
            )
            group_resource = groups[group_id].node.default_child
            assert isinstance(group_resource, cognito.CfnUserPoolGroup)
            # The role's trust names this identity pool, which is created after the groups.
            group_resource.role_arn = role.role_arn
            self.group_roles[group_id] = role

        roles = {"authenticated": self.authenticated_role.role_arn}
        if self.guest_role is not None:
            roles["unauthenticated"] = self.guest_role.role_arn
        role_mappings = None
        if self.group_roles:
            role_mappings = {
                client_id: cognito.CfnIdentityPoolRoleAttachment.RoleMappingProperty(
                    type="Token",
                    ambiguous_role_resolution=(
                        "Deny"
                        if config.ambiguous_role_resolution == "deny"
                        else "AuthenticatedRole"
                    ),
                    identity_provider=f"{provider_name}:{client.user_pool_client_id}",
                )
                for client_id, client in clients.items()
            }
        self.role_attachment = cognito.CfnIdentityPoolRoleAttachment(
            self,
            "RoleAttachment",
            identity_pool_id=self.identity_pool.ref,
            roles=roles,
            role_mappings=role_mappings,
        )
        if config.principal_tags:
            cognito.CfnIdentityPoolPrincipalTag(
                self,
                "PrincipalTags",
                identity_pool_id=self.identity_pool.ref,
                identity_provider_name=provider_name,
                principal_tags=dict(config.principal_tags),
                use_defaults=False,
            )

    def _role(
        self,
        id_: str,
        amr: Literal["authenticated", "unauthenticated"],
        session_tags: bool,
        statements: list[PolicyStatementConfig],
        description: str,
    ) -> iam.Role:
        federated = iam.FederatedPrincipal(
            COGNITO_IDENTITY,
            conditions={
                "StringEquals": {f"{COGNITO_IDENTITY}:aud": self.identity_pool.ref},
                "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr},
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )
        # Principal tags (ABAC) reach the session only when the trust also allows sts:TagSession.
        principal = federated.with_session_tags() if session_tags else federated
        role = iam.Role(self, id_, assumed_by=principal, description=description)
        if statements:
            # A customer-managed policy: inline policies fail the NIST/HIPAA/PCI packs.
            policy = iam.ManagedPolicy(
                self,
                f"{id_}Policy",
                roles=[role],
                statements=[
                    iam.PolicyStatement(
                        actions=list(s.actions),
                        resources=list(s.resources),
                        conditions={
                            operator: {
                                key: list(value) if isinstance(value, tuple) else value
                                for key, value in block.items()
                            }
                            for operator, block in s.conditions.items()
                        }
                        or None,
                    )
                    for s in statements
                ],
            )
            self._acknowledge_prefix_wildcards(policy, statements, description)
        return role

    @staticmethod
    def _acknowledge_prefix_wildcards(
        policy: iam.ManagedPolicy, statements: list[PolicyStatementConfig], description: str
    ) -> None:
        """Object-key wildcards below a prefix are the narrowest S3 grant; anything broader
        (a bare `*`, a whole bucket) stays a finding that fails synth."""
        scoped = sorted({r for s in statements for r in s.resources if PREFIX_SCOPED.match(r)})
        for resource in scoped:
            acknowledge(
                policy,
                "AwsSolutions",
                "IAM5",
                finding=nag_finding(resource),
                reason=f"{description}: limited to the objects below the prefix "
                f"{resource.rsplit('/', 1)[0]}/ (a wildcard over object keys only)",
            )
