"""The deployed stack's outputs: from `cdk deploy --outputs-file`, or from CloudFormation.

The outputs file maps stack names to their outputs. Only the environment's own stack is read,
so a file from another environment (or another kit) is an error, not a silent mix of ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra.config import EnvironmentConfig


class OutputsError(Exception):
    """The outputs cannot be used; the message says why and what to do."""


def stack_name(config: EnvironmentConfig) -> str:
    """The CloudFormation stack an environment deploys (its stack name in the outputs file)."""
    return f"{config.project}-{config.name}"


def read_outputs_file(path: Path, config: EnvironmentConfig) -> dict[str, str]:
    """The environment's outputs from a `cdk deploy --outputs-file` JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputsError(
            f"{path} does not exist: run `make deploy ENV={config.name}` first, or pass "
            "OUTPUTS=<file>"
        ) from None
    except (OSError, ValueError) as error:
        raise OutputsError(f"{path} is not a readable JSON outputs file ({error})") from None
    if not isinstance(data, Mapping):
        raise OutputsError(f"{path} is not an outputs file (expected stack -> outputs)")
    name = stack_name(config)
    outputs = data.get(name)
    if not isinstance(outputs, Mapping):
        found = ", ".join(sorted(str(k) for k in data)) or "none"
        raise OutputsError(
            f"{path} has no outputs of stack {name} (environment {config.name}); it holds "
            f"{found}: is it another environment's file?"
        )
    return {str(key): str(value) for key, value in outputs.items()}


ClientFactory = Callable[[str | None], Any]


def _cloudformation(region: str | None) -> Any:
    import boto3  # lazy: only without an outputs file

    return boto3.client("cloudformation", region_name=region)


def read_deployed_outputs(
    config: EnvironmentConfig, *, client_factory: ClientFactory = _cloudformation
) -> dict[str, str]:
    """The environment's outputs from CloudFormation (needs credentials for its account)."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    name = stack_name(config)
    try:
        stacks = client_factory(config.region).describe_stacks(StackName=name)["Stacks"]
    except NoCredentialsError:
        raise OutputsError(
            "no outputs file and no AWS credentials: pass OUTPUTS=deploy-outputs/"
            f"{config.name}.json (written by make deploy), or supply credentials"
        ) from None
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise OutputsError(f"cannot read the outputs of stack {name}: {message}") from None
    except BotoCoreError as error:
        raise OutputsError(f"cannot read the outputs of stack {name}: {error}") from None
    return {
        str(output["OutputKey"]): str(output["OutputValue"])
        for output in stacks[0].get("Outputs", [])
    }
