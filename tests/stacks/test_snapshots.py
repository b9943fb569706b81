"""Snapshots of every environment's template: they catch drift, the assertions pin behaviour.

Asset hashes are replaced by a placeholder, so a snapshot changes only when the infrastructure
does. After an intended change: `make snapshot-update`, then review the diff.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import KIT_ENVIRONMENTS, Assembly

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalised(value: Any) -> Any:
    """The template with asset hashes replaced, so only infrastructure changes show."""
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    if isinstance(value, str):
        return ASSET_HASH.sub("<asset-hash>", value)
    return value


def test_normalisation_replaces_asset_hashes_only() -> None:
    digest = "a" * 64
    assert normalised({"S3Key": f"{digest}.zip", "Name": "keep"}) == {
        "S3Key": "<asset-hash>.zip",
        "Name": "keep",
    }


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", KIT_ENVIRONMENTS)
def test_template_matches_snapshot(
    assembly: Assembly, name: str, json_snapshot: SnapshotAssertion
) -> None:
    assert normalised(assembly.environments[name].template_json) == json_snapshot
