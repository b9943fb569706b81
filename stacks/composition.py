"""Compose a CDK app from validated environment configs: one Stage each, every nag pack on."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import aws_cdk as cdk

from infra.config import EnvironmentConfig
from infra.config.loader import ENVIRONMENTS_DIR
from infra.nag import register_nag_packs
from infra.provenance import source_file
from stacks.stage import CognitoStage


def compose(
    app: cdk.App, configs: Iterable[EnvironmentConfig], *, directory: Path = ENVIRONMENTS_DIR
) -> dict[str, CognitoStage]:
    """Add a stage per environment to `app` and register cdk-nag; returns stages by name.

    `directory` is where the environment files were read: templates name their file.
    """
    stages = {
        config.name: CognitoStage(
            app, config=config, source_file=source_file(directory, config.name)
        )
        for config in configs
    }
    register_nag_packs(app)
    return stages
