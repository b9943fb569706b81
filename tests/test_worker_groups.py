"""The xdist groups that keep the synth on one worker and each rehearsal scenario on one: a
test joins the group its fixtures call for, and no other (tests/conftest.py and
tests/rehearsal/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Synthesized
from tests.rehearsal.conftest import pytest_collection_modifyitems as group_rehearsal_scenarios


def _groups(request: pytest.FixtureRequest) -> set[str]:
    return {m.args[0] for m in request.node.iter_markers("xdist_group")}


@pytest.fixture
def dev() -> str:
    """Named like the rehearsal's deployed scenario, as a stack test's fixture may well be."""
    return "dev"


def test_a_fixture_named_like_a_rehearsal_scenario_does_not_join_its_group(
    request: pytest.FixtureRequest, dev: str
) -> None:
    # The rehearsal's hook sees every test of a whole-suite run, this one included.
    group_rehearsal_scenarios([request.node])
    assert _groups(request) == {"tests/test_worker_groups.py"}  # its module's, like any other


def test_a_rehearsal_test_joins_the_group_of_its_scenario(
    request: pytest.FixtureRequest, dev: str
) -> None:
    request.node.add_marker(pytest.mark.rehearsal)
    group_rehearsal_scenarios([request.node])
    assert "rehearsal-dev" in _groups(request)


def test_a_test_of_the_synthesized_environments_joins_their_group_alone(
    request: pytest.FixtureRequest, dev: str, env: Synthesized
) -> None:
    group_rehearsal_scenarios([request.node])
    assert env.template_json["Resources"]
    assert _groups(request) == {"synthesized"}
