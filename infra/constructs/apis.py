"""APIs protected by the pool's access tokens: HTTP APIs with a JWT authorizer and REST APIs with
a Cognito user pools authorizer, each route or method with its required scopes.

Every route has an authorizer: the config refuses a route without scopes, and this module has
no code path that adds one without. Each API logs every request to its own log group (JSON, no
token, no body) and throttles at its stage. The example backend (`lambda_triggers/api_whoami.py`)
answers with the caller's sub, client and scopes; an API can name its own function instead.

REST APIs log through the account's API Gateway CloudWatch role (one per account and region):
without it a REST stage with logging fails to deploy. The app sets
`@aws-cdk/aws-apigateway:disableCloudWatchRole`, so the CDK never creates it silently;
`apis.rest_logging_role` says whether it exists or this stack creates it.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from infra.config.apis import ApisConfig, BackendConfig, HttpApiConfig, RestApiConfig
from infra.constructs.triggers import (
    ASSET_EXCLUDES,
    LAMBDA_TRIGGERS_DIR,
    RUNTIME,
    log_writing_policy,
)
from infra.nag import (
    Pack,
    acknowledge,
    acknowledge_control,
    acknowledge_log_group_encryption,
    acknowledge_synchronous_function,
    skip_checkov,
)

REST_STAGE = "v1"
BACKEND_MODULE = "api_whoami"
BACKEND_MEMORY_MB = 128
BACKEND_TIMEOUT_SECONDS = 3
_COMMON_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    # Who called, from the verified token; never the token itself.
    "sub": "$context.authorizer.claims.sub",
    "clientId": "$context.authorizer.claims.client_id",
}
HTTP_ACCESS_LOG = {
    **_COMMON_LOG_FIELDS,
    "routeKey": "$context.routeKey",
    "authorizerError": "$context.authorizer.error",
    "integrationError": "$context.integrationErrorMessage",
}
REST_ACCESS_LOG = {
    **_COMMON_LOG_FIELDS,
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
}


class Apis(Construct):
    """The configured HTTP and REST APIs of one environment.

    Attributes:
        http_apis: the HTTP APIs by config id.
        http_stages: their `$default` stages (URL, throttling, access logs) by config id.
        rest_apis: the REST APIs by config id.
        backend: the kit's example function, when an API uses it.
        logging_account: the account-level API Gateway logging setting, when this stack sets it.
        parts: every construct of one API (API, stage, authorizer, log group) by its config
            key below `apis` (`http.<id>`, `rest.<id>`).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: ApisConfig,
        environment: str,
        user_pool: cognito.UserPool,
        clients: dict[str, cognito.UserPoolClient],
        issuer: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        # The `iss` HTTP APIs accept: the pool's ProviderURL unless multi_region names another
        # form (API Gateway's JWT authorizer takes exactly one issuer).
        self.issuer = issuer or user_pool.user_pool_provider_url
        self.backend = (
            _example_backend(self, config.log_retention_days, environment)
            if config.uses_example_backend
            else None
        )
        self.http_apis: dict[str, apigwv2.HttpApi] = {}
        self.http_stages: dict[str, apigwv2.HttpStage] = {}
        self.rest_apis: dict[str, apigw.RestApi] = {}
        self.logging_account: apigw.CfnAccount | None = None
        self.parts: dict[str, Construct] = {}
        if config.rest and config.rest_logging_role == "create":
            self.logging_account = _logging_account(self, environment)
        http = Construct(self, "Http")
        for api_id, http_config in config.http.items():
            self.parts[f"http.{api_id}"] = Construct(http, api_id)
            api, stage = self._http_api(
                self.parts[f"http.{api_id}"],
                api_id,
                http_config,
                environment,
                config.log_retention_days,
                user_pool,
                [clients[c] for c in http_config.clients],
            )
            self.http_apis[api_id], self.http_stages[api_id] = api, stage
        rest = Construct(self, "Rest")
        for api_id, rest_config in config.rest.items():
            self.parts[f"rest.{api_id}"] = Construct(rest, api_id)
            self.rest_apis[api_id] = self._rest_api(
                self.parts[f"rest.{api_id}"],
                api_id,
                rest_config,
                environment,
                config.log_retention_days,
                user_pool,
            )
        _acknowledge_invoke_permissions(self, environment)

    def _handler(self, scope: Construct, backend: BackendConfig) -> lambda_.IFunction:
        if backend.function_arn is None:
            assert self.backend is not None  # created whenever an API uses it
            return self.backend
        # same_environment: the integration then grants API Gateway invoke on the function.
        return lambda_.Function.from_function_attributes(
            scope, "Backend", function_arn=backend.function_arn, same_environment=True
        )

    def _http_api(
        self,
        scope: Construct,
        api_id: str,
        config: HttpApiConfig,
        environment: str,
        retention_days: int,
        user_pool: cognito.UserPool,
        clients: list[cognito.UserPoolClient],
    ) -> tuple[apigwv2.HttpApi, apigwv2.HttpStage]:
        log_group = _log_group(
            scope,
            "AccessLogs",
            retention_days,
            f"{environment}: the {api_id} HTTP API access log",
            holds=ACCESS_LOG_HOLDS,
        )
        api = apigwv2.HttpApi(
            scope,
            "Api",
            api_name=f"{environment}-{api_id}",
            description=config.description or f"{environment}: {api_id} (HTTP API)",
            create_default_stage=False,
        )
        stage = apigwv2.HttpStage(
            scope,
            "DefaultStage",
            http_api=api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=config.throttling.rate_limit,
                burst_limit=config.throttling.burst_limit,
            ),
            access_log_settings=_AccessLogSettings(
                apigwv2.LogGroupLogDestination(log_group),
                apigw.AccessLogFormat.custom(json.dumps(HTTP_ACCESS_LOG)),
            ),
        )
        # The audience: API Gateway compares a token's `aud`, or its `client_id` when it has no
        # `aud` (Cognito access tokens), with these client ids.
        authorizer = HttpJwtAuthorizer(
            "Cognito",
            self.issuer,
            jwt_audience=[client.user_pool_client_id for client in clients],
            authorizer_name=f"{api_id}-cognito",
        )
        integration = HttpLambdaIntegration("Backend", self._handler(scope, config.backend))
        for key, route in config.routes.items():
            method, _, path = key.partition(" ")
            api.add_routes(
                path=path,
                methods=[apigwv2.HttpMethod[method]],
                integration=integration,
                authorizer=authorizer,
                authorization_scopes=list(route.scopes),
            )
        return api, stage

    def _rest_api(
        self,
        scope: Construct,
        api_id: str,
        config: RestApiConfig,
        environment: str,
        retention_days: int,
        user_pool: cognito.UserPool,
    ) -> apigw.RestApi:
        subject = f"{environment}: the {api_id} REST API"
        access_logs = _log_group(
            scope, "AccessLogs", retention_days, f"{subject} access log", holds=ACCESS_LOG_HOLDS
        )
        api = apigw.RestApi(
            scope,
            "Api",
            rest_api_name=f"{environment}-{api_id}",
            description=config.description or f"{environment}: {api_id} (REST API)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=REST_STAGE,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(REST_ACCESS_LOG)),
                # Errors only: INFO and data tracing would log request details.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                throttling_rate_limit=config.throttling.rate_limit,
                throttling_burst_limit=config.throttling.burst_limit,
                tracing_enabled=True,
            ),
        )
        # The stack has its own `<Id>RestApiUrl` output.
        api.node.try_remove_child("Endpoint")
        # API Gateway creates the execution log group on first use, without retention; owning
        # it under its fixed name gives it one.
        execution_logs = _log_group(
            scope,
            "ExecutionLogs",
            retention_days,
            f"{subject} execution log",
            holds=EXECUTION_LOG_HOLDS,
            name=f"API-Gateway-Execution-Logs_{api.rest_api_id}/{REST_STAGE}",
        )
        api.deployment_stage.node.add_dependency(execution_logs)
        if self.logging_account is not None:
            api.deployment_stage.node.add_dependency(self.logging_account)
        validator = api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            scope, "Cognito", cognito_user_pools=[user_pool], authorizer_name=f"{api_id}-cognito"
        )
        handler = self._handler(scope, config.backend)
        integration = apigw.Integration(
            type=apigw.IntegrationType.AWS_PROXY,
            integration_http_method="POST",
            uri=f"arn:{cdk.Aws.PARTITION}:apigateway:{cdk.Aws.REGION}:lambda:path/2015-03-31/"
            f"functions/{handler.function_arn}/invocations",
        )
        # One grant for the deployed stage. LambdaIntegration would add two per method, named
        # after the construct path (which holds the environment name), and a test-invoke grant
        # that lets a console test call skip the authorizer.
        handler.add_permission(
            f"Rest{api_id}Invoke",
            principal=iam.ServicePrincipal("apigateway.amazonaws.com"),
            source_arn=api.arn_for_execute_api(stage=REST_STAGE),
        )
        for key, route in config.routes.items():
            method, _, path = key.partition(" ")
            api.root.resource_for_path(path).add_method(
                method,
                integration,
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                authorization_scopes=list(route.scopes),
                request_validator=validator,
            )
        _acknowledge_rest_stage(api.deployment_stage, subject)
        return api


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """Access-log settings of an HTTP API stage (an interface in the CDK, not a struct)."""

    def __init__(
        self, destination: apigwv2.IAccessLogDestination, log_format: apigw.AccessLogFormat
    ) -> None:
        self._destination = destination
        self._format = log_format

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return self._format


