"""`from_outputs` (the `cdk deploy --outputs-file` JSON) and `from_environment`."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from cognito_tokens import CognitoTokenVerifier, WrongClient
from tokenkit import (
    CLIENT_ID,
    JWKS_URI,
    OTHER_CLIENT_ID,
    POOL_ID,
    Keys,
    access_claims,
    header,
    mint,
)

STACK = "cognito-kit-dev"


def outputs_file(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    return path


def deployed(**extra: str) -> dict[str, dict[str, str]]:
    # The shape `make deploy` writes: {stack name: {output key: value}}.
    return {
        STACK: {
            "UserPoolId": POOL_ID,
            "UserPoolArn": f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}",
            "WebAppClientId": OTHER_CLIENT_ID,
            "OrdersWorkerClientId": CLIENT_ID,
            **extra,
        }
    }


def test_from_outputs_reads_the_pool_and_the_named_client(
    tmp_path: Path, keys: Keys, jwks: dict[str, Any]
) -> None:
    path = outputs_file(tmp_path, deployed())

    verifier = CognitoTokenVerifier.from_outputs(
        path, client="OrdersWorker", token_use="access", jwks=jwks
    )

    assert verifier.user_pool_id == POOL_ID
    assert verifier.client_ids == (CLIENT_ID,)
    assert verifier.jwks_uri == JWKS_URI
    assert verifier.verify(mint(header(), access_claims(), keys.signing))["sub"]
    with pytest.raises(WrongClient):
        verifier.verify(mint(header(), access_claims(client_id=OTHER_CLIENT_ID), keys.signing))


def test_from_outputs_takes_several_clients_or_none(tmp_path: Path) -> None:
    path = outputs_file(tmp_path, deployed())

    several = CognitoTokenVerifier.from_outputs(
        path, client=["WebApp", "OrdersWorker"], token_use="id"
    )
    anyone = CognitoTokenVerifier.from_outputs(path, client=None, token_use="access")

    assert several.client_ids == (OTHER_CLIENT_ID, CLIENT_ID)
    assert several.token_use == "id"
    assert anyone.client_ids is None


def test_an_unknown_client_name_lists_the_clients_there_are(tmp_path: Path) -> None:
    path = outputs_file(tmp_path, deployed())

    with pytest.raises(
        ValueError, match=r"no app client Orders; its app clients are OrdersWorker, WebApp"
    ):
        CognitoTokenVerifier.from_outputs(path, client="Orders", token_use="access")


def test_the_stack_is_found_or_must_be_named(tmp_path: Path) -> None:
    two = {**deployed(), "cognito-kit-staging": {"UserPoolId": "eu-west-1_Other"}, "x": {}}
    path = outputs_file(tmp_path, two)

    with pytest.raises(ValueError, match="pass stack=<name>: 2 stacks"):
        CognitoTokenVerifier.from_outputs(path, client="WebApp", token_use="access")
    named = CognitoTokenVerifier.from_outputs(
        path, client=None, stack="cognito-kit-staging", token_use="access"
    )
    assert named.user_pool_id == "eu-west-1_Other"
    with pytest.raises(ValueError, match="no outputs of stack prod"):
        CognitoTokenVerifier.from_outputs(path, client=None, stack="prod", token_use="access")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist: `make deploy ENV=<env>` writes it"),
        ("{not json", "is not a readable JSON outputs file"),
        ("[1, 2]", "is not a stack outputs file"),
        ('{"s": {"JwksUrl": "x"}}', "0 stacks have a UserPoolId output"),
    ],
)
def test_a_bad_outputs_file_says_what_is_wrong(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "dev.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ValueError, match=message):
        CognitoTokenVerifier.from_outputs(path, client=None, token_use="access")


def test_from_environment_reads_pool_clients_and_a_jwks_file(
    tmp_path: Path, keys: Keys, jwks: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks))
    environ = {
        "COGNITO_USER_POOL_ID": POOL_ID,
        "COGNITO_CLIENT_ID": f"{CLIENT_ID}, {OTHER_CLIENT_ID}",
        "COGNITO_JWKS_FILE": str(jwks_file),
    }

    with caplog.at_level(logging.WARNING, logger="cognito_tokens"):
        verifier = CognitoTokenVerifier.from_environment(token_use="access", environ=environ)

    assert verifier.client_ids == (CLIENT_ID, OTHER_CLIENT_ID)
    assert verifier.jwks_cache.offline
    assert verifier.verify(mint(header(), access_claims(), keys.signing))["sub"]
    assert f"verifying tokens with the keys in {jwks_file}, not {JWKS_URI}" in caplog.text


def test_from_environment_without_a_jwks_file_fetches_and_says_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {"COGNITO_USER_POOL_ID": POOL_ID, "COGNITO_CLIENT_ID": CLIENT_ID}

    with caplog.at_level(logging.DEBUG, logger="cognito_tokens"):
        verifier = CognitoTokenVerifier.from_environment(token_use="access", environ=environ)

    assert not verifier.jwks_cache.offline
    assert caplog.records == []


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"COGNITO_CLIENT_ID": CLIENT_ID}, "set COGNITO_USER_POOL_ID: the user pool id"),
        ({"COGNITO_USER_POOL_ID": POOL_ID, "COGNITO_CLIENT_ID": " "}, "set COGNITO_CLIENT_ID"),
        (
            {
                "COGNITO_USER_POOL_ID": POOL_ID,
                "COGNITO_CLIENT_ID": "x",
                "COGNITO_JWKS_FILE": "/no/such",
            },
            "COGNITO_JWKS_FILE: cannot read a JWKS from /no/such",
        ),
    ],
)
def test_from_environment_names_the_missing_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CognitoTokenVerifier.from_environment(token_use="access", environ=environ)
