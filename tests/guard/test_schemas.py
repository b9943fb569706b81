"""createOnlyProperties come from cfn-lint's bundled registry schemas, not a hand-kept list."""

from __future__ import annotations

import pytest

from infra.guard.schemas import (
    REFERENCE_REGION,
    create_only_properties,
    create_only_segments,
    known_resource_types,
    schema_dir,
)

COGNITO_TYPES = sorted(t for t in known_resource_types() if t.startswith("AWS::Cognito::"))


def test_bundled_schemas_know_the_cognito_types_this_project_uses() -> None:
    assert {
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolDomain",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolIdentityProvider",
        "AWS::Cognito::UserPoolResourceServer",
        "AWS::Cognito::IdentityPool",
        "AWS::Cognito::IdentityPoolRoleAttachment",
        "AWS::Cognito::ManagedLoginBranding",
        "AWS::Cognito::UserPoolUser",
    } <= set(COGNITO_TYPES)


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [
        ("AWS::Cognito::UserPoolClient", {"GenerateSecret", "UserPoolId"}),
        ("AWS::Cognito::UserPoolGroup", {"GroupName", "UserPoolId"}),
        ("AWS::Cognito::UserPoolIdentityProvider", {"ProviderName", "ProviderType", "UserPoolId"}),
        ("AWS::Cognito::UserPoolDomain", {"Domain", "UserPoolId"}),
        ("AWS::Cognito::UserPoolResourceServer", {"Identifier", "UserPoolId"}),
        ("AWS::Cognito::IdentityPoolRoleAttachment", {"IdentityPoolId"}),
    ],
)
def test_known_create_only_properties(resource_type: str, expected: set[str]) -> None:
    assert create_only_properties(resource_type) == expected


def test_user_pool_has_no_create_only_properties() -> None:
    # Why the guard needs explicit rules for the pool's immutable settings.
    assert create_only_properties("AWS::Cognito::UserPool") == frozenset()


@pytest.mark.parametrize("resource_type", COGNITO_TYPES)
def test_every_cognito_type_matches_cfn_lints_own_schema_loader(resource_type: str) -> None:
    # cfn-lint's loader, pointed at the same bundled files, is the independent oracle (imported
    # here: half a second that only the worker running these tests should pay).
    from cfnlint.schema.manager import ProviderSchemaManager  # type: ignore[import-untyped]

    manager = ProviderSchemaManager(
        providers_dir=schema_dir() / "providers", resources_dir=schema_dir() / "resources"
    )
    schema = manager.get_resource_schema(REFERENCE_REGION, resource_type).schema
    pointers = schema.get("createOnlyProperties", [])

    expected = {p.removeprefix("/properties/") for p in pointers}
    assert create_only_properties(resource_type) == expected
    if resource_type not in {"AWS::Cognito::UserPool", "AWS::Cognito::IdentityPool"}:
        # Everything hangs off a pool: moving it to another pool means a new resource.
        assert expected & {"UserPoolId", "IdentityPoolId"}


def test_nested_and_wildcard_pointers_keep_their_structure() -> None:
    paths = create_only_properties("AWS::MSK::Replicator")

    assert "ReplicationInfoList/*/SourceKafkaClusterArn" in paths
    assert ("ReplicationInfoList", "*", "SourceKafkaClusterArn") in create_only_segments(
        "AWS::MSK::Replicator"
    )


def test_custom_resources_use_the_custom_resource_schema() -> None:
    assert create_only_properties("Custom::CognitoClientSecret") == {"ServiceToken"}


def test_unknown_type_has_no_create_only_properties() -> None:
    assert create_only_properties("AWS::Nope::Nothing") == frozenset()
