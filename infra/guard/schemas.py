"""createOnlyProperties from the CloudFormation registry schemas bundled in cfn-lint.

The schemas come from the installed cfn-lint package (`cfnlint/data/schemas/`), read as plain
JSON files: `providers/<region>.json` maps a resource type to `resources/<hash>.json`. Reading
the files directly, instead of through cfn-lint's ProviderSchemaManager, keeps the result
reproducible (the manager may prefer a newer downloaded copy in the user's cache, or try to
download one) and avoids the half-second import of `cfnlint`. Upgrading the pinned cfn-lint
therefore upgrades the guard's knowledge of CloudFormation.
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from infra.guard.errors import GuardInputError

REFERENCE_REGION = "us-east-1"
"""Resource schemas barely differ between regions; one reference region keeps results stable."""

_CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
_PROPERTIES_PREFIX = "/properties/"

Segments = tuple[str, ...]
"""A createOnlyProperties pointer below /properties, split into unescaped tokens."""


@cache
def schema_dir() -> Path:
    """The `data/schemas` folder of the installed cfn-lint, located without importing it."""
    spec = importlib.util.find_spec("cfnlint")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "data" / "schemas"
        if (candidate / "providers" / f"{REFERENCE_REGION}.json").is_file():
            return candidate
    raise GuardInputError(
        "cannot find CloudFormation resource schemas: cfn-lint is not installed or has no "
        "bundled data/schemas (install requirements-dev.txt)"
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise GuardInputError(f"cannot read CloudFormation schema {path}: {error}") from error


@cache
def _provider_map() -> dict[str, str]:
    data = _read_json(schema_dir() / "providers" / f"{REFERENCE_REGION}.json")
    if not isinstance(data, dict):
        raise GuardInputError(f"unexpected provider file format in {schema_dir()}")
    return {str(key): str(value) for key, value in data.items()}


def schema_type(resource_type: str) -> str:
    """The registry type whose schema describes `resource_type` (Custom::X is a custom resource)."""
    if resource_type.startswith("Custom::"):
        return _CUSTOM_RESOURCE_TYPE
    return resource_type


def known_resource_types() -> frozenset[str]:
    """Every resource type that has a bundled schema for the reference region."""
    return frozenset(_provider_map())


@cache
def _create_only_segments(resource_type: str) -> tuple[Segments, ...]:
    schema_hash = _provider_map().get(schema_type(resource_type))
    if schema_hash is None:
        return ()
    schema = _read_json(schema_dir() / "resources" / f"{schema_hash}.json")
    pointers = schema.get("createOnlyProperties", []) if isinstance(schema, dict) else []
    result: list[Segments] = []
    for pointer in pointers:
        if isinstance(pointer, str) and pointer.startswith(_PROPERTIES_PREFIX):
            tokens = pointer.removeprefix(_PROPERTIES_PREFIX).split("/")
            result.append(tuple(_unescape(token) for token in tokens))
    return tuple(sorted(set(result)))


def create_only_segments(resource_type: str) -> tuple[Segments, ...]:
    """createOnlyProperties of a type as token tuples, e.g. ("Foo", "*", "Bar"); sorted."""
    return _create_only_segments(resource_type)


@cache
def create_only_properties(resource_type: str) -> frozenset[str]:
    """createOnlyProperties of a type as paths below Properties, e.g. {"GenerateSecret"}.

    Nested pointers keep their structure (`Foo/Bar`, `List/*/Key`). A type without a bundled
    schema (a typo, a third-party registry type) has none.
    """
    return frozenset("/".join(segments) for segments in _create_only_segments(resource_type))


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
