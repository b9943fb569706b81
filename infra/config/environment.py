"""One environment file, the top of the configuration model: where it deploys, its tier, its
tags, and one key per section (each section is defined in its own module).

Rules that depend on the environment's ``tier`` (http://localhost callbacks, SES, retention)
read the tier from the validation context so that they report alongside every other problem
instead of after the rest of the file is fixed. Checks that span sections live in
`infra.config.references` and are run by the loader.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from infra.config.acknowledgments import AcknowledgmentConfig
from infra.config.apis import ApisConfig
from infra.config.app_clients import AppClientConfig
from infra.config.domain import DomainConfig
from infra.config.federation import IdentityProviders
from infra.config.identity_pool import IdentityPoolConfig
from infra.config.migration import MigrationConfig
from infra.config.model_base import Section, Tier, tier_of
from infra.config.multi_region import MultiRegionConfig
from infra.config.operations import OperationsConfig
from infra.config.references import Sections
from infra.config.resource_servers import ResourceServers
from infra.config.triggers import TriggersConfig
from infra.config.types import (
    AccountId,
    ConstructId,
    NonEmptyStr,
    ProjectName,
    Region,
    Str,
    TagKey,
    TagValue,
)
from infra.config.user_pool import UserPoolConfig

SECTION_NAMES = tuple(Sections.__dataclass_fields__)
"""The sections the cross-section checks read, in the order they are validated."""


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
        description="AWS region, one where Cognito user pools run (the pinned botocore's "
        "endpoint data). Required in production-tier environments.",
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
    resource_servers: ResourceServers = Field(
        default_factory=dict, description="Resource servers (APIs with custom scopes), by id."
    )
    identity_providers: IdentityProviders = Field(
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
        description="Lambda triggers: the function in each of Cognito's trigger slots, the "
        "kit's or your own (docs/triggers.md), and the kit's functions' shared settings.",
    )
    domain: DomainConfig = Field(description="The hosted sign-in domain.")
    apis: ApisConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="HTTP and REST APIs in API Gateway protected by this pool's access tokens.",
    )
    operations: OperationsConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="Alarms, dashboard, user-pool logs and the web ACL (on by default in "
        "production-tier environments).",
    )
    migration: MigrationConfig | None = Field(
        None,
        description="Move users from an old user pool on their first sign-in, keeping their "
        "passwords (docs/migration.md); remove it once the old pool is retired.",
    )
    multi_region: MultiRegionConfig = Field(
        default_factory=dict,
        validate_default=True,
        description="The token issuer form, the key that encrypts the pool, and a replica of "
        "the pool in another Region with its regional settings (docs/multi-region.md).",
    )
    acknowledgments: tuple[AcknowledgmentConfig, ...] = Field(
        (),
        description="Scanner findings (cdk-nag, checkov, AWS Control Tower, cfn-lint) accepted "
        "for the resources a config key creates, each with its reason (listed by `make "
        "validate`; docs/ci.md).",
    )

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
            if len(str(value)) < 12:
                # 012345678901 was typed; YAML read a number (octal when every digit is 0-7).
                raise ValueError(
                    "YAML read the unquoted account id as a number, which loses its leading "
                    'zeros: write the 12 digits in quotes (account: "0...")'
                )
            if len(str(value)) == 12:
                raise ValueError(f'an account id is text: quote it (account: "{value}")')
            raise ValueError('allowed: 12 digits in quotes (account: "123456789012")')
        return value

    def sections(self) -> Sections:
        """The sections the cross-section checks read."""
        return Sections(**{name: getattr(self, name) for name in SECTION_NAMES})
