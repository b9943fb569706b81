"""Passwordless sign-in is safe by construction: every combination Cognito refuses at deploy
time, or that would break or weaken sign-in, is refused with the key and what to choose
instead; a client or factor nobody can use is a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import config_warnings
from infra.config import load_environment
from infra.config.references import reference_warnings
from tests.infra.test_config_errors import kit_file, problems_of, write_env

Data = dict[str, Any]


def strict(**sign_in: Any) -> Data:
    """The production-tier fixture (plus, MFA required, SES, custom domain auth.example.com)."""
    data = kit_file("strict")
    data["user_pool"]["sign_in"] = sign_in
    return data


def passkeys_as_mfa() -> Data:
    return strict(
        first_factors=["password", "passkey"],
        passkey={"counts_as_mfa": True, "user_verification": "required"},
    )


def showcase() -> Data:
    """The development-tier fixture with every first factor on: email and SMS codes beside its
    passkeys (counted as MFA, on the hosted domain); WebApp offers them."""
    return every_factor(kit_file("showcase"))


SPEND_GUARD = "the account's SNS monthly SMS spend limit is 10 USD (kit test)"


def every_factor(data: Data) -> Data:
    """`data` (the showcase fixture) with email and SMS codes added to its first factors."""
    pool = data["user_pool"]
    pool["standard_attributes"]["phone_number"] = {}
    pool["sign_in"]["first_factors"] = ["password", "email_otp", "sms_otp", "passkey"]
    pool["sign_in"]["sms_spend_guard"] = SPEND_GUARD
    return data


def problems(tmp_path: Path, data: Data, name: str = "env") -> list[str]:
    write_env(tmp_path, name, data)
    return problems_of(tmp_path, name)


def one_problem(tmp_path: Path, data: Data, key: str) -> str:
    """The only problem of the file, which must be at `key`."""
    [problem] = problems(tmp_path, data)
    _, path, message = problem.split(": ", 2)
    assert path == key, problem
    return message


# --- accepted ---------------------------------------------------------------------------------


def test_passkeys_counted_as_mfa_are_a_first_factor_where_mfa_is_required(tmp_path: Path) -> None:
    write_env(tmp_path, "env", passkeys_as_mfa())
    sign_in = load_environment("env", directory=tmp_path).user_pool.sign_in
    assert sign_in.first_factors == ("password", "passkey")
    assert sign_in.passkey.counts_as_mfa


def test_defaults_stay_password_only(tmp_path: Path) -> None:
    data = kit_file("strict")
    write_env(tmp_path, "env", data)
    config = load_environment("env", directory=tmp_path)
    assert config.user_pool.sign_in.first_factors == ("password",)
    assert config.user_pool.device_tracking.mode == "off"
    assert config.user_pool.messages.verification_email_style == "code"
    assert not any(c.choice_based_sign_in for c in config.app_clients.values())


# --- the pool's own settings -------------------------------------------------------------------


def test_lite_plan_offers_only_passwords(tmp_path: Path) -> None:
    data = showcase()
    data["user_pool"]["feature_plan"] = "lite"
    message = one_problem(tmp_path, data, "user_pool.sign_in.first_factors")
    assert "email_otp, sms_otp, passkey as first factors need " in message
    assert "feature_plan essentials or plus" in message


@pytest.mark.parametrize("code", ["email_otp", "sms_otp"])
def test_codes_with_required_mfa_are_refused_with_the_alternatives(
    tmp_path: Path, code: str
) -> None:
    data = strict(first_factors=["password", code], sms_spend_guard="SNS spend limit 10 USD")
    data["user_pool"]["standard_attributes"]["phone_number"] = {}
    if code == "email_otp":
        del data["user_pool"]["sign_in"]["sms_spend_guard"]
    message = one_problem(tmp_path, data, "user_pool.sign_in.first_factors")
    assert f"{code} with mfa.mode `required` is refused by Cognito" in message
    assert "choose passkey with sign_in.passkey.counts_as_mfa: true" in message
    assert "mfa.mode `optional` with relaxed_reason" in message


def test_a_single_factor_passkey_with_required_mfa_is_refused(tmp_path: Path) -> None:
    message = one_problem(
        tmp_path,
        strict(first_factors=["password", "passkey"]),
        "user_pool.sign_in.passkey.counts_as_mfa",
    )
    assert "false with mfa.mode `required`" in message
    assert "set counts_as_mfa: true" in message


def test_a_passkey_counts_as_mfa_only_with_user_verification(tmp_path: Path) -> None:
    data = passkeys_as_mfa()
    data["user_pool"]["sign_in"]["passkey"]["user_verification"] = "preferred"
    message = one_problem(tmp_path, data, "user_pool.sign_in.passkey.user_verification")
    assert "`preferred` with counts_as_mfa" in message
    assert "set user_verification: required" in message


def test_passkeys_as_mfa_need_mfa(tmp_path: Path) -> None:
    data = showcase()
    data["user_pool"]["sign_in"]["passkey"] = {"counts_as_mfa": True}
    data["user_pool"]["mfa"] = {"mode": "off", "relaxed_reason": "fixture signs in without MFA"}
    message = one_problem(tmp_path, data, "user_pool.sign_in.passkey.counts_as_mfa")
    assert "sign_in.passkey.counts_as_mfa has no effect while mfa.mode is `off`" in message


def test_email_codes_need_an_email_attribute(tmp_path: Path) -> None:
    data = kit_file("minimal")
    data["user_pool"]["feature_plan"] = "essentials"
    data["user_pool"]["threat_protection"] = {"mode": "off", "relaxed_reason": "fixture pool"}
    data["user_pool"]["sign_in"] = {"first_factors": ["password", "email_otp"]}
    message = one_problem(tmp_path, data, "user_pool.sign_in.first_factors")
    assert "email_otp needs standard_attributes.email" in message


def test_email_codes_in_production_tier_go_through_ses(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["user_pool"]["sign_in"] = {"first_factors": ["password", "email_otp"]}
    data["user_pool"]["email"] = {"sender": "cognito"}
    message = one_problem(tmp_path, data, "user_pool.email.sender")
    assert "must send email through SES (sender: ses)" in message
    assert "50 a day" in message


def test_sms_codes_need_a_phone_attribute_and_a_spend_guard(tmp_path: Path) -> None:
    data = showcase()
    del data["user_pool"]["standard_attributes"]["phone_number"]
    del data["user_pool"]["sign_in"]["sms_spend_guard"]
    found = problems(tmp_path, data)
    assert all(": user_pool.sign_in.first_factors: " in p for p in found)
    message = " ".join(found)
    assert len(found) == 2
    assert "sms_otp needs standard_attributes.phone_number" in message
    assert "sms_otp needs sign_in.sms_spend_guard" in message
    assert "premium numbers" in message


@pytest.mark.parametrize(
    ("sign_in", "expected"),
    [
        ({"first_factors": ["email_otp"]}, "must include password"),
        ({"first_factors": ["password", "passkey", "passkey"]}, "lists a factor twice"),
        ({"passkey": {"user_verification": "preferred"}}, "passkey settings need `passkey`"),
        ({"sms_spend_guard": "SNS limit"}, "sms_spend_guard only applies with `sms_otp`"),
    ],
)
def test_the_sign_in_section_itself(tmp_path: Path, sign_in: Data, expected: str) -> None:
    [problem] = problems(tmp_path, strict(**sign_in))
    assert ": user_pool.sign_in" in problem
    assert expected in problem


@pytest.mark.parametrize(
    ("relying_party", "expected"),
    [
        ("Auth.Example.com", "allowed: a lowercase domain name"),
        ("localhost", "localhost only in development-tier environments"),
        ("a" * 60 + ".example.com", "CloudFormation allows 63"),
    ],
)
def test_a_relying_party_that_cannot_be_one(
    tmp_path: Path, relying_party: str, expected: str
) -> None:
    data = passkeys_as_mfa()
    data["user_pool"]["sign_in"]["passkey"]["relying_party_id"] = relying_party
    [problem] = problems(tmp_path, data)
    assert ": user_pool.sign_in.passkey.relying_party_id: " in problem
    assert expected in problem


def test_remembered_devices_need_a_reason_in_production_tier(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["device_tracking"] = {"mode": "always"}
    [problem] = problems(tmp_path, data)
    assert ": user_pool.device_tracking: " in problem
    assert "signs in without the MFA code" in problem
    data["user_pool"]["device_tracking"]["reason"] = "shop-floor tablets sign in every shift"
    write_env(tmp_path, "env", data)
    pool = load_environment("env", directory=tmp_path).user_pool
    assert pool.device_tracking.mode == "always"


def test_email_verification_by_link_needs_the_link_placeholder(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["messages"] = {
        "verification_email_style": "link",
        "verification_email_body": "Your code is {####}.",
    }
    [problem] = problems(tmp_path, data)
    assert ": user_pool.messages.verification_email_body: " in problem
    assert "link placeholder {##link text##}" in problem


# --- across sections ---------------------------------------------------------------------------


def test_choice_based_sign_in_needs_essentials(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["mfa"]["email"] = False
    data["user_pool"].update(
        feature_plan="lite",
        threat_protection={"mode": "off", "relaxed_reason": "fixture on the lite plan"},
        password_policy={"min_length": 15},
    )
    data["triggers"]["pre_token_generation"]["enabled"] = False
    data["app_clients"]["WebApp"]["choice_based_sign_in"] = True
    message = one_problem(tmp_path, data, "app_clients.WebApp.choice_based_sign_in")
    assert "needs user_pool.feature_plan essentials or plus" in message


def test_a_preferred_challenge_the_pool_does_not_offer(tmp_path: Path) -> None:
    data = passkeys_as_mfa()
    data["app_clients"]["WebApp"].update(choice_based_sign_in=True, preferred_challenge="sms_otp")
    message = one_problem(tmp_path, data, "app_clients.WebApp.preferred_challenge")
    assert "'sms_otp' is not among user_pool.sign_in.first_factors" in message


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ({"preferred_challenge": "passkey"}, "preferred_challenge needs choice_based_sign_in"),
        (
            {"kind": "machine", "choice_based_sign_in": True, "callback_urls": []},
            "a machine client signs no user in",
        ),
    ],
)
def test_a_client_that_cannot_offer_it(tmp_path: Path, client: Data, expected: str) -> None:
    data = passkeys_as_mfa()
    data["app_clients"]["OrdersWorker"].update(client)
    [problem] = problems(tmp_path, data)
    assert expected in problem


def test_passkeys_need_managed_login(tmp_path: Path) -> None:
    data = showcase()
    data["domain"]["managed_login_version"] = "classic"
    message = one_problem(tmp_path, data, "domain.managed_login_version")
    assert "the classic hosted UI cannot register or use passkeys" in message
    assert "choose `managed_login`" in message


def test_a_relying_party_off_every_sign_in_domain(tmp_path: Path) -> None:
    data = passkeys_as_mfa()
    data["user_pool"]["sign_in"]["passkey"]["relying_party_id"] = "other.example.org"
    data["app_clients"]["WebApp"]["choice_based_sign_in"] = True
    message = one_problem(tmp_path, data, "user_pool.sign_in.passkey.relying_party_id")
    assert "neither the hosted domain nor a parent of the app origins" in message
    assert "['app.example.com'] of the app clients with choice_based_sign_in" in message
    assert "allowed: ['auth.example.com', 'app.example.com', 'example.com']" in message


def test_a_relying_party_that_is_a_public_suffix(tmp_path: Path) -> None:
    data = passkeys_as_mfa()
    data["user_pool"]["sign_in"]["passkey"]["relying_party_id"] = "co.uk"
    message = one_problem(tmp_path, data, "user_pool.sign_in.passkey.relying_party_id")
    assert "'co.uk' is a public suffix" in message


@pytest.mark.parametrize("relying_party", ["auth.example.com", "example.com", "app.example.com"])
def test_the_hosted_domain_or_a_parent_of_the_app_origins(
    tmp_path: Path, relying_party: str
) -> None:
    data = passkeys_as_mfa()
    data["user_pool"]["sign_in"]["passkey"]["relying_party_id"] = relying_party
    data["app_clients"]["WebApp"]["choice_based_sign_in"] = True
    write_env(tmp_path, "env", data)
    passkey = load_environment("env", directory=tmp_path).user_pool.sign_in.passkey
    assert passkey.relying_party_id == relying_party


def test_a_default_relying_party_longer_than_cloudformation_allows(tmp_path: Path) -> None:
    data = showcase()
    data["domain"]["prefix"] = "acme-showcase-{account}"  # 64 characters in ap-southeast-1
    message = one_problem(tmp_path, data, "user_pool.sign_in.passkey.relying_party_id")
    assert "64 characters, and CloudFormation allows 63" in message
    assert "in the longest region names" in message
    data["region"] = "eu-west-1"
    write_env(tmp_path, "env", data)
    assert load_environment("env", directory=tmp_path).region == "eu-west-1"


def test_a_passkey_first_client_outside_the_relying_party(tmp_path: Path) -> None:
    data = passkeys_as_mfa()  # relying party: the hosted domain auth.example.com
    data["app_clients"]["WebApp"].update(choice_based_sign_in=True, preferred_challenge="passkey")
    message = one_problem(tmp_path, data, "app_clients.WebApp.preferred_challenge")
    assert "does not cover the app's origins ['app.example.com']" in message
    assert "one of ['app.example.com', 'example.com']" in message


def test_verification_links_and_the_custom_message_trigger(tmp_path: Path) -> None:
    data = showcase()
    data["user_pool"]["messages"] = {"verification_email_style": "link"}
    message = one_problem(tmp_path, data, "user_pool.messages.verification_email_style")
    assert "the trigger writes verification mail with a code" in message
    data["triggers"]["custom_message"]["enabled"] = False
    write_env(tmp_path, "env", data)
    messages = load_environment("env", directory=tmp_path).user_pool.messages
    assert messages.verification_email_body == "Verify your email address: {##Verify email##}"


# --- warnings ----------------------------------------------------------------------------------


def test_choice_based_sign_in_without_a_passwordless_factor_is_a_warning(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["app_clients"]["WebApp"]["choice_based_sign_in"] = True
    write_env(tmp_path, "env", data)
    config = load_environment("env", directory=tmp_path)
    [(key, message)] = reference_warnings(config.sections())
    assert key == "app_clients.WebApp.choice_based_sign_in"
    assert "add email_otp, sms_otp or passkey to first_factors, or set it false" in message


def test_a_factor_no_client_offers_is_a_warning_printed_at_synth(tmp_path: Path) -> None:
    write_env(tmp_path, "env", passkeys_as_mfa())
    config = load_environment("env", directory=tmp_path)
    [line] = config_warnings(config, tmp_path)
    assert line.startswith(f"Configuration warning: {tmp_path / 'env.yaml'}: ")
    assert "user_pool.sign_in.first_factors: ['passkey'] are on, but no app client" in line
    assert "app_clients.<id>.choice_based_sign_in: true" in line
