"""The typed, validated model of one environment file (``infra/environments/<name>.yaml``).

Every key has a default and a one-line description; the README's configuration reference is
generated from these descriptions (``make docs``). Defaults are the secure choice; an
environment relaxes them explicitly, and relaxing MFA or threat protection needs a written
reason that ends up in the cdk-nag audit trail.

Rules that depend on the environment's ``tier`` (http://localhost callbacks, SES, retention)
read the tier from the validation context so that they report alongside every other problem
instead of after the rest of the file is fixed.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infra.config.federation import (
    RESERVED_PROVIDER_NAMES,
    IdentityProviderConfig,
    email_trust_problems,
)
from infra.config.identity_pool import IdentityPoolConfig, PolicyStatementConfig
from infra.config.model_base import Section, Tier, tier_of
from infra.config.triggers import TriggersConfig
from infra.config.types import (
    AccountId,
    Bool,
    ConstructId,
    CustomAttributeName,
    EmailAddress,
    GroupName,
    Int,
    NonEmptyStr,
    ProjectName,
    Region,
    ResourceServerIdentifier,
    ScopeName,
    Str,
    TagKey,
    TagValue,
)

StandardAttributeName = Literal[
    "address",
    "birthdate",
    "email",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
]
BUILT_IN_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
CDK_DEFAULT_CALLBACK = "https://example.com"
# Cognito rejects domain prefixes that contain these words.
RESERVED_PREFIX_WORDS = ("aws", "amazon", "cognito")
DOMAIN_PREFIX_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
FQDN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ACM_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)
SES_IDENTITY_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:ses:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):identity/(?P<identity>.+)$"
)


class PasswordPolicyConfig(Section):
    """Password rules. The defaults pass cdk-nag AwsSolutions-COG1 with room to spare."""

    min_length: Int = Field(12, ge=8, le=99, description="Minimum password length (8-99).")
    require_lowercase: Bool = Field(True, description="Require a lowercase letter.")
    require_uppercase: Bool = Field(True, description="Require an uppercase letter.")
    require_digits: Bool = Field(True, description="Require a digit.")
    require_symbols: Bool = Field(True, description="Require a symbol.")
    temporary_password_validity_days: Int = Field(
        3, ge=1, le=365, description="Days an admin-issued temporary password stays valid."
    )
    password_history_size: Int | None = Field(
        None,
        ge=1,
        le=24,
        description="Refuse the last N passwords (needs the essentials or plus feature plan).",
    )


class MfaConfig(Section):
    """Multi-factor authentication. Anything weaker than `required` needs a written reason."""

    mode: Literal["off", "optional", "required"] = Field(
        "required", description="`required`, `optional` or `off`."
    )
    totp: Bool = Field(True, description="Allow authenticator-app (TOTP) codes.")
    sms: Bool = Field(
        False,
        description="Allow SMS codes (creates an SNS role; SMS costs money and can be phished).",
    )
    email: Bool = Field(
        False, description="Allow email codes (needs the essentials/plus plan and SES email)."
    )
    relaxed_reason: NonEmptyStr | None = Field(
        None,
        description="Why MFA is not `required` here; becomes the cdk-nag COG2 acknowledgment.",
    )

    @model_validator(mode="after")
    def _factors_and_reason(self) -> MfaConfig:
        if self.mode != "off" and not (self.totp or self.sms or self.email):
            raise ValueError("MFA is on but no factor is enabled; enable totp, sms or email")
        if self.mode == "required" and self.relaxed_reason is not None:
            raise ValueError("relaxed_reason is only allowed when mode is not `required`")
        if self.mode != "required" and self.relaxed_reason is None:
            raise ValueError(
                f"mode `{self.mode}` needs relaxed_reason: a sentence saying why this "
                "environment does not require MFA (it is the cdk-nag COG2 acknowledgment)"
            )
        return self


class ThreatProtectionConfig(Section):
    """Threat protection (compromised credentials, adaptive authentication). Needs the plus plan."""

    mode: Literal["off", "audit", "enforced"] = Field(
        "enforced",
        description="`enforced`, `audit` or `off`; anything but `off` needs plan `plus`.",
    )
    relaxed_reason: NonEmptyStr | None = Field(
        None,
        description="Why the pool is not on plus with enforced protection (the COG8 "
        "acknowledgment).",
    )


class StandardAttributeConfig(Section):
    """A standard OIDC attribute the pool keeps. `required` cannot change after creation."""

    required: Bool = Field(False, description="Users must provide it at sign-up (immutable).")
    mutable: Bool = Field(True, description="Users or admins may change it later.")


class CustomAttributeConfig(Section):
    """A `custom:` attribute. Its type and mutability cannot change once the pool exists."""

    type: Literal["string", "number", "boolean", "datetime"] = Field(
        "string", description="`string`, `number`, `boolean` or `datetime`."
    )
    mutable: Bool = Field(False, description="Whether it can change after it is first set.")
    min: Int | None = Field(None, ge=0, description="Minimum length (string) or value (number).")
    max: Int | None = Field(None, ge=0, description="Maximum length (string) or value (number).")
    user_writable: Bool = Field(
        False,
        description="App clients may list it in write_attributes. Never for attributes used "
        "for authorisation (tenant, role): users would grant themselves access.",
    )

    @model_validator(mode="after")
    def _bounds(self) -> CustomAttributeConfig:
        if self.type in ("boolean", "datetime") and (self.min is not None or self.max is not None):
            raise ValueError(f"min/max do not apply to a {self.type} attribute")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.type == "string" and self.max is not None and self.max > 2048:
            raise ValueError("a string attribute holds at most 2048 characters")
        return self


class GroupConfig(Section):
    """A user-pool group. Its name is create-only: renaming it replaces the group."""

    name: GroupName = Field(description="Group name as it appears in `cognito:groups`.")
    description: Str | None = Field(None, max_length=2048, description="What the group is for.")
    precedence: Int = Field(
        0, ge=0, description="Lower wins when a user is in several groups with IAM roles."
    )
    iam_permissions: tuple[PolicyStatementConfig, ...] | None = Field(
        None,
        description="Give the group an IAM role with these statements; the identity pool hands "
        "it to members (`cognito:preferred_role`).",
    )


class EmailConfig(Section):
    """How the pool sends email. Cognito's own sender stops after 50 mails a day."""

    sender: Literal["cognito", "ses"] = Field(
        "cognito", description="`cognito` (50 mails a day, dev only) or `ses`."
    )
    from_address: EmailAddress | None = Field(
        None, description="From address; must belong to the SES identity."
    )
    from_name: Str | None = Field(None, max_length=64, description="Display name beside it.")
    reply_to: EmailAddress | None = Field(None, description="Reply-to address.")
    ses_identity_arn: Str | None = Field(
        None,
        description="ARN of the verified SES identity (domain or address) that sends the mail.",
    )
    configuration_set: Str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="SES configuration set (optional)."
    )

    @field_validator("ses_identity_arn")
    @classmethod
    def _ses_arn(cls, value: str | None) -> str | None:
        if value is not None and not SES_IDENTITY_ARN_PATTERN.match(value):
            raise ValueError(
                "must be an SES identity ARN: arn:aws:ses:<region>:<account>:identity/<domain>"
            )
        return value

    @model_validator(mode="after")
    def _ses_needs_identity(self, info: ValidationInfo) -> EmailConfig:
        if self.sender == "ses":
            missing = [k for k in ("from_address", "ses_identity_arn") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"sender `ses` needs {' and '.join(missing)}")
            identity = SES_IDENTITY_ARN_PATTERN.match(self.ses_identity_arn or "")
            address = self.from_address or ""
            if identity and not _address_belongs_to(address, identity["identity"]):
                raise ValueError(
                    f"from_address {address!r} is not covered by the SES identity "
                    f"{identity['identity']!r}"
                )
        elif tier_of(info) == "production":
            raise ValueError(
                "production-tier environments must send email through SES (sender: ses): "
                "Cognito's own sender drops mail past 50 a day"
            )
        return self

    @property
    def ses_region(self) -> str | None:
        """The region of the SES identity, read from its ARN."""
        match = SES_IDENTITY_ARN_PATTERN.match(self.ses_identity_arn or "")
        return match["region"] if match else None


