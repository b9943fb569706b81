"""Lambda-trigger configuration: which triggers run in an environment and their policy.

The runtime side (``lambda_triggers/``) receives each trigger's policy as JSON in the
``TRIGGER_CONFIG`` environment variable; `infra.constructs.triggers` builds it from these models
(group ids become group names, provider trust comes from the identity providers).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import Section
from infra.config.types import (
    Bool,
    ConstructId,
    EmailAddress,
    Int,
    LogRetentionDays,
    NonEmptyStr,
    Str,
)

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def _domains(value: tuple[str, ...]) -> tuple[str, ...]:
    if bad := [d for d in value if not DOMAIN_PATTERN.match(d)]:
        raise ValueError(f"{bad}: allowed: lowercase domain names like example.com")
    return value


class _Trigger(Section):
    enabled: Bool = Field(False, description="Attach this trigger to the user pool.")


class PreSignUpConfig(_Trigger):
    """Who may sign up, and linking of federated users to existing accounts.

    Linking hands the native user's account (tokens, groups, identity-pool role) to whoever
    signs in with the provider, and a federated sign-in is never challenged by the pool's MFA:
    it is off unless the file turns it on, only for domains the provider owns, and never to a
    user with MFA or in a protected group.
    """

    allowed_email_domains: tuple[Str, ...] = Field(
        (),
        description="Only these email domains (and subdomains; a Google or Apple sign-in: these "
        "domains exactly) may sign up; empty: all.",
    )
    denied_email_domains: tuple[Str, ...] = Field(
        (), description="These email domains may not sign up (wins over allowed)."
    )
    account_linking: Bool = Field(
        False,
        description="Link a first federated sign-in to the native user with the same verified "
        "email, when the provider owns that email's domain (identity_providers.*: "
        "workspace_domains of a Google Workspace oidc provider, trusted_email_domains, "
        "identifiers); off unless turned on.",
    )
    protected_groups: tuple[ConstructId, ...] | None = Field(
        None,
        description="Group ids whose members are never linked to; default: every group with "
        "iam_permissions and the group(s) with the lowest precedence.",
    )
    federated_sign_up_domains: tuple[Str, ...] = Field(
        (),
        description="With self sign-up off: verified email domains whose users may create an "
        "account by a first federated sign-in (the provider must own the domain; exactly, "
        "except an enterprise IdP's subdomains). Never a public suffix.",
    )

    _allowed = field_validator("allowed_email_domains")(_domains)
    _denied = field_validator("denied_email_domains")(_domains)
    _federated = field_validator("federated_sign_up_domains")(_domains)


class PostConfirmationConfig(_Trigger):
    """What happens once a user confirms sign-up."""

    default_group: ConstructId | None = Field(
        None, description="Id of the group every confirmed user joins (from user_pool.groups)."
    )


class MachineTokenConfig(Section):
    """What a machine client's client-credentials access tokens carry besides its scopes."""

    claims: dict[Str, Str] = Field(
        default_factory=dict, description="Claim -> fixed value added to the access token."
    )
    scopes: tuple[Str, ...] = Field(
        (), description="Resource-server scopes added to the access token."
    )


