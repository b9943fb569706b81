"""AWS Lambda behind Amazon API Gateway: protect a proxy-integration handler, or run a ready
Lambda authorizer. Standard library only (no extra needed).

    @protect(verifier, scopes="orders/read")
    def handler(event, context, claims):
        return {"statusCode": 200, "body": json.dumps({"sub": claims["sub"]})}

    authorizer = lambda_authorizer(verifier, scopes="orders/read")   # the authorizer's handler

`protect` reads the Authorization header of REST (payload 1.0) and HTTP API (payload 2.0)
events and answers refusals itself, per RFC 6750 (401/403 with `WWW-Authenticate`, 503).
A Lambda authorizer cannot choose its status codes; what API Gateway answers is in the README.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from .bearer import DEFAULT_REALM, Denial, bearer_token, denial_for, missing_token
from .errors import JwksUnavailable, MissingScope, NotInGroup, TokenVerificationError
from .verifier import CognitoTokenVerifier, Requirements

__all__ = [
    "Unauthorized",
    "event_bearer_token",
    "lambda_authorizer",
    "protect",
    "proxy_response",
]

_CONTEXT_CLAIMS: Final = ("sub", "username", "cognito:username", "client_id", "scope", "token_use")

Handler = Callable[[Mapping[str, Any], Any], Any]
ProtectedHandler = Callable[[Mapping[str, Any], Any, dict[str, Any]], Any]


class Unauthorized(Exception):  # noqa: N818 (API Gateway matches the message "Unauthorized")
    """Raised by the authorizer for a missing or invalid token: API Gateway answers 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, Mapping):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            if isinstance(value, list):  # multiValueHeaders
                value = value[0] if value else None
            return value if isinstance(value, str) else None
    return None


def event_bearer_token(event: object) -> str | None:
    """The bearer token of an API Gateway event (REST, HTTP API 1.0/2.0, authorizer events).

    Header names are matched case-insensitively (REST keeps the client's case, HTTP API 2.0
    lowercases them). None when the request carries no bearer credentials.
    """
    if not isinstance(event, Mapping):
        return None
    if event.get("type") == "TOKEN":  # REST TOKEN authorizer: the header's value only
        value = event.get("authorizationToken")
        return bearer_token(value if isinstance(value, str) else None)
    value = _header(event.get("headers"), "Authorization")
    if value is None:
        value = _header(event.get("multiValueHeaders"), "Authorization")
    return bearer_token(value)


def proxy_response(denial: Denial) -> dict[str, Any]:
    """The proxy-integration response (REST and HTTP API) for a refusal."""
    return {
        "statusCode": denial.status,
        "headers": {"Content-Type": "application/json", **denial.headers},
        "body": denial.json(),
    }


def protect(
    verifier: CognitoTokenVerifier,
    *,
    scopes: str | Sequence[str] | None = None,
    groups: str | Sequence[str] | None = None,
    realm: str = DEFAULT_REALM,
) -> Callable[[ProtectedHandler], Handler]:
    """Decorate `handler(event, context, claims)`: it runs only for a valid token with one of
    `scopes` and one of `groups`; otherwise the caller gets the RFC 6750 refusal.
    """
    requirements = Requirements.of(scopes, groups)

    def decorate(handler: ProtectedHandler) -> Handler:
        @functools.wraps(handler)
        def wrapper(event: Mapping[str, Any], context: Any) -> Any:
            token = event_bearer_token(event)
            if token is None:
                return proxy_response(missing_token(realm=realm))
            try:
                claims = verifier.verify(
                    token, scopes=requirements.scopes, groups=requirements.groups
                )
            except TokenVerificationError as error:
                return proxy_response(denial_for(error, realm=realm, scopes=requirements.scopes))
            return handler(event, context, claims)

        return wrapper

    return decorate


def _authorizer_context(claims: Mapping[str, Any]) -> dict[str, str]:
    # API Gateway passes only strings, numbers and booleans to the integration.
    context = {name: claims[name] for name in _CONTEXT_CLAIMS if isinstance(claims.get(name), str)}
    groups = claims.get("cognito:groups")
    if isinstance(groups, list) and all(isinstance(group, str) for group in groups):
        context["groups"] = ",".join(groups)
    return context


def _api_wide_arn(arn: str) -> str:
    """`arn:...:<api>/<stage>/<method>/<path>` -> `arn:...:<api>/<stage>/*`.

    The decision does not depend on the route, and API Gateway caches an authorizer's policy
    per token for every route it guards: a policy naming only the first route would deny the
    others from the cache.
    """
    prefix, _, path = arn.partition(":execute-api:")
    parts = path.split("/")
    if not prefix or len(parts) < 2:
        return arn
    return f"{prefix}:execute-api:{parts[0]}/{parts[1]}/*"


def _policy(effect: str, arn: str, principal: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": _api_wide_arn(arn)}
            ],
        },
        "context": context,
    }


def lambda_authorizer(
    verifier: CognitoTokenVerifier,
    *,
    scopes: str | Sequence[str] | None = None,
    groups: str | Sequence[str] | None = None,
    simple_responses: bool = True,
) -> Handler:
    """The handler of an API Gateway Lambda authorizer for Cognito tokens.

    Handles REST TOKEN and REQUEST authorizers and HTTP API authorizers (payload 1.0, and 2.0
    with `simple_responses` as configured on the authorizer). Outcomes:
    - no or invalid token: `raise Unauthorized()` (API Gateway: 401); with HTTP API simple
      responses `{"isAuthorized": false}` (403);
    - valid token without a required scope or group: a Deny policy / `isAuthorized: false` (403);
    - keys unavailable: `JwksUnavailable` propagates (API Gateway: 500; an authorizer cannot
      answer 503).
    The context passed to the integration holds `sub`, `username`, `client_id`, `scope`,
    `token_use` and `groups` (comma-separated), as present in the token.
    """
    requirements = Requirements.of(scopes, groups)

    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        is_v2 = isinstance(event, Mapping) and event.get("version") == "2.0"
        simple = is_v2 and simple_responses
        arn = ""
        if isinstance(event, Mapping):
            raw_arn = event.get("routeArn") if is_v2 else event.get("methodArn")
            arn = raw_arn if isinstance(raw_arn, str) else ""
        token = event_bearer_token(event)
        try:
            if token is None:
                raise _NoTokenError()
            claims = verifier.verify(token, scopes=requirements.scopes, groups=requirements.groups)
        except (MissingScope, NotInGroup) as error:
            denial_for(error)  # logs the reason
            if simple:
                return {"isAuthorized": False}
            return _policy("Deny", arn, "unknown", {})
        except JwksUnavailable as error:
            denial_for(error)
            raise
        except (TokenVerificationError, _NoTokenError) as error:
            if isinstance(error, TokenVerificationError):
                denial_for(error)
            if simple:
                return {"isAuthorized": False}
            raise Unauthorized() from None
        authorizer_context = _authorizer_context(claims)
        if simple:
            return {"isAuthorized": True, "context": authorizer_context}
        return _policy("Allow", arn, str(claims.get("sub", "user")), authorizer_context)

    return handler


class _NoTokenError(Exception):
    pass
