"""Pre token generation trigger (event versions 2 and 3): claims and scopes from configuration.

Trigger sources handled: ``TokenGeneration_HostedAuth``, ``TokenGeneration_Authentication``,
``TokenGeneration_NewPasswordChallenge``, ``TokenGeneration_AuthenticateDevice``,
``TokenGeneration_RefreshTokens``, ``TokenGeneration_ClientCredentials`` (machine-to-machine:
no user attributes or groups, no ID token, so only the access token is customised). Version 1
events (a pool configured with trigger version ``V1_0``) have another response shape and are
returned unchanged with a warning, as are unknown sources and events that are not JSON objects.
Version 3 differs from version 2 only in also covering client-credentials grants.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``id_token_claims`` (object: claim name -> user attribute name, default ``{}``)
    e.g. ``{"tenant_id": "custom:tenant_id"}``. A claim is added only when the user has the
    attribute as a string; a missing attribute adds nothing.
``access_token_claims`` (object: claim name -> user attribute name, default ``{}``)
    The same, for the access token.
``groups_claim`` (string or null, default null)
    Adds the user's groups (``request.groupConfiguration.groupsToOverride``) as a list claim of
    this name to both tokens, ``[]`` for a user in no group.
``suppress_claims`` (array of strings, default ``[]``)
    Claims removed from both tokens.
``group_scopes`` (object: group name -> array of scopes, default ``{}``)
    Scopes reserved to members of the group. A scope listed here (a *group scope*) reaches a
    user's access token only when the user is in a group that lists it AND the client that asks
    for the token may request it (``client_scopes``): members get it added, everyone else has
    it suppressed, even when they asked for it through a client that may request it. A REST API
    authorizer decides on scopes alone, so a scope must never reach a client that was not
    granted it, and a group must mean something in the hosted UI's authorization-code flow too.
``client_scopes`` (object: app client name -> array of group scopes it may request, default
    ``{}``)
    The event names the client by id (``callerContext.clientId``); the trigger finds its name as
    for ``machine_clients``. A client that cannot be found (lookup failed, unknown, or a name two
    clients share) gets no group scope, and every group scope is suppressed (fail closed).
``machine_clients`` (object: app client name -> ``{"claims": {claim: value}, "scopes": [...]}``,
    default ``{}``)
    Fixed claims and scopes added to the client-credentials access tokens of that machine client
    (event version 3 only). The event names the client by id, so the trigger lists the pool's
    clients (ListUserPoolClients: ids and names, never secrets) and keeps the id -> name map for
    ``CLIENT_NAMES_TTL_SECONDS``; a name two clients share matches neither. Only this path
    imports boto3, so user sign-ins never pay for it.

Protected names: a claim in ``RESERVED_CLAIMS`` or starting with ``cognito:`` (compared
case-insensitively) is never added, overridden or suppressed, and a scope in ``RESERVED_SCOPES``
is never added; such configuration entries are skipped with a warning. The set covers the claims
Amazon Cognito does not let a trigger change, plus ``email_verified`` and
``phone_number_verified``: a token must never claim a verification Cognito did not perform.
``aws.cognito.signin.user.admin`` lets users rewrite their own attributes, so it is granted only
through app-client settings. A claim both added and suppressed is a configuration error.

Failure policy (pass through): a missing or invalid ``TRIGGER_CONFIG`` is logged at ERROR level
and the event is returned unchanged, so tokens are issued with Cognito's default claims: no
configured claim or scope is added and no claim is suppressed. An unexpected error is logged the
same way, and the response then only suppresses every group scope (a scope reserved to a group
is never issued by accident). A failed client lookup is logged at ERROR level: the machine token
gets no machine claims or scopes, a user token no group scope. Consumers must treat a missing
custom claim as "no access", never as a default grant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        cognito_client,
        ensure_response,
        get_str,
        log_context,
        run_or_pass_through,
        str_list,
    )
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import (  # type: ignore[import-not-found, no-redef]
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        cognito_client,
        ensure_response,
        get_str,
        log_context,
        run_or_pass_through,
        str_list,
    )

logger = logging.getLogger(__name__)

CLIENT_CREDENTIALS: Final = "TokenGeneration_ClientCredentials"
SOURCES: Final = frozenset(
    {
        "TokenGeneration_HostedAuth",
        "TokenGeneration_Authentication",
        "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice",
        "TokenGeneration_RefreshTokens",
        CLIENT_CREDENTIALS,
    }
)
SUPPORTED_VERSIONS: Final = frozenset({"2", "3"})

RESERVED_CLAIMS: Final = frozenset(
    {
        "acr",
        "amr",
        "at_hash",
        "aud",
        "auth_time",
        "azp",
        "c_hash",
        "client_id",
        "device_key",
        "email_verified",
        "event_id",
        "exp",
        "iat",
        "identities",
        "iss",
        "jti",
        "nbf",
        "nonce",
        "origin_jti",
        "phone_number_verified",
        "scope",
        "sub",
        "token_use",
        "username",
        "version",
    }
)
RESERVED_CLAIM_PREFIXES: Final = ("cognito:",)  # cognito:username, cognito:groups, cognito:roles...
RESERVED_SCOPES: Final = frozenset(
    {"openid", "profile", "email", "phone", "aws.cognito.signin.user.admin"}
)
KNOWN_KEYS: Final = (
    "id_token_claims",
    "access_token_claims",
    "groups_claim",
    "suppress_claims",
    "group_scopes",
    "client_scopes",
    "machine_clients",
)
MACHINE_KEYS: Final = ("claims", "scopes")
MAX_CLAIM_VALUE_LEN: Final = 2048
CLIENT_NAMES_TTL_SECONDS: Final = 300.0
LIST_CLIENTS_PAGE_SIZE: Final = 60  # the most ListUserPoolClients returns per page
LIST_CLIENTS_MAX_PAGES: Final = 20  # 1,200 clients: above Cognito's quota per pool


_EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
_NO_SCOPES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({})


class MachineClient(NamedTuple):
    """What one machine client's access tokens get."""

    claims: Mapping[str, str] = _EMPTY
    scopes: tuple[str, ...] = ()


