"""Value normalization and createOnlyProperties pointer resolution."""

from __future__ import annotations

from typing import Any

import pytest

from infra.guard.values import normalize, resolve


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (True, "true"),
        (5, "5"),
        (5.0, 5),
        ({"Fn::GetAtt": "Pool.Arn"}, {"Fn::GetAtt": ["Pool", "Arn"]}),
        ({"Fn::Sub": "x-${AWS::Region}"}, {"Fn::Sub": ["x-${AWS::Region}", {}]}),
        ({"b": 1, "a": [True]}, {"a": ["true"], "b": "1"}),
    ],
)
def test_same_value_for_cloudformation_normalizes_equal(a: Any, b: Any) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"Ref": "PoolA"}, {"Ref": "PoolB"}),
        (["a", "b"], ["b", "a"]),
        (False, "true"),
        (None, "null"),
    ],
)
def test_different_values_stay_different(a: Any, b: Any) -> None:
    assert normalize(a) != normalize(b)


def test_resolve_top_level_and_absent() -> None:
    assert resolve({"GenerateSecret": False}, ("GenerateSecret",)) == {"/GenerateSecret": "false"}
    assert resolve({}, ("GenerateSecret",)) == {}


def test_resolve_nested_pointer() -> None:
    properties = {"Outer": {"Inner": "x", "Other": "y"}}

    assert resolve(properties, ("Outer", "Inner")) == {"/Outer/Inner": "x"}
    assert resolve(properties, ("Outer", "Missing")) == {}


def test_resolve_wildcard_over_list_items() -> None:
    properties = {"Items": [{"Key": "a"}, {"Key": "b", "Extra": 1}, {"NoKey": True}]}

    assert resolve(properties, ("Items", "*", "Key")) == {"/Items/0/Key": "a", "/Items/1/Key": "b"}


def test_resolve_stops_at_an_intrinsic_it_cannot_see_into() -> None:
    condition = {"Fn::If": ["IsProd", {"Inner": "a"}, {"Inner": "b"}]}

    assert resolve({"Outer": condition}, ("Outer", "Inner")) == {"/Outer": normalize(condition)}


def test_resolve_raw_keeps_json_types() -> None:
    assert resolve({"GenerateSecret": False}, ("GenerateSecret",), raw=True) == {
        "/GenerateSecret": False
    }
