"""Resource servers: the APIs whose custom scopes app clients may request."""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config.resource_servers import ResourceServerConfig


class ResourceServers(Construct):
    """One user-pool resource server per configured API.

    Attributes:
        servers: the L2 resource servers by config id.
        scopes: every custom scope as an `OAuthScope`, keyed ``<identifier>/<scope>``; a client
            that uses one depends on its server, so the first deploy creates the scope first.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool: cognito.IUserPool,
        servers: dict[str, ResourceServerConfig],
    ) -> None:
        super().__init__(scope, id_)
        self.servers: dict[str, cognito.UserPoolResourceServer] = {}
        self.scopes: dict[str, cognito.OAuthScope] = {}
        for server_id, server in servers.items():
            scopes = [
                cognito.ResourceServerScope(scope_name=name, scope_description=description)
                for name, description in server.scopes.items()
            ]
            resource_server = cognito.UserPoolResourceServer(
                self,
                server_id,
                user_pool=user_pool,
                identifier=server.identifier,
                user_pool_resource_server_name=server.name,
                scopes=scopes,
            )
            self.servers[server_id] = resource_server
            for resource_scope in scopes:
                key = f"{server.identifier}/{resource_scope.scope_name}"
                self.scopes[key] = cognito.OAuthScope.resource_server(
                    resource_server, resource_scope
                )
