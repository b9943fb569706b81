"""The sweep: every documented option, alone and in pairs, on both tiers, either refused at
config time with a message naming the file and key, or synthesized with the five cdk-nag packs
and clean by the scanners `make validate` runs (cfn-lint, checkov, the Control Tower rules).

    python -m tests.sweep --singles all --pairs 0       every option alone (the full sweep)
    python -m tests.sweep --seed 1234 --singles 20 --pairs 10    a reproducible sample

Each run prints its seed; the same seed and sizes draw the same variants, after the pinned
regressions every run has (tests/sweep/regressions.py). Variant files are
written to --out (default: a temporary folder, kept when something fails) so a failure can be
replayed with `make validate ENVIRONMENTS_DIR=<out>/environments ENV=<variant>`. Variants are
synthesized and scanned in batches (`BATCH`), each in its own cloud assembly.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import ConfigError, EnvironmentConfig, load_environment
from tests.sweep.options import options
from tests.sweep.regressions import REGRESSIONS
from tests.sweep.variants import Variant, pairs, single_changes, singles
from tests.yaml_files import dump_yaml, read_yaml

ROOT = Path(__file__).resolve().parents[2]
BASES_DIR = ROOT / "tests" / "fixtures" / "sweep"
BASES = ("development", "production")
FAIL_SYNTH_ON_VALIDATION_ERRORS = "@aws-cdk/core:failSynthOnValidationErrors"
BATCH = 40
"""Variants per cloud assembly (one scanner run each)."""


@dataclass
class Outcome:
    """What became of one variant."""

    name: str
    variant: Variant
    refused: list[str] = field(default_factory=list)
    """The config problems, when the file was refused."""
    failures: list[str] = field(default_factory=list)
    """What broke the promise: a crash, a refusal without file and key, an open finding."""

    @property
    def verdict(self) -> str:
        if self.failures:
            return "FAIL"
        return "refused" if self.refused else "clean"


def draw(seed: int, singles_per_base: int | None, pairs_per_base: int) -> list[Variant]:
    """The variants of one run: the pinned regressions, then a sample (or all) single changes
    and some pairs, per base."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    every_option = options()
    drawn: list[Variant] = list(REGRESSIONS)
    for base in BASES:
        data = read_base(base)
        changes = single_changes(every_option, base, data)
        alone = singles(base, changes)
        if singles_per_base is not None and singles_per_base < len(alone):
            alone = rng.sample(alone, singles_per_base)
        drawn += alone
        drawn += pairs(base, changes, pairs_per_base, rng)
    return drawn


def read_base(name: str) -> dict[str, Any]:
    data: dict[str, Any] = read_yaml(BASES_DIR / f"{name}.yaml")
    return data


def write_variants(variants: Sequence[Variant], directory: Path) -> dict[str, Variant]:
    """One environment file per variant, named `<d|p>-<n>`, its changes in a comment."""
    directory.mkdir(parents=True, exist_ok=True)
    for companion in BASES_DIR.glob("*.xml"):  # files an option names (SAML metadata)
        shutil.copy(companion, directory / companion.name)
    named: dict[str, Variant] = {}
    bases = {base: read_base(base) for base in BASES}
    for index, variant in enumerate(variants, start=1):
        name = f"{variant.base[0]}-{index:04d}"
        header = "".join(f"# sweep: {change.describe()}\n" for change in variant.changes)
        body = dump_yaml(variant.apply(bases[variant.base]), sort_keys=False)
        (directory / f"{name}.yaml").write_text(f"# base: {variant.base}\n{header}{body}")
        named[name] = variant
    return named


def check_configs(
    named: dict[str, Variant], directory: Path
) -> tuple[dict[str, Outcome], list[EnvironmentConfig]]:
    """Load every variant: refusals must name the file and a key; crashes are failures."""
    outcomes: dict[str, Outcome] = {}
    accepted: list[EnvironmentConfig] = []
    for name, variant in named.items():
        outcome = outcomes[name] = Outcome(name, variant)
        try:
            accepted.append(load_environment(name, directory=directory))
        except ConfigError as error:
            outcome.refused = [f"{p.path}: {p.message}" for p in error.problems]
            for problem in error.problems:
                if not problem.file.endswith(f"{name}.yaml") or not problem.path:
                    outcome.failures.append(f"refusal without file and key: {problem}")
            if variant.pinned:
                outcome.failures.append(f"a pinned regression must deploy, not be refused: {error}")
        except Exception:  # the promise is a message, never a traceback
            outcome.failures.append(f"crash while loading: {traceback.format_exc(limit=3)}")
    return outcomes, accepted


