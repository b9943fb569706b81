"""Identity-pool configuration: AWS credentials for signed-in users and, if wanted, guests.

Permissions are least-privilege statements: no wildcard action anywhere, and the guest role
may only read, never on ``*``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section
from infra.config.types import Bool, ConstructId, NonEmptyStr, Str, TagKey

ACTION_PATTERN = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
# Verbs that only read. Guest credentials are handed to anyone, so guests get nothing else.
# A wildcard over the object keys below a prefix (`bucket/prefix/*`) is the narrowest S3 grant:
# the kit acknowledges cdk-nag's AwsSolutions-IAM5 for it. Any other wildcard resource is a
# finding the file must acknowledge itself (`nag_finding`).
PREFIX_SCOPED = re.compile(r"^arn:[^*]+?:[^*/]+/[^*]+/\*$")
POLICY_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def nag_finding(resource: str) -> str:
    """cdk-nag's finding id for a wildcard resource (it prints policy variables as `<...>`)."""
    return "Resource::" + POLICY_VARIABLE.sub(r"<\1>", resource)


def unacknowledged_wildcards(statements: tuple[PolicyStatementConfig, ...]) -> list[str]:
    """Wildcard resources the kit does not acknowledge itself (not prefix-scoped)."""
    return sorted(
        {r for s in statements for r in s.resources if "*" in r and not PREFIX_SCOPED.match(r)}
    )


READ_ONLY_VERBS = ("Get", "List", "Describe", "Head", "Query", "Scan", "BatchGet", "Select")
BUCKET_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IDENTITY_SUB = "${cognito-identity.amazonaws.com:sub}"


class PolicyStatementConfig(Section):
    """One allow statement: explicit actions on explicit resources."""

    actions: tuple[Str, ...] = Field(
        min_length=1, description="IAM actions, e.g. `s3:GetObject`; wildcards are refused."
    )
    resources: tuple[NonEmptyStr, ...] = Field(
        min_length=1,
        description="Resource ARNs; policy variables such as `${aws:PrincipalTag/tenant}` work.",
    )
    conditions: dict[Str, dict[Str, Str | tuple[Str, ...]]] = Field(
        default_factory=dict, description="IAM condition block, e.g. `StringEquals: {...}`."
    )

    @field_validator("actions")
    @classmethod
    def _no_wildcards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if wildcard := [a for a in value if "*" in a or "?" in a]:
            raise ValueError(f"wildcard actions are not allowed: {wildcard}; list each action")
        if malformed := [a for a in value if not ACTION_PATTERN.match(a)]:
            raise ValueError(f"{malformed}: allowed: service:Action, e.g. s3:GetObject")
        return value

    def write_actions(self) -> list[str]:
        """The actions that are not read-only."""
        return [a for a in self.actions if not a.split(":", 1)[1].startswith(READ_ONLY_VERBS)]


class UserFilesConfig(Section):
    """The worked example: an existing S3 bucket with a private prefix per identity."""

    bucket_name: Str = Field(description="Name of an existing S3 bucket (not created here).")
    guest_read_prefix: Str | None = Field(
        "public/",
        pattern=r"^[A-Za-z0-9!_.()'-]+(/[A-Za-z0-9!_.()'-]+)*/$",
        description="Prefix guests may read (when guest access is on); null: none.",
    )

    @field_validator("bucket_name")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not BUCKET_NAME_PATTERN.match(value):
            raise ValueError("allowed: an S3 bucket name (3-63 lowercase letters, digits, . and -)")
        return value


class IdentityPoolConfig(Section):
    """The identity pool federated with the user pool."""

    enabled: Bool = Field(False, description="Create an identity pool in this environment.")
    clients: tuple[ConstructId, ...] | None = Field(
        None, description="App clients whose tokens it accepts; default: every public client."
    )
    guest_access: Bool = Field(
        False, description="Hand read-only guest credentials to anyone; off unless needed."
    )
    guest_access_reason: NonEmptyStr | None = Field(
        None, description="Why guests need AWS credentials here (the cdk-nag COG7 acknowledgment)."
    )
    authenticated_permissions: tuple[PolicyStatementConfig, ...] = Field(
        (), description="Statements for every signed-in identity."
    )
    guest_permissions: tuple[PolicyStatementConfig, ...] = Field(
        (), description="Read-only statements for guests (no write action, no `*` resource)."
    )
    user_files: UserFilesConfig | None = Field(
        None,
        description="Per-identity S3 prefix `<sub>/` (read/write) and a guest-readable prefix.",
    )
    ambiguous_role_resolution: Literal["deny", "authenticated_role"] = Field(
        "deny",
        description="With group roles: a token without a preferred role gets `deny` (no "
        "credentials) or the authenticated role.",
    )
    principal_tags: dict[TagKey, Str] = Field(
        default_factory=dict,
        description="Session tag -> user-pool attribute (ABAC), e.g. `tenant: custom:tenant_id`.",
    )

    @field_validator("guest_permissions")
    @classmethod
    def _guests_read_only(
        cls, value: tuple[PolicyStatementConfig, ...]
    ) -> tuple[PolicyStatementConfig, ...]:
        problems = KeyProblems(value)
        for index, statement in enumerate(value):
            if writes := statement.write_actions():
                problems.add(
                    f"[{index}].actions",
                    f"grants guests write actions {writes}; allowed: read-only actions "
                    f"({', '.join(v + '*' for v in READ_ONLY_VERBS)})",
                )
            if "*" in statement.resources:
                problems.add(
                    f"[{index}].resources", "grants guests the `*` resource; name the resources"
                )
        problems.raise_any()
        return value

    @model_validator(mode="after")
    def _guest_reason(self) -> IdentityPoolConfig:
        problems = KeyProblems(self)
        if self.guest_access and self.guest_access_reason is None:
            problems.add(
                "guest_access_reason",
                "guest_access needs guest_access_reason (the COG7 acknowledgment)",
            )
        if not self.guest_access and self.guest_permissions:
            problems.add("guest_permissions", "are set but guest_access is false", show_value=False)
        problems.raise_any()
        return self


def user_files_statements(
    user_files: UserFilesConfig, *, guest: bool
) -> list[PolicyStatementConfig]:
    """The worked example's statements: own prefix read/write, or the public prefix read-only."""
    bucket = f"arn:aws:s3:::{user_files.bucket_name}"
    if guest:
        if user_files.guest_read_prefix is None:
            return []
        return [
            PolicyStatementConfig(
                actions=("s3:GetObject",), resources=(f"{bucket}/{user_files.guest_read_prefix}*",)
            )
        ]
    own_prefix = f"{IDENTITY_SUB}/"
    return [
        PolicyStatementConfig(
            actions=("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
            resources=(f"{bucket}/{own_prefix}*",),
        ),
        PolicyStatementConfig(
            actions=("s3:ListBucket",),
            resources=(bucket,),
            conditions={"StringLike": {"s3:prefix": (own_prefix, f"{own_prefix}*")}},
        ),
    ]