ACCESS_LOG_HOLDS = (
    "request ids, source IPs, routes, status codes and the caller's sub and client id"
)
EXECUTION_LOG_HOLDS = "API Gateway's messages about failed requests (errors only, no data trace)"
BACKEND_LOG_HOLDS = "the caller's sub and client id and the route"


def _log_group(
    scope: Construct,
    id_: str,
    retention_days: int,
    subject: str,
    *,
    holds: str,
    name: str | None = None,
) -> logs.LogGroup:
    log_group = logs.LogGroup(
        scope,
        id_,
        log_group_name=name,
        # Request logs are an audit trail: they outlive the API.
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    resource = log_group.node.default_child
    assert isinstance(resource, logs.CfnLogGroup)
    # The config holds days (validated against CloudWatch's allowed periods).
    resource.retention_in_days = retention_days
    reason = (
        f"{subject}: it holds {holds}, never a token or a body, and CloudWatch Logs encrypts it "
        "at rest; a customer-managed key would add a key whose loss makes the audit trail "
        "unreadable"
    )
    acknowledge_log_group_encryption(log_group, reason)
    return log_group


def _logging_account(scope: Construct, environment: str) -> apigw.CfnAccount:
    """The account-level role API Gateway writes REST API logs with (one per account and region).

    Both are kept when the stack is deleted: other REST APIs in the account and region log
    through the same setting, and a deleted role would break their logging.
    """
    role = iam.Role(
        scope,
        "LoggingRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description=f"{environment}: API Gateway writes REST API logs to CloudWatch Logs",
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            )
        ],
    )
    role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    acknowledge(
        role,
        "AwsSolutions",
        "IAM4",
        reason=f"{environment}: the account-wide API Gateway logging role: AWS maintains "
        "AmazonAPIGatewayPushToCloudWatchLogs for exactly this role, which serves every REST "
        "API of the account and region and so cannot name their log groups",
        finding="Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs",
    )
    account = apigw.CfnAccount(scope, "LoggingAccount", cloud_watch_role_arn=role.role_arn)
    account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
    return account


