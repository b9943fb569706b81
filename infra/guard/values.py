"""Compare template values the way CloudFormation sees them, not the way JSON spells them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_INTRINSIC_KEYS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::FindInMap",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Length",
        "Fn::Transform",
    }
)


def normalize(value: Any) -> Any:
    """A canonical form: scalars as CloudFormation strings, intrinsic short forms expanded.

    `true` and `"true"`, `5` and `"5"` and `5.0` are the same to CloudFormation; so are
    `{"Fn::GetAtt": "A.Arn"}` and `{"Fn::GetAtt": ["A", "Arn"]}`. Lists keep their order and an
    absent property stays distinct from any value (callers compare presence separately).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, Mapping):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "Fn::GetAtt" and isinstance(inner, str) and "." in inner:
                resource, attribute = inner.split(".", 1)
                return {key: [resource, attribute]}
            if key == "Fn::Sub" and isinstance(inner, str):
                return {key: [inner, {}]}
        return {str(k): normalize(v) for k, v in sorted(value.items())}
    if isinstance(value, Sequence):
        return [normalize(item) for item in value]
    return repr(value)


def is_intrinsic(value: Any) -> bool:
    """True for `{"Ref": ...}`, `{"Fn::If": ...}` and friends: opaque until deploy time."""
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _INTRINSIC_KEYS


def resolve(
    properties: Mapping[str, Any], segments: Sequence[str], *, raw: bool = False
) -> dict[str, Any]:
    """The values a createOnlyProperties pointer selects, keyed by concrete path.

    Values are normalized unless `raw` (for messages).

    `*` expands over list items (or map entries). Where an intrinsic function stands in the way
    the pointer cannot look inside, so the intrinsic itself is the value. Absent paths yield no
    entry, so "absent in one template, present in the other" compares as a change.
    """
    found: dict[str, Any] = {}
    convert: Callable[[Any], Any] = (lambda value: value) if raw else normalize

    def walk(node: Any, index: int, path: str) -> None:
        if index == len(segments):
            found[path] = convert(node)
            return
        if is_intrinsic(node):
            found[path] = convert(node)
            return
        step = segments[index]
        if step == "*":
            if isinstance(node, Mapping):
                for key in sorted(node):
                    walk(node[key], index + 1, f"{path}/{key}")
            elif isinstance(node, Sequence) and not isinstance(node, str):
                for position, item in enumerate(node):
                    walk(item, index + 1, f"{path}/{position}")
            else:
                found[path] = convert(node)
            return
        if isinstance(node, Mapping) and step in node:
            walk(node[step], index + 1, f"{path}/{step}")
        elif (
            isinstance(node, Sequence)
            and not isinstance(node, str)
            and step.isdigit()
            and int(step) < len(node)
        ):
            walk(node[int(step)], index + 1, f"{path}/{step}")

    walk(properties, 0, "")
    return found


ABSENT = "(absent)"

LONG_VALUE = 80
"""A rendering longer than this is hard to compare by eye: findings add a key-level diff."""

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""An absent property or key, distinct from every JSON value (`render` shows it as ABSENT)."""


def render(value: Any) -> str:
    """The complete value as one line of compact JSON, for messages (never cut off: the part
    that changed may be the last)."""
    if value is MISSING:
        return ABSENT
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def render_property(properties: Mapping[str, Any], name: str) -> str:
    return render(properties[name]) if name in properties else ABSENT


def value_diff(before: Any, after: Any) -> list[str]:
    """What differs between two template values, key by key, as `- path: old` / `+ path: new`
    lines; values compare as CloudFormation sees them (`normalize`).

    Mappings are compared key by key and lists of one length item by item; anything else that
    differs is one removed and one added line. A key only on one side has only one line.
    """
    lines: list[str] = []

    def walk(old: Any, new: Any, path: str) -> None:
        if old is not MISSING and new is not MISSING and normalize(old) == normalize(new):
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in sorted(set(old) | set(new), key=str):
                walk(old.get(key, MISSING), new.get(key, MISSING), f"{path}.{key}" if path else key)
            return
        if _is_list(old) and _is_list(new) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                walk(a, b, f"{path}[{index}]")
            return
        where = path or "(value)"
        if old is not MISSING:
            lines.append(f"- {where}: {render(old)}")
        if new is not MISSING:
            lines.append(f"+ {where}: {render(new)}")

    walk(before, after, "")
    return lines


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def is_long(*values: Any) -> bool:
    """Whether any of `values` renders longer than `LONG_VALUE` characters."""
    return any(len(render(value)) > LONG_VALUE for value in values)