def _address_belongs_to(address: str, identity: str) -> bool:
    domain = address.rpartition("@")[2].lower()
    identity = identity.lower()
    return address.lower() == identity or domain == identity or domain.endswith("." + identity)


class MessagesConfig(Section):
    """Verification and invitation messages; Cognito replaces the placeholders."""

    verification_email_subject: Str = Field(
        "Your verification code", min_length=1, max_length=140, description="Subject."
    )
    verification_email_body: Str = Field(
        "Your verification code is {####}.",
        min_length=6,
        max_length=20000,
        description="Body; must contain `{####}`.",
    )
    verification_sms: Str = Field(
        "Your verification code is {####}.",
        min_length=6,
        max_length=140,
        description="SMS text; must contain `{####}`.",
    )
    invitation_email_subject: Str = Field(
        "Your temporary password", min_length=1, max_length=140, description="Subject."
    )
    invitation_email_body: Str = Field(
        "Your username is {username} and your temporary password is {####}.",
        min_length=6,
        max_length=20000,
        description="Body; must contain `{username}` and `{####}`.",
    )
    invitation_sms: Str = Field(
        "Your username is {username} and your temporary password is {####}.",
        min_length=6,
        max_length=140,
        description="SMS text; must contain `{username}` and `{####}`.",
    )

    @field_validator("verification_email_body", "verification_sms")
    @classmethod
    def _has_code(cls, value: str) -> str:
        if "{####}" not in value:
            raise ValueError("must contain the code placeholder {####}")
        return value

    @field_validator("invitation_email_body", "invitation_sms")
    @classmethod
    def _has_username_and_password(cls, value: str) -> str:
        missing = [p for p in ("{username}", "{####}") if p not in value]
        if missing:
            raise ValueError(f"must contain the placeholder(s) {' and '.join(missing)}")
        return value


