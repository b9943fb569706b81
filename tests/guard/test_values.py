"""Value normalization and createOnlyProperties pointer resolution."""

from __future__ import annotations

from typing import Any

import pytest

from infra.guard.values import MISSING, normalize, render, resolve, value_diff


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


LONG_ATTRIBUTE = {
    "AttributeDataType": "String",
    "DeveloperOnlyAttribute": False,
    "Mutable": False,
    "Name": "tenant_id",
    "StringAttributeConstraints": {"MaxLength": "64", "MinLength": "1"},
}


def test_render_shows_the_whole_value_however_long() -> None:
    text = render({"x": "y" * 500, "z": 1})
    assert text == '{"x":"' + "y" * 500 + '","z":1}'


def test_render_names_an_absent_value() -> None:
    assert render(MISSING) == "(absent)"


def test_the_diff_of_a_long_value_shows_the_key_that_changed_at_its_end() -> None:
    after = {**LONG_ATTRIBUTE, "StringAttributeConstraints": {"MaxLength": "256", "MinLength": "1"}}
    assert value_diff(LONG_ATTRIBUTE, after) == [
        '- StringAttributeConstraints.MaxLength: "64"',
        '+ StringAttributeConstraints.MaxLength: "256"',
    ]


def test_the_diff_names_keys_added_and_removed() -> None:
    after = {k: v for k, v in LONG_ATTRIBUTE.items() if k != "DeveloperOnlyAttribute"}
    after["Required"] = True
    assert value_diff(LONG_ATTRIBUTE, after) == [
        "- DeveloperOnlyAttribute: false",
        "+ Required: true",
    ]


def test_the_diff_compares_lists_item_by_item_when_their_length_stays() -> None:
    before = [{"Name": "email", "Mutable": True}, {"Name": "phone_number", "Mutable": True}]
    after = [{"Name": "email", "Mutable": True}, {"Name": "phone_number", "Mutable": False}]
    assert value_diff(before, after) == ["- [1].Mutable: true", "+ [1].Mutable: false"]
    assert value_diff(["a"], ["a", "b"]) == ['- (value): ["a"]', '+ (value): ["a","b"]']


def test_the_diff_ignores_what_cloudformation_reads_the_same() -> None:
    same = {
        **LONG_ATTRIBUTE,
        "Mutable": "false",
        "StringAttributeConstraints": {"MaxLength": 64, "MinLength": 1},
    }
    assert value_diff(LONG_ATTRIBUTE, same) == []
    assert value_diff(MISSING, "ACTIVE") == ['+ (value): "ACTIVE"']