class PreTokenGenerationConfig(_Trigger):
    """Claims and scopes added to tokens. The trigger runs as event version 3 (V3_0): ID and
    access tokens of users, and the access tokens of machine clients (client credentials)."""

    id_token_claims: dict[Str, Str] = Field(
        default_factory=dict, description="Claim -> user attribute added to the ID token."
    )
    access_token_claims: dict[Str, Str] = Field(
        default_factory=dict, description="Claim -> user attribute added to the access token."
    )
    groups_claim: Str | None = Field(
        None, description="Add the user's groups to both tokens under this claim name."
    )
    suppress_claims: tuple[Str, ...] = Field((), description="Claims removed from both tokens.")
    group_scopes: dict[ConstructId, tuple[Str, ...]] = Field(
        default_factory=dict,
        description="Group id -> resource-server scopes reserved to members: added to a "
        "member's access token when the client may request them (its scopes), suppressed for "
        "everyone else.",
    )
    machine_clients: dict[ConstructId, MachineTokenConfig] = Field(
        default_factory=dict,
        description="Machine app client id -> claims and scopes added to its client-credentials "
        "access tokens. The trigger then looks the client up (ListUserPoolClients, once per "
        "5 minutes per function instance). Cost: the trigger runs on every machine token "
        "request of the pool (one Lambda invocation each) on top of Cognito's M2M price per "
        "app client and token request; AWS lists no separate charge for customizing them.",
    )

    @model_validator(mode="after")
    def _claim_names(self) -> PreTokenGenerationConfig:
        machine_claims = [c for m in self.machine_clients.values() for c in m.claims]
        names = [
            *self.id_token_claims,
            *self.access_token_claims,
            *self.suppress_claims,
            *machine_claims,
        ]
        if self.groups_claim:
            names.append(self.groups_claim)
        if bad := [n for n in names if not CLAIM_NAME.match(n)]:
            raise ValueError(f"{bad}: allowed: claim names of letters, digits, _ . : -")
        added = {*self.id_token_claims, *self.access_token_claims}
        if both := set(self.suppress_claims) & added:
            raise ValueError(f"{sorted(both)} are both added and suppressed")
        if self.groups_claim in added:
            raise ValueError(f"groups_claim {self.groups_claim!r} is also mapped from an attribute")
        if both := set(self.suppress_claims) & set(machine_claims):
            raise ValueError(f"{sorted(both)} are both added to machine tokens and suppressed")
        if self.machine_clients and not self.enabled:
            raise ValueError("machine_clients needs enabled: true")
        return self


class CustomMessageConfig(_Trigger):
    """Branded email and SMS for every Cognito message."""

    app_name: NonEmptyStr = Field("Acme", max_length=128, description="Shown in every message.")
    app_url: Str | None = Field(
        None,
        pattern=r"^https://[^\s@]+$",
        max_length=1024,
        description="https link shown in emails (no credentials).",
    )
    support_email: EmailAddress | None = Field(None, description="Contact address shown in emails.")
    subjects: dict[Str, Str] = Field(
        default_factory=dict,
        description="Subject per message (SignUp, ResendCode, ForgotPassword, AdminCreateUser, "
        "UpdateUserAttribute, VerifyUserAttribute, Authentication).",
    )

    @field_validator("subjects")
    @classmethod
    def _subject_keys(cls, value: dict[str, str]) -> dict[str, str]:
        known = (
            "SignUp",
            "ResendCode",
            "ForgotPassword",
            "AdminCreateUser",
            "UpdateUserAttribute",
            "VerifyUserAttribute",
            "Authentication",
        )
        if unknown := sorted(set(value) - set(known)):
            raise ValueError(f"{unknown} are not message types; allowed: {list(known)}")
        if long := [k for k, v in value.items() if not 1 <= len(v) <= 140]:
            raise ValueError(f"subjects {long} must be 1-140 characters")
        return value


class TriggersConfig(Section):
    """The Lambda triggers and the settings every trigger function shares."""

    memory_mb: Int = Field(256, ge=128, le=3008, description="Memory of every trigger function.")
    timeout_seconds: Int = Field(
        5, ge=1, le=5, description="Timeout (at most 5 s: Cognito waits 5 s, then fails)."
    )
    log_retention_days: LogRetentionDays = Field(
        365, description="Retention of each trigger's log group (a CloudWatch Logs period)."
    )
    pre_sign_up: PreSignUpConfig = Field(
        default_factory=dict, validate_default=True, description="Pre sign-up trigger."
    )
    post_confirmation: PostConfirmationConfig = Field(
        default_factory=dict, validate_default=True, description="Post confirmation trigger."
    )
    pre_token_generation: PreTokenGenerationConfig = Field(
        default_factory=dict, validate_default=True, description="Pre token generation (V3_0)."
    )
    custom_message: CustomMessageConfig = Field(
        default_factory=dict, validate_default=True, description="Custom message trigger."
    )
