"""Lambda-trigger configuration: which function runs in each of Cognito's trigger slots.

A slot runs the kit's function (`enabled: true`, for the slots the kit has a function for) or
the team's own (`function_arn`), never both: Cognito calls one function per slot. The runtime
side of the kit's functions (``lambda_triggers/``) receives each trigger's policy as JSON in the
``TRIGGER_CONFIG`` environment variable; `infra.constructs.triggers` builds it from these models
(group ids become group names, provider trust comes from the identity providers). The team's
functions are attached by `infra.constructs.trigger_slots` (docs/triggers.md lists every slot).
"""

from __future__ import annotations

import re
from typing import Final, Literal

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

# ARNs of the team's resources. `{partition}`, `{region}` and `{account}` stand for the pool's
# own, so an ARN written with them is in the pool's account and region by construction (and
# works in an environment that pins neither).
_PARTITION = r"(?P<partition>aws[a-z-]*|\{partition\})"
_REGION = r"(?P<region>[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d|\{region\})"
_ACCOUNT = r"(?P<account>\d{12}|\{account\})"
# Cognito's LambdaArn allows a qualifier (an alias or a version number), never `$LATEST`.
FUNCTION_ARN = re.compile(
    rf"^arn:{_PARTITION}:lambda:{_REGION}:{_ACCOUNT}:function:(?P<name>[A-Za-z0-9_-]{{1,64}})"
    r"(?::(?P<qualifier>[A-Za-z0-9_-]{1,128}))?$"
)
KMS_KEY_ARN = re.compile(
    rf"^arn:{_PARTITION}:kms:{_REGION}:{_ACCOUNT}:key/"
    r"(?P<key>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)
ROLE_ARN = re.compile(rf"^arn:{_PARTITION}:iam::{_ACCOUNT}:role/(?P<name>[\w+=,.@/-]{{1,512}})$")
OPERATION_NAME = re.compile(r"^[A-Z][A-Za-z]{2,63}$")
CREATE_KEY: Final = "create"

PRE_TOKEN_VERSIONS = ("V1_0", "V2_0", "V3_0")
PreTokenVersion = Literal["V1_0", "V2_0", "V3_0"]
# The pool attribute the kit's inbound federation function writes (allow-listed pool group
# names, comma separated): no client, provider mapping or other trigger may write it.
IDP_GROUPS_ATTRIBUTE: Final = "custom:idp_groups"
# A provider's group value the kit matches: a stable id (object id, group id, group email).
# No whitespace or comma: multi-valued claims arrive joined, and a display name with spaces is
# the kind of value a group owner can rename.
GROUP_VALUE = re.compile(r"^[\w.:@/+=-]{1,256}$", re.ASCII)


def _domains(value: tuple[str, ...]) -> tuple[str, ...]:
    if bad := [d for d in value if not DOMAIN_PATTERN.match(d)]:
        raise ValueError(f"{bad}: allowed: lowercase domain names like example.com")
    return value


def _function_arn(value: str | None) -> str | None:
    if value is not None and not FUNCTION_ARN.match(value):
        raise ValueError(
            "allowed: a Lambda function ARN, arn:aws:lambda:<region>:<account>:function:<name>"
            "[:<alias or version>], where {region}, {account} and {partition} stand for the "
            "pool's own"
        )
    return value


def _operations(value: dict[str, int]) -> dict[str, int]:
    if bad := sorted(name for name in value if not OPERATION_NAME.match(name)):
        raise ValueError(f"{bad}: allowed: cognito-idp operation names like AdminGetUser")
    if bad := sorted(name for name, count in value.items() if not 1 <= count <= 100):
        raise ValueError(f"{bad}: allowed: 1-100 calls per invocation")
    return value


class _Slot(Section):
    """A trigger slot that can run the team's own function."""

    function_arn: Str | None = Field(
        None,
        description="Your own Lambda function for this slot (`arn:aws:lambda:{region}:{account}:"
        "function:<name>[:<alias or version>]`, in the pool's account and region; `{region}`, "
        "`{account}`, `{partition}` stand for the pool's). The kit grants Cognito invoke, "
        "scoped to this pool, and alarms on its errors.",
    )
    cognito_calls: dict[Str, Int] = Field(
        default_factory=dict,
        description="With function_arn: the cognito-idp operations your function calls per "
        "invocation (`{AdminGetUser: 1}`); the quota budget counts them and the throttling "
        "alarms watch their categories.",
    )

    _arn = field_validator("function_arn")(_function_arn)
    _calls = field_validator("cognito_calls")(_operations)

    @model_validator(mode="after")
    def _calls_need_a_function(self) -> _Slot:
        if self.cognito_calls and self.function_arn is None:
            raise ValueError(
                "cognito_calls describes your function: it needs function_arn (the kit's own "
                "functions are measured from their code)"
            )
        return self


class TeamSlotConfig(_Slot):
    """A slot only the team's function fills (the kit has no function for it)."""


class _Trigger(_Slot):
    enabled: Bool = Field(False, description="Attach the kit's function to this slot.")

    @model_validator(mode="after")
    def _one_function(self) -> _Trigger:
        if self.enabled and self.function_arn is not None:
            raise ValueError(
                "the slot is claimed twice: enabled: true attaches the kit's function and "
                "function_arn names yours, but Cognito calls one function per trigger; keep one"
            )
        return self


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
    """Claims and scopes added to tokens. The kit's trigger runs as event version 3 (V3_0): ID
    and access tokens of users, and the access tokens of machine clients (client credentials).
    With `function_arn`, the keys below declare what your function adds: the kit checks them as
    it checks its own (claim sources, reserved names, the event version that can carry them)."""

    lambda_version: PreTokenVersion | None = Field(
        None,
        description="With function_arn (required there): the event version your function "
        "expects. V1_0 customizes the ID token only; V2_0 also access-token claims and scopes "
        "(essentials or plus plan); V3_0 also client-credentials tokens. The kit's function is "
        "V3_0.",
    )

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
        if self.machine_clients and not (self.enabled or self.function_arn):
            raise ValueError("machine_clients needs enabled: true or function_arn")
        if self.function_arn is not None and self.lambda_version is None:
            raise ValueError(
                f"function_arn needs lambda_version, the event version your function expects: "
                f"one of {list(PRE_TOKEN_VERSIONS)}"
            )
        if self.function_arn is None and self.lambda_version is not None:
            raise ValueError(
                "lambda_version applies to function_arn only: the kit's function is V3_0"
            )
        return self

    @property
    def attached(self) -> bool:
        """Whether any function (the kit's or the team's) runs in this slot."""
        return self.enabled or self.function_arn is not None

    @property
    def event_version(self) -> str | None:
        """The event version Cognito sends: V3_0 for the kit's function, the configured one for
        the team's, None when the slot is empty."""
        if self.enabled:
            return "V3_0"
        return self.lambda_version if self.function_arn is not None else None


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


class ProviderGroupsConfig(Section):
    """How one identity provider's group claim becomes pool groups: an allow-list."""

    claim: NonEmptyStr = Field(
        max_length=2048,
        description="The provider attribute that carries the user's groups: the SAML attribute "
        "name or OIDC claim (Entra ID: http://schemas.microsoft.com/ws/2008/06/identity/claims/"
        "groups).",
    )
    groups: dict[Str, ConstructId] = Field(
        min_length=1,
        description="Provider group -> pool group id (user_pool.groups). The key is the group's "
        "stable id at this provider (Entra ID object id, Okta group id), never a display name, "
        "which group owners can rename; matched exactly. Any other value is dropped.",
    )

    @field_validator("groups")
    @classmethod
    def _group_values(cls, value: dict[str, str]) -> dict[str, str]:
        if bad := sorted(group for group in value if not GROUP_VALUE.match(group)):
            raise ValueError(
                f"{bad}: allowed: the group's stable id, 1-256 letters, digits and . _ : @ / + "
                "= - (no spaces or commas: display names can be renamed by their owners)"
            )
        return value


class InboundFederationConfig(_Trigger):
    """Runs on every federated sign-in before Cognito maps the provider's attributes. The
    kit's function maps allow-listed provider groups to pool group names in
    `custom:idp_groups` and never lets a provider write that attribute itself."""

    group_mapping: dict[ConstructId, ProviderGroupsConfig] = Field(
        default_factory=dict,
        description="Identity provider id (saml or oidc) -> its group claim and allow-list. "
        "Only the kit's function (enabled: true) reads it.",
    )

    @model_validator(mode="after")
    def _mapping_is_the_kits(self) -> InboundFederationConfig:
        if self.enabled and not self.group_mapping:
            raise ValueError(
                "the kit's function maps provider groups: list at least one provider under "
                "group_mapping, or leave the slot empty"
            )
        if self.group_mapping and not self.enabled:
            raise ValueError(
                "group_mapping configures the kit's function: it needs enabled: true"
                + (" (not your function_arn)" if self.function_arn else "")
            )
        return self


class SenderSlotConfig(_Slot):
    """A custom sender: your function delivers every email (or SMS) of the pool. Cognito hands
    it codes and temporary passwords encrypted with `triggers.custom_sender_key`."""

    decrypt_role_arn: Str | None = Field(
        None,
        description="Your sender function's execution role: with custom_sender_key `create`, "
        "the only principal the key lets decrypt (required there).",
    )

    @field_validator("decrypt_role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not ROLE_ARN.match(value):
            raise ValueError("allowed: an IAM role ARN, arn:aws:iam::<account>:role/<name>")
        return value

    @model_validator(mode="after")
    def _role_of_a_function(self) -> SenderSlotConfig:
        if self.decrypt_role_arn is not None and self.function_arn is None:
            raise ValueError("decrypt_role_arn names your sender's role: it needs function_arn")
        return self


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
    pre_authentication: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Pre authentication: your function may refuse a sign-in (a suspended tenant).",
    )
    post_authentication: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Post authentication: your function runs after a sign-in (record it).",
    )
    user_migration: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="User migration with your function; the kit's is the `migration` section.",
    )
    define_auth_challenge: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Custom auth: decides the next challenge (with create and verify; needed "
        "by an app client's `custom` auth flow). Threat protection screens these sign-ins in "
        "the mode of user_pool.threat_protection (CustomAuthMode).",
    )
    create_auth_challenge: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Custom auth: creates the challenge (magic link, CAPTCHA).",
    )
    verify_auth_challenge_response: TeamSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Custom auth: checks the user's answer.",
    )
    custom_email_sender: SenderSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Custom email sender: your function sends every email (needs "
        "custom_sender_key).",
    )
    custom_sms_sender: SenderSlotConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Custom SMS sender: your function sends every SMS (needs custom_sender_key).",
    )
    custom_sender_key: Str | None = Field(
        None,
        description="The KMS key Cognito encrypts codes with for the custom senders (required "
        "with a sender): `create` (a customer-managed key, rotated, that only the senders' "
        "decrypt_role_arn may decrypt) or the ARN of your symmetric key in the pool's region.",
    )
    inbound_federation: InboundFederationConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Inbound federation: transforms a provider's attributes before Cognito "
        "maps them (the kit's function maps allow-listed groups).",
    )

    @field_validator("custom_sender_key")
    @classmethod
    def _sender_key(cls, value: str | None) -> str | None:
        if value is not None and value != CREATE_KEY and not KMS_KEY_ARN.match(value):
            raise ValueError(
                "allowed: `create`, or a KMS key ARN arn:aws:kms:<region>:<account>:key/<key id>"
                " ({region}, {account}, {partition} stand for the pool's own)"
            )
        return value

    def slots(self) -> dict[str, _Slot]:
        """Every trigger slot of this section by its key (docs/triggers.md), in Cognito's
        order."""
        return {name: getattr(self, name) for name in SLOT_KEYS}

    def team_functions(self) -> dict[str, str]:
        """Slot key -> the team's function ARN, for the slots that name one."""
        return {
            name: slot.function_arn
            for name, slot in self.slots().items()
            if slot.function_arn is not None
        }

    def senders(self) -> dict[str, SenderSlotConfig]:
        """The custom sender slots that name a function."""
        return {
            name: slot
            for name in SENDER_KEYS
            if (slot := getattr(self, name)).function_arn is not None
        }


