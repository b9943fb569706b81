"""Every documented option of an environment file, with the values worth trying, read from the
configuration model itself: a key added to the model is an option the day it lands.

An option is a key path in the notation of docs/configuration.md (``app_clients.<id>.kind``,
``identity_providers.<google-id>.client_id``, ``acknowledgments[].reason``) and the values the
sweep sets it to: every value of an enumeration, both booleans, the bounds of a number, "not
set" for an optional key, and examples (`tests.sweep.examples`) for free-form values.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from infra.config.environment import EnvironmentConfig
from infra.config.types import LOG_RETENTION_DAYS, LogRetentionDays
from tests.sweep.examples import EXAMPLES

UNSET: Any = None
"""The value that removes a key from the file (the model's default applies)."""


@dataclass(frozen=True)
class Option:
    """One documented key and the values the sweep tries for it."""

    path: str
    """The key as docs/configuration.md names it, ``<id>`` for any map entry."""
    values: tuple[Any, ...]
    """Candidate values; `UNSET` removes the key."""
    section: bool = False
    """A section (or a map or list of sections): covered through the keys inside it."""


def options() -> list[Option]:
    """Every option of an environment file, in the order of the model."""
    return list(_walk(EnvironmentConfig, ""))


def _walk(model: type[BaseModel], prefix: str) -> Iterator[Option]:
    for name, field in model.model_fields.items():
        if model is EnvironmentConfig and name == "name":
            continue  # taken from the file name, never written in the file
        path = f"{prefix}{name}"
        annotation, optional = _unwrap_optional(field.annotation)
        children = list(_children(annotation, path))
        values = _values(path, annotation, field, optional=optional)
        yield Option(path, values, section=bool(children))
        yield from children


def _children(annotation: Any, path: str) -> Iterator[Option]:
    annotation = _strip_annotated(annotation)
    if _is_model(annotation):
        yield from _walk(annotation, f"{path}.")
        return
    origin = typing.get_origin(annotation)
    if origin is tuple:
        item = _strip_annotated(typing.get_args(annotation)[0])
        if _is_model(item):
            yield from _walk(item, f"{path}[].")
    elif origin is dict:
        value = _strip_annotated(typing.get_args(annotation)[1])
        if _is_model(value):
            yield from _walk(value, f"{path}.<id>.")
        for tag, member in _tagged_members(value):
            yield from _walk(member, f"{path}.<{tag}-id>.")


def _values(path: str, annotation: Any, field: FieldInfo, *, optional: bool) -> tuple[Any, ...]:
    values: list[Any] = list(EXAMPLES.get(path, ()))
    inner = _strip_annotated(annotation)
    origin = typing.get_origin(inner)
    if origin is typing.Literal:
        values += typing.get_args(inner)
    elif inner is bool:
        values += [True, False]
    elif inner is int:
        values += _bounds(field) or _allowed_values(annotation)
    elif origin is tuple:
        item = _strip_annotated(typing.get_args(inner)[0])
        if typing.get_origin(item) is typing.Literal:
            choices = list(typing.get_args(item))
            values += [[choice] for choice in choices] + [choices]
    if optional or not field.is_required():
        values.append(UNSET)  # the key left out: its default (or nothing) applies
    unique: list[Any] = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return tuple(unique)


def _bounds(field: FieldInfo) -> list[int]:
    bounds = []
    for constraint in field.metadata:
        if isinstance(constraint, annotated_types.Ge):
            bounds.append(int(constraint.ge))  # type: ignore[call-overload]
        elif isinstance(constraint, annotated_types.Le):
            bounds.append(int(constraint.le))  # type: ignore[call-overload]
    return bounds


def _allowed_values(annotation: Any) -> list[int]:
    """The extremes of a closed set of numbers (log retention periods)."""
    if typing.get_origin(annotation) is typing.Annotated and LogRetentionDays == annotation:
        return [LOG_RETENTION_DAYS[0], LOG_RETENTION_DAYS[-1]]
    return []


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) < len(typing.get_args(annotation)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True  # noqa: UP007
    return annotation, False


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _tagged_members(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """(type tag, model) of each member of a tagged union (the identity-provider types)."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return []
    members = []
    for member in typing.get_args(annotation):
        tag = getattr(member, "model_fields", {}).get("type")
        if tag is not None:
            members.append((typing.get_args(tag.annotation)[0], member))
    return members
