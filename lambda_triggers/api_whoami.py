"""Example API backend: answers with who called, from the claims the authorizer verified.

Not a Cognito trigger: API Gateway invokes it behind the kit's APIs (``infra/constructs/apis.py``)
as a Lambda proxy integration. It handles both event shapes:

- HTTP API, payload format 2.0, JWT authorizer: ``requestContext.authorizer.jwt.claims``
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
- REST API, Lambda proxy, Cognito user pools authorizer: ``requestContext.authorizer.claims``
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html

Response body (JSON): ``sub`` (for a client-credentials token, the client id), ``client_id``,
``scopes`` (from the ``scope`` claim), and ``username`` for a user's token. Nothing else: it
never reads headers, so it can never echo the token.

Failure policy: the answer is always JSON without a traceback. An event that is not a JSON
object gets 400; an event without verified claims gets 500 (the function is deployed behind an
authorizer, so a missing identity is a misconfiguration and must never be answered as a
caller); an unexpected error gets 500 and is logged.
"""

from __future__ import annotations

import json
import logging
from typing import Final

try:
    from lambda_triggers._common import JsonDict, child, get_str
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import JsonDict, child, get_str  # type: ignore[import-not-found, no-redef]

logger = logging.getLogger(__name__)

MAX_VALUE_LEN: Final = 256
MAX_SCOPES: Final = 50
HEADERS: Final = {"content-type": "application/json", "cache-control": "no-store"}


def response(status: int, body: JsonDict) -> JsonDict:
    """A Lambda proxy response (the same shape for HTTP and REST APIs)."""
    return {"statusCode": status, "headers": dict(HEADERS), "body": json.dumps(body)}


def verified_claims(event: JsonDict) -> JsonDict | None:
    """The claims the authorizer put into the event, or None when there are none."""
    authorizer = child(event.get("requestContext"), "authorizer")
    source = child(authorizer, "jwt") if "jwt" in authorizer else authorizer
    claims = source.get("claims")
    return claims if isinstance(claims, dict) and claims else None


def _short(value: str | None) -> str | None:
    return value[:MAX_VALUE_LEN] if value is not None else None


def identity(claims: JsonDict) -> JsonDict | None:
    """What the caller is, from verified claims; None when the claims name no subject."""
    sub = get_str(claims, "sub")
    if not sub:
        return None
    scope = get_str(claims, "scope") or ""
    body: JsonDict = {
        "sub": _short(sub),
        # Access tokens carry client_id; an ID token names its client in aud.
        "client_id": _short(get_str(claims, "client_id") or get_str(claims, "aud")),
        "scopes": [_short(s) for s in scope.split()[:MAX_SCOPES]],
    }
    username = get_str(claims, "username") or get_str(claims, "cognito:username")
    if username:
        body["username"] = _short(username)
    return body


def answer(event: object) -> JsonDict:
    """The response for one event (pure; never raises for a malformed event)."""
    if not isinstance(event, dict):
        logger.warning("refusing an event that is not a JSON object")
        return response(400, {"message": "malformed request"})
    claims = verified_claims(event)
    body = identity(claims) if claims is not None else None
    if body is None:
        logger.error(
            "no verified caller in the event: is this function behind a Cognito authorizer?",
            extra={"route": _short(get_str(event, "routeKey") or get_str(event, "resource"))},
        )
        return response(500, {"message": "no verified caller"})
    logger.info("answered", extra={"sub": body["sub"], "client_id": body["client_id"]})
    return response(200, body)


def handler(event: object, context: object) -> JsonDict:
    """Lambda entry point; see the module docstring for the failure policy."""
    try:
        return answer(event)
    except Exception:
        logger.exception("unexpected error")
        return response(500, {"message": "internal error"})
