"""The API endpoints from `apis:` in each client's amplify_outputs.json, where Amplify's REST API
category reads them (`custom.API`, merged as Amplify documents), judged by Amplify's own code:
its configuration holds each endpoint, and its REST client sends each route's request to the
deployed URL with the user's access token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.client_config.__main__ import main
from infra.client_config.amplify import ClientFile, amplify_outputs
from infra.client_config.outputs import OutputsError
from tests.client_config.conftest import (
    TOKEN,
    VARIANTS,
    Variant,
    example_path,
    fake_outputs,
)
from tests.conftest import Assembly, Synthesized

BOTH = ["OrdersHttpApi", "OrdersRestApi"]
# Which APIs each client's file names: an HTTP API only for the clients it lists, a REST API for
# any client; both only when some route's scope can be in the client's access tokens.
EXPECTED_APIS = {
    "variant:http-only/WebApp": ["OrdersHttpApi"],
    "variant:rest-only/WebApp": ["OrdersRestApi"],
    # apis.http.Orders.clients lists only OrdersWorker: its authorizer refuses WebApp's tokens.
    "variant:unlisted/WebApp": ["OrdersRestApi"],
    # WebApp asks for no orders/* scope and no group adds one: every route refuses its tokens.
    "variant:no-api-scope/WebApp": [],
    # WebApp asks for no orders/* scope, but Admins' tokens carry orders/write (group_scopes).
    "variant:group-scope-only/WebApp": BOTH,
    "variant:two-public/WebApp": BOTH,
    # Mobile has orders/read but is not an HTTP API client.
    "variant:two-public/Mobile": ["OrdersRestApi"],
    "variant:broad-route/WebApp": BOTH,
    "variant:no-apis/WebApp": [],
}


def _files(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]], variants: dict[str, Variant]
) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """(deploy outputs, file) of every generated file, by `<environment>/<client>`."""
    files = {
        f"{environment}/{f.client_id}": (fake_outputs(env), f.outputs)
        for environment, (env, client_files) in generated.items()
        for f in client_files
    }
    files.update(
        (f"variant:{name}/{f.client_id}", (variant.outputs, f.outputs))
        for name, variant in variants.items()
        for f in variant.files
    )
    return files


def test_every_variant_of_the_expectations_exists(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]], variants: dict[str, Variant]
) -> None:
    labels = set(_files(generated, variants))
    assert set(EXPECTED_APIS) <= labels
    assert {label.split("/")[0].removeprefix("variant:") for label in EXPECTED_APIS} == set(
        VARIANTS
    )


def test_each_client_gets_the_apis_whose_authorizer_accepts_its_tokens(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]], variants: dict[str, Variant]
) -> None:
    # The kit's fixtures and the variants; the team's files are theirs to change.
    files = {
        label: file
        for label, (_, file) in _files(generated, variants).items()
        if not label.startswith("team:")
    }
    expected: dict[str, list[str]] = {label: [] for label in files}
    expected |= {"kit:showcase/WebApp": BOTH} | EXPECTED_APIS
    assert {label: sorted(file["custom"]["API"]) for label, file in files.items()} == expected


def test_the_endpoint_is_the_deployed_url_where_amplifys_rest_category_reads_it(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
) -> None:
    env, files = generated["kit:showcase"]
    outputs = fake_outputs(env)
    [web] = [f for f in files if f.client_id == "WebApp"]
    assert web.outputs["custom"]["API"] == {
        "OrdersHttpApi": {
            "endpoint": outputs["OrdersHttpApiUrl"],
            "region": "eu-west-1",
            "apiName": "OrdersHttpApi",
        },
        "OrdersRestApi": {
            "endpoint": outputs["OrdersRestApiUrl"],
            "region": "eu-west-1",
            "apiName": "OrdersRestApi",
        },
    }


def test_the_file_lists_each_routes_scopes_for_the_developer(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
) -> None:
    _, files = generated["kit:showcase"]
    [web] = [f for f in files if f.client_id == "WebApp"]
    assert web.outputs["custom"]["cognito_kit"]["apis"] == {
        "OrdersHttpApi": {
            "type": "http",
            "routes": {"GET /orders": ["orders/read"], "POST /orders": ["orders/write"]},
        },
        "OrdersRestApi": {
            "type": "rest",
            "routes": {
                "GET /orders": ["orders/read"],
                "GET /orders/{orderId}": ["orders/read"],
                "POST /orders": ["orders/write"],
            },
        },
    }


def test_amplifys_documented_rest_merge_holds_every_endpoint(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    variants: dict[str, Variant],
    amplify_parsed: dict[str, dict[str, Any]],
) -> None:
    for label, (outputs, file) in _files(generated, variants).items():
        result = amplify_parsed[label]
        assert "error" not in result, (label, result)
        assert result["warnings"] == [], label
        expected = {
            name: {"endpoint": outputs[f"{name}Url"], "region": api["region"], "apiName": name}
            for name, api in file["custom"]["API"].items()
        }
        assert result["rest"] == expected, label


def test_amplifys_rest_client_calls_each_route_at_the_deployed_url_with_the_access_token(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    variants: dict[str, Variant],
    amplify_parsed: dict[str, dict[str, Any]],
) -> None:
    called = 0
    for label, (outputs, file) in _files(generated, variants).items():
        expected = [
            {
                "url": outputs[f"{name}Url"] + example_path(route)[1],
                "method": example_path(route)[0],
                "authorization": TOKEN,
            }
            for name, api in file["custom"]["cognito_kit"]["apis"].items()
            for route in api["routes"]
        ]
        assert amplify_parsed[label]["requests"] == expected, label
        called += len(expected)
    assert called > 0


def test_a_request_lands_on_the_route_as_api_gateway_names_it(
    generated: dict[str, tuple[Synthesized, list[ClientFile]]],
    variants: dict[str, Variant],
    amplify_parsed: dict[str, dict[str, Any]],
) -> None:
    """No doubled slash: the endpoint ends in `/`, the app's path starts without one."""
    requests = amplify_parsed["kit:showcase/WebApp"]["requests"]
    assert [(r["method"], r["url"].split(".amazonaws.com")[1]) for r in requests] == [
        ("GET", "/orders"),
        ("POST", "/orders"),
        ("GET", "/v1/orders"),
        ("GET", "/v1/orders/123"),
        ("POST", "/v1/orders"),
    ]
    broad = amplify_parsed["variant:broad-route/WebApp"]["requests"]
    assert broad[-1]["url"].endswith("/v1/files/a/b")


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_fits_amplifys_published_outputs_types(
    variants: dict[str, Variant], type_errors: dict[str, str], variant: str
) -> None:
    for f in variants[variant].files:
        assert f"variant:{variant}/{f.client_id}" not in type_errors, type_errors


