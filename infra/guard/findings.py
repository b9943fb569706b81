"""What the guard reports: finding kinds, findings and the per-environment summary."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class FindingKind(StrEnum):
    """Stable names, used in output lines and in `infra/accepted-risks.yaml`."""

    REMOVED = "removed"
    """A stateful resource's logical id disappears (removed, renamed, moved, type changed)."""

    CREATE_ONLY_CHANGE = "create-only-change"
    """A property CloudFormation can only set at creation changes: the resource is replaced."""

    IMMUTABLE_POOL_SETTING = "immutable-pool-setting"
    """A user pool setting Cognito refuses to update: the deploy fails and rolls back."""

    PROTECTION_WEAKENED = "protection-weakened"
    """Deletion protection, DeletionPolicy or UpdateReplacePolicy no longer protects the data."""

    RELYING_PARTY_CHANGED = "relying-party-changed"
    """A production-tier pool's passkey relying party (WebAuthnRelyingPartyID) changes: every
    passkey registered for the old one stops working."""

    TIER_LOWERED = "tier-lowered"
    """An environment goes from production to development tier: its stack loses termination
    protection and its pool may become destroyable."""

    ISSUER_SWITCH = "issuer-switch"
    """A production-tier pool's `IssuerConfiguration` changes: every token gets a new `iss`,
    which verifiers that accept only the old one refuse."""

    KEY_SWITCH = "key-switch"
    """A production-tier pool's `KeyConfiguration` changes: the key every user's data is
    encrypted with changes."""


@dataclass(frozen=True, slots=True)
class ValueChange:
    """The complete old and new value of what a finding is about (`values.MISSING` where the
    property is absent), for the report's diff."""

    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Finding:
    """One change the guard blocks unless an accepted-risks entry matches it."""

    kind: FindingKind
    environment: str
    template: str
    logical_id: str
    resource_type: str
    property_path: str | None
    """The property (path below Properties) or resource attribute concerned; None for all."""
    consequence: str
    """What will happen on deploy."""
    remedy: str
    """What to do instead."""
    probable_rename: str | None = None
    """For `removed`: the new logical id (same type) that probably replaces this one."""
    accepted_reason: str | None = None
    config_file: str | None = None
    """The environment file that produced the resource (from the template's metadata)."""
    config_key: str | None = None
    """The key behind the resource and property, e.g. `user_pool.sign_in_identifiers`."""
    config_fix: str | None = None
    """What to do about it, in config terms."""
    change: ValueChange | None = None
    """The old and new value, for findings about a value that changed."""

    @property
    def accepted(self) -> bool:
        return self.accepted_reason is not None

    @property
    def blocking(self) -> bool:
        return self.accepted_reason is None

    @property
    def location(self) -> str:
        return f"{self.environment}/{self.template}"

    def accept(self, reason: str) -> Finding:
        return replace(self, accepted_reason=reason)


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """Resource counts of one template pair; AWS::CDK::Metadata is not counted."""

    environment: str
    template: str
    status: str
    """`compared`, `added` (only in the candidate) or `removed` (only in the baseline)."""
    resources_added: int
    resources_changed: int
    resources_removed: int


@dataclass(frozen=True, slots=True)
class EnvironmentSummary:
    environment: str
    templates_compared: int
    templates_added: int
    templates_removed: int
    resources_added: int
    resources_changed: int
    resources_removed: int
    blocking: int
    accepted: int