def _acknowledge_rest_stage(stage: apigw.Stage, subject: str) -> None:
    """The REST stage findings this kit does not fix, each with its reason."""
    reasons = {
        "APIGWAssociatedWithWAF": "a web ACL is an account-level decision with its own cost and "
        "rules; the stage is throttled and every method needs a scoped access token. Attach "
        "the account's regional web ACL to the stage (docs/apis.md)",
        "APIGWCacheEnabledAndEncrypted": "every response depends on the caller's token; a stage "
        "cache keyed without the token would serve one caller's answer to another",
        "APIGWSSLEnabled": "the integration is a Lambda proxy; a client certificate only "
        "authenticates API Gateway to an HTTP backend",
    }
    packs: dict[str, tuple[Pack, ...]] = {
        "APIGWAssociatedWithWAF": ("NIST.800.53.R5", "PCI.DSS.321"),
        "APIGWCacheEnabledAndEncrypted": ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"),
        "APIGWSSLEnabled": ("NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321"),
    }
    for rule, rule_packs in packs.items():
        for pack in rule_packs:
            acknowledge(stage, pack, rule, reason=f"{subject}: {reasons[rule]}")
    acknowledge(
        stage, "AwsSolutions", "APIG3", reason=f"{subject}: {reasons['APIGWAssociatedWithWAF']}"
    )
    resource = stage.node.default_child
    assert isinstance(resource, apigw.CfnStage)
    skip_checkov(
        resource, "CKV_AWS_120", reason=f"{subject}: {reasons['APIGWCacheEnabledAndEncrypted']}"
    )