def test_an_http_api_that_lists_a_client_without_its_scopes_says_so(
    variants: dict[str, Variant], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = (
        "WebApp's file has no OrdersHttpApi: apis.http.Orders.clients lists WebApp, but none "
        "of its tokens carries a route's scope (orders/read, orders/write); add one to "
        "app_clients.WebApp.scopes"
    )
    variant = variants["no-api-scope"]
    assert variant.files[0].notes == (note,)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"cognito-kit-no-api-scope": variant.outputs}))
    argv = ["--env", "no-api-scope", "--outputs", str(outputs), "--out", str(tmp_path)]
    assert main([*argv, "--directory", str(variant.directory)]) == 0
    assert f"client-config: {note}" in capsys.readouterr().err.splitlines()
    assert variants["unlisted"].files[0].notes == ()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://orders.example.com/",
            "OrdersRestApiUrl = 'https://orders.example.com/' is not an API Gateway stage URL",
        ),
        (
            "http://abcdefghij.execute-api.eu-west-1.amazonaws.com/v1/",
            "is not an API Gateway stage URL",
        ),
        ("https://abcdefghij.execute-api.eu-west-1.amazonaws.com/v1", "is not an API Gateway"),
        (
            "https://abcdefghij.execute-api.us-east-1.amazonaws.com/v1/",
            "OrdersRestApiUrl is in us-east-1, but the user pool in eu-west-1: is the outputs "
            "file from another environment?",
        ),
    ],
    ids=["other-host", "http", "no-trailing-slash", "other-region"],
)
def test_an_api_url_that_is_not_this_stacks_is_refused(
    assembly: Assembly, url: str, message: str
) -> None:
    showcase = assembly.environments["showcase"]
    outputs = fake_outputs(showcase) | {"OrdersRestApiUrl": url}
    with pytest.raises(OutputsError) as raised:
        amplify_outputs(showcase.config, outputs)
    assert message in str(raised.value)
