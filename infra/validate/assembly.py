"""The stack templates of a cloud assembly (`cdk synth` output), read through its manifests.

`cdk synth` never deletes what an earlier synth left in `cdk.out`: after `make synth ENV=dev`
the folder still holds last week's `assembly-prod/`. Only the stacks the manifests list are the
current synth, so those are the ones validated. A folder without a `manifest.json` (a
hand-made or empty baseline) falls back to every `*.template.json` below it, as the guard does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.guard.errors import GuardInputError
from infra.guard.templates import TEMPLATE_SUFFIX, environment_of, find_templates

MANIFEST = "manifest.json"
_STACK = "aws:cloudformation:stack"
_NESTED_ASSEMBLY = "cdk:cloud-assembly"
_UNKNOWN_REGION = "unknown-region"


class AssemblyError(Exception):
    """A cloud assembly that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class StackTemplate:
    path: Path
    environment: str
    """The `<env>` of the enclosing `assembly-<env>` folder, as the guard names it."""
    region: str | None
    """The stack's pinned region; None for an environment-agnostic stack."""

    @property
    def stem(self) -> str:
        return self.path.name.removesuffix(TEMPLATE_SUFFIX)

    @property
    def key(self) -> str:
        """`<environment>/<template stem>`, the key of the guard's Python API."""
        return f"{self.environment}/{self.stem}"

    def load(self) -> Any:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise AssemblyError(f"{self.path}: cannot read template: {error}") from error


def _read_manifest(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AssemblyError(f"{path}: cannot read cloud assembly manifest: {error}") from error
    if not isinstance(data, Mapping) or not isinstance(data.get("artifacts", {}), Mapping):
        raise AssemblyError(f"{path}: not a cloud assembly manifest (no artifacts object)")
    return data


def region_of(environment: object) -> str | None:
    """`aws://123456789012/eu-west-1` -> `eu-west-1`; environment-agnostic -> None."""
    if not isinstance(environment, str) or not environment.startswith("aws://"):
        return None
    region = environment.removeprefix("aws://").partition("/")[2]
    return None if not region or region == _UNKNOWN_REGION else region


def _stacks(root: Path, folder: Path) -> Iterator[StackTemplate]:
    manifest = _read_manifest(folder / MANIFEST)
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        if not isinstance(artifact, Mapping):
            continue
        properties = artifact.get("properties") or {}
        if artifact.get("type") == _NESTED_ASSEMBLY:
            nested = folder / str(properties.get("directoryName", artifact_id))
            if not (nested / MANIFEST).is_file():
                raise AssemblyError(f"{nested}: listed in {folder / MANIFEST} but has no manifest")
            yield from _stacks(root, nested)
        elif artifact.get("type") == _STACK:
            template_file = properties.get("templateFile")
            if not isinstance(template_file, str):
                raise AssemblyError(f"{folder / MANIFEST}: stack {artifact_id} has no templateFile")
            path = folder / template_file
            if not path.is_file():
                raise AssemblyError(f"{path}: listed in {folder / MANIFEST} but missing")
            yield StackTemplate(
                path=path,
                environment=environment_of(path, root),
                region=region_of(artifact.get("environment")),
            )


def stack_templates(root: Path, label: str) -> dict[str, StackTemplate]:
    """Templates of the assembly at `root` by `<environment>/<stem>`; an empty folder has none."""
    if not root.is_dir():
        raise AssemblyError(f"{label} directory not found: {root}")
    if (root / MANIFEST).is_file():
        found: dict[str, StackTemplate] = {}
        for stack in _stacks(root, root):
            if stack.key in found:
                raise AssemblyError(
                    f"{label} {root}: two stacks share the key {stack.key} "
                    f"({found[stack.key].path} and {stack.path})"
                )
            found[stack.key] = stack
        return found
    try:
        loose = find_templates(root, label)
    except GuardInputError as error:
        raise AssemblyError(str(error)) from error
    return {
        f"{t.environment}/{t.stem}": StackTemplate(t.path, t.environment, None)
        for t in loose.values()
    }
