"""The rehearsal's step timings, printed at the end of the run (`make rehearse` has a budget),
and its two scenarios (rehearsal-dev, rehearsal-prod) kept each on one pytest-xdist worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

TIMINGS = pytest.StashKey[list[tuple[str, float]]]()
REPORTED = pytest.StashKey[dict[str, tuple[str, float]]]()
SENT = pytest.StashKey[int]()
BUDGET_SECONDS = 120
STEP = "rehearsal-step"
SCENARIOS = {"dev": "rehearsal-dev", "prod": "rehearsal-prod", "deployed": "rehearsal-multiregion"}
"""Fixture -> xdist group: the tests of one deployed environment run in order on one worker."""


REHEARSAL_ONLY = frozenset({"test_rehearsal.py", "test_multi_region.py", "test_moto_patches.py"})
"""Modules whose every test is marked `rehearsal` (pinned by test_collection.py)."""
DEFAULT_MARK_EXPRESSION = "not rehearsal"
"""pyproject.toml's `-m`, which a plain `pytest` and `make test` run with."""


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under the default `-m 'not rehearsal'` every test of these modules would be deselected
    anyway; not importing them spares each test worker a second of loading moto's CloudFormation
    and the emulator's patches."""
    if collection_path.name in REHEARSAL_ONLY and (
        config.option.markexpr.strip() == DEFAULT_MARK_EXPRESSION
    ):
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # A collection hook sees every test of the run, and a fixture named `dev` elsewhere is
        # not a deployed scenario: only the rehearsal's own tests are grouped here.
        if item.get_closest_marker("rehearsal") is None:
            continue
        for fixture, group in SCENARIOS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@pytest.fixture(scope="session")
def timings(request: pytest.FixtureRequest) -> list[tuple[str, float]]:
    """(step, seconds) of every command the rehearsal ran, in order."""
    return request.config.stash.setdefault(TIMINGS, [])


@pytest.fixture(autouse=True)
def _report_timings(request: pytest.FixtureRequest) -> Iterator[None]:
    # Steps run in module fixtures too: each test hands on every step since the last one, as a
    # user property, which pytest-xdist carries from the worker to the terminal summary.
    yield
    rows = request.config.stash.get(TIMINGS, [])
    sent = request.config.stash.get(SENT, 0)
    for index, row in enumerate(rows[sent:], start=sent):
        # An id per step (worker process, position): the summary counts each step once.
        request.node.user_properties.append((STEP, (f"{os.getpid()}:{index}", *row)))
    request.config.stash[SENT] = len(rows)


_CONFIG: list[pytest.Config] = []
"""The session's config: pytest_runtest_logreport receives only the report."""


def pytest_configure(config: pytest.Config) -> None:
    config.stash[REPORTED] = {}
    _CONFIG[:] = [config]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown" and _CONFIG:
        reported = _CONFIG[0].stash[REPORTED]
        for name, row in report.user_properties:
            if name == STEP:
                fields: tuple[str, str, float] = row  # type: ignore[assignment]
                uid, step, seconds = fields
                reported[uid] = (step, seconds)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    rows = list(config.stash.get(REPORTED, {}).values())
    if not rows:
        return
    terminalreporter.section("rehearsal timings")
    for step, seconds in rows:
        terminalreporter.write_line(f"{seconds:6.1f} s  {step}")
    total = sum(seconds for _, seconds in rows)
    terminalreporter.write_line(
        f"{total:6.1f} s  in all, one step after another (budget for `make rehearse`: "
        f"{BUDGET_SECONDS} s); the two scenarios run side by side"
    )
