"""Shared helpers, import cost guarantees, event fixtures and both Lambda asset layouts."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lambda_triggers import _common
from lambda_triggers._common import ConfigError, ConfigReader, LazyConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = Path(__file__).resolve().parent / "events"
MODULES = ("pre_sign_up", "post_confirmation", "pre_token_generation", "custom_message")


def test_lazy_config_parses_on_first_use_and_caches(monkeypatch: Any) -> None:
    calls: list[object] = []

    def parse(raw: object) -> object:
        calls.append(raw)
        return {"parsed": raw}

    monkeypatch.setenv("TRIGGER_CONFIG", '{"a": 1}')
    config = LazyConfig(parse)
    assert calls == []  # nothing happens at construction (i.e. module import) time
    assert config.get() == {"parsed": {"a": 1}}
    monkeypatch.setenv("TRIGGER_CONFIG", '{"a": 2}')
    assert config.get() == {"parsed": {"a": 1}}
    assert calls == [{"a": 1}]
    config.reset()
    assert config.get() == {"parsed": {"a": 2}}


def test_lazy_config_caches_an_error_and_raises_it_each_time(monkeypatch: Any) -> None:
    calls: list[object] = []

    def parse(raw: object) -> object:
        calls.append(raw)
        raise ConfigError(["bad"])

    monkeypatch.setenv("TRIGGER_CONFIG", "{}")
    config = LazyConfig(parse)
    for _ in range(3):
        with pytest.raises(ConfigError, match="bad"):
            config.get()
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [(None, "is not set"), ("   ", "is not set"), ("{", "not valid JSON"), ("[" * 100_000, "JSON")],
)
def test_read_config_json_errors(raw: str | None, message: str, monkeypatch: Any) -> None:
    if raw is not None:
        monkeypatch.setenv("TRIGGER_CONFIG", raw)
    with pytest.raises(ConfigError, match=message):
        _common.read_config_json()


def test_config_reader_collects_every_problem() -> None:
    reader = ConfigReader(
        {"a": 1, "b": [1, ""], "c": {"k": 2}, "d": {"k": [1]}, "e": "x", "zzz": 0},
        known_keys=("a", "b", "c", "d", "e"),
    )
    assert reader.boolean("a", default=True) is True
    assert reader.string_list("b") == ()
    assert reader.string_map("c") == {}
    assert reader.string_list_map("d") == {}
    assert reader.optional_string("e", max_len=0) is None
    with pytest.raises(ConfigError) as raised:
        reader.finish()
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "unknown keys ['zzz']; allowed keys are ['a', 'b', 'c', 'd', 'e']",
        "a",
        "b[0]",
        "b[1]",
        "c.k",
        "d.k",
        "e",
    ]


def test_config_reader_rejects_a_non_object() -> None:
    with pytest.raises(ConfigError, match="expected a JSON object, got array"):
        ConfigReader([], known_keys=()).finish()


@pytest.mark.parametrize(
    "typed", ["ann", "Google_123", "ann@example.com", "+15550100", "Hunter2-Passw0rd!", "x" * 500]
)
def test_a_username_reference_never_contains_what_was_typed(typed: str) -> None:
    reference = _common.username_ref(typed)
    assert reference is not None
    assert reference.startswith("ref:")
    assert len(reference) == len("ref:") + 12
    assert typed not in reference
    assert _common.username_ref(typed) == reference  # correlates within one instance
    assert _common.safe_username(typed) == reference


@pytest.mark.parametrize("value", [None, 5, ""])
def test_no_reference_without_a_name(value: object) -> None:
    assert _common.username_ref(value) is None


def test_a_reference_is_keyed_per_instance_not_a_plain_hash() -> None:
    import hashlib

    typed = "+15550100"
    plain = hashlib.blake2b(typed.encode(), digest_size=6).hexdigest()
    assert _common.username_ref(typed) != f"ref:{plain}"
    code = "from lambda_triggers import _common; print(_common.username_ref('+15550100'))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(runs) == 2  # a new key per execution environment


def test_log_context_names_source_pool_and_sub_but_never_the_typed_name() -> None:
    event = {
        "triggerSource": "PreSignUp_SignUp",
        "userPoolId": "us-east-1_EXAMPLE",
        "userName": "+15550100",
        "request": {"userAttributes": {"sub": "abc", "email": "ann@example.com"}},
    }
    assert _common.log_context(event) == {
        "trigger_source": "PreSignUp_SignUp",
        "user_pool_id": "us-east-1_EXAMPLE",
        "username_ref": _common.username_ref("+15550100"),
        "sub": "abc",
    }
    assert _common.log_context([1]) == {"event_type": "array"}
    assert _common.log_context({"request": None, "userName": 3}) == {}


def test_log_config_error_lists_the_problems(caplog: Any) -> None:
    logger = logging.getLogger("test")
    with caplog.at_level(logging.ERROR):
        _common.log_config_error(logger, ConfigError(["x: bad"]), {"triggerSource": "S"})
    (record,) = caplog.records
    assert record.config_problems == ["x: bad"]
    assert record.trigger_source == "S"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("TRUE", True), (True, True)])
def test_is_true(value: object, expected: bool) -> None:
    assert _common.is_true(value) is expected


@pytest.mark.parametrize("value", ["false", "", "1", 1, None, [], "yes"])
def test_is_not_true(value: object) -> None:
    assert _common.is_true(value) is False


# Fixture file name prefix -> the trigger source prefix of its slot (docs/triggers.md).
SOURCE_PREFIXES = {
    "pre_sign_up": "PreSignUp_",
    "post_confirmation": "PostConfirmation_",
    "pre_authentication": "PreAuthentication_",
    "post_authentication": "PostAuthentication_",
    "pre_token_generation": "TokenGeneration_",
    "custom_message": "CustomMessage_",
    "user_migration": "UserMigration_",
    "define_auth_challenge": "DefineAuthChallenge_",
    "create_auth_challenge": "CreateAuthChallenge_",
    "verify_auth_challenge_response": "VerifyAuthChallengeResponse_",
    "custom_email_sender": "CustomEmailSender_",
    "custom_sms_sender": "CustomSMSSender_",
    "inbound_federation": "InboundFederation_",
}
# AWS's custom sender pages document a request only: the function sends, it answers nothing.
NO_RESPONSE = ("custom_email_sender", "custom_sms_sender")


@pytest.mark.parametrize("path", sorted(EVENTS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_event_fixtures_have_the_documented_common_shape(path: Path) -> None:
    event = json.loads(path.read_text())
    assert set(event) >= {"version", "triggerSource", "region", "userPoolId", "callerContext"}
    assert set(event["callerContext"]) == {"awsSdkVersion", "clientId"}
    assert isinstance(event["request"], dict)
    assert ("response" in event) is not path.stem.startswith(NO_RESPONSE)
    [prefix] = [v for k, v in SOURCE_PREFIXES.items() if path.stem.startswith(k)]
    assert event["triggerSource"].startswith(prefix)


def _run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"TRIGGER_CONFIG": '{"app_name": "Acme"}', "AWS_DEFAULT_REGION": "us-east-1"},
    )


def test_importing_the_triggers_imports_no_boto3_and_does_no_io() -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "import socket\n"
        "def refuse(*a, **k): raise AssertionError('I/O at import time')\n"
        "socket.socket.connect = refuse\n"
        "from lambda_triggers import _common, pre_sign_up, post_confirmation\n"
        "from lambda_triggers import pre_token_generation, custom_message\n"
        "heavy = sorted(m for m in ('boto3', 'botocore') if m in sys.modules)\n"
        "print(heavy)\n"
    )
    result = _run_python(code, REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_triggers_also_work_with_the_package_directory_as_asset_root(tmp_path: Path) -> None:
    """``Code.from_asset("lambda_triggers")`` puts the modules at the top level of /var/task."""
    asset = tmp_path / "asset"
    asset.mkdir()
    for source in (REPO_ROOT / "lambda_triggers").glob("*.py"):
        shutil.copy(source, asset / source.name)
    sign_up = json.loads((EVENTS_DIR / "custom_message_sign_up.json").read_text())
    code = (
        f"import json, sys; sys.path.insert(0, {str(asset)!r})\n"
        "import custom_message, pre_sign_up, post_confirmation, pre_token_generation\n"
        "assert 'lambda_triggers' not in sys.modules\n"
        f"event = custom_message.handler({sign_up!r}, None)\n"
        "print(json.dumps(event['response']['smsMessage']))\n"
    )
    result = _run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == "Acme: your verification code is {####}"
