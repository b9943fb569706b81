"""Say each guard finding in the user's language: the environment file and the config key that
produced the resource and property, and the fix in config terms.

The templates carry what this needs (`infra.provenance`): the environment file and tier in the
template's `Metadata`, the config key in each resource's `Metadata`. A template without them
(hand-written, or deployed before the kit wrote them) gets findings without a config location.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from infra.config.user_pool import STANDARD_ATTRIBUTE_NAMES
from infra.guard.findings import Finding, FindingKind
from infra.guard.rules import MIGRATION_RUNBOOK
from infra.provenance import CONFIG_KEY_METADATA, ENVIRONMENT_METADATA

_CUSTOM_PREFIX = "custom:"

# (resource type, property) -> the key below the resource's own config key.
_PROPERTY_KEYS: dict[tuple[str, str], str] = {
    ("AWS::Cognito::UserPool", "UsernameAttributes"): "sign_in_identifiers",
    ("AWS::Cognito::UserPool", "AliasAttributes"): "sign_in_identifiers",
    ("AWS::Cognito::UserPool", "DeletionProtection"): "deletion_protection",
    ("AWS::Cognito::UserPool", "WebAuthnRelyingPartyID"): "sign_in.passkey.relying_party_id",
    ("AWS::Cognito::UserPool", "DeletionPolicy"): "removal_policy",
    ("AWS::Cognito::UserPool", "UpdateReplacePolicy"): "removal_policy",
    ("AWS::Cognito::UserPoolClient", "GenerateSecret"): "kind",
    ("AWS::Cognito::UserPoolGroup", "GroupName"): "name",
    ("AWS::Cognito::UserPoolIdentityProvider", "ProviderName"): "name",
    ("AWS::Cognito::UserPoolIdentityProvider", "ProviderType"): "type",
    ("AWS::Cognito::UserPoolResourceServer", "Identifier"): "identifier",
}


_PROTECTING_VALUES = {"deletion_protection": "true", "removal_policy": "retain"}


def environment_of(template: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The environment metadata a kit template carries (name, tier, file), or {}."""
    if not isinstance(template, Mapping):
        return {}
    metadata = template.get("Metadata")
    found = metadata.get(ENVIRONMENT_METADATA) if isinstance(metadata, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def resource_key(template: Mapping[str, Any] | None, logical_id: str) -> str | None:
    """The config key a resource was produced by, from its metadata."""
    if not isinstance(template, Mapping):
        return None
    resource = template.get("Resources", {}).get(logical_id)
    if not isinstance(resource, Mapping) or not isinstance(resource.get("Metadata"), Mapping):
        return None
    key = resource["Metadata"].get(CONFIG_KEY_METADATA)
    return key if isinstance(key, str) else None


def locate(
    finding: Finding, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> Finding:
    """`finding` with the file, config key and fix filled in where the templates say them."""
    file = environment_of(after).get("file") or environment_of(before).get("file")
    owner = resource_key(after, finding.logical_id) or resource_key(before, finding.logical_id)
    if finding.kind is FindingKind.TIER_LOWERED:
        owner = "tier"
    if not isinstance(file, str) or owner is None:
        return finding
    key, fix = _key_and_fix(finding, owner)
    return replace(finding, config_file=file, config_key=key, config_fix=fix)


def _key_and_fix(finding: Finding, owner: str) -> tuple[str, str]:
    prop = finding.property_path or ""
    if finding.kind is FindingKind.TIER_LOWERED:
        return "tier", (
            "keep `tier: production`: the environment holds real users; lowering the tier drops "
            "termination protection and lets the next change delete the pool"
        )
    if finding.kind is FindingKind.ISSUER_SWITCH:
        return "multi_region.issuer", (
            "deploy multi_region.accepted_issuers: [original, updated] first: the kit's API "
            "authorizers and its AcceptedIssuers output (read by cognito_tokens) then accept "
            "both forms; update every other verifier of your tokens; then switch "
            "multi_region.issuer with an infra/accepted-risks.yaml entry (finding issuer-switch), "
            "and drop the old form from accepted_issuers once the longest token validity has "
            "passed (docs/multi-region.md)"
        )
    if finding.kind is FindingKind.KEY_SWITCH:
        return "multi_region.key", (
            "keep multi_region.key as deployed: every user's data is encrypted with it; a new "
            "key needs a policy that lets Cognito use it and a replica in every Region of the "
            "pool, and an infra/accepted-risks.yaml entry (finding key-switch); keep the old "
            "key enabled, never scheduled for deletion (docs/multi-region.md)"
        )
    if finding.kind is FindingKind.REMOVED and owner.startswith("multi_region.replicas."):
        return owner, (
            f"put {owner} back as deployed: removing a replica deletes its copy of every user "
            "in that Region, and sign-in no longer survives an outage of the primary's Region; "
            "remove it only with an infra/accepted-risks.yaml entry (finding removed) once no "
            "app or verifier depends on that Region"
        )
    if finding.kind is FindingKind.REMOVED:
        return owner, (
            f"restore {owner} under the same id: removing or renaming an id deletes or "
            "replaces what it created (rename nothing that holds state)"
        )
    if prop.startswith("Schema/"):
        name = prop.removeprefix("Schema/")
        section = "standard_attributes" if name in STANDARD_ATTRIBUTE_NAMES else "custom_attributes"
        key = f"{owner}.{section}.{name.removeprefix(_CUSTOM_PREFIX)}"
        return key, (
            f"put {key} back as deployed: Cognito never changes or removes an attribute; add a "
            f"new custom attribute instead, or move to a new pool ({MIGRATION_RUNBOOK})"
        )
    if prop == "UsernameConfiguration":
        return owner, (
            "the kit keeps sign-in case-insensitive and Cognito cannot change it on an existing "
            f"pool: a different setting needs a new pool and a user migration ({MIGRATION_RUNBOOK})"
        )
    sub_key = _PROPERTY_KEYS.get((finding.resource_type, prop.split("/")[0]))
    if finding.resource_type == "AWS::Cognito::UserPoolDomain":
        sub_key = "prefix or custom_domain"
    key = f"{owner}.{sub_key}" if sub_key else owner
    if finding.kind is FindingKind.RELYING_PARTY_CHANGED:
        return key, (
            f"set {key} to the deployed value again (a changed domain moves the default, so "
            "write the old domain there): every passkey your users registered is bound to it; "
            "to move anyway, tell users, keep password among sign_in.first_factors, and add an "
            "accepted-risks entry"
        )
    if finding.kind is FindingKind.IMMUTABLE_POOL_SETTING:
        return key, (
            f"put {key} back as deployed: Cognito refuses to change it on an existing pool; a "
            f"different value needs a new pool and a user migration ({MIGRATION_RUNBOOK})"
        )
    if finding.kind is FindingKind.PROTECTION_WEAKENED:
        protecting = _PROTECTING_VALUES.get(sub_key or "")
        if protecting:
            return key, f"set {key}: {protecting} again"
        return key, f"keep what {key} creates retained and protected"
    return key, (
        f"keep {key} as deployed; for a different value add a new entry under a new id, move "
        "the apps to it, and remove the old one in a later change"
    )
