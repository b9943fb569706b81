"""Variants of a base environment file: each documented option set to each of its values,
alone, and pairs of such changes.

A base is a kit fixture with every section present (tests/fixtures/sweep/), one per tier. An
option path resolves against the base's data: ``<id>`` is the first entry of a map,
``<google-id>`` the first identity provider of that type, ``[]`` the first item of a list. An
option that resolves nowhere in a base is uncovered there (the coverage test lists them).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.sweep.options import UNSET, Option

Path = tuple[str | int, ...]
_TAGGED = re.compile(r"^<(?P<tag>[a-z]+)-id>$")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One key of a file set to one value (`UNSET` removes the key)."""

    option: str
    path: Path
    value: Any

    def describe(self) -> str:
        value = "(not set)" if self.value is UNSET else json.dumps(self.value)
        return f"{dotted(self.path)} = {value}"


@dataclass(frozen=True)
class Variant:
    """A base file with some changes."""

    base: str
    changes: tuple[Change, ...]
    pinned: str = ""
    """Why every sweep runs this variant (tests/sweep/regressions.py); it must deploy."""

    def describe(self) -> str:
        changes = "; ".join(change.describe() for change in self.changes)
        return f"{self.base}: {changes}" + (f" (pinned: {self.pinned})" if self.pinned else "")

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """The base's data with the changes applied (the base is not modified)."""
        result = copy.deepcopy(data)
        for change in self.changes:
            _set(result, change.path, change.value)
        return result


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def resolve(option: str, data: dict[str, Any]) -> Path | None:
    """The concrete key path of `option` in `data`, or None when its section is absent."""
    parts = option.replace("[]", ".[]").split(".")
    path: list[str | int] = []
    node: Any = data
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "[]":
            if not isinstance(node, list) or not node:
                return None
            path.append(0)
            node = node[0]
            continue
        if part == "<id>" or _TAGGED.match(part):
            if not isinstance(node, dict) or not node:
                return None
            key = _first_entry(node, part)
            if key is None:
                return None
            path.append(key)
            node = node[key]
            continue
        if not isinstance(node, dict):
            return None
        path.append(part)
        if last:
            break
        # An absent section is created by the change (its defaults apply to the rest).
        node = node.get(part, {})
        if node is None:
            node = {}
    return tuple(path)


def is_set(data: dict[str, Any], path: Path | None) -> bool:
    """Whether the file sets the key at `path`."""
    return path is not None and current_value(data, path) is not _MISSING


def current_value(data: dict[str, Any], path: Path) -> Any:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return _MISSING
            node = node[part]
        else:
            if not isinstance(node, dict) or part not in node:
                return _MISSING
            node = node[part]
    return node


def single_changes(options: Sequence[Option], base: str, data: dict[str, Any]) -> list[Change]:
    """Every option of `options` set to each of its values that differs from the base."""
    changes = []
    for option in options:
        path = resolve(option.path, data)
        if path is None:
            continue
        current = current_value(data, path)
        for value in option.values:
            if value is UNSET and current is _MISSING:
                continue
            if value is not UNSET and value == current:
                continue
            changes.append(Change(option.path, path, value))
    return changes


def singles(base: str, changes: Sequence[Change]) -> list[Variant]:
    return [Variant(base, (change,)) for change in changes]


def pairs(base: str, changes: Sequence[Change], count: int, rng: random.Random) -> list[Variant]:
    """`count` distinct pairs of changes to unrelated keys, drawn with `rng`."""
    found: dict[tuple[int, int], Variant] = {}
    attempts = 0
    while len(found) < count and attempts < count * 20 and len(changes) > 1:
        attempts += 1
        first, second = sorted(rng.sample(range(len(changes)), 2))
        a, b = changes[first], changes[second]
        if _related(a.path, b.path):
            continue
        found.setdefault((first, second), Variant(base, (a, b)))
    return list(found.values())


def _related(a: Path, b: Path) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def _first_entry(node: dict[str, Any], part: str) -> str | None:
    match = _TAGGED.match(part)
    for key, value in node.items():
        if match is None:
            return str(key)
        if isinstance(value, dict) and value.get("type") == match["tag"]:
            return str(key)
    return None


def _set(data: dict[str, Any], path: Path, value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
    last = path[-1]
    if value is UNSET:
        if isinstance(node, dict):
            node.pop(last, None)
        return
    node[last] = copy.deepcopy(value)