def _acknowledge_invoke_permissions(scope: Construct, environment: str) -> None:
    """AWS Control Tower's CT.LAMBDA.PR.2 on API Gateway's invoke permissions.

    Each permission's `SourceArn` is the API's execute-api ARN in this account, so it is not
    public; the template builds that ARN with `Fn::Join`, and the offline rule reads `SourceArn`
    only as a literal or a reference to a resource of the template (the package's README: its
    rules "may fail for Fn::Join objects"). Adding `SourceAccount` instead would replace every
    deployed permission (it is create-only), which the replacement guard blocks.
    """
    for child in scope.node.find_all():
        if (
            isinstance(child, lambda_.CfnPermission)
            and child.principal == "apigateway.amazonaws.com"
            and child.source_arn is not None
            and cdk.Token.is_unresolved(child.source_arn)
        ):
            acknowledge_control(
                child,
                "CT.LAMBDA.PR.2",
                reason=f"{environment}: API Gateway may invoke the function only for this "
                "account's API: SourceArn is the API's execute-api ARN, built with Fn::Join, "
                "which the offline rule does not read",
            )


def _example_backend(scope: Construct, retention_days: int, environment: str) -> lambda_.Function:
    """The kit's example backend: answers with the caller's sub, client and scopes."""
    backend = Construct(scope, "ExampleBackend")
    subject = f"{environment}: the example API backend"
    log_group = _log_group(
        backend, "Logs", retention_days, f"{subject} log", holds=BACKEND_LOG_HOLDS
    )
    role = iam.Role(
        backend,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{environment}: {BACKEND_MODULE} API backend",
    )
    log_writing_policy(backend, "Logging", role, log_group)
    function = lambda_.Function(
        backend,
        "Function",
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=f"{BACKEND_MODULE}.handler",
        code=lambda_.Code.from_asset(str(LAMBDA_TRIGGERS_DIR), exclude=ASSET_EXCLUDES),
        role=role,
        memory_size=BACKEND_MEMORY_MB,
        timeout=cdk.Duration.seconds(BACKEND_TIMEOUT_SECONDS),
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
        system_log_level_v2=lambda_.SystemLogLevel.WARN,
        description=f"{environment}: example API backend (returns the caller's identity)",
    )
    reasons = {
        "LambdaDLQ": "API Gateway invokes it synchronously and returns its error to the caller; "
        "a dead-letter queue only applies to asynchronous invocations",
        "LambdaInsideVPC": "it reads only its event and reaches no network resource; a VPC "
        "would add network interfaces and nothing to protect",
        "LambdaConcurrency": "each stage's throttling bounds its invocations; reserving "
        "concurrency fails to deploy in accounts with the minimum concurrency quota and takes "
        "capacity from the sign-in triggers",
        "LambdaTracing": "the REST stage traces with X-Ray and the JSON logs carry request ids; "
        "active tracing needs xray:Put* on every resource",
    }
    acknowledge_synchronous_function(function, subject, reasons)
    return function
