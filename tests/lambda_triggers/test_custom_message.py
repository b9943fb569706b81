"""Custom message trigger: placeholders, HTML escaping, length limits, fallback policy."""

from __future__ import annotations

import copy
import html
import logging
from typing import Any

import pytest

from lambda_triggers import custom_message as cm
from lambda_triggers._common import ConfigError

CONFIG = {
    "app_name": "Acme Portal",
    "app_url": "https://portal.example.com/welcome?src=mail&lang=en",
    "support_email": "help@example.com",
}
SOURCES = {
    "custom_message_sign_up": "SignUp",
    "custom_message_resend_code": "ResendCode",
    "custom_message_forgot_password": "ForgotPassword",
    "custom_message_admin_create_user": "AdminCreateUser",
    "custom_message_update_user_attribute": "UpdateUserAttribute",
    "custom_message_verify_user_attribute": "VerifyUserAttribute",
    "custom_message_authentication": "Authentication",
}


def invoke(event: Any) -> Any:
    return cm.handler(event, None)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_gets_subject_html_email_and_sms(
    name: str, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event(name)
    result = invoke(event)
    assert result is event
    response = result["response"]
    kind = cm.KINDS[SOURCES[name]]
    assert response["emailSubject"] == kind.subject.format(app="Acme Portal")
    assert response["smsMessage"].startswith("Acme Portal: your ")
    assert "{####}" in response["smsMessage"]
    assert len(response["smsMessage"]) <= 140
    email = response["emailMessage"]
    assert email.startswith("<!DOCTYPE html>")
    assert "<strong>{####}</strong>" in email
    if SOURCES[name] in cm.GREETED_SOURCES:
        assert "Hello Ann," in email or "Hello Bob Example," in email
    else:
        # The address is not verified yet: a user-chosen name never goes to it.
        assert "<p>Hello,</p>" in email
    assert 'href="https://portal.example.com/welcome?src=mail&amp;lang=en"' in email
    assert 'href="mailto:help@example.com"' in email
    assert "ann@example.com" not in email
    assert result["request"] == load_event(name)["request"]


def test_admin_create_user_keeps_both_placeholders(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    response = invoke(load_event("custom_message_admin_create_user"))["response"]
    assert response["smsMessage"] == (
        "Acme Portal: your username is {username} and temporary password is {####}"
    )
    assert "<strong>{username}</strong>" in response["emailMessage"]
    assert "<strong>{####}</strong>" in response["emailMessage"]


def test_missing_placeholders_default_to_cognitos(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_admin_create_user")
    del event["request"]["codeParameter"]
    event["request"]["usernameParameter"] = ""
    response = invoke(event)["response"]
    assert "{####}" in response["smsMessage"]
    assert "{username}" in response["smsMessage"]


def test_the_code_parameter_is_copied_verbatim(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_sign_up")
    event["request"]["codeParameter"] = "{##<&>##}"
    response = invoke(event)["response"]
    assert "{##<&>##}" in response["smsMessage"]
    assert "<strong>{##<&>##}</strong>" in response["emailMessage"]


UNVERIFIED_DESTINATIONS = sorted(set(SOURCES.values()) - cm.GREETED_SOURCES)


@pytest.mark.parametrize("source", UNVERIFIED_DESTINATIONS)
def test_a_user_chosen_name_never_goes_to_an_unverified_address(
    source: str, set_config: Any, load_event: Any
) -> None:
    # Abuse case: sign up with someone else's address and a name that carries a message; the
    # kit's branded verification mail would deliver the attacker's text to that address.
    set_config(CONFIG)
    name = next(n for n, s in SOURCES.items() if s == source)
    event = load_event(name)
    event["request"]["userAttributes"]["given_name"] = "Your account is locked, call"
    email = invoke(event)["response"]["emailMessage"]
    assert "locked" not in email
    assert "<p>Hello,</p>" in email


@pytest.mark.parametrize(
    ("chosen", "shown"),
    [
        ("Ann", "Ann"),
        ("José-Luis O'Brien", "José-Luis O'Brien"),
        ("Visit evil.example/login now", "Visit evil example login now"),
        ("https://evil.example", "https evil example"),
        ("ann@evil.example", "ann evil example"),
        ("Ann\nBcc: x\r\n<b>", "Ann Bcc x b"),
        ("Call +1 555 0100", "Call"),
    ],
)
def test_names_hold_no_link_address_or_line_break(
    chosen: str, shown: str, set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_forgot_password")
    event["request"]["userAttributes"]["given_name"] = chosen
    email = invoke(event)["response"]["emailMessage"]
    assert f"<p>Hello {html.escape(shown)},</p>" in email


def test_a_long_name_is_cut_short(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_forgot_password")
    event["request"]["userAttributes"]["given_name"] = "Anna " * 100
    email = invoke(event)["response"]["emailMessage"]
    greeting = email.split("<p>Hello ", 1)[1].split(",</p>", 1)[0]
    assert len(greeting) <= cm.MAX_NAME_LEN == 40
    assert greeting.startswith("Anna Anna")


def test_config_values_are_escaped_in_html_but_plain_in_subject_and_sms(
    set_config: Any, load_event: Any
) -> None:
    set_config({**CONFIG, "app_name": 'A&B <"Tools">'})
    response = invoke(load_event("custom_message_forgot_password"))["response"]
    assert response["emailSubject"] == 'Reset your A&B <"Tools"> password'
    assert response["smsMessage"].startswith('A&B <"Tools">: ')
    assert "A&amp;B &lt;&quot;Tools&quot;&gt;" in response["emailMessage"]
    assert '<"Tools">' not in response["emailMessage"]


def test_control_characters_in_names_are_dropped(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_forgot_password")
    event["request"]["userAttributes"]["given_name"] = "An\x00n\tB\u200bo\nb"
    assert "<p>Hello An n B o b,</p>" in invoke(event)["response"]["emailMessage"]


def test_a_blank_name_gives_a_plain_greeting(set_config: Any, load_event: Any) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_sign_up")
    event["request"]["userAttributes"]["given_name"] = "   "
    assert "<p>Hello,</p>" in invoke(event)["response"]["emailMessage"]


def test_a_huge_name_is_cut_and_every_limit_holds(set_config: Any, load_event: Any) -> None:
    set_config({**CONFIG, "app_name": "A" * 128})
    event = load_event("custom_message_admin_create_user")
    event["request"]["userAttributes"]["name"] = "<b>" * 10_000
    response = invoke(event)["response"]
    assert len(response["emailMessage"]) <= cm.MAX_EMAIL_MESSAGE
    assert "&lt;" not in response["emailMessage"]
    assert "Hello b b b" in response["emailMessage"]
    assert len(response["emailSubject"]) <= 140
    sms = response["smsMessage"]
    assert len(sms) <= 140
    assert sms.endswith(": your username is {username} and temporary password is {####}")


def test_a_long_app_name_is_cut_in_sms_before_any_placeholder(
    set_config: Any, load_event: Any
) -> None:
    set_config({"app_name": "Z" * 128})
    sms = invoke(load_event("custom_message_authentication"))["response"]["smsMessage"]
    assert len(sms) == 140
    assert sms.endswith(": your sign-in code is {####}")


def test_configured_subjects_override_the_defaults(set_config: Any, load_event: Any) -> None:
    set_config({**CONFIG, "subjects": {"SignUp": "Welcome aboard!"}})
    assert invoke(load_event("custom_message_sign_up"))["response"]["emailSubject"] == (
        "Welcome aboard!"
    )
    assert invoke(load_event("custom_message_resend_code"))["response"]["emailSubject"] == (
        "Your Acme Portal verification code"
    )


def test_customize_email_false_sets_only_the_sms(set_config: Any, load_event: Any) -> None:
    set_config({**CONFIG, "customize_email": False})
    response = invoke(load_event("custom_message_sign_up"))["response"]
    assert response["emailSubject"] is None
    assert response["emailMessage"] is None
    assert response["smsMessage"] == "Acme Portal: your verification code is {####}"


def test_an_absurd_code_parameter_leaves_the_sms_to_cognito(
    set_config: Any, load_event: Any, caplog: Any
) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_sign_up")
    event["request"]["codeParameter"] = "#" * 200
    with caplog.at_level(logging.WARNING):
        response = invoke(event)["response"]
    assert response["smsMessage"] is None
    assert "#" * 200 in response["emailMessage"]
    assert "does not fit" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({}, "app_name: required"),
        ({"app_name": ""}, "app_name: expected a non-empty string"),
        ({"app_name": "A\nB"}, "control characters"),
        ({"app_name": "A" * 129}, "longer than 128"),
        ({"app_name": "A", "app_url": "http://example.com"}, "https://"),
        ({"app_name": "A", "app_url": "https://user:pw@example.com"}, "no credentials"),
        ({"app_name": "A", "app_url": "https://"}, "with a host"),
        ({"app_name": "A", "app_url": "https://exa mple.com"}, "https://"),
        ({"app_name": "A", "app_url": "https://example.com:99999"}, "https://"),
        ({"app_name": "A", "support_email": "help"}, "support_email"),
        ({"app_name": "A", "support_email": "a <b>@x.com"}, "support_email"),
        ({"app_name": "A", "subjects": {"Welcome": "Hi"}}, "unknown source"),
        ({"app_name": "A", "subjects": {"SignUp": "x" * 141}}, "at most 140"),
        ({"app_name": "A", "subjects": {"SignUp": "a\r\nBcc: x"}}, "at most 140"),
        ({"app_name": "A", "customize_email": "no"}, "true or false"),
        ({"app_name": "A", "from": "x"}, "unknown keys"),
    ],
)
def test_invalid_config_is_rejected(raw: object, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        cm.parse_config(raw)


@pytest.mark.parametrize("raw", [None, "{", '{"app_url": "https://x.example"}'])
def test_an_invalid_config_leaves_the_pools_messages(
    raw: str | None, set_config: Any, load_event: Any, caplog: Any
) -> None:
    if raw is not None:
        set_config(raw)
    event = load_event("custom_message_sign_up")
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.ERROR):
        assert invoke(event) == expected
    assert caplog.records[0].getMessage().startswith("invalid trigger configuration")


def test_unknown_sources_and_non_objects_are_returned_unchanged(
    set_config: Any, load_event: Any
) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_sign_up")
    event["triggerSource"] = "CustomMessage_Something"
    expected = copy.deepcopy(event)
    assert invoke(event) == expected
    assert invoke(42) == 42


def test_an_unexpected_error_leaves_the_pools_messages(
    set_config: Any, load_event: Any, monkeypatch: Any, caplog: Any
) -> None:
    set_config(CONFIG)

    def broken(*args: object) -> None:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(cm, "build_messages", broken)
    event = load_event("custom_message_sign_up")
    expected = copy.deepcopy(event)
    with caplog.at_level(logging.ERROR):
        assert invoke(event) == expected
    assert caplog.records[0].exc_info is not None


def test_no_code_or_message_is_logged(
    set_config: Any, load_event: Any, caplog: Any, log_text: Any
) -> None:
    set_config(CONFIG)
    event = load_event("custom_message_sign_up")
    event["request"]["codeParameter"] = "#" * 200  # forces the one warning this trigger logs
    with caplog.at_level(logging.DEBUG):
        invoke(event)
    assert caplog.records
    text = log_text(caplog.records)
    assert "###" not in text
    assert "ann@example.com" not in text


# --- fit ----------------------------------------------------------------------------------


def render_two(values: list[str]) -> str:
    return f"[{values[0]}|{values[1]}] {{####}}"


def test_fit_returns_the_text_untouched_when_it_fits() -> None:
    assert cm.fit(render_two, ["ab", "cd"], 100) == "[ab|cd] {####}"


def test_fit_cuts_the_first_value_first() -> None:
    assert cm.fit(render_two, ["abcdef", "cd"], 16) == "[abcd|cd] {####}"


def test_fit_drops_the_first_value_then_cuts_the_second() -> None:
    assert cm.fit(render_two, ["abcdef", "cdefgh"], 13) == "[|cde] {####}"


def test_fit_gives_up_when_the_fixed_text_is_too_long() -> None:
    assert cm.fit(render_two, ["a", "b"], 5) is None
