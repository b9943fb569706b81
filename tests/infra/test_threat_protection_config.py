"""Threat protection states what it does: every refusal of `user_pool.threat_protection`, and
the password lengths the benchmarks ask of a production-tier pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.threat_protection import ThreatProtectionConfig
from tests.infra.test_config_errors import kit_file, problems_of, write_env


def strict_with(tmp_path: Path, **protection: Any) -> Path:
    """The production-tier fixture (plus plan, enforced, SES) with threat_protection changed."""
    data = kit_file("strict")
    data["user_pool"]["threat_protection"] = {"mode": "enforced", **protection}
    return write_env(tmp_path, "prod", data)


@pytest.mark.parametrize(
    ("protection", "weaker"),
    [
        ({"compromised_credentials": {"action": "allow"}}, "compromised_credentials.action"),
        (
            {"compromised_credentials": {"events": ["sign_up", "password_change"]}},
            "compromised_credentials.events without `sign_in`",
        ),
        (
            {"adaptive_authentication": {"high": {"action": "mfa_required"}}},
            "adaptive_authentication.high.action `mfa_required`",
        ),
        (
            {"adaptive_authentication": {"medium": {"action": "mfa_if_configured"}}},
            "adaptive_authentication.medium.action `mfa_if_configured`",
        ),
    ],
)
def test_production_tier_refuses_weaker_actions_without_a_reason(
    tmp_path: Path, protection: dict[str, Any], weaker: str
) -> None:
    path = strict_with(tmp_path, **protection)
    [problem] = problems_of(tmp_path, "prod")
    assert problem.startswith(f"{path}: user_pool.threat_protection: {weaker}")
    assert "threat_protection.actions_reason" in problem


def test_weaker_actions_with_a_reason_are_accepted(tmp_path: Path) -> None:
    strict_with(
        tmp_path,
        adaptive_authentication={"medium": {"action": "mfa_if_configured"}},
        actions_reason="kiosk staff share devices; medium risk is the norm at the front desk",
    )
    config = load_environment("prod", directory=tmp_path)
    protection = config.user_pool.threat_protection
    assert protection.adaptive_authentication.medium.action == "mfa_if_configured"


def test_an_actions_reason_without_weaker_actions_is_refused(tmp_path: Path) -> None:
    strict_with(tmp_path, actions_reason="nothing is weaker here, so this says nothing")
    [problem] = problems_of(tmp_path, "prod")
    assert problem.endswith(
        "user_pool.threat_protection.actions_reason: 'nothing is weaker here, so this says "
        "nothing': only applies to a production-tier pool whose actions are weaker than the "
        "baseline"
    )


def test_stronger_actions_need_no_reason(tmp_path: Path) -> None:
    strict_with(tmp_path, adaptive_authentication={"medium": {"action": "block"}})
    config = load_environment("prod", directory=tmp_path)
    assert config.user_pool.threat_protection.weaker_than_baseline() == []


def test_notifications_need_ses(tmp_path: Path) -> None:
    data = kit_file("minimal")  # plus plan, enforced by default, Cognito's own sender
    data["user_pool"]["threat_protection"] = {
        "adaptive_authentication": {"high": {"action": "block", "notify": True}}
    }
    write_env(tmp_path, "minimal", data)
    [problem] = problems_of(tmp_path, "minimal")
    assert problem.endswith(
        "user_pool.threat_protection.adaptive_authentication.high.notify: true: risk "
        "notifications are sent from an SES identity; set email.sender `ses` or notify false"
    )


def test_notification_sender_must_belong_to_the_ses_identity(tmp_path: Path) -> None:
    strict_with(tmp_path, notifications={"from_address": "security@other.example.org"})
    [problem] = problems_of(tmp_path, "prod")
    assert problem.endswith(
        "user_pool.threat_protection.notifications.from_address: 'security@other.example.org': "
        "is not covered by the SES identity 'example.com'"
    )


def test_settings_have_no_effect_while_protection_is_off(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["user_pool"]["threat_protection"]["ip_ranges"] = {"always_block": ["203.0.113.0/24"]}
    write_env(tmp_path, "relaxed", data)
    [problem] = problems_of(tmp_path, "relaxed")
    assert problem.endswith(
        "user_pool.threat_protection.ip_ranges: has no effect while threat_protection.mode is `off`"
    )


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({"always_block": ["203.0.113.7/24"]}, "has host bits set"),
        ({"always_block": ["not-an-ip"]}, "allowed: CIDR blocks"),
        ({"never_screen": ["198.51.100.0/24"]}, "never_screen needs never_screen_reason"),
        (
            {
                "always_block": ["198.51.100.0/24"],
                "never_screen": ["198.51.100.0/24"],
                "never_screen_reason": "the load-test network",
            },
            "both always blocked and never screened",
        ),
    ],
)
def test_ip_ranges_are_cidr_blocks_and_exemptions_have_a_reason(
    tmp_path: Path, ranges: dict[str, Any], message: str
) -> None:
    strict_with(tmp_path, ip_ranges=ranges)
    [problem] = problems_of(tmp_path, "prod")
    assert "user_pool.threat_protection.ip_ranges" in problem
    assert message in problem


def test_production_tier_refuses_passwords_shorter_than_cis(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["password_policy"]["min_length"] = 12
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert problem.endswith(
        "user_pool.password_policy.min_length: 12: is below 14, the production-tier minimum "
        "(CIS AWS Foundations Benchmark)"
    )


def test_production_tier_without_required_mfa_refuses_passwords_shorter_than_nist(
    tmp_path: Path,
) -> None:
    data = kit_file("relaxed")  # production tier, MFA optional
    data["user_pool"]["password_policy"] = {"min_length": 14}
    write_env(tmp_path, "relaxed", data)
    [problem] = problems_of(tmp_path, "relaxed")
    assert problem.endswith(
        "user_pool.password_policy.min_length: 14: is below 15, the production-tier minimum "
        "when MFA is not required (NIST SP 800-63B-4: the password is the only factor)"
    )


def test_development_tier_keeps_shorter_passwords(tmp_path: Path) -> None:
    data = kit_file("minimal")
    assert data["user_pool"]["password_policy"]["min_length"] == 8
    write_env(tmp_path, "minimal", data)
    assert load_environment("minimal", directory=tmp_path).user_pool.password_policy.length == 8


def test_operations_doc_states_the_model_defaults() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    table = text.split("<!-- risk-defaults:begin")[1].split("<!-- risk-defaults:end -->")[0]
    rows = {
        cells[0].strip("` "): cells[1]
        for line in table.splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    defaults = ThreatProtectionConfig()
    credentials = defaults.compromised_credentials
    assert rows["compromised_credentials.action"].startswith(f"`{credentials.action}`")
    assert rows["compromised_credentials.events"] == ", ".join(f"`{e}`" for e in credentials.events)
    notified = defaults.notified_levels(sends_through_ses=True)
    for level in ("low", "medium", "high"):
        action = getattr(defaults.adaptive_authentication, level).action
        told = "user notified" if notified[level] else "no notification"
        assert rows[f"adaptive_authentication.{level}"] == f"`{action}`, {told}"
