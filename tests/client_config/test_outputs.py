"""`make client-config`: where the outputs come from, and one line for every way they cannot be
used (no file and no credentials, no region, a missing or malformed file, missing outputs),
with nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws

from infra.client_config.__main__ import main
from infra.client_config.amplify import amplify_outputs
from infra.client_config.outputs import OutputsError, read_deployed_outputs
from tests.client_config.conftest import ROOT, fake_outputs, outputs_file
from tests.conftest import KIT_ENVIRONMENTS_DIR, Assembly
from tests.yaml_files import dump_yaml, read_yaml


def write_outputs(tmp_path: Path, data: Any, name: str = "outputs.json") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def run(
    tmp_path: Path,
    env: str,
    capsys: pytest.CaptureFixture[str],
    outputs: Path | None = None,
    directory: Path = KIT_ENVIRONMENTS_DIR,
) -> tuple[int, str]:
    """The command's exit code and what it printed; the deploy outputs folder is
    `<tmp_path>/deploy-outputs`, the files go to `<tmp_path>/client-config`."""
    argv = ["--env", env, "--out", str(tmp_path / "client-config"), "--directory", str(directory)]
    argv += ["--outputs-dir", str(tmp_path / "deploy-outputs")]
    if outputs is not None:
        argv += ["--outputs", str(outputs)]
    code = main(argv)
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def refused(tmp_path: Path, code: int, err: str) -> str:
    """The one line of a refusal (exit 2, nothing written)."""
    assert code == 2
    assert not list(tmp_path.rglob("amplify_outputs.json"))
    [line] = err.splitlines()
    assert line.startswith("client-config: ")
    return line.removeprefix("client-config: ")


# --- where the outputs come from --------------------------------------------------------------


def test_the_command_writes_one_file_per_public_client_and_says_why_others_get_none(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    showcase = assembly.environments["showcase"]
    outputs = write_outputs(tmp_path, outputs_file(showcase))
    code, err = run(tmp_path, "showcase", capsys, outputs)
    assert code == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("amplify_outputs.json"))
    assert written == [Path("client-config/showcase/WebApp/amplify_outputs.json")]
    assert "no file for AdminPortal: confidential: it holds a client secret" in err
    assert "no file for OrdersWorker: machine" in err
    content = json.loads((tmp_path / written[0]).read_text())
    assert content["version"] == "1.4"
    assert "secret" not in json.dumps(content).lower()


def test_without_outputs_the_file_make_deploy_wrote_is_read_and_aws_is_not_asked(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_credentials: None
) -> None:
    showcase = assembly.environments["showcase"]
    write_outputs(tmp_path, outputs_file(showcase), "deploy-outputs/showcase.json")
    code, err = run(tmp_path, "showcase", capsys)
    assert code == 0, err
    written = json.loads(
        (tmp_path / "client-config/showcase/WebApp/amplify_outputs.json").read_text()
    )
    assert written["auth"]["user_pool_id"] == fake_outputs(showcase)["UserPoolId"]


def test_an_environment_without_a_public_client_needs_no_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_credentials: None
) -> None:
    data = read_yaml(KIT_ENVIRONMENTS_DIR / "minimal.yaml")
    data["app_clients"] = {
        "Server": {
            "kind": "confidential",
            "callback_urls": ["https://app.example.com/callback"],
            "logout_urls": ["https://app.example.com/"],
        }
    }
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "servers.yaml").write_text(dump_yaml(data))
    code, err = run(tmp_path, "servers", capsys, directory=environments)
    assert code == 0
    assert err.splitlines() == [
        "client-config: no file for Server: confidential: it holds a client secret, which must "
        "never ship in an app; your server reads it from Cognito (see README: a client's secret)",
        "client-config: servers has no public app client",
    ]


# --- no outputs file: the deployed stack, or one line saying what to pass --------------------


def test_without_outputs_or_credentials_one_line_says_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_credentials: None
) -> None:
    code, err = run(tmp_path, "showcase", capsys)
    assert refused(tmp_path, code, err) == (
        f"no outputs for showcase: pass OUTPUTS={tmp_path / 'deploy-outputs/showcase.json'} "
        "(the file `make deploy ENV=showcase` writes), or AWS credentials (AWS_PROFILE, or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to read them from stack "
        "cognito-kit-showcase"
    )


def test_the_command_without_outputs_or_credentials_prints_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    """The newcomer's first try, `make client-config ENV=dev` on a fresh clone, as a process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": str(ROOT),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "infra.client_config", "--env", "dev"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (completed.returncode, completed.stdout) == (2, "")
    assert completed.stderr.splitlines() == [
        "client-config: no outputs for dev: pass OUTPUTS=deploy-outputs/dev.json (the file "
        "`make deploy ENV=dev` writes), or AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY) to read them from stack cognito-kit-dev"
    ]


