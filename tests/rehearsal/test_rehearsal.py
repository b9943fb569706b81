"""Deploy rehearsal: the Makefile targets a user runs, with the real CDK CLI, against a local
AWS emulator (moto's server on 127.0.0.1, patched by `moto_server.py`). No AWS, no Docker.

Two kit-owned environments (`tests/rehearsal/environments/`):
- rehearsal-dev: development tier, environment-agnostic, every trigger on. `make bootstrap`,
  `make deploy` (answering the prompt for the IAM changes), `make diff`, `make deploy-ci` with no
  change, `make diff` and `make deploy-ci` with a changed environment file, `make destroy`.
- rehearsal-prod: production tier pinned to a second account and region. `make bootstrap`,
  `make deploy-ci`, `make diff`, `make deploy`; termination protection is on, `make destroy` is
  refused, and CloudFormation refuses the delete even past make.

The emulator cannot create Cognito resources: they are stand-ins that exist only inside the
stack (ids and attributes shaped like CloudFormation's; nothing in cognito-idp). Assertions on
what it does create are real: the trigger functions run the published code zip, the roles,
managed policies and log groups exist, the outputs file holds the stack's outputs.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from base64 import b64encode
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.config import EnvironmentConfig, load_environment
from infra.deploy.deployed import stacks_of
from tests.rehearsal import moto_server

pytestmark = [
    pytest.mark.rehearsal,
    # The bootstrap stack's bucket policy is the one resource moto's CloudFormation skips.
    pytest.mark.filterwarnings(r"ignore:Tried to parse AWS.{2}S3.{2}BucketPolicy:UserWarning"),
]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = "tests/rehearsal/environments"
DEV = "rehearsal-dev"
PROD = "rehearsal-prod"
DEFAULT_ACCOUNT = "123456789012"  # moto's account for keys it does not know
DEFAULT_REGION = "us-east-1"
STEP_TIMEOUT_SECONDS = 240
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
APPROVAL_PROMPT = "Do you wish to deploy these changes"
NO_DIFFERENCES = "There were no differences"


@dataclass(frozen=True)
class Credentials:
    """Access keys of one emulated account."""

    account: str
    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class Run:
    """A finished command: exit status and its combined output (ANSI colours removed)."""

    returncode: int
    output: str


class Rehearsal:
    """Runs make targets and the CDK CLI against the emulator, never with a real profile."""

    def __init__(self, endpoint: str, work: Path, timings: list[tuple[str, float]]) -> None:
        self.endpoint = endpoint
        self.timings = timings
        self.outputs_dir = work / "deploy-outputs"
        self.cdk_out = work / "cdk.out"
        self.home = work / "home"
        self.home.mkdir()

    def env(self, credentials: Credentials) -> dict[str, str]:
        # Nothing of the developer's AWS or CDK set-up reaches the CLI: no profile, no region,
        # no role, no config file.
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "CDK_"))
            # A user runs make from a shell, not from inside `make rehearse`.
            and key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
            and key.upper() != "NO_PROXY"
        }
        port = self.endpoint.rpartition(":")[2]
        return {
            **inherited,
            "PATH": f"{ROOT}/.venv/bin:{ROOT}/node_modules/.bin:{os.environ['PATH']}",
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "aws-credentials"),
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_REGION": DEFAULT_REGION,
            "AWS_DEFAULT_REGION": DEFAULT_REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": self.endpoint,
            # moto reads the bucket from a TemplateURL's path only when the host is localhost.
            "AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION": f"http://localhost:{port}",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            # Keep jsii's package cache out of the empty HOME: unpacking aws-cdk-lib costs ~8 s.
            "JSII_RUNTIME_PACKAGE_CACHE_ROOT": os.environ.get(
                "JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(_jsii_cache_root())
            ),
            "TERM": "dumb",
            "NO_COLOR": "1",
        }

    def make(
        self,
        target: str,
        environment: str,
        credentials: Credentials,
        *cdk_args: str,
        environments_dir: str = FIXTURES,
        approve: bool = False,
        variables: tuple[str, ...] = (),
    ) -> Run:
        """`make <target> ENV=<environment>` from the repository root, as a user runs it."""
        command = [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            target,
            f"ENV={environment}",
            f"ENVIRONMENTS_DIR={environments_dir}",
            f"OUTPUTS_DIR={self.outputs_dir}",
            f"CDK_ARGS={shlex.join(['--output', str(self.cdk_out), *cdk_args])}",
            *variables,
        ]
        label = " ".join([f"make {target} ENV={environment}", *cdk_args])
        if environments_dir != FIXTURES:
            label += " (changed environment file)"
        return self._run(label, command, credentials, approve=approve)

    def cdk(self, credentials: Credentials, *args: str) -> Run:
        """The venv's CDK CLI directly, past the Makefile and its preflight."""
        command = ["cdk", "--no-notices", *args, "--output", str(self.cdk_out)]
        return self._run(" ".join(["cdk", *args]), command, credentials)

    def _run(
        self, label: str, command: list[str], credentials: Credentials, *, approve: bool = False
    ) -> Run:
        started = time.monotonic()
        returncode, output = _run_in_own_group(command, self.env(credentials), approve=approve)
        self.timings.append((label, time.monotonic() - started))
        return Run(returncode, ANSI.sub("", output))

    def client(self, service: str, credentials: Credentials, region: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}),
        )

    def outputs_file(self, environment: str) -> Path:
        return self.outputs_dir / f"{environment}.json"


