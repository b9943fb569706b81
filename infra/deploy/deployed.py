"""The templates an environment has deployed, laid out like `cdk synth` output.

The deploy workflow guards against what is live, not against another commit: a risky change
that reached `main` without a pull request is still caught before it reaches the account. The
stacks to fetch come from the candidate cloud assembly (`cdk.out/assembly-<env>/manifest.json`);
each deployed template (CloudFormation `GetTemplate`, the original JSON the CDK sent) is written
to `<out>/assembly-<env>/<same file name>`, where the guard matches it with the candidate by
file name. A stack that does not exist yet writes nothing: its baseline is empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.deploy.preflight import PreflightError

_STACK = "aws:cloudformation:stack"
_ASSEMBLY_PREFIX = "assembly-"


@dataclass(frozen=True)
class StackRef:
    """One stack of the candidate assembly: its name, region and template file name."""

    stack_name: str
    region: str | None
    template_file: str


def stacks_of(assembly: Path, environment: str) -> list[StackRef]:
    """The stacks that `cdk synth -c env=<environment>` wrote into `assembly`."""
    manifest_path = assembly / f"{_ASSEMBLY_PREFIX}{environment}" / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PreflightError(
            f"cannot read {manifest_path} ({error}): synthesize {environment} first"
        ) from None
    stacks = []
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != _STACK:
            continue
        properties = artifact.get("properties", {})
        region = str(artifact.get("environment", "")).removeprefix("aws://").partition("/")[2]
        stacks.append(
            StackRef(
                stack_name=properties.get("stackName", artifact_id),
                region=None if region in ("", "unknown-region") else region,
                template_file=properties["templateFile"],
            )
        )
    return stacks


ClientFactory = Callable[[str | None], Any]


def _cloudformation(region: str | None) -> Any:
    import boto3  # lazy: only the deploy workflow fetches

    return boto3.client("cloudformation", region_name=region)


def fetch_deployed(
    assembly: Path, environment: str, out: Path, *, client_factory: ClientFactory = _cloudformation
) -> dict[str, bool]:
    """Write each deployed template below `out`; returns stack name -> whether it exists."""
    from botocore.exceptions import BotoCoreError, ClientError

    folder = out / f"{_ASSEMBLY_PREFIX}{environment}"
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, bool] = {}
    for stack in stacks_of(assembly, environment):
        client = client_factory(stack.region)
        try:
            body = client.get_template(StackName=stack.stack_name, TemplateStage="Original")[
                "TemplateBody"
            ]
        except ClientError as error:
            message = error.response.get("Error", {}).get("Message", "")
            if "does not exist" in message:
                found[stack.stack_name] = False
                continue
            raise PreflightError(
                f"GetTemplate {stack.stack_name} failed: {message or error}"
            ) from None
        except BotoCoreError as error:
            raise PreflightError(f"GetTemplate {stack.stack_name} failed: {error}") from None
        template = json.loads(body) if isinstance(body, str) else body
        (folder / stack.template_file).write_text(json.dumps(template, indent=1), encoding="utf-8")
        found[stack.stack_name] = True
    return found