def test_credentials_without_a_region_one_line_says_where_to_set_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_credentials: None
) -> None:
    code, err = run(tmp_path, "showcase", capsys)
    assert refused(tmp_path, code, err) == (
        "no outputs for showcase, and no AWS region to read stack cognito-kit-showcase in: "
        "showcase pins none, so set AWS_REGION to the region it is deployed in, or pass "
        f"OUTPUTS={tmp_path / 'deploy-outputs/showcase.json'} (the file `make deploy "
        "ENV=showcase` writes)"
    )


def test_credentials_that_cannot_be_read_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "nowhere")
    code, err = run(tmp_path, "showcase", capsys)
    line = refused(tmp_path, code, err)
    assert line.startswith(
        "no outputs for showcase, and the AWS credentials could not be read (The config "
        "profile (nowhere) could not be found): pass OUTPUTS="
    )


def _stack(name: str, outputs: dict[str, str], region: str) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=region).create_stack(
        StackName=name, TemplateBody=json.dumps(template)
    )


# The CDK CLI deploys an environment-agnostic stack to AWS_REGION, else AWS_DEFAULT_REGION, else
# the profile's region; botocore alone would ignore AWS_REGION.
@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_without_a_file_the_deployed_stack_is_read_in_the_credentials_region(
    assembly: Assembly,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    showcase = assembly.environments["showcase"]
    values = fake_outputs(showcase)
    monkeypatch.setenv(variable, "eu-west-1")
    with mock_aws():
        _stack("cognito-kit-showcase", values, "eu-west-1")
        code, err = run(tmp_path, "showcase", capsys)
    assert code == 0, err
    written = json.loads(
        (tmp_path / "client-config/showcase/WebApp/amplify_outputs.json").read_text()
    )
    assert written["auth"]["user_pool_client_id"] == values["WebAppClientId"]
    assert written["custom"]["API"]["OrdersHttpApi"]["endpoint"] == values["OrdersHttpApiUrl"]


def test_a_pinned_region_wins_over_the_credentials_region(
    assembly: Assembly, fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = assembly.environments["strict"]
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        _stack("cognito-kit-strict", fake_outputs(strict), "eu-west-1")
        assert read_deployed_outputs(strict.config) == fake_outputs(strict)


def test_a_stack_that_was_never_deployed_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fake_credentials: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_aws():
        code, err = run(tmp_path, "showcase", capsys)
    assert refused(tmp_path, code, err) == (
        "stack cognito-kit-showcase does not exist in eu-west-1 for these credentials: deploy "
        "it (make deploy ENV=showcase), or pass "
        f"OUTPUTS={tmp_path / 'deploy-outputs/showcase.json'} (the file `make deploy "
        "ENV=showcase` writes)"
    )


class FakeSession:
    """A botocore session with credentials and a region, whose client is given."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get_credentials(self) -> object:
        return object()

    def get_config_variable(self, name: str) -> str | None:
        return "eu-west-1" if name == "region" else None

    def create_client(self, service: str, **_: Any) -> Any:
        assert service == "cloudformation"
        return self.client


def test_access_denied_is_one_line_naming_the_permission(
    assembly: Assembly, no_credentials: None
) -> None:
    client = boto3.client(
        "cloudformation",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    stub = Stubber(client)
    stub.add_client_error(
        "describe_stacks",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/dev is not authorized\n"
        "to perform: cloudformation:DescribeStacks",
    )
    showcase = assembly.environments["showcase"].config
    with stub, pytest.raises(OutputsError) as raised:
        read_deployed_outputs(showcase, session_factory=lambda: FakeSession(client))
    assert str(raised.value) == (
        "AWS refused to read stack cognito-kit-showcase in eu-west-1 (AccessDenied: User: "
        "arn:aws:iam::123456789012:user/dev is not authorized to perform: "
        "cloudformation:DescribeStacks); pass OUTPUTS=deploy-outputs/showcase.json (the file "
        "`make deploy ENV=showcase` writes), or use credentials allowed "
        "cloudformation:DescribeStacks"
    )


def test_an_unreachable_endpoint_is_one_line(assembly: Assembly, no_credentials: None) -> None:
    def unreachable(**_: Any) -> Any:
        raise EndpointConnectionError(
            endpoint_url="https://cloudformation.eu-west-1.amazonaws.com/"
        )

    session = FakeSession(SimpleNamespace(describe_stacks=unreachable))
    with pytest.raises(OutputsError) as raised:
        read_deployed_outputs(
            assembly.environments["showcase"].config, session_factory=lambda: session
        )
    assert str(raised.value).startswith(
        "cannot read stack cognito-kit-showcase in eu-west-1 (Could not connect to the "
        'endpoint URL: "https://cloudformation.eu-west-1.amazonaws.com/"); pass OUTPUTS='
    )


# --- an outputs file that cannot be used ------------------------------------------------------

EXPECTED = (
    "expected the JSON `cdk deploy --outputs-file` writes, "
    '{"<stack name>": {"<OutputKey>": "<value>", ...}}'
)


def test_a_missing_outputs_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(tmp_path, "showcase", capsys, tmp_path / "nope.json")
    assert refused(tmp_path, code, err) == (
        f"{tmp_path / 'nope.json'} does not exist: pass OUTPUTS=deploy-outputs/showcase.json "
        "(the file `make deploy ENV=showcase` writes), or leave OUTPUTS out to read the "
        "deployed stack's outputs with AWS credentials"
    )


MALFORMED = {
    "empty": ("", "{path} is not JSON (Expecting value at line 1 column 1)"),
    "not-json": (
        "{\n  'a': 1}",
        "{path} is not JSON (Expecting property name enclosed in double quotes at line 2 column 3)",
    ),
    "array": ("[]", "{path} holds a JSON array"),
    "string": ('"cognito-kit-showcase"', "{path} holds a JSON string"),
    "stack-not-a-map": (
        '{"cognito-kit-showcase": ["UserPoolId"]}',
        "{path}: stack cognito-kit-showcase holds a JSON array, not its outputs",
    ),
    "values-not-strings": (
        '{"cognito-kit-showcase": {"UserPoolId": {"Value": "x"}, "JwksUrl": 1}}',
        "{path}: the outputs JwksUrl, UserPoolId of stack cognito-kit-showcase are not strings",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_outputs_file_is_one_line_with_the_expected_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, message = MALFORMED[case]
    path = tmp_path / "outputs.json"
    path.write_text(content)
    code, err = run(tmp_path, "showcase", capsys, path)
    assert refused(tmp_path, code, err) == message.format(path=path) + "; " + EXPECTED


def test_an_outputs_file_that_is_not_text_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "outputs.json"
    path.write_bytes(b"\xff\xfe{}")
    code, err = run(tmp_path, "showcase", capsys, path)
    assert refused(tmp_path, code, err).startswith(f"cannot read {path} ('utf-8' codec can't")


def test_outputs_of_another_environment_are_refused(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relaxed = write_outputs(tmp_path, outputs_file(assembly.environments["relaxed"]))
    code, err = run(tmp_path, "showcase", capsys, relaxed)
    assert refused(tmp_path, code, err) == (
        f"{relaxed} has no outputs of stack cognito-kit-showcase (environment showcase); it "
        "holds cognito-kit-relaxed: is it another environment's file?"
    )


@pytest.mark.parametrize(
    "missing",
    [
        ["UserPoolId"],
        ["HostedDomainBaseUrl"],
        ["WebAppClientId"],
        ["IdentityPoolId"],
        ["OrdersHttpApiUrl"],
        ["OrdersRestApiUrl"],
        ["UserPoolId", "WebAppClientId", "OrdersRestApiUrl"],
    ],
)
def test_missing_outputs_are_named_all_at_once_and_nothing_is_written(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: list[str]
) -> None:
    data = outputs_file(assembly.environments["showcase"])
    for key in missing:
        del data["cognito-kit-showcase"][key]
    code, err = run(tmp_path, "showcase", capsys, write_outputs(tmp_path, data))
    assert refused(tmp_path, code, err) == (
        f"the outputs of stack cognito-kit-showcase lack {', '.join(missing)}: deploy this "
        "version of the kit and environment file first (make deploy ENV=showcase), then run "
        "again"
    )


def test_a_pool_from_another_region_is_refused(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    outputs = fake_outputs(strict)
    outputs["UserPoolId"] = "us-east-1_AbCdEf000"
    with pytest.raises(OutputsError, match="pool in us-east-1, but strict pins region eu-west-1"):
        amplify_outputs(strict.config, outputs)


def test_a_value_that_is_no_id_is_refused(assembly: Assembly) -> None:
    showcase = assembly.environments["showcase"]
    outputs = fake_outputs(showcase)
    outputs["WebAppClientId"] = "not an id!"
    with pytest.raises(OutputsError, match="is not a app client id"):
        amplify_outputs(showcase.config, outputs)
