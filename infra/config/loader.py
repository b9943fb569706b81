"""Read environment files and turn every problem in them into one readable error.

The loader never lets a pydantic or YAML exception escape: `load_environments` either returns
validated configs or raises `ConfigError`, whose message lists each problem as
``<file>: <key.path>: <bad value>: <what is allowed>``, in the words of the YAML file (a list,
a mapping, true or false), not pydantic's (a tuple, a dictionary, a boolean).
"""

from __future__ import annotations

import difflib
import re
import string
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
from infra.config.model_base import KEY_PROBLEMS, NO_VALUE
from infra.config.references import Sections, reference_problems
from infra.config.types import PATTERN_WORDS

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"

# The name becomes part of resource names: `<project>-<name> Cognito alarms` is the alarm
# topic's display name, which SNS caps at 100 characters, and a project name has up to 32:
# 100 - 32 - len("-") - len(" Cognito alarms") = 52. Everything else built from it is looser
# (stack and user pool names `<project>-<name>` <= 128, WAF metric names
# `<project>-<name>-<managed rule group>` <= 128, API names `<name>-<api id>` <= 128).
MAX_ENVIRONMENT_NAME_LENGTH = 52
ENVIRONMENT_NAME = re.compile(rf"^[a-z][a-z0-9-]{{0,{MAX_ENVIRONMENT_NAME_LENGTH - 1}}}$")
ENVIRONMENT_NAME_RULE = (
    "a lower-case letter, then lower-case letters, digits and hyphens, at most "
    f"{MAX_ENVIRONMENT_NAME_LENGTH} characters (it becomes part of stack and resource names)"
)
_NAME_CHARACTERS = frozenset(string.ascii_lowercase + string.digits + "-")

_MAX_VALUE_CHARS = 80
_SUGGESTION_CUTOFF = 0.6


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


# --- environment names -------------------------------------------------------------------------


def environment_name_problem(name: str) -> str | None:
    """Why `name` is not an environment name (the first rule it breaks), or None."""
    if ENVIRONMENT_NAME.match(name):
        return None
    if not name:
        return "it is empty"
    if len(name) > MAX_ENVIRONMENT_NAME_LENGTH:
        return f"it is {len(name)} characters long"
    if name[0] not in string.ascii_lowercase:
        return f"it starts with {name[0]!r}"
    bad = sorted(set(name) - _NAME_CHARACTERS)
    return f"it contains {', '.join(repr(c) for c in bad)}"


@dataclass(frozen=True)
class EnvironmentFiles:
    """The `*.yaml` files of an environments folder, split by whether their name is one."""

    directory: Path
    names: tuple[str, ...]
    """Environment names: the files whose name follows the rule."""
    misnamed: tuple[Path, ...]
    """Files whose name breaks the rule: each is reported, never listed or skipped."""

    @classmethod
    def scan(cls, directory: Path) -> EnvironmentFiles:
        paths = sorted(directory.glob("*.yaml"))
        return cls(
            directory,
            tuple(p.stem for p in paths if environment_name_problem(p.stem) is None),
            tuple(p for p in paths if environment_name_problem(p.stem) is not None),
        )

    def listing(self) -> str:
        """`a, b (files in <dir>)`: the known names, for messages."""
        return f"{', '.join(self.names) or '(none)'} (files in {display_path(self.directory)})"

    def misnamed_problem(self, path: Path) -> Problem:
        return Problem(
            display_path(path),
            "",
            f"the file name {path.stem!r} is not an environment name "
            f"({environment_name_problem(path.stem)}); allowed: {ENVIRONMENT_NAME_RULE}; "
            "rename the file",
        )

    def misnamed_problems(self) -> list[Problem]:
        return [self.misnamed_problem(path) for path in self.misnamed]

    def lookup_problems(self, name: str, *, given_as: str) -> list[Problem]:
        """Why `name` (given as `given_as`, e.g. ``-c env``) names no loadable file: [] if it
        does. A file with that name that breaks the rule is named as the problem; otherwise
        the known names are listed, and every misnamed file is reported beside them."""
        if name in self.names:
            return []
        for path in self.misnamed:
            if path.stem == name:
                return [self.misnamed_problem(path)]
        rule = environment_name_problem(name)
        reason = (
            f": not an environment name ({rule}); allowed: {ENVIRONMENT_NAME_RULE};"
            if rule
            else ";"
        )
        return [
            Problem(
                f"{given_as}={name}",
                "",
                f"unknown environment {name!r}{reason} known environments: {self.listing()}",
            ),
            *self.misnamed_problems(),
        ]


