"""Find, load and parse synthesized CloudFormation templates.

CDK writes one `<artifact id>.template.json` per stack into `cdk.out`; stacks of a Stage go into
`cdk.out/assembly-<stage>/`. Baseline and candidate templates are matched by file name, and a
template's environment is its nearest enclosing `assembly-<env>` folder (else its file stem).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.guard.errors import GuardInputError
from infra.guard.stateful import IGNORED_TYPES

TEMPLATE_SUFFIX = ".template.json"
ASSEMBLY_PREFIX = "assembly-"
_ASSET_DIR_PREFIX = "asset."
"""CDK asset staging folders hold user files (Lambda code), never stack templates."""


@dataclass(frozen=True, slots=True)
class Resource:
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    raw: Mapping[str, Any]
    """The whole resource entry (DeletionPolicy, Condition, ...), Metadata included."""

    @property
    def deletion_policy(self) -> Any:
        return self.raw.get("DeletionPolicy")


def parse_resources(template: Any, source: str) -> dict[str, Resource]:
    """The resources of a template, minus AWS::CDK::Metadata; malformed input is an error."""
    if not isinstance(template, Mapping):
        raise GuardInputError(f"{source}: a template must be a JSON object")
    resources = template.get("Resources", {})
    if not isinstance(resources, Mapping):
        raise GuardInputError(f"{source}: Resources must be an object")
    parsed: dict[str, Resource] = {}
    for logical_id, entry in resources.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("Type"), str):
            raise GuardInputError(
                f"{source}: Resources.{logical_id} must be an object with a string Type"
            )
        if entry["Type"] in IGNORED_TYPES:
            continue
        properties = entry.get("Properties", {})
        if not isinstance(properties, Mapping):
            raise GuardInputError(f"{source}: Resources.{logical_id}.Properties must be an object")
        parsed[str(logical_id)] = Resource(
            logical_id=str(logical_id), type=entry["Type"], properties=properties, raw=entry
        )
    return parsed


@dataclass(frozen=True, slots=True)
class TemplateFile:
    path: Path
    name: str
    """The file name, the key that matches baseline and candidate templates."""
    environment: str

    @property
    def stem(self) -> str:
        return self.name.removesuffix(TEMPLATE_SUFFIX)

    def load(self) -> Any:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            raise GuardInputError(f"{self.path}: cannot read template: {error}") from error
        except json.JSONDecodeError as error:
            raise GuardInputError(f"{self.path}: not valid JSON: {error}") from error


def environment_of(path: Path, root: Path) -> str:
    """Nearest enclosing `assembly-<env>` folder (the root itself included), else the stem."""
    folders = [root.resolve().name, *path.relative_to(root).parent.parts]
    for folder in reversed(folders):
        if folder.startswith(ASSEMBLY_PREFIX) and len(folder) > len(ASSEMBLY_PREFIX):
            return folder.removeprefix(ASSEMBLY_PREFIX)
    return path.name.removesuffix(TEMPLATE_SUFFIX)


def find_templates(root: Path, label: str) -> dict[str, TemplateFile]:
    """Every `*.template.json` below `root`, keyed by file name (which must be unique)."""
    if not root.is_dir():
        raise GuardInputError(f"{label} directory not found: {root}")
    found: dict[str, TemplateFile] = {}
    for path in sorted(root.rglob(f"*{TEMPLATE_SUFFIX}")):
        relative_folders = path.relative_to(root).parent.parts
        if not path.is_file() or any(p.startswith(_ASSET_DIR_PREFIX) for p in relative_folders):
            continue
        if path.name in found:
            raise GuardInputError(
                f"{label} directory {root} has two templates named {path.name} "
                f"({found[path.name].path} and {path}); templates are matched by file name"
            )
        found[path.name] = TemplateFile(path, path.name, environment_of(path, root))
    return found
