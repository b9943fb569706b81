"""Session fixtures: every environment is loaded once and synthesized once.

Two kinds of environment files meet here:
- the kit's own fixtures in `tests/fixtures/environments/` (`KIT_ENVIRONMENTS`): behaviour tests
  read these, so they never depend on the example files a team edits, renames or deletes;
- the team's environment files in `infra/environments/`, discovered: they are checked
  generically (they load, synthesize nag-clean and hold every control of shared/SECURITY.md),
  whatever their names.

Synthesizing costs seconds (node start + aws-cdk-lib), so every template test reads from one
cloud assembly per kind, built here with all five cdk-nag packs registered exactly as `app.py`
registers them.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from infra.config import EnvironmentConfig, known_environments, load_environments
from infra.config.loader import ENVIRONMENTS_DIR

if TYPE_CHECKING:
    # Imported where an app is built: pytest-xdist's controller loads this file too, and
    # importing aws-cdk-lib starts Node.js and loads the library, a second and a half of the
    # run's serial start that the controller never uses.
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

# Property tests: `make test` draws a sample that fits the pull request's budget;
# `HYPOTHESIS_PROFILE=deep make test` draws twenty times as many. Failures found either way are
# replayed first on the next run (.hypothesis/).
settings.register_profile("pull-request", max_examples=50)
settings.register_profile("deep", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "pull-request"))


def _leave_without_finalizing() -> None:
    """A test worker's interpreter spends a second at exit freeing what the test modules and
    aws-cdk-lib's bindings built, while the run waits for it; nothing of that is kept. Runs after
    the exit handlers registered later (jsii's, which stops Node.js and removes its files)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if os.environ.get("PYTEST_XDIST_WORKER"):
    atexit.register(_leave_without_finalizing)


KIT_ENVIRONMENTS_DIR = Path(__file__).resolve().parent / "fixtures" / "environments"
KIT_ENVIRONMENTS = ("showcase", "relaxed", "strict", "minimal")
"""The kit's fixture environments: `showcase` (development tier, every feature on), `relaxed`
(production tier with written relaxations), `strict` (production tier, secure defaults) and
`minimal` (username sign-in, SMS, classic hosted UI, nothing optional)."""
TEAM_ENVIRONMENTS = tuple(known_environments(ENVIRONMENTS_DIR))
"""The environment files a team keeps, discovered when the tests are collected."""


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
    """The cloud assembly of a set of environments, synthesized once per session."""

    outdir: Path
    environments: dict[str, Synthesized]
    stages: dict[str, cdk.Stage]

    def validation_report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.outdir / "validation-report.json").read_text())
        return report

    def manifest(self, name: str) -> dict[str, Any]:
        """The nested cloud-assembly manifest of one environment's stage."""
        path = self.outdir / f"assembly-{name}" / "manifest.json"
        manifest: dict[str, Any] = json.loads(path.read_text())
        return manifest


def new_app(*, cloudformation_validation: bool = False, **props: Any) -> cdk.App:
    """A CDK app for a test. aws-cdk-lib's built-in CloudFormation validation (a schema check
    that only warns; app.py keeps it, as every CDK app has it, and `make validate` counts what it
    reports) costs more than a second of CPU to start in each process: it is off here unless a
    test is about it (tests/validate/test_cloudformation_validation.py)."""
    import aws_cdk as cdk

    return cdk.App(builtin_cloud_formation_validation=cloudformation_validation, **props)


def synthesize(configs: list[EnvironmentConfig], outdir: Path, directory: Path) -> Assembly:
    """One app with a stage per config and every nag pack, as app.py builds it."""
    from aws_cdk.assertions import Template

    from stacks.composition import compose

    app = new_app(outdir=str(outdir))
    stages = compose(app, configs, directory=directory)
    app.synth()
    environments = {}
    for config in configs:
        stack = stages[config.name].cognito
        # The app's synth already wrote each stage; this returns the stage's nested assembly.
        artifact = stages[config.name].synth().get_stack_artifact(stack.artifact_id)
        template_json: dict[str, Any] = artifact.template
        environments[config.name] = Synthesized(
            config=config,
            template_json=template_json,
            template=Template.from_json(template_json),
            stack_name=stack.stack_name,
        )
    return Assembly(outdir=outdir, environments=environments, stages=dict(stages))


SYNTHESIZED_FIXTURES = frozenset({"assembly", "team_assembly", "env", "any_env"})
"""The fixtures that need the session's synthesized environments."""
SYNTHESIZED_GROUP = "synthesized"
"""The xdist group of the tests that read them: one worker synthesizes."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With pytest-xdist (`make test` runs two workers), every test that reads the session's
    synthesized environments runs on one worker, so only that worker pays for the synth; the
    others take the tests that need no CDK app, a module at a time."""
    for item in items:
        if SYNTHESIZED_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(SYNTHESIZED_GROUP))
        elif item.get_closest_marker("xdist_group") is None:
            # The rest go to the workers a module at a time: a module's fixtures (an app it
            # synthesizes, a faked AWS) are torn down whenever a worker's next test is another
            # module's, and tests handed out one by one would rebuild them again and again.
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    items[:] = costly_groups_first(items)


