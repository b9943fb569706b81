"""Checks that span sections: a key in one section that names something defined in another.

They are not pydantic validators on purpose. A validator sees only the sections validated
before it, so a type error in one section used to hide every reference error until it was
fixed. The loader runs these checks on every section that validated on its own, whatever
else failed, so one run lists every problem (see `infra.config.loader`).

Each check returns `(key path, message)` pairs; a check whose inputs did not validate is
skipped (their own errors are already reported).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from infra.config.acknowledgments import AcknowledgmentConfig
from infra.config.apis import ApisConfig
from infra.config.app_clients import (
    BUILT_IN_SCOPES,
    VERIFIED_FLAG_NAMES,
    AppClientConfig,
    attributes_written_by_clients,
)
from infra.config.domain import DomainConfig, hosted_domain_pattern, longest_hosted_domain
from infra.config.federation import (
    DOMAIN_PATTERN,
    HOSTED_DOMAIN_ATTRIBUTE,
    IdentityProviderConfig,
    OidcProvider,
    SamlProvider,
    enabled_providers,
    public_suffix,
)
from infra.config.identity_pool import (
    IdentityPoolConfig,
    PolicyStatementConfig,
    nag_finding,
    unacknowledged_wildcards,
)
from infra.config.migration import (
    VERIFICATION_FLAGS,
    MigrationConfig,
    authorization_inputs,
)
from infra.config.multi_region import CREATE_KEY as MULTI_REGION_CREATE_KEY
from infra.config.multi_region import (
    POOL_KEY_ARN,
    REPLICA_REGIONS,
    MultiRegionConfig,
    ReplicaConfig,
    covered_by_identity,
    replica_slots,
)
from infra.config.operations import OperationsConfig
from infra.config.regions import partition_of
from infra.config.resource_servers import ResourceServerConfig
from infra.config.sign_in import LOCALHOST, RELYING_PARTY_ID_MAX
from infra.config.triggers import (
    CHALLENGE_KEYS,
    CREATE_KEY,
    FUNCTION_ARN,
    IDP_GROUPS_ATTRIBUTE,
    KIT_SLOT_KEYS,
    KMS_KEY_ARN,
    ROLE_ARN,
    PreTokenGenerationConfig,
    TriggersConfig,
)
from infra.config.user_pool import (
    SES_IDENTITY_ARN_PATTERN,
    UserPoolConfig,
    readable_attributes,
    writable_attributes,
)

# Claims Cognito sets itself, which a configured claim may not shadow: the trigger's own list
# (it refuses them at run time too), so the two can never disagree.
from lambda_triggers.pre_token_generation import RESERVED_CLAIM_PREFIXES, RESERVED_CLAIMS

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
    acknowledgments: tuple[AcknowledgmentConfig, ...] | None = None
    apis: ApisConfig | None = None
    operations: OperationsConfig | None = None
    migration: MigrationConfig | None = None
    multi_region: MultiRegionConfig | None = None
    # Where the environment deploys (None: not pinned, or invalid and reported already): the
    # team's function and key ARNs must name the pool's own region and account.
    account: str | None = None
    region: str | None = None
    domain: DomainConfig | None = None


def reference_problems(sections: Sections) -> list[Reference]:
    """Every cross-section problem that the validated sections allow checking."""
    return [
        *_client_problems(sections),
        *_identity_pool_problems(sections),
        *_trigger_problems(sections),
        *_trigger_slot_problems(sections),
        *_custom_auth_problems(sections),
        *_inbound_federation_problems(sections),
        *_acknowledgment_problems(sections),
        *_unacknowledged_nag_problems(sections),
        *_federation_problems(sections),
        *_domain_ownership_problems(sections),
        *_hosted_domain_problems(sections),
        *_group_scope_problems(sections),
        *_mapped_immutable_problems(sections),
        *_claim_source_problems(sections),
        *_migration_problems(sections),
        *_api_problems(sections),
        *_operations_problems(sections),
        *_sign_in_problems(sections),
        *multi_region_problems(sections),
    ]


def attached_slots(triggers: TriggersConfig) -> list[str]:
    """The trigger slots that run a function, the kit's or the team's (by key)."""
    return [
        name
        for name, slot in triggers.slots().items()
        if slot.function_arn is not None
        or (name in KIT_SLOT_KEYS and getattr(slot, "enabled", False))
    ]


def reference_warnings(sections: Sections) -> list[Reference]:
    """What deploys but probably does not do what the file means; printed, never refused."""
    return [*_sign_in_warnings(sections)]


def resource_keys(sections: Sections) -> list[str] | None:
    """The config keys that create resources, as the stack marks them (`infra.provenance`);
    None when a section they depend on did not validate."""
    pool, servers = sections.user_pool, sections.resource_servers
    providers, clients = sections.identity_providers, sections.app_clients
    identity_pool, triggers = sections.identity_pool, sections.triggers
    if (
        pool is None
        or servers is None
        or providers is None
        or clients is None
        or identity_pool is None
        or triggers is None
    ):
        return None
    keys = ["user_pool", "domain"]
    if pool.threat_protection.mode != "off":
        keys.append("user_pool.threat_protection")
    keys += [f"user_pool.groups.{group_id}" for group_id in pool.groups]
    keys += [f"resource_servers.{server_id}" for server_id in servers]
    keys += [f"identity_providers.{provider_id}" for provider_id in enabled_providers(providers)]
    keys += [f"app_clients.{client_id}" for client_id in clients]
    if identity_pool.enabled:
        keys.append("identity_pool")
        keys += [
            f"user_pool.groups.{group_id}.iam_permissions"
            for group_id, group in pool.groups.items()
            if group.iam_permissions is not None
        ]
    keys += [f"triggers.{name}" for name in attached_slots(triggers)]
    if triggers.custom_sender_key == CREATE_KEY and triggers.senders():
        keys.append("triggers.custom_sender_key")
    if sections.migration is not None:
        keys.append("migration")
    multi_region = sections.multi_region
    if multi_region is not None:
        if multi_region.key == MULTI_REGION_CREATE_KEY:
            keys.append("multi_region.key")
        keys += [f"multi_region.replicas.{region}" for region in multi_region.replicas]
    apis = sections.apis
    if apis is None:
        return None
    if apis.http or apis.rest:
        keys.append("apis")
    keys += [f"apis.http.{api_id}" for api_id in apis.http]
    keys += [f"apis.rest.{api_id}" for api_id in apis.rest]
    operations = sections.operations
    if operations is None:
        return None
    parts = [p for p in ("alarms", "dashboard", "logs", "waf") if getattr(operations, p).enabled]
    keys += [f"operations.{part}" for part in parts]
    if parts:
        keys.append("operations")
    return sorted(keys)


def _acknowledgment_problems(sections: Sections) -> Iterator[Reference]:
    if not sections.acknowledgments:
        return
    keys = resource_keys(sections)
    if keys is None:
        return
    for index, acknowledgment in enumerate(sections.acknowledgments):
        key = acknowledgment.key
        if not any(k == key or k.startswith(f"{key}.") for k in keys):
            yield (
                f"acknowledgments[{index}].key",
                f"{key!r} creates no resource in this environment; allowed: {keys}",
            )


def _acknowledged(
    acknowledgments: tuple[AcknowledgmentConfig, ...],
    rule: str,
    keys: set[str],
    finding: str | None = None,
) -> bool:
    """Whether the file accepts a cdk-nag finding of `rule` on a resource of one of `keys`."""
    return any(
        a.rule == rule
        and a.key in keys
        and (a.finding is None or finding is None or a.finding == finding)
        for a in acknowledgments
    )


def _unacknowledged_nag_problems(sections: Sections) -> Iterator[Reference]:
    """Settings the file may choose but that cdk-nag refuses unless the file accepts them:
    refused here, with the acknowledgment to write, instead of failing at synth."""
    pool, identity_pool, acks = sections.user_pool, sections.identity_pool, sections.acknowledgments
    if pool is None or acks is None:
        return
    policy = pool.password_policy
    weak = [
        k
        for k in ("require_uppercase", "require_digits", "require_symbols")
        if not getattr(policy, k)
    ]
    if weak and not _acknowledged(acks, "AwsSolutions-COG1", {"user_pool"}):
        for key in weak:
            yield (
                f"user_pool.password_policy.{key}",
                "false fails cdk-nag AwsSolutions-COG1 (uppercase letters, digits and symbols "
                "required); keep it true, or accept the finding: acknowledgments: [{key: "
                "user_pool, rule: AwsSolutions-COG1, reason: ...}] (NIST SP 800-63B-4 advises "
                "against composition rules in favour of length)",
            )
    yield from _short_retention_problems(sections, acks)
    if identity_pool is None or not identity_pool.enabled:
        return
    grants: list[tuple[str, tuple[PolicyStatementConfig, ...], set[str]]] = [
        (f"identity_pool.{field}", getattr(identity_pool, field), {"identity_pool"})
        for field in ("authenticated_permissions", "guest_permissions")
    ]
    grants += [
        (
            f"user_pool.groups.{group_id}.iam_permissions",
            group.iam_permissions,
            {
                "identity_pool",
                "user_pool",
                f"user_pool.groups.{group_id}",
                f"user_pool.groups.{group_id}.iam_permissions",
            },
        )
        for group_id, group in pool.groups.items()
        if group.iam_permissions
    ]
    for where, statements, keys in grants:
        for resource in unacknowledged_wildcards(statements):
            finding = nag_finding(resource)
            if not _acknowledged(acks, "AwsSolutions-IAM5", keys, finding):
                yield (
                    where,
                    f"{resource!r} is a wildcard broader than the objects below one prefix, "
                    "which fails cdk-nag AwsSolutions-IAM5 at synth; narrow it to "
                    "arn:aws:s3:::<bucket>/<prefix>/*, or accept the finding: acknowledgments: "
                    f"[{{key: {min(keys, key=len)}, rule: AwsSolutions-IAM5, finding: "
                    f"'{finding}', reason: ...}}]",
                )


# Control Tower's CT.CLOUDWATCH.PR.2 asks for a year of logs (`make validate` runs it).
YEAR_OF_LOGS = 365


def _covered(acknowledgments: tuple[AcknowledgmentConfig, ...], rule: str, key: str) -> bool:
    """Whether an acknowledgment of `rule` covers the resources of `key` (its key or a parent)."""
    return any(
        a.rule == rule and (key == a.key or key.startswith(f"{a.key}.")) for a in acknowledgments
    )


def _short_retention_problems(
    sections: Sections, acks: tuple[AcknowledgmentConfig, ...]
) -> Iterator[Reference]:
    """A log retention below a year fails Control Tower's CT.CLOUDWATCH.PR.2 unless the file
    accepts it for every key whose log groups keep it."""
    rule = "CT.CLOUDWATCH.PR.2"
    settings: list[tuple[str, int, list[str]]] = []
    triggers = sections.triggers
    if triggers is not None:
        kit = [
            f"triggers.{n}"
            for n in KIT_SLOT_KEYS
            if getattr(getattr(triggers, n), "enabled", False)
        ]
        if sections.migration is not None:
            kit.append("migration")
        settings.append(("triggers.log_retention_days", triggers.log_retention_days, kit))
    apis = sections.apis
    if apis is not None and (apis.http or apis.rest):
        settings.append(("apis.log_retention_days", apis.log_retention_days, ["apis"]))
    operations = sections.operations
    if operations is not None:
        if operations.logs.enabled:
            settings.append(
                (
                    "operations.logs.retention_days",
                    operations.logs.retention_days,
                    ["operations.logs"],
                )
            )
        if operations.waf.enabled:
            settings.append(
                (
                    "operations.waf.log_retention_days",
                    operations.waf.log_retention_days,
                    ["operations.waf"],
                )
            )
    for where, days, keys in settings:
        if days >= YEAR_OF_LOGS:
            continue
        if uncovered := [k for k in keys if not _covered(acks, rule, k)]:
            yield (
                where,
                f"{days} days is below the year AWS Control Tower's {rule} asks for (`make "
                "validate` runs it, and an organisation's Control Tower hooks refuse the "
                f"deploy); keep {YEAR_OF_LOGS} or more, or accept it for "
                f"{', '.join(uncovered)}: acknowledgments: [{{key: {uncovered[0].split('.')[0]}, "
                f"rule: {rule}, reason: ...}}]",
            )


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


def client_writable_attributes(pool: UserPoolConfig, mapped: Iterable[str] = ()) -> set[str]:
    """What a client's write_attributes may list: mutable standard attributes, custom
    attributes marked user_writable and mutable, and what its providers map (`mapped`)."""
    return (
        set(writable_attributes(pool))
        | {
            f"custom:{n}"
            for n, a in pool.custom_attributes.items()
            if a.user_writable and a.mutable
        }
        | (set(mapped) - VERIFIED_FLAG_NAMES)
    )


def mapped_attributes(
    client: AppClientConfig, providers: dict[str, IdentityProviderConfig]
) -> set[str]:
    """The pool attributes the providers a client offers write at each federated sign-in."""
    enabled = enabled_providers(providers)
    return {
        attribute
        for provider_id in client_provider_ids(client, providers)
        if provider_id in enabled
        for attribute in enabled[provider_id].effective_mapping()
    }


def clients_mapped_attributes(sections: Sections) -> dict[str, set[str]]:
    """Client id -> `mapped_attributes`, for the interactive clients (empty without providers)."""
    clients, providers = sections.app_clients or {}, sections.identity_providers
    if providers is None:
        return {}
    return {c: mapped_attributes(client, providers) for c, client in clients.items()}


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
            mapped = (
                mapped_attributes(client, sections.identity_providers)
                if sections.identity_providers is not None
                else set()
            )
            yield from _attribute_problems(where, client, sections.user_pool, mapped)
        if sections.identity_providers is not None:
            yield from _provider_problems(where, client, sections.identity_providers)


def _attribute_problems(
    where: str, client: AppClientConfig, pool: UserPoolConfig, mapped: set[str]
) -> Iterator[Reference]:
    readable = set(readable_attributes(pool))
    writable = client_writable_attributes(pool, mapped)
    for key in ("read_attributes", "write_attributes"):
        if getattr(client, key) == ():
            yield (
                f"{where}.{key}",
                "an empty list cannot be expressed: Cognito treats it as not set and then "
                f"lets the client {key.split('_')[0]} every attribute; list the attributes",
            )
    defaulted = client.kind != "machine" and client.write_attributes is None
    if defaulted and not writable_attributes(pool):
        yield (
            f"{where}.write_attributes",
            "the default (the pool's mutable standard attributes) is empty here, which Cognito "
            "treats as every attribute: list the attributes users may write",
        )
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
        if unwritable := sorted(mapped - VERIFIED_FLAG_NAMES - set(client.write_attributes)):
            yield (
                f"{where}.write_attributes",
                f"{unwritable} are mapped by the identity providers this client offers: Cognito "
                "rewrites mapped attributes at every federated sign-in and refuses the sign-in "
                "('Attribute cannot be updated') when the client may not write one; add them, "
                "or leave write_attributes out (the default includes them)",
            )
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
        if tokens.event_version in ("V2_0", "V3_0") and pool.feature_plan == "lite":
            key = "enabled" if tokens.enabled else "lambda_version"
            yield (
                f"{where}.{key}",
                f"event version {tokens.event_version} needs user_pool.feature_plan essentials "
                "or plus",
            )
    if servers is not None:
        known = defined_scopes(servers)
        asked = {scope for scopes in tokens.group_scopes.values() for scope in scopes}
        if unknown := sorted(asked - set(known)):
            yield (
                f"{where}.group_scopes",
                f"{unknown} are not resource-server scopes; allowed: {known}",
            )
        for client_id, machine in tokens.machine_clients.items():
            if unknown := sorted(set(machine.scopes) - set(known)):
                yield (
                    f"{where}.machine_clients.{client_id}.scopes",
                    f"{unknown} are not resource-server scopes; allowed: {known}",
                )
    if sections.app_clients is not None:
        yield from _machine_client_problems(
            f"{where}.machine_clients", tokens, sections.app_clients
        )


def _machine_client_problems(
    where: str, tokens: PreTokenGenerationConfig, clients: dict[str, AppClientConfig]
) -> Iterator[Reference]:
    machines = sorted(c for c, client in clients.items() if client.kind == "machine")
    if unknown := [c for c in tokens.machine_clients if c not in machines]:
        yield (where, f"{unknown} are not machine app clients; allowed: {machines}")
    # The trigger finds a client by its name (the event carries only the client id).
    names = [client.display_name or client_id for client_id, client in clients.items()]
    for client_id in tokens.machine_clients:
        client = clients.get(client_id)
        if client is not None and names.count(client.display_name or client_id) > 1:
            yield (
                where,
                f"{client_id!r}: its name {client.display_name or client_id!r} is used by "
                "another app client; the trigger finds a client by name, so it must be unique",
            )


# --- APIs -------------------------------------------------------------------------------------


def _api_problems(sections: Sections) -> Iterator[Reference]:
    apis, servers, clients = sections.apis, sections.resource_servers, sections.app_clients
    if apis is None:
        return
    if servers is not None:
        known = defined_scopes(servers)
        for where, routes in apis.all_routes().items():
            for key, route in routes.items():
                if unknown := [s for s in route.scopes if s not in known]:
                    yield (
                        f"apis.{where}.routes.{key}.scopes",
                        f"{unknown} are not resource-server scopes; allowed: {known}",
                    )
    if clients is None:
        return
    for api_id, api in apis.http.items():
        if unknown := [c for c in api.clients if c not in clients]:
            yield (
                f"apis.http.{api_id}.clients",
                f"{unknown} are not app clients; allowed: {sorted(clients)}",
            )


# --- federation: linking and invite-only ------------------------------------------------------


def protected_groups(pool: UserPoolConfig, triggers: TriggersConfig) -> tuple[str, ...]:
    """The group ids whose members are never linked to: configured, or every group that maps
    to an IAM role plus the group(s) with the lowest precedence (the most privileged)."""
    configured = triggers.pre_sign_up.protected_groups
    if configured is not None:
        return configured
    if not pool.groups:
        return ()
    lowest = min(group.precedence for group in pool.groups.values())
    return tuple(
        group_id
        for group_id, group in pool.groups.items()
        if group.iam_permissions is not None or group.precedence == lowest
    )


def provider_email_domains(providers: dict[str, IdentityProviderConfig]) -> dict[str, list[str]]:
    """Provider name -> the email domains it may vouch for, for the enabled providers that may."""
    return {
        provider.provider_name(): list(provider.email_domains())
        for provider in enabled_providers(providers).values()
        if provider.email_domains()
    }


def provider_subdomains(providers: dict[str, IdentityProviderConfig]) -> list[str]:
    """The names of the vouching providers whose domains also cover their subdomains."""
    return sorted(
        provider.provider_name()
        for provider in enabled_providers(providers).values()
        if provider.email_domains() and provider.vouches_for_subdomains()
    )


def provider_hosted_domains(providers: dict[str, IdentityProviderConfig]) -> dict[str, str]:
    """Provider name -> the pool attribute that must name one of its domains (Google's `hd`)."""
    return {
        provider.provider_name(): attribute
        for provider in enabled_providers(providers).values()
        if provider.email_domains() and (attribute := provider.hosted_domain_attribute())
    }


def _covers(domain: str, rule: str, subdomains: bool) -> bool:
    return domain == rule or (subdomains and domain.endswith(f".{rule}"))


def _nested(first: str, second: str) -> bool:
    """The same domain, or one a parent of the other."""
    return first == second or first.endswith(f".{second}") or second.endswith(f".{first}")


def _federation_problems(sections: Sections) -> Iterator[Reference]:
    pool, providers, triggers = sections.user_pool, sections.identity_providers, sections.triggers
    if pool is None or providers is None or triggers is None:
        return
    pre_sign_up = triggers.pre_sign_up
    where = "triggers.pre_sign_up"
    enabled = enabled_providers(providers)
    vouching = [(p.email_domains(), p.vouches_for_subdomains()) for p in enabled.values()]
    vouched = {d for domains, _ in vouching for d in domains}
    invite_only = pool.effective_federated_sign_up == "invite_only"
    # The team's own pre sign-up function takes the decision over (docs/triggers.md).
    if invite_only and enabled and not (pre_sign_up.enabled or pre_sign_up.function_arn):
        yield (
            f"{where}.enabled",
            "false, but self sign-up is off and identity providers are enabled: without the "
            "pre sign-up trigger anyone with an account at a provider becomes a user; enable "
            "it, or set user_pool.federated_sign_up: open with federated_sign_up_reason",
        )
    if pre_sign_up.account_linking and pool.mfa.mode == "required":
        yield (
            f"{where}.account_linking",
            "true, but MFA is required: a federated sign-in is never challenged by the pool's "
            "MFA, so every link would bypass it; turn linking off (users sign in natively and "
            "connect the provider from the app)",
        )
    if pre_sign_up.account_linking and not vouched:
        yield (
            f"{where}.account_linking",
            "true, but no enabled provider may vouch for any email domain, so nothing is ever "
            "linked (Google: gmail.com; Google Workspace: an oidc provider on Google's issuer "
            "with workspace_domains; Apple: trusted_email_domains; SAML/OIDC: "
            "email_verified_by_idp and their identifier domains; Facebook: never)",
        )
    if unknown := sorted(set(pre_sign_up.protected_groups or ()) - set(pool.groups)):
        yield (
            f"{where}.protected_groups",
            f"{unknown} are not group ids; allowed: {sorted(pool.groups)}",
        )
    domains = pre_sign_up.federated_sign_up_domains
    if domains and not invite_only:
        yield (
            f"{where}.federated_sign_up_domains",
            "has no effect: federated sign-up is open (user_pool.federated_sign_up)",
        )
    if suffixes := [d for d in domains if public_suffix(d)]:
        yield (
            f"{where}.federated_sign_up_domains",
            f"{suffixes} are public suffixes: admitting everyone under one is open sign-up",
        )
    # Google and Apple vouch for listed domains exactly, an enterprise IdP for its subdomains
    # too: a domain no provider vouches for in that way admits nobody.
    uncovered = sorted(
        d
        for d in domains
        if not any(_covers(d, rule, sub) for rules, sub in vouching for rule in rules)
    )
    if domains and invite_only and uncovered:
        yield (
            f"{where}.federated_sign_up_domains",
            f"no enabled provider may vouch for {uncovered}, so their users can never join; "
            f"domains the providers own: {sorted(vouched)} (Google Workspace and Apple: "
            "exactly these; SAML/OIDC: with their subdomains)",
        )


def _domain_ownership_problems(sections: Sections) -> Iterator[Reference]:
    """A domain, and every parent of it, is vouched for by one enabled provider, unless both
    providers acknowledge the overlap in shared_domains; public suffixes by none."""
    providers = sections.identity_providers
    if providers is None:
        return
    enabled = enabled_providers(providers)
    owned = {pid: p.email_domains() for pid, p in enabled.items() if p.email_domains()}
    for provider_id, provider in enabled.items():
        # Identifiers become vouched domains only without an explicit trusted_email_domains.
        if (
            isinstance(provider, SamlProvider | OidcProvider)
            and provider.trusted_email_domains is None
            and provider.email_verified_by_provider()
            and not (isinstance(provider, OidcProvider) and provider.on_google())
        ):
            identifiers = {i.lower() for i in provider.identifiers}
            domains = {i for i in identifiers if DOMAIN_PATTERN.match(i)}
            if suffixes := sorted(i for i in domains if public_suffix(i)):
                yield (
                    f"identity_providers.{provider_id}.identifiers",
                    f"{suffixes} are public suffixes: this IdP would vouch for every domain "
                    "under them; route by your own domains",
                )
    ids = sorted(owned)
    overlaps: dict[str, set[str]] = {pid: set() for pid in ids}
    for index, first in enumerate(ids):
        for second in ids[index + 1 :]:
            for a in owned[first]:
                for b in owned[second]:
                    if not _nested(a, b):
                        continue
                    overlaps[first].add(a)
                    overlaps[second].add(b)
                    shared_a = a in enabled[first].shared_domain_reasons()
                    shared_b = b in enabled[second].shared_domain_reasons()
                    if shared_a and shared_b:
                        continue
                    missing = first if not shared_a else second
                    yield (
                        f"identity_providers.{missing}.shared_domains",
                        f"{first} vouches for {a!r} and {second} for {b!r}: a domain and its "
                        "parents are vouched for by one provider, or either could take over "
                        "the other's users; give the domain to one provider, or list it under "
                        f"shared_domains of both ({first}: {a!r}, {second}: {b!r}) with the "
                        "reason",
                    )
    for provider_id, provider in enabled.items():
        for domain in provider.shared_domain_reasons():
            where = f"identity_providers.{provider_id}.shared_domains.{domain}"
            if domain not in owned.get(provider_id, ()):
                yield (
                    where,
                    "is not a domain this provider vouches for; allowed: "
                    f"{sorted(owned.get(provider_id, ()))}",
                )
            elif domain not in overlaps.get(provider_id, set()):
                yield (
                    where,
                    "no other enabled provider vouches for it, a parent or a subdomain of it: "
                    "remove it",
                )


def _hosted_domain_problems(sections: Sections) -> Iterator[Reference]:
    """A Google Workspace provider needs the attribute it maps `hd` to, as Cognito can write it
    at every sign-in and no client can."""
    pool, providers = sections.user_pool, sections.identity_providers
    if pool is None or providers is None:
        return
    needs = sorted(
        pid for pid, p in enabled_providers(providers).items() if p.hosted_domain_attribute()
    )
    if not needs:
        return
    yield from _rewritten_attribute_problems(
        pool,
        HOSTED_DOMAIN_ATTRIBUTE,
        writer="Google's `hd` claim is mapped here",
        missing=f"Google's `hd` claim is mapped to {HOSTED_DOMAIN_ATTRIBUTE} for {needs}",
        shortest=(253, "a domain name's length"),
        suggested_max=253,
        not_user_writable="only the clients that offer the Workspace provider may write it, "
        "because Cognito rewrites it at each of their sign-ins",
    )


def _rewritten_attribute_problems(
    pool: UserPoolConfig,
    attribute_name: str,
    *,
    writer: str,
    missing: str,
    shortest: tuple[int, str],
    suggested_max: int,
    not_user_writable: str,
) -> Iterator[Reference]:
    """A custom attribute rewritten at every federated sign-in (by a provider's mapping or the
    kit's inbound federation function) must exist as a mutable string, long enough, and be
    left out of what every client may write."""
    name = attribute_name.removeprefix("custom:")
    where = f"user_pool.custom_attributes.{name}"
    length, why = shortest
    attribute = pool.custom_attributes.get(name)
    if attribute is None:
        yield (
            where,
            f"missing: {missing}; add {name}: {{type: string, mutable: true, max: "
            f"{suggested_max}}} (no user_writable)",
        )
        return
    problems = []
    if attribute.type != "string":
        problems.append("type string")
    if not attribute.mutable:
        problems.append("mutable: true (Cognito rewrites mapped attributes at every sign-in)")
    if attribute.user_writable:
        problems.append(f"no user_writable ({not_user_writable})")
    if attribute.max is not None and attribute.max < length:
        problems.append(f"max of at least {length} ({why})")
    if problems:
        yield (where, f"{writer}, so it needs {', '.join(problems)}")


def _mapped_immutable_problems(sections: Sections) -> Iterator[Reference]:
    """A provider may map only mutable attributes: Cognito rewrites mapped attributes at every
    federated sign-in, and an immutable one makes every sign-in after the first fail."""
    pool, providers = sections.user_pool, sections.identity_providers
    if pool is None or providers is None:
        return
    immutable = {n for n, a in pool.standard_attributes.items() if not a.mutable} | {
        f"custom:{n}" for n, a in pool.custom_attributes.items() if not a.mutable
    }
    for provider_id, provider in enabled_providers(providers).items():
        if bad := sorted(set(provider.effective_mapping()) & immutable):
            yield (
                f"identity_providers.{provider_id}.attribute_mapping",
                f"maps {bad}, which are immutable in the pool: Cognito rewrites mapped "
                "attributes at every federated sign-in, so every sign-in after the first would "
                "fail ('Attribute cannot be updated'); map mutable attributes only",
            )


# --- claims and session tags only from attributes nobody can write ---------------------------


def migration_writer(migration: MigrationConfig) -> str:
    """How `attribute_writers` names the migration."""
    return f"the old pool {migration.from_user_pool_id} (migration)"


def attribute_writers(sections: Sections) -> dict[str, list[str]]:
    """Attribute -> who can set it: app clients (their users, through UpdateUserAttributes),
    identity providers (at every federated sign-in, through their attribute mapping) and the
    migration (whoever could write it in the old pool, unless the file declares it protected
    there: migration.protected_in_old_pool)."""
    writers: dict[str, list[str]] = {}
    pool, clients, providers = sections.user_pool, sections.app_clients, sections.identity_providers
    if pool is not None and clients is not None:
        mapped = clients_mapped_attributes(sections)
        for attribute, client_ids in attributes_written_by_clients(pool, clients, mapped).items():
            writers.setdefault(attribute, []).extend(f"app client {c}" for c in client_ids)
    if providers is not None:
        for provider_id, provider in enabled_providers(providers).items():
            for attribute in provider.effective_mapping():
                writers.setdefault(attribute, []).append(f"identity provider {provider_id}")
    migration = sections.migration
    if pool is not None and migration is not None:
        for attribute in readable_attributes(pool):
            if attribute not in migration.protected_in_old_pool:
                writers.setdefault(attribute, []).append(migration_writer(migration))
    return writers


def _claim_source_problems(sections: Sections) -> Iterator[Reference]:
    pool, clients, providers = sections.user_pool, sections.app_clients, sections.identity_providers
    if pool is None or clients is None or providers is None:
        return
    writers = attribute_writers(sections)
    sources: list[tuple[str, dict[str, str]]] = []
    if sections.identity_pool is not None:
        sources.append(
            ("identity_pool.principal_tags", dict(sections.identity_pool.principal_tags))
        )
    if sections.triggers is not None:
        tokens = sections.triggers.pre_token_generation
        sources.append(
            ("triggers.pre_token_generation.id_token_claims", dict(tokens.id_token_claims))
        )
        sources.append(
            ("triggers.pre_token_generation.access_token_claims", dict(tokens.access_token_claims))
        )
    attributes = set(readable_attributes(pool))
    if sections.triggers is not None and sections.triggers.pre_token_generation.groups_claim:
        groups_claim = sections.triggers.pre_token_generation.groups_claim
        sources.append(("triggers.pre_token_generation.groups_claim_name", {groups_claim: ""}))
    migrated = migration_writer(sections.migration) if sections.migration is not None else None
    for where, mapping in sources:
        for name, attribute in mapping.items():
            if attribute in writers:
                others = [w for w in writers[attribute] if w != migrated]
                fix = (
                    "map an attribute no client writes and no provider maps (e.g. an "
                    "immutable custom attribute)"
                    if others
                    else f"declare migration.protected_in_old_pool.{attribute} with the reason "
                    "no client, provider or trigger of the old pool could write it; if they "
                    "could, the old values must not reach this claim or tag"
                )
                yield (
                    f"{where}.{name}",
                    f"{attribute!r} can be set by {', '.join(writers[attribute])}: a user would "
                    f"grant themselves this claim or tag; {fix}",
                )
            if where.endswith(("_claims", "_claim_name")) and (
                name in attributes
                or name.lower() in RESERVED_CLAIMS
                or name.lower().startswith(RESERVED_CLAIM_PREFIXES)
            ):
                yield (
                    where.removesuffix("_name")
                    if where.endswith("_claim_name")
                    else f"{where}.{name}",
                    f"{name!r} is an attribute of the pool or a claim Cognito sets: the added "
                    "claim would shadow it; choose another name",
                )


# --- scopes: a group scope reaches a token only through a client that may request it ----------


def _group_scope_problems(sections: Sections) -> Iterator[Reference]:
    triggers, clients = sections.triggers, sections.app_clients
    if triggers is None or clients is None:
        return
    requestable = {
        scope
        for client in clients.values()
        if client.kind != "machine"
        for scope in client.effective_scopes
    }
    group_scopes = triggers.pre_token_generation.group_scopes
    if group_scopes:
        # The trigger finds the asking client by its name (the event carries only the id).
        names = [client.display_name or client_id for client_id, client in clients.items()]
        for client_id, client in clients.items():
            name = client.display_name or client_id
            if client.kind != "machine" and names.count(name) > 1:
                yield (
                    f"app_clients.{client_id}.display_name",
                    f"{name!r} is the name of another app client too: the pre token generation "
                    "trigger finds a client by name to decide its group scopes, so the name "
                    "must be unique",
                )
    for group_id, scopes in group_scopes.items():
        if unreachable := sorted(set(scopes) - requestable):
            yield (
                f"triggers.pre_token_generation.group_scopes.{group_id}",
                f"{unreachable}: no app client that signs users in may request them, and the "
                "trigger adds a group scope only to tokens of a client that may, so no member "
                "ever gets them; add them to app_clients.<id>.scopes of the client the group "
                "signs in with",
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


# --- migration ----------------------------------------------------------------------------------


def _migration_problems(sections: Sections) -> Iterator[Reference]:
    migration, pool = sections.migration, sections.user_pool
    if migration is None or pool is None:
        return
    where = "migration.protected_in_old_pool"
    declared = migration.protected_in_old_pool
    readable = readable_attributes(pool)
    if unknown := sorted(set(declared) - set(readable)):
        yield (where, f"{unknown} are not attributes of this pool; allowed: {readable}")
    triggers, identity_pool = sections.triggers, sections.identity_pool
    if triggers is not None and identity_pool is not None:
        inputs = authorization_inputs(pool, triggers=triggers, identity_pool=identity_pool)
        if plain := sorted(a for a in declared if a in readable and a not in inputs):
            yield (
                where,
                f"{plain} are no authorization inputs of this pool, so they migrate anyway; "
                f"declare only these: {sorted(inputs)}",
            )
    for identifier, flag in (("email", "email_verified"), ("phone", "phone_number_verified")):
        if identifier in pool.sign_in_identifiers and flag not in declared:
            base = VERIFICATION_FLAGS[flag]
            yield (
                where,
                f"users sign in with {identifier} (user_pool.sign_in_identifiers), but {flag} is "
                f"not declared: an unverified {base} would claim that sign-in identifier, so "
                f"the trigger refuses every user with a {base} it cannot trust as verified; "
                f"declare {flag} with the reason the old pool verified {base} only by a code "
                "(no client wrote it, no trigger auto-verified it, no provider mapped it), or "
                "move these users with the bulk import",
            )
    yield from _migration_sign_up_problems(sections, migration, pool)


def _migration_sign_up_problems(
    sections: Sections, migration: MigrationConfig, pool: UserPoolConfig
) -> Iterator[Reference]:
    where = "migration.sign_up_reason"
    opened = []
    if pool.self_sign_up:
        opened.append("user_pool.self_sign_up is true")
    providers = sections.identity_providers
    federated = providers is not None and bool(enabled_providers(providers))
    if federated and pool.effective_federated_sign_up == "open":
        opened.append("federated sign-up is open (user_pool.federated_sign_up)")
    if opened and migration.sign_up_reason is None:
        yield (
            where,
            f"required: {' and '.join(opened)}. A sign-up with a migrating user's email or "
            "username blocks that user's migration, and the account someone else created "
            "first is the one the user lands in (pre-account hijacking); turn sign-up off for "
            "the migration window or say why it must stay on",
        )
    if not opened and migration.sign_up_reason is not None:
        yield (where, "has no effect: self sign-up and open federated sign-up are off")


# --- trigger slots: the team's functions, the custom senders' key ------------------------------


def _placement_problems(
    where: str, arn: str, pattern_match: dict[str, str | None], sections: Sections, what: str
) -> Iterator[Reference]:
    """An ARN names the pool's region and account (literally, or with the placeholders)."""
    for part, pinned in (("region", sections.region), ("account", sections.account)):
        value = pattern_match.get(part)
        if value is None or value == f"{{{part}}}":
            continue
        if pinned is None:
            yield (
                where,
                f"{arn!r} names {part} {value}, but this environment pins no {part}, so the "
                f"kit cannot tell that {what} is the pool's: write {{{part}}} in the ARN (it "
                f"stands for the pool's own), or pin the environment's {part}",
            )
        elif value != pinned:
            yield (
                where,
                f"{arn!r} is in {part} {value}, the pool in {pinned}: {what} must be in the "
                f"pool's {part} (Cognito invokes functions and uses keys of its own region; "
                "the kit grants invoke and alarms only in its own account)",
            )


def _trigger_slot_problems(sections: Sections) -> Iterator[Reference]:
    triggers = sections.triggers
    if triggers is None:
        return
    for name, arn in triggers.team_functions().items():
        match = FUNCTION_ARN.match(arn)
        if match is not None:
            yield from _placement_problems(
                f"triggers.{name}.function_arn", arn, match.groupdict(), sections, "the function"
            )
    yield from _operation_problems(triggers)
    if sections.migration is not None and triggers.user_migration.function_arn is not None:
        yield (
            "triggers.user_migration.function_arn",
            "the slot is claimed twice: the `migration` section attaches the kit's migration "
            "function and this names yours, but Cognito calls one function per trigger; keep "
            "one",
        )
    yield from _pre_token_version_problems(triggers.pre_token_generation)
    yield from _sender_problems(triggers, sections)


def _operation_problems(triggers: TriggersConfig) -> Iterator[Reference]:
    # Imported here: infra.quota reads the environment model, which imports this module.
    from infra.quota import OPERATION_CATEGORIES, QUOTAS_PAGE

    for name, slot in triggers.slots().items():
        if unknown := sorted(set(slot.cognito_calls) - set(OPERATION_CATEGORIES)):
            yield (
                f"triggers.{name}.cognito_calls",
                f"{unknown} have no quota category in the kit's table; allowed: "
                f"{sorted(OPERATION_CATEGORIES)} (add a missing one to infra/quota.py from "
                f"{QUOTAS_PAGE})",
            )


def _pre_token_version_problems(tokens: PreTokenGenerationConfig) -> Iterator[Reference]:
    """A team function's event version must be able to carry what the file asks for."""
    if tokens.function_arn is None or tokens.lambda_version is None:
        return
    where = "triggers.pre_token_generation"
    version = tokens.lambda_version
    if version == "V1_0":
        needs_v2 = {
            "access_token_claims": tokens.access_token_claims,
            "group_scopes": tokens.group_scopes,
        }
        for key, value in needs_v2.items():
            if value:
                yield (
                    f"{where}.{key}",
                    "set, but lambda_version V1_0 events customize the ID token only: "
                    "access-token claims and scopes need V2_0 or V3_0",
                )
    if version in ("V1_0", "V2_0") and tokens.machine_clients:
        yield (
            f"{where}.machine_clients",
            f"set, but Cognito invokes the trigger for client-credentials (machine) tokens "
            f"only with lambda_version V3_0, not {version}",
        )


def _sender_problems(triggers: TriggersConfig, sections: Sections) -> Iterator[Reference]:
    senders = triggers.senders()
    key = triggers.custom_sender_key
    where = "triggers.custom_sender_key"
    if senders and key is None:
        yield (
            where,
            f"required: {', '.join(f'triggers.{s}' for s in senders)} receive codes and "
            "temporary passwords only encrypted with a KMS key; set `create` (a key only the "
            "senders' decrypt_role_arn may decrypt) or the ARN of your symmetric key",
        )
    if key is not None and not senders:
        yield (where, "has no effect: no custom_email_sender or custom_sms_sender function")
    if key is not None and (match := KMS_KEY_ARN.match(key)) is not None:
        yield from _placement_problems(where, key, match.groupdict(), sections, "the key")
    for name, sender in senders.items():
        role_key = f"triggers.{name}.decrypt_role_arn"
        role = sender.decrypt_role_arn
        if key == CREATE_KEY and role is None:
            yield (
                role_key,
                "required with custom_sender_key `create`: the kit's key lets only this role "
                "(your sender function's execution role) decrypt the codes",
            )
        if key is not None and key != CREATE_KEY and role is not None:
            yield (
                role_key,
                "has no effect with your own key: who may decrypt is your key policy's "
                "decision (docs/triggers.md lists what it must allow)",
            )
        if role is not None and (match := ROLE_ARN.match(role)) is not None:
            placement = {"account": match.group("account")}
            yield from _placement_problems(role_key, role, placement, sections, "the role")


# --- custom authentication: ALLOW_CUSTOM_AUTH and the three challenge triggers ---------------


def _custom_auth_problems(sections: Sections) -> Iterator[Reference]:
    triggers, clients = sections.triggers, sections.app_clients
    if triggers is None or clients is None:
        return
    attached = [name for name in CHALLENGE_KEYS if getattr(triggers, name).function_arn]
    missing = [f"triggers.{name}.function_arn" for name in CHALLENGE_KEYS if name not in attached]
    offering = sorted(c for c, client in clients.items() if "custom" in client.effective_auth_flows)
    for client_id in offering:
        if missing:
            yield (
                f"app_clients.{client_id}.auth_flows",
                f"`custom` (ALLOW_CUSTOM_AUTH) needs the three custom-challenge triggers "
                f"(define, create, verify); missing: {', '.join(missing)}. Without them "
                "Cognito fails every custom sign-in",
            )
    if attached and not offering:
        for name in attached:
            yield (
                f"triggers.{name}.function_arn",
                "set, but no app client offers the custom auth flow (auth_flows: [custom]), "
                "so Cognito never invokes it; add `custom` to a client's auth_flows or remove "
                "the custom-challenge triggers",
            )


# --- inbound federation: allow-listed provider groups in a kit-written attribute -------------


def _inbound_federation_problems(sections: Sections) -> Iterator[Reference]:
    triggers, pool, providers = sections.triggers, sections.user_pool, sections.identity_providers
    if triggers is None:
        return
    mapping = triggers.inbound_federation.group_mapping
    where = "triggers.inbound_federation.group_mapping"
    if providers is not None:
        enabled = enabled_providers(providers)
        allowed = sorted(
            p for p, c in enabled.items() if isinstance(c, SamlProvider | OidcProvider)
        )
        if unknown := sorted(set(mapping) - set(allowed)):
            yield (
                where,
                f"{unknown} are not enabled saml or oidc identity providers; allowed: {allowed} "
                "(social providers assert no groups)",
            )
        for provider_id, provider in enabled.items():
            if IDP_GROUPS_ATTRIBUTE in provider.effective_mapping():
                yield (
                    f"identity_providers.{provider_id}.attribute_mapping",
                    f"maps {IDP_GROUPS_ATTRIBUTE}, which only the kit's inbound federation "
                    "function writes (allow-listed groups); a provider writing it could name "
                    "any group. Map the group claim in triggers.inbound_federation.group_mapping",
                )
    if pool is None or not mapping:
        return
    for provider_id, provider_groups in mapping.items():
        if unknown := sorted(set(provider_groups.groups.values()) - set(pool.groups)):
            yield (
                f"{where}.{provider_id}.groups",
                f"{unknown} are not group ids; allowed: {sorted(pool.groups)}",
            )
    yield from _idp_groups_attribute_problems(pool, mapping)


def _idp_groups_attribute_problems(
    pool: UserPoolConfig, mapping: dict[str, Any]
) -> Iterator[Reference]:
    per_provider = [
        sorted({pool.groups[g].name for g in p.groups.values() if g in pool.groups})
        for p in mapping.values()
    ]
    names = sorted({n for group_names in per_provider for n in group_names})
    # The longest value the function can write: every mapped group of one provider, joined.
    longest = max((len(",".join(group_names)) for group_names in per_provider), default=0)
    yield from _rewritten_attribute_problems(
        pool,
        IDP_GROUPS_ATTRIBUTE,
        writer="the kit's inbound federation function writes it",
        missing=f"the kit's inbound federation function writes the allow-listed groups "
        f"({names}) to {IDP_GROUPS_ATTRIBUTE}",
        shortest=(longest, "the mapped group names, comma separated"),
        suggested_max=2048,
        not_user_writable="users would grant themselves groups",
    )


# --- choice-based sign-in (passwordless) ----------------------------------------------------


def choice_based_clients(clients: dict[str, AppClientConfig]) -> list[str]:
    """The app clients that offer choice-based sign-in (ALLOW_USER_AUTH)."""
    return [c for c, client in clients.items() if client.choice_based_sign_in]


def app_origins(client: AppClientConfig) -> list[str]:
    """The web origins (host names) a client's users sign in on: its https callback hosts, and
    `localhost` for http://localhost callbacks; private-use schemes and loopback addresses are
    not web origins a passkey can be bound to."""
    hosts = []
    for url in client.callback_urls:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            hosts.append(parts.hostname.lower())
        elif parts.scheme == "http" and parts.hostname == LOCALHOST:
            hosts.append(LOCALHOST)
    return sorted(set(hosts))


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith(f".{domain}")


def _common_parents(hosts: list[str]) -> list[str]:
    """The registrable domains (not public suffixes) every host is equal to or below."""
    if not hosts or LOCALHOST in hosts:
        return []
    labels = hosts[0].split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return [
        c
        for c in candidates
        if all(_under(h, c) for h in hosts) and not public_suffix(c) and len(c) <= 63
    ]


def _sign_in_problems(sections: Sections) -> Iterator[Reference]:
    pool, clients, domain = sections.user_pool, sections.app_clients, sections.domain
    if pool is None or clients is None:
        return
    factors = pool.sign_in.first_factors
    for client_id in choice_based_clients(clients):
        client = clients[client_id]
        where = f"app_clients.{client_id}"
        if pool.feature_plan == "lite":
            yield (
                f"{where}.choice_based_sign_in",
                "true needs user_pool.feature_plan essentials or plus (Cognito refuses "
                "ALLOW_USER_AUTH on lite); choose essentials, or set it false",
            )
        preferred = client.preferred_challenge
        if preferred is not None and preferred not in factors:
            yield (
                f"{where}.preferred_challenge",
                f"{preferred!r} is not among user_pool.sign_in.first_factors {list(factors)}: "
                "the app would ask for a method the pool refuses; choose one of those",
            )
    triggers = sections.triggers
    link = pool.messages.verification_email_style == "link"
    if link and triggers is not None and triggers.custom_message.enabled:
        yield (
            "user_pool.messages.verification_email_style",
            "`link` while triggers.custom_message is enabled: the trigger writes verification "
            "mail with a code, so the link would never reach users; choose `code`, or disable "
            "triggers.custom_message",
        )
    if not pool.sign_in.passkeys or domain is None:
        return
    if domain.managed_login_version == "classic":
        yield (
            "domain.managed_login_version",
            "`classic` with passkeys among user_pool.sign_in.first_factors: the classic hosted "
            "UI cannot register or use passkeys; choose `managed_login`",
        )
    yield from _relying_party_problems(sections, pool, clients, domain)


def _relying_party_problems(
    sections: Sections,
    pool: UserPoolConfig,
    clients: dict[str, AppClientConfig],
    domain: DomainConfig,
) -> Iterator[Reference]:
    key = "user_pool.sign_in.passkey.relying_party_id"
    chosen = pool.sign_in.passkey.relying_party_id
    if chosen is None:
        yield from _in_app_passkey_problems(None, clients, choice_based_clients(clients), domain)
        hosted = longest_hosted_domain(domain, sections.region)
        if len(hosted) > RELYING_PARTY_ID_MAX:
            where = f"in {sections.region}" if sections.region else "in the longest region names"
            yield (
                key,
                f"not set, so it is the hosted domain, {hosted} {where}: {len(hosted)} "
                f"characters, and CloudFormation allows {RELYING_PARTY_ID_MAX}; shorten "
                "domain.prefix, pin region, or set relying_party_id to a parent domain of the "
                "app origins",
            )
        return
    users = choice_based_clients(clients)
    yield from _in_app_passkey_problems(chosen, clients, users, domain)
    if hosted_domain_pattern(domain, sections.region).match(chosen):
        return
    origins = {c: app_origins(clients[c]) for c in users}
    hosts = sorted({h for found in origins.values() for h in found if h != LOCALHOST})
    if chosen == LOCALHOST:
        hosts = sorted({h for found in origins.values() for h in found})
    allowed = [_hosted_name(domain), *_common_parents(hosts)]
    if public_suffix(chosen):
        yield (
            key,
            f"{chosen!r} is a public suffix: no browser binds a passkey to it; allowed: {allowed}",
        )
        return
    outside = sorted(h for h in hosts if not _under(h, chosen))
    if not hosts or outside:
        what = (
            f"the origins {outside} of the app clients with choice_based_sign_in are not "
            "below it, so passkey registration fails there"
            if outside
            else "no app client with choice_based_sign_in signs in below it"
        )
        yield (
            key,
            f"{chosen!r} is neither the hosted domain nor a parent of the app origins: {what}; "
            f"allowed: {allowed}",
        )


def _in_app_passkey_problems(
    chosen: str | None, clients: dict[str, AppClientConfig], users: list[str], domain: DomainConfig
) -> Iterator[Reference]:
    """A client that asks for passkeys first signs in inside the app (Amplify's signIn): the
    browser refuses a relying party its origin is not equal to or below."""
    relying_party = chosen or domain.custom_domain
    for client_id in users:
        if clients[client_id].preferred_challenge != "passkey":
            continue
        hosts = [h for h in app_origins(clients[client_id]) if h != LOCALHOST]
        outside = [h for h in hosts if relying_party is None or not _under(h, relying_party)]
        if outside:
            shown = relying_party or _hosted_name(domain)
            yield (
                f"app_clients.{client_id}.preferred_challenge",
                f"`passkey`, but the passkey relying party {shown} does not cover the app's "
                f"origins {outside}: the browser refuses passkey sign-in there; set "
                f"user_pool.sign_in.passkey.relying_party_id to one of {_common_parents(hosts)} "
                "(managed login on the hosted domain then offers no passkeys), or drop "
                "preferred_challenge",
            )


def _hosted_name(domain: DomainConfig) -> str:
    if domain.custom_domain is not None:
        return domain.custom_domain
    return f"{domain.prefix}.auth.<region>.amazoncognito.com"


def _sign_in_warnings(sections: Sections) -> Iterator[Reference]:
    pool, clients = sections.user_pool, sections.app_clients
    if pool is None or clients is None:
        return
    users = choice_based_clients(clients)
    passwordless = pool.sign_in.passwordless
    if not passwordless:
        for client_id in users:
            yield (
                f"app_clients.{client_id}.choice_based_sign_in",
                "true while user_pool.sign_in.first_factors is [password]: it adds nothing but "
                "password and SRP sign-in through USER_AUTH; add email_otp, sms_otp or passkey "
                "to first_factors, or set it false",
            )
        return
    if not users:
        interactive = sorted(c for c, client in clients.items() if client.kind != "machine")
        yield (
            "user_pool.sign_in.first_factors",
            f"{list(passwordless)} are on, but no app client offers them: set "
            f"app_clients.<id>.choice_based_sign_in: true on the clients that should (here: "
            f"{interactive}), or keep first_factors [password]",
        )


# --- multi-Region: a replica has what its primary needs; verifiers accept what tokens carry ---


def sends_sms(pool: UserPoolConfig) -> bool:
    """Whether the pool sends text messages (and the CDK gives it an SMS role): SMS MFA, phone
    sign-in, or a phone number it verifies."""
    return (
        (pool.mfa.mode != "off" and pool.mfa.sms)
        or "phone" in pool.sign_in_identifiers
        or "phone_number" in pool.standard_attributes
    )


def replica_function_arn(
    triggers: TriggersConfig, replica: ReplicaConfig, slot: str, region: str
) -> str | None:
    """The team's function a replica in `region` runs in `slot`: the replica's own, else the
    primary's when it is written with `{region}` (it then names the replica's Region), else
    None (missing)."""
    if slot in replica.functions:
        return replica.functions[slot]
    arn = triggers.slots()[slot].function_arn
    if arn is None:
        return None
    match = FUNCTION_ARN.match(arn)
    return arn if match is not None and match["region"] == "{region}" else None


def multi_region_problems(sections: Sections) -> Iterator[Reference]:
    """The issuer forms the APIs can accept, the pool key's Region, and, per replica, every
    setting its primary needs there (plan, key, Region, mail sender, trigger functions)."""
    config = sections.multi_region
    if config is None:
        return
    where = "multi_region"
    key_match = POOL_KEY_ARN.match(config.key or "")
    if key_match is not None:
        yield from _placement_problems(
            f"{where}.key", config.key or "", key_match.groupdict(), sections, "the key"
        )
    yield from _issuer_api_problems(config, sections)
    for region, replica in config.replicas.items():
        yield from _replica_problems(config, region, replica, sections)


def _issuer_api_problems(config: MultiRegionConfig, sections: Sections) -> Iterator[Reference]:
    apis = sections.apis
    if apis is None or not (apis.http or apis.rest):
        return
    if config.replicas and "original" in config.accepted_forms:
        yield (
            "multi_region.accepted_issuers" if config.accepted_issuers else "multi_region.issuer",
            "the original issuer form names the Region that issued a token, so the replica's "
            "tokens carry another issuer than the primary's, and an API authorizer checks one "
            "pool in one Region: with a replica and APIs, set issuer: updated (the same issuer "
            "in every Region) and accept only it",
        )
    if apis.http and len(config.accepted_forms) > 1:
        yield (
            "multi_region.accepted_issuers",
            f"{list(config.accepted_forms)}: an HTTP API's JWT authorizer (API Gateway) accepts "
            f"exactly one issuer, so apis.http ({', '.join(apis.http)}) cannot accept both "
            "forms; switch in one step (issuer and accepted_issuers together): HTTP APIs then "
            "refuse tokens issued before the deploy until the apps refresh them (at most the "
            "access token validity)",
        )


def _replica_problems(
    config: MultiRegionConfig, region: str, replica: ReplicaConfig, sections: Sections
) -> Iterator[Reference]:
    where = f"multi_region.replicas.{region}"
    primary = sections.region
    for part, pinned in (("region", sections.region), ("account", sections.account)):
        if pinned is None:
            yield (
                where,
                f"a replica needs the environment's {part} pinned: its stacks in two Regions "
                f"refer to each other, which the CDK resolves only between pinned stacks; set "
                f"`{part}:` in the file",
            )
    if primary is not None and region == primary:
        yield (
            where,
            f"is the primary's Region ({primary}): a replica serves sign-ins when that Region "
            "is down, so it must be in another Region",
        )
    for name, value in (("the replica's", region), ("the primary's", primary)):
        if value is not None and value not in REPLICA_REGIONS:
            yield (
                where,
                f"{name} Region {value} has no AWS::Cognito::UserPoolReplica or "
                "UserPoolRegionalConfigurationAttachment in CloudFormation (the pinned "
                f"cfn-lint's registry schemas); Regions that have both: "
                f"{', '.join(sorted(REPLICA_REGIONS))}",
            )
    if primary is not None and partition_of(region) != partition_of(primary):
        yield (
            where,
            f"is in partition {partition_of(region)}, the primary ({primary}) in "
            f"{partition_of(primary)}: a multi-Region key and its replica stay in one partition",
        )
    pool = sections.user_pool
    if pool is not None and pool.feature_plan == "lite":
        yield (
            where,
            "needs user_pool.feature_plan essentials or plus: Cognito offers multi-Region "
            "replication on those plans only",
        )
    if not config.multi_region_key:
        yield (
            "multi_region.key",
            f"{config.key or 'not set (AWS-owned)'}: a replica needs a customer-managed "
            "multi-Region key, available in every Region of the pool: `create`, or the ARN of "
            "your key whose id starts with mrk- (replicated to "
            f"{region} by you)",
        )
    if pool is not None:
        yield from _replica_mail_problems(where, region, replica, pool)
    if sections.triggers is not None:
        yield from _replica_trigger_problems(where, region, replica, sections)


def _replica_mail_problems(
    where: str, region: str, replica: ReplicaConfig, pool: UserPoolConfig
) -> Iterator[Reference]:
    email = replica.email
    if pool.email.sender == "ses" and email is None:
        yield (
            f"{where}.email",
            "required: the pool sends its mail through SES (user_pool.email.sender), and "
            f"the replica sends its own while it serves; give an SES identity verified in "
            f"{region} (email: {{ses_identity_arn: arn:aws:ses:{region}:<account>:identity/"
            "<domain>})",
        )
    if email is None:
        pass
    elif pool.email.sender != "ses":
        yield (
            f"{where}.email",
            "has no effect: the pool sends through Cognito's own sender (user_pool.email."
            "sender: cognito), and so does its replica",
        )
    else:
        if email.ses_region != region:
            yield (
                f"{where}.email.ses_identity_arn",
                f"is in {email.ses_region}: the replica's mail must not depend on another "
                f"Region, so its SES identity is verified in {region}",
            )
        identity = SES_IDENTITY_ARN_PATTERN.match(email.ses_identity_arn)
        address = email.from_address or pool.email.from_address or ""
        if identity and not covered_by_identity(address, identity["identity"]):
            yield (
                f"{where}.email.from_address",
                f"{address!r} is not covered by the SES identity {identity['identity']!r}",
            )
    if replica.sms_region is not None and not sends_sms(pool):
        yield (f"{where}.sms_region", "has no effect: the pool sends no text messages")


def _replica_trigger_problems(
    where: str, region: str, replica: ReplicaConfig, sections: Sections
) -> Iterator[Reference]:
    triggers = sections.triggers
    assert triggers is not None
    team = triggers.team_functions()
    for slot in replica_slots():
        if slot not in team:
            if slot in replica.functions:
                kit = slot in KIT_SLOT_KEYS and getattr(triggers.slots()[slot], "enabled", False)
                yield (
                    f"{where}.functions.{slot}",
                    "the kit deploys its own function in the replica's Region for this slot"
                    if kit
                    else f"the primary runs no function of yours in {slot} "
                    f"(triggers.{slot}.function_arn), so the replica runs none either",
                )
            continue
        arn = replica_function_arn(triggers, replica, slot, region)
        if arn is None:
            yield (
                f"{where}.functions",
                f"missing {slot}: triggers.{slot}.function_arn names a function in the "
                f"primary's Region, and Cognito invokes only functions of its own Region; "
                f"name your function in {region} (functions: {{{slot}: arn:aws:lambda:"
                f"{region}:<account>:function:<name>}}), or write {{region}} in "
                "function_arn when it has the same name in both Regions",
            )
            continue
        match = FUNCTION_ARN.match(arn)
        if match is not None and slot in replica.functions:
            yield from _replica_placement(
                f"{where}.functions.{slot}", arn, match.groupdict(), region, sections
            )
    senders = triggers.senders()
    key_where = f"{where}.custom_sender_key"
    if senders and replica.custom_sender_key is None:
        yield (
            key_where,
            f"required: {', '.join(f'triggers.{s}' for s in senders)} receive codes encrypted "
            f"with a KMS key of the pool's Region; give the key in {region} they decrypt with "
            "there",
        )
    if replica.custom_sender_key is not None:
        if not senders:
            yield (key_where, "has no effect: no custom_email_sender or custom_sms_sender")
        elif (match := KMS_KEY_ARN.match(replica.custom_sender_key)) is None:
            yield (
                key_where,
                "allowed: a KMS key ARN arn:aws:kms:<region>:<account>:key/<key id> "
                "({region}, {account}, {partition} stand for the replica's own)",
            )
        else:
            yield from _replica_placement(
                key_where, replica.custom_sender_key, match.groupdict(), region, sections
            )


def _replica_placement(
    where: str, arn: str, parts: dict[str, str | None], region: str, sections: Sections
) -> Iterator[Reference]:
    """An ARN of the replica's Region (literally or with `{region}`) and the pool's account."""
    named = parts.get("region")
    if named not in (None, "{region}", region):
        yield (
            where,
            f"{arn!r} is in {named}, the replica in {region}: Cognito invokes functions and "
            "uses keys of the replica's own Region",
        )
    yield from _placement_problems(where, arn, {"account": parts.get("account")}, sections, "it")