SignInIdentifier = Literal["email", "phone", "username", "preferred_username"]
AccountRecovery = Literal[
    "email_only",
    "email_and_phone_without_mfa",
    "phone_without_mfa_and_email",
    "phone_and_email",
    "phone_only_without_mfa",
    "none",
]


class UserPoolConfig(Section):
    """The user directory. Settings marked immutable cannot change once the pool exists."""

    name: Str | None = Field(
        None, max_length=128, description="Pool name; default `<project>-<environment>`."
    )
    sign_in_identifiers: tuple[SignInIdentifier, ...] = Field(
        ("email",),
        min_length=1,
        description="What users sign in with: email, phone, username, preferred_username "
        "(immutable).",
    )
    self_sign_up: Bool = Field(
        False, description="Anyone with a client id may call SignUp; off unless you need it."
    )
    feature_plan: Literal["lite", "essentials", "plus"] = Field(
        "essentials", description="`lite`, `essentials` or `plus` (threat protection)."
    )
    threat_protection: ThreatProtectionConfig = Field(
        default_factory=dict, validate_default=True, description="Threat protection settings."
    )
    mfa: MfaConfig = Field(default_factory=dict, validate_default=True, description="MFA settings.")
    password_policy: PasswordPolicyConfig = Field(
        default_factory=dict, validate_default=True, description="Password rules."
    )
    account_recovery: AccountRecovery = Field(
        "email_only", description="How users recover a forgotten password."
    )
    standard_attributes: dict[StandardAttributeName, StandardAttributeConfig] = Field(
        default_factory=lambda: {"email": {"required": True}},
        validate_default=True,
        description="Standard attributes the pool keeps, by OIDC name (required is immutable).",
    )
    custom_attributes: dict[CustomAttributeName, CustomAttributeConfig] = Field(
        default_factory=dict, description="Custom attributes, by name without `custom:`."
    )
    groups: dict[ConstructId, GroupConfig] = Field(
        default_factory=dict, description="User groups, by stable construct id."
    )
    email: EmailConfig = Field(
        default_factory=dict, validate_default=True, description="Email sending."
    )
    messages: MessagesConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Verification and invitation messages.",
    )
    deletion_protection: Bool = Field(
        True, description="Refuse DeleteUserPool; must stay on in production-tier environments."
    )
    removal_policy: Literal["retain", "destroy"] = Field(
        "retain",
        description="What `cdk destroy` or a replacement does to the pool; `destroy` only in "
        "development-tier environments.",
    )

    @field_validator("sign_in_identifiers")
    @classmethod
    def _identifiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists an identifier twice")
        if "preferred_username" in value and "username" not in value:
            raise ValueError("preferred_username can only be used together with username")
        return value

    @field_validator("groups")
    @classmethod
    def _unique_group_names(cls, value: dict[str, GroupConfig]) -> dict[str, GroupConfig]:
        seen: dict[str, str] = {}
        for group_id, group in value.items():
            if group.name in seen:
                raise ValueError(
                    f"groups {seen[group.name]} and {group_id} share the name {group.name!r}"
                )
            seen[group.name] = group_id
        return value

    @model_validator(mode="after")
    def _consistency(self, info: ValidationInfo) -> UserPoolConfig:
        problems = []
        for identifier, attribute in (("email", "email"), ("phone", "phone_number")):
            declared = self.standard_attributes.get(attribute)  # type: ignore[call-overload]
            if identifier in self.sign_in_identifiers and declared is None:
                problems.append(f"sign-in with {identifier} needs standard_attributes.{attribute}")
        if self.threat_protection.mode != "off" and self.feature_plan != "plus":
            problems.append(
                f"threat_protection.mode `{self.threat_protection.mode}` needs feature_plan `plus`"
            )
        fully_protected = self.feature_plan == "plus" and self.threat_protection.mode == "enforced"
        if not fully_protected and self.threat_protection.relaxed_reason is None:
            problems.append(
                "threat_protection.relaxed_reason is required unless feature_plan is `plus` and "
                "threat_protection.mode is `enforced` (it is the cdk-nag COG8 acknowledgment)"
            )
        if self.mfa.email and (self.feature_plan == "lite" or self.email.sender != "ses"):
            problems.append("mfa.email needs feature_plan essentials/plus and email.sender `ses`")
        if self.password_policy.password_history_size and self.feature_plan == "lite":
            problems.append("password_policy.password_history_size needs essentials or plus")
        if tier_of(info) == "production":
            if not self.deletion_protection:
                problems.append("deletion_protection must be true in a production-tier environment")
            if self.removal_policy != "retain":
                problems.append("removal_policy must be `retain` in a production-tier environment")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ResourceServerConfig(Section):
    """An API protected by access tokens, with the custom scopes clients may request."""

    identifier: ResourceServerIdentifier = Field(
        description="Scope prefix, e.g. `orders` or an API URL (create-only)."
    )
    name: NonEmptyStr = Field(description="Display name.")
    scopes: dict[ScopeName, NonEmptyStr] = Field(
        min_length=1, description="Scope name to description, e.g. `read: Read orders`."
    )


