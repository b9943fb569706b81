"""User migration from an old user pool: the ``migration:`` section of an environment.

Some pool settings can never change once users exist (sign-in identifiers, case sensitivity,
required attributes, attribute mutability). The way out is a new pool whose user migration
trigger (``lambda_triggers/user_migration.py``) signs users in against the OLD pool on their
first sign-in, keeping their passwords. This section names the old pool; `trigger_config`
turns it, with the new pool's attributes and case sensitivity, into the trigger's
``TRIGGER_CONFIG``. See docs/migration.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import Field, Strict, StringConstraints, model_validator

from infra.config.model_base import Section
from infra.config.types import Region

USER_POOL_ID_PATTERN = re.compile(
    r"^(?P<region>[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)_[0-9A-Za-z]{1,40}$"
)
UserPoolId = Annotated[str, Strict(), StringConstraints(pattern=USER_POOL_ID_PATTERN.pattern)]
"""A user pool id, ``<region>_<id>`` (``eu-west-1_AbC123xyz``)."""
AppClientId = Annotated[str, Strict(), StringConstraints(pattern=r"^[\w+]{1,128}$")]

# The new pool assigns these itself; the trigger refuses a configuration that lists them.
_ASSIGNED_BY_POOL = frozenset({"sub", "identities"})
_ATTRIBUTE_NAME = re.compile(r"^(?:[a-z][a-z_]{0,31}|custom:[A-Za-z0-9_]{1,20})$")


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

    @model_validator(mode="after")
    def _region_matches_the_pool_id(self) -> MigrationConfig:
        if self.region is not None and self.region != region_of(self.from_user_pool_id):
            raise ValueError(
                f"region {self.region!r} does not match from_user_pool_id "
                f"{self.from_user_pool_id!r}; allowed: {region_of(self.from_user_pool_id)!r} "
                "or leave region out"
            )
        return self

    @property
    def old_pool_region(self) -> str:
        """The old pool's region: ``region``, or the pool id's prefix."""
        return self.region or region_of(self.from_user_pool_id)


def trigger_config(
    migration: MigrationConfig, *, attributes: Iterable[str], case_sensitive: bool
) -> dict[str, object]:
    """The user migration trigger's ``TRIGGER_CONFIG`` (to be serialised as JSON).

    ``attributes`` are the NEW pool's attribute names (e.g. ``readable_attributes(pool)``);
    ``case_sensitive`` is the new pool's username case sensitivity.
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
    }