_NO_MACHINES: Final[Mapping[str, MachineClient]] = MappingProxyType({})


class Config(NamedTuple):
    id_token_claims: Mapping[str, str] = _EMPTY
    access_token_claims: Mapping[str, str] = _EMPTY
    groups_claim: str | None = None
    suppress_claims: tuple[str, ...] = ()
    group_scopes: Mapping[str, tuple[str, ...]] = _NO_SCOPES
    machine_clients: Mapping[str, MachineClient] = _NO_MACHINES
    client_scopes: Mapping[str, tuple[str, ...]] = _NO_SCOPES

    @property
    def gated_scopes(self) -> tuple[str, ...]:
        """Every group scope: reserved to the members of a group that lists it."""
        return tuple(sorted({s for scopes in self.group_scopes.values() for s in scopes}))


def is_reserved_claim(name: str) -> bool:
    lowered = name.lower()
    return lowered in RESERVED_CLAIMS or lowered.startswith(RESERVED_CLAIM_PREFIXES)


def _skip_reserved(key: str, names: Sequence[str]) -> list[str]:
    kept = []
    for name in names:
        if is_reserved_claim(name):
            logger.warning(
                "skipping a reserved claim from the configuration",
                extra={"config_key": key, "claim": name},
            )
        else:
            kept.append(name)
    return kept


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem.

    Reserved claims and scopes are dropped with a warning rather than rejected.
    """
    reader = ConfigReader(raw, KNOWN_KEYS)
    id_raw = reader.string_map("id_token_claims")
    access_raw = reader.string_map("access_token_claims")
    id_claims = {c: id_raw[c] for c in _skip_reserved("id_token_claims", list(id_raw))}
    access_claims = {
        c: access_raw[c] for c in _skip_reserved("access_token_claims", list(access_raw))
    }
    groups_claim = reader.optional_string("groups_claim", max_len=256)
    if groups_claim is not None and not _skip_reserved("groups_claim", [groups_claim]):
        groups_claim = None
    suppress = tuple(
        dict.fromkeys(_skip_reserved("suppress_claims", reader.string_list("suppress_claims")))
    )
    for claim in suppress:
        if claim in id_claims or claim in access_claims or claim == groups_claim:
            reader.problem("suppress_claims", f"{claim!r} is both added and suppressed")
    if groups_claim is not None and (groups_claim in id_claims or groups_claim in access_claims):
        reader.problem("groups_claim", f"{groups_claim!r} is also mapped from an attribute")

    group_scopes = {
        group: _kept_scopes(reader, f"group_scopes.{group}", scopes)
        for group, scopes in reader.string_list_map("group_scopes").items()
    }
    client_scopes = {
        name: _kept_scopes(reader, f"client_scopes.{name}", scopes)
        for name, scopes in reader.string_list_map("client_scopes").items()
    }
    machines = _machine_clients(reader)
    for name, machine in machines.items():
        if both := sorted(set(machine.claims) & set(suppress)):
            reader.problem(f"machine_clients.{name}", f"{both} are both added and suppressed")
    reader.finish()
    return Config(
        id_token_claims=MappingProxyType(id_claims),
        access_token_claims=MappingProxyType(access_claims),
        groups_claim=groups_claim,
        suppress_claims=suppress,
        group_scopes=MappingProxyType(group_scopes),
        machine_clients=MappingProxyType(machines),
        client_scopes=MappingProxyType(client_scopes),
    )


def _kept_scopes(reader: ConfigReader, key: str, scopes: Sequence[str]) -> tuple[str, ...]:
    """Valid scopes without reserved ones (skipped with a warning) and without repeats."""
    kept: list[str] = []
    for scope in scopes:
        if any(char.isspace() for char in scope) or not scope.isprintable():
            reader.problem(key, f"{scope!r} is not a valid scope")
        elif scope in RESERVED_SCOPES:
            logger.warning(
                "skipping a reserved scope from the configuration",
                extra={"config_key": key, "scope": scope},
            )
        elif scope not in kept:
            kept.append(scope)
    return tuple(kept)


def _machine_clients(reader: ConfigReader) -> dict[str, MachineClient]:
    machines: dict[str, MachineClient] = {}
    for name, raw in reader.object_map("machine_clients").items():
        key = f"machine_clients.{name}"
        entry = ConfigReader(raw, MACHINE_KEYS)
        claims_raw = entry.string_map("claims")
        claims = {c: claims_raw[c] for c in _skip_reserved(f"{key}.claims", list(claims_raw))}
        if long := sorted(c for c, v in claims.items() if len(v) > MAX_CLAIM_VALUE_LEN):
            entry.problem("claims", f"{long} are longer than {MAX_CLAIM_VALUE_LEN} characters")
        scopes = _kept_scopes(entry, "scopes", entry.string_list("scopes"))
        reader.problems.extend(f"{key}: {problem}" for problem in entry.problems)
        machines[name] = MachineClient(MappingProxyType(claims), scopes)
    return machines


CONFIG: Final = LazyConfig(parse_config)


def _claims_from_attributes(
    mapping: Mapping[str, str], attributes: Mapping[str, object]
) -> dict[str, object]:
    claims: dict[str, object] = {}
    for claim, attribute in mapping.items():
        value = attributes.get(attribute)
        if isinstance(value, str):
            claims[claim] = value
    return claims


def build_overrides(
    source: str,
    attributes: Mapping[str, object],
    groups: Sequence[str],
    config: Config,
    machine_client: MachineClient | None = None,
    client_scopes: Collection[str] = (),
) -> JsonDict:
    """The ``claimsAndScopeOverrideDetails`` for one token request (pure).

    ``machine_client`` is what the calling machine client gets; it applies only to a
    client-credentials request. ``client_scopes`` are the group scopes the calling client may
    request (a user token gets a group scope only if both the user's groups and the client
    allow it; every other group scope is suppressed).
    """
    machine = source == CLIENT_CREDENTIALS
    id_claims = _claims_from_attributes(config.id_token_claims, attributes)
    access_claims = _claims_from_attributes(config.access_token_claims, attributes)
    if config.groups_claim is not None and not machine:
        id_claims[config.groups_claim] = list(groups)
        access_claims[config.groups_claim] = list(groups)
    scopes: list[str] = []
    suppressed: list[str] = []
    if not machine:
        for group in groups:
            for scope in config.group_scopes.get(group, ()):
                if scope not in scopes and scope in client_scopes:
                    scopes.append(scope)
        suppressed = [scope for scope in config.gated_scopes if scope not in scopes]
    if machine and machine_client is not None:
        access_claims.update(machine_client.claims)
        scopes.extend(s for s in machine_client.scopes if s not in scopes)
    overrides: JsonDict = {
        "accessTokenGeneration": {
            "claimsToAddOrOverride": access_claims,
            "claimsToSuppress": list(config.suppress_claims),
            "scopesToAdd": scopes,
            "scopesToSuppress": suppressed,
        }
    }
    if not machine:
        overrides["idTokenGeneration"] = {
            "claimsToAddOrOverride": id_claims,
            "claimsToSuppress": list(config.suppress_claims),
        }
    return overrides


def event_version(event: JsonDict) -> str | None:
    version = event.get("version")
    if isinstance(version, bool):
        return None
    if isinstance(version, str | int):
        return str(version)
    return None


# --- machine clients ----------------------------------------------------------------------


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


class ClientNames:
    """App client id -> name per user pool, listed with ListUserPoolClients and kept for
    ``ttl`` seconds (a client created meanwhile gets its claims once the list is refreshed)."""

    def __init__(
        self, ttl: float = CLIENT_NAMES_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._pools: dict[str, tuple[float, dict[str, str]]] = {}

    def reset(self) -> None:
        self._pools.clear()

    def unique_name(self, client: Any, user_pool_id: str, client_id: str) -> str | None:
        """The client's name if no other client of the pool has it; None otherwise.

        Raises the AWS error of a failed listing; a malformed answer counts as no clients.
        """
        cached = self._pools.get(user_pool_id)
        if cached is None or cached[0] <= self._clock():
            cached = (self._clock() + self._ttl, _list_client_names(client, user_pool_id))
            self._pools[user_pool_id] = cached
        names = cached[1]
        name = names.get(client_id)
        if name is None or list(names.values()).count(name) > 1:
            return None
        return name


def _list_client_names(client: Any, user_pool_id: str) -> dict[str, str]:
    names: dict[str, str] = {}
    token: str | None = None
    for _ in range(LIST_CLIENTS_MAX_PAGES):
        params: dict[str, object] = {
            "UserPoolId": user_pool_id,
            "MaxResults": LIST_CLIENTS_PAGE_SIZE,
        }
        if token is not None:
            params["NextToken"] = token
        page = client.list_user_pool_clients(**params)
        clients = page.get("UserPoolClients") if isinstance(page, dict) else None
        for item in clients if isinstance(clients, list) else []:
            client_id, name = get_str(item, "ClientId"), get_str(item, "ClientName")
            if client_id and name:
                names[client_id] = name
        token = get_str(page, "NextToken") or None
        if token is None:
            break
    return names


CLIENT_NAMES: Final = ClientNames()


def _client_name(event: JsonDict, client_factory: Callable[[], Any]) -> str | None:
    """The unique name of the app client that asks for the token; None (logged) when unknown."""
    user_pool_id = get_str(event, "userPoolId")
    client_id = get_str(child(event, "callerContext"), "clientId")
    if not user_pool_id or not client_id:
        logger.warning("token event without pool or client id", extra=log_context(event))
        return None
    try:
        return CLIENT_NAMES.unique_name(client_factory(), user_pool_id, client_id)
    except _aws_errors() as error:
        code = get_str(child(getattr(error, "response", None), "Error"), "Code")
        logger.error(
            "cannot list the app clients; issuing the token without client-specific claims "
            "or scopes",
            extra={**log_context(event), "error_code": code or type(error).__name__},
        )
        return None


def machine_client_of(
    event: JsonDict, config: Config, client_factory: Callable[[], Any]
) -> MachineClient | None:
    """The configured entry of the machine client that asks for a token, if any."""
    if not config.machine_clients:
        return None
    name = _client_name(event, client_factory)
    return config.machine_clients.get(name) if name is not None else None


def client_scopes_of(
    event: JsonDict, config: Config, client_factory: Callable[[], Any]
) -> tuple[str, ...]:
    """The group scopes the client that asks for a user token may request; none when the
    client cannot be told (fail closed)."""
    if not config.group_scopes:
        return ()
    name = _client_name(event, client_factory)
    return config.client_scopes.get(name, ()) if name is not None else ()


def process_event(
    event: JsonDict, config: Config, client_factory: Callable[[], Any] = cognito_client
) -> JsonDict:
    """Set ``response.claimsAndScopeOverrideDetails``; never raises for a malformed event."""
    source = get_str(event, "triggerSource")
    if source not in SOURCES:
        return event
    if event_version(event) not in SUPPORTED_VERSIONS:
        logger.warning(
            "pre token generation event is not version 2 or 3; configure the trigger as V2_0"
            " (or V3_0 for client credentials). Returning the event unchanged",
            extra=log_context(event),
        )
        return event
    request = child(event, "request")
    attributes = child(request, "userAttributes")
    groups = str_list(child(request, "groupConfiguration").get("groupsToOverride"))
    machine = source == CLIENT_CREDENTIALS
    machine_client = machine_client_of(event, config, client_factory) if machine else None
    allowed = () if machine else client_scopes_of(event, config, client_factory)
    overrides = build_overrides(source, attributes, groups, config, machine_client, allowed)
    ensure_response(event)["claimsAndScopeOverrideDetails"] = overrides
    return event


def _process_or_withhold(event: JsonDict, config: Config) -> JsonDict:
    """`process_event`, and on an unexpected error a response that withholds every group scope
    from a user token: passing the event through would issue whatever scopes were asked for."""
    try:
        return process_event(event, config)
    except Exception:
        logger.exception(
            "unexpected error; issuing the token without configured claims and group scopes",
            extra=log_context(event),
        )
        source = get_str(event, "triggerSource")
        user_token = source != CLIENT_CREDENTIALS and event_version(event) in SUPPORTED_VERSIONS
        if config.gated_scopes and user_token:
            ensure_response(event)["claimsAndScopeOverrideDetails"] = {
                "accessTokenGeneration": {"scopesToSuppress": list(config.gated_scopes)}
            }
        return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the failure policy."""
    return run_or_pass_through(
        event,
        sources=SOURCES,
        config=CONFIG,
        process=_process_or_withhold,
        logger=logger,
        fallback="issuing default tokens",
    )