def _group(item: pytest.Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return item.nodeid.split("::", 1)[0]
    return str(marker.args[0] if marker.args else marker.kwargs.get("name", "default"))


def costly_groups_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The order in which `make test` hands the groups to the workers (it turns off
    pytest-xdist's own order, by number of tests): the synthesized environments, then every
    group with a test marked `costly`, then the rest, most tests first. A group of a few tests
    and several seconds handed out last would end the run on one worker while the other idles."""
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(_group(item), []).append(item)

    def rank(group: str) -> tuple[int, int]:
        members = groups[group]
        if group == SYNTHESIZED_GROUP:
            return (0, 0)
        costly = any(member.get_closest_marker("costly") for member in members)
        return (1 if costly else 2, -len(members))

    return [item for group in sorted(groups, key=rank) for item in groups[group]]


GROUPS_LOST = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """pytest-xdist's `--dist loadgroup` tells the scheduler an item's group through a suffix of
    its node id; a pytest that no longer lets it write one (9.2, pytest-dev/pytest-xdist#1386)
    spreads every group over the workers without a word: each worker synthesizes, each rehearsal
    scenario deploys twice. The grouped tests fail instead (an error raised here would be lost
    with the worker)."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in session.items if _grouped(item) and "@" not in item.nodeid]
    if lost:
        session.config.stash[GROUPS_LOST] = (
            f"pytest-xdist's loadgroup did not mark {len(lost)} grouped test(s): pytest "
            f"{pytest.__version__} and this pytest-xdist do not work together (pin the pair "
            "that requirements-dev.txt names)"
        )


def _grouped(item: pytest.Item) -> bool:
    return any(True for _ in item.iter_markers("xdist_group"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    lost = item.config.stash.get(GROUPS_LOST, None)
    if lost and _grouped(item):
        pytest.fail(lost, pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> None:
    """A test that reaches the synthesized environments past the grouping above (through
    `request.getfixturevalue`, which the collection cannot see) would make a second worker pay
    for the whole synth: name the fixture as an argument instead."""
    if fixturedef.argname not in ("assembly", "team_assembly"):
        return
    item = getattr(request, "_pyfuncitem", None)
    groups = (
        {m.args[0] if m.args else m.kwargs.get("name") for m in item.iter_markers("xdist_group")}
        if item
        else set()
    )
    if item is not None and SYNTHESIZED_GROUP not in groups:
        pytest.fail(
            f"{item.nodeid} reaches `{fixturedef.argname}` without naming it (or one of "
            f"{sorted(SYNTHESIZED_FIXTURES)}) as an argument: the synthesized tests share one "
            "worker only when the collection can see that they need the synth",
            pytrace=False,
        )


@pytest.fixture(scope="session", autouse=True)
def _one_botocore_loader() -> Iterator[None]:
    """Every botocore session of the test process shares one data loader. The commands under test
    start a session per run, as a CLI process does, and each new session parses botocore's
    endpoint and partition data again (a tenth of a second each, seconds over the suite); the
    data is the same for all of them."""
    import botocore.session

    original = botocore.session.create_loader
    botocore.session.create_loader = functools.lru_cache(maxsize=None)(original)
    yield
    botocore.session.create_loader = original


@pytest.fixture(scope="session")
def kit_configs() -> dict[str, EnvironmentConfig]:
    configs = load_environments(KIT_ENVIRONMENTS, directory=KIT_ENVIRONMENTS_DIR)
    return {config.name: config for config in configs}


@pytest.fixture(scope="session")
def assembly(
    kit_configs: dict[str, EnvironmentConfig], tmp_path_factory: pytest.TempPathFactory
) -> Assembly:
    """The kit's fixture environments, synthesized."""
    return synthesize(
        list(kit_configs.values()), tmp_path_factory.mktemp("kit.out"), KIT_ENVIRONMENTS_DIR
    )


@pytest.fixture(scope="session")
def team_assembly(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """The team's environment files, synthesized (a broken file fails here, by name)."""
    configs = load_environments(TEAM_ENVIRONMENTS, directory=ENVIRONMENTS_DIR)
    return synthesize(configs, tmp_path_factory.mktemp("team.out"), ENVIRONMENTS_DIR)


@pytest.fixture(params=KIT_ENVIRONMENTS)
def env(request: pytest.FixtureRequest, assembly: Assembly) -> Synthesized:
    """Each kit fixture environment in turn: for tests of the kit's behaviour."""
    synthesized: Synthesized = assembly.environments[request.param]
    return synthesized


EVERY_ENVIRONMENT = [("kit", name) for name in KIT_ENVIRONMENTS] + [
    ("team", name) for name in TEAM_ENVIRONMENTS
]


@pytest.fixture(
    params=EVERY_ENVIRONMENT, ids=[f"{kind}:{name}" for kind, name in EVERY_ENVIRONMENT]
)
def any_env(request: pytest.FixtureRequest) -> Synthesized:
    """Every environment, the kit's fixtures and the team's files: for the controls that must
    hold in every template whatever its configuration."""
    kind, name = request.param
    source: Assembly = request.getfixturevalue("assembly" if kind == "kit" else "team_assembly")
    return source.environments[name]