def _jsii_cache_root() -> Path:
    """jsii's default package cache for the real HOME."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "com.amazonaws.jsii" / "package-cache"
    return Path.home() / ".cache" / "aws" / "jsii" / "package-cache"


def _run_in_own_group(command: list[str], env: dict[str, str], *, approve: bool) -> tuple[int, str]:
    """Run `command` with stdout and stderr merged; with `approve`, on a terminal that answers
    `y` to the CLI's approval prompt, as a user would. Past the step timeout, the command and
    every process it started are killed."""
    controller, terminal = pty.openpty() if approve else os.pipe()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=terminal if approve else subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    output = b""
    answered = not approve
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    try:
        while True:
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                output += f"\n[killed after {STEP_TIMEOUT_SECONDS} s]".encode()
                break
            ready, _, _ = select.select([controller], [], [], 1)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every process on the terminal has closed it
                break
            if not chunk:
                break
            output += chunk
            if not answered and APPROVAL_PROMPT.encode() in output:
                os.write(controller, b"y\n")
                answered = True
    finally:
        os.close(controller)
    return process.wait(timeout=30), output.decode(errors="replace").replace("\r\n", "\n")


def _account_credentials(endpoint: str, account: str) -> Credentials:
    """An access key of `account`, made through moto's `x-moto-account-id` header."""
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=DEFAULT_REGION,
        aws_access_key_id="moto-admin",
        aws_secret_access_key="moto-admin",
    )

    def in_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    iam.meta.events.register("before-sign.iam.*", in_account)
    iam.create_user(UserName="rehearsal-deployer")
    key = iam.create_access_key(UserName="rehearsal-deployer")["AccessKey"]
    return Credentials(account, key["AccessKeyId"], key["SecretAccessKey"])


@pytest.fixture(scope="module")
def rehearsal(
    tmp_path_factory: pytest.TempPathFactory, timings: list[tuple[str, float]]
) -> Iterator[Rehearsal]:
    """The patched emulator, started for this module and stopped after it."""
    with pytest.MonkeyPatch.context() as environment:
        # moto's server would otherwise answer for this account whatever the credentials.
        environment.delenv("MOTO_ACCOUNT_ID", raising=False)
        server_log = logging.getLogger("werkzeug")
        level = server_log.level
        server_log.setLevel(logging.WARNING)
        try:
            with moto_server.running() as endpoint:
                yield Rehearsal(endpoint, tmp_path_factory.mktemp("rehearsal"), timings)
        finally:
            server_log.setLevel(level)