def known_environments(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """Names of the environments that have a file in `directory`; `ConfigError` naming each
    file whose name is not an environment name (it would otherwise be silently skipped)."""
    files = EnvironmentFiles.scan(directory)
    if files.misnamed:
        raise ConfigError(files.misnamed_problems())
    return list(files.names)


# --- loading -----------------------------------------------------------------------------------


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
            problems.extend(p for p in error.problems if p not in problems)
    if problems:
        raise ConfigError(problems)
    return configs


def load_environment(name: str, *, directory: Path = ENVIRONMENTS_DIR) -> EnvironmentConfig:
    """Load and validate one environment file; raise `ConfigError` listing every problem."""
    if lookup := EnvironmentFiles.scan(directory).lookup_problems(name, given_as="-c env"):
        raise ConfigError(lookup)
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
        problems.extend(p for detail in error.errors() for p in _problems(shown, detail))
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


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one (libyaml's
    parser where PyYAML has it, as its wheels do: an environment file parses ten times faster)."""


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


# --- pydantic errors in YAML words -------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """Where an error points: key names only, and what the model expects there."""

    loc: tuple[int | str, ...]
    parent: Any
    """The model that holds the last key (for the keys allowed beside it)."""
    annotation: Any
    """The type expected at the last key (for the values allowed there)."""
    holds_secret: bool
    """The path runs through a `SecretReference`: a literal value there may be the secret."""


def _problems(file: str, detail: ErrorDetails) -> list[Problem]:
    """One Problem per pydantic error; a validator's `KeyProblems` become one each."""
    where = _walk(detail["loc"])
    if detail["type"] == KEY_PROBLEMS:
        problems = []
        for parts, message, value in (detail.get("ctx") or {})["problems"]:
            inner = _walk(detail["loc"] + parts)
            path = _key_path(where.loc + parts)
            hide = value is NO_VALUE or inner.holds_secret or where.holds_secret
            problems.append(Problem(file, path, message if hide else f"{_shown(value)}: {message}"))
        return problems
    path = _key_path(where.loc)
    if detail["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path = _key_path((*where.loc, "type"))
    message = _message(detail, where)
    value = detail["input"]
    if detail["type"] in ("extra_forbidden", "missing", "union_tag_not_found"):
        return [Problem(file, path, message)]
    if detail["type"] == "union_tag_invalid":
        value = (detail.get("ctx") or {}).get("tag")
    if where.holds_secret:
        # Whatever was written where a secret reference belongs may be the secret itself.
        return [Problem(file, path, message)]
    if isinstance(value, dict | list) and detail["type"] not in _CONTAINER_TYPES:
        return [Problem(file, path, message)]
    return [Problem(file, path, f"{_shown(value)}: {message}")]


_CONTAINER_TYPES = frozenset(
    {
        "dict_type",
        "list_type",
        "tuple_type",
        "set_type",
        "frozen_set_type",
        "model_type",
        "model_attributes_type",
        "string_type",
        "int_type",
        "bool_type",
        "float_type",
        "literal_error",
        "too_short",
        "too_long",
    }
)
"""Errors about the value as a whole: it is shown even when it is a list or mapping."""

_LIST = "a list (lines starting with '- ', or [a, b])"
_MAPPING = "a mapping (key: value lines, or {key: value})"


def _message(detail: ErrorDetails, where: _Where) -> str:
    """pydantic's message for `detail`, in YAML words, with what is allowed."""
    kind, value = detail["type"], detail["input"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    if kind == "extra_forbidden":
        key = str(where.loc[-1]) if where.loc else ""
        keys = sorted(_field_names(where.parent))
        if not keys:
            return "unknown key"
        return f"unknown key; {_did_you_mean(key, keys)}allowed keys here: {', '.join(keys)}"
    if kind == "missing":
        if choices := _literal_values(where.annotation):
            return f"required key is missing; allowed: {', '.join(_yaml(c) for c in choices)}"
        return "required key is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = _union_tags(where.annotation)
        if kind == "union_tag_not_found":
            return f"required key is missing; allowed: {', '.join(tags)}"
        return f"unknown type; {_did_you_mean(str(ctx.get('tag')), tags)}allowed: {', '.join(tags)}"
    if kind == "literal_error":
        message = _literal_message(value, where.annotation, ctx)
    elif kind in _KIND_WORDS:
        message = _KIND_WORDS[kind](value, ctx)
    elif kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = PATTERN_WORDS.get(pattern, f"text matching the pattern {pattern}")
        message = f"has the wrong format; allowed: {words}"
    else:
        message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if "[key]" in detail["loc"]:
        message = f"invalid key: {message}"
    return message


def _as_text(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, bool):
        return (
            "should be text, not true/false: quote it (YAML reads unquoted yes, no, on, off, "
            "true and false as true/false)"
        )
    if isinstance(value, int | float):
        return f'should be text, not a number: quote it ("{value}")'
    return f"should be text (a string), not {_kind_of(value)}"


def _as_integer(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return "should be a whole number, not text: remove the quotes"
    if isinstance(value, bool):
        return "should be a whole number, not true/false"
    return f"should be a whole number, not {_kind_of(value)}"


def _as_boolean(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, str):
        return "should be true or false, unquoted (not yes/no or quoted text)"
    return f"should be true or false, not {_kind_of(value)}"


def _as_list(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, str | int | float | bool):
        return f"should be {_LIST}, not a single value: write [{_yaml(value)}] for one item"
    return f"should be {_LIST}, not {_kind_of(value)}"


def _as_mapping(value: Any, ctx: dict[str, Any]) -> str:
    if isinstance(value, list):
        return f"should be {_MAPPING}, not a list: remove the '- ' in front of the keys"
    return f"should be {_MAPPING}, not {_kind_of(value)}"


def _length(value: Any, ctx: dict[str, Any], *, most: bool) -> str:
    bound = ctx["max_length" if most else "min_length"]
    if isinstance(value, str):
        if not most and bound == 1:
            return "should not be empty"
        return (
            f"should have at {'most' if most else 'least'} {bound} characters (it has {len(value)})"
        )
    noun = ("entry" if bound == 1 else "entries") if isinstance(value, dict) else "item"
    noun += "s" if noun == "item" and bound != 1 else ""
    have = len(value) if isinstance(value, list | dict) else ctx.get("actual_length")
    return f"should have at {'most' if most else 'least'} {bound} {noun} (it has {have})"


_KIND_WORDS: dict[str, typing.Callable[[Any, dict[str, Any]], str]] = {
    "string_type": _as_text,
    "int_type": _as_integer,
    "bool_type": _as_boolean,
    "float_type": lambda value, ctx: f"should be a number, not {_kind_of(value)}",
    "list_type": _as_list,
    "tuple_type": _as_list,
    "set_type": _as_list,
    "frozen_set_type": _as_list,
    "dict_type": _as_mapping,
    "model_type": _as_mapping,
    "model_attributes_type": _as_mapping,
    "string_too_short": lambda value, ctx: _length(value, ctx, most=False),
    "string_too_long": lambda value, ctx: _length(value, ctx, most=True),
    "too_short": lambda value, ctx: _length(value, ctx, most=False),
    "too_long": lambda value, ctx: _length(value, ctx, most=True),
    "greater_than_equal": lambda value, ctx: f"should be {ctx['ge']} or more",
    "greater_than": lambda value, ctx: f"should be more than {ctx['gt']}",
    "less_than_equal": lambda value, ctx: f"should be {ctx['le']} or less",
    "less_than": lambda value, ctx: f"should be less than {ctx['lt']}",
    "multiple_of": lambda value, ctx: f"should be a multiple of {ctx['multiple_of']}",
}
"""pydantic's error types the model produces, each in the words of a YAML file."""


def _literal_message(value: Any, annotation: Any, ctx: dict[str, Any]) -> str:
    choices = _literal_values(annotation)
    if not choices:
        return f"allowed: {ctx.get('expected', '')}"
    allowed = f"allowed: {', '.join(_yaml(c) for c in choices)}"
    if isinstance(value, bool):
        spelled = [c for c in choices if isinstance(c, str) and yaml.safe_load(c) is value]
        if spelled:
            return (
                f"YAML reads unquoted {spelled[0]} as {_yaml(value)}: write {_yaml(spelled[0])} "
                f"in quotes; {allowed}"
            )
    return f"{_did_you_mean(str(value), [str(c) for c in choices])}{allowed}"


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    annotation = _unwrap_optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    return ()


def _union_tags(annotation: Any) -> list[str]:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    tags: list[str] = []
    for member in typing.get_args(annotation):
        field = getattr(member, "model_fields", {}).get("type")
        if field is not None:
            tags.extend(str(tag) for tag in typing.get_args(field.annotation))
    return tags


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`did you mean 'x'? ` for the closest of `choices`, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=_SUGGESTION_CUTOFF)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"did you mean {close[0]!r}? " if close else ""


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty (a key without a value)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# --- key paths ---------------------------------------------------------------------------------


def _walk(loc: tuple[int | str, ...]) -> _Where:
    """`loc` as key names only, with the model that holds the last key and what it expects.

    Validator names ("function-after[...]") and the tags pydantic inserts for tagged unions
    (an identity provider's `type`) are dropped; a dict key error ("[key]") expects the key
    type of its mapping.
    """
    annotation: Any = EnvironmentConfig
    parent: Any = None
    holds_secret = False
    cleaned: list[int | str] = []
    previous: Any = None
    for part in loc:
        if part == "[key]":
            annotation = _key_type(previous)
            continue
        if isinstance(part, str) and "[" in part and part.endswith("]"):
            continue
        variant = _union_variant(annotation, part)
        if variant is not None:
            annotation = variant
            continue
        cleaned.append(part)
        previous = annotation
        parent, annotation = annotation, _descend(annotation, part)
        holds_secret = holds_secret or annotation is SecretReference
    return _Where(tuple(cleaned), parent, annotation, holds_secret)


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _field_names(model: Any) -> list[str]:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [name for name in model.model_fields if name != "name" or model is not EnvironmentConfig]


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _descend(annotation: Any, part: int | str) -> Any:
    annotation = _strip_annotated(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return _unwrap_optional(field.annotation) if field else None
    origin = typing.get_origin(annotation)
    if origin in (dict, list, tuple):
        return _unwrap_optional(typing.get_args(annotation)[-1 if origin is dict else 0])
    return None


def _key_type(container: Any) -> Any:
    container = _strip_annotated(container)
    if typing.get_origin(container) is dict:
        return typing.get_args(container)[0]
    return None


def _union_variant(annotation: Any, tag: int | str) -> Any:
    """The member of a tagged union whose `type` literal is `tag`, else None."""
    annotation = _strip_annotated(annotation)
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


# --- values ------------------------------------------------------------------------------------


def _yaml(value: Any) -> str:
    """`value` as it would be written in the file: strings quoted where YAML would read them
    as something else, true/false, lists and mappings in flow style."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            plain = value and yaml.safe_load(value) == value and "\n" not in value
        except yaml.YAMLError:
            plain = False
        return value if plain else repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml(k)}: {_yaml(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _shown(value: Any) -> str:
    """The bad value for a message: strings always quoted, so the value stands out."""
    if value is None:
        return "not set"
    text = repr(value) if isinstance(value, str) else _yaml(value)
    if len(text) <= _MAX_VALUE_CHARS:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return text[: _MAX_VALUE_CHARS - 3] + "..." + size


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
