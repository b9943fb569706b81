"""`apis:` config refusals: every route needs scopes that exist, clients that exist, a valid
route key; plus the machine-client claims of the pre token generation trigger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from tests.infra.test_config_errors import kit_file, problems_of, write_env


def showcase() -> dict[str, Any]:
    return kit_file("showcase")


def http_routes(data: dict[str, Any]) -> dict[str, Any]:
    routes: dict[str, Any] = data["apis"]["http"]["Orders"]["routes"]
    return routes


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    write_env(tmp_path, "dev", data)
    return problems_of(tmp_path, "dev")


@pytest.mark.parametrize("route", [{}, {"scopes": []}])
def test_a_route_without_scopes_is_refused_by_name(tmp_path: Path, route: Any) -> None:
    data = showcase()
    http_routes(data)["DELETE /orders/{orderId}"] = route
    [problem] = problems(tmp_path, data)
    assert "apis.http.Orders.routes.DELETE /orders/{orderId}.scopes: " in problem
    assert "this route has no scopes: every route needs at least one resource-server scope" in (
        problem
    )
    assert "there is no unauthenticated route" in problem


def test_an_unknown_scope_lists_the_defined_ones(tmp_path: Path) -> None:
    data = showcase()
    data["apis"]["rest"]["Orders"]["routes"]["POST /orders"] = {"scopes": ["orders/delete"]}
    [problem] = problems(tmp_path, data)
    assert "apis.rest.Orders.routes.POST /orders.scopes: " in problem
    assert "['orders/delete'] are not resource-server scopes; allowed: ['orders/read'," in problem


@pytest.mark.parametrize("scope", ["openid", "aws.cognito.signin.user.admin", "orders/", "/read"])
def test_only_resource_server_scopes_authorize_a_route(tmp_path: Path, scope: str) -> None:
    data = showcase()
    http_routes(data)["GET /orders"] = {"scopes": [scope]}
    [problem] = problems(tmp_path, data)
    assert f"routes.GET /orders.scopes[0]: {scope!r}: {scope!r} is not a resource-server" in (
        problem
    )


def test_an_unknown_client_is_refused(tmp_path: Path) -> None:
    data = showcase()
    data["apis"]["http"]["Orders"]["clients"] = ["WebApp", "Mobile"]
    [problem] = problems(tmp_path, data)
    assert "apis.http.Orders.clients: ['Mobile'] are not app clients; allowed: [" in problem


def test_an_http_api_needs_clients(tmp_path: Path) -> None:
    data = showcase()
    data["apis"]["http"]["Orders"]["clients"] = []
    [problem] = problems(tmp_path, data)
    assert "apis.http.Orders.clients: " in problem
    assert "at least 1 item" in problem


@pytest.mark.parametrize(
    "key",
    [
        "get /orders",
        "GET orders",
        "GET  /orders",
        "GET /orders/",
        "OPTIONS /orders",
        "TRACE /orders",
        "GET /orders?x=1",
        "GET /{proxy+}/items",
        "GET /{1id}",
        "GET /orders/{id",
    ],
)
def test_a_bad_route_key_is_refused(tmp_path: Path, key: str) -> None:
    data = showcase()
    http_routes(data)[key] = {"scopes": ["orders/read"]}
    [problem] = problems(tmp_path, data)
    assert f"apis.http.Orders.routes.{key}: {key!r}: invalid key: {key!r} is not a route key" in (
        problem
    )
    assert "GET, POST, PUT, PATCH, DELETE, HEAD, ANY" in problem


def test_the_same_route_twice_is_refused(tmp_path: Path) -> None:
    data = showcase()
    http_routes(data)["GET /orders/{id}"] = {"scopes": ["orders/read"]}
    http_routes(data)["GET /orders/{orderId}"] = {"scopes": ["orders/read"]}
    [problem] = problems(tmp_path, data)
    assert problem.endswith(
        "apis.http.Orders.routes.GET /orders/{orderId}: is the same route as 'GET /orders/{id}'"
    )


def test_path_parameters_at_one_place_share_one_name(tmp_path: Path) -> None:
    data = showcase()
    routes = data["apis"]["rest"]["Orders"]["routes"]
    routes["DELETE /orders/{id}"] = {"scopes": ["orders/write"]}
    [problem] = problems(tmp_path, data)
    assert problem.endswith(
        "apis.rest.Orders.routes.DELETE /orders/{id}: names the path parameter after /orders "
        "{id}, another route {orderId}: use one name"
    )


def test_broad_routes_need_a_reason_and_only_they_may_have_one(tmp_path: Path) -> None:
    data = showcase()
    http_routes(data)["ANY /admin"] = {"scopes": ["orders/write"]}
    http_routes(data)["GET /files/{path+}"] = {"scopes": ["orders/read"]}
    http_routes(data)["GET /orders"]["broad_reason"] = "because"
    found = [p.split(": ", 1)[1] for p in problems(tmp_path, data)]
    broad = (
        "matches any method or any sub-path: add broad_reason saying why, or list the routes "
        "one by one"
    )
    assert found == [
        "apis.http.Orders.routes.GET /orders.broad_reason: 'because': the route is not broad: "
        "remove broad_reason",
        f"apis.http.Orders.routes.ANY /admin: {broad}",
        f"apis.http.Orders.routes.GET /files/{{path+}}: {broad}",
    ]


def test_a_broad_route_with_its_reason_loads(tmp_path: Path) -> None:
    data = showcase()
    http_routes(data)["ANY /legacy/{proxy+}"] = {
        "scopes": ["orders/write"],
        "broad_reason": "the legacy service routes internally and checks the scope itself",
    }
    write_env(tmp_path, "dev", data)
    config = load_environment("dev", directory=tmp_path)
    assert config.apis.http["Orders"].routes["ANY /legacy/{proxy+}"].scopes == ("orders/write",)


def test_a_route_with_an_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    data = showcase()
    http_routes(data)["GET /orders"] = {"scope": ["orders/read"]}
    found = "\n".join(problems(tmp_path, data))
    assert (
        "routes.GET /orders.scope: unknown key; did you mean 'scopes'? allowed keys here: "
        "broad_reason, scopes" in found
    )
    assert "routes.GET /orders.scopes: []: this route has no scopes" in found


def test_rest_apis_need_a_decision_about_the_logging_role(tmp_path: Path) -> None:
    data = showcase()
    del data["apis"]["rest_logging_role"]
    [problem] = problems(tmp_path, data)
    assert "apis.rest_logging_role: " in problem
    assert "set rest_logging_role to `existing`" in problem
    assert "or `create`" in problem


def test_the_logging_role_applies_only_to_rest_apis(tmp_path: Path) -> None:
    data = showcase()
    del data["apis"]["rest"]
    [problem] = problems(tmp_path, data)
    assert "apis.rest_logging_role: 'create': applies only when `rest` lists an API" in problem


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:lambda:eu-west-1:123456789012:table/orders",
        "arn:aws:lambda:eu-west-1:1234:function:orders",
        "orders-function",
    ],
)
def test_a_backend_must_be_a_lambda_function_arn(tmp_path: Path, arn: str) -> None:
    data = showcase()
    data["apis"]["http"]["Orders"]["backend"] = {"function_arn": arn}
    [problem] = problems(tmp_path, data)
    assert "apis.http.Orders.backend.function_arn: " in problem
    assert "allowed: a Lambda function ARN" in problem


def test_own_backends_replace_the_example_function(tmp_path: Path) -> None:
    data = showcase()
    for kind in ("http", "rest"):
        data["apis"][kind]["Orders"]["backend"] = {
            "function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"
        }
    write_env(tmp_path, "dev", data)
    assert load_environment("dev", directory=tmp_path).apis.uses_example_backend is False


def test_throttling_and_retention_are_bounded(tmp_path: Path) -> None:
    data = showcase()
    data["apis"]["log_retention_days"] = 10
    data["apis"]["http"]["Orders"]["throttling"] = {"rate_limit": 0, "burst_limit": 9000}
    found = "\n".join(problems(tmp_path, data))
    assert "apis.log_retention_days: 10: allowed: one of [1, 3, 5, 7, 14, 30" in found
    assert "apis.http.Orders.throttling.rate_limit: 0: " in found
    assert "apis.http.Orders.throttling.burst_limit: 9000: " in found


def test_api_ids_are_construct_ids(tmp_path: Path) -> None:
    data = showcase()
    data["apis"]["http"]["orders-api"] = data["apis"]["http"].pop("Orders")
    [problem] = problems(tmp_path, data)
    assert "apis.http.orders-api: 'orders-api': invalid key: has the wrong format" in problem


# --- machine clients of the pre token generation trigger --------------------------------------


def machine_clients(data: dict[str, Any]) -> dict[str, Any]:
    clients: dict[str, Any] = data["triggers"]["pre_token_generation"]["machine_clients"]
    return clients


def test_machine_claims_only_for_machine_clients_and_defined_scopes(tmp_path: Path) -> None:
    data = showcase()
    machine_clients(data)["WebApp"] = {"claims": {"service": "web"}}
    machine_clients(data)["OrdersWorker"]["scopes"] = ["orders/delete"]
    found = "\n".join(problems(tmp_path, data))
    assert (
        "triggers.pre_token_generation.machine_clients: ['WebApp'] are not machine app clients; "
        "allowed: ['OrdersWorker']"
    ) in found
    assert (
        "triggers.pre_token_generation.machine_clients.OrdersWorker.scopes: ['orders/delete'] are "
        "not resource-server scopes"
    ) in found


def test_a_machine_client_name_must_be_unique(tmp_path: Path) -> None:
    data = showcase()
    data["app_clients"]["WebApp"]["display_name"] = "OrdersWorker"
    found = "\n".join(problems(tmp_path, data))
    assert "machine_clients: 'OrdersWorker': its name 'OrdersWorker' is used by another" in found
    # The web app's group scopes are decided by its name too.
    assert "app_clients.WebApp.display_name: 'OrdersWorker' is the name of another" in found


def test_machine_claims_need_the_trigger(tmp_path: Path) -> None:
    data = showcase()
    data["triggers"]["pre_token_generation"]["enabled"] = False
    found = "\n".join(problems(tmp_path, data))
    assert "triggers.pre_token_generation: machine_clients needs enabled: true" in found


def test_machine_claims_are_not_also_suppressed(tmp_path: Path) -> None:
    data = showcase()
    data["triggers"]["pre_token_generation"]["suppress_claims"] = ["service"]
    [problem] = problems(tmp_path, data)
    assert "['service'] are both added to machine tokens and suppressed" in problem
