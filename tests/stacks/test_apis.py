"""APIs from config: every route behind this pool's authorizer with its scopes, logged, throttled.

The showcase fixture has both kinds (orders/read on GET, orders/write on POST); the other kit
fixtures have no `apis:` section, so they cover "no API". The control that no route or method is
reachable without authorization holds in every environment (`any_env`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constructs.apis import REST_STAGE
from tests.conftest import Assembly, Synthesized

HTTP_API = "AWS::ApiGatewayV2::Api"
HTTP_ROUTE = "AWS::ApiGatewayV2::Route"
HTTP_AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
HTTP_STAGE = "AWS::ApiGatewayV2::Stage"
REST_API = "AWS::ApiGateway::RestApi"
REST_METHOD = "AWS::ApiGateway::Method"
REST_RESOURCE = "AWS::ApiGateway::Resource"
REST_AUTHORIZER = "AWS::ApiGateway::Authorizer"
REST_STAGE_TYPE = "AWS::ApiGateway::Stage"
API_TYPES = (HTTP_API, HTTP_ROUTE, HTTP_AUTHORIZER, HTTP_STAGE, REST_API, REST_METHOD)


def pool_id(env: Synthesized) -> str:
    return next(iter(env.resources("AWS::Cognito::UserPool")))


def client_ids(env: Synthesized) -> dict[str, str]:
    """App client config id -> logical id."""
    by_name = {
        c["Properties"]["ClientName"]: logical_id
        for logical_id, c in env.resources("AWS::Cognito::UserPoolClient").items()
    }
    return {
        client_id: by_name[client.display_name or client_id]
        for client_id, client in env.config.app_clients.items()
    }


def api_by_name(env: Synthesized, resource_type: str, api_id: str) -> str:
    [logical_id] = [
        logical_id
        for logical_id, api in env.resources(resource_type).items()
        if api["Properties"]["Name"] == f"{env.config.name}-{api_id}"
    ]
    return logical_id


def rest_methods(env: Synthesized, api: str) -> dict[str, dict[str, Any]]:
    """`METHOD /path` -> method properties, the path rebuilt from the resource tree."""
    resources = env.resources(REST_RESOURCE)

    def path_of(resource_id: Any) -> str:
        if isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id:
            return ""  # the API's root resource
        parent = resources[resource_id["Ref"]]["Properties"]
        return f"{path_of(parent['ParentId'])}/{parent['PathPart']}"

    return {
        f"{m['Properties']['HttpMethod']} {path_of(m['Properties']['ResourceId']) or '/'}": m[
            "Properties"
        ]
        for m in env.resources(REST_METHOD).values()
        if m["Properties"]["RestApiId"] == {"Ref": api}
    }


def log_group_of(env: Synthesized, destination: Any) -> dict[str, Any]:
    [logical_id, attribute] = destination["Fn::GetAtt"]
    assert attribute == "Arn"
    log_group: dict[str, Any] = env.resources("AWS::Logs::LogGroup")[logical_id]
    return log_group


@pytest.fixture
def showcase(assembly: Assembly) -> Synthesized:
    return assembly.environments["showcase"]


# --- every route has an authorizer ------------------------------------------------------------


def test_no_route_or_method_without_authorization(any_env: Synthesized) -> None:
    routes = any_env.resources(HTTP_ROUTE).values()
    methods = any_env.resources(REST_METHOD).values()
    for route in routes:
        properties = route["Properties"]
        assert properties["AuthorizationType"] == "JWT", properties["RouteKey"]
        assert "AuthorizerId" in properties, properties["RouteKey"]
        assert properties["AuthorizationScopes"], properties["RouteKey"]
    for method in methods:
        properties = method["Properties"]
        assert properties["AuthorizationType"] == "COGNITO_USER_POOLS"
        assert "AuthorizerId" in properties
        assert properties["AuthorizationScopes"]
    # Nothing else answers: the routes and methods are exactly the configured ones.
    apis = any_env.config.apis
    assert len(routes) == sum(len(api.routes) for api in apis.http.values())
    assert len(methods) == sum(len(api.routes) for api in apis.rest.values())


def test_environments_without_apis_have_no_api_resources(env: Synthesized) -> None:
    apis = env.config.apis
    if apis.http or apis.rest:
        pytest.skip("this environment has APIs")
    for resource_type in API_TYPES:
        assert env.resources(resource_type) == {}, resource_type
    assert not [o for o in env.template_json["Outputs"] if o.endswith("ApiUrl")]


def test_http_routes_use_the_pool_jwt_authorizer_with_their_scopes(showcase: Synthesized) -> None:
    clients = client_ids(showcase)
    assert showcase.config.apis.http, "the showcase has an HTTP API"
    for api_id, config in showcase.config.apis.http.items():
        api = api_by_name(showcase, HTTP_API, api_id)
        [(authorizer_id, authorizer)] = [
            (logical_id, a["Properties"])
            for logical_id, a in showcase.resources(HTTP_AUTHORIZER).items()
            if a["Properties"]["ApiId"] == {"Ref": api}
        ]
        assert authorizer["AuthorizerType"] == "JWT"
        assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
        assert authorizer["JwtConfiguration"] == {
            "Issuer": {"Fn::GetAtt": [pool_id(showcase), "ProviderURL"]},
            "Audience": [{"Ref": clients[c]} for c in config.clients],
        }
        routes = {
            r["Properties"]["RouteKey"]: r["Properties"]
            for r in showcase.resources(HTTP_ROUTE).values()
            if r["Properties"]["ApiId"] == {"Ref": api}
        }
        assert sorted(routes) == sorted(config.routes)
        for key, route in config.routes.items():
            assert routes[key]["AuthorizerId"] == {"Ref": authorizer_id}, key
            assert routes[key]["AuthorizationScopes"] == list(route.scopes), key


def test_showcase_reads_with_orders_read_and_writes_with_orders_write(
    showcase: Synthesized,
) -> None:
    http = {
        r["Properties"]["RouteKey"]: r["Properties"]["AuthorizationScopes"]
        for r in showcase.resources(HTTP_ROUTE).values()
    }
    assert http == {"GET /orders": ["orders/read"], "POST /orders": ["orders/write"]}
    rest = rest_methods(showcase, api_by_name(showcase, REST_API, "Orders"))
    assert {key: m["AuthorizationScopes"] for key, m in rest.items()} == {
        "GET /orders": ["orders/read"],
        "GET /orders/{orderId}": ["orders/read"],
        "POST /orders": ["orders/write"],
    }


def test_rest_methods_use_this_pool_with_their_scopes_and_validation(
    showcase: Synthesized,
) -> None:
    assert showcase.config.apis.rest, "the showcase has a REST API"
    for api_id, config in showcase.config.apis.rest.items():
        api = api_by_name(showcase, REST_API, api_id)
        [(authorizer_id, authorizer)] = [
            (logical_id, a["Properties"])
            for logical_id, a in showcase.resources(REST_AUTHORIZER).items()
            if a["Properties"]["RestApiId"] == {"Ref": api}
        ]
        assert authorizer["Type"] == "COGNITO_USER_POOLS"
        assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [pool_id(showcase), "Arn"]}]
        assert authorizer["IdentitySource"] == "method.request.header.Authorization"
        methods = rest_methods(showcase, api)
        assert sorted(methods) == sorted(config.routes)
        validators = showcase.resources("AWS::ApiGateway::RequestValidator")
        for key, route in config.routes.items():
            method = methods[key]
            assert method["AuthorizationType"] == "COGNITO_USER_POOLS", key
            assert method["AuthorizerId"] == {"Ref": authorizer_id}, key
            assert method["AuthorizationScopes"] == list(route.scopes), key
            validator = validators[method["RequestValidatorId"]["Ref"]]["Properties"]
            assert validator["ValidateRequestBody"] is True
            assert validator["ValidateRequestParameters"] is True
            assert method["Integration"]["Type"] == "AWS_PROXY"


def test_rest_api_is_regional_and_has_no_test_invoke_grant(showcase: Synthesized) -> None:
    api = api_by_name(showcase, REST_API, "Orders")
    assert showcase.resources(REST_API)[api]["Properties"]["EndpointConfiguration"] == {
        "Types": ["REGIONAL"]
    }
    grants = [
        p["Properties"]["SourceArn"]
        for p in showcase.resources("AWS::Lambda::Permission").values()
        if {"Ref": api} in p["Properties"].get("SourceArn", {}).get("Fn::Join", ["", []])[1]
    ]
    # One grant for the deployed stage; a test-invoke grant would name no stage.
    assert len(grants) == 1
    assert grants[0]["Fn::Join"][1][-1] == f"/{REST_STAGE}/*/*"


# --- logging and throttling -------------------------------------------------------------------


def assert_access_log(env: Synthesized, settings: dict[str, Any], kind: str) -> None:
    log_group = log_group_of(env, settings["DestinationArn"])
    assert log_group["Properties"]["RetentionInDays"] == env.config.apis.log_retention_days
    assert log_group["DeletionPolicy"] == "Retain"
    fields = json.loads(settings["Format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["sub"] == "$context.authorizer.claims.sub"
    assert ("routeKey" in fields) is (kind == "http")
    # Never a token, a header or a body.
    assert not any(
        word in value.lower()
        for value in fields.values()
        for word in ("header", "authorization", "$input", "body")
    )


def test_every_http_stage_logs_and_throttles(any_env: Synthesized) -> None:
    stages = any_env.resources(HTTP_STAGE)
    assert len(stages) == len(any_env.config.apis.http)
    throttling = {
        api_by_name(any_env, HTTP_API, api_id): api.throttling
        for api_id, api in any_env.config.apis.http.items()
    }
    for stage in stages.values():
        properties = stage["Properties"]
        assert properties["StageName"] == "$default"
        assert properties["AutoDeploy"] is True
        assert_access_log(any_env, properties["AccessLogSettings"], "http")
        expected = throttling[properties["ApiId"]["Ref"]]
        assert properties["DefaultRouteSettings"] == {
            "ThrottlingRateLimit": expected.rate_limit,
            "ThrottlingBurstLimit": expected.burst_limit,
        }


def test_every_rest_stage_logs_errors_traces_and_throttles(any_env: Synthesized) -> None:
    stages = any_env.resources(REST_STAGE_TYPE)
    assert len(stages) == len(any_env.config.apis.rest)
    throttling = {
        api_by_name(any_env, REST_API, api_id): api.throttling
        for api_id, api in any_env.config.apis.rest.items()
    }
    log_groups = any_env.resources("AWS::Logs::LogGroup")
    for logical_id, stage in stages.items():
        properties = stage["Properties"]
        api = properties["RestApiId"]["Ref"]
        assert properties["StageName"] == REST_STAGE
        assert properties["TracingEnabled"] is True
        assert_access_log(any_env, properties["AccessLogSetting"], "rest")
        assert properties["MethodSettings"] == [
            {
                "HttpMethod": "*",
                "ResourcePath": "/*",
                "LoggingLevel": "ERROR",
                "DataTraceEnabled": False,
                "ThrottlingRateLimit": throttling[api].rate_limit,
                "ThrottlingBurstLimit": throttling[api].burst_limit,
            }
        ]
        # API Gateway's own execution log group, owned here so that it has a retention.
        [execution_logs] = [
            g_id
            for g_id, g in log_groups.items()
            if g["Properties"].get("LogGroupName")
            == {"Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api}, f"/{REST_STAGE}"]]}
        ]
        assert (
            log_groups[execution_logs]["Properties"]["RetentionInDays"]
            == any_env.config.apis.log_retention_days
        )
        assert execution_logs in stage["DependsOn"], logical_id


def test_the_account_logging_role_only_where_the_file_asks_for_it(any_env: Synthesized) -> None:
    accounts = any_env.resources("AWS::ApiGateway::Account")
    if any_env.config.apis.rest_logging_role != "create":
        assert accounts == {}
        return
    [(account_id, account)] = accounts.items()
    assert account["DeletionPolicy"] == "Retain"
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = any_env.resources("AWS::IAM::Role")[role_id]
    assert role["DeletionPolicy"] == "Retain"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
        }
    ]
    # A REST stage created before the account setting fails to deploy.
    for stage in any_env.resources(REST_STAGE_TYPE).values():
        assert account_id in stage["DependsOn"]


# --- the example backend ----------------------------------------------------------------------


def backend(env: Synthesized) -> tuple[str, dict[str, Any]] | None:
    found = [
        (logical_id, f["Properties"])
        for logical_id, f in env.resources("AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == "api_whoami.handler"
    ]
    assert len(found) <= 1
    return found[0] if found else None


def test_example_backend_only_where_an_api_uses_it(env: Synthesized) -> None:
    assert (backend(env) is not None) is env.config.apis.uses_example_backend


def test_example_backend_is_small_logged_and_reaches_only_its_log_group(
    showcase: Synthesized,
) -> None:
    found = backend(showcase)
    assert found is not None
    logical_id, properties = found
    assert properties["Runtime"] == "python3.14"
    assert properties["Architectures"] == ["arm64"]
    assert properties["Timeout"] <= 5
    assert "Environment" not in properties
    log_group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]
    assert properties["LoggingConfig"]["LogFormat"] == "JSON"
    log_group = showcase.resources("AWS::Logs::LogGroup")[log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == showcase.config.apis.log_retention_days
    role_id = properties["Role"]["Fn::GetAtt"][0]
    role = showcase.resources("AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    statements = [
        s
        for p in showcase.resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        }
    ]
    # Only API Gateway, and only from this environment's APIs, may invoke it.
    apis = set(showcase.resources(HTTP_API)) | set(showcase.resources(REST_API))
    grants = [
        p["Properties"]
        for p in showcase.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert grants
    for grant in grants:
        assert grant["Principal"] == "apigateway.amazonaws.com"
        named = [part["Ref"] for part in grant["SourceArn"]["Fn::Join"][1] if "Ref" in part]
        assert set(named) & apis, grant["SourceArn"]


# --- outputs and acknowledgments --------------------------------------------------------------


def test_every_api_url_is_an_output(any_env: Synthesized) -> None:
    outputs = any_env.template_json["Outputs"]
    apis = any_env.config.apis
    expected = {f"{a}HttpApiUrl" for a in apis.http} | {f"{a}RestApiUrl" for a in apis.rest}
    assert {o for o in outputs if o.endswith("ApiUrl")} == expected
    for api_id in apis.rest:
        url = outputs[f"{api_id}RestApiUrl"]["Value"]["Fn::Join"][1]
        assert url[0] == "https://"
        assert url[-1] == "/"


EXPECTED_ACKNOWLEDGMENTS = {
    "Rest/Orders/Api/DeploymentStage.v1/Resource": {
        "AwsSolutions-APIG3",
        "NIST.800.53.R5-APIGWAssociatedWithWAF",
        "PCI.DSS.321-APIGWAssociatedWithWAF",
        "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
        "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
        "PCI.DSS.321-APIGWCacheEnabledAndEncrypted",
        "NIST.800.53.R5-APIGWSSLEnabled",
        "HIPAA.Security-APIGWSSLEnabled",
        "PCI.DSS.321-APIGWSSLEnabled",
    },
    "LoggingRole/Resource": {
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]"
    },
    "ExampleBackend/Function/Resource": {
        "Serverless-LambdaDLQ",
        "NIST.800.53.R5-LambdaDLQ",
        "HIPAA.Security-LambdaDLQ",
        "NIST.800.53.R5-LambdaInsideVPC",
        "HIPAA.Security-LambdaInsideVPC",
        "PCI.DSS.321-LambdaInsideVPC",
        "NIST.800.53.R5-LambdaConcurrency",
        "HIPAA.Security-LambdaConcurrency",
        "Serverless-LambdaTracing",
    },
    **{
        f"{log_group}/Resource": {
            "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
            "HIPAA.Security-CloudWatchLogGroupEncrypted",
            "PCI.DSS.321-CloudWatchLogGroupEncrypted",
        }
        for log_group in (
            "ExampleBackend/Logs",
            "Http/Orders/AccessLogs",
            "Rest/Orders/AccessLogs",
            "Rest/Orders/ExecutionLogs",
        )
    },
}


def test_each_api_acknowledgment_is_expected_and_names_the_environment(
    assembly: Assembly,
) -> None:
    prefix = "showcase/Cognito/Apis/"
    found: dict[str, set[str]] = {}
    for plugin in assembly.validation_report()["pluginReports"]:
        for violation in plugin.get("suppressedViolations", []):
            for construct in violation["violatingConstructs"]:
                path = construct["constructPath"]
                if path.startswith(prefix):
                    found.setdefault(path.removeprefix(prefix), set()).add(violation["ruleName"])
                    assert violation["reason"].startswith("showcase: the "), violation["reason"]
    assert found == EXPECTED_ACKNOWLEDGMENTS


def test_rest_stage_reasons_say_why(assembly: Assembly) -> None:
    reasons = {
        violation["ruleName"]: violation["reason"]
        for plugin in assembly.validation_report()["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        if violation["violatingConstructs"][0]["constructPath"].endswith(
            "DeploymentStage.v1/Resource"
        )
    }
    assert "web ACL" in reasons["AwsSolutions-APIG3"]
    assert "one caller's answer to another" in reasons["PCI.DSS.321-APIGWCacheEnabledAndEncrypted"]
    assert "Lambda proxy" in reasons["HIPAA.Security-APIGWSSLEnabled"]


def test_checkov_skips_on_api_resources_carry_their_reasons(showcase: Synthesized) -> None:
    [stage] = showcase.resources(REST_STAGE_TYPE).values()
    assert [s["id"] for s in stage["Metadata"]["checkov"]["skip"]] == ["CKV_AWS_120"]
    found = backend(showcase)
    assert found is not None
    function = showcase.resources("AWS::Lambda::Function")[found[0]]
    skips = {s["id"]: s["comment"] for s in function["Metadata"]["checkov"]["skip"]}
    assert set(skips) == {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"}
    assert all(c.startswith("showcase: the example API backend: ") for c in skips.values())
