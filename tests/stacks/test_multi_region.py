"""The multi-Region stage: one replica synthesizes the replica, its regional configuration, the
replica key and the kit's triggers in both Regions, nag-clean; the updated issuer reaches every
authorizer and output. The fixture: tests/fixtures/multi-region/multiregion.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from infra.config import EnvironmentConfig, load_environment
from infra.nag import nag_packs
from stacks.composition import compose
from tests.conftest import new_app
from tests.stacks.test_snapshots import normalised

# Seconds of work (synths): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "multi-region"
PRIMARY, REPLICA, ACCOUNT = "eu-west-1", "eu-central-1", "333333333333"
POOL = "DirectoryUserPool76052951"
STACK = "cognito-kit-multiregion"
POOL_OUTPUT = {
    "Fn::GetStackOutput": {
        "StackName": STACK,
        "Region": PRIMARY,
        "OutputName": f"PublishOutputRef{POOL}2A1ED5D4",
    }
}


class Stage:
    """The synthesized stage: each stack's template by construct id, and the manifest."""

    def __init__(self, config: EnvironmentConfig, outdir: Path) -> None:
        # cdk.json's feature flags, as `cdk synth` gives them to app.py.
        context = json.loads((ROOT / "cdk.json").read_text())["context"]
        app = new_app(outdir=str(outdir), context=context)
        self.stage = compose(app, [config], directory=FIXTURES)[config.name]
        app.synth()
        self.outdir = outdir
        self.assembly = self.stage.synth()
        self.templates: dict[str, dict[str, Any]] = {
            stack.node.id: self.assembly.get_stack_artifact(stack.artifact_id).template
            for stack in self.stage.node.children
            if isinstance(stack, cdk.Stack)
        }
        self.stacks = {
            stack.node.id: stack
            for stack in self.stage.node.children
            if isinstance(stack, cdk.Stack)
        }

    def resources(self, stack: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.templates[stack]["Resources"].items()
            if resource["Type"] == resource_type
        }

    def only(self, stack: str, resource_type: str) -> tuple[str, dict[str, Any]]:
        [(logical_id, resource)] = self.resources(stack, resource_type).items()
        return logical_id, resource


@pytest.fixture(scope="module")
def config() -> EnvironmentConfig:
    return load_environment("multiregion", directory=FIXTURES)


@pytest.fixture(scope="module")
def stage(config: EnvironmentConfig, tmp_path_factory: pytest.TempPathFactory) -> Stage:
    return Stage(config, tmp_path_factory.mktemp("multi-region.out"))


