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


def render(value: Any, *, limit: int = 80) -> str:
    """A short one-line JSON rendering of a template value for messages."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_property(properties: Mapping[str, Any], name: str) -> str:
    return render(properties[name]) if name in properties else ABSENT
