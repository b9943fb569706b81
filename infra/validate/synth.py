"""`cdk synth` for validation: every requested environment, selected by stage as `make synth` does.

    python -m infra.validate.synth --env all --out cdk.out [--directory DIR]

The CLI selects top-level stacks by default, and every stack of the kit sits in a Stage, so a
plain `cdk synth -c env=all` selects nothing and ends with "Supply a stack id ()". Selecting
the stages' stacks (`*/*`) lets the CLI check every stack it synthesized; with more than one
stack selected it still ends with "Supply a stack id (dev/Cognito, ...) to display its
template", advice for someone who wants a template on screen, so that one line is dropped.
The baseline of `make validate` (infra/validate/baseline.py) synthesizes the same way.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
STAGE_STACKS = "*/*"
"""Every stack inside a stage: the app synthesizes only the environments `-c env=` asks for."""
ADVICE = "Supply a stack id"
CDK = ("cdk", "--no-notices", "--no-version-reporting")


def command(
    env: str, out: Path, *, app: str | None = None, environments_dir: Path | None = None
) -> list[str]:
    """The CLI call: `cdk synth --quiet -c env=<env> [...] -o <out> '*/*'`."""
    args = [*CDK, "synth", "--quiet", "-c", f"env={env}"]
    if environments_dir is not None:
        args += ["-c", f"environments_dir={environments_dir}"]
    if app is not None:
        args += ["--app", app]
    return [*args, "-o", str(out), STAGE_STACKS]


def without_advice(lines: Iterable[str], sink: IO[str]) -> None:
    """Copy the CLI's messages to `sink`, minus its "Supply a stack id" advice."""
    for line in lines:
        if not line.lstrip().startswith(ADVICE):
            sink.write(line)
            sink.flush()


def synthesize(args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None) -> int:
    """Run the CLI, passing its output on as it comes; returns its exit status."""
    with subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
        list(args),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        without_advice(process.stderr, sys.stderr)
        return process.wait()


def tool_environment(root: Path, base: Mapping[str, str]) -> dict[str, str]:
    """The Makefile's: the checkout's venv (Node.js 24) and pinned CDK CLI first on PATH."""
    path = f"{root / '.venv' / 'bin'}:{root / 'node_modules' / '.bin'}:{base.get('PATH', '')}"
    return {
        **base,
        "PATH": path,
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.validate.synth")
    parser.add_argument("--env", default="all", help="environment name(s), or all")
    parser.add_argument("--out", type=Path, default=Path("cdk.out"))
    parser.add_argument("--directory", type=Path, default=None, help="environment files")
    args = parser.parse_args(argv)
    return synthesize(
        command(args.env, args.out, environments_dir=args.directory),
        cwd=ROOT,
        env=tool_environment(ROOT, os.environ),
    )


if __name__ == "__main__":
    sys.exit(main())
