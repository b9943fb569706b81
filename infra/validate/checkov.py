"""checkov on the synthesized templates, offline, with the repository's `.checkov.yaml`.

checkov pins its dependencies exactly (boto3, packaging, networkx, ...), which conflicts with
this project's pins, so it lives in its own virtualenv (`.venv/checkov`, see docs/ci.md) and
runs as a separate process. It never talks to a platform here: `--skip-download`, no API key
passed on, no update check. A failed check fails validation; a check skipped in a resource's
`Metadata.checkov.skip` (with a `comment`) is listed in the summary with that reason.
It scans from the cloud assembly's folder with relative paths (see `command`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.validate import processes
from infra.validate.assembly import StackTemplate
from infra.validate.findings import (
    APP_LEVEL,
    ScannerFinding,
    Suppression,
    TemplateIndex,
    ToolRun,
)

TOOL = "checkov"
VENV_RELATIVE = Path(".venv/checkov/bin/checkov")
"""Where `make validate` installs checkov, relative to the repository root."""

_PLATFORM_VARIABLES = ("BC_API_KEY", "PRISMA_API_URL", "BC_API_URL")
"""Never hand a platform key to the scan: results must not leave the machine."""


class OutputError(ValueError):
    """checkov printed something that is not its JSON report."""


def default_executable(root: Path) -> Path | None:
    beside_repo = root / VENV_RELATIVE
    if beside_repo.is_file():
        return beside_repo
    return processes.venv_script("checkov")


def command(
    executable: Path, config: Path, templates: Sequence[StackTemplate], cwd: Path
) -> list[str]:
    """One `--file` per template, relative to `cwd` (the cloud assembly's folder): checkov
    3.3.30 has reported secrets (CKV_AWS_45) on templates scanned through a path with a hex
    folder name and nothing through a plain one, so the checkout's path must not reach it."""
    files = [arg for t in templates for arg in ("--file", processes.relative(t.path, cwd))]
    return [
        str(executable),
        "--config-file",
        str(config),
        "--framework",
        "cloudformation",
        "--skip-download",
        "--output",
        "json",
        *files,
    ]


def environment(base: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in _PLATFORM_VARIABLES}
    env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] = "true"  # no version check against PyPI
    env["BC_SKIP_MAPPING"] = "TRUE"  # no download of the platform's check mapping
    return env


def _reports(data: Any) -> Iterator[Mapping[str, Any]]:
    """checkov prints one report object, a list of them (several frameworks), or a bare summary
    (`{"passed": 0, ...}`) when no check applied to any resource."""
    for report in data if isinstance(data, list) else [data]:
        if not isinstance(report, Mapping):
            raise OutputError(f"unexpected report: {report!r}")
        yield report


def _resource(record: Mapping[str, Any]) -> tuple[str, str | None]:
    resource = str(record.get("resource", ""))
    resource_type, _, logical_id = resource.rpartition(".")
    return (resource_type, logical_id or None) if resource_type else (resource, None)


def _lines(record: Mapping[str, Any]) -> str:
    span = record.get("file_line_range") or []
    return f"lines {span[0]}-{span[1]}" if len(span) == 2 else ""


def parse(
    stdout: str, index: TemplateIndex, cwd: Path
) -> tuple[str | None, tuple[ScannerFinding, ...], tuple[Suppression, ...]]:
    """Version, failed checks (and unparsable files) and skipped checks from `-o json`."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as error:
        raise OutputError(f"not JSON: {error}") from error
    version: str | None = None
    findings: list[ScannerFinding] = []
    suppressions: list[Suppression] = []
    for report in _reports(data):
        summary = report.get("summary", report)
        version = version or summary.get("checkov_version")
        results = report.get("results") or {}
        for record in results.get("failed_checks", []):
            template = index.find(record.get("file_abs_path") or record.get("file_path"), cwd)
            resource_type, logical_id = _resource(record)
            findings.append(
                ScannerFinding(
                    tool=TOOL,
                    environment=template.environment if template else APP_LEVEL,
                    template=template.stem if template else str(record.get("file_path", "?")),
                    logical_id=logical_id,
                    rule=str(record.get("check_id", "?")),
                    severity=str(record.get("severity") or "").lower(),  # none offline
                    message=f"{resource_type}: {record.get('check_name', '')}",
                    location=_lines(record),
                )
            )
        for record in results.get("skipped_checks", []):
            template = index.find(record.get("file_abs_path") or record.get("file_path"), cwd)
            _, logical_id = _resource(record)
            reason = (record.get("check_result") or {}).get("suppress_comment") or ""
            suppressions.append(
                Suppression(
                    tool=TOOL,
                    environment=template.environment if template else APP_LEVEL,
                    rule=str(record.get("check_id", "?")),
                    target=logical_id or str(record.get("resource", "?")),
                    reason=str(reason).strip() or "(no reason given)",
                )
            )
        for path in results.get("parsing_errors", []):
            template = index.find(str(path), cwd)
            findings.append(
                ScannerFinding(
                    tool=TOOL,
                    environment=template.environment if template else APP_LEVEL,
                    template=template.stem if template else str(path),
                    logical_id=None,
                    rule="parsing-error",
                    severity="error",
                    message="checkov could not parse this template, so nothing in it was checked",
                )
            )
    return version, tuple(findings), tuple(suppressions)


def run(
    templates: Mapping[str, StackTemplate],
    *,
    config: Path,
    executable: Path | None,
    cwd: Path,
    base_environment: Mapping[str, str],
) -> ToolRun:
    if not templates:
        return ToolRun(TOOL, notes=("no templates to scan",))
    if executable is None:
        return ToolRun(
            TOOL,
            error=(
                "checkov is not installed: `make validate` installs it into .venv/checkov "
                "(or pass --checkov PATH)"
            ),
        )
    if not config.is_file():
        return ToolRun(TOOL, error=f"checkov config not found: {config}")
    try:
        result = processes.run(
            command(executable, config, list(templates.values()), cwd),
            cwd=cwd,
            env=environment(base_environment),
        )
        version, findings, suppressions = parse(result.stdout, TemplateIndex(templates), cwd)
    except processes.ToolStartError as error:
        return ToolRun(TOOL, error=str(error))
    except OutputError as error:
        said = processes.tail(result.stderr or result.stdout)
        return ToolRun(TOOL, error=f"exit {result.returncode}, {error}; checkov said: {said}")
    return ToolRun(TOOL, version, findings=findings, suppressions=suppressions)
