"""Wall time of `cdk synth` (one and all environments) and of `make test`, beside a bare
one-empty-stack CDK app synthesized through the same CLI in the same run, as ratios.

    python benchmarks/synth_and_test.py [--repeat N] [--skip-test]

It prints figures; it is not a gate (timings on a shared machine are noisy). Targets from the
foundation issue: one environment <= 2x the bare app; the whole `make test` <= 90 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ROOT / "infra" / "environments"
CDK = [str(ROOT / "node_modules" / ".bin" / "cdk"), "--no-notices", "--no-version-reporting"]
BARE_APP = """\
import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Bare")
app.synth()
"""


def timed(command: Sequence[str], cwd: Path, repeat: int) -> float:
    """Median wall seconds of `command` over `repeat` runs; fails loudly if it fails."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run(  # noqa: S603 (fixed commands built above)
            command, cwd=cwd, capture_output=True, text=True, check=False
        )
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return statistics.median(samples)


def environment_names() -> list[str]:
    """The environments `cdk synth -c env=all` synthesizes: every file in infra/environments/,
    by the app's own rule (so the label below names what was timed)."""
    sys.path.insert(0, str(ROOT))
    from infra.config import known_environments  # ROOT must be on sys.path first

    return known_environments(ENVIRONMENTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per synth figure (median)")
    parser.add_argument("--skip-test", action="store_true", help="do not time `make test`")
    args = parser.parse_args(argv)
    names = environment_names()

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        (work / "app.py").write_text(BARE_APP)
        python = sys.executable
        bare = timed(
            [*CDK, "synth", "--quiet", "--app", f"{python} app.py", "-o", str(work / "bare.out")],
            work,
            args.repeat,
        )
        one = timed(
            [*CDK, "synth", "--quiet", "-c", "env=dev", "-o", str(work / "one.out")],
            ROOT,
            args.repeat,
        )
        every = timed(
            [*CDK, "synth", "--quiet", "-c", "env=all", "-o", str(work / "all.out")],
            ROOT,
            args.repeat,
        )
        suite = None if args.skip_test else timed(["make", "--no-print-directory", "test"], ROOT, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"cdk synth wall time, median of {args.repeat} (cpus: {os.cpu_count()})")
    every_label = f"all {len(names)} environments ({','.join(names)})"
    width = max(38, len(every_label) + 2)
    print(f"{'what':<{width}}{'seconds':>9}{'x bare':>9}  target")
    print(f"{'bare one-empty-stack app':<{width}}{bare:>9.2f}{1:>9.2f}")
    print(f"{'one environment (dev)':<{width}}{one:>9.2f}{one / bare:>9.2f}  <= 2.00x")
    print(f"{every_label:<{width}}{every:>9.2f}{every / bare:>9.2f}")
    if suite is not None:
        print(f"{'make test (whole suite)':<{width}}{suite:>9.2f}{suite / bare:>9.2f}  <= 90 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
