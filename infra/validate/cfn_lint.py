"""cfn-lint on the synthesized templates, with the repository's `.cfnlintrc.yaml`.

Each template is linted against the config's `regions` plus every region a stack is pinned to
(read from the cloud assembly: `aws://<account>/<region>`), so the regions live in the
environment files and nowhere else. Every match of any level fails validation; exceptions
belong in the config file, each with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from infra.validate import processes
from infra.validate.assembly import StackTemplate
from infra.validate.findings import APP_LEVEL, ScannerFinding, TemplateIndex, ToolRun

TOOL = "cfn-lint"
DEFAULT_REGIONS = ("us-east-1",)
"""cfn-lint's own default, used when the config file names no regions."""

_LEVELS = {"Error": "error", "Warning": "warning", "Informational": "info"}


class OutputError(ValueError):
    """cfn-lint printed something that is not its JSON report."""


def config_regions(config: Path) -> tuple[str, ...]:
    """The `regions` of a cfn-lint config file (DEFAULT_REGIONS when it names none)."""
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        # cfn-lint reports an unreadable config itself, with a better message.
        return DEFAULT_REGIONS
    regions = data.get("regions") if isinstance(data, Mapping) else None
    if isinstance(regions, str):
        return (regions,)
    if isinstance(regions, list) and regions:
        return tuple(str(region) for region in regions)
    return DEFAULT_REGIONS


def lint_regions(templates: Sequence[StackTemplate], config: Path) -> list[str]:
    pinned = {t.region for t in templates if t.region}
    return sorted(set(config_regions(config)) | pinned)


def command(
    executable: Path,
    config: Path,
    regions: Sequence[str],
    templates: Sequence[StackTemplate],
    cwd: Path,
) -> list[str]:
    """Template paths relative to `cwd`, the cloud assembly's folder, as for every scanner."""
    # `--regions` takes several values: `--` ends it before the template paths.
    return [
        str(executable),
        "--config-file",
        str(config),
        "--format",
        "json",
        "--regions",
        *regions,
        "--",
        *(processes.relative(t.path, cwd) for t in templates),
    ]


def _location(match: Mapping[str, Any]) -> tuple[str | None, str]:
    location = match.get("Location") or {}
    path = location.get("Path") or []
    logical_id = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    line = (location.get("Start") or {}).get("LineNumber")
    where = "/".join(str(part) for part in path)
    text = f"line {line}" if line else ""
    if where:
        text = f"{text}, {where}" if text else where
    return logical_id, text


def parse(stdout: str, index: TemplateIndex, cwd: Path) -> tuple[ScannerFinding, ...]:
    """Findings from `cfn-lint --format json` output (a list of matches)."""
    try:
        matches = json.loads(stdout) if stdout.strip() else []
    except json.JSONDecodeError as error:
        raise OutputError(f"not JSON: {error}") from error
    if not isinstance(matches, list):
        raise OutputError("expected a JSON list of matches")
    findings = []
    for match in matches:
        if not isinstance(match, Mapping):
            raise OutputError(f"unexpected match: {match!r}")
        rule = match.get("Rule") or {}
        filename = match.get("Filename")
        template = index.find(filename, cwd)
        logical_id, location = _location(match)
        findings.append(
            ScannerFinding(
                tool=TOOL,
                environment=template.environment if template else APP_LEVEL,
                template=template.stem if template else str(filename or "(configuration)"),
                logical_id=logical_id,
                rule=str(rule.get("Id", "?")),
                severity=_LEVELS.get(str(match.get("Level")), str(match.get("Level", "?"))),
                message=str(match.get("Message", "")),
                location=location,
            )
        )
    return tuple(findings)


def version() -> str | None:
    try:
        return metadata.version("cfn-lint")
    except metadata.PackageNotFoundError:
        return None


def run(
    templates: Mapping[str, StackTemplate], *, config: Path, executable: Path | None, cwd: Path
) -> ToolRun:
    if not templates:
        return ToolRun(TOOL, version(), notes=("no templates to lint",))
    if executable is None:
        return ToolRun(TOOL, error="cfn-lint is not installed: run `make setup`")
    if not config.is_file():
        return ToolRun(TOOL, version(), error=f"cfn-lint config not found: {config}")
    stacks = list(templates.values())
    regions = lint_regions(stacks, config)
    try:
        result = processes.run(command(executable, config, regions, stacks, cwd), cwd=cwd)
        findings = parse(result.stdout, TemplateIndex(templates), cwd)
    except processes.ToolStartError as error:
        return ToolRun(TOOL, version(), error=str(error))
    except OutputError as error:
        # Exit 1 with plain text: a bad config key or a crash; show what cfn-lint said.
        said = processes.tail(result.stderr or result.stdout)
        return ToolRun(
            TOOL, version(), error=f"exit {result.returncode}, {error}; cfn-lint said: {said}"
        )
    return ToolRun(TOOL, version(), findings=findings, notes=(f"regions: {', '.join(regions)}",))
