"""Trigger functions: wiring (V3_0 for tokens), configuration, least privilege, no cycle."""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.constructs.triggers import ASSET_EXCLUDES, LAMBDA_TRIGGERS_DIR
from lambda_triggers import user_migration
from tests.conftest import Assembly, Synthesized

FUNCTION = "AWS::Lambda::Function"
LAMBDA_CONFIG_KEYS = {
    "PreSignUp": "pre_sign_up",
    "PostConfirmation": "post_confirmation",
    "PreTokenGenerationConfig": "pre_token_generation",
    "CustomMessage": "custom_message",
    "UserMigration": "user_migration",
    "InboundFederation": "inbound_federation",
}
# The team's functions (by ARN) and the senders' key are in tests/stacks/test_trigger_slots.py.
TEAM_SLOTS = {"PreAuthentication", "CustomEmailSender", "CustomSMSSender", "KMSKeyID"}
EXPECTED_TRIGGERS = {
    "showcase": {
        "PreSignUp",
        "PostConfirmation",
        "PreTokenGenerationConfig",
        "CustomMessage",
        "InboundFederation",
        *TEAM_SLOTS,
    },
    "relaxed": {"PreSignUp", "PostConfirmation", "UserMigration"},
    "strict": {"PreSignUp", "PostConfirmation", "PreTokenGenerationConfig", "CustomMessage"},
}
POOL_ACTIONS: dict[str, str | list[str]] = {
    "post_confirmation": "cognito-idp:AdminAddUserToGroup",  # a single action is not a list
}
LINKING_ACTIONS = [
    "cognito-idp:ListUsers",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminLinkProviderForUser",
]
# Only where machine clients get claims or groups get scopes: the trigger looks client names up.
MACHINE_LOOKUP = "cognito-idp:ListUserPoolClients"


def functions_by_module(env: Synthesized) -> dict[str, tuple[str, dict[str, Any]]]:
    """The trigger functions (not the APIs' example backend), by module."""
    return {
        module: (logical_id, f["Properties"])
        for logical_id, f in env.resources(FUNCTION).items()
        if (module := f["Properties"]["Handler"].split(".")[0]) in LAMBDA_CONFIG_KEYS.values()
    }


