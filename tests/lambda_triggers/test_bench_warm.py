"""Warm benchmarks of the pure logic of each trigger (run once under ``--benchmark-disable``).

Cold start (imports, first invocation) is measured by ``benchmarks/trigger_cold_start.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from lambda_triggers import custom_message as cm
from lambda_triggers import post_confirmation as pc
from lambda_triggers import pre_sign_up as psu
from lambda_triggers import pre_token_generation as ptg

pytestmark = pytest.mark.bench

NATIVE_USERS = [
    {
        "Username": "Google_1",
        "UserStatus": "EXTERNAL_PROVIDER",
        "Attributes": [{"Name": "email", "Value": "ann@example.com"}],
    },
    {
        "Username": "ann",
        "UserStatus": "CONFIRMED",
        "Attributes": [
            {"Name": "email", "Value": "ann@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    },
]


def test_bench_pre_sign_up_policy_and_link_decision(benchmark: Any, load_event: Any) -> None:
    config = psu.parse_config(
        {
            "allowed_email_domains": ["example.com", "example.org"],
            "denied_email_domains": ["spam.example.com"],
            "account_linking": True,
            "provider_email_domains": {"Google": ["gmail.com", "example.com"]},
        }
    )
    event = load_event("pre_sign_up_external_provider")
    attributes = event["request"]["userAttributes"]

    def decide() -> tuple[psu.Voucher, psu.NativeSelection]:
        psu.check_email_domain(attributes["email"], config)
        voucher = psu.vouch(event["triggerSource"], event["userName"], attributes, config)
        assert voucher.vouched is not None
        selection = psu.select_native_user(NATIVE_USERS, voucher.vouched.email, config.providers)
        return voucher, selection

    voucher, selection = benchmark(decide)
    assert voucher.vouched == psu.Vouched(
        "Google", "109876543210987654321", "ann@example.com", "example.com"
    )
    assert selection.username == "ann"


def test_bench_post_confirmation(benchmark: Any, load_event: Any) -> None:
    class NoOpClient:
        def admin_add_user_to_group(self, **params: Any) -> dict[str, Any]:
            return {}

    client = NoOpClient()
    config = pc.Config(default_group="users")
    event = load_event("post_confirmation_confirm_sign_up")
    result = benchmark(pc.process_event, event, config, lambda: client)
    assert result is event


def test_bench_pre_token_generation(benchmark: Any, load_event: Any) -> None:
    config = ptg.parse_config(
        {
            "id_token_claims": {"tenant_id": "custom:tenant_id"},
            "access_token_claims": {"tenant_id": "custom:tenant_id", "plan": "custom:plan"},
            "groups_claim": "roles",
            "suppress_claims": ["email"],
            "group_scopes": {"admins": ["api/admin"], "users": ["api/read"]},
        }
    )
    request = load_event("pre_token_generation_authentication")["request"]
    overrides = benchmark(
        ptg.build_overrides,
        "TokenGeneration_Authentication",
        request["userAttributes"],
        request["groupConfiguration"]["groupsToOverride"],
        config,
        None,
        ("api/admin", "api/read"),
    )
    assert overrides["accessTokenGeneration"]["scopesToAdd"] == ["api/admin", "api/read"]


def test_bench_custom_message(benchmark: Any, load_event: Any) -> None:
    config = cm.parse_config(
        {
            "app_name": "Acme Portal",
            "app_url": "https://portal.example.com",
            "support_email": "help@example.com",
        }
    )
    attributes = load_event("custom_message_admin_create_user")["request"]["userAttributes"]
    messages = benchmark(
        cm.build_messages, "AdminCreateUser", attributes, "{####}", "{username}", config
    )
    assert messages.sms_message == (
        "Acme Portal: your username is {username} and temporary password is {####}"
    )
    assert messages.email_message is not None
    assert "<strong>{username}</strong>" in messages.email_message
