"""Checks that run before `cdk deploy`, `cdk diff` or `cdk destroy` for one environment.

`make deploy ENV=<name>` must never fall back to a default environment, run without
credentials and print something that reads like success, or deploy a file that pins another
account. Each check stops with one line saying what is wrong and how to fix it, before the CDK
CLI starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from infra.config import ConfigError, EnvironmentConfig, load_environment
from infra.config.loader import ENVIRONMENTS_DIR, EnvironmentFiles
from infra.config.regions import region_problem

STS_TIMEOUT_SECONDS = 5
CREDENTIALS_HELP = (
    "supply them with `aws sso login --profile <name>` and AWS_PROFILE=<name>, or "
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (CI: aws-actions/configure-aws-credentials)"
)


REGION_VARIABLES = ("AWS_REGION", "AMAZON_REGION", "AWS_DEFAULT_REGION", "AMAZON_DEFAULT_REGION")
"""Where the CDK CLI (2.1148) looks for the region, in its order, before the profile's region.
botocore alone reads only AWS_DEFAULT_REGION and the profile, so it would miss AWS_REGION."""


class Action(StrEnum):
    """What the CDK CLI is about to do."""

    DEPLOY = "deploy"
    DIFF = "diff"
    DESTROY = "destroy"


class PreflightError(Exception):
    """A check failed; the message is the one line to show."""


@dataclass(frozen=True)
class Target:
    """Where the CLI will act: the environment, and the account and region it resolves to."""

    config: EnvironmentConfig
    account: str
    region: str
    caller_arn: str

    def describe(self, action: Action) -> str:
        return (
            f"preflight: {action} {self.config.name} ({self.config.tier} tier) in account "
            f"{self.account}, region {self.region}, as {self.caller_arn}"
        )


def stage_selector(name: str) -> str:
    """The CDK CLI's selector for every stack of an environment: stacks live in its Stage."""
    return f"{name}/*"


def check_environment(name: str | None, directory: Path = ENVIRONMENTS_DIR) -> EnvironmentConfig:
    """The validated config of `name`; an empty or unknown name stops with the known names, a
    name that breaks the environment-name rule with the rule (as the loader says it)."""
    files = EnvironmentFiles.scan(directory)
    if not name:
        raise PreflightError(
            f"ENV is empty: name the environment, e.g. ENV=dev; known: {files.listing()}"
        )
    if problems := files.lookup_problems(name, given_as="ENV"):
        raise PreflightError("; ".join(f"{p.file}: {p.message}" for p in problems))
    try:
        return load_environment(name, directory=directory)
    except ConfigError as error:
        raise PreflightError(str(error)) from None


def check_action(config: EnvironmentConfig, action: Action) -> None:
    """Refuse what a tier forbids: production-tier environments are never destroyed."""
    if action is Action.DESTROY and config.tier == "production":
        raise PreflightError(
            f"refusing to destroy {config.name}: it is a production-tier environment (its user "
            "pool is retained and deletion-protected); change it deliberately in the AWS "
            "console if you really mean it"
        )


SessionFactory = Callable[[], Any]


def cli_region(session: Any, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The region the CDK CLI will use and where it comes from, or None: the first of
    `REGION_VARIABLES` that is set, else the profile's region."""
    for variable in REGION_VARIABLES:
        if value := environ.get(variable, "").strip():
            return value, variable
    region = session.get_config_variable("region")
    return (region, "the profile's region") if region else None


def _botocore_session() -> Any:
    import botocore.session  # lazy: only the deploy path needs it

    return botocore.session.get_session()


def check_credentials(
    config: EnvironmentConfig,
    *,
    session_factory: SessionFactory = _botocore_session,
    environ: Mapping[str, str] = os.environ,
) -> Target:
    """Credentials exist, are accepted, and belong to the account the file pins (if any); the
    region is the file's, else the one the CDK CLI will pick (`cli_region`)."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    session = session_factory()
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise PreflightError(
            f"AWS credentials could not be read ({error}); {CREDENTIALS_HELP}"
        ) from None
    if credentials is None:
        raise PreflightError(f"no AWS credentials found; {CREDENTIALS_HELP}")
    found = (config.region, "") if config.region else cli_region(session, environ)
    if not found:
        raise PreflightError(
            f"no AWS region: {config.name} does not pin one, so set AWS_REGION (or the "
            "profile's region), or pin `region:` in its environment file"
        )
    region, source = found
    if source and (problem := region_problem(region)):
        raise PreflightError(f"{source} {region!r}: {problem}")
    sts = session.create_client(
        "sts",
        region_name=region,
        config=Config(
            connect_timeout=STS_TIMEOUT_SECONDS,
            read_timeout=STS_TIMEOUT_SECONDS,
            retries={"total_max_attempts": 2},
        ),
    )
    try:
        identity = sts.get_caller_identity()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        raise PreflightError(f"AWS rejected the credentials ({code}); {CREDENTIALS_HELP}") from None
    except BotoCoreError as error:
        raise PreflightError(f"cannot reach AWS STS to check the credentials: {error}") from None
    account = str(identity.get("Account", ""))
    if config.account is not None and account != config.account:
        raise PreflightError(
            f"{config.name} pins account {config.account}, but the credentials belong to "
            f"account {account}: switch to credentials for {config.account}"
        )
    return Target(config, account, region, str(identity.get("Arn", "unknown caller")))


def preflight(
    name: str | None,
    action: Action,
    *,
    directory: Path = ENVIRONMENTS_DIR,
    session_factory: SessionFactory = _botocore_session,
    environ: Mapping[str, str] = os.environ,
) -> Target:
    """Every check, in the order a user would fix them; raises `PreflightError`."""
    config = check_environment(name, directory)
    check_action(config, action)
    return check_credentials(config, session_factory=session_factory, environ=environ)
