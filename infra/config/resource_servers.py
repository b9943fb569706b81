"""Resource servers: the APIs protected by access tokens, and the custom scopes they define."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from infra.config.model_base import Section
from infra.config.types import ConstructId, NonEmptyStr, ResourceServerIdentifier, ScopeName


class ResourceServerConfig(Section):
    """An API protected by access tokens, with the custom scopes clients may request."""

    identifier: ResourceServerIdentifier = Field(
        description="Scope prefix, e.g. `orders` or an API URL (create-only)."
    )
    name: NonEmptyStr = Field(description="Display name.")
    scopes: dict[ScopeName, NonEmptyStr] = Field(
        min_length=1, description="Scope name to description, e.g. `read: Read orders`."
    )


def _unique_identifiers(value: dict[str, ResourceServerConfig]) -> dict[str, ResourceServerConfig]:
    identifiers = [server.identifier for server in value.values()]
    if duplicates := sorted({i for i in identifiers if identifiers.count(i) > 1}):
        raise ValueError(f"identifier(s) used twice: {duplicates}")
    return value


ResourceServers = Annotated[
    dict[ConstructId, ResourceServerConfig], AfterValidator(_unique_identifiers)
]
"""The resource servers of an environment by stable construct id; identifiers are unique."""