def _config(name: str) -> EnvironmentConfig:
    return load_environment(name, directory=ROOT / FIXTURES)


def _stack_name(config: EnvironmentConfig) -> str:
    return f"{config.project}-{config.name}"


def _passed(run: Run) -> str:
    """The failure message for a step that should have succeeded: its output's tail."""
    return f"exit {run.returncode}:\n{run.output[-6000:]}"


@dataclass(frozen=True)
class Deployed:
    """One environment after its first deploy, with what the checks need."""

    config: EnvironmentConfig
    credentials: Credentials
    region: str
    deploy: Run
    template: dict[str, Any]
    zip_assets: list[tuple[str, str]]  # (bucket, key) of each zip asset

    @property
    def stack_name(self) -> str:
        return _stack_name(self.config)


def _deploy_first(
    rehearsal: Rehearsal,
    config: EnvironmentConfig,
    credentials: Credentials,
    *,
    target: str,
    approve: bool,
) -> Deployed:
    bootstrap = rehearsal.make("bootstrap", config.name, credentials)
    assert bootstrap.returncode == 0, _passed(bootstrap)
    deploy = rehearsal.make(target, config.name, credentials, approve=approve)
    assert deploy.returncode == 0, _passed(deploy)
    (stack,) = stacks_of(rehearsal.cdk_out, config.name)
    assembly = rehearsal.cdk_out / f"assembly-{config.name}"
    template = json.loads((assembly / stack.template_file).read_text(encoding="utf-8"))
    region = config.region or DEFAULT_REGION
    artifacts = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    (asset_file,) = [
        a["properties"]["file"] for a in artifacts.values() if a["type"] == "cdk:asset-manifest"
    ]
    manifest = json.loads((assembly / asset_file).read_text(encoding="utf-8"))
    zip_assets = [
        (
            destination["bucketName"]
            .replace("${AWS::AccountId}", credentials.account)
            .replace("${AWS::Region}", region),
            destination["objectKey"],
        )
        for asset in manifest["files"].values()
        if asset["source"]["packaging"] == "zip"
        for destination in asset["destinations"].values()
    ]
    return Deployed(config, credentials, region, deploy, template, zip_assets)


def _describe(rehearsal: Rehearsal, deployed: Deployed) -> dict[str, Any]:
    cfn = rehearsal.client("cloudformation", deployed.credentials, deployed.region)
    (stack,) = cfn.describe_stacks(StackName=deployed.stack_name)["Stacks"]
    return dict(stack)


def _outputs(rehearsal: Rehearsal, deployed: Deployed) -> dict[str, str]:
    written = json.loads(rehearsal.outputs_file(deployed.config.name).read_text(encoding="utf-8"))
    assert list(written) == [deployed.stack_name]
    values: dict[str, str] = written[deployed.stack_name]
    return values


def _resources(rehearsal: Rehearsal, deployed: Deployed) -> dict[str, dict[str, str]]:
    cfn = rehearsal.client("cloudformation", deployed.credentials, deployed.region)
    summaries = cfn.list_stack_resources(StackName=deployed.stack_name)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s for s in summaries}


def _check_outputs_shape(outputs: dict[str, str], deployed: Deployed) -> None:
    region, account = deployed.region, deployed.credentials.account
    pool_id = outputs["UserPoolId"]
    assert re.fullmatch(rf"{region}_[A-Za-z0-9]{{9}}", pool_id)
    assert outputs["UserPoolArn"] == f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool_id}"
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    assert outputs["UserPoolProviderUrl"] == issuer
    assert outputs["JwksUrl"] == f"{issuer}/.well-known/jwks.json"
    assert re.fullmatch(rf"{region}:[0-9a-f-]{{36}}", outputs["IdentityPoolId"])
    for client in deployed.config.app_clients:
        assert re.fullmatch(r"[a-z0-9]{26}", outputs[f"{client}ClientId"]), client


def _diff_finds_nothing(rehearsal: Rehearsal, deployed: Deployed) -> None:
    diff = rehearsal.make("diff", deployed.config.name, deployed.credentials, "--fail")
    assert diff.returncode == 0, _passed(diff)
    assert NO_DIFFERENCES in diff.output
    assert "Number of stacks with differences: 0" in diff.output


