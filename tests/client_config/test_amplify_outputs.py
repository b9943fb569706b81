"""amplify_outputs.json per public app client, judged by Amplify's own parser and types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.client_config.__main__ import main
from infra.client_config.amplify import ClientFile, amplify_outputs
from infra.client_config.outputs import OutputsError, read_deployed_outputs
from tests.client_config.conftest import CANARY, fake_outputs, outputs_file
from tests.conftest import EVERY_ENVIRONMENT, KIT_ENVIRONMENTS_DIR, Assembly, Synthesized

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


# --- errors: one clear message, nothing written ----------------------------------------------


def write_outputs(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(data))
    return path


def run(
    tmp_path: Path, env: str, outputs: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    out = tmp_path / "client-config"
    code = main(
        [
            "--env",
            env,
            "--outputs",
            str(outputs),
            "--out",
            str(out),
            "--directory",
            str(KIT_ENVIRONMENTS_DIR),
        ]
    )
    return code, capsys.readouterr().err


def test_the_command_writes_one_file_per_public_client_and_says_why_others_get_none(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    showcase = assembly.environments["showcase"]
    code, err = run(tmp_path, "showcase", write_outputs(tmp_path, outputs_file(showcase)), capsys)
    assert code == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("amplify_outputs.json"))
    assert written == [Path("client-config/showcase/WebApp/amplify_outputs.json")]
    assert "no file for AdminPortal: confidential: it holds a client secret" in err
    assert "no file for OrdersWorker: machine" in err
    content = json.loads((tmp_path / written[0]).read_text())
    assert content["version"] == "1.4"
    assert "secret" not in json.dumps(content).lower()


def test_outputs_of_another_environment_are_refused(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relaxed = outputs_file(assembly.environments["relaxed"])
    code, err = run(tmp_path, "showcase", write_outputs(tmp_path, relaxed), capsys)
    assert code == 2
    assert "has no outputs of stack cognito-kit-showcase (environment showcase)" in err
    assert "cognito-kit-relaxed: is it another environment's file?" in err
    assert not list(tmp_path.rglob("amplify_outputs.json"))


@pytest.mark.parametrize(
    "missing", ["UserPoolId", "HostedDomainBaseUrl", "WebAppClientId", "IdentityPoolId"]
)
def test_a_missing_output_is_refused_and_nothing_is_written(
    assembly: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    data = outputs_file(assembly.environments["showcase"])
    del data["cognito-kit-showcase"][missing]
    code, err = run(tmp_path, "showcase", write_outputs(tmp_path, data), capsys)
    assert code == 2
    assert f"the outputs of stack cognito-kit-showcase lack {missing}" in err
    assert not list(tmp_path.rglob("amplify_outputs.json"))


def test_a_pool_from_another_region_is_refused(assembly: Assembly) -> None:
    strict = assembly.environments["strict"]
    outputs = fake_outputs(strict)
    outputs["UserPoolId"] = "us-east-1_AbCdEf000"
    with pytest.raises(OutputsError, match="pool in us-east-1, but strict pins region eu-west-1"):
        amplify_outputs(strict.config, outputs)


def test_a_value_that_is_no_id_is_refused(assembly: Assembly) -> None:
    showcase = assembly.environments["showcase"]
    outputs = fake_outputs(showcase)
    outputs["WebAppClientId"] = "not an id!"
    with pytest.raises(OutputsError, match="is not a app client id"):
        amplify_outputs(showcase.config, outputs)


def test_an_unreadable_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(tmp_path, "showcase", tmp_path / "nope.json", capsys)
    assert (code, err.splitlines()[0]) == (
        2,
        f"client-config: {tmp_path / 'nope.json'} does not exist: run `make deploy ENV=showcase` "
        "first, or pass OUTPUTS=<file>",
    )


def test_outputs_are_read_from_the_deployed_stack_without_a_file(assembly: Assembly) -> None:
    import boto3
    from botocore.stub import Stubber

    strict = assembly.environments["strict"]
    values = fake_outputs(strict)
    client = boto3.client(
        "cloudformation",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    regions: list[str | None] = []

    def factory(region: str | None) -> Any:
        regions.append(region)
        return client

    with Stubber(client) as stub:
        stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": "cognito-kit-strict",
                        "CreationTime": "2026-11-29T00:00:00Z",
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in values.items()],
                    }
                ]
            },
            {"StackName": "cognito-kit-strict"},
        )
        stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id cognito-kit-relaxed does not exist",
        )
        assert read_deployed_outputs(strict.config, client_factory=factory) == values
        with pytest.raises(OutputsError, match="cognito-kit-relaxed: Stack with id"):
            read_deployed_outputs(assembly.environments["relaxed"].config, client_factory=factory)
    assert regions == ["eu-west-1", "eu-west-1"]
