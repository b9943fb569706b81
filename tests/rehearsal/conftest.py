"""The rehearsal's step timings, printed at the end of the run (`make rehearse` has a budget)."""

from __future__ import annotations

import pytest

TIMINGS = pytest.StashKey[list[tuple[str, float]]]()
BUDGET_SECONDS = 120


@pytest.fixture(scope="session")
def timings(request: pytest.FixtureRequest) -> list[tuple[str, float]]:
    """(step, seconds) of every command the rehearsal ran, in order."""
    return request.config.stash.setdefault(TIMINGS, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    rows = config.stash.get(TIMINGS, [])
    if not rows:
        return
    terminalreporter.section("rehearsal timings")
    for step, seconds in rows:
        terminalreporter.write_line(f"{seconds:6.1f} s  {step}")
    total = sum(seconds for _, seconds in rows)
    terminalreporter.write_line(
        f"{total:6.1f} s  in all (budget for `make rehearse`: {BUDGET_SECONDS} s)"
    )