def test_one_replica_makes_four_stacks_in_deploy_order(stage: Stage) -> None:
    manifest = json.loads((stage.outdir / "assembly-multiregion" / "manifest.json").read_text())
    stacks = {
        artifact["properties"]["stackName"]: (
            artifact["environment"],
            sorted(d for d in artifact.get("dependencies", []) if not d.endswith(".assets")),
        )
        for artifact in manifest["artifacts"].values()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert stacks == {
        STACK: (f"aws://{ACCOUNT}/{PRIMARY}", []),
        f"{STACK}-replica-key": (f"aws://{ACCOUNT}/{REPLICA}", ["multiregionCognito8745E146"]),
        f"{STACK}-replication": (
            f"aws://{ACCOUNT}/{PRIMARY}",
            ["multiregionCognito8745E146", "multiregionReplicaKeyFC76667D"],
        ),
        f"{STACK}-replica": (
            f"aws://{ACCOUNT}/{REPLICA}",
            ["multiregionCognito8745E146", "multiregionReplication14C882EE"],
        ),
    }


def test_every_stack_is_termination_protected_in_production(stage: Stage) -> None:
    assert {name: s.termination_protection for name, s in stage.stacks.items()} == dict.fromkeys(
        ("Cognito", "ReplicaKey", "Replication", "Replica"), True
    )


def test_the_replica_is_created_through_the_primary_s_region_and_retained(stage: Stage) -> None:
    _, replica = stage.only("Replication", "AWS::Cognito::UserPoolReplica")
    assert replica["Properties"]["RegionName"] == REPLICA
    assert replica["Properties"]["UserPoolId"] == POOL_OUTPUT
    assert replica["DeletionPolicy"] == replica["UpdateReplacePolicy"] == "Retain"
    assert replica["Metadata"]["cognito-kit:config"] == f"multi_region.replicas.{REPLICA}"


def test_the_regional_configuration_names_the_replica_s_own_sender_and_sms(
    stage: Stage, config: EnvironmentConfig
) -> None:
    _, attachment = stage.only("Replica", "AWS::Cognito::UserPoolRegionalConfigurationAttachment")
    properties = attachment["Properties"]
    assert properties["UserPoolId"] == POOL_OUTPUT
    assert properties["Status"] == "ACTIVE"
    assert properties["EmailConfiguration"] == {
        "EmailSendingAccount": "DEVELOPER",
        "SourceArn": f"arn:aws:ses:{REPLICA}:{ACCOUNT}:identity/example.com",
        "From": "Acme <no-reply@example.com>",
        "ReplyToEmailAddress": "support@example.com",
        "ConfigurationSet": "cognito-mail-eu-central-1",
    }
    primary_sms = stage.templates["Cognito"]["Resources"][POOL]["Properties"]["SmsConfiguration"]
    sms = properties["SmsConfiguration"]
    assert sms["ExternalId"] == primary_sms["ExternalId"]
    assert sms["SnsRegion"] == REPLICA
    assert sms["SnsCallerArn"]["Fn::GetStackOutput"]["Region"] == PRIMARY


def test_the_replica_runs_the_kit_s_functions_of_its_region_and_the_team_s(stage: Stage) -> None:
    _, attachment = stage.only("Replica", "AWS::Cognito::UserPoolRegionalConfigurationAttachment")
    functions = stage.resources("Replica", "AWS::Lambda::Function")
    lambda_config = attachment["Properties"]["LambdaConfig"]

    def kit(trigger_id: str) -> dict[str, Any]:
        [logical_id] = [i for i in functions if i.startswith(f"RegionTriggers{trigger_id}")]
        return {"Fn::GetAtt": [logical_id, "Arn"]}

    assert lambda_config == {
        "PreSignUp": kit("PreSignUp"),
        "PostConfirmation": kit("PostConfirmation"),
        "PreTokenGenerationConfig": {
            "LambdaArn": kit("PreTokenGeneration"),
            "LambdaVersion": "V3_0",
        },
        "CustomMessage": kit("CustomMessage"),
        # {region} in the primary's ARN names the replica's Region here.
        "PreAuthentication": f"arn:aws:lambda:{REPLICA}:{ACCOUNT}:function:acme-pre-authentication",
        # Named per Region in multi_region.replicas.<region>.functions.
        "PostAuthentication": (
            f"arn:aws:lambda:{REPLICA}:{ACCOUNT}:function:acme-post-authentication-eu-central-1"
        ),
    }


def test_every_replica_function_is_invoked_only_by_the_replica(stage: Stage) -> None:
    permissions = stage.resources("Replica", "AWS::Lambda::Permission")
    assert len(permissions) == 6
    replica_arn = {
        "Fn::Join": ["", [f"arn:aws:cognito-idp:{REPLICA}:{ACCOUNT}:userpool/", POOL_OUTPUT]]
    }
    for permission in permissions.values():
        assert permission["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
        assert permission["Properties"]["SourceArn"] == replica_arn
        assert permission["Properties"]["SourceAccount"] == ACCOUNT


def test_the_replica_functions_call_the_replica_s_pool_only(stage: Stage) -> None:
    policies = stage.resources("Replica", "AWS::IAM::ManagedPolicy")
    pool_access = {i: p for i, p in policies.items() if "PoolAccess" in i}
    assert pool_access
    replica_arn = {
        "Fn::Join": ["", [f"arn:aws:cognito-idp:{REPLICA}:{ACCOUNT}:userpool/", POOL_OUTPUT]]
    }
    for policy in pool_access.values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Resource"] == replica_arn


def test_the_kit_s_triggers_run_in_both_regions_with_the_same_policy(stage: Stage) -> None:
    def configs(stack: str) -> dict[str, str]:
        return {
            resource["Properties"]["Handler"]: resource["Properties"]["Environment"]["Variables"][
                "TRIGGER_CONFIG"
            ]
            for resource in stage.resources(stack, "AWS::Lambda::Function").values()
            if "TRIGGER_CONFIG"
            in resource["Properties"].get("Environment", {}).get("Variables", {})
        }

    primary, replica = configs("Cognito"), configs("Replica")
    assert set(replica) == {
        "pre_sign_up.handler",
        "post_confirmation.handler",
        "pre_token_generation.handler",
        "custom_message.handler",
    }
    assert {handler: primary[handler] for handler in replica} == replica


def test_the_pool_is_encrypted_with_a_multi_region_key_that_follows_the_kit_s_rules(
    stage: Stage,
) -> None:
    pool = stage.templates["Cognito"]["Resources"][POOL]["Properties"]
    [(key_id, key)] = [
        (i, r)
        for i, r in stage.resources("Cognito", "AWS::KMS::Key").items()
        if i.startswith("PoolKey")
    ]
    assert pool["KeyConfiguration"] == {
        "KeyType": "CUSTOMER_MANAGED_KEY",
        "KmsKeyArn": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert key["Properties"]["MultiRegion"] is True
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert statements["GrantsOnlyForAwsServices"]["Effect"] == "Deny"
    cognito = statements["CognitoEncryptsUserPools"]
    assert cognito["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert cognito["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_the_replica_key_replicates_the_pool_key_with_the_same_rules(stage: Stage) -> None:
    _, replica_key = stage.only("ReplicaKey", "AWS::KMS::ReplicaKey")
    assert replica_key["Properties"]["PrimaryKeyArn"]["Fn::GetStackOutput"]["Region"] == PRIMARY
    assert replica_key["DeletionPolicy"] == "Retain"
    sids = [s.get("Sid") for s in replica_key["Properties"]["KeyPolicy"]["Statement"]]
    assert sids == [None, "CognitoEncryptsUserPools", "GrantsOnlyForAwsServices"]


def test_the_updated_issuer_reaches_every_authorizer_and_output(stage: Stage) -> None:
    template = stage.templates["Cognito"]
    issuer = {
        "Fn::Join": [
            "",
            [
                f"https://issuer-cognito-idp.{PRIMARY}.",
                {"Ref": "AWS::URLSuffix"},
                "/",
                {"Ref": POOL},
            ],
        ]
    }
    assert template["Resources"][POOL]["Properties"]["IssuerConfiguration"] == {"Type": "UPDATED"}
    [http] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Authorizer"
    ]
    assert http["Properties"]["JwtConfiguration"]["Issuer"] == issuer
    [rest] = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Authorizer"
    ]
    assert rest["Properties"]["ProviderARNs"] == [{"Fn::GetAtt": [POOL, "Arn"]}]
    outputs = template["Outputs"]
    assert outputs["UserPoolProviderUrl"]["Value"] == issuer
    assert outputs["AcceptedIssuers"]["Value"] == issuer
    assert outputs["ReplicaRegions"]["Value"] == REPLICA
    replica_outputs = stage.templates["Replica"]["Outputs"]
    assert replica_outputs["ReplicaIssuer"]["Value"]["Fn::Join"][1][0] == (
        f"https://issuer-cognito-idp.{PRIMARY}."
    )


def test_every_template_names_its_environment_and_tier(stage: Stage) -> None:
    for template in stage.templates.values():
        assert template["Metadata"]["cognito-kit:environment"] == {
            "name": "multiregion",
            "tier": "production",
            "file": "tests/fixtures/multi-region/multiregion.yaml",
        }


def test_the_five_packs_find_nothing_unacknowledged(stage: Stage) -> None:
    report = json.loads((stage.outdir / "validation-report.json").read_text())
    for plugin in report["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]
    assert len(report["pluginReports"]) == len(nag_packs())


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ["Cognito", "ReplicaKey", "Replication", "Replica"])
def test_template_matches_snapshot(
    stage: Stage, stack: str, json_snapshot: SnapshotAssertion
) -> None:
    assert normalised(stage.templates[stack]) == json_snapshot
