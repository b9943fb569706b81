"""Inbound federation trigger: a provider's groups become pool groups only through an allow-list.

Trigger source handled: ``InboundFederation_ExternalProvider`` (every federated sign-in, the
first and every later one, before Cognito maps the provider's attributes to the user). Any
other source, or an event that is not a JSON object, is returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-inbound-federation.html
(event version 1, the only one: ``LambdaVersion`` V1_0). ``request.providerName`` and
``request.providerType`` come from the pool; ``request.attributes`` holds what the provider sent:
``samlResponse`` for SAML, ``tokenResponse``, ``idToken`` and ``userInfo`` for OIDC.
``response.userAttributesToMap`` replaces those attributes before the provider's attribute
mapping runs: every attribute to keep must be in it, and ``{}`` keeps them all unchanged.

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``attribute`` (string, required)
    The provider attribute name the function writes, which the kit's attribute mapping of each
    configured provider maps to the pool attribute of the same name (``custom:idp_groups``).
``providers`` (object: provider name -> ``{"type", "claim", "groups"}``, required)
    ``type`` is ``SAML`` or ``OIDC``; ``claim`` the provider attribute carrying the user's
    groups; ``groups`` maps a provider group's stable id to a pool group name.

What the function answers for a configured provider: every attribute the provider sent,
unchanged, except ``attribute`` (under any capitalisation), which is set to the pool group
names its allow-list maps the user's groups to, sorted and comma separated, or to the empty
string: a provider can never write it itself, and a membership removed at the provider is
cleared at the next sign-in (a mapped attribute left out keeps its old value).

Abuse cases, each with a test that fails without its protection (tests/lambda_triggers/
test_inbound_federation.py):

- a provider asserting a group it does not own: the allow-list is per provider, looked up by
  the pool's ``providerName``, never by anything the provider sends;
- a provider writing the pool attribute directly (an attribute named ``custom:idp_groups``):
  dropped, then set from the allow-list;
- an oversized or malformed claim: more than ``MAX_CLAIM_CHARS`` characters or
  ``MAX_GROUPS`` values maps no group (less access, never more); items that are not strings
  are skipped, and one with a control character matches no allow-listed id (those have none);
- a renamed group: matching is by the configured stable id, exactly (case-sensitive, no
  prefix, no normalisation), so a display name renamed to look like an allowed group maps
  nothing;
- unknown event shapes: a configured provider whose attributes are missing or of the wrong
  type, a provider type that is not the configured one, or no provider name fails the sign-in
  with ``FederationUnavailable`` instead of passing the provider's attributes through.

Failure policy (fail closed): a missing or invalid ``TRIGGER_CONFIG``, a malformed event for a
configured provider or an unexpected error raises ``FederationUnavailable`` ("Sign-in could not
be completed right now. Please try again"): answering ``{}`` would let the provider's own
attributes reach the mapping. A provider the configuration does not name is passed through
(``{}``): no mapping of it writes the pool attribute. Attribute values are never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigError,
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        ensure_response,
        get_str,
        log_context,
    )
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import (  # type: ignore[import-not-found, no-redef]
        ConfigError,
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        ensure_response,
        get_str,
        log_context,
    )

logger = logging.getLogger(__name__)

SOURCE: Final = "InboundFederation_ExternalProvider"
KNOWN_KEYS: Final = ("attribute", "providers")
PROVIDER_KEYS: Final = ("type", "claim", "groups")
# Where each provider type's attributes arrive. For OIDC the ID token wins over userInfo and
# the token response when they disagree: it is the part the provider signed.
SOURCES: Final[Mapping[str, tuple[str, ...]]] = {
    "SAML": ("samlResponse",),
    "OIDC": ("tokenResponse", "userInfo", "idToken"),
}
GENERIC_FAILURE_MESSAGE: Final = "Sign-in could not be completed right now. Please try again"
# A group claim longer than this, or with more values, maps nothing: Cognito's own mapped
# attributes hold at most 2,048 characters, and enterprise IdPs that send hundreds of groups
# are the case AWS built this trigger for; the allow-list then says which few matter.
MAX_CLAIM_CHARS: Final = 100_000
MAX_GROUPS: Final = 1_000
MAX_GROUP_LEN: Final = 256
MAX_ATTRIBUTE_LEN: Final = 2_048  # Cognito's limit for a custom string attribute


class FederationUnavailable(Exception):  # noqa: N818 - the name says what the user experiences
    """Raised to fail the sign-in closed; Cognito shows the message to the user."""

    def __init__(self, message: str = GENERIC_FAILURE_MESSAGE) -> None:
        super().__init__(message)


class ProviderGroups(NamedTuple):
    type: str
    claim: str
    groups: Mapping[str, str]


class Config(NamedTuple):
    attribute: str
    providers: Mapping[str, ProviderGroups]


def _printable(value: str) -> bool:
    return value.isprintable() and value == value.strip()


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem."""
    reader = ConfigReader(raw, KNOWN_KEYS)
    attribute = reader.optional_string("attribute", max_len=128)
    if attribute is None:
        reader.problem("attribute", "required: the attribute the function writes")
    elif not attribute.startswith("custom:") or not _printable(attribute):
        reader.problem("attribute", "expected a custom attribute name (custom:<name>)")
    providers: dict[str, ProviderGroups] = {}
    entries = reader.object_map("providers")
    if not entries:
        reader.problem("providers", "required: at least one provider with its allow-list")
    for name, entry in entries.items():
        provider = ConfigReader(entry, PROVIDER_KEYS)
        kind = provider.optional_string("type", max_len=8)
        claim = provider.optional_string("claim", max_len=2048)
        groups = provider.string_map("groups")
        if kind not in SOURCES:
            provider.problem("type", f"expected one of {sorted(SOURCES)}")
        if claim is None:
            provider.problem("claim", "required: the provider attribute that carries groups")
        if not groups:
            provider.problem("groups", "required: provider group id -> pool group name")
        for group, target in groups.items():
            if len(group) > MAX_GROUP_LEN or not _printable(group) or "," in group:
                provider.problem(f"groups.{group[:40]}", "not a stable group id")
            if len(target) > 128 or not _printable(target) or "," in target:
                provider.problem(f"groups.{group[:40]}", "not a pool group name")
        reader.problems += [f"providers.{name}.{p}" for p in provider.problems]
        if kind is not None and kind in SOURCES and claim is not None:
            providers[name] = ProviderGroups(kind, claim, dict(groups))
    reader.finish()
    assert attribute is not None  # finish() raised otherwise
    return Config(attribute=attribute, providers=providers)


