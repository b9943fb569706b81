"""The hosted sign-in domain: a Cognito prefix domain or your own domain."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section
from infra.config.types import Str

# Cognito rejects domain prefixes that contain these words.
RESERVED_PREFIX_WORDS = ("aws", "amazon", "cognito")
DOMAIN_PREFIX_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
FQDN_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ACCOUNT_PLACEHOLDER = "{account}"
"""Replaced by the AWS account id at deploy time: prefixes are global per region, so an example
environment deployed by many teams needs one no other account has taken."""
ACM_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$"
)


class DomainConfig(Section):
    """The hosted sign-in domain: a Cognito prefix domain or your own domain."""

    prefix: Str | None = Field(
        None,
        description="Cognito prefix: `<prefix>.auth.<region>.amazoncognito.com`; `{account}` "
        "in it becomes the AWS account id at deploy time (prefixes are global per region).",
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
        if value.count(ACCOUNT_PLACEHOLDER) > 1:
            raise ValueError(f"use {ACCOUNT_PLACEHOLDER} at most once")
        # The account id is 12 digits: check the prefix as it will be deployed.
        if not DOMAIN_PREFIX_PATTERN.match(value.replace(ACCOUNT_PLACEHOLDER, "0" * 12)):
            raise ValueError(
                "allowed: 1-63 lowercase letters, digits and hyphens (with {account}: the 12 "
                "digits of the account id count), not starting or ending with a hyphen"
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
        problems = KeyProblems(self)
        if (self.prefix is None) == (self.custom_domain is None):
            problems.add("", "set exactly one of prefix or custom_domain")
        if self.custom_domain is not None and self.certificate_arn is None:
            problems.add(
                "certificate_arn",
                "custom_domain needs certificate_arn (an ACM certificate in us-east-1)",
            )
        if self.prefix is not None and self.certificate_arn is not None:
            problems.add("certificate_arn", "only applies to custom_domain", show_value=False)
        problems.raise_any()
        return self


PREFIX_DOMAIN_SUFFIX = "amazoncognito.com"
LONGEST_REGION = "ap-southeast-1"
"""A region with the longest name a commercial region has (14 characters): the length a prefix
domain reaches where the environment does not pin its region."""
ACCOUNT_ID_LENGTH = 12


def prefix_domain(prefix: str, region: str) -> str:
    """A Cognito prefix domain as it is served: `<prefix>.auth.<region>.amazoncognito.com`."""
    return f"{prefix}.auth.{region}.{PREFIX_DOMAIN_SUFFIX}"


def longest_hosted_domain(domain: DomainConfig, region: str | None) -> str:
    """The hosted domain, with `{account}` as 12 digits and, without a pinned region, a region
    of the longest name (for length checks)."""
    if domain.custom_domain is not None:
        return domain.custom_domain
    assert domain.prefix is not None  # exactly one of them is set
    prefix = domain.prefix.replace(ACCOUNT_PLACEHOLDER, "0" * ACCOUNT_ID_LENGTH)
    return prefix_domain(prefix, region or LONGEST_REGION)


def hosted_domain_pattern(domain: DomainConfig, region: str | None) -> re.Pattern[str]:
    """Matches the hosted domain as deployed: any account id for `{account}`, any region
    unless the environment pins one."""
    if domain.custom_domain is not None:
        return re.compile(re.escape(domain.custom_domain) + r"\Z")
    assert domain.prefix is not None  # exactly one of them is set
    prefix = r"\d{12}".join(re.escape(part) for part in domain.prefix.split(ACCOUNT_PLACEHOLDER))
    where = re.escape(region) if region else r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d"
    return re.compile(
        prefix + r"\.auth\." + where + r"\." + re.escape(PREFIX_DOMAIN_SUFFIX) + r"\Z"
    )
