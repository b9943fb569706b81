"""Settings of a production-tier pool that update in place but break what depends on them: the
issuer form (`IssuerConfiguration`) and the key (`KeyConfiguration`).

CloudFormation updates both without interruption (its AWS::Cognito::UserPool reference says
"No interruption"), so no create-only or immutable rule sees them. Yet a new issuer makes every
verifier that knows only the old one refuse every new token, and a new key moves every user's
data under a key whose policy, Region coverage and lifetime nobody reviewed in the diff. In a
development-tier environment both pass: there is nobody to lock out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra.guard.findings import Finding, FindingKind, ValueChange
from infra.guard.rules import USER_POOL, Site
from infra.guard.templates import Resource
from infra.guard.values import MISSING, normalize, render

PRODUCTION = "production"
ISSUER = "IssuerConfiguration"
KEY = "KeyConfiguration"
ORIGINAL = {"Type": "ORIGINAL"}
"""What an absent IssuerConfiguration means: Cognito's default form."""
AWS_OWNED = {"KeyType": "AWS_OWNED_KEY"}
"""What an absent KeyConfiguration means: an AWS-owned key."""


def _effective(properties: Mapping[str, Any], name: str, default: dict[str, str]) -> Any:
    value = normalize(properties.get(name, default))
    return default if value == {} else value


def switches(site: Site, old: Resource, new: Resource, tier: object) -> list[Finding]:
    """The issuer or key switches of a production-tier user pool."""
    if tier != PRODUCTION or old.type != USER_POOL or new.type != USER_POOL:
        return []
    findings = []
    before, after = (_effective(r.properties, ISSUER, ORIGINAL) for r in (old, new))
    if before != after:
        findings.append(
            Finding(
                kind=FindingKind.ISSUER_SWITCH,
                environment=site.environment,
                template=site.template,
                logical_id=new.logical_id,
                resource_type=new.type,
                property_path=ISSUER,
                consequence=f"{ISSUER} changes from {render(before)} to {render(after)}: from "
                "this deploy on Cognito writes the new issuer into every token's `iss`, and "
                "every verifier that accepts only the old issuer (API authorizers, services "
                "checking tokens) refuses every new token: users are signed out of everything "
                "they call",
                remedy="first deploy a change that makes every verifier accept both issuers, "
                "then switch the issuer with an accepted-risks entry (finding issuer-switch), "
                "then drop the old issuer once the longest token validity has passed",
                change=ValueChange(
                    old.properties.get(ISSUER, MISSING), new.properties.get(ISSUER, MISSING)
                ),
            )
        )
    before, after = (_effective(r.properties, KEY, AWS_OWNED) for r in (old, new))
    if before != after:
        findings.append(
            Finding(
                kind=FindingKind.KEY_SWITCH,
                environment=site.environment,
                template=site.template,
                logical_id=new.logical_id,
                resource_type=new.type,
                property_path=KEY,
                consequence=f"{KEY} changes from {render(before)} to {render(after)}: every "
                "user's data is encrypted with the new key from this deploy on; if Cognito may "
                "not use it (its key policy, a disabled or deleted key, a Region of the pool "
                "without it) sign-in fails for every user, and the old key must stay usable "
                "until Cognito has moved off it",
                remedy="keep the key as deployed; switch it only in a reviewed change with an "
                "accepted-risks entry (finding key-switch), with the new key's policy allowing "
                "Cognito and the key present in every Region of the pool",
                change=ValueChange(
                    old.properties.get(KEY, MISSING), new.properties.get(KEY, MISSING)
                ),
            )
        )
    return findings
