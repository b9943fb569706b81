"""Session fixtures: the shipped environments are loaded once and synthesized once.

Synthesizing costs seconds (node start + aws-cdk-lib), so every template test reads from one
cloud assembly built here, with all five cdk-nag packs registered exactly as `app.py` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.config import EnvironmentConfig, known_environments, load_environments
from stacks.composition import compose

SHIPPED_ENVIRONMENTS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class Synthesized:
    """One environment's synthesized stack: its config, raw template and assertion helper."""

    config: EnvironmentConfig
    template_json: dict[str, Any]
    template: Template
    stack_name: str

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of one type by logical id."""
        return {
            logical_id: resource
            for logical_id, resource in self.template_json["Resources"].items()
            if resource["Type"] == resource_type
        }

    def only(self, resource_type: str) -> dict[str, Any]:
        """The single resource of a type (fails if there is not exactly one)."""
        found = list(self.resources(resource_type).values())
        assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
        return found[0]


@dataclass(frozen=True)
class Assembly:
    """The cloud assembly of every shipped environment, synthesized once per session."""

    outdir: Path
    environments: dict[str, Synthesized]
    stages: dict[str, cdk.Stage]

    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report


@pytest.fixture(scope="session")
def shipped_configs() -> dict[str, EnvironmentConfig]:
    assert set(SHIPPED_ENVIRONMENTS) <= set(known_environments())
    return {config.name: config for config in load_environments(SHIPPED_ENVIRONMENTS)}


@pytest.fixture(scope="session")
def assembly(
    shipped_configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory
) -> Assembly:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stages = compose(app, shipped_configs.values())
    app.synth()
    environments = {}
    for name, stage in stages.items():
        stack = stage.cognito
        # The app's synth already wrote each stage; this returns the stage's nested assembly.
        artifact = stage.synth().get_stack_artifact(stack.artifact_id)
        template_json: dict[str, Any] = artifact.template
        environments[name] = Synthesized(
            config=shipped_configs[name],
            template_json=template_json,
            template=Template.from_json(template_json),
            stack_name=stack.stack_name,
        )
    return Assembly(outdir=outdir, environments=environments, stages=dict(stages))


@pytest.fixture(params=SHIPPED_ENVIRONMENTS)
def env(request: pytest.FixtureRequest, assembly: Assembly) -> Synthesized:
    """Each shipped environment in turn (the synth itself happens once per session)."""
    synthesized: Synthesized = assembly.environments[request.param]
    return synthesized