def trigger_config(properties: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(properties["Environment"]["Variables"]["TRIGGER_CONFIG"])
    return config


@pytest.mark.parametrize("name", sorted(EXPECTED_TRIGGERS))
def test_enabled_triggers_are_wired_to_the_pool(assembly: Assembly, name: str) -> None:
    env = assembly.environments[name]
    lambda_config = env.only("AWS::Cognito::UserPool")["Properties"]["LambdaConfig"]
    assert set(lambda_config) == EXPECTED_TRIGGERS[name]
    functions = functions_by_module(env)
    for key, module in LAMBDA_CONFIG_KEYS.items():
        if key not in lambda_config:
            assert module not in functions
            continue
        target = lambda_config[key]
        if key == "PreTokenGenerationConfig":
            # V3_0: machine (client-credentials) access tokens are customized too.
            assert target["LambdaVersion"] == "V3_0"
            target = target["LambdaArn"]
        if key == "InboundFederation":
            assert target["LambdaVersion"] == "V1_0"  # the only version AWS defines
            target = target["LambdaArn"]
        assert target == {"Fn::GetAtt": [functions[module][0], "Arn"]}


def test_every_function_is_small_fast_and_on_the_latest_runtime(any_env: Synthesized) -> None:
    for module, (_, properties) in functions_by_module(any_env).items():
        assert properties["Runtime"] == "python3.14", module
        assert properties["Architectures"] == ["arm64"], module
        assert properties["Timeout"] <= 5, module
        assert properties["MemorySize"] == any_env.config.triggers.memory_mb, module
        assert properties["Handler"] == f"{module}.handler"
        assert (LAMBDA_TRIGGERS_DIR / f"{module}.py").is_file()


def test_every_function_logs_json_to_its_own_log_group_with_retention(any_env: Synthesized) -> None:
    log_groups = any_env.resources("AWS::Logs::LogGroup")
    for module, (_, properties) in functions_by_module(any_env).items():
        logging_config = properties["LoggingConfig"]
        assert logging_config["LogFormat"] == "JSON", module
        log_group = log_groups[logging_config["LogGroup"]["Ref"]]
        assert (
            log_group["Properties"]["RetentionInDays"] == any_env.config.triggers.log_retention_days
        )
        assert log_group["DeletionPolicy"] == "Retain"


def policies_of_role(env: Synthesized, role_id: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in env.resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_roles_reach_only_their_log_group_and_this_pool(any_env: Synthesized) -> None:
    pool_arn = {"Fn::GetAtt": [next(iter(any_env.resources("AWS::Cognito::UserPool"))), "Arn"]}
    for module, (_, properties) in functions_by_module(any_env).items():
        role_id = properties["Role"]["Fn::GetAtt"][0]
        role = any_env.resources("AWS::IAM::Role")[role_id]["Properties"]
        assert "ManagedPolicyArns" not in role, "no AWS-managed policy (it allows every log group)"
        statements = policies_of_role(any_env, role_id)
        logs = [
            s for s in statements if s["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        ]
        assert logs == [
            {
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [properties["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]},
            }
        ]
        pool = [s for s in statements if s not in logs]
        actions = POOL_ACTIONS.get(module)
        if module == "pre_sign_up" and any_env.config.triggers.pre_sign_up.account_linking:
            actions = LINKING_ACTIONS  # without linking, pre sign-up calls no AWS API at all
        runtime = trigger_config(properties)
        if module == "pre_token_generation" and (
            runtime["machine_clients"] or runtime["group_scopes"]
        ):
            actions = MACHINE_LOOKUP
        if module == "user_migration":
            # Nothing on this pool; sign-in and read on the old pool only.
            migration = any_env.config.migration
            assert migration is not None
            [old] = pool
            assert old["Action"] == ["cognito-idp:AdminInitiateAuth", "cognito-idp:AdminGetUser"]
            assert str(old["Resource"]).endswith(f"userpool/{migration.from_user_pool_id}']]}}")
            continue
        if actions:
            assert pool == [{"Action": actions, "Effect": "Allow", "Resource": pool_arn}]
        else:
            assert pool == []


def test_pool_access_policy_is_outside_the_function_dependencies(any_env: Synthesized) -> None:
    # The pool depends on the function; a function depending on a policy that names the pool
    # ARN would be a circular dependency that CloudFormation refuses.
    policies = set(any_env.resources("AWS::IAM::ManagedPolicy"))
    for logical_id, function in any_env.resources(FUNCTION).items():
        assert not policies & set(function.get("DependsOn", [])), logical_id


def test_template_has_no_dependency_cycle(any_env: Synthesized) -> None:
    resources = any_env.template_json["Resources"]

    def references(node: Any) -> set[str]:
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in resources:
                return {node["Ref"]}
            if set(node) == {"Fn::GetAtt"}:
                return {node["Fn::GetAtt"][0]}
            return set().union(*(references(v) for v in node.values())) if node else set()
        if isinstance(node, list):
            return set().union(*(references(v) for v in node)) if node else set()
        return set()

    graph = {
        logical_id: references(resource.get("Properties", {})) | set(resource.get("DependsOn", []))
        for logical_id, resource in resources.items()
    }
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in visiting, f"cycle: {' -> '.join((*path, node))}"
        if node in done:
            return
        visiting.add(node)
        for target in graph[node]:
            visit(target, (*path, node))
        visiting.discard(node)
        done.add(node)

    for node in graph:
        visit(node, ())


def test_pre_sign_up_trusts_each_provider_only_for_the_domains_it_owns(
    assembly: Assembly,
) -> None:
    config = trigger_config(
        functions_by_module(assembly.environments["showcase"])["pre_sign_up"][1]
    )
    assert config["account_linking"] is True
    # Facebook asserts no verification, Apple lists no domain, PartnerLogin (OIDC) is not
    # declared verified: none of them may vouch for anything.
    assert config["provider_email_domains"] == {
        "CorporateSSO": ["corp.example.com"],
        "Google": ["gmail.com", "googlemail.com"],
    }
    # Only the enterprise IdP's domain covers its subdomains; Google's are exact.
    assert config["provider_subdomains"] == ["CorporateSSO"]
    assert config["provider_hosted_domains"] == {}
    # Both groups map to IAM roles; admins also has the lowest precedence.
    assert config["protected_groups"] == ["admins", "members"]
    assert config["federated_sign_up"] == "open"
    assert config["denied_email_domains"] == ["mailinator.com"]


def test_an_invite_only_pool_admits_only_its_workspace_through_google(
    assembly: Assembly,
) -> None:
    env = assembly.environments["strict"]
    config = trigger_config(functions_by_module(env)["pre_sign_up"][1])
    assert env.config.user_pool.self_sign_up is False
    assert config["federated_sign_up"] == "invite_only"
    assert config["federated_sign_up_domains"] == ["example.com"]
    # Google Workspace through Google's OIDC issuer: exactly example.com, and only with `hd`.
    assert config["provider_email_domains"] == {"GoogleWorkspace": ["example.com"]}
    assert config["provider_hosted_domains"] == {"GoogleWorkspace": "custom:hd"}
    assert config["provider_subdomains"] == []
    assert config["account_linking"] is False


def test_without_federation_nothing_is_vouched_for_or_linked(assembly: Assembly) -> None:
    env = assembly.environments["relaxed"]
    config = trigger_config(functions_by_module(env)["pre_sign_up"][1])
    assert config["account_linking"] is False
    assert config["provider_email_domains"] == {}


def test_group_ids_become_group_names_for_the_runtime(assembly: Assembly) -> None:
    functions = functions_by_module(assembly.environments["showcase"])
    assert trigger_config(functions["post_confirmation"][1]) == {"default_group": "members"}
    tokens = trigger_config(functions["pre_token_generation"][1])
    assert tokens["group_scopes"] == {"admins": ["orders/write"]}
    # By client name: which group scopes each client that signs users in may carry.
    assert tokens["client_scopes"] == {"AdminPortal": ["orders/write"], "WebApp": []}
    assert tokens["id_token_claims"] == {
        "tenant_id": "custom:tenant_id",
        "idp_groups": "custom:idp_groups",
    }
    assert tokens["groups_claim"] == "roles"
    # Machine clients by client name: the event names the client by id only.
    assert tokens["machine_clients"] == {
        "OrdersWorker": {"claims": {"service": "orders-worker"}, "scopes": []}
    }


def test_client_lookup_only_where_machine_claims_or_group_scopes_need_it(
    assembly: Assembly,
) -> None:
    for name in ("showcase", "strict"):
        env = assembly.environments[name]
        _, properties = functions_by_module(env)["pre_token_generation"]
        tokens = env.config.triggers.pre_token_generation
        configured = bool(tokens.machine_clients or tokens.group_scopes)
        actions = [
            s["Action"]
            for s in policies_of_role(env, properties["Role"]["Fn::GetAtt"][0])
            if s["Action"] == MACHINE_LOOKUP
        ]
        assert (actions == [MACHINE_LOOKUP]) is configured, name


@pytest.mark.parametrize(("name", "customize"), [("showcase", False), ("strict", True)])
def test_custom_email_only_where_the_pool_sends_through_ses(
    assembly: Assembly, name: str, customize: bool
) -> None:
    functions = functions_by_module(assembly.environments[name])
    assert trigger_config(functions["custom_message"][1])["customize_email"] is customize


def test_every_trigger_config_satisfies_the_runtime_contract(any_env: Synthesized) -> None:
    for module, (_, properties) in functions_by_module(any_env).items():
        runtime = importlib.import_module(f"lambda_triggers.{module}")
        runtime.parse_config(trigger_config(properties))  # raises on any contract violation


def test_asset_hash_ignores_bytecode(tmp_path: Path) -> None:
    copy = tmp_path / "lambda_triggers"
    shutil.copytree(LAMBDA_TRIGGERS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = cdk.FileSystem.fingerprint(str(copy), exclude=ASSET_EXCLUDES)
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "pre_sign_up.cpython-314.pyc").write_bytes(b"\x00bytecode")
    (copy / "stray.pyc").write_bytes(b"\x00")
    assert cdk.FileSystem.fingerprint(str(copy), exclude=ASSET_EXCLUDES) == before
    (copy / "pre_sign_up.py").write_text("# changed\n")
    assert cdk.FileSystem.fingerprint(str(copy), exclude=ASSET_EXCLUDES) != before


def test_checkov_skips_carry_the_same_reasons_as_the_nag_acknowledgments(
    any_env: Synthesized,
) -> None:
    prefix = f"{any_env.config.name}: the "
    for logical_id, _ in functions_by_module(any_env).values():
        function = any_env.resources(FUNCTION)[logical_id]
        skips = {s["id"]: s["comment"] for s in function["Metadata"]["checkov"]["skip"]}
        assert set(skips) == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"}
        assert all(comment.startswith(prefix) for comment in skips.values()), logical_id
        assert "synchronously" in skips["CKV_AWS_116"]
    log_groups = any_env.resources("AWS::Logs::LogGroup")
    for _, properties in functions_by_module(any_env).values():
        log_group = log_groups[properties["LoggingConfig"]["LogGroup"]["Ref"]]
        [skip] = log_group["Metadata"]["checkov"]["skip"]
        assert skip["id"] == "CKV_AWS_158"
        assert skip["comment"].startswith(prefix)


def test_guest_identity_pool_skip_only_where_guests_are_allowed(any_env: Synthesized) -> None:
    if not any_env.config.identity_pool.enabled:
        pytest.skip("no identity pool in this environment")
    pool = any_env.only("AWS::Cognito::IdentityPool")
    skips = pool.get("Metadata", {}).get("checkov", {}).get("skip", [])
    if any_env.config.identity_pool.guest_access:
        assert [s["id"] for s in skips] == ["CKV_AWS_366"]
        assert any_env.config.identity_pool.guest_access_reason in skips[0]["comment"]
    else:
        assert skips == []


# --- user migration ---------------------------------------------------------------------------


def test_the_migration_trigger_may_only_sign_in_and_read_users_on_the_old_pool(
    assembly: Assembly,
) -> None:
    relaxed = assembly.environments["relaxed"]
    _, properties = functions_by_module(relaxed)["user_migration"]
    role_id = properties["Role"]["Fn::GetAtt"][0]
    statements = [
        s for s in policies_of_role(relaxed, role_id) if not s["Action"][0].startswith("logs:")
    ]
    assert statements == [
        {
            "Action": ["cognito-idp:AdminInitiateAuth", "cognito-idp:AdminGetUser"],
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":cognito-idp:eu-west-1:222222222222:userpool/eu-west-1_OldPool01",
                    ],
                ]
            },
        }
    ]


def test_the_migration_trigger_knows_the_old_pool_and_the_new_pools_attributes(
    assembly: Assembly,
) -> None:
    relaxed = assembly.environments["relaxed"]
    config = trigger_config(functions_by_module(relaxed)["user_migration"][1])
    assert config == {
        "from_user_pool_id": "eu-west-1_OldPool01",
        "from_client_id": "1example23456789old",
        "region": "eu-west-1",
        "attributes": [
            "custom:tenant_id",
            "email",
            "email_verified",
            "family_name",
            "given_name",
        ],
        "case_sensitive": False,
        "sign_in_identifiers": ["email"],
        "forgot_password": "ignore",
    }
    # Both authorization inputs migrate only because the file declares them protected.
    migration = relaxed.config.migration
    assert migration is not None
    assert set(migration.protected_in_old_pool) == {
        "custom:tenant_id",
        "email_verified",
    }
    assert user_migration.parse_config(config).attributes == frozenset(config["attributes"])
