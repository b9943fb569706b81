"""The team's environment files, whatever their names: each loads, synthesizes nag-clean, and
has its template and stateful logical ids pinned.

Files are discovered in `infra/environments/`: adding, renaming or deleting one never breaks
`make test`. A new file has no pins yet (its tests are skipped and say so); `make
snapshot-update` writes them, and from then on a change shows up as a failing test to review.
The controls every template must hold run over these files too (the `any_env` fixture).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from infra.config import load_environment
from infra.config.loader import ENVIRONMENTS_DIR
from infra.nag import nag_packs
from tests.conftest import TEAM_ENVIRONMENTS, Assembly
from tests.stacks.test_snapshots import normalised

STATEFUL_PREFIX = "AWS::Cognito::"


@pytest.fixture
def pinned(request: pytest.FixtureRequest, snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """The JSON snapshot of this test, or a skip when the environment has none yet."""
    json_snapshot = snapshot.use_extension(JSONSnapshotExtension)
    updating = bool(request.config.getoption("--snapshot-update", default=False))
    location = Path(
        json_snapshot.extension.get_location(
            test_location=json_snapshot.test_location, index=json_snapshot.index
        )
    )
    if not updating and not location.exists():
        pytest.skip(f"no pin yet: run `make snapshot-update` to write {location.name}")
    return json_snapshot


@pytest.mark.parametrize("name", TEAM_ENVIRONMENTS)
def test_the_file_loads(name: str) -> None:
    config = load_environment(name, directory=ENVIRONMENTS_DIR)
    assert config.name == name


@pytest.mark.parametrize("name", TEAM_ENVIRONMENTS)
def test_every_nag_finding_is_acknowledged(team_assembly: Assembly, name: str) -> None:
    stage = team_assembly.stages[name]
    acknowledged = {
        (violation["ruleName"], construct["constructPath"])
        for plugin in team_assembly.validation_report()["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        for construct in violation["violatingConstructs"]
    }
    for pack in nag_packs():
        for violation in pack.validate_scope(stage).violations:
            for resource in violation.violating_resources:
                assert (violation.rule_name, resource.construct_path) in acknowledged, (
                    f"{pack.read_pack_name} {violation.rule_name} at {resource.construct_path}"
                )


def test_the_validation_report_has_no_open_finding(team_assembly: Assembly) -> None:
    for plugin in team_assembly.validation_report()["pluginReports"]:
        assert plugin["violations"] == [], plugin["pluginName"]


@pytest.mark.parametrize("name", TEAM_ENVIRONMENTS)
def test_stateful_logical_ids_are_pinned(
    team_assembly: Assembly, name: str, pinned: SnapshotAssertion
) -> None:
    resources: dict[str, Any] = team_assembly.environments[name].template_json["Resources"]
    stateful = {
        logical_id: resource["Type"]
        for logical_id, resource in resources.items()
        if resource["Type"].startswith(STATEFUL_PREFIX)
    }
    assert stateful == pinned


@pytest.mark.parametrize("name", TEAM_ENVIRONMENTS)
def test_template_matches_its_snapshot(
    team_assembly: Assembly, name: str, pinned: SnapshotAssertion
) -> None:
    assert normalised(team_assembly.environments[name].template_json) == pinned
