"""User migration from an old user pool: the ``migration:`` section of an environment.

Some pool settings can never change once users exist (sign-in identifiers, case sensitivity,
required attributes, attribute mutability). The way out is a new pool whose user migration
trigger (``lambda_triggers/user_migration.py``) signs users in against the OLD pool on their
first sign-in, keeping their passwords. This section names the old pool and says which of the
new pool's authorization inputs the old pool protected; `migrated_attributes` and
`trigger_config` turn it into the trigger's ``TRIGGER_CONFIG``. See docs/migration.md.

An authorization input is an attribute the new pool decides access with: a token-claim or
principal-tag source, a custom attribute that is not ``user_writable``, a verification flag, and
``preferred_username`` when users sign in with it. The old pool's clients and identity
providers may have let users set any of them on themselves, so the migration carries one only
when the environment file declares, with a reason, that the old pool did not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)

from infra.config.identity_pool import IdentityPoolConfig
from infra.config.model_base import KeyProblems, Section
from infra.config.regions import region_problem
from infra.config.triggers import TriggersConfig
from infra.config.types import NonEmptyStr, Region, pattern_in_words
from infra.config.user_pool import UserPoolConfig, readable_attributes

USER_POOL_ID_PATTERN = re.compile(
    r"^(?P<region>[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)_[0-9A-Za-z]{1,40}$"
)


def _known_pool_region(user_pool_id: str) -> str:
    region = user_pool_id.partition("_")[0]
    if problem := region_problem(region):
        raise ValueError(f"its region {region!r}: {problem}")
    return user_pool_id


UserPoolId = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            USER_POOL_ID_PATTERN.pattern, "a user pool id, <region>_<id> (eu-west-1_AbC123xyz)"
        )
    ),
    AfterValidator(_known_pool_region),
]
"""A user pool id, ``<region>_<id>`` (``eu-west-1_AbC123xyz``)."""
AppClientId = Annotated[str, Strict(), StringConstraints(pattern=r"^[\w+]{1,128}$")]

# The new pool assigns these itself; the trigger refuses a configuration that lists them.
_ASSIGNED_BY_POOL = frozenset({"sub", "identities"})
_ATTRIBUTE_NAME = re.compile(r"^(?:[a-z][a-z_]{0,31}|custom:[A-Za-z0-9_]{1,20})$")
AttributeName = Annotated[str, Strict(), StringConstraints(pattern=_ATTRIBUTE_NAME.pattern)]
"""A user-pool attribute name: ``given_name``, ``custom:tenant_id``."""

VERIFICATION_FLAGS = {"email_verified": "email", "phone_number_verified": "phone_number"}
# user_pool.sign_in_identifiers -> the attribute the trigger compares a typed name with.
IDENTIFIER_ATTRIBUTES = {
    "email": "email",
    "phone": "phone_number",
    "preferred_username": "preferred_username",
}


def region_of(user_pool_id: str) -> str:
    """The region prefix of a user pool id; ``ValueError`` if it is not one."""
    match = USER_POOL_ID_PATTERN.match(user_pool_id)
    if match is None:
        raise ValueError(f"{user_pool_id!r} is not a user pool id like 'eu-west-1_AbC123'")
    return match.group("region")


class MigrationConfig(Section):
    """Migrate users lazily from an old user pool into this environment's pool."""

    from_user_pool_id: UserPoolId = Field(
        description="The old pool, `<region>_<id>`; its users move here on first sign-in."
    )
    from_client_id: AppClientId = Field(
        description="An app client of the old pool with ALLOW_ADMIN_USER_PASSWORD_AUTH and no "
        "client secret; allow that flow only for the migration period."
    )
    region: Region | None = Field(
        None,
        description="The old pool's region; default: the region in from_user_pool_id, which it "
        "must match.",
    )
    protected_in_old_pool: dict[AttributeName, NonEmptyStr] = Field(
        default_factory=dict,
        description="Authorization inputs users could NOT set in the old pool: attribute -> "
        "why (its clients' WriteAttributes, provider mappings and triggers checked). Inputs: "
        "claim and principal-tag sources, custom attributes that are not user_writable, "
        "email_verified/phone_number_verified, a sign-in preferred_username. Undeclared ones "
        "are not migrated (an immutable one can never be set later).",
    )
    forgot_password: Literal["ignore", "migrate"] = Field(
        "ignore",
        description="`ignore`: forgot password for a user not yet moved changes nothing and "
        "answers like an unknown name. `migrate`: it creates the user (RESET_REQUIRED) for "
        "anyone who types the name, dropping the password-keeping sign-in migration; for the "
        "end of a window, with forgot_password_reason.",
    )
    forgot_password_reason: NonEmptyStr | None = Field(
        None, description="Why forgot password migrates users here (required for `migrate`)."
    )
    sign_up_reason: NonEmptyStr | None = Field(
        None,
        description="Why self sign-up or open federated sign-up stays on during the migration "
        "(required then): a sign-up with a migrating user's email blocks their migration.",
    )

    @field_validator("protected_in_old_pool")
    @classmethod
    def _assigned_by_the_pool(cls, value: dict[str, str]) -> dict[str, str]:
        if bad := sorted(n for n in value if n in _ASSIGNED_BY_POOL):
            raise ValueError(f"{bad} are assigned by the new pool and never migrated")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MigrationConfig:
        problems = KeyProblems(self)
        if self.region is not None and self.region != region_of(self.from_user_pool_id):
            problems.add(
                "region",
                f"does not match from_user_pool_id {self.from_user_pool_id!r}; allowed: "
                f"{region_of(self.from_user_pool_id)!r} or leave region out",
            )
        migrates = self.forgot_password == "migrate"  # noqa: S105 - a mode, not a password
        if migrates and self.forgot_password_reason is None:
            problems.add(
                "forgot_password_reason",
                "forgot_password `migrate` needs forgot_password_reason: anyone who types a "
                "name then turns that old user into a RESET_REQUIRED user of the new pool",
            )
        if not migrates and self.forgot_password_reason is not None:
            problems.add("forgot_password_reason", "only applies to forgot_password `migrate`")
        problems.raise_any()
        return self

    @property
    def old_pool_region(self) -> str:
        """The old pool's region: ``region``, or the pool id's prefix."""
        return self.region or region_of(self.from_user_pool_id)


