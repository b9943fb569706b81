"""Fixtures for the Lambda trigger tests.

Every test here runs with dummy AWS credentials, a fixed region and sockets disabled, so no test
can reach AWS: AWS calls are answered by botocore's Stubber, moto (in-process) or plain fakes.
Helpers are fixtures, so test modules import nothing from here.
"""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambda_triggers import (
    _common,
    custom_message,
    inbound_federation,
    post_confirmation,
    pre_sign_up,
    pre_token_generation,
    user_migration,
)

EVENTS_DIR = Path(__file__).resolve().parent / "events"

TRIGGER_MODULES = (
    pre_sign_up,
    post_confirmation,
    pre_token_generation,
    custom_message,
    user_migration,
    inbound_federation,
)
_EVENT_CACHE: dict[str, dict[str, Any]] = {}


def read_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json`` (tests may mutate it)."""
    if name not in _EVENT_CACHE:
        _EVENT_CACHE[name] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    return copy.deepcopy(_EVENT_CACHE[name])


def _reset_triggers() -> None:
    for module in TRIGGER_MODULES:
        module.CONFIG.reset()
    pre_token_generation.CLIENT_NAMES.reset()
    _common._cognito_client = None
    pre_sign_up._client = None


def _no_network(*args: object, **kwargs: object) -> None:
    raise RuntimeError("network access is disabled in the trigger tests")


@pytest.fixture(autouse=True)
def _isolated_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "TRIGGER_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    _reset_triggers()
    yield
    _reset_triggers()


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    """Loads ``events/<name>.json`` as a fresh dict."""
    return read_event


@pytest.fixture
def set_config(monkeypatch: pytest.MonkeyPatch) -> Callable[[object], None]:
    """Set ``TRIGGER_CONFIG`` (a value to serialise, or a raw string) and drop cached configs."""

    def _set(value: object) -> None:
        raw = value if isinstance(value, str) else json.dumps(value)
        monkeypatch.setenv("TRIGGER_CONFIG", raw)
        for module in TRIGGER_MODULES:
            module.CONFIG.reset()

    return _set


@pytest.fixture(scope="session")
def cognito_idp() -> Any:
    """A real botocore client for Stubber; it never sends a request (sockets are disabled)."""
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubber(cognito_idp: Any) -> Iterator[Any]:
    """A Stubber on ``cognito_idp``; every queued response must be consumed by the test."""
    from botocore.stub import Stubber

    with Stubber(cognito_idp) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _never_called() -> Any:
    raise AssertionError("this path must not call AWS")


@pytest.fixture
def no_aws() -> Callable[[], Any]:
    """A client factory that fails the test if the trigger asks for an AWS client."""
    return _never_called


def _client_error(operation: str, code: str, status: int = 400) -> Any:
    from botocore.exceptions import ClientError

    error = {"Code": code, "Message": "simulated"}
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


@pytest.fixture
def client_error() -> Callable[..., Any]:
    """Builds a botocore ClientError: ``client_error("ListUsers", "InternalErrorException")``."""
    return _client_error


def _log_text(records: list[Any]) -> str:
    return "\n".join(f"{record.getMessage()} {record.__dict__!r}" for record in records)


@pytest.fixture
def log_text() -> Callable[[list[Any]], str]:
    """Every message and structured field of captured log records, for leak checks."""
    return _log_text
