"""Run every check on one `cdk synth` output and collect the verdicts: the Python API.

cfn-lint, checkov and the AWS Control Tower controls (cfn-guard) scan the templates, the cdk-nag
verdict is read from the validation report, and the replacement guard compares with the
baseline. Findings name the config key of their resource, and the acknowledgments recorded in
the templates are applied (infra/validate/accepted.py).

result = validate(Options(candidate=Path("cdk.out"), baseline=Path("/tmp/base.out")))
result.exit_code        # 0 passed, 1 findings, 2 a tool could not give a verdict
summary.markdown(result)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from infra.guard import GuardInputError, GuardResult, compare, load_accepted_risks
from infra.validate import accepted, cfn_lint, checkov, control_tower, nag_report, processes
from infra.validate.assembly import AssemblyError, StackTemplate, stack_templates
from infra.validate.findings import ScannerFinding, Suppression, ToolRun

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: config files are found from here, whatever the working directory."""

DEFAULT_ACCEPTED_RISKS = ROOT / "infra" / "accepted-risks.yaml"
DEFAULT_CFN_LINT_CONFIG = ROOT / ".cfnlintrc.yaml"
DEFAULT_CHECKOV_CONFIG = ROOT / ".checkov.yaml"
SUMMARY_NAME = "validation-summary.md"

EXIT_PASSED = 0
EXIT_FINDINGS = 1
EXIT_INCOMPLETE = 2


@dataclass(frozen=True, slots=True)
class Options:
    candidate: Path
    baseline: Path | None = None
    baseline_label: str | None = None
    accepted_risks: Path | None = None
    """None: infra/accepted-risks.yaml if it exists. A path given must exist."""
    cfn_lint_config: Path = DEFAULT_CFN_LINT_CONFIG
    checkov_config: Path = DEFAULT_CHECKOV_CONFIG
    cfn_lint: Path | None = None
    """None: the cfn-lint beside this interpreter (the project's .venv), else on PATH."""
    checkov: Path | None = None
    """None: .venv/checkov/bin/checkov, else on PATH."""
    control_tower: Path | None = None
    """Folder with cfn-guard and the Control Tower rules; None: .venv/cfn-guard."""
    cwd: Path = ROOT
    """The repository root: where the tools and config files are found."""
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True, slots=True)
class GuardOutcome:
    result: GuardResult | None = None
    error: str | None = None
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class ValidationResult:
    candidate: Path
    baseline: Path | None
    baseline_label: str | None
    templates: Mapping[str, StackTemplate]
    guard: GuardOutcome
    runs: tuple[ToolRun, ...]
    errors: tuple[str, ...] = ()
    """Problems that stopped validation before any tool ran (an unreadable cdk.out)."""
    warnings: tuple[str, ...] = ()
    """Acknowledgments in an environment file that accepted no finding."""

    @property
    def findings(self) -> tuple[ScannerFinding, ...]:
        return tuple(f for run in self.runs for f in run.findings)

    @property
    def suppressions(self) -> tuple[Suppression, ...]:
        return tuple(s for run in self.runs for s in run.suppressions)

    @property
    def tool_errors(self) -> tuple[str, ...]:
        errors = list(self.errors)
        errors += [f"{run.tool}: {run.error}" for run in self.runs if run.error]
        if self.guard.error:
            errors.append(f"guard: {self.guard.error}")
        return tuple(errors)

    @property
    def guard_blocking(self) -> int:
        return len(self.guard.result.blocking) if self.guard.result else 0

    @property
    def finding_count(self) -> int:
        return len(self.findings) + self.guard_blocking

    @property
    def exit_code(self) -> int:
        if self.tool_errors:
            return EXIT_INCOMPLETE
        return EXIT_FINDINGS if self.finding_count else EXIT_PASSED

    @property
    def passed(self) -> bool:
        return self.exit_code == EXIT_PASSED

    @property
    def environments(self) -> tuple[str, ...]:
        names = {t.environment for t in self.templates.values()}
        names |= {f.environment for f in self.findings}
        names |= {s.environment for s in self.suppressions}
        if self.guard.result:
            names |= {e.environment for e in self.guard.result.environments}
        return tuple(sorted(names))

    def run(self, tool: str) -> ToolRun | None:
        return next((run for run in self.runs if run.tool == tool), None)


def run_guard(
    baseline: Path | None, candidate: Mapping[str, StackTemplate], accepted_risks: Path | None
) -> GuardOutcome:
    if baseline is None:
        return GuardOutcome(skipped=True)
    try:
        before = stack_templates(baseline, "baseline")
        if accepted_risks is None:
            accepted_risks = DEFAULT_ACCEPTED_RISKS if DEFAULT_ACCEPTED_RISKS.exists() else None
        accepted = load_accepted_risks(accepted_risks) if accepted_risks else ()
        result = compare(
            {key: t.load() for key, t in before.items()},
            {key: t.load() for key, t in candidate.items()},
            accepted,
        )
    except (AssemblyError, GuardInputError) as error:
        return GuardOutcome(error=str(error))
    return GuardOutcome(result=result)


def _absolute(executable: Path | None) -> Path | None:
    return executable.resolve() if executable is not None else None


def validate(options: Options) -> ValidationResult:
    try:
        templates = stack_templates(options.candidate, "candidate")
    except AssemblyError as error:
        templates, problem = {}, str(error)
    else:
        problem = (
            ""
            if templates
            else (
                f"no stack templates in {options.candidate}: synthesize first "
                "(`cdk synth -c env=all`)"
            )
        )
    if problem:
        return ValidationResult(
            options.candidate,
            options.baseline,
            options.baseline_label,
            templates,
            GuardOutcome(skipped=True),
            (),
            (problem,),
        )

    try:
        loaded = {key: stack.load() for key, stack in templates.items()}
    except AssemblyError as error:
        return ValidationResult(
            options.candidate,
            options.baseline,
            options.baseline_label,
            templates,
            GuardOutcome(skipped=True),
            (),
            (str(error),),
        )
    # Absolute: the scanners run in the cloud assembly's folder, not here.
    cfn_lint_executable = _absolute(options.cfn_lint or processes.venv_script("cfn-lint"))
    checkov_executable = _absolute(options.checkov or checkov.default_executable(options.cwd))
    guard_install = control_tower.installation(
        (options.control_tower or options.cwd / control_tower.INSTALL_RELATIVE).resolve()
    )
    # Every scanner runs in the cloud assembly's folder with relative paths: the verdict must
    # not depend on where the checkout is.
    scan_root = options.candidate
    # The scanners are separate processes of a few seconds each: run them side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:
        linting = pool.submit(
            cfn_lint.run,
            templates,
            config=options.cfn_lint_config.resolve(),
            executable=cfn_lint_executable,
            cwd=scan_root,
        )
        scanning = pool.submit(
            checkov.run,
            templates,
            config=options.checkov_config.resolve(),
            executable=checkov_executable,
            cwd=scan_root,
            base_environment=options.environ,
        )
        controls = pool.submit(
            control_tower.run, templates, loaded, install=guard_install, cwd=scan_root
        )
        nag = nag_report.read(options.candidate)
        guard = run_guard(options.baseline, templates, options.accepted_risks)
        scanned = (linting.result(), scanning.result(), controls.result())
    known = accepted.facts(templates, loaded)
    runs = (*(accepted.apply(run, known) for run in scanned), nag)
    return ValidationResult(
        options.candidate,
        options.baseline,
        options.baseline_label,
        templates,
        guard,
        runs,
        warnings=accepted.unused(runs, known),
    )
