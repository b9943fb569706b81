"""Threat protection: the ``user_pool.threat_protection`` section and its risk configuration.

"Enforced" alone says nothing about what Cognito does: the actions come from a risk
configuration, and without one they are Cognito's defaults, stated nowhere. So with threat
protection on, the template always carries one (``AWS::Cognito::UserPoolRiskConfiguration
Attachment``), built from this section, whose defaults are the production-tier baseline:
compromised credentials blocked at sign-in, sign-up and password change; high risk blocked;
medium risk challenged with MFA (blocked when the user has none); the user told by email at
medium and high risk. A production-tier file that asks for less states why (`actions_reason`).

Cognito's screening does not see every flow (docs/operations.md): compromised-credential checks
skip SRP sign-ins (the only password flow the kit's public clients use) and custom auth.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section
from infra.config.types import Bool, EmailAddress, NonEmptyStr, Str

RiskAction = Literal["allow", "mfa_if_configured", "mfa_required", "block"]
"""What Cognito does with a sign-in at one risk level (adaptive authentication)."""
CompromisedCredentialsEvent = Literal["sign_in", "password_change", "sign_up"]

# Ordered from weakest to strongest: the production-tier baseline is compared on this scale.
RISK_ACTION_STRENGTH: dict[str, int] = {
    "allow": 0,
    "mfa_if_configured": 1,
    "mfa_required": 2,
    "block": 3,
}
MAX_IP_RANGES = 200  # SetRiskConfiguration's list limit


class CompromisedCredentialsConfig(Section):
    """What happens when a user's password appears in a public breach list."""

    action: Literal["block", "allow"] = Field(
        "block",
        description="`block` (the user must reset the password) or `allow` (only logged).",
    )
    events: tuple[CompromisedCredentialsEvent, ...] = Field(
        ("sign_in", "password_change", "sign_up"),
        min_length=1,
        description="Which events are checked: `sign_in`, `password_change`, `sign_up`. "
        "Cognito does not check SRP sign-ins (docs/operations.md).",
    )

    @field_validator("events")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists an event twice")
        return value


class RiskLevelConfig(Section):
    """The action for one risk level of adaptive authentication, and whether the user is told."""

    action: RiskAction = Field(
        description="`allow`, `mfa_if_configured` (challenge when the user has MFA, else "
        "allow), `mfa_required` (challenge, block when the user has no MFA) or `block`."
    )
    notify: Bool | None = Field(
        None,
        description="Email the user about the sign-in; default: true when the pool sends "
        "email through SES (the notification's sender), else false.",
    )


class AdaptiveAuthenticationConfig(Section):
    """Actions per risk level Cognito assigns to a sign-in (unusual device, place, IP)."""

    low: RiskLevelConfig = Field(
        default_factory=lambda: RiskLevelConfig(action="allow", notify=False),
        description="Low risk; default: allow, no notification.",
    )
    medium: RiskLevelConfig = Field(
        default_factory=lambda: RiskLevelConfig(action="mfa_required"),
        description="Medium risk; default: mfa_required (production-tier minimum).",
    )
    high: RiskLevelConfig = Field(
        default_factory=lambda: RiskLevelConfig(action="block"),
        description="High risk; default: block (production-tier minimum).",
    )


class RiskNotificationsConfig(Section):
    """The sender of risk notifications; the pool's SES identity sends them."""

    from_address: EmailAddress | None = Field(
        None,
        description="From address of risk notifications; default: user_pool.email."
        "from_address. Must belong to user_pool.email.ses_identity_arn.",
    )
    reply_to: EmailAddress | None = Field(
        None, description="Reply-to address; default: user_pool.email.reply_to."
    )