CONFIG: Final = LazyConfig(parse_config)


def claim_values(value: object) -> list[str] | None:
    """The values of a group claim, or None when it is over the limits.

    Providers send multi-valued attributes as a JSON array, as one string joined with commas
    (Cognito's own rendering of a SAML multi-value is ``[a, b]``), or as a single value; the
    forms are read alike. Items that are not strings, or longer than a group id, are skipped.
    """
    items: list[object]
    if isinstance(value, str):
        if len(value) > MAX_CLAIM_CHARS:
            return None
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):
                decoded = None
            items = decoded if isinstance(decoded, list) else list(text[1:-1].split(","))
        else:
            items = list(text.split(","))
    elif isinstance(value, list):
        if sum(len(item) for item in value if isinstance(item, str)) > MAX_CLAIM_CHARS:
            return None
        items = value
    else:
        return []
    if len(items) > MAX_GROUPS:
        return None
    values = []
    for item in items:
        if not isinstance(item, str):
            continue
        stripped = item.strip(" ")
        if stripped and len(stripped) <= MAX_GROUP_LEN:
            values.append(stripped)
    return values


def mapped_groups(values: list[str], allow_list: Mapping[str, str]) -> list[str]:
    """The pool group names the allow-list maps these provider values to (pure, exact match)."""
    return sorted({allow_list[value] for value in values if value in allow_list})


def provider_attributes(attributes: JsonDict, kind: str) -> JsonDict | None:
    """What the provider sent, flattened in the order of `SOURCES` (later sources win); None
    when no source of this provider type is a JSON object."""
    merged: JsonDict = {}
    found = False
    for source in SOURCES[kind]:
        part = attributes.get(source)
        if isinstance(part, dict):
            found = True
            merged.update({key: value for key, value in part.items() if isinstance(key, str)})
    return merged if found else None


def process_event(event: JsonDict, config: Config) -> JsonDict:
    """Set ``response.userAttributesToMap`` for a configured provider; raise
    ``FederationUnavailable`` for an event this function cannot read safely."""
    fields = log_context(event)
    request = child(event, "request")
    name = get_str(request, "providerName")
    if name is None:
        logger.error("no providerName in the event; failing the sign-in", extra=fields)
        raise FederationUnavailable
    fields["provider"] = name[:128]
    provider = config.providers.get(name)
    if provider is None:
        return event  # no mapping of this provider writes the attribute
    kind = get_str(request, "providerType")
    if kind != provider.type:
        logger.error(
            "provider type differs from the configuration; failing the sign-in",
            extra={**fields, "provider_type": (kind or "")[:16]},
        )
        raise FederationUnavailable
    sent = provider_attributes(child(request, "attributes"), provider.type)
    if sent is None:
        logger.error("the provider's attributes are missing; failing the sign-in", extra=fields)
        raise FederationUnavailable
    injected = [key for key in sent if key.lower() == config.attribute.lower()]
    for key in injected:
        del sent[key]
    if injected:
        logger.warning("dropped the pool attribute sent by the provider itself", extra=fields)
    values = claim_values(sent.get(provider.claim))
    if values is None:
        logger.warning("group claim over the limits: no group is mapped", extra=fields)
        values = []
    groups = mapped_groups(values, provider.groups)
    value = ",".join(groups)
    if len(value) > MAX_ATTRIBUTE_LEN:
        logger.warning("mapped groups exceed the attribute's length: none is kept", extra=fields)
        value = ""
    logger.info(
        "mapped allow-listed provider groups",
        extra={**fields, "groups_sent": len(values), "groups_mapped": len(groups)},
    )
    ensure_response(event)["userAttributesToMap"] = {**sent, config.attribute: value}
    return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the failure policy."""
    if not isinstance(event, dict):
        logger.warning("ignoring an event that is not a JSON object", extra=log_context(event))
        return event
    if get_str(event, "triggerSource") != SOURCE:
        return event
    try:
        config = CONFIG.get()
    except ConfigError as error:
        logger.error(
            "invalid trigger configuration; failing the sign-in",
            extra={**log_context(event), "config_problems": list(error.problems)},
        )
        raise FederationUnavailable from None
    try:
        return process_event(event, config)
    except FederationUnavailable:
        raise
    except Exception:
        logger.exception("unexpected error; failing the sign-in", extra=log_context(event))
        raise FederationUnavailable from None