AuthFlow = Literal["user_srp", "user_password", "custom", "admin_user_password"]


class AppClientConfig(Section):
    """An app client. `public` and `confidential` clients sign users in through the hosted
    domain with the authorization-code grant; `machine` clients use client credentials."""

    kind: Literal["public", "confidential", "machine"] = Field(
        description="`public` (SPA/mobile, no secret), `confidential` (server, secret) or "
        "`machine` (client credentials). Changing public<->secret replaces the client."
    )
    display_name: Str | None = Field(None, max_length=128, description="Client name; default: id.")
    callback_urls: tuple[Str, ...] = Field(
        (), description="Allowed redirect URLs after sign-in (https://; http://localhost in dev)."
    )
    logout_urls: tuple[Str, ...] = Field(
        (), description="Allowed redirect URLs after sign-out (same rules)."
    )
    scopes: tuple[Str, ...] | None = Field(
        None,
        description="OAuth scopes; default openid/email/profile (machine: required, resource "
        "server scopes only). `aws.cognito.signin.user.admin` only when listed here.",
    )
    auth_flows: tuple[AuthFlow, ...] | None = Field(
        None,
        description="Allowed SDK auth flows besides refresh; default user_srp (machine: none).",
    )
    user_password_auth_reason: NonEmptyStr | None = Field(
        None, description="Why this client needs user_password (plain password) auth."
    )
    access_token_validity_minutes: Int = Field(
        60, ge=5, le=1440, description="Access-token lifetime in minutes (5-1440)."
    )
    id_token_validity_minutes: Int = Field(
        60, ge=5, le=1440, description="ID-token lifetime in minutes (5-1440)."
    )
    refresh_token_validity_days: Int = Field(
        30, ge=1, le=3650, description="Refresh-token lifetime in days (1-3650)."
    )
    refresh_token_rotation: Bool = Field(
        False, description="Issue a new refresh token on every refresh."
    )
    identity_providers: tuple[ConstructId, ...] | None = Field(
        None,
        description="Ids of the identity providers this client offers; default: every enabled "
        "provider (machine clients: none).",
    )
    allow_cognito_sign_in: Bool = Field(
        True, description="Offer sign-in with a user-pool password besides the providers."
    )
    read_attributes: tuple[Str, ...] | None = Field(
        None, description="Attributes the client may read; default: every pool attribute."
    )
    write_attributes: tuple[Str, ...] | None = Field(
        None,
        description="Attributes users may write through the client; default: mutable standard "
        "attributes. Custom attributes only when `user_writable`.",
    )

    @field_validator("callback_urls", "logout_urls")
    @classmethod
    def _redirect_urls(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        problems = [p for url in value if (p := _redirect_url_problem(url, tier_of(info)))]
        if len(set(value)) != len(value):
            problems.append("lists a URL twice")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _kind_rules(self) -> AppClientConfig:
        problems = []
        flows = self.effective_auth_flows
        if self.kind == "machine":
            if self.callback_urls or self.logout_urls:
                problems.append("a machine client has no callback_urls or logout_urls")
            if not self.scopes:
                problems.append("a machine client needs scopes (resource-server scopes)")
            elif non_custom := [s for s in self.scopes if "/" not in s]:
                problems.append(
                    f"a machine client may only request resource-server scopes, not {non_custom}"
                )
            if flows:
                problems.append("a machine client uses client credentials; auth_flows must be []")
        else:
            if not self.callback_urls:
                problems.append(f"a {self.kind} client needs at least one callback URL")
            if self.kind == "public" and "admin_user_password" in flows:
                problems.append("admin_user_password needs AWS credentials; not for public clients")
        if "user_password" in flows and self.user_password_auth_reason is None:
            problems.append("auth flow user_password needs user_password_auth_reason")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def effective_scopes(self) -> tuple[str, ...]:
        """The scopes after defaults: openid/email/profile for interactive clients."""
        if self.scopes is not None:
            return self.scopes
        return () if self.kind == "machine" else ("openid", "email", "profile")

    @property
    def effective_auth_flows(self) -> tuple[str, ...]:
        """The SDK auth flows after defaults: SRP for interactive clients, none for machines."""
        if self.auth_flows is not None:
            return self.auth_flows
        return () if self.kind == "machine" else ("user_srp",)


def _redirect_url_problem(url: str, tier: Tier) -> str | None:
    allowed = "allowed: absolute https:// URLs without wildcards or fragments" + (
        ", or http://localhost"
        if tier == "development"
        else " (http://localhost only in development-tier environments)"
    )
    parts = urlsplit(url)
    if "*" in url:
        return f"{url!r} contains a wildcard; {allowed}"
    if parts.fragment:
        return f"{url!r} has a #fragment; {allowed}"
    if url.rstrip("/") == CDK_DEFAULT_CALLBACK:
        return f"{url!r} is the CDK's placeholder callback; {allowed}"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname == "localhost" and tier == "development":
        return None
    return f"{url!r} is not allowed; {allowed}"


class DomainConfig(Section):
    """The hosted sign-in domain: a Cognito prefix domain or your own domain."""

    prefix: Str | None = Field(
        None, description="Cognito prefix: `<prefix>.auth.<region>.amazoncognito.com`."
    )
    custom_domain: Str | None = Field(None, description="Your own domain, e.g. auth.example.com.")
    certificate_arn: Str | None = Field(
        None, description="ACM certificate for custom_domain; must be in us-east-1."
    )
    managed_login_version: Literal["classic", "managed_login"] = Field(
        "managed_login",
        description="`managed_login` (branded pages; a branding resource per client) or `classic`.",
    )

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not DOMAIN_PREFIX_PATTERN.match(value):
            raise ValueError(
                "allowed: 1-63 lowercase letters, digits and hyphens, not starting or ending "
                "with a hyphen"
            )
        if reserved := [w for w in RESERVED_PREFIX_WORDS if w in value]:
            raise ValueError(f"Cognito refuses prefixes containing {', '.join(reserved)}")
        return value

    @field_validator("custom_domain")
    @classmethod
    def _custom_domain(cls, value: str | None) -> str | None:
        if value is not None and not FQDN_PATTERN.match(value):
            raise ValueError(
                "allowed: a lowercase fully qualified domain name like auth.example.com"
            )
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        if value is None:
            return value
        match = ACM_ARN_PATTERN.match(value)
        if not match:
            raise ValueError("allowed: arn:aws:acm:us-east-1:<account>:certificate/<id>")
        if match["region"] != "us-east-1":
            raise ValueError(
                f"the certificate is in {match['region']}; a Cognito custom domain needs one in "
                "us-east-1 (CloudFront)"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> DomainConfig:
        if (self.prefix is None) == (self.custom_domain is None):
            raise ValueError("set exactly one of prefix or custom_domain")
        if self.custom_domain is not None and self.certificate_arn is None:
            raise ValueError(
                "custom_domain needs certificate_arn (an ACM certificate in us-east-1)"
            )
        if self.prefix is not None and self.certificate_arn is not None:
            raise ValueError("certificate_arn only applies to custom_domain")
        return self


class EnvironmentConfig(Section):
    """One deployment environment: everything `cdk deploy -c env=<name>` builds."""

    name: Str = Field(description="Environment name; taken from the file name, never set in it.")
    tier: Tier = Field(
        "production",
        description="`development` allows http://localhost callbacks, the Cognito mail sender "
        "and destroyable pools; `production` (default) does not.",
    )
    account: AccountId | None = Field(
        None,
        validate_default=True,
        description="AWS account id (quoted). Required in production-tier environments.",
    )
    region: Region | None = Field(
        None,
        validate_default=True,
        description="AWS region. Required in production-tier environments.",
    )
    project: ProjectName = Field("cognito-kit", description="Project name: stack names and tags.")
    owner: NonEmptyStr = Field(description="Owning team; the `owner` tag on every resource.")
    cost_center: Str | None = Field(None, description="The `cost-center` tag, if any.")
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, description="Extra tags on every resource."
    )
    user_pool: UserPoolConfig = Field(
        default_factory=dict, validate_default=True, description="The user pool."
    )
    resource_servers: dict[ConstructId, ResourceServerConfig] = Field(
        default_factory=dict, description="Resource servers (APIs with custom scopes), by id."
    )
    identity_providers: dict[ConstructId, IdentityProviderConfig] = Field(
        default_factory=dict,
        description="Federated identity providers by stable construct id; each has a `type`: "
        "google, facebook, apple, saml or oidc (keys per type below).",
    )
    app_clients: dict[ConstructId, AppClientConfig] = Field(
        default_factory=dict, description="App clients, by stable construct id."
    )
    identity_pool: IdentityPoolConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Identity pool: AWS credentials for signed-in users and guests.",
    )
    triggers: TriggersConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Lambda triggers (pre sign-up, post confirmation, pre token generation, "
        "custom message) and their shared settings.",
    )
    domain: DomainConfig = Field(description="The hosted sign-in domain.")

    @field_validator("account", "region", mode="after")
    @classmethod
    def _pinned_in_production(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and tier_of(info) == "production":
            raise ValueError(
                f"a production-tier environment must pin its {info.field_name} so that it "
                "cannot be deployed to the wrong place"
            )
        return value

    @field_validator("account", mode="before")
    @classmethod
    def _account_is_quoted(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError("write the account id as a quoted string: YAML drops leading zeros")
        return value

    @field_validator("resource_servers")
    @classmethod
    def _unique_identifiers(
        cls, value: dict[str, ResourceServerConfig]
    ) -> dict[str, ResourceServerConfig]:
        identifiers = [server.identifier for server in value.values()]
        if duplicates := sorted({i for i in identifiers if identifiers.count(i) > 1}):
            raise ValueError(f"identifier(s) used twice: {duplicates}")
        return value

    @field_validator("identity_providers")
    @classmethod
    def _providers(
        cls, value: dict[str, IdentityProviderConfig]
    ) -> dict[str, IdentityProviderConfig]:
        problems = []
        names: dict[str, str] = {}
        for provider_id, provider in value.items():
            name = provider.provider_name()
            if provider.type in ("saml", "oidc") and name.lower() in RESERVED_PROVIDER_NAMES:
                problems.append(f"{provider_id}.name: {name!r} is reserved by Cognito")
            if name.lower() in names:
                used_by = names[name.lower()]
                problems.append(
                    f"{provider_id}: provider name {name!r} is already used by {used_by}"
                )
            names[name.lower()] = provider_id
            problems += [f"{provider_id}.{p}" for p in email_trust_problems(provider)]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("identity_pool")
    @classmethod
    def _identity_pool_references(
        cls, value: IdentityPoolConfig, info: ValidationInfo
    ) -> IdentityPoolConfig:
        clients: dict[str, AppClientConfig] | None = info.data.get("app_clients")
        pool: UserPoolConfig | None = info.data.get("user_pool")
        problems = []
        if clients is not None and value.clients is not None:
            interactive = sorted(c for c, client in clients.items() if client.kind != "machine")
            if bad := [c for c in value.clients if c not in interactive]:
                problems.append(
                    f"clients: {bad} are not defined interactive app clients; allowed: "
                    f"{interactive}"
                )
        if pool is not None:
            attributes = set(readable_attributes(pool))
            if unknown := sorted(set(value.principal_tags.values()) - attributes):
                problems.append(
                    f"principal_tags: {unknown} are not attributes of this pool; allowed: "
                    f"{sorted(attributes)}"
                )
        if value.enabled and clients is not None and not identity_pool_clients(value, clients):
            problems.append("enabled but no public client to federate; list clients explicitly")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("triggers")
    @classmethod
    def _trigger_references(cls, value: TriggersConfig, info: ValidationInfo) -> TriggersConfig:
        pool: UserPoolConfig | None = info.data.get("user_pool")
        servers: dict[str, ResourceServerConfig] | None = info.data.get("resource_servers")
        problems = []
        tokens = value.pre_token_generation
        if pool is not None:
            groups = sorted(pool.groups)
            default_group = value.post_confirmation.default_group
            if default_group is not None and default_group not in pool.groups:
                problems.append(
                    f"post_confirmation.default_group: {default_group!r} is not a group id; "
                    f"allowed: {groups}"
                )
            if unknown := sorted(set(tokens.group_scopes) - set(pool.groups)):
                problems.append(
                    f"pre_token_generation.group_scopes: {unknown} are not group ids; "
                    f"allowed: {groups}"
                )
            attributes = readable_attributes(pool)
            claimed = {*tokens.id_token_claims.values(), *tokens.access_token_claims.values()}
            if unknown := sorted(claimed - set(attributes)):
                problems.append(
                    f"pre_token_generation: attributes {unknown} are not attributes of this "
                    f"pool; allowed: {attributes}"
                )
            if tokens.enabled and pool.feature_plan == "lite":
                problems.append(
                    "pre_token_generation needs feature_plan essentials or plus (V2 event)"
                )
        if servers is not None:
            known = sorted(f"{s.identifier}/{name}" for s in servers.values() for name in s.scopes)
            asked = {scope for scopes in tokens.group_scopes.values() for scope in scopes}
            if unknown := sorted(asked - set(known)):
                problems.append(
                    f"pre_token_generation.group_scopes: {unknown} are not resource-server "
                    f"scopes; allowed: {known}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("app_clients")
    @classmethod
    def _client_references(
        cls, value: dict[str, AppClientConfig], info: ValidationInfo
    ) -> dict[str, AppClientConfig]:
        # info.data holds only the sections that validated; skip checks whose source failed
        # (its own error is already reported).
        pool: UserPoolConfig | None = info.data.get("user_pool")
        providers: dict[str, IdentityProviderConfig] | None = info.data.get("identity_providers")
        servers: dict[str, ResourceServerConfig] | None = info.data.get("resource_servers")
        problems = []
        for client_id, client in value.items():
            if servers is not None:
                known_scopes = {
                    f"{s.identifier}/{scope}" for s in servers.values() for scope in s.scopes
                }
                unknown = [
                    s
                    for s in client.effective_scopes
                    if s not in BUILT_IN_SCOPES and s not in known_scopes
                ]
                if unknown:
                    problems.append(
                        f"{client_id}.scopes: {unknown} are not defined; allowed: "
                        f"{sorted(BUILT_IN_SCOPES + tuple(known_scopes))}"
                    )
            if pool is not None:
                problems.extend(_attribute_problems(client_id, client, pool))
            if providers is not None:
                problems.extend(_provider_problems(client_id, client, providers))
        if problems:
            raise ValueError("; ".join(problems))
        return value


def readable_attributes(pool: UserPoolConfig) -> list[str]:
    """Every attribute of the pool, as a client would read it."""
    attributes = [*pool.standard_attributes, *(f"custom:{n}" for n in pool.custom_attributes)]
    if "email" in pool.standard_attributes:
        attributes.append("email_verified")
    if "phone_number" in pool.standard_attributes:
        attributes.append("phone_number_verified")
    return sorted(attributes)


def writable_attributes(pool: UserPoolConfig) -> list[str]:
    """The attributes users may write by default: mutable standard ones, never custom ones."""
    return sorted(name for name, attr in pool.standard_attributes.items() if attr.mutable)


def _attribute_problems(client_id: str, client: AppClientConfig, pool: UserPoolConfig) -> list[str]:
    problems = []
    readable = set(readable_attributes(pool))
    writable = set(writable_attributes(pool)) | {
        f"custom:{n}" for n, a in pool.custom_attributes.items() if a.user_writable and a.mutable
    }
    if unknown := sorted(set(client.read_attributes or ()) - readable):
        problems.append(
            f"{client_id}.read_attributes: {unknown} are not attributes of this pool; "
            f"allowed: {sorted(readable)}"
        )
    if bad := sorted(set(client.write_attributes or ()) - writable):
        problems.append(
            f"{client_id}.write_attributes: {bad} may not be written by users; allowed: "
            f"{sorted(writable)} (custom attributes need user_writable and mutable)"
        )
    if client.kind != "machine" and client.write_attributes is not None:
        required = {n for n, a in pool.standard_attributes.items() if a.required}
        if missing := sorted(required - set(client.write_attributes)):
            problems.append(
                f"{client_id}.write_attributes: required attributes {missing} must be writable "
                "or users cannot sign up through this client"
            )
    return problems


def enabled_providers(
    providers: dict[str, IdentityProviderConfig],
) -> dict[str, IdentityProviderConfig]:
    """The providers created in this environment, by id."""
    return {provider_id: p for provider_id, p in providers.items() if p.enabled}


def client_provider_ids(
    client: AppClientConfig, providers: dict[str, IdentityProviderConfig]
) -> tuple[str, ...]:
    """The provider ids a client offers after defaults: every enabled one, none for machines."""
    if client.kind == "machine":
        return ()
    if client.identity_providers is not None:
        return client.identity_providers
    return tuple(enabled_providers(providers))


def _provider_problems(
    client_id: str, client: AppClientConfig, providers: dict[str, IdentityProviderConfig]
) -> list[str]:
    enabled = enabled_providers(providers)
    problems = []
    if client.kind == "machine" and client.identity_providers:
        problems.append(f"{client_id}.identity_providers: a machine client signs no user in")
    if unknown := [p for p in client.identity_providers or () if p not in enabled]:
        problems.append(
            f"{client_id}.identity_providers: {unknown} are not enabled identity providers of "
            f"this environment; allowed: {sorted(enabled)}"
        )
    offers_nothing = not client_provider_ids(client, providers)
    if client.kind != "machine" and not client.allow_cognito_sign_in and offers_nothing:
        problems.append(
            f"{client_id}: allow_cognito_sign_in is false and no identity provider is "
            "offered, so nobody can sign in"
        )
    return problems


def identity_pool_clients(
    identity_pool: IdentityPoolConfig, clients: dict[str, AppClientConfig]
) -> tuple[str, ...]:
    """The app clients the identity pool accepts tokens from: configured, or every public one."""
    if identity_pool.clients is not None:
        return identity_pool.clients
    return tuple(c for c, client in clients.items() if client.kind == "public")