def cli_context() -> dict[str, Any]:
    """The context `cdk synth` gives the app (cdk.json's feature flags, path and asset
    metadata, no version reporting), except that nag findings do not stop the synth."""
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    return {
        **cdk_json.get("context", {}),
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:enable-asset-metadata": True,
        "aws:cdk:version-reporting": False,
        FAIL_SYNTH_ON_VALIDATION_ERRORS: False,
    }


def synthesize(
    configs: Sequence[EnvironmentConfig],
    directory: Path,
    outdir: Path,
    outcomes: dict[str, Outcome],
) -> list[str]:
    """One app with a stage per accepted variant and the five nag packs; nag findings are read
    from the validation report, not raised, so that every variant gets its own verdict."""
    import aws_cdk as cdk  # the CDK runtime starts here, not when the module is imported

    from infra.nag import register_nag_packs
    from infra.provenance import source_file
    from stacks.stage import CognitoStage

    app = cdk.App(outdir=str(outdir), context=cli_context())
    built = []
    for config in configs:
        try:
            CognitoStage(app, config=config, source_file=source_file(directory, config.name))
        except Exception:
            outcomes[config.name].failures.append(
                f"accepted by config, but the stack could not be built: "
                f"{traceback.format_exc(limit=3)}"
            )
        else:
            built.append(config.name)
    register_nag_packs(app)
    app.synth()
    return built


def scan(outdir: Path, built: Sequence[str], outcomes: dict[str, Outcome]) -> None:
    """The scanners of `make validate`, over every synthesized variant at once."""
    from infra.validate.run import Options, validate

    result = validate(Options(candidate=outdir))
    for error in result.tool_errors:
        for name in built:
            outcomes[name].failures.append(f"a scanner could not give a verdict: {error}")
    for finding in result.findings:
        outcome = outcomes.get(finding.environment)
        if outcome is None:
            raise RuntimeError(f"a finding outside the sweep's variants: {finding.line()}")
        outcome.failures.append(finding.line())


def report(outcomes: dict[str, Outcome], seed: int, elapsed: float) -> str:
    counts = dict.fromkeys(("clean", "refused", "FAIL"), 0)
    lines = []
    for name, outcome in outcomes.items():
        counts[outcome.verdict] += 1
        if outcome.failures:
            lines.append(f"FAIL {name} ({outcome.variant.describe()})")
            lines += [f"    {failure}" for failure in outcome.failures]
    lines.append(
        f"sweep: {len(outcomes)} variants: {counts['clean']} clean, {counts['refused']} "
        f"refused with a message, {counts['FAIL']} failed (seed {seed}, {elapsed:.0f} s)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=None, help="default: a new random seed")
    parser.add_argument("--singles", default="all", help="single changes per base, or `all`")
    parser.add_argument("--pairs", type=int, default=0, help="pairs of changes per base")
    parser.add_argument("--out", type=Path, default=None, help="where variants are written")
    parser.add_argument("--no-scan", action="store_true", help="config and synth only")
    args = parser.parse_args(argv)

    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    count = None if args.singles == "all" else int(args.singles)
    print(
        f"sweep: seed {seed} (repeat with --seed {seed} --singles {args.singles} "
        f"--pairs {args.pairs})",
        flush=True,
    )
    started = time.monotonic()
    out = args.out or Path(tempfile.mkdtemp(prefix="sweep-"))
    directory = out / "environments"
    named = write_variants(draw(seed, count, args.pairs), directory)
    outcomes, accepted = check_configs(named, directory)
    print(f"sweep: {len(named)} variants, {len(accepted)} accepted by config", flush=True)
    # The scanners run over one cloud assembly per batch: each has a time limit, and a few
    # hundred templates at once would outrun it.
    for start in range(0, len(accepted), BATCH):
        batch = accepted[start : start + BATCH]
        # Under a folder named like a CI cache key: the verdict must not depend on the path.
        outdir = out / secrets.token_hex(8) / f"cdk.out.{start // BATCH:03d}"
        built = synthesize(batch, directory, outdir, outcomes)
        if not args.no_scan and built:
            scan(outdir, built, outcomes)
        print(f"sweep: {start + len(batch)}/{len(accepted)} synthesized and scanned", flush=True)
    (out / "outcomes.json").write_text(
        json.dumps(
            {
                name: {
                    "variant": o.variant.describe(),
                    "verdict": o.verdict,
                    "refused": o.refused,
                    "failures": o.failures,
                }
                for name, o in outcomes.items()
            },
            indent=1,
        )
    )
    print(report(outcomes, seed, time.monotonic() - started))
    failed = any(o.failures for o in outcomes.values())
    if failed:
        print(f"sweep: variant files and outcomes.json kept in {out}")
    elif args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
