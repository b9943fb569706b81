"""Identity pool: roles that cannot be borrowed, least privilege, guests read-only or absent."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config.identity_pool import READ_ONLY_VERBS
from tests.conftest import Assembly, Synthesized

IDENTITY_POOL = "AWS::Cognito::IdentityPool"
ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def federated_roles(env: Synthesized) -> dict[str, dict[str, Any]]:
    """Every role whose trust names cognito-identity.amazonaws.com."""
    return {
        logical_id: role
        for logical_id, role in env.resources("AWS::IAM::Role").items()
        if any(
            statement.get("Principal", {}).get("Federated") == COGNITO_IDENTITY
            for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        )
    }


def policies_of(env: Synthesized, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in env.resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_every_environment_has_one_identity_pool_with_a_role_attachment(env: Synthesized) -> None:
    require_identity_pool(env)
    pool = env.only(IDENTITY_POOL)["Properties"]
    attachment = env.only(ATTACHMENT)["Properties"]
    assert attachment["IdentityPoolId"] == {"Ref": next(iter(env.resources(IDENTITY_POOL)))}
    assert pool["AllowClassicFlow"] is False


def test_identity_pool_accepts_only_public_clients_with_server_side_token_check(
    env: Synthesized,
) -> None:
    require_identity_pool(env)
    providers = env.only(IDENTITY_POOL)["Properties"]["CognitoIdentityProviders"]
    client_ids = {
        logical_id
        for logical_id, client in env.resources("AWS::Cognito::UserPoolClient").items()
        if env.config.app_clients[client["Properties"]["ClientName"]].kind == "public"
    }
    assert {p["ClientId"]["Ref"] for p in providers} == client_ids
    for provider in providers:
        assert provider["ServerSideTokenCheck"] is True
        assert provider["ProviderName"] == {
            "Fn::GetAtt": [next(iter(env.resources("AWS::Cognito::UserPool"))), "ProviderName"]
        }


def require_identity_pool(env: Synthesized) -> None:
    if not env.config.identity_pool.enabled:
        assert env.resources(IDENTITY_POOL) == {}
        assert federated_roles(env) == {}
        pytest.skip("no identity pool in this environment (and no role trusts one)")


def test_every_federated_role_is_bound_to_this_pool_and_its_amr(any_env: Synthesized) -> None:
    require_identity_pool(any_env)
    pool_id = next(iter(any_env.resources(IDENTITY_POOL)))
    attachment = any_env.only(ATTACHMENT)["Properties"]["Roles"]
    guest_role = attachment.get("unauthenticated", {}).get("Fn::GetAtt", [None])[0]
    roles = federated_roles(any_env)
    assert roles, "no federated role"
    for logical_id, role in roles.items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            actions = set(as_list(statement["Action"]))
            assert "sts:AssumeRoleWithWebIdentity" in actions, logical_id
            assert actions <= {"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}, logical_id
            condition = statement["Condition"]
            assert condition["StringEquals"] == {f"{COGNITO_IDENTITY}:aud": {"Ref": pool_id}}
            expected_amr = "unauthenticated" if logical_id == guest_role else "authenticated"
            assert condition["ForAnyValue:StringLike"] == {f"{COGNITO_IDENTITY}:amr": expected_amr}


def test_tag_session_only_where_principal_tags_are_used(any_env: Synthesized) -> None:
    require_identity_pool(any_env)
    uses_tags = bool(any_env.config.identity_pool.principal_tags)
    attachment = any_env.only(ATTACHMENT)["Properties"]["Roles"]
    authenticated = attachment["authenticated"]["Fn::GetAtt"][0]
    actions = as_list(
        federated_roles(any_env)[authenticated]["Properties"]["AssumeRolePolicyDocument"][
            "Statement"
        ][0]["Action"]
    )
    assert ("sts:TagSession" in actions) is uses_tags


def test_no_role_has_a_wildcard_action(any_env: Synthesized) -> None:
    for policy in any_env.resources("AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            for action in as_list(statement["Action"]):
                assert "*" not in action, action


@pytest.mark.parametrize("name", ["relaxed", "strict"])
def test_guest_access_is_off_in_production_tier(assembly: Assembly, name: str) -> None:
    env = assembly.environments[name]
    assert env.only(IDENTITY_POOL)["Properties"]["AllowUnauthenticatedIdentities"] is False
    assert "unauthenticated" not in env.only(ATTACHMENT)["Properties"]["Roles"]
    assert len(federated_roles(env)) == 1
    assert "GuestRoleArn" not in env.template_json["Outputs"]


def test_dev_guest_role_is_read_only_and_never_on_star(assembly: Assembly) -> None:
    dev = assembly.environments["showcase"]
    assert dev.only(IDENTITY_POOL)["Properties"]["AllowUnauthenticatedIdentities"] is True
    guest = dev.only(ATTACHMENT)["Properties"]["Roles"]["unauthenticated"]["Fn::GetAtt"][0]
    statements = policies_of(dev, guest)
    assert statements == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": "arn:aws:s3:::acme-dev-user-files/public/*",
        }
    ]
    for statement in statements:
        for action in as_list(statement["Action"]):
            assert action.split(":", 1)[1].startswith(READ_ONLY_VERBS)
        assert "*" not in as_list(statement["Resource"])


def test_signed_in_identities_reach_only_their_own_prefix(env: Synthesized) -> None:
    require_identity_pool(env)
    assert env.config.identity_pool.user_files is not None
    bucket = f"arn:aws:s3:::{env.config.identity_pool.user_files.bucket_name}"
    authenticated = env.only(ATTACHMENT)["Properties"]["Roles"]["authenticated"]["Fn::GetAtt"][0]
    statements = policies_of(env, authenticated)
    assert {
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        "Effect": "Allow",
        "Resource": f"{bucket}/${{cognito-identity.amazonaws.com:sub}}/*",
    } in statements
    assert {
        "Action": "s3:ListBucket",
        "Condition": {
            "StringLike": {
                "s3:prefix": [
                    "${cognito-identity.amazonaws.com:sub}/",
                    "${cognito-identity.amazonaws.com:sub}/*",
                ]
            }
        },
        "Effect": "Allow",
        "Resource": bucket,
    } in statements


def test_group_roles_map_from_the_token_with_deny(assembly: Assembly) -> None:
    dev = assembly.environments["showcase"]
    mappings = dev.only(ATTACHMENT)["Properties"]["RoleMappings"]
    assert list(mappings) == ["WebApp"]
    assert mappings["WebApp"]["Type"] == "Token"
    assert mappings["WebApp"]["AmbiguousRoleResolution"] == "Deny"
    groups = {
        g["Properties"]["GroupName"]: g["Properties"]
        for g in dev.resources("AWS::Cognito::UserPoolGroup").values()
    }
    roles = federated_roles(dev)
    for name in ("admins", "members"):
        role_id = groups[name]["RoleArn"]["Fn::GetAtt"][0]
        assert role_id in roles


def test_environments_without_group_roles_have_no_role_mapping(assembly: Assembly) -> None:
    assert "RoleMappings" not in assembly.environments["strict"].only(ATTACHMENT)["Properties"]


def test_principal_tags_map_pool_claims_for_abac(assembly: Assembly) -> None:
    dev = assembly.environments["showcase"]
    tags = dev.only("AWS::Cognito::IdentityPoolPrincipalTag")["Properties"]
    assert tags["PrincipalTags"] == {"tenant": "custom:tenant_id"}
    assert tags["UseDefaults"] is False
    admins = next(
        g["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        for g in dev.resources("AWS::Cognito::UserPoolGroup").values()
        if g["Properties"]["GroupName"] == "admins"
    )
    resources = [s["Resource"] for s in policies_of(dev, admins)]
    assert "arn:aws:s3:::acme-dev-user-files/${aws:PrincipalTag/tenant}/*" in resources


def test_outputs_identity_pool_and_role_arns(env: Synthesized) -> None:
    require_identity_pool(env)
    outputs = env.template_json["Outputs"]
    assert outputs["IdentityPoolId"]["Value"] == {"Ref": next(iter(env.resources(IDENTITY_POOL)))}
    assert "AuthenticatedRoleArn" in outputs
    assert ("GuestRoleArn" in outputs) is env.config.identity_pool.guest_access
