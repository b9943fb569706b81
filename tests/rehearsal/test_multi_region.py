"""Deploy rehearsal of an environment with a replica: `make bootstrap`, `make deploy-ci`, `make
diff`, the client configuration and `make destroy` of one Stage whose four stacks sit in two
Regions (rehearsal-multiregion: us-east-1 and its replica in us-west-2), with the real CDK CLI
against the local emulator.

What the emulator can show: the stacks deploy in dependency order in both Regions; each
replica-side resource gets the primary's pool id and key id through Fn::GetStackOutput
(resolved by the emulator's patch 8, as CloudFormation resolves it); the kit's trigger
functions exist in the replica's Region with their roles and log groups. What it cannot: the
Cognito and replica-key resources are stand-ins (nothing behind them), so no replication, no
failover, no regional mail or trigger call happens (docs/multi-region.md, "Testing a failover").
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.config import EnvironmentConfig
from tests.rehearsal import moto_server
from tests.rehearsal.test_rehearsal import (
    DEFAULT_ACCOUNT,
    FIXTURES,
    NO_DIFFERENCES,
    ROOT,
    Credentials,
    Rehearsal,
    _config,
    _passed,
)

pytestmark = [
    pytest.mark.rehearsal,
    pytest.mark.filterwarnings(r"ignore:Tried to parse AWS.{2}S3.{2}BucketPolicy:UserWarning"),
]

ENV = "rehearsal-multiregion"
PRIMARY, REPLICA = "us-east-1", "us-west-2"
STACK = f"cognito-kit-{ENV}"
STACKS = {
    STACK: PRIMARY,
    f"{STACK}-replica-key": REPLICA,
    f"{STACK}-replication": PRIMARY,
    f"{STACK}-replica": REPLICA,
}


@pytest.fixture(scope="module")
def rehearsal(
    tmp_path_factory: pytest.TempPathFactory, timings: list[tuple[str, float]]
) -> Iterator[Rehearsal]:
    with pytest.MonkeyPatch.context() as environment:
        environment.delenv("MOTO_ACCOUNT_ID", raising=False)
        with moto_server.running() as endpoint:
            yield Rehearsal(endpoint, tmp_path_factory.mktemp("multi-region"), timings)


@dataclass(frozen=True)
class Deployed:
    config: EnvironmentConfig
    credentials: Credentials
    outputs: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def deployed(rehearsal: Rehearsal) -> Deployed:
    """Bootstrapped (both Regions) and deployed with `make deploy-ci`."""
    config = _config(ENV)
    credentials = Credentials(DEFAULT_ACCOUNT, "rehearsal", "rehearsal")
    # One `make bootstrap` bootstraps every Region of the environment's stacks.
    bootstrap = rehearsal.make("bootstrap", ENV, credentials)
    assert bootstrap.returncode == 0, _passed(bootstrap)
    for region in (PRIMARY, REPLICA):
        cfn = rehearsal.client("cloudformation", credentials, region)
        assert cfn.describe_stacks(StackName="CDKToolkit")["Stacks"], region
    deploy = rehearsal.make("deploy-ci", ENV, credentials)
    assert deploy.returncode == 0, _passed(deploy)
    outputs = json.loads(rehearsal.outputs_file(ENV).read_text(encoding="utf-8"))
    return Deployed(config, credentials, outputs)


def _resources(rehearsal: Rehearsal, deployed: Deployed, stack: str) -> dict[str, dict[str, Any]]:
    cfn = rehearsal.client("cloudformation", deployed.credentials, STACKS[stack])
    summaries = cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s for s in summaries}


def _of_type(resources: dict[str, dict[str, Any]], resource_type: str) -> list[str]:
    return [
        r["PhysicalResourceId"] for r in resources.values() if r["ResourceType"] == resource_type
    ]


def test_make_deploy_creates_the_four_stacks_in_their_regions(
    rehearsal: Rehearsal, deployed: Deployed
) -> None:
    for stack, region in STACKS.items():
        cfn = rehearsal.client("cloudformation", deployed.credentials, region)
        (found,) = cfn.describe_stacks(StackName=stack)["Stacks"]
        assert found["StackStatus"] == "CREATE_COMPLETE", stack
    # The outputs file lists the stacks that have outputs (the replication stack has none).
    assert set(deployed.outputs) == set(STACKS) - {f"{STACK}-replication"}


def test_the_replica_side_resources_name_the_primary_s_pool_and_key(
    rehearsal: Rehearsal, deployed: Deployed
) -> None:
    pool_id = deployed.outputs[STACK]["UserPoolId"]
    assert pool_id.startswith(f"{PRIMARY}_")
    replication = _resources(rehearsal, deployed, f"{STACK}-replication")
    assert _of_type(replication, "AWS::Cognito::UserPoolReplica") == [f"{pool_id}|{REPLICA}"]
    replica = _resources(rehearsal, deployed, f"{STACK}-replica")
    assert _of_type(replica, "AWS::Cognito::UserPoolRegionalConfigurationAttachment") == [pool_id]
    key_arn = deployed.outputs[STACK]["PoolKeyArn"]
    replica_key_arn = deployed.outputs[f"{STACK}-replica-key"]["ReplicaKeyArn"]
    assert replica_key_arn == key_arn.replace(f":{PRIMARY}:", f":{REPLICA}:")


def test_the_kit_s_trigger_runs_in_the_replica_s_region_too(
    rehearsal: Rehearsal, deployed: Deployed
) -> None:
    replica = _resources(rehearsal, deployed, f"{STACK}-replica")
    [function] = _of_type(replica, "AWS::Lambda::Function")
    lambda_ = rehearsal.client("lambda", deployed.credentials, REPLICA)
    configuration = lambda_.get_function(FunctionName=function)["Configuration"]
    assert configuration["Handler"] == "pre_token_generation.handler"
    assert configuration["FunctionArn"].split(":")[3] == REPLICA
    assert _of_type(replica, "AWS::Logs::LogGroup")


def test_the_outputs_name_the_issuer_of_both_regions(deployed: Deployed) -> None:
    primary = deployed.outputs[STACK]
    issuer = f"https://issuer-cognito-idp.{PRIMARY}.amazonaws.com/{primary['UserPoolId']}"
    assert primary["AcceptedIssuers"] == issuer
    assert primary["UserPoolProviderUrl"] == issuer
    assert primary["ReplicaRegions"] == REPLICA
    replica = deployed.outputs[f"{STACK}-replica"]
    assert replica["ReplicaIssuer"] == issuer
    assert replica["ReplicaUserPoolArn"] == (
        f"arn:aws:cognito-idp:{REPLICA}:{DEFAULT_ACCOUNT}:userpool/{primary['UserPoolId']}"
    )


def test_client_config_from_the_outputs_file_names_the_replica_s_endpoint(
    rehearsal: Rehearsal, deployed: Deployed, tmp_path: Path
) -> None:
    # What `make client-config OUTPUTS=<file>` runs, writing below tmp_path instead of the
    # repository's client-config/.
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.client_config",
            "--env",
            ENV,
            "--directory",
            FIXTURES,
            "--outputs",
            str(rehearsal.outputs_file(ENV)),
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    written = tmp_path / ENV / "WebApp" / "amplify_outputs.json"
    outputs = json.loads(written.read_text(encoding="utf-8"))
    assert outputs["auth"]["user_pool_id"] == deployed.outputs[STACK]["UserPoolId"]
    regions = outputs["custom"]["cognito_kit"]["regions"]
    assert regions["user_pool_endpoints"][REPLICA] == f"https://cognito-idp.{REPLICA}.amazonaws.com"


def test_make_diff_after_the_deploy_reports_no_difference(
    rehearsal: Rehearsal, deployed: Deployed
) -> None:
    diff = rehearsal.make("diff", ENV, deployed.credentials, "--fail")
    assert diff.returncode == 0, _passed(diff)
    assert NO_DIFFERENCES in diff.output
    assert "Number of stacks with differences: 0" in diff.output


def test_make_destroy_deletes_every_stack_in_both_regions(
    rehearsal: Rehearsal, deployed: Deployed
) -> None:
    destroy = rehearsal.make("destroy", ENV, deployed.credentials, "--force")
    assert destroy.returncode == 0, _passed(destroy)
    for stack, region in STACKS.items():
        cfn = rehearsal.client("cloudformation", deployed.credentials, region)
        with pytest.raises(ClientError, match="does not exist"):
            cfn.describe_stacks(StackName=stack)
