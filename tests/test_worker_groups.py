"""The xdist groups that keep the synth on one worker and each rehearsal scenario on one: a
test joins the group its fixtures call for, and no other (tests/conftest.py and
tests/rehearsal/conftest.py)."""

from __future__ import annotations

import ast
from pathlib import Path

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
