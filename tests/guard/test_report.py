"""What the guard prints about a changed value: all of it, and for a long one what changed."""

from __future__ import annotations

from typing import Any

from infra.guard import compare

from .sample import KEY, POOL, cognito_template

BEFORE = (
    '{"AttributeDataType":"String","DeveloperOnlyAttribute":"false","Mutable":"false",'
    '"Name":"tenant_id","StringAttributeConstraints":{"MaxLength":"64","MinLength":"1"}}'
)
AFTER = BEFORE.replace('"MaxLength":"64"', '"MaxLength":"2048"')


def with_long_tenant_attribute(max_length: str) -> dict[str, Any]:
    template = cognito_template()
    tenant = template["Resources"][POOL]["Properties"]["Schema"][1]
    tenant["DeveloperOnlyAttribute"] = False
    tenant["StringAttributeConstraints"]["MaxLength"] = max_length
    return template


def test_a_long_value_changed_at_its_end_is_shown_whole_with_its_diff() -> None:
    result = compare(
        {KEY: with_long_tenant_attribute("64")}, {KEY: with_long_tenant_attribute("2048")}
    )
    lines = result.to_lines()
    assert lines[0].startswith(
        f"BLOCK {KEY} {POOL} AWS::Cognito::UserPool Schema/tenant_id : existing attribute "
        f"tenant_id changes from {BEFORE} to {AFTER}, which Cognito refuses"
    )
    assert lines[1:3] == [
        '    - StringAttributeConstraints.MaxLength: "64"',
        '    + StringAttributeConstraints.MaxLength: "2048"',
    ]
    assert lines[3].startswith("guard: FAILED: 1 blocking")


def test_the_markdown_summary_shows_the_whole_values_and_the_diff() -> None:
    result = compare(
        {KEY: with_long_tenant_attribute("64")}, {KEY: with_long_tenant_attribute("2048")}
    )
    text = result.to_markdown()
    assert f"changes from {BEFORE} to {AFTER}" in text
    assert (
        f"### What changed\n\n**{KEY} `{POOL}` Schema/tenant_id** changes:\n\n```diff\n"
        '- StringAttributeConstraints.MaxLength: "64"\n'
        '+ StringAttributeConstraints.MaxLength: "2048"\n```\n'
    ) in text


def test_a_short_value_needs_no_diff() -> None:
    candidate = cognito_template()
    candidate["Resources"][POOL]["Properties"]["UsernameAttributes"] = ["phone_number"]
    result = compare({KEY: cognito_template()}, {KEY: candidate})
    [finding_line, summary] = result.to_lines()
    assert 'UsernameAttributes changes from ["email"] to ["phone_number"]' in finding_line
    assert summary.startswith("guard: FAILED")
    assert "### What changed" not in result.to_markdown()