def authorization_inputs(
    pool: UserPoolConfig,
    *,
    triggers: TriggersConfig,
    identity_pool: IdentityPoolConfig,
) -> dict[str, list[str]]:
    """Attribute -> why the new pool authorizes with it (the key paths that read it)."""
    inputs: dict[str, list[str]] = {}
    tokens = triggers.pre_token_generation
    for kind, claims in (
        ("id_token_claims", tokens.id_token_claims),
        ("access_token_claims", tokens.access_token_claims),
    ):
        for claim, attribute in claims.items():
            inputs.setdefault(attribute, []).append(f"triggers.pre_token_generation.{kind}.{claim}")
    for tag, attribute in identity_pool.principal_tags.items():
        inputs.setdefault(attribute, []).append(f"identity_pool.principal_tags.{tag}")
    for name, custom in pool.custom_attributes.items():
        # Not user_writable: no client may list it, so the new pool trusts whoever set it.
        if not custom.user_writable:
            inputs.setdefault(f"custom:{name}", []).append("not user_writable")
    readable = set(readable_attributes(pool))
    for flag in VERIFICATION_FLAGS:
        if flag in readable:
            inputs.setdefault(flag, []).append("a verification flag")
    if "preferred_username" in pool.sign_in_identifiers:
        inputs.setdefault("preferred_username", []).append("user_pool.sign_in_identifiers")
    return inputs


def withheld_attributes(
    migration: MigrationConfig,
    pool: UserPoolConfig,
    *,
    triggers: TriggersConfig,
    identity_pool: IdentityPoolConfig,
) -> list[str]:
    """The authorization inputs the file has not declared protected in the old pool: neither
    the trigger nor the bulk export takes them from the old pool."""
    inputs = authorization_inputs(pool, triggers=triggers, identity_pool=identity_pool)
    return sorted(set(inputs) - set(migration.protected_in_old_pool))


def migrated_attributes(
    migration: MigrationConfig,
    pool: UserPoolConfig,
    *,
    triggers: TriggersConfig,
    identity_pool: IdentityPoolConfig,
) -> list[str]:
    """The new pool's attributes the migration may carry: all but `withheld_attributes`."""
    withheld = withheld_attributes(migration, pool, triggers=triggers, identity_pool=identity_pool)
    return [a for a in readable_attributes(pool) if a not in withheld]


def trigger_config(
    migration: MigrationConfig,
    *,
    attributes: Iterable[str],
    case_sensitive: bool,
    sign_in_identifiers: Iterable[str],
) -> dict[str, object]:
    """The user migration trigger's ``TRIGGER_CONFIG`` (to be serialised as JSON).

    ``attributes`` are the attributes the trigger may carry (`migrated_attributes`);
    ``case_sensitive`` is the new pool's username case sensitivity and
    ``sign_in_identifiers`` its ``user_pool.sign_in_identifiers``.
    """
    names = sorted(set(attributes))
    if bad := [n for n in names if n in _ASSIGNED_BY_POOL or not _ATTRIBUTE_NAME.match(n)]:
        raise ValueError(
            f"attributes {bad} cannot be carried over; allowed: standard attribute names and "
            "custom:<name>, never sub, identities or cognito:*"
        )
    if not names:
        raise ValueError("attributes must list at least one attribute of the new pool")
    return {
        "from_user_pool_id": migration.from_user_pool_id,
        "from_client_id": migration.from_client_id,
        "region": migration.old_pool_region,
        "attributes": names,
        "case_sensitive": case_sensitive,
        "sign_in_identifiers": sorted(
            IDENTIFIER_ATTRIBUTES[i] for i in set(sign_in_identifiers) if i in IDENTIFIER_ATTRIBUTES
        ),
        "forgot_password": migration.forgot_password,
    }
