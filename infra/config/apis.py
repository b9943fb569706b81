"""APIs in front of the pool's tokens: HTTP APIs with a JWT authorizer, REST APIs with a Cognito
user pools authorizer, each route behind at least one resource-server scope.

There is no unauthenticated route. Requiring a scope also keeps ID tokens out: an HTTP API's
JWT authorizer accepts any token whose `aud` or `client_id` is a listed client, and a Cognito ID
token carries the client id in `aud`, but it has no `scope` claim, so a route with scopes refuses
it. A REST API's Cognito authorizer accepts only access tokens on a method with scopes.

Cross-section checks (scopes defined on a resource server, clients defined) live in
`infra.config.references`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from infra.config.model_base import KeyProblems, Section
from infra.config.types import ConstructId, Int, LogRetentionDays, NonEmptyStr, Str

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY")
# No OPTIONS: a CORS preflight carries no token, and the kit has no unauthenticated route.
_SEGMENT = r"(?:[A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\})"
_GREEDY = r"\{[A-Za-z_][A-Za-z0-9_]*\+\}"
ROUTE_KEY = re.compile(rf"^(?P<method>[A-Z]+) (?P<path>/|(?:/{_SEGMENT})*(?:/{_GREEDY})?)$")
LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d:\d{12}:function:"
    r"[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$"
)


def _route_key(key: str) -> str:
    match = ROUTE_KEY.match(key)
    if match is None or match["method"] not in METHODS:
        raise ValueError(
            f"{key!r} is not a route key; allowed: `METHOD /path` with METHOD one of "
            f"{', '.join(METHODS)} and path segments of letters, digits, . _ ~ - or a "
            "`{param}` (a greedy `{param+}` only last), e.g. `GET /orders/{id}`"
        )
    return key


RouteKey = Annotated[Str, AfterValidator(_route_key)]
"""`METHOD /path`, e.g. `GET /orders/{id}`."""

_SCOPE_REF = re.compile(
    r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}/[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$"
)


def _scope_ref(scope: str) -> str:
    if not _SCOPE_REF.match(scope):
        raise ValueError(
            f"{scope!r} is not a resource-server scope; allowed: `<identifier>/<scope>` "
            "(built-in scopes such as openid do not authorize API calls)"
        )
    return scope


_ScopeRef = Annotated[Str, AfterValidator(_scope_ref)]


class RouteConfig(Section):
    """One route and the scopes that authorize it (a token needs at least one of them)."""

    scopes: tuple[_ScopeRef, ...] = Field(
        (),
        validate_default=True,
        description="Resource-server scopes (`<identifier>/<scope>`); a token needs one of them. "
        "Required: there is no unauthenticated route.",
    )
    broad_reason: NonEmptyStr | None = Field(
        None,
        description="Why this route matches any method (`ANY`) or any sub-path (`{param+}`); "
        "required for those, refused elsewhere.",
    )

    @field_validator("scopes")
    @classmethod
    def _required_and_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(
                "this route has no scopes: every route needs at least one resource-server "
                "scope (there is no unauthenticated route)"
            )
        if len(set(value)) != len(value):
            raise ValueError("lists a scope twice")
        return value


class ThrottlingConfig(Section):
    """Stage-wide throttling: requests beyond it get 429 before reaching the backend."""

    rate_limit: Int = Field(50, ge=1, le=10000, description="Steady requests per second.")
    burst_limit: Int = Field(100, ge=1, le=5000, description="Burst bucket size (requests).")


class BackendConfig(Section):
    """The Lambda function behind every route of an API."""

    function_arn: Str | None = Field(
        None,
        description="ARN of your Lambda function (same account and region; API Gateway is "
        "granted invoke). Default: the kit's example function, which returns the caller's "
        "sub, client and scopes.",
    )

    @field_validator("function_arn")
    @classmethod
    def _arn(cls, value: str | None) -> str | None:
        if value is not None and not LAMBDA_ARN.match(value):
            raise ValueError(
                "allowed: a Lambda function ARN, arn:aws:lambda:<region>:<account>:function:"
                "<name>[:<alias or version>]"
            )
        return value


class _ApiConfig(Section):
    description: Str | None = Field(None, max_length=1024, description="API description.")
    routes: dict[RouteKey, RouteConfig] = Field(
        min_length=1, description="Routes by `METHOD /path`, each with its scopes."
    )
    throttling: ThrottlingConfig = Field(
        default_factory=dict, validate_default=True, description="Stage throttling."
    )
    backend: BackendConfig = Field(
        default_factory=dict, validate_default=True, description="The integration."
    )

    @model_validator(mode="after")
    def _route_rules(self) -> _ApiConfig:
        problems = KeyProblems(self)
        found = [p for key, route in self.routes.items() for p in _route_problems(key, route)]
        for route_key, sub_key, message in found + _path_conflicts(list(self.routes)):
            problems.add(("routes", route_key, *sub_key), message, show_value=bool(sub_key))
        problems.raise_any()
        return self


class HttpApiConfig(_ApiConfig):
    """An HTTP API whose JWT authorizer accepts tokens of this pool issued to the listed clients."""

    clients: tuple[ConstructId, ...] = Field(
        min_length=1,
        description="App client ids whose tokens the JWT authorizer accepts (its audience; for "
        "access tokens API Gateway compares `client_id`, as they have no `aud`).",
    )

    @field_validator("clients")
    @classmethod
    def _unique_clients(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a client twice")
        return value


class RestApiConfig(_ApiConfig):
    """A REST API whose Cognito user pools authorizer accepts this pool's access tokens that
    carry a method's scopes (it does not check the client: scopes decide)."""


