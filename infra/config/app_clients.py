"""App clients: public (browser, mobile), confidential (server) and machine clients.

Redirect URLs follow one rule set: absolute https:// without wildcards or fragments, plain
http://localhost only in development-tier environments.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.config.model_base import Section, Tier, tier_of
from infra.config.types import Bool, ConstructId, Int, NonEmptyStr, Str

BUILT_IN_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")
CDK_DEFAULT_CALLBACK = "https://example.com"

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
