"""`auth.passwordless` in amplify_outputs.json: what Amplify's USER_AUTH sign-in may ask for,
read back through Amplify's own parser (`Auth.Cognito.passwordless`)."""

from __future__ import annotations

from typing import Any

from infra.client_config.amplify import ClientFile, amplify_outputs
from tests.client_config.conftest import fake_outputs
from tests.conftest import Synthesized

Generated = dict[str, tuple[Synthesized, list[ClientFile]]]


def _file(generated: Generated, environment: str, client_id: str) -> ClientFile:
    _, files = generated[environment]
    [found] = [f for f in files if f.client_id == client_id]
    return found


def test_a_choice_based_client_gets_every_factor_and_its_preferred_challenge(
    generated: Generated, amplify_parsed: dict[str, dict[str, Any]]
) -> None:
    env, _ = generated["kit:showcase"]
    outputs = fake_outputs(env)
    block = _file(generated, "kit:showcase", "WebApp").outputs["auth"]["passwordless"]
    hosted = outputs["HostedDomainBaseUrl"].removeprefix("https://")
    assert block == {
        "email_otp_enabled": True,
        "sms_otp_enabled": True,
        # No relying party in the file: the pool binds passkeys to its hosted domain.
        "web_authn": {"relying_party_id": hosted, "user_verification": "required"},
        "preferred_challenge": "EMAIL_OTP",
    }
    parsed = amplify_parsed["kit:showcase/WebApp"]["cognito"]["passwordless"]
    assert parsed == {
        "emailOtpEnabled": True,
        "smsOtpEnabled": True,
        "webAuthn": {"relyingPartyId": hosted, "userVerification": "required"},
        "preferredChallenge": "EMAIL_OTP",
    }


def test_the_showcase_example_prefers_passkeys_on_its_own_domain(
    generated: Generated, amplify_parsed: dict[str, dict[str, Any]]
) -> None:
    parsed = amplify_parsed["team:showcase/WebApp"]["cognito"]["passwordless"]
    assert parsed["webAuthn"] == {
        "relyingPartyId": "app.showcase.example.com",
        "userVerification": "required",
    }
    assert parsed["preferredChallenge"] == "WEB_AUTHN"
    assert parsed["emailOtpEnabled"] is True
    assert parsed["smsOtpEnabled"] is True


def test_the_prod_example_offers_passkeys_on_its_custom_domain(generated: Generated) -> None:
    block = _file(generated, "team:prod", "WebApp").outputs["auth"]["passwordless"]
    assert block == {
        "email_otp_enabled": False,
        "sms_otp_enabled": False,
        "web_authn": {"relying_party_id": "auth.example.com", "user_verification": "required"},
    }


def test_no_block_without_choice_based_sign_in_or_without_a_passwordless_factor(
    generated: Generated, amplify_parsed: dict[str, dict[str, Any]]
) -> None:
    for environment in ("kit:strict", "team:dev", "team:staging"):
        _, files = generated[environment]
        for f in files:
            assert "passwordless" not in f.outputs["auth"], environment
            assert "passwordless" not in amplify_parsed[f"{environment}/{f.client_id}"]["cognito"]
    env, _ = generated["kit:showcase"]
    web = env.config.app_clients["WebApp"]
    closed = env.config.model_copy(
        update={
            "app_clients": {
                **env.config.app_clients,
                "WebApp": web.model_copy(
                    update={"choice_based_sign_in": False, "preferred_challenge": None}
                ),
            }
        }
    )
    files, _ = amplify_outputs(closed, fake_outputs(env))
    [file] = [f for f in files if f.client_id == "WebApp"]
    assert "passwordless" not in file.outputs["auth"]
