"""Post confirmation trigger: default group, idempotency, log-and-continue failure policy."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from lambda_triggers import _common, post_confirmation
from lambda_triggers._common import ConfigError, username_ref

POOL = "us-east-1_EXAMPLE"


@pytest.fixture
def use_stubbed_client(cognito_idp: Any, stubber: Any) -> Any:
    _common._cognito_client = cognito_idp
    return stubber


@pytest.fixture
def moto_pool() -> Iterator[tuple[Any, str]]:
    """A moto user pool with group "users" and a confirmed user "ann"."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = client.create_user_pool(PoolName="test")["UserPool"]["Id"]
        client.create_group(GroupName="users", UserPoolId=pool_id)
        client.admin_create_user(UserPoolId=pool_id, Username="ann")
        _common._cognito_client = client
        yield client, pool_id


def test_parse_config() -> None:
    assert post_confirmation.parse_config({"default_group": "users"}).default_group == "users"
    assert post_confirmation.parse_config({"default_group": None}).default_group is None
    assert post_confirmation.parse_config({}).default_group is None


@pytest.mark.parametrize(
    "raw",
    [
        {"default_group": ""},
        {"default_group": 5},
        {"default_group": "x" * 129},
        {"default_group": "line\nbreak"},
        {"default_group": "users", "extra": 1},
        ["users"],
    ],
)
def test_parse_config_rejects(raw: object) -> None:
    with pytest.raises(ConfigError):
        post_confirmation.parse_config(raw)


def test_group_for_is_pure_and_only_for_confirm_sign_up() -> None:
    config = post_confirmation.Config(default_group="users")
    assert post_confirmation.group_for("PostConfirmation_ConfirmSignUp", config) == "users"
    assert post_confirmation.group_for("PostConfirmation_ConfirmForgotPassword", config) is None
    assert post_confirmation.group_for(None, config) is None
    assert (
        post_confirmation.group_for("PostConfirmation_ConfirmSignUp", post_confirmation.Config())
        is None
    )


def test_adds_the_confirmed_user_to_the_default_group(
    set_config: Any, load_event: Any, use_stubbed_client: Any, caplog: Any, log_text: Any
) -> None:
    set_config({"default_group": "users"})
    use_stubbed_client.add_response(
        "admin_add_user_to_group", {}, {"UserPoolId": POOL, "Username": "ann", "GroupName": "users"}
    )
    event = load_event("post_confirmation_confirm_sign_up")
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.INFO):
        assert post_confirmation.handler(event, None) == expected
    (record,) = caplog.records
    assert record.getMessage() == "added the confirmed user to the default group"
    assert record.group == "users"
    assert record.username_ref == username_ref("ann")
    assert "ann@example.com" not in log_text(caplog.records)


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("post_confirmation_confirm_forgot_password", {"default_group": "users"}),
        ("post_confirmation_confirm_sign_up", {"default_group": None}),
        ("post_confirmation_confirm_sign_up", {}),
    ],
)
def test_does_nothing_for_forgot_password_or_without_a_group(
    name: str, config: dict[str, Any], set_config: Any, load_event: Any, monkeypatch: Any
) -> None:
    set_config(config)
    monkeypatch.setattr(post_confirmation, "cognito_client", lambda: pytest.fail("no AWS call"))
    event = load_event(name)
    expected = copy.deepcopy(event)
    assert post_confirmation.handler(event, None) == expected


@pytest.mark.parametrize("missing", ["userName", "userPoolId"])
def test_an_event_without_user_or_pool_is_logged_and_returned(
    missing: str, set_config: Any, load_event: Any, no_aws: Any, caplog: Any
) -> None:
    event = load_event("post_confirmation_confirm_sign_up")
    event[missing] = None
    config = post_confirmation.Config(default_group="users")
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.process_event(event, config, no_aws) is event
    assert "no userPoolId or userName" in caplog.records[0].getMessage()


def test_an_aws_error_is_logged_and_the_confirmation_stands(
    set_config: Any, load_event: Any, use_stubbed_client: Any, caplog: Any
) -> None:
    set_config({"default_group": "users"})
    use_stubbed_client.add_client_error(
        "admin_add_user_to_group",
        service_error_code="ResourceNotFoundException",
        http_status_code=400,
    )
    event = load_event("post_confirmation_confirm_sign_up")
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.handler(event, None) is event
    (record,) = caplog.records
    assert record.aws_operation == "AdminAddUserToGroup"
    assert record.error_code == "ResourceNotFoundException"
    assert record.trigger_source == "PostConfirmation_ConfirmSignUp"
    assert record.username_ref == username_ref("ann")


@pytest.mark.parametrize("raw", [None, "{", '{"default_group": 3}', '{"group": "users"}'])
def test_an_invalid_config_is_logged_and_the_confirmation_stands(
    raw: str | None, set_config: Any, load_event: Any, monkeypatch: Any, caplog: Any
) -> None:
    if raw is not None:
        set_config(raw)
    monkeypatch.setattr(post_confirmation, "cognito_client", lambda: pytest.fail("no AWS call"))
    event = load_event("post_confirmation_confirm_sign_up")
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.handler(event, None) is event
    assert caplog.records[0].getMessage().startswith("invalid trigger configuration")


def test_an_unexpected_error_is_logged_and_the_confirmation_stands(
    set_config: Any, load_event: Any, caplog: Any
) -> None:
    set_config({"default_group": "users"})
    _common._cognito_client = object()
    event = load_event("post_confirmation_confirm_sign_up")
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.handler(event, None) is event
    assert caplog.records[0].exc_info is not None


def test_running_twice_is_idempotent(
    moto_pool: tuple[Any, str], set_config: Any, load_event: Any, caplog: Any
) -> None:
    client, pool_id = moto_pool
    set_config({"default_group": "users"})
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            event = load_event("post_confirmation_confirm_sign_up")
            event["userPoolId"] = pool_id
            post_confirmation.handler(event, None)
    groups = client.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")["Groups"]
    assert [group["GroupName"] for group in groups] == ["users"]
    members = client.list_users_in_group(UserPoolId=pool_id, GroupName="users")["Users"]
    assert [user["Username"] for user in members] == ["ann"]
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.INFO]


def test_a_missing_group_in_the_pool_is_logged(
    moto_pool: tuple[Any, str], set_config: Any, load_event: Any, caplog: Any
) -> None:
    client, pool_id = moto_pool
    set_config({"default_group": "no-such-group"})
    event = load_event("post_confirmation_confirm_sign_up")
    event["userPoolId"] = pool_id
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.handler(event, None) is event
    assert caplog.records[0].error_code == "ResourceNotFoundException"
    assert client.admin_list_groups_for_user(UserPoolId=pool_id, Username="ann")["Groups"] == []


def test_the_client_is_created_lazily_once() -> None:
    assert _common._cognito_client is None
    first = _common.cognito_client()
    assert _common.cognito_client() is first
    assert first.meta.service_model.service_name == "cognito-idp"
