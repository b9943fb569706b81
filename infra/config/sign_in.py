"""Choice-based sign-in: the first factors a pool offers (password, one-time codes by email or
SMS, passkeys), how passkeys are bound, and remembered devices.

What Cognito refuses at deploy time, and what would quietly break or weaken sign-in, is refused
here, each problem naming its key and what to choose instead (docs/configuration.md,
"Passwordless sign-in", lists the sources):

- first factors other than a password need the essentials or plus plan;
- a password stays a first factor (Cognito and the CDK refuse a policy without it);
- with MFA required, Cognito accepts only PASSWORD and WEB_AUTHN as first factors, and WEB_AUTHN
  only when passkeys count as MFA (WebAuthnFactorConfiguration
  MULTI_FACTOR_WITH_USER_VERIFICATION), which rests on user verification;
- codes go to an attribute the pool keeps, email codes in production tier through SES, and SMS
  codes only with a written spend guard (toll fraud).

Checks that need other sections (the hosted domain, the app clients) live in
`infra.config.references`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.config.model_base import Section, tier_of
from infra.config.types import Bool, NonEmptyStr, Str

if TYPE_CHECKING:
    from infra.config.user_pool import UserPoolConfig

FirstFactor = Literal["password", "email_otp", "sms_otp", "passkey"]
FIRST_FACTOR_NAMES: dict[str, str] = {
    "password": "PASSWORD",
    "email_otp": "EMAIL_OTP",
    "sms_otp": "SMS_OTP",
    "passkey": "WEB_AUTHN",
}
"""Config name -> the name in `AllowedFirstAuthFactors` and Amplify's `preferred_challenge`."""
CODE_FACTORS = ("email_otp", "sms_otp")

# CloudFormation's schema (and the CDK) cap WebAuthnRelyingPartyID at 63 characters, although
# the API allows 127.
RELYING_PARTY_ID_MAX = 63
RELYING_PARTY_ID_PATTERN = re.compile(
    r"^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$"
)
LOCALHOST = "localhost"


class PasskeyConfig(Section):
    """How passkeys (WebAuthn) are bound: only with `passkey` among the first factors."""

    relying_party_id: Str | None = Field(
        None,
        description="The domain passkeys are registered for (WebAuthn relying party id): the "
        "hosted sign-in domain (default; what managed login needs), or a registrable parent of "
        "every origin of the app clients with choice_based_sign_in (sign-in inside the app). "
        "Changing it later breaks every registered passkey.",
    )
    user_verification: Literal["required", "preferred"] = Field(
        "required",
        description="`required`: only authenticators that verify the user (biometrics, PIN); "
        "`preferred` also accepts security keys that only prove presence.",
    )
    counts_as_mfa: Bool = Field(
        False,
        description="A passkey sign-in with user verification satisfies MFA "
        "(WebAuthnFactorConfiguration MULTI_FACTOR_WITH_USER_VERIFICATION); needed to offer "
        "passkeys where mfa.mode is `required`.",
    )

    @field_validator("relying_party_id")
    @classmethod
    def _relying_party_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if not RELYING_PARTY_ID_PATTERN.match(value):
            raise ValueError("allowed: a lowercase domain name like auth.example.com")
        if len(value) > RELYING_PARTY_ID_MAX:
            raise ValueError(
                f"is {len(value)} characters; CloudFormation allows {RELYING_PARTY_ID_MAX}: "
                "choose a shorter parent domain of the origins users sign in on"
            )
        if value == LOCALHOST and tier_of(info) == "production":
            raise ValueError(
                "localhost only in development-tier environments: passkeys registered there "
                "work on no real domain"
            )
        return value


class DeviceTrackingConfig(Section):
    """Remembered devices. A remembered device can stand in for the MFA code, so a
    production-tier pool that remembers devices says why."""

    mode: Literal["off", "always", "user_opt_in"] = Field(
        "off",
        description="`off` (default), `always` (every confirmed device is remembered) or "
        "`user_opt_in` (the app asks the user; DeviceOnlyRememberedOnUserPrompt).",
    )
    challenge_required_on_new_device: Bool = Field(
        True,
        description="Cognito's ChallengeRequiredOnNewDevice: a remembered device signs in with "
        "device authentication instead of the SMS or TOTP code; a new one is challenged.",
    )
    reason: NonEmptyStr | None = Field(
        None,
        description="Why this pool remembers devices (required in production-tier "
        "environments when mode is not `off`).",
    )

    @model_validator(mode="after")
    def _reason(self, info: ValidationInfo) -> DeviceTrackingConfig:
        if self.mode == "off":
            if self.reason is not None or "challenge_required_on_new_device" in (
                self.model_fields_set
            ):
                raise ValueError("reason and challenge_required_on_new_device need a mode")
        elif self.reason is None and tier_of(info) == "production":
            raise ValueError(
                f"mode `{self.mode}` in a production-tier environment needs reason: a "
                "remembered device signs in without the MFA code, so say why that is acceptable "
                "here (or keep mode `off`)"
            )
        return self


