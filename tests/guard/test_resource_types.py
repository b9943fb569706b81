"""The rules beyond the sample template: every Cognito type, other stateful types, edge shapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.guard import FindingKind, compare, create_only_properties
from infra.guard.schemas import known_resource_types
from infra.guard.stateful import is_stateful

from .sample import CLIENT, DOMAIN, GROUP, IDENTITY_POOL, KEY, POOL, cognito_template

COGNITO_TYPES = sorted(t for t in known_resource_types() if t.startswith("AWS::Cognito::"))


def one(resource_type: str, properties: dict[str, Any], **attributes: Any) -> dict[str, Any]:
    """A template holding one resource, with optional DeletionPolicy and friends."""
    resource = {"Type": resource_type, "Properties": properties, **attributes}
    return {"Resources": {"ThingA1B2C3D4": resource}}


@pytest.mark.parametrize("resource_type", [t for t in COGNITO_TYPES if create_only_properties(t)])
def test_each_create_only_property_of_every_cognito_type_is_guarded(resource_type: str) -> None:
    for path in sorted(create_only_properties(resource_type)):
        top = path.split("/")[0]
        before = one(resource_type, {top: "old-value"})
        after = one(resource_type, {top: "new-value"})

        (finding,) = compare({KEY: before}, {KEY: after}).blocking

        assert finding.kind is FindingKind.CREATE_ONLY_CHANGE
        assert finding.logical_id == "ThingA1B2C3D4"
        assert finding.property_path == top


@pytest.mark.parametrize("resource_type", COGNITO_TYPES)
def test_every_cognito_type_is_stateful(resource_type: str) -> None:
    (finding,) = compare({KEY: one(resource_type, {})}, {KEY: {"Resources": {}}}).blocking

    assert finding.kind is FindingKind.REMOVED


def test_nested_wildcard_create_only_property_is_compared_item_by_item() -> None:
    def replicator(arns: list[str]) -> dict[str, Any]:
        items = [{"SourceKafkaClusterArn": arn, "TopicReplication": {}} for arn in arns]
        return one("AWS::MSK::Replicator", {"ReplicationInfoList": items})

    same = compare({KEY: replicator(["a", "b"])}, {KEY: replicator(["a", "b"])})
    changed = compare({KEY: replicator(["a", "b"])}, {KEY: replicator(["a", "c"])})

    assert same.findings == ()
    paths = {f.property_path for f in changed.findings}
    assert "ReplicationInfoList/*/SourceKafkaClusterArn" in paths


def test_custom_resource_service_token_change_is_a_create_only_change() -> None:
    before = one("Custom::ClientSecret", {"ServiceToken": {"Fn::GetAtt": ["ProviderA", "Arn"]}})
    after = one("Custom::ClientSecret", {"ServiceToken": {"Fn::GetAtt": ["ProviderB", "Arn"]}})

    (finding,) = compare({KEY: before}, {KEY: after}).findings

    assert (finding.kind, finding.property_path) == (FindingKind.CREATE_ONLY_CHANGE, "ServiceToken")


def test_other_stateful_types_are_guarded_too() -> None:
    table = one(
        "AWS::DynamoDB::Table",
        {"DeletionProtectionEnabled": True, "BillingMode": "PAY_PER_REQUEST"},
        DeletionPolicy="Retain",
    )
    unprotected = one(
        "AWS::DynamoDB::Table",
        {"DeletionProtectionEnabled": False, "BillingMode": "PAY_PER_REQUEST"},
        DeletionPolicy="Retain",
    )
    logs = one("AWS::Logs::LogGroup", {"RetentionInDays": 365})

    (weakened,) = compare({KEY: table}, {KEY: unprotected}).findings
    (log_removed,) = compare({KEY: logs}, {KEY: {"Resources": {}}}).findings

    assert (weakened.kind, weakened.property_path) == (
        FindingKind.PROTECTION_WEAKENED,
        "DeletionProtectionEnabled",
    )
    assert log_removed.kind is FindingKind.REMOVED


def test_protection_rules_ignore_stateless_resources() -> None:
    before = one("AWS::IAM::Role", {"Description": "x"}, DeletionPolicy="Retain")
    after = one("AWS::IAM::Role", {"Description": "x"})

    assert compare({KEY: before}, {KEY: after}).findings == ()


def test_schema_behind_an_intrinsic_is_compared_whole() -> None:
    before = cognito_template()
    after = cognito_template()
    schema = before["Resources"][POOL]["Properties"]["Schema"]
    after["Resources"][POOL]["Properties"]["Schema"] = {"Fn::If": ["IsProd", schema, []]}

    (finding,) = compare({KEY: before}, {KEY: after}).findings

    assert (finding.kind, finding.property_path) == (FindingKind.IMMUTABLE_POOL_SETTING, "Schema")


def test_reordered_username_attributes_are_the_same_setting() -> None:
    before = cognito_template()
    after = cognito_template()
    before["Resources"][POOL]["Properties"]["UsernameAttributes"] = ["email", "phone_number"]
    after["Resources"][POOL]["Properties"]["UsernameAttributes"] = ["phone_number", "email"]

    assert compare({KEY: before}, {KEY: after}).findings == ()


def test_identical_sample_passes(template: dict[str, Any]) -> None:
    assert compare({KEY: template}, {KEY: cognito_template()}).passed


STATEFUL_IN_SAMPLE = [POOL, CLIENT, DOMAIN, GROUP, IDENTITY_POOL]


@settings(max_examples=40, deadline=None)
@given(
    victim=st.sampled_from(STATEFUL_IN_SAMPLE),
    new_id=st.from_regex(r"[A-Z][A-Za-z0-9]{2,30}", fullmatch=True),
)
def test_any_rename_of_a_stateful_resource_is_caught(victim: str, new_id: str) -> None:
    before = cognito_template()
    if new_id in before["Resources"]:
        return
    after = cognito_template()
    after["Resources"][new_id] = after["Resources"].pop(victim)

    result = compare({KEY: before}, {KEY: after})

    removed = [f for f in result.blocking if f.kind is FindingKind.REMOVED]
    assert [(f.logical_id, f.probable_rename) for f in removed] == [(victim, new_id)]
    assert is_stateful(removed[0].resource_type)
