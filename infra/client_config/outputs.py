"""The deployed stack's outputs: from `cdk deploy --outputs-file`, or from CloudFormation.

The outputs file maps stack names to their outputs (docs/client-config.md). Only the
environment's own stack is read, so a file from another environment (or another kit) is an
error, not a silent mix of ids. Every refusal is one line that says what to pass instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.config import EnvironmentConfig

# Where `make deploy` writes each environment's outputs (the Makefile's OUTPUTS_DIR default).
DEFAULT_OUTPUTS_DIR = Path("deploy-outputs")
FILE_FORMAT = '{"<stack name>": {"<OutputKey>": "<value>", ...}}'
AWS_TIMEOUT_SECONDS = 10


class OutputsError(Exception):
    """The outputs cannot be used; the message says why and what to do."""


def stack_name(config: EnvironmentConfig) -> str:
    """The CloudFormation stack an environment deploys (its stack name in the outputs file)."""
    return f"{config.project}-{config.name}"


def default_outputs_file(config: EnvironmentConfig, directory: Path = DEFAULT_OUTPUTS_DIR) -> Path:
    """The file `make deploy ENV=<name>` writes."""
    return directory / f"{config.name}.json"


def _deploy_hint(config: EnvironmentConfig, default: Path) -> str:
    return f"OUTPUTS={default} (the file `make deploy ENV={config.name}` writes)"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def read_outputs_file(path: Path, config: EnvironmentConfig) -> dict[str, str]:
    """The environment's outputs from a `cdk deploy --outputs-file` JSON file."""
    expected = f"expected the JSON `cdk deploy --outputs-file` writes, {FILE_FORMAT}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputsError(
            f"{path} does not exist: pass {_deploy_hint(config, default_outputs_file(config))}, "
            "or leave OUTPUTS out to read the deployed stack's outputs with AWS credentials"
        ) from None
    except json.JSONDecodeError as error:
        raise OutputsError(
            f"{path} is not JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            f"{expected}"
        ) from None
    except (OSError, ValueError) as error:
        raise OutputsError(f"cannot read {path} ({_one_line(error)}); {expected}") from None
    if not isinstance(data, dict):
        raise OutputsError(f"{path} holds a JSON {_json_type(data)}; {expected}")
    name = stack_name(config)
    outputs = data.get(name)
    if outputs is None:
        found = ", ".join(sorted(str(k) for k in data)) or "no stack"
        raise OutputsError(
            f"{path} has no outputs of stack {name} (environment {config.name}); it holds "
            f"{found}: is it another environment's file?"
        )
    if not isinstance(outputs, dict):
        raise OutputsError(
            f"{path}: stack {name} holds a JSON {_json_type(outputs)}, not its outputs; {expected}"
        )
    if wrong := sorted(str(key) for key, value in outputs.items() if not isinstance(value, str)):
        raise OutputsError(
            f"{path}: the outputs {', '.join(wrong)} of stack {name} are not strings; {expected}"
        )
    return {str(key): value for key, value in outputs.items()}


def _json_type(value: object) -> str:
    names = {list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), "object")


SessionFactory = Callable[[], Any]


def _botocore_session() -> Any:
    import botocore.session  # lazy: only without an outputs file

    # A fresh session: it reads the environment now, not when the process first asked.
    return botocore.session.Session()


def _credentials_region(session: Any) -> str | None:
    """The region an environment-agnostic stack was deployed in: the CDK CLI's choice, which
    reads AWS_REGION first (botocore only reads AWS_DEFAULT_REGION and the profile)."""
    return os.environ.get("AWS_REGION") or session.get_config_variable("region")


def read_deployed_outputs(
    config: EnvironmentConfig,
    *,
    default: Path | None = None,
    session_factory: SessionFactory = _botocore_session,
) -> dict[str, str]:
    """The environment's outputs from CloudFormation (needs credentials for its account).

    `default` is the outputs file the caller looked for first (named in the messages).
    """
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    name = stack_name(config)
    hint = _deploy_hint(config, default or default_outputs_file(config))
    session = session_factory()
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise OutputsError(
            f"no outputs for {config.name}, and the AWS credentials could not be read "
            f"({_one_line(error)}): pass {hint}, or fix the credentials (e.g. `aws sso login`)"
        ) from None
    if credentials is None:
        raise OutputsError(
            f"no outputs for {config.name}: pass {hint}, or AWS credentials (AWS_PROFILE, or "
            f"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to read them from stack {name}"
        )
    region = config.region or _credentials_region(session)
    if not region:
        raise OutputsError(
            f"no outputs for {config.name}, and no AWS region to read stack {name} in: "
            f"{config.name} pins none, so set AWS_REGION to the region it is deployed in, or "
            f"pass {hint}"
        )
    client = session.create_client(
        "cloudformation",
        region_name=region,
        config=Config(
            connect_timeout=AWS_TIMEOUT_SECONDS,
            read_timeout=AWS_TIMEOUT_SECONDS,
            retries={"total_max_attempts": 3},
        ),
    )
    try:
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        detail = error.response.get("Error", {})
        message = _one_line(detail.get("Message", error))
        if detail.get("Code") == "ValidationError" and "does not exist" in message:
            raise OutputsError(
                f"stack {name} does not exist in {region} for these credentials: deploy it "
                f"(make deploy ENV={config.name}), or pass {hint}"
            ) from None
        raise OutputsError(
            f"AWS refused to read stack {name} in {region} ({detail.get('Code', 'error')}: "
            f"{message}); pass {hint}, or use credentials allowed "
            "cloudformation:DescribeStacks"
        ) from None
    except BotoCoreError as error:
        raise OutputsError(
            f"cannot read stack {name} in {region} ({_one_line(error)}); pass {hint}"
        ) from None
    return {
        str(output["OutputKey"]): str(output["OutputValue"])
        for output in stacks[0].get("Outputs", [])
    }


def read_outputs(
    config: EnvironmentConfig,
    path: Path | None,
    *,
    directory: Path = DEFAULT_OUTPUTS_DIR,
    session_factory: SessionFactory = _botocore_session,
) -> dict[str, str]:
    """The outputs from `path`, else from `<directory>/<env>.json`, else from CloudFormation."""
    if path is not None:
        return read_outputs_file(path, config)
    default = default_outputs_file(config, directory)
    if default.exists():
        return read_outputs_file(default, config)
    return read_deployed_outputs(config, default=default, session_factory=session_factory)
