"""Each patch of the rehearsal's emulator fixes the moto 5.2.5 gap it names.

Every behaviour is checked twice through boto3 against moto's in-process mock: with only its
patch applied (must pass), and on stock moto (`stock` ids, a strict xfail). When an upgraded
moto fixes a gap upstream, its stock test passes unexpectedly and fails the run: drop that
patch from `moto_server.py`.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.cloudformation.responses import CloudFormationResponse

from infra.guard.schemas import REFERENCE_REGION, schema_dir
from tests.rehearsal import moto_server

REGION = "us-east-1"
ACCOUNT = "123456789012"
SNAPSHOTS = Path(__file__).resolve().parents[1] / "stacks" / "__snapshots__"

Patch = Callable[[], AbstractContextManager[None]]

# A few seconds of moto start-up and stack work: they run with the rehearsal, not `make test`.
pytestmark = pytest.mark.rehearsal


def variants(patch: Patch, *stock_raises: type[BaseException]) -> pytest.MarkDecorator:
    """Run the test with `patch` applied, and on stock moto where it must fail as documented."""
    gap = pytest.mark.xfail(
        strict=True,
        raises=stock_raises,
        reason=f"stock moto {moto_server.MOTO_VERSION} gap; an XPASS means moto fixed it "
        f"upstream: drop {patch.__name__} from moto_server.py",
    )
    return pytest.mark.parametrize(
        "patch",
        [pytest.param(patch, id="patched"), pytest.param(None, id="stock", marks=gap)],
    )


@pytest.fixture
def aws(patch: Patch | None) -> Iterator[Callable[[str], Any]]:
    """A client factory on moto's in-process mock, with the test's patch applied (or none)."""
    with mock_aws(), patch() if patch else nullcontext():
        yield lambda service: boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )


def template(resources: dict[str, Any], outputs: dict[str, Any] | None = None, **extra: Any) -> str:
    return json.dumps({"Resources": resources, "Outputs": outputs or {}, **extra})


def outputs_of(cfn: Any, stack_name: str) -> dict[str, str]:
    (stack,) = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def create_via_change_set(cfn: Any, stack_name: str, body: str, **kwargs: Any) -> None:
    cfn.create_change_set(
        StackName=stack_name,
        ChangeSetName="cdk-deploy-change-set",
        TemplateBody=body,
        ChangeSetType="CREATE",
        **kwargs,
    )
    cfn.execute_change_set(StackName=stack_name, ChangeSetName="cdk-deploy-change-set")


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


BUCKET = {"Bucket": {"Type": "AWS::S3::Bucket"}}


# --- 1. Cognito stand-ins ------------------------------------------------------------------

COGNITO = {
    "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "p"}},
    "Client": {
        "Type": "AWS::Cognito::UserPoolClient",
        "Properties": {"UserPoolId": {"Ref": "Pool"}, "GenerateSecret": True},
    },
    "Domain": {
        "Type": "AWS::Cognito::UserPoolDomain",
        "Properties": {"UserPoolId": {"Ref": "Pool"}, "Domain": "acme-signin"},
    },
    "Identities": {
        "Type": "AWS::Cognito::IdentityPool",
        "Properties": {"AllowUnauthenticatedIdentities": False},
    },
}
COGNITO_OUTPUTS = {
    "PoolId": {"Value": {"Ref": "Pool"}},
    "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}},
    "ProviderUrl": {"Value": {"Fn::GetAtt": ["Pool", "ProviderURL"]}},
    "ProviderName": {"Value": {"Fn::GetAtt": ["Pool", "ProviderName"]}},
    "ClientId": {"Value": {"Ref": "Client"}},
    "ClientSecret": {"Value": {"Fn::GetAtt": ["Client", "ClientSecret"]}},
    "Domain": {"Value": {"Ref": "Domain"}},
    "Distribution": {"Value": {"Fn::GetAtt": ["Domain", "CloudFrontDistribution"]}},
    "IdentityPoolId": {"Value": {"Ref": "Identities"}},
}


@variants(moto_server.cognito_stand_ins, AttributeError)
def test_cognito_resources_get_realistic_ids_and_attributes(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(COGNITO, COGNITO_OUTPUTS))
    out = outputs_of(cfn, "s")
    pool_id = out["PoolId"]
    assert re.fullmatch(rf"{REGION}_[A-Za-z0-9]{{9}}", pool_id)
    assert out["PoolArn"] == f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool_id}"
    assert out["ProviderName"] == f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    assert out["ProviderUrl"] == f"https://{out['ProviderName']}"
    assert re.fullmatch(r"[a-z0-9]{26}", out["ClientId"])
    assert re.fullmatch(r"[a-z0-9]{51}", out["ClientSecret"])
    assert out["Domain"] == "acme-signin"
    assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", out["Distribution"])
    assert re.fullmatch(rf"{REGION}:[0-9a-f-]{{36}}", out["IdentityPoolId"])
    # A stand-in is only what the stack reports: nothing exists behind it.
    assert aws("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


@variants(moto_server.cognito_stand_ins, AttributeError)
def test_cognito_stand_ins_keep_their_ids_through_an_update_and_go_with_the_stack(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(COGNITO, COGNITO_OUTPUTS))
    before = outputs_of(cfn, "s")
    changed = {**COGNITO, "Pool": {**COGNITO["Pool"], "Properties": {"UserPoolName": "q"}}}
    cfn.update_stack(StackName="s", TemplateBody=template(changed, COGNITO_OUTPUTS))
    assert outputs_of(cfn, "s") == before
    cfn.delete_stack(StackName="s")
    assert not cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE", "UPDATE_COMPLETE"])[
        "StackSummaries"
    ]


def _snapshot_templates() -> list[dict[str, Any]]:
    files = sorted(SNAPSHOTS.rglob("*.json"))
    assert files, f"no template snapshots under {SNAPSHOTS}"
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def _get_atts(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if "Fn::GetAtt" in node:
            logical_id, attribute = node["Fn::GetAtt"]
            yield logical_id, attribute
        for value in node.values():
            yield from _get_atts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _get_atts(value)


def test_every_type_moto_lacks_in_the_kits_templates_has_a_stand_in() -> None:
    from moto.cloudformation import parsing

    stock = set(parsing.get_model_map())
    used = {r["Type"] for body in _snapshot_templates() for r in body["Resources"].values()}
    missing = sorted(t for t in used - stock if t not in moto_server.STAND_INS)
    assert missing == [], "add them to moto_server.STAND_INS or GENERIC_STAND_INS"


def test_generic_stand_ins_answer_every_reference_between_them(aws_patched) -> None:
    cfn = aws_patched("cloudformation")
    resources = {
        "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Name": "acl"}},
        "Association": {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {"WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]}},
        },
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmName": "a"}},
    }
    outputs = {
        "AclArn": {"Value": {"Fn::GetAtt": ["Acl", "Arn"]}},
        "AclId": {"Value": {"Fn::GetAtt": ["Acl", "Id"]}},
        "AlarmArn": {"Value": {"Fn::GetAtt": ["Alarm", "Arn"]}},
    }
    cfn.create_stack(StackName="ops", TemplateBody=template(resources, outputs))
    out = outputs_of(cfn, "ops")
    assert out["AclArn"] == f"arn:aws:wafv2:{REGION}:{ACCOUNT}:webacl/{out['AclId']}"
    assert out["AlarmArn"].startswith(f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm/")


@pytest.fixture
def aws_patched() -> Iterator[Callable[[str], Any]]:
    with mock_aws(), moto_server.patched():
        yield lambda service: boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )


def test_every_cognito_type_and_attribute_of_the_kits_templates_has_a_stand_in() -> None:
    used: dict[str, set[str]] = {}
    for body in _snapshot_templates():
        resources = body["Resources"]
        for resource in resources.values():
            if resource["Type"].startswith("AWS::Cognito::"):
                used.setdefault(resource["Type"], set())
        for logical_id, attribute in _get_atts(body):
            resource_type = resources[logical_id]["Type"]
            if resource_type.startswith("AWS::Cognito::"):
                used[resource_type].add(attribute)
    assert set(used) <= set(moto_server.STAND_INS), "add a stand-in to moto_server.STAND_INS"
    sample = {
        "Domain": "d",
        "GenerateSecret": True,
        "IdentityPoolId": f"{REGION}:x",
        "IdentityProviderName": "p",
    }
    for resource_type, attributes in used.items():
        _, provided = moto_server.STAND_INS[resource_type](sample, REGION, ACCOUNT)
        assert attributes <= set(provided), resource_type


def test_stand_in_attributes_are_attributes_cloudformation_documents() -> None:
    providers = json.loads((schema_dir() / "providers" / f"{REFERENCE_REGION}.json").read_text())
    sample = {"Domain": "d", "GenerateSecret": True, "IdentityPoolId": "x"}
    sample |= {"IdentityProviderName": "p"}
    for resource_type, identify in moto_server.STAND_INS.items():
        if resource_type in moto_server.GENERIC_STAND_INS:
            continue  # answer any attribute with an id or an ARN; not Cognito-shaped
        schema_file = schema_dir() / "resources" / f"{providers[resource_type]}.json"
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        read_only = {p.removeprefix("/properties/") for p in schema.get("readOnlyProperties", [])}
        _, attributes = identify(sample, REGION, ACCOUNT)
        assert set(attributes) <= read_only, resource_type


# --- 2. Outputs after a change set ----------------------------------------------------------

BUCKET_OUTPUT = {"BucketName": {"Value": {"Ref": "Bucket"}, "Description": "the bucket"}}


@variants(moto_server.outputs_after_change_set, AssertionError)
def test_a_stack_created_through_a_change_set_has_its_outputs(aws) -> None:
    cfn = aws("cloudformation")
    create_via_change_set(
        cfn, "s", template(BUCKET, BUCKET_OUTPUT, Description="made by a change set")
    )
    (stack,) = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack.get("Description") == "made by a change set"
    assert outputs_of(cfn, "s") == {"BucketName": aws("s3").list_buckets()["Buckets"][0]["Name"]}


@variants(moto_server.outputs_after_change_set, AssertionError)
def test_an_update_through_a_change_set_refreshes_the_outputs(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(BUCKET, BUCKET_OUTPUT))
    more = {**BUCKET_OUTPUT, "Region": {"Value": {"Ref": "AWS::Region"}}}
    cfn.create_change_set(
        StackName="s",
        ChangeSetName="c",
        TemplateBody=template(BUCKET, more),
        ChangeSetType="UPDATE",
    )
    cfn.execute_change_set(StackName="s", ChangeSetName="c")
    assert set(outputs_of(cfn, "s")) == {"BucketName", "Region"}


# --- 3. Change-set lookup by stack ----------------------------------------------------------


@variants(moto_server.change_set_lookup_by_stack, AssertionError)
def test_a_change_set_is_found_by_name_within_its_own_stack(aws) -> None:
    cfn = aws("cloudformation")
    for stack_name in ("first", "second"):
        cfn.create_change_set(
            StackName=stack_name,
            ChangeSetName="cdk-deploy-change-set",
            TemplateBody=template(BUCKET),
            ChangeSetType="CREATE",
        )
    found = cfn.describe_change_set(StackName="first", ChangeSetName="cdk-deploy-change-set")
    assert found["StackName"] == "first"


@variants(moto_server.change_set_lookup_by_stack, AssertionError)
def test_a_missing_change_set_is_change_set_not_found(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(BUCKET))
    with pytest.raises(ClientError) as raised:
        cfn.describe_change_set(StackName="s", ChangeSetName="cdk-deploy-change-set")
    assert error_code(raised.value) == "ChangeSetNotFound"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@variants(moto_server.change_set_lookup_by_stack, UnboundLocalError)
def test_deleting_a_missing_change_set_of_an_existing_stack_succeeds(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(BUCKET))
    cfn.delete_change_set(StackName="s", ChangeSetName="cdk-diff-change-set")
    with pytest.raises(ClientError) as raised:
        cfn.delete_change_set(StackName="nothing-here", ChangeSetName="cdk-diff-change-set")
    assert error_code(raised.value) == "ValidationError"


# --- 4. UsePreviousValue of an SSM-typed parameter ------------------------------------------

BOOTSTRAP_VERSION = {
    "BootstrapVersion": {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/cdk-bootstrap/hnb659fds/version",
    }
}


@variants(moto_server.previous_value_as_given, AttributeError)
def test_an_update_keeps_the_previous_value_of_an_ssm_parameter(aws) -> None:
    aws("ssm").put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String")
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(BUCKET, Parameters=BOOTSTRAP_VERSION))
    more = {**BUCKET, "Other": {"Type": "AWS::S3::Bucket"}}
    cfn.create_change_set(
        StackName="s",
        ChangeSetName="c",
        TemplateBody=template(more, Parameters=BOOTSTRAP_VERSION),
        ChangeSetType="UPDATE",
        Parameters=[{"ParameterKey": "BootstrapVersion", "UsePreviousValue": True}],
    )
    cfn.execute_change_set(StackName="s", ChangeSetName="c")
    (stack,) = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "BootstrapVersion", "ParameterValue": "30"}]
    assert len(aws("s3").list_buckets()["Buckets"]) == 2


# --- 5. Deleting AWS::IAM::ManagedPolicy ----------------------------------------------------

ROLE_AND_POLICY = {
    "Role": {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        },
    },
    "Policy": {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Roles": [{"Ref": "Role"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}],
            },
        },
    },
}


@variants(moto_server.managed_policy_deletion, ClientError)
def test_deleting_a_stack_detaches_and_deletes_its_managed_policies(aws) -> None:
    cfn, iam = aws("cloudformation"), aws("iam")
    cfn.create_stack(StackName="s", TemplateBody=template(ROLE_AND_POLICY))
    assert iam.list_policies(Scope="Local")["Policies"]
    cfn.delete_stack(StackName="s")
    assert iam.list_roles()["Roles"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]


# --- 6. Termination protection --------------------------------------------------------------


@variants(moto_server.termination_protection, NotImplementedError)
def test_termination_protection_can_be_turned_on_and_off(aws) -> None:
    cfn = aws("cloudformation")
    create_via_change_set(cfn, "s", template(BUCKET))
    cfn.update_termination_protection(StackName="s", EnableTerminationProtection=True)
    (stack,) = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["EnableTerminationProtection"] is True
    cfn.update_termination_protection(StackName="s", EnableTerminationProtection=False)
    (stack,) = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["EnableTerminationProtection"] is False


@variants(moto_server.termination_protection, pytest.fail.Exception)
def test_a_protected_stack_cannot_be_deleted(aws) -> None:
    cfn = aws("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(BUCKET), EnableTerminationProtection=True)
    with pytest.raises(ClientError) as raised:
        cfn.delete_stack(StackName="s")
    assert error_code(raised.value) == "ValidationError"
    assert "TerminationProtection is enabled" in str(raised.value)
    (stack,) = cfn.describe_stacks(StackName="s")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


# --- The launcher ---------------------------------------------------------------------------


# --- 8. Fn::GetStackOutput --------------------------------------------------------------------

REPLICA_REGION = "us-west-2"


def _client(service: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


@variants(moto_server.stack_outputs_across_regions, AssertionError)
def test_a_stack_reads_another_region_s_stack_output(aws) -> None:
    primary = aws("cloudformation")
    primary.create_stack(
        StackName="primary",
        TemplateBody=template(BUCKET, {"PoolId": {"Value": "us-east-1_Abc123"}}),
    )
    output = {"StackName": "primary", "Region": REGION, "OutputName": "PoolId"}
    replica = _client("cloudformation", REPLICA_REGION)
    replica.create_stack(
        StackName="replica",
        TemplateBody=template(
            BUCKET,
            {"Read": {"Value": {"Fn::Join": ["", ["pool ", {"Fn::GetStackOutput": output}]]}}},
        ),
    )
    assert outputs_of(replica, "replica") == {"Read": "pool us-east-1_Abc123"}


def test_the_multi_region_stand_ins_are_identified_as_cloudformation_identifies_them() -> None:
    replica_id, replica = moto_server.STAND_INS["AWS::Cognito::UserPoolReplica"](
        {"UserPoolId": "us-east-1_Abc", "RegionName": REPLICA_REGION}, REGION, ACCOUNT
    )
    assert (replica_id, replica) == (f"us-east-1_Abc|{REPLICA_REGION}", {})
    attachment_id, _ = moto_server.STAND_INS[
        "AWS::Cognito::UserPoolRegionalConfigurationAttachment"
    ]({"UserPoolId": "us-east-1_Abc"}, REPLICA_REGION, ACCOUNT)
    assert attachment_id == "us-east-1_Abc"
    mrk = "mrk-0123456789abcdef0123456789abcdef"
    key_id, key = moto_server.STAND_INS["AWS::KMS::ReplicaKey"](
        {"PrimaryKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{mrk}"}, REPLICA_REGION, ACCOUNT
    )
    assert key_id == mrk
    assert key == {"KeyId": mrk, "Arn": f"arn:aws:kms:{REPLICA_REGION}:{ACCOUNT}:key/{mrk}"}


def test_the_patches_refuse_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "5.2.6")
    with pytest.raises(AssertionError, match=r"re-check"), moto_server.patched():
        pass


def test_the_patches_are_undone_on_exit() -> None:
    stock_execute = moto_server.Backend.execute_change_set
    with moto_server.patched():
        assert moto_server.Backend.execute_change_set is not stock_execute
    assert moto_server.Backend.execute_change_set is stock_execute
    assert not hasattr(CloudFormationResponse, "update_termination_protection")


def test_the_emulator_listens_on_loopback_only() -> None:
    with moto_server.running() as endpoint:
        host, _, port = endpoint.removeprefix("http://").rpartition(":")
        assert host == "127.0.0.1"
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert sts.get_caller_identity()["Account"] == ACCOUNT
        with socket.socket() as probe:
            probe.settimeout(1)
            assert probe.connect_ex((_outward_address(), int(port))) != 0


def _outward_address() -> str:
    """An address of this machine other than loopback (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.connect(("192.0.2.1", 9))  # TEST-NET-1: connect() on UDP only picks a route
        except OSError:
            pytest.skip("this machine has no route besides loopback")
        address: str = udp.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("this machine has no address besides loopback")
    return address


# --- 7. KMS key tags ----------------------------------------------------------------------------


@variants(moto_server.kms_key_tags, ClientError, KeyError)
def test_a_kms_key_with_tags_is_created_with_them(aws) -> None:
    cfn = aws("cloudformation")
    key = {
        "Type": "AWS::KMS::Key",
        "Properties": {
            "KeyPolicy": {"Version": "2012-10-17", "Statement": []},
            "Tags": [{"Key": "environment", "Value": "prod"}],
        },
    }
    cfn.create_stack(
        StackName="k", TemplateBody=template({"Key": key}, {"Id": {"Value": {"Ref": "Key"}}})
    )
    key_id = outputs_of(cfn, "k")["Id"]
    tags = aws("kms").list_resource_tags(KeyId=key_id)["Tags"]
    assert tags == [{"TagKey": "environment", "TagValue": "prod"}]