class SignInConfig(Section):
    """The first factors users may sign in with (choice-based sign-in, `USER_AUTH`)."""

    first_factors: tuple[FirstFactor, ...] = Field(
        ("password",),
        min_length=1,
        description="What users may sign in with first: `password` (always), `email_otp`, "
        "`sms_otp`, `passkey`. Anything but a password needs the essentials or plus plan and "
        "an app client with choice_based_sign_in.",
    )
    passkey: PasskeyConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Passkey settings (with `passkey` among first_factors).",
    )
    sms_spend_guard: NonEmptyStr | None = Field(
        None,
        description="How SMS spend is capped (required with `sms_otp`): e.g. the account's SNS "
        "monthly SMS spend limit, an End User Messaging protect configuration limiting "
        "destination countries. SMS codes are a toll-fraud target.",
    )

    @field_validator("first_factors")
    @classmethod
    def _factors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a factor twice")
        if "password" not in value:
            raise ValueError(
                "must include password: Cognito keeps a password as a first factor (the CDK "
                "refuses a sign-in policy without it); add password beside the others"
            )
        return value

    @model_validator(mode="after")
    def _passkey_settings(self) -> SignInConfig:
        problems = []
        if "passkey" not in self.first_factors and self.passkey.model_fields_set:
            problems.append("passkey settings need `passkey` among first_factors")
        if "sms_otp" not in self.first_factors and self.sms_spend_guard is not None:
            problems.append("sms_spend_guard only applies with `sms_otp` among first_factors")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def passwordless(self) -> tuple[str, ...]:
        """The first factors other than a password, in the order the file lists them."""
        return tuple(f for f in self.first_factors if f != "password")

    @property
    def passkeys(self) -> bool:
        return "passkey" in self.first_factors

    @property
    def codes(self) -> tuple[str, ...]:
        """The one-time-code factors on (email_otp, sms_otp)."""
        return tuple(f for f in self.first_factors if f in CODE_FACTORS)


def sign_in_problems(pool: UserPoolConfig) -> list[str]:
    """What Cognito would refuse, or what would break or weaken sign-in, in the pool's own
    settings (the cross-section checks are in `infra.config.references`)."""
    sign_in, mfa = pool.sign_in, pool.mfa
    where = "sign_in.first_factors"
    problems: list[str] = []
    if sign_in.passwordless and pool.feature_plan == "lite":
        problems.append(
            f"{where}: {', '.join(sign_in.passwordless)} as first factors need feature_plan "
            "essentials or plus "
            "(Cognito refuses a sign-in policy beyond passwords on lite); choose essentials, or "
            "keep first_factors [password]"
        )
    if sign_in.codes and mfa.mode == "required":
        problems.append(
            f"{where}: {', '.join(sign_in.codes)} with mfa.mode `required` is refused by "
            "Cognito (only PASSWORD and WEB_AUTHN may be first factors when MFA is required), "
            "and a code alone would skip the MFA the file requires; choose passkey with "
            "sign_in.passkey.counts_as_mfa: true, or mfa.mode `optional` with relaxed_reason"
        )
    passkey = sign_in.passkey
    if sign_in.passkeys and mfa.mode == "required" and not passkey.counts_as_mfa:
        problems.append(
            "sign_in.passkey.counts_as_mfa: false with mfa.mode `required` is refused by "
            "Cognito (a single-factor passkey cannot meet required MFA); set counts_as_mfa: "
            "true, or mfa.mode `optional` with relaxed_reason"
        )
    if passkey.counts_as_mfa and passkey.user_verification != "required":
        problems.append(
            "sign_in.passkey.user_verification: `preferred` with counts_as_mfa: a passkey "
            "counts as MFA only with user verification (biometrics or PIN); set "
            "user_verification: required"
        )
    if passkey.counts_as_mfa and mfa.mode == "off":
        problems.append(
            "sign_in.passkey.counts_as_mfa has no effect while mfa.mode is `off`; remove it, "
            "or choose mfa.mode optional or required"
        )
    # Email codes in production tier go through SES: `EmailConfig` already refuses Cognito's
    # own sender there (50 mails a day), whatever the pool sends.
    if "email_otp" in sign_in.first_factors and "email" not in pool.standard_attributes:
        problems.append(
            f"{where}: email_otp needs standard_attributes.email (the code goes to a verified "
            "address); add it, or drop email_otp"
        )
    if "sms_otp" in sign_in.first_factors:
        if "phone_number" not in pool.standard_attributes:
            problems.append(
                f"{where}: sms_otp needs standard_attributes.phone_number (the code goes to a "
                "verified number); add it, or drop sms_otp"
            )
        if sign_in.sms_spend_guard is None:
            problems.append(
                f"{where}: sms_otp needs sign_in.sms_spend_guard: a sentence saying how SMS "
                "spend is capped (the SNS monthly spend limit, a protect configuration that "
                "blocks unused countries); anyone who knows a user name can make the pool send "
                "texts to premium numbers"
            )
    return problems
