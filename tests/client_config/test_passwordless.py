"""`auth.passwordless` in amplify_outputs.json: what Amplify's USER_AUTH sign-in may ask for,
read back through Amplify's own parser (`Auth.Cognito.passwordless`)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from infra.client_config.amplify import ClientFile, amplify_outputs, required_outputs
from infra.config import load_environment
from tests.client_config.conftest import AMPLIFY_CHECK, NODE, ROOT, fake_outputs, fake_values
from tests.conftest import Synthesized
from tests.infra.test_config_errors import kit_file, write_env
from tests.infra.test_sign_in_config import every_factor

Generated = dict[str, tuple[Synthesized, list[ClientFile]]]


@pytest.fixture(scope="module")
def every_factor_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """WebApp's file for the showcase fixture with every first factor, asking for email codes
    first; and the hosted domain of its outputs."""
    data = every_factor(kit_file("showcase"))
    data["app_clients"]["WebApp"]["preferred_challenge"] = "email_otp"
    folder = tmp_path_factory.mktemp("every-factor")
    write_env(folder, "dev", data)
    config = load_environment("dev", directory=folder)
    outputs = fake_values(config, required_outputs(config))
    files, _ = amplify_outputs(config, outputs)
    [web] = [f.outputs for f in files if f.client_id == "WebApp"]
    return web, outputs["HostedDomainBaseUrl"].removeprefix("https://")


def amplify_reads(outputs: dict[str, Any]) -> dict[str, Any]:
    """Amplify.getConfig().Auth.Cognito after Amplify.configure(outputs) (amplify_check.mjs)."""
    completed = subprocess.run(
        [str(NODE), str(AMPLIFY_CHECK)],
        input=json.dumps([{"name": "file", "outputs": outputs}]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout)["file"]
    assert "error" not in result, result
    assert result["warnings"] == []
    return result


def test_every_factor_and_the_preferred_challenge_reach_amplify(
    every_factor_file: tuple[dict[str, Any], str],
) -> None:
    web, hosted = every_factor_file
    assert web["auth"]["passwordless"] == {
        "email_otp_enabled": True,
        "sms_otp_enabled": True,
        # No relying party in the file: the pool binds passkeys to its hosted domain.
        "web_authn": {"relying_party_id": hosted, "user_verification": "required"},
        "preferred_challenge": "EMAIL_OTP",
    }
    parsed = amplify_reads(web)["cognito"]["passwordless"]
    assert parsed == {
        "emailOtpEnabled": True,
        "smsOtpEnabled": True,
        "webAuthn": {"relyingPartyId": hosted, "userVerification": "required"},
        "preferredChallenge": "EMAIL_OTP",
    }


def test_passkeys_alone_carry_no_preferred_challenge_unless_the_client_names_one(
    generated: Generated, amplify_parsed: dict[str, dict[str, Any]]
) -> None:
    env, files = generated["kit:showcase"]
    [web] = [f for f in files if f.client_id == "WebApp"]
    hosted = fake_outputs(env)["HostedDomainBaseUrl"].removeprefix("https://")
    assert web.outputs["auth"]["passwordless"] == {
        "email_otp_enabled": False,
        "sms_otp_enabled": False,
        "web_authn": {"relying_party_id": hosted, "user_verification": "required"},
    }
    parsed = amplify_parsed["kit:showcase/WebApp"]["cognito"]["passwordless"]
    assert parsed["webAuthn"] == {"relyingPartyId": hosted, "userVerification": "required"}
    assert "preferredChallenge" not in parsed


def test_a_block_only_for_clients_that_offer_a_passwordless_factor(
    generated: Generated, amplify_parsed: dict[str, dict[str, Any]]
) -> None:
    for environment, (env, files) in generated.items():
        sign_in = env.config.user_pool.sign_in
        for f in files:
            client = env.config.app_clients[f.client_id]
            offered = client.choice_based_sign_in and bool(sign_in.passwordless)
            label = f"{environment}/{f.client_id}"
            assert ("passwordless" in f.outputs["auth"]) is offered, label
            assert ("passwordless" in amplify_parsed[label]["cognito"]) is offered, label
            if offered and sign_in.passkey.relying_party_id is not None:
                web_authn = f.outputs["auth"]["passwordless"]["web_authn"]
                assert web_authn["relying_party_id"] == sign_in.passkey.relying_party_id


def test_no_block_for_a_client_without_choice_based_sign_in(generated: Generated) -> None:
    # GIVEN the showcase fixture's passkey pool, its web app no longer offering them
    env, _ = generated["kit:showcase"]
    web = env.config.app_clients["WebApp"].model_copy(update={"choice_based_sign_in": False})
    closed = env.config.model_copy(
        update={"app_clients": {**env.config.app_clients, "WebApp": web}}
    )
    # WHEN its files are written
    files, _ = amplify_outputs(closed, fake_outputs(env))
    # THEN Amplify is not told about factors the client would refuse (no ALLOW_USER_AUTH)
    [file] = [f for f in files if f.client_id == "WebApp"]
    assert "passwordless" not in file.outputs["auth"]
