"""The checks: which differences between two versions of a resource lose data or fail a deploy.

Each rule returns findings; whether a finding blocks is decided later, against the accepted
risks. Everything no rule mentions passes (token validity, callback URLs, password policy,
Lambda settings, tags, descriptions, metadata, asset hashes, new resources).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.guard.findings import Finding, FindingKind, ValueChange
from infra.guard.schemas import create_only_segments
from infra.guard.stateful import is_stateful, what_is_lost
from infra.guard.templates import Resource
from infra.guard.values import ABSENT, MISSING, normalize, render, render_property, resolve

USER_POOL = "AWS::Cognito::UserPool"
MIGRATION_RUNBOOK = "docs/migration.md"
"""The way out when Cognito refuses a change: a new pool and a user migration."""

IMMUTABLE_POOL_SETTINGS: tuple[str, ...] = (
    "UsernameAttributes",
    "AliasAttributes",
    "UsernameConfiguration",
)
"""User pool properties Cognito accepts only at creation (it has no createOnlyProperties).

CloudFormation sends the update anyway; Cognito answers "Updates are not allowed for property"
and the stack rolls back. Existing Schema attributes are checked separately, by name.
"""

_SET_LIKE_SETTINGS = frozenset({"UsernameAttributes", "AliasAttributes"})
"""Order carries no meaning in these lists; the CDK may emit them in any order."""

PROTECTING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
_POLICY_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")
_PROTECTION_PROPERTIES = ("DeletionProtection", "DeletionProtectionEnabled")
_PROTECTION_ON = frozenset({"ACTIVE", "true"})

_CUSTOM_PREFIX = "custom:"
_CDK_HASH = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True, slots=True)
class Site:
    """Where a resource lives, for findings."""

    environment: str
    template: str


def _finding(
    kind: FindingKind,
    site: Site,
    resource: Resource,
    prop: str | None,
    consequence: str,
    remedy: str,
    probable_rename: str | None = None,
    change: ValueChange | None = None,
) -> Finding:
    return Finding(
        kind=kind,
        environment=site.environment,
        template=site.template,
        logical_id=resource.logical_id,
        resource_type=resource.type,
        property_path=prop,
        consequence=consequence,
        remedy=remedy,
        probable_rename=probable_rename,
        change=change,
    )


# --- 1. a stateful resource's logical id disappears ------------------------------------------


def removed(site: Site, old: Resource, probable_rename: str | None) -> Finding:
    """The baseline resource `old` has no resource with its logical id in the candidate."""
    if old.deletion_policy in PROTECTING_POLICIES:
        fate = (
            f"the old one is kept but orphaned (DeletionPolicy {old.deletion_policy}), outside "
            "the stack and unused"
        )
    else:
        fate = "the old one is deleted"
    if probable_rename:
        what = (
            f"logical id {old.logical_id} disappears and {probable_rename} (same type, new in "
            "the candidate) is probably its rename: it is created as a new, empty resource "
            f"and {fate}"
        )
    else:
        what = f"logical id {old.logical_id} disappears: {fate}"
    return _finding(
        FindingKind.REMOVED,
        site,
        old,
        None,
        f"{what}; the app loses {what_is_lost(old.type)}",
        f"keep the construct id and its parents unchanged so the logical id stays "
        f"{old.logical_id} (or pin it with override_logical_id); remove a stateful resource "
        "only after migrating its data, with an accepted-risks entry",
        probable_rename,
    )


def type_changed(site: Site, old: Resource, new: Resource) -> Finding:
    return _finding(
        FindingKind.REMOVED,
        site,
        old,
        "Type",
        f"the type changes from {old.type} to {new.type}: CloudFormation refuses to change the "
        'type of a logical id ("Update of resource type is not permitted") and the deploy '
        f"fails; getting past it means deleting the resource, losing {what_is_lost(old.type)}",
        f"give the new {new.type} its own construct id and keep {old.logical_id} as it is",
    )


def _stem(logical_id: str) -> str:
    """The logical id without the 8-hex-digit hash the CDK appends (if anything is left)."""
    return _CDK_HASH.sub("", logical_id) or logical_id


def _common_prefix(a: str, b: str) -> int:
    mismatches = (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    return next(mismatches, min(len(a), len(b)))


def _property_similarity(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    keys = set(a) | set(b)
    if not keys:
        return 1.0
    same = sum(
        1 for key in keys if key in a and key in b and normalize(a[key]) == normalize(b[key])
    )
    return same / len(keys)


def probable_rename(
    old: Resource, added: Iterable[tuple[str, Resource]], *, same_template: str
) -> str | None:
    """The added resource of the same type that most likely is `old` under a new logical id.

    `added` holds (template, resource) pairs new in the candidate. Preference: same template,
    then most similar Properties, then longest common prefix of the ids without the CDK hash,
    then alphabetical order. Returns the logical id, prefixed with `<template>/` when the
    resource sits in another template of the environment (a construct moved between stacks).
    """
    ranked: list[tuple[tuple[bool, float, int], str]] = []
    for template, resource in added:
        if resource.type != old.type:
            continue
        same = template == same_template
        name = resource.logical_id if same else f"{template}/{resource.logical_id}"
        score = (
            same,
            _property_similarity(old.properties, resource.properties),
            _common_prefix(_stem(old.logical_id), _stem(resource.logical_id)),
        )
        ranked.append((score, name))
    if not ranked:
        return None
    best = max(score for score, _ in ranked)
    return min(name for score, name in ranked if score == best)


# --- 2. a createOnlyProperties value changes ---------------------------------------------------


def create_only_changes(
    site: Site, old: Resource, new: Resource, renames: Mapping[str, str] | None = None
) -> list[Finding]:
    """`renames` maps removed logical ids of the template to their probable new ids."""
    findings: list[Finding] = []
    changed: list[tuple[str, ...]] = []
    for segments in create_only_segments(new.type):
        if any(segments[: len(parent)] == parent for parent in changed):
            continue  # a changed parent pointer already reports this one
        after_values = resolve(new.properties, segments)
        if resolve(old.properties, segments) == after_values:
            continue
        changed.append(segments)
        path = "/".join(segments)
        before = _render_selection(old.properties, segments)
        after = _render_selection(new.properties, segments)
        followed = _followed_renames(old.properties, segments, after_values, renames or {})
        if followed:
            cause = f" because {followed} is renamed"
            remedy = (
                f"keep the logical id of {followed} unchanged (see its removed finding); "
                "this resource is then left alone"
            )
        else:
            cause = ""
            remedy = (
                f"keep {path} as in the baseline; for a different value add a new resource "
                "beside this one, move consumers to it, and remove the old one in a later "
                "pull request"
            )
        findings.append(
            _finding(
                FindingKind.CREATE_ONLY_CHANGE,
                site,
                new,
                path,
                f"{path} changes from {before} to {after}{cause}, and CloudFormation can only "
                f"set it at creation: the resource is replaced (new physical id), losing "
                f"{what_is_lost(new.type)}",
                remedy,
                change=ValueChange(
                    _selection(old.properties, segments), _selection(new.properties, segments)
                ),
            )
        )
    return findings


def _followed_renames(
    before: Mapping[str, Any],
    segments: Sequence[str],
    after_values: Mapping[str, Any],
    renames: Mapping[str, str],
) -> str:
    """The renamed ids (comma separated) that fully explain a change, or "" if they do not."""
    referenced = [old for old in renames if _refers_to(before, segments, old)]
    if not referenced:
        return ""
    rewritten = _rewrite_references(before, {old: renames[old] for old in referenced})
    if resolve(rewritten, segments) != after_values:
        return ""
    return ", ".join(referenced)


def _refers_to(properties: Mapping[str, Any], segments: Sequence[str], logical_id: str) -> bool:
    probe = _rewrite_references(properties, {logical_id: "\x00"})
    return resolve(probe, segments) != resolve(properties, segments)


def _rewrite_references(node: Any, renames: Mapping[str, str]) -> Any:
    """`node` with Ref and Fn::GetAtt targets renamed (both GetAtt spellings)."""
    if isinstance(node, Mapping):
        if len(node) == 1:
            ((key, inner),) = node.items()
            if key == "Ref" and isinstance(inner, str) and inner in renames:
                return {key: renames[inner]}
            if key == "Fn::GetAtt":
                parts = inner.split(".", 1) if isinstance(inner, str) else inner
                if isinstance(parts, list) and parts and parts[0] in renames:
                    return {key: [renames[parts[0]], *parts[1:]]}
        return {k: _rewrite_references(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_references(item, renames) for item in node]
    return node


def _selection(properties: Mapping[str, Any], segments: Sequence[str]) -> Any:
    """The raw value a pointer selects: the value itself, a map of concrete path -> value
    where `*` expanded, or MISSING."""
    selected = resolve(properties, segments, raw=True)
    if not selected:
        return MISSING
    if list(selected) == ["/" + "/".join(segments)]:
        return next(iter(selected.values()))
    return selected


def _render_selection(properties: Mapping[str, Any], segments: Sequence[str]) -> str:
    return render(_selection(properties, segments))


# --- 3. settings Cognito refuses to change on an existing user pool ----------------------------


def immutable_pool_settings(site: Site, old: Resource, new: Resource) -> list[Finding]:
    if old.type != USER_POOL or new.type != USER_POOL:
        return []
    findings: list[Finding] = []
    for name in IMMUTABLE_POOL_SETTINGS:
        if _setting(old.properties, name) == _setting(new.properties, name):
            continue
        findings.append(
            _finding(
                FindingKind.IMMUTABLE_POOL_SETTING,
                site,
                new,
                name,
                f"{name} changes from {render_property(old.properties, name)} to "
                f"{render_property(new.properties, name)}, which Cognito refuses on an existing "
                'user pool ("Updates are not allowed for property"): the deploy fails and '
                "the stack rolls back",
                f"keep {name} as in the baseline; a different value needs a new user pool and "
                f"a user migration, which keeps passwords: {MIGRATION_RUNBOOK}",
                change=ValueChange(
                    old.properties.get(name, MISSING), new.properties.get(name, MISSING)
                ),
            )
        )
    findings.extend(_schema_changes(site, old, new))
    return findings


def _setting(properties: Mapping[str, Any], name: str) -> Any:
    if name not in properties:
        return (ABSENT,)  # a tuple never equals a normalized JSON value
    value = normalize(properties[name])
    if name in _SET_LIKE_SETTINGS and isinstance(value, list):
        return sorted(value, key=render)
    return value


def attribute_name(name: Any) -> str:
    """A schema attribute's name as Cognito knows it, minus the `custom:` prefix.

    The CDK writes custom attributes without the prefix (`tenant_id`); hand-written templates
    and Cognito's own read-back use `custom:tenant_id`. Both name the same attribute.
    """
    text = str(name)
    return text.removeprefix(_CUSTOM_PREFIX)


def _schema_attributes(properties: Mapping[str, Any]) -> dict[str, Any] | None:
    """Schema attributes by name, normalized; None when Schema is not a plain list."""
    schema = properties.get("Schema", [])
    if not isinstance(schema, list):
        return None
    attributes: dict[str, Any] = {}
    for entry in schema:
        if not isinstance(entry, Mapping) or "Name" not in entry:
            return None
        name = attribute_name(entry["Name"])
        attributes[name] = normalize({**entry, "Name": name})
    return attributes


def _schema_changes(site: Site, old: Resource, new: Resource) -> list[Finding]:
    before = _schema_attributes(old.properties)
    after = _schema_attributes(new.properties)
    remedy = (
        f"restore the attribute exactly as in the baseline; a different one needs a new pool "
        f"and a user migration ({MIGRATION_RUNBOOK}); Cognito never modifies or removes an "
        "existing attribute, so add a new custom attribute instead"
    )
    if before is None or after is None:
        if normalize(old.properties.get("Schema")) == normalize(new.properties.get("Schema")):
            return []
        return [
            _finding(
                FindingKind.IMMUTABLE_POOL_SETTING,
                site,
                new,
                "Schema",
                "Schema changes and cannot be compared attribute by attribute: if an existing "
                "attribute changes, Cognito refuses it and the stack rolls back",
                remedy,
            )
        ]
    findings: list[Finding] = []
    for name, attribute in before.items():
        if name in after and after[name] == attribute:
            continue
        change = (
            f"changes from {render(attribute)} to {render(after[name])}"
            if name in after
            else "is removed"
        )
        findings.append(
            _finding(
                FindingKind.IMMUTABLE_POOL_SETTING,
                site,
                new,
                f"Schema/{name}",
                f"existing attribute {name} {change}, which Cognito refuses on an existing user "
                "pool: the deploy fails and the stack rolls back",
                remedy,
                change=ValueChange(attribute, after.get(name, MISSING)),
            )
        )
    return findings


# --- 4. protection of a stateful resource weakened ---------------------------------------------


def protection_weakened(site: Site, old: Resource, new: Resource) -> list[Finding]:
    if not is_stateful(old.type):
        return []
    findings: list[Finding] = []
    for attribute in _POLICY_ATTRIBUTES:
        before, after = old.raw.get(attribute), new.raw.get(attribute)
        if before in PROTECTING_POLICIES and after not in PROTECTING_POLICIES:
            shown = after if after is not None else "absent, which means Delete"
            findings.append(
                _finding(
                    FindingKind.PROTECTION_WEAKENED,
                    site,
                    new,
                    attribute,
                    f"{attribute} goes from {before} to {shown}: a later removal, rename or "
                    f"replacement deletes the resource instead of keeping it, losing "
                    f"{what_is_lost(new.type)}",
                    f"keep {attribute} {before} (RemovalPolicy.RETAIN in the CDK) on stateful "
                    "resources",
                )
            )
    for name in _PROTECTION_PROPERTIES:
        before_on = normalize(old.properties.get(name)) in _PROTECTION_ON
        after_on = normalize(new.properties.get(name)) in _PROTECTION_ON
        if before_on and not after_on:
            findings.append(
                _finding(
                    FindingKind.PROTECTION_WEAKENED,
                    site,
                    new,
                    name,
                    f"{name} goes from {render_property(old.properties, name)} to "
                    f"{render_property(new.properties, name)}: the resource can then be "
                    f"deleted by a stack update or by hand, losing {what_is_lost(new.type)}",
                    f"keep {name} on; switch it off only in the pull request that deliberately "
                    "deletes the resource, with an accepted-risks entry",
                    change=ValueChange(
                        old.properties.get(name, MISSING), new.properties.get(name, MISSING)
                    ),
                )
            )
    return findings


def check_pair(
    site: Site, old: Resource, new: Resource, renames: Mapping[str, str] | None = None
) -> list[Finding]:
    """All findings for one logical id present in both templates.

    `renames` (removed id -> probable new id, same template) lets messages say when a change
    only follows the rename of a resource this one refers to.
    """
    if old.type != new.type:
        return [type_changed(site, old, new)] if is_stateful(old.type) else []
    return [
        *create_only_changes(site, old, new, renames),
        *immutable_pool_settings(site, old, new),
        *protection_weakened(site, old, new),
    ]


# --- 5. a passkey relying party changed -------------------------------------------------------

RELYING_PARTY = "WebAuthnRelyingPartyID"
PASSKEY_FACTOR = "WEB_AUTHN"
DEVELOPMENT_TIER = "development"


def relying_party_changed(site: Site, old: Resource, new: Resource, tier: object) -> list[Finding]:
    """A user pool whose passkeys stop working: its relying party changes while it still offers
    passkeys. Every other sign-in setting (first factors, user verification, passkeys as MFA,
    auth flows, remembered devices) changes in place and keeps what users registered.

    Only outside the development tier (a template without tier metadata counts as production).
    """
    if old.type != USER_POOL or new.type != USER_POOL or tier == DEVELOPMENT_TIER:
        return []
    before = normalize(old.properties.get(RELYING_PARTY))
    after = normalize(new.properties.get(RELYING_PARTY))
    if before is None or before == after or not _offers_passkeys(new.properties):
        return []
    return [
        _finding(
            FindingKind.RELYING_PARTY_CHANGED,
            site,
            new,
            RELYING_PARTY,
            f"{RELYING_PARTY} changes from {render_property(old.properties, RELYING_PARTY)} to "
            f"{render_property(new.properties, RELYING_PARTY)}: a passkey is bound to the "
            "relying party it was registered for, so every passkey users registered stops "
            "working and each user must sign in another way and register a new one",
            f"keep {RELYING_PARTY} as in the baseline; change it only with an accepted-risks "
            "entry, after telling users and keeping another first factor (the password) on",
        )
    ]


def _offers_passkeys(properties: Mapping[str, Any]) -> bool:
    factors = resolve(properties, ("Policies", "SignInPolicy", "AllowedFirstAuthFactors"))
    return any(
        PASSKEY_FACTOR in (value if isinstance(value, list) else [value])
        for value in factors.values()
    )


# --- 6. an environment's tier lowered ---------------------------------------------------------

STACK_TYPE = "AWS::CloudFormation::Stack"
STACK_ID = "Stack"


def tier_lowered(site: Site, before_tier: object, after_tier: object) -> list[Finding]:
    """A template whose environment metadata goes from production to development tier."""
    if before_tier != "production" or after_tier != "development":
        return []
    return [
        Finding(
            kind=FindingKind.TIER_LOWERED,
            environment=site.environment,
            template=site.template,
            logical_id=STACK_ID,
            resource_type=STACK_TYPE,
            property_path="tier",
            consequence="the environment goes from production to development tier: the stack "
            "loses termination protection, and development defaults (destroyable pool, no "
            "deletion protection) may follow, so one command can delete every user",
            remedy="keep the production tier on an environment that has served users; create "
            "a new development environment instead",
        )
    ]
