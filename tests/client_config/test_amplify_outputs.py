"""amplify_outputs.json per public app client, judged by Amplify's own parser and types."""

from __future__ import annotations

from typing import Any

import pytest

from infra.client_config.amplify import ClientFile
from tests.client_config.conftest import CANARY, fake_outputs
from tests.conftest import EVERY_ENVIRONMENT, Synthesized

ENVIRONMENTS = [f"{kind}:{name}" for kind, name in EVERY_ENVIRONMENT]
AMPLIFY_PROVIDER_NAMES = {"google": "Google", "facebook": "Facebook", "apple": "Apple"}


def public_clients(env: Synthesized) -> list[str]:
    return [c for c, client in env.config.app_clients.items() if client.kind == "public"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_public_client_and_only_those_get_a_file(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]], environment: str
) -> None:
    env, files = generated[environment]
    assert [f.client_id for f in files] == public_clients(env)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_amplify_accepts_every_file_without_a_warning(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    amplify_parsed: dict[str, dict[str, Any]],
    environment: str,
) -> None:
    _, files = generated[environment]
    for f in files:
        result = amplify_parsed[f"{environment}/{f.client_id}"]
        assert "error" not in result, result
        assert result["warnings"] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_file_fits_amplifys_published_outputs_types(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    type_errors: dict[str, str],
    environment: str,
) -> None:
    _, files = generated[environment]
    for f in files:
        assert f"{environment}/{f.client_id}" not in type_errors, type_errors


def test_the_type_check_refuses_a_file_amplify_does_not_know(type_errors: dict[str, str]) -> None:
    assert "'\"bogus\"' does not exist in type" in type_errors[CANARY]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_amplify_reads_the_deployed_ids_and_the_configured_settings(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    amplify_parsed: dict[str, dict[str, Any]],
    environment: str,
) -> None:
    env, files = generated[environment]
    outputs = fake_outputs(env)
    pool = env.config.user_pool
    for f in files:
        client = env.config.app_clients[f.client_id]
        cognito = amplify_parsed[f"{environment}/{f.client_id}"]["cognito"]
        assert cognito["userPoolId"] == outputs["UserPoolId"]
        assert cognito["userPoolClientId"] == outputs[f"{f.client_id}ClientId"]
        if "IdentityPoolId" in outputs:
            assert cognito["identityPoolId"] == outputs["IdentityPoolId"]
            # Amplify leaves allowGuestAccess out when guests are not allowed.
            allowed = cognito.get("allowGuestAccess", False)
            assert allowed is env.config.identity_pool.guest_access
        else:
            assert "identityPoolId" not in cognito
        oauth = cognito["loginWith"]["oauth"]
        assert oauth["domain"] == outputs["HostedDomainBaseUrl"].removeprefix("https://")
        assert oauth["scopes"] == list(client.effective_scopes)
        assert oauth["redirectSignIn"] == list(client.callback_urls)
        assert oauth["redirectSignOut"] == list(client.logout_urls)
        assert oauth["responseType"] == "code"
        assert cognito["loginWith"]["email"] is ("email" in pool.sign_in_identifiers)
        assert cognito["loginWith"]["phone"] is ("phone" in pool.sign_in_identifiers)
        assert (
            cognito["mfa"]["status"]
            == {"off": "off", "optional": "optional", "required": "on"}[pool.mfa.mode]
        )
        assert cognito["mfa"]["totpEnabled"] is (pool.mfa.totp and pool.mfa.mode != "off")
        assert cognito["passwordFormat"] == {
            "minLength": pool.password_policy.min_length,
            "requireLowercase": pool.password_policy.require_lowercase,
            "requireUppercase": pool.password_policy.require_uppercase,
            "requireNumbers": pool.password_policy.require_digits,
            "requireSpecialCharacters": pool.password_policy.require_symbols,
        }


def test_social_providers_by_amplifys_names_and_enterprise_ones_by_their_own(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    amplify_parsed: dict[str, dict[str, Any]],
) -> None:
    _, files = generated["kit:showcase"]
    [web] = [f for f in files if f.client_id == "WebApp"]
    assert web.outputs["auth"]["oauth"]["identity_providers"] == [
        "GOOGLE",
        "FACEBOOK",
        "SIGN_IN_WITH_APPLE",
    ]
    assert web.outputs["custom"]["cognito_kit"]["custom_providers"] == [
        "CorporateSSO",
        "PartnerLogin",
    ]
    parsed = amplify_parsed["kit:showcase/WebApp"]["cognito"]["loginWith"]["oauth"]
    assert parsed["providers"] == ["Google", "Facebook", "Apple"]


def test_groups_are_listed_with_their_precedence(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
) -> None:
    _, files = generated["kit:strict"]
    assert files[0].outputs["auth"]["groups"] == [
        {"admins": {"precedence": 0}},
        {"members": {"precedence": 10}},
    ]


def test_a_native_client_carries_its_app_redirects(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    amplify_parsed: dict[str, dict[str, Any]],
) -> None:
    env, _ = generated["kit:minimal"]
    assert env.config.app_clients["Mobile"].native
    oauth = amplify_parsed["kit:minimal/Mobile"]["cognito"]["loginWith"]["oauth"]
    assert "com.example.minimal:/callback" in oauth["redirectSignIn"]
    assert "com.example.minimal:/signout" in oauth["redirectSignOut"]
