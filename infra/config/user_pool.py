"""The user pool section: sign-in, MFA, threat protection, passwords, attributes, groups, email.

Settings marked immutable cannot change once the pool exists: changing one needs a new pool and
a user migration (docs/migration.md), and the replacement guard blocks it.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.config.identity_pool import PolicyStatementConfig
from infra.config.model_base import KeyProblems, Section, tier_of
from infra.config.regions import region_problem
from infra.config.sign_in import DeviceTrackingConfig, SignInConfig, sign_in_problems
from infra.config.threat_protection import ThreatProtectionConfig
from infra.config.types import (
    Bool,
    ConstructId,
    CustomAttributeName,
    EmailAddress,
    GroupName,
    Int,
    NonEmptyStr,
    Str,
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
STANDARD_ATTRIBUTE_NAMES = frozenset(get_args(StandardAttributeName))
SIGN_IN_PROBLEM = re.compile(r"^([a-z_]+(?:\.[a-z_]+)+)(: )?(.*)$", re.DOTALL)
SES_IDENTITY_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:ses:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):identity/(?P<identity>.+)$"
)


# Minimum password lengths: the CIS AWS Foundations Benchmark asks for 14; NIST SP 800-63B-4
# asks for 15 when the password is the only factor (MFA not required).
PRODUCTION_MIN_LENGTH = 14
PASSWORD_ONLY_MIN_LENGTH = 15
DEVELOPMENT_MIN_LENGTH = 12


def minimum_password_length(*, tier: str, mfa_required: bool) -> int:
    """The shortest password a pool of this tier and MFA mode may allow (and its default)."""
    if tier != "production":
        return DEVELOPMENT_MIN_LENGTH
    return PRODUCTION_MIN_LENGTH if mfa_required else PASSWORD_ONLY_MIN_LENGTH


class PasswordPolicyConfig(Section):
    """Password rules. The defaults pass cdk-nag AwsSolutions-COG1 with room to spare."""

    min_length: Int | None = Field(
        None,
        ge=8,
        le=99,
        description="Minimum password length (8-99); default: 14 in production tier (CIS AWS "
        "Foundations Benchmark), 15 there when MFA is not required (NIST SP 800-63B-4: a "
        "password alone), 12 in development tier. Production tier refuses less.",
    )
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

    @property
    def length(self) -> int:
        """The minimum length after its tier default (filled in by `UserPoolConfig`)."""
        return self.min_length if self.min_length is not None else DEVELOPMENT_MIN_LENGTH


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
        problems = KeyProblems(self)
        if self.mode != "off" and not (self.totp or self.sms or self.email):
            problems.add("mode", "MFA is on but no factor is enabled; enable totp, sms or email")
        if self.mode == "required" and self.relaxed_reason is not None:
            problems.add("relaxed_reason", "is only allowed when mode is not `required`")
        if self.mode != "required" and self.relaxed_reason is None:
            problems.add(
                "relaxed_reason",
                f"mode `{self.mode}` needs relaxed_reason: a sentence saying why this "
                "environment does not require MFA (it is the cdk-nag COG2 acknowledgment)",
            )
        problems.raise_any()
        return self


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
        problems = KeyProblems(self)
        if self.type in ("boolean", "datetime"):
            for bound in ("min", "max"):
                if getattr(self, bound) is not None:
                    problems.add(bound, f"min/max do not apply to a {self.type} attribute")
        elif self.min is not None and self.max is not None and self.min > self.max:
            problems.add("min", f"min ({self.min}) is greater than max ({self.max})")
        if self.type == "string" and self.max is not None and self.max > 2048:
            problems.add("max", "a string attribute holds at most 2048 characters")
        problems.raise_any()
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
        if value is None:
            return value
        match = SES_IDENTITY_ARN_PATTERN.match(value)
        if not match:
            raise ValueError(
                "must be an SES identity ARN: arn:aws:ses:<region>:<account>:identity/<domain>"
            )
        if problem := region_problem(match["region"], needs_user_pools=False):
            raise ValueError(f"its region {match['region']!r}: {problem}")
        return value

    @model_validator(mode="after")
    def _ses_needs_identity(self, info: ValidationInfo) -> EmailConfig:
        problems = KeyProblems(self)
        if self.sender == "ses":
            missing = [k for k in ("from_address", "ses_identity_arn") if getattr(self, k) is None]
            for key in missing:
                problems.add(key, f"sender `ses` needs {key}")
            identity = SES_IDENTITY_ARN_PATTERN.match(self.ses_identity_arn or "")
            address = self.from_address or ""
            if not missing and identity and not _address_belongs_to(address, identity["identity"]):
                problems.add(
                    "from_address", f"is not covered by the SES identity {identity['identity']!r}"
                )
        elif tier_of(info) == "production":
            problems.add(
                "sender",
                "production-tier environments must send email through SES (sender: ses): "
                "Cognito's own sender drops mail past 50 a day",
            )
        problems.raise_any()
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


CODE_BODY = "Your verification code is {####}."
LINK_BODY = "Verify your email address: {##Verify email##}"
LINK_PLACEHOLDER = re.compile(r"\{##[^#{}]+##\}")


class MessagesConfig(Section):
    """Verification and invitation messages; Cognito replaces the placeholders."""

    verification_email_style: Literal["code", "link"] = Field(
        "code",
        description="How users confirm an email address: `code` (they type {####}) or `link` "
        "(they click {##Verify email##}, which opens the hosted domain).",
    )
    verification_email_subject: Str = Field(
        "Your verification code", min_length=1, max_length=140, description="Subject."
    )
    verification_email_body: Str = Field(
        CODE_BODY,
        min_length=6,
        max_length=20000,
        description="Body; must contain `{####}` (style `code`) or `{##link text##}` (style "
        f"`link`, default: {LINK_BODY!r}).",
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

    @model_validator(mode="before")
    @classmethod
    def _link_style_body(cls, data: Any) -> Any:
        # The default body depends on the style beside it, so it is filled in here.
        if not isinstance(data, dict) or "verification_email_body" in data:
            return data
        if data.get("verification_email_style") != "link":
            return data
        return {**data, "verification_email_body": LINK_BODY}

    @field_validator("verification_email_body")
    @classmethod
    def _has_code_or_link(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("verification_email_style") == "link":
            if not LINK_PLACEHOLDER.search(value):
                raise ValueError("style `link` needs the link placeholder {##link text##}")
        elif "{####}" not in value:
            raise ValueError("must contain the code placeholder {####}")
        return value

    @field_validator("verification_sms")
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
    federated_sign_up: Literal["invite_only", "open"] | None = Field(
        None,
        description="Whether a first sign-in through an identity provider creates a user: "
        "`invite_only` (needs the pre sign-up trigger) or `open`; default: `open` with "
        "self_sign_up, else `invite_only`.",
    )
    federated_sign_up_reason: NonEmptyStr | None = Field(
        None,
        description="Why anyone with an account at an identity provider may join although "
        "self_sign_up is off (required for `federated_sign_up: open` then).",
    )
    feature_plan: Literal["lite", "essentials", "plus"] = Field(
        "essentials", description="`lite`, `essentials` or `plus` (threat protection)."
    )
    threat_protection: ThreatProtectionConfig = Field(
        default_factory=dict, validate_default=True, description="Threat protection settings."
    )
    mfa: MfaConfig = Field(default_factory=dict, validate_default=True, description="MFA settings.")
    sign_in: SignInConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Choice-based sign-in: first factors (password, email or SMS codes, "
        "passkeys) and passkey settings; default: password only.",
    )
    device_tracking: DeviceTrackingConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Remembered devices; default: off.",
    )
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

    @property
    def effective_federated_sign_up(self) -> Literal["invite_only", "open"]:
        """`federated_sign_up` after its default: it follows self_sign_up."""
        if self.federated_sign_up is not None:
            return self.federated_sign_up
        return "open" if self.self_sign_up else "invite_only"

    @model_validator(mode="before")
    @classmethod
    def _password_length_default(cls, data: Any, info: ValidationInfo) -> Any:
        # The default depends on the tier and on the MFA mode beside it, so it is filled in
        # here, where both are known, rather than in PasswordPolicyConfig.
        if not isinstance(data, dict):
            return data
        policy = data.get("password_policy", {})
        if not isinstance(policy, dict) or "min_length" in policy:
            return data
        mfa = data.get("mfa", {})
        mode = mfa.get("mode", "required") if isinstance(mfa, dict) else "required"
        length = minimum_password_length(tier=tier_of(info), mfa_required=mode == "required")
        return {**data, "password_policy": {**policy, "min_length": length}}

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
        problems = KeyProblems(self)
        for identifier, attribute in (("email", "email"), ("phone", "phone_number")):
            declared = self.standard_attributes.get(attribute)  # type: ignore[call-overload]
            if identifier in self.sign_in_identifiers and declared is None:
                problems.add(
                    "sign_in_identifiers",
                    f"sign-in with {identifier} needs standard_attributes.{attribute}",
                )
        if self.threat_protection.mode != "off" and self.feature_plan != "plus":
            problems.add("threat_protection.mode", "needs feature_plan `plus`")
        fully_protected = self.feature_plan == "plus" and self.threat_protection.mode == "enforced"
        if not fully_protected and self.threat_protection.relaxed_reason is None:
            problems.add(
                "threat_protection.relaxed_reason",
                "is required unless feature_plan is `plus` and threat_protection.mode is "
                "`enforced` (it is the cdk-nag COG8 acknowledgment)",
            )
        if self.mfa.email and (self.feature_plan == "lite" or self.email.sender != "ses"):
            problems.add("mfa.email", "needs feature_plan essentials/plus and email.sender `ses`")
        if self.password_policy.password_history_size and self.feature_plan == "lite":
            problems.add(
                "password_policy.password_history_size", "needs feature_plan essentials or plus"
            )
        opened = self.federated_sign_up == "open" and not self.self_sign_up
        if opened and self.federated_sign_up_reason is None:
            problems.add(
                "federated_sign_up_reason",
                "federated_sign_up `open` with self_sign_up off needs federated_sign_up_reason: "
                "anyone with an account at an identity provider could then join",
            )
        if self.federated_sign_up_reason is not None and not opened:
            problems.add(
                "federated_sign_up_reason",
                "only applies to federated_sign_up `open` with self_sign_up off",
            )
        for key, message in self._threat_protection_problems(tier_of(info)):
            problems.add(key, message)
        for problem in sign_in_problems(self):
            # Each starts with its key: "sign_in.first_factors: ..." or "<key> has no effect".
            match = SIGN_IN_PROBLEM.match(problem)
            assert match is not None, problem
            key, colon, rest = match.groups()
            problems.add(key, rest if colon else problem)
        shortest = minimum_password_length(
            tier=tier_of(info), mfa_required=self.mfa.mode == "required"
        )
        if tier_of(info) == "production" and self.password_policy.length < shortest:
            problems.add(
                "password_policy.min_length",
                f"is below {shortest}, the production-tier minimum "
                + (
                    "(CIS AWS Foundations Benchmark)"
                    if self.mfa.mode == "required"
                    else "when MFA is not required (NIST SP 800-63B-4: the password is the "
                    "only factor)"
                ),
            )
        if tier_of(info) == "production":
            if not self.deletion_protection:
                problems.add("deletion_protection", "must be true in a production-tier environment")
            if self.removal_policy != "retain":
                problems.add("removal_policy", "must be `retain` in a production-tier environment")
        problems.raise_any()
        return self

    def _threat_protection_problems(self, tier: str) -> list[tuple[str, str]]:
        """(key below the pool, message) for each threat-protection setting that cannot hold."""
        protection = self.threat_protection
        where = "threat_protection"
        if protection.mode == "off":
            configured = sorted(set(protection.model_fields_set) - {"mode", "relaxed_reason"})
            return [
                (f"{where}.{key}", "has no effect while threat_protection.mode is `off`")
                for key in configured
            ]
        problems = []
        weaker = protection.weaker_than_baseline()
        if tier == "production" and weaker and protection.actions_reason is None:
            problems.append(
                (
                    where,
                    f"{', '.join(weaker)} is weaker than the production-tier baseline "
                    "(compromised credentials blocked at sign_in, medium risk mfa_required, high "
                    "risk block); choose that, or give threat_protection.actions_reason",
                )
            )
        if protection.actions_reason is not None and not (weaker and tier == "production"):
            problems.append(
                (
                    f"{where}.actions_reason",
                    "only applies to a production-tier pool whose actions are weaker than the "
                    "baseline",
                )
            )
        sends_through_ses = self.email.sender == "ses"
        notified = protection.notified_levels(sends_through_ses=sends_through_ses)
        if not sends_through_ses:
            if levels := [level for level, notify in notified.items() if notify]:
                problems.append(
                    (
                        f"{where}.adaptive_authentication.{levels[0]}.notify",
                        "risk notifications are sent from an SES identity; set email.sender "
                        "`ses` or notify false",
                    )
                )
            if set(protection.notifications.model_fields_set):
                problems.append(
                    (
                        f"{where}.notifications",
                        "need email.sender `ses` (the SES identity sends them)",
                    )
                )
        identity = SES_IDENTITY_ARN_PATTERN.match(self.email.ses_identity_arn or "")
        sender = protection.notifications.from_address
        if identity and sender and not _address_belongs_to(sender, identity["identity"]):
            problems.append(
                (
                    f"{where}.notifications.from_address",
                    f"is not covered by the SES identity {identity['identity']!r}",
                )
            )
        return problems


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
