"""The mutation catalogue: what the guard blocks and what it lets through, on plain dicts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from infra.guard import Finding, FindingKind, GuardInputError, compare

from .sample import (
    CDK_METADATA,
    CLIENT,
    DOMAIN,
    FUNCTION,
    GROUP,
    IDENTITY_POOL,
    KEY,
    POOL,
    STEM,
    cognito_template,
    rename_resource,
)

Mutation = Callable[[dict[str, Any]], None]


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return properties


def run(mutate: Mutation) -> tuple[Finding, ...]:
    candidate = cognito_template()
    mutate(candidate)
    return compare({KEY: cognito_template()}, {KEY: candidate}).findings


@dataclass(frozen=True)
class Blocked:
    kind: FindingKind
    logical_id: str
    property_path: str | None = None
    rename: str | None = None


def _set(logical_id: str, name: str, value: Any) -> Mutation:
    def mutate(template: dict[str, Any]) -> None:
        props(template, logical_id)[name] = value

    return mutate


def _delete(logical_id: str, name: str) -> Mutation:
    def mutate(template: dict[str, Any]) -> None:
        del props(template, logical_id)[name]

    return mutate


def _attribute(logical_id: str, name: str, value: str | None) -> Mutation:
    def mutate(template: dict[str, Any]) -> None:
        resource = template["Resources"][logical_id]
        if value is None:
            del resource[name]
        else:
            resource[name] = value

    return mutate


def _rename(old: str, new: str) -> Mutation:
    return lambda template: rename_resource(template, old, new)


def _remove(logical_id: str) -> Mutation:
    return lambda template: template["Resources"].pop(logical_id)


def _schema(change: Callable[[list[dict[str, Any]]], None]) -> Mutation:
    return lambda template: change(props(template, POOL)["Schema"])


def _tenant(template_schema: list[dict[str, Any]]) -> dict[str, Any]:
    return next(a for a in template_schema if a["Name"] == "tenant_id")


def _change_tenant_length(schema: list[dict[str, Any]]) -> None:
    _tenant(schema)["StringAttributeConstraints"]["MaxLength"] = "128"


def _drop_tenant(schema: list[dict[str, Any]]) -> None:
    schema.remove(_tenant(schema))


def _email_optional(schema: list[dict[str, Any]]) -> None:
    schema[0]["Required"] = False


def _retype_group(template: dict[str, Any]) -> None:
    template["Resources"][GROUP]["Type"] = "AWS::Cognito::UserPoolResourceServer"


BLOCKING: dict[str, tuple[Mutation, Blocked]] = {
    "user pool renamed": (
        _rename(POOL, "UsersF00DCAFE"),
        Blocked(FindingKind.REMOVED, POOL, rename="UsersF00DCAFE"),
    ),
    "user pool removed": (_remove(POOL), Blocked(FindingKind.REMOVED, POOL)),
    "client renamed": (
        _rename(CLIENT, "UserPoolMobileClient99887766"),
        Blocked(FindingKind.REMOVED, CLIENT, rename="UserPoolMobileClient99887766"),
    ),
    "client removed": (_remove(CLIENT), Blocked(FindingKind.REMOVED, CLIENT)),
    "domain removed": (_remove(DOMAIN), Blocked(FindingKind.REMOVED, DOMAIN)),
    "group renamed": (
        _rename(GROUP, "AdministratorsGroupABCDEF12"),
        Blocked(FindingKind.REMOVED, GROUP, rename="AdministratorsGroupABCDEF12"),
    ),
    "identity pool renamed": (
        _rename(IDENTITY_POOL, "IdentitiesB0B0B0B0"),
        Blocked(FindingKind.REMOVED, IDENTITY_POOL, rename="IdentitiesB0B0B0B0"),
    ),
    "group type changed": (_retype_group, Blocked(FindingKind.REMOVED, GROUP, "Type")),
    "client secret switched on": (
        _set(CLIENT, "GenerateSecret", True),
        Blocked(FindingKind.CREATE_ONLY_CHANGE, CLIENT, "GenerateSecret"),
    ),
    "client secret setting dropped": (
        _delete(CLIENT, "GenerateSecret"),
        Blocked(FindingKind.CREATE_ONLY_CHANGE, CLIENT, "GenerateSecret"),
    ),
    "client moved to another pool": (
        _set(CLIENT, "UserPoolId", {"Ref": "OtherPoolDEADBEEF"}),
        Blocked(FindingKind.CREATE_ONLY_CHANGE, CLIENT, "UserPoolId"),
    ),
    "group name changed": (
        _set(GROUP, "GroupName", "administrators"),
        Blocked(FindingKind.CREATE_ONLY_CHANGE, GROUP, "GroupName"),
    ),
    "domain prefix changed": (
        _set(DOMAIN, "Domain", "dev-example-login"),
        Blocked(FindingKind.CREATE_ONLY_CHANGE, DOMAIN, "Domain"),
    ),
    "sign-in by phone instead of email": (
        _set(POOL, "UsernameAttributes", ["phone_number"]),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "UsernameAttributes"),
    ),
    "sign-in aliases added": (
        _set(POOL, "AliasAttributes", ["preferred_username"]),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "AliasAttributes"),
    ),
    "usernames made case sensitive": (
        _set(POOL, "UsernameConfiguration", {"CaseSensitive": True}),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "UsernameConfiguration"),
    ),
    "case sensitivity setting dropped": (
        _delete(POOL, "UsernameConfiguration"),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "UsernameConfiguration"),
    ),
    "custom attribute constraint changed": (
        _schema(_change_tenant_length),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "Schema/tenant_id"),
    ),
    "custom attribute removed": (
        _schema(_drop_tenant),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "Schema/tenant_id"),
    ),
    "standard attribute made optional": (
        _schema(_email_optional),
        Blocked(FindingKind.IMMUTABLE_POOL_SETTING, POOL, "Schema/email"),
    ),
    "deletion protection off": (
        _set(POOL, "DeletionProtection", "INACTIVE"),
        Blocked(FindingKind.PROTECTION_WEAKENED, POOL, "DeletionProtection"),
    ),
    "deletion protection dropped": (
        _delete(POOL, "DeletionProtection"),
        Blocked(FindingKind.PROTECTION_WEAKENED, POOL, "DeletionProtection"),
    ),
    "deletion policy Delete": (
        _attribute(POOL, "DeletionPolicy", "Delete"),
        Blocked(FindingKind.PROTECTION_WEAKENED, POOL, "DeletionPolicy"),
    ),
    "update-replace policy dropped": (
        _attribute(POOL, "UpdateReplacePolicy", None),
        Blocked(FindingKind.PROTECTION_WEAKENED, POOL, "UpdateReplacePolicy"),
    ),
}


@pytest.mark.parametrize("case", sorted(BLOCKING))
def test_blocking_change_is_caught_and_names_the_resource(case: str) -> None:
    mutate, expected = BLOCKING[case]

    findings = run(mutate)

    matching = [
        f
        for f in findings
        if f.kind is expected.kind
        and f.logical_id == expected.logical_id
        and f.property_path == expected.property_path
    ]
    assert len(matching) == 1, [(f.kind, f.logical_id, f.property_path) for f in findings]
    finding = matching[0]
    assert finding.blocking
    assert (finding.environment, finding.template) == ("dev", STEM)
    assert finding.probable_rename == expected.rename
    if expected.rename:
        assert expected.rename in finding.consequence


def _add_custom_attribute(template: dict[str, Any]) -> None:
    props(template, POOL)["Schema"].append(
        {"AttributeDataType": "String", "Mutable": True, "Name": "department"}
    )


def _add_client(template: dict[str, Any]) -> None:
    client = copy.deepcopy(template["Resources"][CLIENT])
    client["Properties"]["GenerateSecret"] = True
    template["Resources"]["UserPoolServerClient0A1B2C3D"] = client


def _cdk_noise(template: dict[str, Any]) -> None:
    template["Resources"][POOL]["Metadata"]["aws:cdk:path"] = "devCognito/Users/Resource"
    template["Resources"][CDK_METADATA]["Properties"]["Analytics"] = "v2:deflate64:changed"
    template["Description"] = "changed"


def _prefixed_custom_attribute(template: dict[str, Any]) -> None:
    _tenant(props(template, POOL)["Schema"])["Name"] = "custom:tenant_id"


def _json_spelling(template: dict[str, Any]) -> None:
    props(template, CLIENT)["GenerateSecret"] = "false"
    props(template, IDENTITY_POOL)["CognitoIdentityProviders"][0]["ProviderName"] = {
        "Fn::GetAtt": f"{POOL}.ProviderName"
    }


SAFE: dict[str, Mutation] = {
    "new custom attribute": _add_custom_attribute,
    "callback URL added": lambda t: props(t, CLIENT)["CallbackURLs"].append(
        "https://staging.example.com/callback"
    ),
    "token validity": _set(CLIENT, "RefreshTokenValidity", 1440),
    "password minimum length": lambda t: props(t, POOL)["Policies"]["PasswordPolicy"].update(
        MinimumLength=14
    ),
    "lambda memory": _set(FUNCTION, "MemorySize", 512),
    "lambda asset hash": lambda t: props(t, FUNCTION)["Code"].update(S3Key="0badc0de.zip"),
    "new client resource": _add_client,
    "tags": _set(POOL, "UserPoolTags", {"project": "cognito", "owner": "platform"}),
    "group description": _set(GROUP, "Description", "Full administrators"),
    "identity pool name": _set(IDENTITY_POOL, "IdentityPoolName", "dev_identities_v2"),
    "lambda removed": _remove(FUNCTION),
    "metadata, CDK analytics and template description": _cdk_noise,
    "custom attribute written with its custom: prefix": _prefixed_custom_attribute,
    "same values, other JSON spelling": _json_spelling,
    "policy Retain to RetainExceptOnCreate": _attribute(
        POOL, "DeletionPolicy", "RetainExceptOnCreate"
    ),
}


@pytest.mark.parametrize("case", sorted(SAFE))
def test_safe_change_passes(case: str) -> None:
    findings = run(SAFE[case])

    assert findings == ()


def test_identical_templates_pass_and_count_nothing() -> None:
    result = compare({KEY: cognito_template()}, {KEY: cognito_template()})

    assert result.passed
    assert result.exit_code == 0
    (summary,) = result.environments
    assert (summary.resources_added, summary.resources_changed, summary.resources_removed) == (
        0,
        0,
        0,
    )


def test_pool_rename_also_replaces_everything_that_refers_to_it() -> None:
    findings = run(_rename(POOL, "UsersF00DCAFE"))

    replaced = {f.logical_id for f in findings if f.kind is FindingKind.CREATE_ONLY_CHANGE}
    assert replaced == {CLIENT, DOMAIN, GROUP}
    assert all(f.property_path == "UserPoolId" for f in findings if f.logical_id in replaced)


def test_removed_retained_pool_is_reported_as_orphaned_not_deleted() -> None:
    (finding,) = run(_remove(POOL))

    assert "orphaned" in finding.consequence
    assert "every user" in finding.consequence


def test_rename_prefers_the_most_similar_new_resource() -> None:
    def two_new_groups(template: dict[str, Any]) -> None:
        rename_resource(template, GROUP, "AdminGroupsC0FFEE00")
        template["Resources"]["AuditorsGroupB0B0B0B0"] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {"GroupName": "auditors", "UserPoolId": {"Ref": POOL}},
        }

    (finding,) = [f for f in run(two_new_groups) if f.kind is FindingKind.REMOVED]

    assert finding.probable_rename == "AdminGroupsC0FFEE00"


def test_stateful_resource_moved_to_another_template_names_the_new_home() -> None:
    baseline = cognito_template()
    candidate = cognito_template()
    client = candidate["Resources"].pop(CLIENT)
    moved = {"Resources": {"WebClientE1E2E3E4": client}}

    result = compare({KEY: baseline}, {KEY: candidate, "dev/devClients55AA55AA": moved})

    (finding,) = [f for f in result.findings if f.kind is FindingKind.REMOVED]
    assert finding.logical_id == CLIENT
    assert finding.probable_rename == "devClients55AA55AA/WebClientE1E2E3E4"


def test_template_only_in_baseline_removes_every_stateful_resource() -> None:
    result = compare({KEY: cognito_template()}, {})

    removed = {f.logical_id for f in result.blocking if f.kind is FindingKind.REMOVED}
    assert removed == {POOL, CLIENT, DOMAIN, GROUP, IDENTITY_POOL}
    (summary,) = result.environments
    assert summary.templates_removed == 1
    assert summary.resources_removed == 7  # CDK metadata is not counted


def test_template_only_in_candidate_is_new_and_passes() -> None:
    result = compare({}, {KEY: cognito_template()})

    assert result.passed
    (change,) = result.templates
    assert (change.status, change.resources_added) == ("added", 7)
    assert any(line.startswith(f"ADDED {KEY} ") for line in result.to_lines())


def test_summary_counts_added_changed_removed_per_environment() -> None:
    candidate = cognito_template()
    props(candidate, FUNCTION)["MemorySize"] = 1024
    props(candidate, CLIENT)["IdTokenValidity"] = 30
    del candidate["Resources"][GROUP]
    _add_client(candidate)
    prod = cognito_template()

    result = compare(
        {KEY: cognito_template(), "prod/prodCognito1234ABCD": prod},
        {KEY: candidate, "prod/prodCognito1234ABCD": prod},
    )

    dev, prod_summary = result.environments
    assert (dev.environment, dev.resources_added, dev.resources_changed) == ("dev", 1, 2)
    assert (dev.resources_removed, dev.blocking) == (1, 1)
    assert (prod_summary.environment, prod_summary.resources_changed) == ("prod", 0)


def test_malformed_template_is_an_input_error() -> None:
    with pytest.raises(GuardInputError, match=r"Resources\.Broken must be an object"):
        compare({KEY: {"Resources": {"Broken": []}}}, {KEY: cognito_template()})


@pytest.mark.parametrize("change", ["UsernameAttributes", "Schema"])
def test_every_finding_about_a_setting_cognito_cannot_change_names_the_migration_runbook(
    template: dict[str, Any], change: str
) -> None:
    changed = copy.deepcopy(template)
    pool = next(r for r in changed["Resources"].values() if r["Type"] == "AWS::Cognito::UserPool")
    if change == "Schema":
        pool["Properties"]["Schema"] = pool["Properties"]["Schema"][1:]
    else:
        pool["Properties"]["UsernameAttributes"] = ["phone_number"]
    findings = compare({"dev/t": template}, {"dev/t": changed}).blocking
    assert findings
    assert all(f.kind == "immutable-pool-setting" for f in findings)
    assert all("docs/migration.md" in f.remedy for f in findings)
