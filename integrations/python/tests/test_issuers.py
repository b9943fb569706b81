"""Accepting exactly the issuers a deployment implies (`issuers=`, the `AcceptedIssuers` stack
output, `COGNITO_ISSUERS`): a pool on the updated issuer form, a replica in another Region on
the original form, and both forms during a switch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cognito_tokens import CognitoTokenVerifier, WrongIssuer, accepted_issuers
from tokenkit import (
    CLIENT_ID,
    GLOBAL_ISSUER,
    ISSUER,
    POOL_ID,
    Keys,
    access_claims,
    header,
    mint,
)

REPLICA_ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"


def verifier(jwks: dict[str, Any], **options: Any) -> CognitoTokenVerifier:
    return CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=jwks, **options
    )


def token(keys: Keys, issuer: str) -> str:
    return mint(header(), access_claims(iss=issuer), keys.signing)


def test_the_updated_issuer_is_accepted_when_configured(keys: Keys, jwks: dict[str, Any]) -> None:
    updated = verifier(jwks, issuers=[GLOBAL_ISSUER])

    assert updated.verify(token(keys, GLOBAL_ISSUER))["iss"] == GLOBAL_ISSUER
    assert updated.issuers == (GLOBAL_ISSUER,)


def test_the_updated_issuer_is_refused_when_not_configured(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    original = verifier(jwks, issuers=ISSUER)

    with pytest.raises(WrongIssuer, match=f"the token's issuer is not {ISSUER}$"):
        original.verify(token(keys, GLOBAL_ISSUER))
    assert original.verify(token(keys, ISSUER))


def test_once_switched_the_original_form_is_refused(keys: Keys, jwks: dict[str, Any]) -> None:
    with pytest.raises(WrongIssuer):
        verifier(jwks, issuers=GLOBAL_ISSUER).verify(token(keys, ISSUER))


def test_during_a_switch_both_forms_are_accepted(keys: Keys, jwks: dict[str, Any]) -> None:
    both = verifier(jwks, issuers=[ISSUER, GLOBAL_ISSUER])

    assert both.verify(token(keys, ISSUER))
    assert both.verify(token(keys, GLOBAL_ISSUER))


def test_a_replica_s_region_is_accepted_only_when_listed(keys: Keys, jwks: dict[str, Any]) -> None:
    with pytest.raises(WrongIssuer, match="is not"):
        verifier(jwks).verify(token(keys, REPLICA_ISSUER))
    regions = verifier(jwks, issuers=[ISSUER, REPLICA_ISSUER])
    assert regions.verify(token(keys, REPLICA_ISSUER))["iss"] == REPLICA_ISSUER
    with pytest.raises(WrongIssuer, match=f"is not {ISSUER}, {REPLICA_ISSUER}$"):
        regions.verify(token(keys, GLOBAL_ISSUER))


def test_each_issuer_has_its_own_jwks_uri() -> None:
    assert accepted_issuers(POOL_ID, [GLOBAL_ISSUER, REPLICA_ISSUER]) == {
        GLOBAL_ISSUER: f"{GLOBAL_ISSUER}/.well-known/jwks.json",
        REPLICA_ISSUER: f"{REPLICA_ISSUER}/.well-known/jwks.json",
    }


@pytest.mark.parametrize(
    "issuer",
    [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
        f"http://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}",
        f"https://evil.example.com/{POOL_ID}",
        f"https://cognito-idp.us-east-1.amazonaws.com.evil.example/{POOL_ID}",
        "",
    ],
)
def test_an_issuer_of_another_pool_or_host_is_refused_at_construction(
    jwks: dict[str, Any], issuer: str
) -> None:
    with pytest.raises(ValueError, match="issuers"):
        verifier(jwks, issuers=[issuer])


def test_from_outputs_accepts_the_stack_s_accepted_issuers(
    tmp_path: Path, keys: Keys, jwks: dict[str, Any]
) -> None:
    path = tmp_path / "prod.json"
    path.write_text(
        json.dumps(
            {
                "cognito-kit-prod": {
                    "UserPoolId": POOL_ID,
                    "OrdersWorkerClientId": CLIENT_ID,
                    "AcceptedIssuers": f"{ISSUER},{GLOBAL_ISSUER}",
                },
                # The replica's stacks have no UserPoolId output: the pool's stack is found.
                "cognito-kit-prod-replica": {"ReplicaRegion": "eu-west-1"},
            }
        )
    )

    from_file = CognitoTokenVerifier.from_outputs(
        path, client="OrdersWorker", token_use="access", jwks=jwks
    )

    assert from_file.issuers == (ISSUER, GLOBAL_ISSUER)
    assert from_file.verify(token(keys, GLOBAL_ISSUER))


def test_from_environment_reads_cognito_issuers(keys: Keys, jwks: dict[str, Any]) -> None:
    environ = {
        "COGNITO_USER_POOL_ID": POOL_ID,
        "COGNITO_CLIENT_ID": CLIENT_ID,
        "COGNITO_ISSUERS": f" {GLOBAL_ISSUER} ",
    }

    from_env = CognitoTokenVerifier.from_environment(token_use="access", environ=environ, jwks=jwks)

    assert from_env.issuers == (GLOBAL_ISSUER,)
    with pytest.raises(WrongIssuer):
        from_env.verify(token(keys, ISSUER))
