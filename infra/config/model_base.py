"""The base every configuration section shares, the tier lookup its validators use, and the way
a validator reports several problems, each at its own key."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo
from pydantic_core import PydanticCustomError

Tier = Literal["development", "production"]

KEY_PROBLEMS = "key_problems"
"""The error type `KeyProblems` raises; the loader reports each of its problems on its own line,
at the key it names."""

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "NO_VALUE"})()
"""Stands for "show no value" in a key problem: the key holds a section, or was not found."""

_KEY_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


class Section(BaseModel):
    """Base of every config section: unknown keys fail and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def tier_of(info: ValidationInfo) -> Tier:
    """The environment's tier from the validation context; production when unknown (strictest)."""
    context = info.context or {}
    return "development" if context.get("tier") == "development" else "production"


def key_parts(key: str) -> tuple[int | str, ...]:
    """`a.b[2].c` as `("a", "b", 2, "c")`."""
    return tuple(
        int(index) if index else name for index, name in _KEY_PART.findall(key) if index or name
    )


class KeyProblems:
    """Problems a validator finds, each at a key below the one it validates.

    A model validator that joined its problems into one message reported them all at the
    section's key; with this, ``user_pool.deletion_protection`` is named as such::

        problems = KeyProblems(self)
        problems.add("deletion_protection", "must be true in a production-tier environment")
        problems.raise_any()

    The value shown beside each problem is read from `source` (the model, or the value a field
    validator checks) at the key, after defaults; sections and mappings are not shown.
    """

    def __init__(self, source: object) -> None:
        self._source = source
        self._problems: list[tuple[tuple[int | str, ...], str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self._problems)

    def add(
        self, key: str | tuple[int | str, ...], message: str, *, show_value: bool = True
    ) -> None:
        """A problem at `key`, relative to the key validated: ``mode``, ``[2]``, ``a.b``, ``""``
        for the key itself, or its parts (``("routes", "GET /v1.0")``) when a key has a dot."""
        parts = key_parts(key) if isinstance(key, str) else key
        value = _value_at(self._source, parts) if show_value else NO_VALUE
        self._problems.append((parts, message, value))

    def raise_any(self) -> None:
        """Raise one pydantic error carrying every problem added, if there is any."""
        if not self._problems:
            return
        summary = "; ".join(
            f"{'.'.join(map(str, k))}: {m}" if k else m for k, m, _ in self._problems
        )
        raise PydanticCustomError(
            KEY_PROBLEMS, "{summary}", {"summary": summary, "problems": tuple(self._problems)}
        )


def _value_at(source: object, parts: Sequence[int | str]) -> Any:
    node = source
    for part in parts:
        if isinstance(node, BaseModel):
            if not (isinstance(part, str) and part in type(node).model_fields):
                return NO_VALUE
            node = getattr(node, part)
        elif isinstance(node, Mapping):
            if part not in node:
                return NO_VALUE
            node = node[part]
        elif isinstance(node, Sequence) and not isinstance(node, str) and isinstance(part, int):
            if part >= len(node):
                return NO_VALUE
            node = node[part]
        else:
            return NO_VALUE
    return NO_VALUE if isinstance(node, BaseModel | Mapping) else node