SLOT_KEYS: Final = (
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
"""Every trigger slot the file can fill, by its key under `triggers`."""
CHALLENGE_KEYS: Final = (
    "define_auth_challenge",
    "create_auth_challenge",
    "verify_auth_challenge_response",
)
SENDER_KEYS: Final = ("custom_email_sender", "custom_sms_sender")
SLOT_IDS: Final = {
    "pre_sign_up": "PreSignUp",
    "post_confirmation": "PostConfirmation",
    "pre_authentication": "PreAuthentication",
    "post_authentication": "PostAuthentication",
    "pre_token_generation": "PreTokenGeneration",
    "custom_message": "CustomMessage",
    "user_migration": "UserMigration",
    "define_auth_challenge": "DefineAuthChallenge",
    "create_auth_challenge": "CreateAuthChallenge",
    "verify_auth_challenge_response": "VerifyAuthChallengeResponse",
    "custom_email_sender": "CustomEmailSender",
    "custom_sms_sender": "CustomSmsSender",
    "inbound_federation": "InboundFederation",
}
"""Slot key -> the trigger id construct ids, alarms and the quota budget use."""
KIT_SLOT_KEYS: Final = (
    "pre_sign_up",
    "post_confirmation",
    "pre_token_generation",
    "custom_message",
    "inbound_federation",
)
"""The slots the kit has a function for (`enabled: true`); the migration's is `migration`."""