class ApisConfig(Section):
    """APIs protected by this pool's access tokens."""

    log_retention_days: LogRetentionDays = Field(
        365, description="Retention of the access logs and the example backend's log group."
    )
    http: dict[ConstructId, HttpApiConfig] = Field(
        default_factory=dict, description="HTTP APIs (JWT authorizer), by stable construct id."
    )
    rest: dict[ConstructId, RestApiConfig] = Field(
        default_factory=dict,
        description="REST APIs (Cognito user pools authorizer), by stable construct id.",
    )
    rest_logging_role: Literal["existing", "create"] | None = Field(
        None,
        validate_default=True,
        description="REST APIs log through the account's API Gateway CloudWatch role (one per "
        "account and region; a REST stage with logs fails to deploy without it). `existing`: it "
        "is set (`aws apigateway get-account`); `create`: this stack creates it and sets it "
        "(both kept when the stack is deleted). Required when `rest` lists an API.",
    )

    @field_validator("rest_logging_role")
    @classmethod
    def _rest_logging_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "rest" not in info.data:  # `rest` has errors of its own
            return value
        if info.data["rest"] and value is None:
            raise ValueError(
                "REST APIs write their logs through the account's API Gateway CloudWatch role: "
                "set rest_logging_role to `existing` (the account and region have one: "
                "`aws apigateway get-account`) or `create` (this stack creates and sets it)"
            )
        if not info.data["rest"] and value is not None:
            raise ValueError("applies only when `rest` lists an API")
        return value

    @property
    def uses_example_backend(self) -> bool:
        """Whether any API runs on the kit's example function."""
        apis: list[_ApiConfig] = [*self.http.values(), *self.rest.values()]
        return any(api.backend.function_arn is None for api in apis)

    def all_routes(self) -> dict[str, dict[str, RouteConfig]]:
        """Routes by key path of their API (`http.<id>` / `rest.<id>`)."""
        return {
            **{f"http.{api_id}": api.routes for api_id, api in self.http.items()},
            **{f"rest.{api_id}": api.routes for api_id, api in self.rest.items()},
        }


def _route_problems(key: str, route: RouteConfig) -> list[tuple[str, tuple[str, ...], str]]:
    """(route key, key below the route, message) for each problem of one route."""
    problems: list[tuple[str, tuple[str, ...], str]] = []
    method, _, path = key.partition(" ")
    broad = method == "ANY" or path.endswith("+}")
    if broad and route.broad_reason is None:
        problems.append(
            (
                key,
                (),
                "matches any method or any sub-path: add broad_reason saying why, or list the "
                "routes one by one",
            )
        )
    if not broad and route.broad_reason is not None:
        problems.append((key, ("broad_reason",), "the route is not broad: remove broad_reason"))
    return problems


def _path_conflicts(keys: list[str]) -> list[tuple[str, tuple[str, ...], str]]:
    """Routes API Gateway would treat as the same, and `{param}` names that disagree at the same
    place (a REST API refuses sibling path variables; the backend would see two names)."""
    problems: list[tuple[str, tuple[str, ...], str]] = []
    seen: dict[str, str] = {}
    params: dict[str, str] = {}
    for key in keys:
        method, _, path = key.partition(" ")
        segments = [s for s in path.split("/") if s]
        shape = "/".join("{}" if s.startswith("{") else s for s in segments)
        normalized = f"{method}|{shape}"
        if normalized in seen:
            problems.append((key, (), f"is the same route as {seen[normalized]!r}"))
            continue
        seen[normalized] = key
        for depth, segment in enumerate(segments):
            if not segment.startswith("{"):
                continue
            prefix = "/".join("{}" if s.startswith("{") else s for s in segments[:depth])
            name = segment.strip("{}+")
            other = params.setdefault(prefix, name)
            if other != name:
                problems.append(
                    (
                        key,
                        (),
                        f"names the path parameter after /{prefix} {{{name}}}, another route "
                        f"{{{other}}}: use one name",
                    )
                )
    return problems
