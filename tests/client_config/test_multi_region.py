"""A pool with a replica: every app client's file names the Regions where the pool answers and
the user pool endpoint of each, and Amplify takes a replica's endpoint as `userPoolEndpoint`."""

from __future__ import annotations

from typing import Any

from infra.client_config.amplify import ClientFile
from tests.client_config.conftest import multi_region_files

LABEL = "multi-region:multiregion/WebApp"


def web_app() -> ClientFile:
    [file] = [f for f in multi_region_files() if f.client_id == "WebApp"]
    return file


def test_the_file_names_each_region_and_its_user_pool_endpoint() -> None:
    regions = web_app().outputs["custom"]["cognito_kit"]["regions"]

    assert regions == {
        "primary": "eu-west-1",
        "replicas": ["eu-central-1"],
        "user_pool_endpoints": {
            "eu-west-1": "https://cognito-idp.eu-west-1.amazonaws.com",
            "eu-central-1": "https://cognito-idp.eu-central-1.amazonaws.com",
        },
    }


def test_the_pool_and_client_ids_are_the_primary_s(every_file: dict[str, dict[str, Any]]) -> None:
    # Cognito shares the pool id and replicates the app clients: one file serves both Regions.
    auth = every_file[LABEL]["auth"]
    assert auth["aws_region"] == "eu-west-1"
    assert auth["user_pool_id"].startswith("eu-west-1_")


def test_amplify_takes_the_replica_s_endpoint(amplify_parsed: dict[str, dict[str, Any]]) -> None:
    result = amplify_parsed[LABEL]

    assert "error" not in result, result
    assert result["warnings"] == []
    assert result["cognito"].get("userPoolEndpoint") is None
    failover = result["failover"]["eu-central-1"]
    assert failover["userPoolEndpoint"] == "https://cognito-idp.eu-central-1.amazonaws.com"
    assert failover["userPoolId"] == result["cognito"]["userPoolId"]
    assert failover["userPoolClientId"] == result["cognito"]["userPoolClientId"]
    # What Amplify says whenever an app sets an endpoint of its own.
    [warning] = result["failoverWarnings"]
    assert "You are using a custom Amazon Amazon Cognito User Pool endpoint" in warning


def test_the_file_fits_amplifys_published_types(type_errors: dict[str, str]) -> None:
    assert LABEL not in type_errors, type_errors


def test_a_single_region_pool_s_file_names_no_regions(
    every_file: dict[str, dict[str, Any]],
) -> None:
    assert all(
        "regions" not in outputs["custom"]["cognito_kit"]
        for label, outputs in every_file.items()
        if not label.startswith("multi-region:")
    )
