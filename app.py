#!/usr/bin/env python3
"""Composition root: environment name -> validated config -> one Stage each -> cdk-nag -> synth.

    cdk synth -c env=dev          one environment (default: dev)
    cdk synth -c env=all          every environment in infra/environments/
    cdk synth -c env=a,b          several

A bad environment file stops here, before any stage is built (before aws-cdk-lib and its
Node.js even start), with one message that lists every problem; no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.config import ConfigError, EnvironmentConfig, known_environments, load_environments
from infra.config.loader import ENVIRONMENTS_DIR, EnvironmentFiles, Problem, display_path
from infra.config.references import reference_warnings

if TYPE_CHECKING:
    import aws_cdk as cdk

DEFAULT_ENVIRONMENT = "dev"
# The CDK CLI sets this to false and then reports validation failures without failing
# (`cdk synth` exits 0 with open cdk-nag findings); the app keeps the gate itself.
FAIL_SYNTH_ON_VALIDATION_ERRORS = {"@aws-cdk/core:failSynthOnValidationErrors": True}
ALL_ENVIRONMENTS = "all"
# Where the CDK CLI hands an app its context (aws-cdk-lib's cx-api names): a JSON variable, and
# a file when the context is too large for the environment.
CLI_CONTEXT_VARIABLE = "CDK_CONTEXT_JSON"
CLI_CONTEXT_FILE_VARIABLE = "CONTEXT_OVERFLOW_LOCATION_ENV"


def cli_context(environ: Mapping[str, str]) -> dict[str, Any]:
    """The context the CDK CLI hands this process, merged as aws-cdk-lib's App merges it (the
    variable, then the overflow file): read before the App exists, so that a bad environment
    file is refused without starting Node.js."""
    context: dict[str, Any] = json.loads(environ.get(CLI_CONTEXT_VARIABLE) or "{}")
    overflow = environ.get(CLI_CONTEXT_FILE_VARIABLE)
    if overflow:
        context |= json.loads(Path(overflow).read_text(encoding="utf-8"))
    return context


def requested_environments(value: object, directory: Path) -> list[str]:
    """The environment names that `-c env=<value>` asks for (no `-c env`: the default).

    An empty value is an error, not the default: `make synth ENV=$UNSET` must not mean dev.
    `all` with a file whose name is not an environment name is an error naming that file; a
    name that breaks the rule is refused by the loader, with the rule.
    """
    if value is None:
        return [DEFAULT_ENVIRONMENT]
    text = str(value).strip()
    if text == ALL_ENVIRONMENTS:
        return known_environments(directory)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        files = EnvironmentFiles.scan(directory)
        raise ConfigError(
            [
                Problem(
                    file="-c env=",
                    path="",
                    message=f"the environment name is empty; known environments: {files.listing()}",
                ),
                *files.misnamed_problems(),
            ]
        )
    return names


def config_warnings(config: EnvironmentConfig, directory: Path) -> list[str]:
    """One line per setting that deploys but probably does not do what the file means."""
    shown = display_path(directory / f"{config.name}.yaml")
    return [
        f"Configuration warning: {shown}: {key}: {message}"
        for key, message in reference_warnings(config.sections())
    ]


def main(app: cdk.App | None = None) -> int:
    """Synthesize the requested environments; 2 for a configuration error, 1 for an open
    finding. `app` is the CLI's (its context) unless a caller passes one."""
    context = (
        cli_context(os.environ)
        if app is None
        else {key: app.node.try_get_context(key) for key in ("env", "environments_dir")}
    )
    # -c environments_dir=PATH reads environment files kept outside this repository.
    directory = Path(context.get("environments_dir") or ENVIRONMENTS_DIR)
    try:
        names = requested_environments(context.get("env"), directory)
        configs = load_environments(names, directory=directory)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    for config in configs:
        for line in config_warnings(config, directory):
            print(line, file=sys.stderr)
    # Only a valid configuration starts aws-cdk-lib (and with it Node.js): a second and more.
    import aws_cdk as cdk

    from stacks.composition import compose

    app = app or cdk.App(post_cli_context=FAIL_SYNTH_ON_VALIDATION_ERRORS)
    compose(app, configs, directory=directory)
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        # The findings are printed above; a jsii traceback would only bury them.
        print(f"Synth stopped by policy validation: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
