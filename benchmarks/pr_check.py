"""Wall time of each step of the pull-request check (`.ci/run`), its total beside the budget, and
`make test` beside its own budget.

    python benchmarks/pr_check.py

The steps are read from `.ci/run` itself, so this measures what CI runs. Installs are not
counted (CI restores `.venv` and `node_modules` from its cache, keyed on the pinned files);
every other cache a fresh clone lacks (mypy's, pytest's, cdk.out) is removed first. It prints
figures; it is not a gate (timings on a shared machine are noisy: run it on an idle one).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"
PR_CHECK_BUDGET_S = 180.0
TEST_BUDGET_S = 30.0
FRESH_CLONE_LACKS = (".mypy_cache", ".pytest_cache", ".ruff_cache", "cdk.out", ".hypothesis")


def ci_steps(script: str) -> list[str]:
    """The `make` commands `.ci/run` runs, in order."""
    return [line.strip() for line in script.splitlines() if re.match(r"^\s*make\s", line)]


def main() -> int:
    steps = ci_steps(CI_RUN.read_text(encoding="utf-8"))
    if not steps:
        sys.exit(f"no make steps found in {CI_RUN}")
    subprocess.run(["make", "--no-print-directory", "setup"], cwd=ROOT, check=True)  # noqa: S607
    for name in FRESH_CLONE_LACKS:
        shutil.rmtree(ROOT / name, ignore_errors=True)
    timings: list[tuple[str, float, int]] = []
    for step in steps:
        start = time.perf_counter()
        result = subprocess.run(  # noqa: S602 - the steps are .ci/run's own lines
            step, shell=True, cwd=ROOT, capture_output=True, text=True, check=False
        )
        timings.append((step, time.perf_counter() - start, result.returncode))
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
    total = sum(seconds for _, seconds, _ in timings)
    print(f"pull-request check (.ci/run), wall time per step (cpus: {os.cpu_count()})")
    print(f"{'step':<28}{'seconds':>9}  result")
    for step, seconds, code in timings:
        print(f"{step:<28}{seconds:>9.1f}  {'ok' if code == 0 else f'FAILED ({code})'}")
    print(f"{'total':<28}{total:>9.1f}  budget {PR_CHECK_BUDGET_S:.0f} s")
    test = next((s for step, s, _ in timings if step == "make test"), None)
    if test is not None:
        print(f"{'make test':<28}{test:>9.1f}  budget {TEST_BUDGET_S:.0f} s")
    return 1 if any(code for _, _, code in timings) else 0


if __name__ == "__main__":
    sys.exit(main())