class RiskIpRangesConfig(Section):
    """Addresses that bypass the risk decision (CIDR blocks, IPv4 or IPv6)."""

    always_block: tuple[Str, ...] = Field(
        (), description="Sign-in requests from these ranges are always blocked."
    )
    never_screen: tuple[Str, ...] = Field(
        (),
        description="Requests from these ranges are not screened at all (e.g. a load-test "
        "network); needs never_screen_reason.",
    )
    never_screen_reason: NonEmptyStr | None = Field(
        None, description="Why some addresses are exempt from screening."
    )

    @field_validator("always_block", "never_screen")
    @classmethod
    def _cidr_blocks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        problems = KeyProblems(value)
        for index, item in enumerate(value):
            try:
                ipaddress.ip_network(item, strict=True)
            except ValueError as error:
                problems.add(f"[{index}]", f"{error}; allowed: CIDR blocks like 203.0.113.0/24")
        problems.raise_any()
        if len(value) > MAX_IP_RANGES:
            raise ValueError(f"at most {MAX_IP_RANGES} ranges")
        if len(set(value)) != len(value):
            raise ValueError("lists a range twice")
        return value

    @model_validator(mode="after")
    def _reason(self) -> RiskIpRangesConfig:
        problems = KeyProblems(self)
        if self.never_screen and self.never_screen_reason is None:
            problems.add(
                "never_screen_reason",
                "never_screen needs never_screen_reason: those addresses are not screened for "
                "compromised credentials or account takeover",
            )
        if self.never_screen_reason is not None and not self.never_screen:
            problems.add("never_screen_reason", "only applies when never_screen lists ranges")
        if overlap := sorted(set(self.always_block) & set(self.never_screen)):
            problems.add(
                "never_screen",
                f"{overlap} are both always blocked and never screened",
                show_value=False,
            )
        problems.raise_any()
        return self


class ThreatProtectionConfig(Section):
    """Threat protection (compromised credentials, adaptive authentication). Needs the plus plan."""

    mode: Literal["off", "audit", "enforced"] = Field(
        "enforced",
        description="`enforced`, `audit` (assess and log only) or `off`; anything but `off` "
        "needs plan `plus`.",
    )
    relaxed_reason: NonEmptyStr | None = Field(
        None,
        description="Why the pool is not on plus with enforced protection (the COG8 "
        "acknowledgment).",
    )
    compromised_credentials: CompromisedCredentialsConfig = Field(
        default_factory=CompromisedCredentialsConfig,
        description="Compromised-credentials detection.",
    )
    adaptive_authentication: AdaptiveAuthenticationConfig = Field(
        default_factory=AdaptiveAuthenticationConfig,
        description="Adaptive authentication: the action per risk level.",
    )
    notifications: RiskNotificationsConfig = Field(
        default_factory=RiskNotificationsConfig,
        description="Who sends the risk notifications users receive.",
    )
    ip_ranges: RiskIpRangesConfig = Field(
        default_factory=RiskIpRangesConfig,
        description="Addresses always blocked or never screened.",
    )
    actions_reason: NonEmptyStr | None = Field(
        None,
        description="Why a production-tier pool takes weaker actions than the baseline "
        "(compromised credentials blocked at sign-in, medium risk mfa_required, high risk "
        "block).",
    )

    def weaker_than_baseline(self) -> list[str]:
        """The settings below the production-tier baseline, as key paths with their value."""
        weaker = []
        credentials = self.compromised_credentials
        if credentials.action != "block":
            weaker.append(f"compromised_credentials.action `{credentials.action}`")
        if "sign_in" not in credentials.events:
            weaker.append("compromised_credentials.events without `sign_in`")
        levels = self.adaptive_authentication
        for level, minimum in (("medium", "mfa_required"), ("high", "block")):
            action = getattr(levels, level).action
            if RISK_ACTION_STRENGTH[action] < RISK_ACTION_STRENGTH[minimum]:
                weaker.append(f"adaptive_authentication.{level}.action `{action}`")
        return weaker

    def notified_levels(self, *, sends_through_ses: bool) -> dict[str, bool]:
        """Risk level -> whether the user is emailed, after the SES-dependent default."""
        levels = self.adaptive_authentication
        return {
            level: sends_through_ses if config.notify is None else config.notify
            for level, config in (
                ("low", levels.low),
                ("medium", levels.medium),
                ("high", levels.high),
            )
        }
