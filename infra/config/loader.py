"""Read environment files and turn every problem in them into one readable error.

The loader never lets a pydantic or YAML exception escape: `load_environments` either returns
validated configs or raises `ConfigError`, whose message lists each problem as
``<file>: <key.path>: <bad value>: <what is allowed>``.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from infra.config.environment import SECTION_NAMES, EnvironmentConfig
from infra.config.federation import SecretReference
from infra.config.references import Sections, reference_problems

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an environment file."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"  - {self.file}: {self.path}: {self.message}"
            if self.path
            else (f"  - {self.file}: {self.message}")
        )


class ConfigError(Exception):
    """Raised with every problem found, across every environment that was asked for."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"Configuration error ({count} problem{'s' if count != 1 else ''}):"]
        lines += [str(p) for p in self.problems]
        lines.append("Nothing was synthesized. Fix the file(s) above and run again.")
        super().__init__("\n".join(lines))


def known_environments(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """Names of the environments that have a file in `directory`."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_environments(
    names: Iterable[str], *, directory: Path = ENVIRONMENTS_DIR
) -> list[EnvironmentConfig]:
    """Load and validate each named environment; raise `ConfigError` listing every problem."""
    configs: list[EnvironmentConfig] = []
    problems: list[Problem] = []
    for name in names:
        try:
            configs.append(load_environment(name, directory=directory))
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    return configs


def load_environment(name: str, *, directory: Path = ENVIRONMENTS_DIR) -> EnvironmentConfig:
    """Load and validate one environment file; raise `ConfigError` listing every problem."""
    known = known_environments(directory)
    if not ENVIRONMENT_NAME.match(name) or name not in known:
        raise ConfigError(
            [
                Problem(
                    file=f"-c env={name}",
                    path="",
                    message=f"unknown environment {name!r}; known environments: "
                    f"{', '.join(known) or '(none)'} (files in {display_path(directory)})",
                )
            ]
        )
    path = directory / f"{name}.yaml"
    shown = display_path(path)
    raw = _read_yaml(path, shown)
    problems: list[Problem] = []
    if "name" in raw:
        problems.append(Problem(shown, "name", "remove it: the name is the file name"))
    data = {**raw, "name": name}
    tier = raw.get("tier") if raw.get("tier") in ("development", "production") else "production"
    context = {"tier": tier, "directory": str(directory)}
    try:
        config = EnvironmentConfig.model_validate(data, context=context)
    except ValidationError as error:
        problems.extend(_problem(shown, detail) for detail in error.errors())
        sections = _sections_that_validate(data, context)
    else:
        sections = config.sections()
    problems.extend(Problem(shown, key, message) for key, message in reference_problems(sections))
    if problems:
        raise ConfigError(problems)
    return config


def _sections_that_validate(data: dict[str, Any], context: dict[str, Any]) -> Sections:
    """Each section validated on its own, None where it has errors: when the file as a whole
    fails, the cross-section checks still run on every section they can trust."""
    valid: dict[str, Any] = {}
    for name in SECTION_NAMES:
        field = EnvironmentConfig.model_fields[name]
        assert field.annotation is not None  # every section is annotated
        value = data[name] if name in data else field.get_default(call_default_factory=True)
        try:
            valid[name] = TypeAdapter[Any](field.annotation).validate_python(value, context=context)
        except ValidationError:
            valid[name] = None
    return Sections(**valid)


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(
            [Problem(shown, "", f"invalid YAML at {where}: {error.problem}")]
        ) from None
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError([Problem(shown, "", f"cannot read: {error}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(shown, "", "must be a mapping of keys to values")])
    return data


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _problem(file: str, detail: ErrorDetails) -> Problem:
    loc, parent, holds_secret = _walk(detail["loc"])
    path = _key_path(loc)
    if detail["type"] == "extra_forbidden":
        allowed = sorted(_field_names(parent))
        if not allowed:
            return Problem(file, path, "unknown key")
        return Problem(file, path, f"unknown key; allowed keys here: {', '.join(allowed)}")
    if detail["type"] == "missing":
        return Problem(file, path, "required key is missing")
    message = detail["msg"].removeprefix("Value error, ")
    if detail["type"] == "string_pattern_mismatch":
        message = f"has the wrong format ({message})"
    if "[key]" in detail["loc"]:
        message = f"invalid key: {message}"
    if holds_secret:
        # Whatever was written where a secret reference belongs may be the secret itself.
        return Problem(file, path, message)
    if isinstance(detail["input"], (dict | list)) and detail["type"] not in (
        "dict_type",
        "list_type",
        "tuple_type",
        "model_type",
    ):
        return Problem(file, path, message)
    return Problem(file, path, f"{_short(detail['input'])}: {message}")


def _walk(loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], Any, bool]:
    """`loc` as key names only, the model that holds the last key, and whether the path runs
    through a `SecretReference` field (where a literal value may be the secret itself).

    Validator names ("function-after[...]") and the tags pydantic inserts for tagged unions
    (an identity provider's `type`) are dropped.
    """
    annotation: Any = EnvironmentConfig
    parent: Any = None
    holds_secret = False
    cleaned: list[int | str] = []
    for part in loc:
        if isinstance(part, str) and "[" in part and part.endswith("]"):
            continue
        variant = _union_variant(annotation, part)
        if variant is not None:
            annotation = variant
            continue
        cleaned.append(part)
        parent, annotation = annotation, _descend(annotation, part)
        holds_secret = holds_secret or annotation is SecretReference
    return tuple(cleaned), parent, holds_secret


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _field_names(model: Any) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [name for name in model.model_fields if name != "name" or model is not EnvironmentConfig]


def _descend(annotation: Any, part: int | str) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap_optional(field.annotation) if field else None
    origin = typing.get_origin(annotation)
    if origin in (dict, list, tuple):
        return _unwrap_optional(typing.get_args(annotation)[-1 if origin is dict else 0])
    return None


def _union_variant(annotation: Any, tag: int | str) -> Any:
    """The member of a tagged union whose `type` literal is `tag`, else None."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    for member in typing.get_args(annotation):
        field = getattr(member, "model_fields", {}).get("type")
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return None


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _short(value: Any) -> str:
    if value is None:
        return "not set"
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 3] + "..."


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
