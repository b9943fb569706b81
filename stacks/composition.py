"""Compose a CDK app from validated environment configs: one Stage each, every nag pack on."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk

from infra.config import EnvironmentConfig
from infra.nag import register_nag_packs
from stacks.stage import CognitoStage


def compose(app: cdk.App, configs: Iterable[EnvironmentConfig]) -> dict[str, CognitoStage]:
    """Add a stage per environment to `app` and register cdk-nag; returns stages by name."""
    stages = {config.name: CognitoStage(app, config=config) for config in configs}
    register_nag_packs(app)
    return stages
