"""The accepted-risks file: a matching entry turns a blocking finding into an accepted one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.guard import FindingKind, GuardInputError, compare, load_accepted_risks
from infra.guard.accepted_risks import AcceptedRisk, parse_accepted_risks
from infra.guard.cli import DEFAULT_ACCEPTED_RISKS

from .sample import CLIENT, KEY, POOL, cognito_template

REASON = "Dev client gets a secret on purpose; apps re-issue it (AUTH-42)."


def _risk(**overrides: Any) -> dict[str, Any]:
    entry = {
        "environment": "dev",
        "logical_id": CLIENT,
        "finding": "create-only-change",
        "reason": REASON,
    }
    entry.update(overrides)
    return entry


def _secret_switched_on() -> dict[str, Any]:
    candidate = cognito_template()
    candidate["Resources"][CLIENT]["Properties"]["GenerateSecret"] = True
    return candidate


def test_accepted_risk_passes_and_is_reported_with_its_reason() -> None:
    accepted = parse_accepted_risks([_risk()], "risks.yaml")

    result = compare({KEY: cognito_template()}, {KEY: _secret_switched_on()}, accepted)

    assert result.passed
    (finding,) = result.accepted
    assert (finding.logical_id, finding.kind) == (CLIENT, FindingKind.CREATE_ONLY_CHANGE)
    assert finding.accepted_reason == REASON
    assert result.to_lines()[0].startswith(
        f"ACCEPTED {KEY} {CLIENT} AWS::Cognito::UserPoolClient GenerateSecret : "
    )
    assert result.to_lines()[0].endswith(f"[accepted: {REASON}]")
    assert result.unused_accepted == ()


@pytest.mark.parametrize(
    "mismatch",
    [{"environment": "prod"}, {"logical_id": POOL}, {"finding": "removed"}],
)
def test_entry_for_another_environment_resource_or_kind_does_not_accept(
    mismatch: dict[str, str],
) -> None:
    accepted = parse_accepted_risks([_risk(**mismatch)], "risks.yaml")

    result = compare({KEY: cognito_template()}, {KEY: _secret_switched_on()}, accepted)

    assert not result.passed
    assert len(result.unused_accepted) == 1
    assert any(line.startswith("WARN unused accepted risk") for line in result.to_lines())


def test_unused_entry_warns_but_does_not_block() -> None:
    accepted = parse_accepted_risks([_risk(environment="prod")], "risks.yaml")

    result = compare({KEY: cognito_template()}, {KEY: cognito_template()}, accepted)

    assert result.passed
    (warning,) = [line for line in result.to_lines() if line.startswith("WARN")]
    assert "environment prod was not among the compared templates" in warning


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([_risk(reson="typo")], r"\[0\]\.reson: unknown key"),
        ([_risk(finding="replaced")], r"\[0\]\.finding: Input should be 'removed'"),
        ([_risk(reason="because")], r"\[0\]\.reason: give a reason of at least 15 characters"),
        ([_risk(logical_id="User-Pool")], r"\[0\]\.logical_id: String should match pattern"),
        ([{"environment": "dev"}], r"\[0\]\.logical_id: required key is missing"),
        ([_risk(environment=7)], r"\[0\]\.environment: Input should be a valid string"),
        ({"environment": "dev"}, r"\(top level\): Input should be a valid list"),
        ([_risk(), _risk()], r"\[1\]: duplicates entry \[0\]"),
    ],
)
def test_invalid_file_is_a_clear_error_naming_file_and_key_path(data: Any, expected: str) -> None:
    with pytest.raises(GuardInputError, match=expected) as error:
        parse_accepted_risks(data, "infra/accepted-risks.yaml")

    assert str(error.value).startswith("infra/accepted-risks.yaml: invalid accepted-risks file")


def test_all_errors_are_reported_at_once() -> None:
    with pytest.raises(GuardInputError) as error:
        parse_accepted_risks([_risk(reson="x"), _risk(finding="nope")], "risks.yaml")

    assert "(2 error(s))" in str(error.value)


def test_yaml_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "risks.yaml"
    path.write_text(
        "# comment\n"
        "- environment: dev\n"
        f"  logical_id: {CLIENT}\n"
        "  finding: create-only-change\n"
        f"  reason: {REASON}\n"
    )

    assert load_accepted_risks(path) == (
        AcceptedRisk(
            environment="dev",
            logical_id=CLIENT,
            finding=FindingKind.CREATE_ONLY_CHANGE,
            reason=REASON,
        ),
    )


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "risks.yaml"
    path.write_text("- environment: [dev\n")

    with pytest.raises(GuardInputError, match="not valid YAML"):
        load_accepted_risks(path)


def test_committed_file_is_valid() -> None:
    committed = Path(__file__).parents[2] / "infra" / "accepted-risks.yaml"
    assert committed == DEFAULT_ACCEPTED_RISKS
    assert isinstance(load_accepted_risks(DEFAULT_ACCEPTED_RISKS), tuple)


def test_empty_or_comment_only_file_accepts_nothing() -> None:
    assert parse_accepted_risks(None, "risks.yaml") == ()
    assert parse_accepted_risks([], "risks.yaml") == ()
