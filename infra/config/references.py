"""Checks that span sections: a key in one section that names something defined in another.

They are not pydantic validators on purpose. A validator sees only the sections validated
before it, so a type error in one section used to hide every reference error until it was
fixed. The loader runs these checks on every section that validated on its own, whatever
else failed, so one run lists every problem (see `infra.config.loader`).

Each check returns `(key path, message)` pairs; a check whose inputs did not validate is
skipped (their own errors are already reported).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from infra.config.app_clients import BUILT_IN_SCOPES, AppClientConfig
from infra.config.federation import IdentityProviderConfig, enabled_providers
from infra.config.identity_pool import IdentityPoolConfig
from infra.config.operations import OperationsConfig
from infra.config.resource_servers import ResourceServerConfig
from infra.config.triggers import TriggersConfig
from infra.config.user_pool import UserPoolConfig, readable_attributes, writable_attributes

Reference = tuple[str, str]
"""A problem: the key path it belongs to, and what is wrong."""


@dataclass(frozen=True)
class Sections:
    """The sections that validated on their own; None where a section has errors."""

    user_pool: UserPoolConfig | None = None
    resource_servers: dict[str, ResourceServerConfig] | None = None
    identity_providers: dict[str, IdentityProviderConfig] | None = None
    app_clients: dict[str, AppClientConfig] | None = None
    identity_pool: IdentityPoolConfig | None = None
    triggers: TriggersConfig | None = None
    operations: OperationsConfig | None = None


def reference_problems(sections: Sections) -> list[Reference]:
    """Every cross-section problem that the validated sections allow checking."""
    return [
        *_client_problems(sections),
        *_identity_pool_problems(sections),
        *_trigger_problems(sections),
        *_operations_problems(sections),
    ]


# --- helpers the constructs share -------------------------------------------------------------


def defined_scopes(servers: dict[str, ResourceServerConfig]) -> list[str]:
    """Every resource-server scope, as `<identifier>/<scope>`."""
    return sorted(f"{s.identifier}/{scope}" for s in servers.values() for scope in s.scopes)


def client_provider_ids(
    client: AppClientConfig, providers: dict[str, IdentityProviderConfig]
) -> tuple[str, ...]:
    """The provider ids a client offers after defaults: every enabled one, none for machines."""
    if client.kind == "machine":
        return ()
    if client.identity_providers is not None:
        return client.identity_providers
    return tuple(enabled_providers(providers))


def identity_pool_clients(
    identity_pool: IdentityPoolConfig, clients: dict[str, AppClientConfig]
) -> tuple[str, ...]:
    """The app clients the identity pool accepts tokens from: configured, or every public one."""
    if identity_pool.clients is not None:
        return identity_pool.clients
    return tuple(c for c, client in clients.items() if client.kind == "public")


def has_user_activity(pool: UserPoolConfig) -> bool:
    """Whether the pool produces user-activity logs and risk metrics: plus plan, threat
    protection in audit or enforced mode."""
    return pool.feature_plan == "plus" and pool.threat_protection.mode != "off"


def client_writable_attributes(pool: UserPoolConfig) -> set[str]:
    """What a client's write_attributes may list: mutable standard attributes, and custom
    attributes marked user_writable and mutable."""
    return set(writable_attributes(pool)) | {
        f"custom:{n}" for n, a in pool.custom_attributes.items() if a.user_writable and a.mutable
    }


# --- app clients ------------------------------------------------------------------------------


def _client_problems(sections: Sections) -> Iterator[Reference]:
    clients = sections.app_clients
    if clients is None:
        return
    for client_id, client in clients.items():
        where = f"app_clients.{client_id}"
        if sections.resource_servers is not None:
            known = defined_scopes(sections.resource_servers)
            unknown = [
                s for s in client.effective_scopes if s not in BUILT_IN_SCOPES and s not in known
            ]
            if unknown:
                yield (
                    f"{where}.scopes",
                    f"{unknown} are not defined; allowed: {sorted([*BUILT_IN_SCOPES, *known])}",
                )
        if sections.user_pool is not None:
            yield from _attribute_problems(where, client, sections.user_pool)
        if sections.identity_providers is not None:
            yield from _provider_problems(where, client, sections.identity_providers)


def _attribute_problems(
    where: str, client: AppClientConfig, pool: UserPoolConfig
) -> Iterator[Reference]:
    readable = set(readable_attributes(pool))
    writable = client_writable_attributes(pool)
    if unknown := sorted(set(client.read_attributes or ()) - readable):
        yield (
            f"{where}.read_attributes",
            f"{unknown} are not attributes of this pool; allowed: {sorted(readable)}",
        )
    if bad := sorted(set(client.write_attributes or ()) - writable):
        yield (
            f"{where}.write_attributes",
            f"{bad} may not be written by users; allowed: {sorted(writable)} (custom "
            "attributes need user_writable and mutable)",
        )
    if client.kind != "machine" and client.write_attributes is not None:
        required = {n for n, a in pool.standard_attributes.items() if a.required}
        if missing := sorted(required - set(client.write_attributes)):
            yield (
                f"{where}.write_attributes",
                f"required attributes {missing} must be writable or users cannot sign up "
                "through this client",
            )


def _provider_problems(
    where: str, client: AppClientConfig, providers: dict[str, IdentityProviderConfig]
) -> Iterator[Reference]:
    enabled = enabled_providers(providers)
    if client.kind == "machine" and client.identity_providers:
        yield (f"{where}.identity_providers", "a machine client signs no user in")
    if unknown := [p for p in client.identity_providers or () if p not in enabled]:
        yield (
            f"{where}.identity_providers",
            f"{unknown} are not enabled identity providers of this environment; allowed: "
            f"{sorted(enabled)}",
        )
    offers_nothing = not client_provider_ids(client, providers)
    if client.kind != "machine" and not client.allow_cognito_sign_in and offers_nothing:
        yield (
            f"{where}.allow_cognito_sign_in",
            "false, and no identity provider is offered, so nobody can sign in",
        )


# --- identity pool ----------------------------------------------------------------------------


def _identity_pool_problems(sections: Sections) -> Iterator[Reference]:
    identity_pool, clients, pool = sections.identity_pool, sections.app_clients, sections.user_pool
    if identity_pool is None:
        return
    if clients is not None and identity_pool.clients is not None:
        interactive = sorted(c for c, client in clients.items() if client.kind != "machine")
        if bad := [c for c in identity_pool.clients if c not in interactive]:
            yield (
                "identity_pool.clients",
                f"{bad} are not defined interactive app clients; allowed: {interactive}",
            )
    if pool is not None:
        attributes = set(readable_attributes(pool))
        if unknown := sorted(set(identity_pool.principal_tags.values()) - attributes):
            yield (
                "identity_pool.principal_tags",
                f"{unknown} are not attributes of this pool; allowed: {sorted(attributes)}",
            )
    if (
        identity_pool.enabled
        and clients is not None
        and not identity_pool_clients(identity_pool, clients)
    ):
        yield (
            "identity_pool.enabled",
            "true, but no public client to federate; list clients explicitly",
        )


# --- triggers ---------------------------------------------------------------------------------


def _trigger_problems(sections: Sections) -> Iterator[Reference]:
    triggers, pool, servers = sections.triggers, sections.user_pool, sections.resource_servers
    if triggers is None:
        return
    tokens = triggers.pre_token_generation
    where = "triggers.pre_token_generation"
    if pool is not None:
        groups = sorted(pool.groups)
        default_group = triggers.post_confirmation.default_group
        if default_group is not None and default_group not in pool.groups:
            yield (
                "triggers.post_confirmation.default_group",
                f"{default_group!r} is not a group id; allowed: {groups}",
            )
        if unknown := sorted(set(tokens.group_scopes) - set(pool.groups)):
            yield (f"{where}.group_scopes", f"{unknown} are not group ids; allowed: {groups}")
        attributes = readable_attributes(pool)
        claimed = {*tokens.id_token_claims.values(), *tokens.access_token_claims.values()}
        if unknown := sorted(claimed - set(attributes)):
            yield (
                where,
                f"attributes {unknown} are not attributes of this pool; allowed: {attributes}",
            )
        if tokens.enabled and pool.feature_plan == "lite":
            yield (f"{where}.enabled", "needs user_pool.feature_plan essentials or plus")
    if servers is not None:
        known = defined_scopes(servers)
        asked = {scope for scopes in tokens.group_scopes.values() for scope in scopes}
        if unknown := sorted(asked - set(known)):
            yield (
                f"{where}.group_scopes",
                f"{unknown} are not resource-server scopes; allowed: {known}",
            )


# --- operations -------------------------------------------------------------------------------


def _operations_problems(sections: Sections) -> Iterator[Reference]:
    operations, pool = sections.operations, sections.user_pool
    if operations is None or pool is None or has_user_activity(pool):
        return
    needs = (
        f"needs user_pool.feature_plan `plus` with threat_protection.mode `audit` or "
        f"`enforced` (the pool has {pool.feature_plan}, threat protection "
        f"{pool.threat_protection.mode})"
    )
    logs = operations.logs
    if logs.enabled and logs.user_activity not in ("auto", "off"):
        yield ("operations.logs.user_activity", f"{logs.user_activity}: user-activity logs {needs}")
    alarms = operations.alarms
    if alarms.enabled and alarms.threat_protection:
        yield ("operations.alarms.threat_protection", f"true: high-risk event alarms {needs}")
