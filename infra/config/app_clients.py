"""App clients: public (browser, mobile), confidential (server) and machine clients.

Redirect URLs follow one rule set: absolute https:// without wildcards or fragments, plain
http://localhost only in development-tier environments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section, Tier, tier_of
from infra.config.sign_in import FirstFactor
from infra.config.types import Bool, ConstructId, Int, NonEmptyStr, Str
from infra.config.user_pool import UserPoolConfig, writable_attributes

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
    native: Bool = Field(
        False,
        description="A native (iOS, Android, desktop) public client: it may also redirect to a "
        "private-use URI scheme such as `com.example.app:/callback` and to loopback "
        "`http://127.0.0.1:<port>/...` (RFC 8252).",
    )
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
    choice_based_sign_in: Bool = Field(
        False,
        description="Offer choice-based sign-in (ALLOW_USER_AUTH): the user picks one of the "
        "pool's first factors (user_pool.sign_in.first_factors), on the managed login pages "
        "and through the SDKs' USER_AUTH flow. It also accepts password and SRP sign-ins.",
    )
    preferred_challenge: FirstFactor | None = Field(
        None,
        description="The first factor this client asks for first (Amplify's "
        "preferredChallenge); one of the pool's first_factors, with choice_based_sign_in.",
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
        native = info.data.get("native") is True
        problems = KeyProblems(value)
        for index, url in enumerate(value):
            if problem := _redirect_url_problem(url, tier_of(info), native=native):
                problems.add(f"[{index}]", problem)
            elif url in value[:index]:
                problems.add(f"[{index}]", "is listed twice")
        problems.raise_any()
        return value

    @model_validator(mode="after")
    def _kind_rules(self) -> AppClientConfig:
        problems = KeyProblems(self)
        flows = self.effective_auth_flows
        if self.kind == "machine":
            for key in ("callback_urls", "logout_urls"):
                if getattr(self, key):
                    problems.add(key, "a machine client has no callback_urls or logout_urls")
            if not self.scopes:
                problems.add("scopes", "a machine client needs scopes (resource-server scopes)")
            elif non_custom := [s for s in self.scopes if "/" not in s]:
                problems.add(
                    "scopes",
                    f"a machine client may only request resource-server scopes, not {non_custom}",
                )
            if flows:
                problems.add(
                    "auth_flows", "a machine client uses client credentials; auth_flows must be []"
                )
        else:
            if not self.callback_urls:
                problems.add(
                    "callback_urls", f"a {self.kind} client needs at least one callback URL"
                )
            if self.kind == "public" and "admin_user_password" in flows:
                problems.add(
                    "auth_flows",
                    "admin_user_password needs AWS credentials; not for public clients",
                )
        if self.native and self.kind != "public":
            problems.add("kind", "native apps cannot keep a secret: a native client is `public`")
        if "user_password" in flows and self.user_password_auth_reason is None:
            problems.add(
                "user_password_auth_reason",
                "auth flow user_password needs user_password_auth_reason",
            )
        problems.raise_any()
        return self

    @model_validator(mode="after")
    def _choice_based_sign_in(self) -> AppClientConfig:
        if self.kind == "machine" and self.choice_based_sign_in:
            raise ValueError(
                "a machine client signs no user in: choice_based_sign_in must be false"
            )
        if self.preferred_challenge is not None and not self.choice_based_sign_in:
            raise ValueError("preferred_challenge needs choice_based_sign_in: true")
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


def _redirect_url_problem(url: str, tier: Tier, *, native: bool = False) -> str | None:
    allowed = "allowed: absolute https:// URLs without wildcards or fragments" + (
        ", or http://localhost"
        if tier == "development"
        else " (http://localhost only in development-tier environments)"
    )
    if native:
        allowed += (
            "; for a native client also a reverse-domain scheme (com.example.app:/callback) or "
            "loopback http://127.0.0.1:<port>/ or http://[::1]:<port>/"
        )
    parts = urlsplit(url)
    if "*" in url:
        return f"contains a wildcard; {allowed}"
    if parts.fragment:
        return f"has a #fragment; {allowed}"
    if url.rstrip("/") == CDK_DEFAULT_CALLBACK:
        return f"is the CDK's placeholder callback; {allowed}"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname == "localhost" and tier == "development":
        return None
    if native and _native_redirect(url, parts):
        return None
    return f"is not allowed; {allowed}"


# RFC 8252 7.1: a private-use scheme is a reverse domain name the app's owner controls; schemes
# a browser interprets itself are never one.
PRIVATE_USE_SCHEME = re.compile(r"^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+$")
BROWSER_SCHEMES = frozenset({"http", "https", "javascript", "data", "file", "vbscript", "blob"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})


def _native_redirect(url: str, parts: SplitResult) -> bool:
    """A private-use scheme redirect, or loopback with an explicit port (RFC 8252 7.1, 7.3)."""
    if parts.scheme == "http":
        # "localhost" is not recommended (RFC 8252 8.3): it can resolve elsewhere.
        return parts.hostname in LOOPBACK_HOSTS and parts.port is not None and not parts.username
    scheme = url.partition(":")[0]
    return (
        scheme == parts.scheme
        and scheme not in BROWSER_SCHEMES
        and PRIVATE_USE_SCHEME.match(scheme) is not None
        and not parts.netloc.count("@")
        and url[len(scheme) + 1 :].startswith("/")
    )


# Cognito sets these from a provider's mapping itself; whether a client may list them in its
# WriteAttributes is not documented, so the kit never adds them there.
VERIFIED_FLAG_NAMES = frozenset({"email_verified", "phone_number_verified"})


def default_write_attributes(pool: UserPoolConfig, mapped: Iterable[str] = ()) -> list[str]:
    """A client's write attributes when the file lists none: the pool's mutable standard
    attributes, plus every attribute the providers it offers map. Cognito rewrites mapped
    attributes at every federated sign-in with the client's write permissions and refuses the
    sign-in ("Attribute cannot be updated") when the client may not write one."""
    return sorted({*writable_attributes(pool), *(set(mapped) - VERIFIED_FLAG_NAMES)})


def attributes_written_by_clients(
    pool: UserPoolConfig,
    clients: Mapping[str, AppClientConfig],
    mapped: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, list[str]]:
    """Attribute -> the interactive app clients whose users may write it (UpdateUserAttributes);
    a client without write_attributes writes `default_write_attributes` (`mapped`: client id
    -> the attributes its providers map)."""
    written: dict[str, list[str]] = {}
    for client_id, client in clients.items():
        if client.kind == "machine":
            continue
        attributes = (
            client.write_attributes
            if client.write_attributes is not None
            else default_write_attributes(pool, (mapped or {}).get(client_id, ()))
        )
        for attribute in attributes:
            written.setdefault(attribute, []).append(client_id)
    return written
