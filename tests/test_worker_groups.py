"""The xdist groups that keep the synth on one worker and each rehearsal scenario on one: a
test joins the group its fixtures call for, and no other (tests/conftest.py and
tests/rehearsal/conftest.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import SYNTHESIZED_GROUP, Synthesized, costly_groups_first
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


def test_the_root_conftest_leaves_aws_cdk_to_the_tests_that_build_an_app() -> None:
    # pytest-xdist's controller loads tests/conftest.py before it starts the workers and never
    # builds an app: a module-level CDK import there would start Node.js for nothing.
    tree = ast.parse((Path(__file__).parent / "conftest.py").read_text())
    module_level = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert module_level
    assert not [
        name for name in module_level if name and name.split(".")[0] in {"aws_cdk", "stacks"}
    ]


class Collected:
    """As much of a collected test as the ordering reads: its node id and markers."""

    def __init__(self, nodeid: str, group: str, *, costly: bool = False) -> None:
        self.nodeid = nodeid
        self.markers = {"xdist_group": pytest.mark.xdist_group(group).mark}
        if costly:
            self.markers["costly"] = pytest.mark.costly.mark

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return self.markers.get(name)


def test_the_synth_then_costly_groups_then_the_most_tests_go_first() -> None:
    small = [Collected(f"tests/test_small.py::test_{i}", "tests/test_small.py") for i in range(2)]
    large = [Collected(f"tests/test_large.py::test_{i}", "tests/test_large.py") for i in range(5)]
    scanner = [
        Collected("tests/test_scan.py::test_quick", "tests/test_scan.py"),
        Collected("tests/test_scan.py::test_scanners", "tests/test_scan.py", costly=True),
    ]
    synthesized = [Collected(f"tests/test_env.py::test_{i}", SYNTHESIZED_GROUP) for i in range(2)]
    items = [small[0], *scanner[:1], *large, small[1], synthesized[0], scanner[1], synthesized[1]]

    ordered = costly_groups_first(items)  # type: ignore[arg-type]

    # each group's tests together, in their collection order
    assert [item.nodeid for item in ordered] == [
        item.nodeid for item in [*synthesized, *scanner, *large, *small]
    ]
