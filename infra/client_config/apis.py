"""Which of the environment's APIs (`apis:`) an app client can call, and their endpoints.

A client gets an API when some route of it would accept the client's access tokens:
- an HTTP API's JWT authorizer accepts only the clients it lists (`apis.http.<Id>.clients`),
- a REST API's Cognito authorizer accepts any client of the pool (it does not check the client),
- and every route of both needs one of its scopes in the token: the client's own scopes, or
  scopes `triggers.pre_token_generation.group_scopes` adds for the members of a group.
Listing an API whose authorizer refuses every token of the client would send its developer
after 401s and 403s; scopes that only some users' tokens carry (group scopes) still count, as
those users can call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from infra.client_config.outputs import OutputsError
from infra.config import AppClientConfig, EnvironmentConfig
from infra.config.apis import RouteConfig

ApiKind = Literal["http", "rest"]
# The stage URL API Gateway gives: `https://<api id>.execute-api.<region>.amazonaws.com[.cn]/`,
# plus `<stage>/` for a REST API.
API_HOST = re.compile(r"^[a-z0-9]{10}\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?$")


@dataclass(frozen=True)
class Api:
    """One API of the environment, by the name an app gives Amplify's REST API category."""

    name: str
    kind: ApiKind
    config_path: str
    output: str
    routes: Mapping[str, RouteConfig]
    clients: tuple[str, ...] | None

    def document(self) -> dict[str, object]:
        """Its routes and the scopes each needs (one of them), for the app's developer."""
        return {
            "type": self.kind,
            "routes": {key: list(route.scopes) for key, route in self.routes.items()},
        }


def environment_apis(config: EnvironmentConfig) -> list[Api]:
    """Every API of the environment. The name is its URL output without `Url`
    (`<Id>HttpApi`, `<Id>RestApi`): an HTTP and a REST API may share an id."""
    apis = [
        Api(
            name=f"{api_id}HttpApi",
            kind="http",
            config_path=f"apis.http.{api_id}",
            output=f"{api_id}HttpApiUrl",
            routes=api.routes,
            clients=api.clients,
        )
        for api_id, api in config.apis.http.items()
    ]
    apis += [
        Api(
            name=f"{api_id}RestApi",
            kind="rest",
            config_path=f"apis.rest.{api_id}",
            output=f"{api_id}RestApiUrl",
            routes=api.routes,
            clients=None,
        )
        for api_id, api in config.apis.rest.items()
    ]
    return apis


def token_scopes(config: EnvironmentConfig, client: AppClientConfig) -> set[str]:
    """Every scope an access token of the client can carry, for some user at least."""
    scopes = set(client.effective_scopes)
    trigger = config.triggers.pre_token_generation
    if trigger.enabled:
        scopes.update(scope for added in trigger.group_scopes.values() for scope in added)
    return scopes


def _reachable(api: Api, scopes: set[str]) -> bool:
    return any(scopes.intersection(route.scopes) for route in api.routes.values())


def client_apis(
    config: EnvironmentConfig, client_id: str, client: AppClientConfig
) -> tuple[list[Api], list[str]]:
    """The APIs the client can call, and a note for each HTTP API that lists the client but
    refuses all its tokens (a configuration mistake; an unlisted client is left out quietly)."""
    scopes = token_scopes(config, client)
    given: list[Api] = []
    withheld: list[str] = []
    for api in environment_apis(config):
        if api.clients is not None and client_id not in api.clients:
            continue
        if _reachable(api, scopes):
            given.append(api)
        elif api.clients is not None:
            route_scopes = sorted({s for route in api.routes.values() for s in route.scopes})
            withheld.append(
                f"{client_id}'s file has no {api.name}: {api.config_path}.clients lists "
                f"{client_id}, but none of its tokens carries a route's scope "
                f"({', '.join(route_scopes)}); add one to app_clients.{client_id}.scopes"
            )
    return given, withheld


def api_endpoint(api: Api, url: str, region: str) -> dict[str, str]:
    """The `custom.API` entry Amplify's REST API category reads: the stage URL as deployed
    (ending in `/`, so an app's path is `orders`, as in Amplify's examples)."""
    parts = urlsplit(url)
    host = API_HOST.match(parts.hostname or "")
    if parts.scheme != "https" or host is None or not parts.path.endswith("/"):
        raise OutputsError(
            f"{api.output} = {url!r} is not an API Gateway stage URL "
            "(https://<api id>.execute-api.<region>.amazonaws.com/...): the outputs file is not "
            "from this kit"
        )
    if host["region"] != region:
        raise OutputsError(
            f"{api.output} is in {host['region']}, but the user pool in {region}: is the "
            "outputs file from another environment?"
        )
    return {"endpoint": url, "region": region, "apiName": api.name}


def api_outputs(
    config: EnvironmentConfig, clients: Iterable[tuple[str, AppClientConfig]]
) -> list[str]:
    """The URL outputs of the APIs the given clients can call (each once)."""
    outputs: dict[str, None] = {}
    for client_id, client in clients:
        for api in client_apis(config, client_id, client)[0]:
            outputs[api.output] = None
    return list(outputs)