def _redeploy_unchanged(rehearsal: Rehearsal, deployed: Deployed, target: str) -> None:
    """A deploy without a change deploys nothing and still writes the outputs file."""
    before = _outputs(rehearsal, deployed)
    rehearsal.outputs_file(deployed.config.name).unlink()
    again = rehearsal.make(target, deployed.config.name, deployed.credentials)
    assert again.returncode == 0, _passed(again)
    assert "(no changes)" in again.output
    assert _outputs(rehearsal, deployed) == before


# --- Development tier -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev(rehearsal: Rehearsal) -> Deployed:
    """rehearsal-dev bootstrapped and deployed with `make deploy`, the prompt answered."""
    credentials = Credentials(DEFAULT_ACCOUNT, "rehearsal", "rehearsal")
    return _deploy_first(rehearsal, _config(DEV), credentials, target="deploy", approve=True)


def test_make_deploy_asks_before_it_adds_iam_permissions(dev: Deployed) -> None:
    # --require-approval broadening: new roles and policies are shown and need a yes.
    assert APPROVAL_PROMPT in dev.deploy.output
    assert "IAM Statement Changes" in dev.deploy.output


def test_make_deploy_writes_every_stack_output_to_the_outputs_file(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    outputs = _outputs(rehearsal, dev)
    assert set(outputs) == set(dev.template["Outputs"])
    _check_outputs_shape(outputs, dev)
    prefix = dev.config.domain.prefix
    assert outputs["HostedDomainBaseUrl"] == f"https://{prefix}.auth.{dev.region}.amazoncognito.com"
    iam = rehearsal.client("iam", dev.credentials, dev.region)
    for key in ("AuthenticatedRoleArn", "GuestRoleArn"):
        role_name = outputs[key].rpartition("/")[2]
        assert iam.get_role(RoleName=role_name)["Role"]["Arn"] == outputs[key]


def test_make_deploy_creates_the_stack_through_an_executed_change_set(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    stack = _describe(rehearsal, dev)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    cfn = rehearsal.client("cloudformation", dev.credentials, dev.region)
    events = cfn.describe_stack_events(StackName=dev.stack_name)["StackEvents"]
    # Only a stack created by a change set starts out in review.
    assert "REVIEW_IN_PROGRESS" in {e["ResourceStatus"] for e in events}
    executed = [
        summary
        for summary in cfn.list_change_sets(StackName=dev.stack_name)["Summaries"]
        if summary["StackName"] == dev.stack_name
    ]
    assert [s["ExecutionStatus"] for s in executed] == ["EXECUTE_COMPLETE"]


def test_make_deploy_publishes_the_trigger_code_that_the_functions_run(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    s3 = rehearsal.client("s3", dev.credentials, dev.region)
    ((bucket, key),) = dev.zip_assets
    assert bucket == f"cdk-hnb659fds-assets-{dev.credentials.account}-{dev.region}"
    code = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    enabled = [
        name
        for name in ("pre_sign_up", "post_confirmation", "pre_token_generation", "custom_message")
        if getattr(dev.config.triggers, name).enabled
    ]
    modules = {Path(name).name for name in zipfile.ZipFile(io.BytesIO(code)).namelist()}
    assert {f"{name}.py" for name in enabled} <= modules
    functions = [
        r
        for r in _resources(rehearsal, dev).values()
        if r["ResourceType"] == "AWS::Lambda::Function"
    ]
    assert len(functions) == len(enabled)
    digest = b64encode(hashlib.sha256(code).digest()).decode()
    lambda_ = rehearsal.client("lambda", dev.credentials, dev.region)
    for function in functions:
        config = lambda_.get_function(FunctionName=function["PhysicalResourceId"])["Configuration"]
        assert config["CodeSha256"] == digest


def test_make_deploy_creates_every_resource_with_its_roles_policies_and_log_groups(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    resources = _resources(rehearsal, dev)
    iam = rehearsal.client("iam", dev.credentials, dev.region)
    logs = rehearsal.client("logs", dev.credentials, dev.region)
    counted: Counter[str] = Counter()
    for resource in resources.values():
        kind, physical = resource["ResourceType"], resource["PhysicalResourceId"]
        counted[kind] += 1
        if kind == "AWS::IAM::Role":
            iam.get_role(RoleName=physical)
        elif kind == "AWS::IAM::ManagedPolicy":
            entities = iam.list_entities_for_policy(PolicyArn=physical)
            assert entities["PolicyRoles"], f"{physical} is attached to no role"
        elif kind == "AWS::Logs::LogGroup":
            groups = logs.describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
            assert [g["logGroupName"] for g in groups] == [physical]
            assert groups[0]["retentionInDays"] == dev.config.triggers.log_retention_days
    # Every resource of the template is in the stack (the Cognito ones as stand-ins).
    assert counted == Counter(r["Type"] for r in dev.template["Resources"].values())


def test_cognito_resources_are_stand_ins_that_exist_only_in_the_stack(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    resources = _resources(rehearsal, dev)
    pools = [r for r in resources.values() if r["ResourceType"] == "AWS::Cognito::UserPool"]
    assert [p["PhysicalResourceId"] for p in pools] == [_outputs(rehearsal, dev)["UserPoolId"]]
    cognito = rehearsal.client("cognito-idp", dev.credentials, dev.region)
    assert cognito.list_user_pools(MaxResults=60)["UserPools"] == []


def test_make_diff_after_the_deploy_reports_no_difference(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    _diff_finds_nothing(rehearsal, dev)


def test_a_deployed_passwordless_pool_gives_apps_their_sign_in_choices(
    rehearsal: Rehearsal, dev: Deployed, tmp_path: Path
) -> None:
    # GIVEN rehearsal-dev deployed with email codes and passkeys as first factors
    cfn = rehearsal.client("cloudformation", dev.credentials, dev.region)
    body = cfn.get_template(StackName=dev.stack_name)["TemplateBody"]
    deployed = body if isinstance(body, dict) else json.loads(body)
    [pool] = [
        r["Properties"]
        for r in deployed["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPool"
    ]
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        "EMAIL_OTP",
        "WEB_AUTHN",
    ]
    # WHEN client-config reads the outputs file that make deploy wrote
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.client_config",
            "--env",
            DEV,
            "--outputs",
            str(rehearsal.outputs_file(DEV)),
            "--directory",
            str(ROOT / FIXTURES),
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "AWS_EC2_METADATA_DISABLED": "true"},
        timeout=STEP_TIMEOUT_SECONDS,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # THEN the web app's file offers them, passkeys on the deployed hosted domain
    written = json.loads((tmp_path / DEV / "WebApp" / "amplify_outputs.json").read_text())
    hosted = _outputs(rehearsal, dev)["HostedDomainBaseUrl"].removeprefix("https://")
    assert written["auth"]["passwordless"] == {
        "email_otp_enabled": True,
        "sms_otp_enabled": False,
        "web_authn": {"relying_party_id": hosted, "user_verification": "required"},
        "preferred_challenge": "EMAIL_OTP",
    }


def test_make_deploy_ci_without_a_change_deploys_nothing_and_rewrites_the_outputs_file(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    _redeploy_unchanged(rehearsal, dev, "deploy-ci")


@pytest.fixture(scope="module")
def changed_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixtures where rehearsal-dev gains an app client."""
    folder = tmp_path_factory.mktemp("changed-environments")
    shutil.copytree(ROOT / FIXTURES, folder, dirs_exist_ok=True)
    path = folder / f"{DEV}.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "\napp_clients:\n",
            "\napp_clients:\n  MobileApp:\n    kind: public\n"
            '    callback_urls: ["https://mobile.rehearsal.example.com/callback"]\n'
            '    logout_urls: ["https://mobile.rehearsal.example.com/"]\n',
            1,
        ),
        encoding="utf-8",
    )
    assert "MobileApp" in load_environment(DEV, directory=folder).app_clients
    return folder


def test_make_diff_shows_a_change_of_the_environment_file(
    rehearsal: Rehearsal, dev: Deployed, changed_environments: Path
) -> None:
    diff = rehearsal.make(
        "diff", DEV, dev.credentials, "--fail", environments_dir=str(changed_environments)
    )
    assert diff.returncode != 0, _passed(diff)
    assert "Number of stacks with differences: 1" in diff.output
    assert "AWS::Cognito::UserPoolClient" in diff.output
    assert "MobileAppClientId" in diff.output


def test_make_deploy_ci_updates_the_stack_and_keeps_the_existing_ids(
    rehearsal: Rehearsal, dev: Deployed, changed_environments: Path
) -> None:
    before = _outputs(rehearsal, dev)
    update = rehearsal.make(
        "deploy-ci", DEV, dev.credentials, environments_dir=str(changed_environments)
    )
    assert update.returncode == 0, _passed(update)
    assert _describe(rehearsal, dev)["StackStatus"] == "UPDATE_COMPLETE"
    after = _outputs(rehearsal, dev)
    assert set(after) - set(before) == {"MobileAppClientId"}
    assert re.fullmatch(r"[a-z0-9]{26}", after["MobileAppClientId"])
    assert {key: after[key] for key in before} == before


def test_make_destroy_deletes_the_stack_and_keeps_what_is_retained(
    rehearsal: Rehearsal, dev: Deployed
) -> None:
    resources = _resources(rehearsal, dev)
    destroy = rehearsal.make("destroy", DEV, dev.credentials, "--force")
    assert destroy.returncode == 0, _passed(destroy)
    cfn = rehearsal.client("cloudformation", dev.credentials, dev.region)
    with pytest.raises(ClientError, match="does not exist"):
        cfn.describe_stacks(StackName=dev.stack_name)
    iam = rehearsal.client("iam", dev.credentials, dev.region)
    lambda_ = rehearsal.client("lambda", dev.credentials, dev.region)
    logs = rehearsal.client("logs", dev.credentials, dev.region)
    retained = {
        logical_id
        for logical_id, resource in dev.template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    }
    for logical_id, resource in resources.items():
        kind, physical = resource["ResourceType"], resource["PhysicalResourceId"]
        if kind == "AWS::IAM::Role":
            with pytest.raises(ClientError, match="NoSuchEntity"):
                iam.get_role(RoleName=physical)
        elif kind == "AWS::Lambda::Function":
            with pytest.raises(ClientError, match="ResourceNotFound"):
                lambda_.get_function(FunctionName=physical)
        elif kind == "AWS::Logs::LogGroup":
            groups = logs.describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
            assert bool(groups) == (logical_id in retained), logical_id
    assert iam.list_policies(Scope="Local")["Policies"] == []


# --- Production tier ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prod(rehearsal: Rehearsal) -> Deployed:
    """rehearsal-prod bootstrapped and deployed with `make deploy-ci` in its own account."""
    config = _config(PROD)
    assert config.tier == "production"
    assert config.account not in (None, DEFAULT_ACCOUNT)
    assert config.region not in (None, DEFAULT_REGION)
    credentials = _account_credentials(rehearsal.endpoint, config.account)
    return _deploy_first(rehearsal, config, credentials, target="deploy-ci", approve=False)


def test_credentials_of_another_account_are_refused_before_the_cli(
    rehearsal: Rehearsal,
) -> None:
    config = _config(PROD)
    other = Credentials(DEFAULT_ACCOUNT, "rehearsal", "rehearsal")
    refused = rehearsal.make("deploy", PROD, other)
    assert refused.returncode != 0, _passed(refused)
    assert f"pins account {config.account}" in refused.output
    assert "cdk --no-notices" not in refused.output


def test_make_deploy_ci_deploys_to_the_pinned_account_and_region(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    stack = _describe(rehearsal, prod)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert f":{prod.region}:{prod.config.account}:stack/" in stack["StackId"]
    outputs = _outputs(rehearsal, prod)
    assert set(outputs) == set(prod.template["Outputs"])
    _check_outputs_shape(outputs, prod)
    assert re.fullmatch(r"d[a-z0-9]{13}\.cloudfront\.net", outputs["CustomDomainAliasTarget"])
    (bucket, key), *_ = prod.zip_assets
    s3 = rehearsal.client("s3", prod.credentials, prod.region)
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0


def test_the_production_stack_has_termination_protection(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    assert _describe(rehearsal, prod)["EnableTerminationProtection"] is True


def test_make_diff_of_the_production_stack_reports_no_difference(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    _diff_finds_nothing(rehearsal, prod)


def test_make_deploy_without_a_change_needs_no_approval_and_rewrites_the_outputs_file(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    _redeploy_unchanged(rehearsal, prod, "deploy")


def test_make_destroy_of_a_production_tier_environment_is_refused(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    refused = rehearsal.make("destroy", PROD, prod.credentials, "--force")
    assert refused.returncode != 0, _passed(refused)
    assert f"refusing to destroy {PROD}" in refused.output
    assert "destroying..." not in refused.output
    assert _describe(rehearsal, prod)["StackStatus"] == "CREATE_COMPLETE"


def test_cloudformation_refuses_the_delete_even_past_make(
    rehearsal: Rehearsal, prod: Deployed
) -> None:
    bypass = rehearsal.cdk(
        prod.credentials,
        "destroy",
        f"{PROD}/*",
        "-c",
        f"env={PROD}",
        "-c",
        f"environments_dir={ROOT / FIXTURES}",
        "--force",
    )
    assert bypass.returncode != 0, _passed(bypass)
    assert "TerminationProtection is enabled" in bypass.output
    assert _describe(rehearsal, prod)["StackStatus"] == "CREATE_COMPLETE"


def test_make_validate_against_the_deployed_templates_blocks_a_sign_in_change(
    rehearsal: Rehearsal, prod: Deployed, tmp_path: Path
) -> None:
    # GIVEN the deployed production stack, and its file changed to other sign-in identifiers
    # and passkeys moved from auth.rehearsal.example.com to its parent domain
    changed = tmp_path / "environments"
    shutil.copytree(ROOT / FIXTURES, changed)
    path = changed / f"{PROD}.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("user_pool:\n", "user_pool:\n  sign_in_identifiers: [username]\n", 1)
    text = text.replace(
        "passkey: {counts_as_mfa: true}",
        "passkey: {counts_as_mfa: true, relying_party_id: rehearsal.example.com}",
        1,
    )
    path.write_text(text, encoding="utf-8")
    changed_config = load_environment(PROD, directory=changed)
    assert changed_config.user_pool.sign_in_identifiers == ("username",)
    assert changed_config.user_pool.sign_in.passkey.relying_party_id == "rehearsal.example.com"
    # WHEN the deploy workflow's guard runs against what is deployed
    run = rehearsal.make(
        "validate",
        PROD,
        prod.credentials,
        environments_dir=str(changed),
        variables=("BASE=deployed", f"VALIDATE_OUT={rehearsal.cdk_out.parent / 'validate.out'}"),
    )
    # THEN it blocks, and says so in config terms
    assert run.returncode != 0, _passed(run)
    assert "BLOCK rehearsal-prod/" in run.output
    summary = (rehearsal.cdk_out.parent / "validate.out" / "validation-summary.md").read_text(
        encoding="utf-8"
    )
    assert f"the deployed templates of {PROD} ({prod.config.project}-{PROD}: deployed)" in summary
    assert f"**In config:** `{path}`: `user_pool.sign_in_identifiers`:" in summary
    assert f"[config: {path}: user_pool.sign_in_identifiers:" in run.output
    assert "docs/migration.md" in run.output
    # and a moved relying party, which would break every registered passkey
    assert f"[config: {path}: user_pool.sign_in.passkey.relying_party_id:" in run.output
    assert "every passkey users registered stops working" in run.output
