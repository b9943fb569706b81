"""The cold-start benchmark (`make bench`) still drives every trigger down its intended path.

The benchmark is not part of `make test`, so a change to a trigger's configuration or AWS calls
can break it unnoticed (it did once: the pre sign-up config gained keys). Each scenario runs
once here, in a fresh interpreter, with the benchmark's own config, event and stubbed AWS calls;
a scenario with AWS calls also proves every stubbed response was consumed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

# Seconds of work (fresh interpreters): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "trigger_cold_start.py"


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trigger_cold_start", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


cold_start = _load_benchmark()
TRIGGER_SCENARIOS = [s for s in cold_start.scenarios() if s.baseline is not None]


def test_every_trigger_module_has_a_scenario() -> None:
    modules = {s.name.split(" ")[0] for s in TRIGGER_SCENARIOS}
    triggers = {
        p.stem
        for p in cold_start.PACKAGE_DIR.glob("*.py")
        if not p.stem.startswith("_") and p.stem != "api_whoami"
    }
    assert modules == triggers


@pytest.mark.parametrize("scenario", TRIGGER_SCENARIOS, ids=lambda s: s.name)
def test_scenario_runs_in_a_fresh_interpreter(scenario: object, tmp_path: Path) -> None:
    asset = cold_start.make_asset(tmp_path)

    wall_ms, inner_ms = cold_start.run_once(
        cold_start.child_source(scenario, asset), cold_start.child_env(scenario)
    )

    assert 0 < inner_ms < wall_ms
