"""Every resource names the config key that made it, and an environment file can acknowledge a
cdk-nag finding on those resources with a reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_environment
from infra.config.references import resource_keys
from infra.provenance import CONFIG_KEY_METADATA, ENVIRONMENT_METADATA
from tests.conftest import KIT_ENVIRONMENTS_DIR, Synthesized, synthesize
from tests.yaml_files import dump_yaml, read_yaml

# Seconds of work (synths): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

WIDE_GRANT = {
    "actions": ["s3:GetObject"],
    "resources": ["arn:aws:s3:::acme-showcase-user-files/*"],
}


def test_every_resource_names_the_config_key_that_made_it(any_env: Synthesized) -> None:
    keys = {
        logical_id: resource.get("Metadata", {}).get(CONFIG_KEY_METADATA)
        for logical_id, resource in any_env.template_json["Resources"].items()
        if resource["Type"] != "AWS::CDK::Metadata"
    }
    assert None not in keys.values(), [i for i, k in keys.items() if k is None]
    assert set(keys.values()) == set(resource_keys(any_env.config.sections()) or ())


def test_the_template_names_its_environment_tier_and_file(any_env: Synthesized) -> None:
    metadata = any_env.template_json["Metadata"][ENVIRONMENT_METADATA]
    assert metadata["name"] == any_env.config.name
    assert metadata["tier"] == any_env.config.tier
    assert metadata["file"].endswith(f"environments/{any_env.config.name}.yaml")


def showcase_with(tmp_path: Path, **changes: Any) -> Path:
    data = read_yaml(KIT_ENVIRONMENTS_DIR / "showcase.yaml")
    data["identity_pool"]["authenticated_permissions"] = [WIDE_GRANT]
    data.update(changes)
    (tmp_path / "showcase.yaml").write_text(dump_yaml(data, sort_keys=False))
    return tmp_path


def test_the_config_refuses_a_wildcard_it_knows_nag_would_refuse(tmp_path: Path) -> None:
    directory = showcase_with(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_environment("showcase", directory=directory)
    [problem] = caught.value.problems
    assert problem.path == "identity_pool.authenticated_permissions"
    assert "finding: 'Resource::arn:aws:s3:::acme-showcase-user-files/*'" in problem.message


def test_an_unacknowledged_finding_that_slips_past_the_config_stops_synth(
    tmp_path: Path,
) -> None:
    acknowledgment = {
        "key": "identity_pool",
        "rule": "AwsSolutions-IAM5",
        "finding": "Resource::arn:aws:s3:::acme-showcase-user-files/*",
        "reason": "only to load the file; the acknowledgment is dropped below",
    }
    directory = showcase_with(tmp_path, acknowledgments=[acknowledgment])
    config = load_environment("showcase", directory=directory).model_copy(
        update={"acknowledgments": ()}
    )
    with pytest.raises(RuntimeError, match="AwsSolutions-IAM5"):
        synthesize([config], tmp_path / "out", directory)


def test_the_environment_file_acknowledges_a_finding_with_its_reason(tmp_path: Path) -> None:
    reason = "the gallery reads every object of the demo bucket, which holds no user data"
    acknowledgment = {
        "key": "identity_pool",
        "rule": "AwsSolutions-IAM5",
        "finding": "Resource::arn:aws:s3:::acme-showcase-user-files/*",
        "reason": reason,
    }
    directory = showcase_with(tmp_path, acknowledgments=[acknowledgment])
    config = load_environment("showcase", directory=directory)
    assembly = synthesize([config], tmp_path / "out", directory)
    report = json.loads((assembly.outdir / "validation-report.json").read_text())
    reasons = [
        violation["reason"]
        for plugin in report["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        if violation["acknowledgedId"].startswith("AwsSolutions::AwsSolutions-IAM5[")
        and reason in violation["reason"]
    ]
    assert reasons, "the acknowledgment must be in the validation report"
    assert all(r.startswith("showcase: ") for r in reasons)
    assert all(
        "acknowledged in " in r and "showcase.yaml: acknowledgments[0]" in r for r in reasons
    )
