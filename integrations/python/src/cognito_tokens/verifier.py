"""`CognitoTokenVerifier`: the checks of AWS's aws-jwt-verify (`CognitoJwtVerifier`), in Python.

The order of the checks is aws-jwt-verify's, so that a token with several faults is rejected for
the same reason by both: parse, issuer, `kid`, JWK and algorithm, signature, `exp`, `nbf`, scope,
groups, `token_use`, client. Where this verifier is stricter (it requires `exp`, rejects an `iat`
in the future, and ties the algorithm to the JWK's key type) the README says so.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from .errors import (
    InvalidSignature,
    JwksUnavailable,
    MalformedToken,
    MissingClaim,
    MissingScope,
    NotInGroup,
    TokenExpired,
    TokenNotYetValid,
    WrongClient,
    WrongIssuer,
    WrongTokenUse,
)
from .jwks import JwksCache, VerificationKey

__all__ = [
    "CognitoTokenVerifier",
    "Requirements",
    "TokenUse",
    "accepted_issuers",
    "parse_user_pool_id",
]

TokenUse = Literal["id", "access"]

# aws-jwt-verify's patterns; re.ASCII because \d would otherwise match any Unicode digit.
_USER_POOL_ID: Final = re.compile(
    r"(?P<region>(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d)_[a-zA-Z0-9]+", re.ASCII
)
_COMPACT_JWS: Final = re.compile(
    r"[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]+={0,2}", re.ASCII
)
_NUMERIC_CLAIMS: Final = ("exp", "nbf", "iat")
# ID tokens name the app client in aud, access tokens in client_id (and have no aud).
_CLIENT_CLAIM: Final[dict[str, str]] = {"id": "aud", "access": "client_id"}
_STRING_CLAIMS: Final = ("iss", "sub", "scope", "jti")


def parse_user_pool_id(user_pool_id: str) -> tuple[str, dict[str, str]]:
    """The region and `{issuer: JWKS URI}` for both issuer forms Cognito uses for a pool.

    Cognito signs with `https://cognito-idp.<region>.amazonaws.com/<pool>` and, for pools on the
    newer form, `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>` (aws-jwt-verify 5.2
    accepts both); each issuer publishes its JWKS under `/.well-known/jwks.json`.
    """
    match = _USER_POOL_ID.fullmatch(user_pool_id) if isinstance(user_pool_id, str) else None
    if match is None:
        raise ValueError(
            f"invalid Cognito user pool id {user_pool_id!r}: expected <region>_<id>, "
            "for example eu-west-1_AbCdEf123"
        )
    region = match["region"]
    issuers = {
        f"https://{host}.{region}.amazonaws.com/{user_pool_id}": (
            f"https://{host}.{region}.amazonaws.com/{user_pool_id}/.well-known/jwks.json"
        )
        for host in ("cognito-idp", "issuer-cognito-idp")
    }
    return region, issuers


_ISSUER: Final = re.compile(
    r"https://(?:issuer-)?cognito-idp\.(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d"
    r"\.amazonaws\.com(?:\.cn)?/(?P<pool>[^/]+)",
    re.ASCII,
)


def accepted_issuers(user_pool_id: str, issuers: str | Sequence[str]) -> dict[str, str]:
    """`{issuer: JWKS URI}` for exactly the given issuers of `user_pool_id`.

    A pool with a replica in another Region, or one switching its issuer form, signs tokens
    with more issuers than its own Region's two: with the original form each Region writes its
    own (`https://cognito-idp.<region>.amazonaws.com/<pool>`), and during a switch both forms
    are valid. The kit's `AcceptedIssuers` stack output lists the ones its configuration
    implies. Each must be a Cognito issuer of this pool, in either form and any Region.
    """
    accepted: dict[str, str] = {}
    for issuer in _as_tuple("issuers", issuers):
        match = _ISSUER.fullmatch(issuer)
        if match is None or match["pool"] != user_pool_id:
            raise ValueError(
                f"issuers: {issuer!r} is not a Cognito issuer of pool {user_pool_id}: expected "
                f"https://cognito-idp.<region>.amazonaws.com/{user_pool_id} or "
                f"https://issuer-cognito-idp.<region>.amazonaws.com/{user_pool_id}"
            )
        accepted[issuer] = f"{issuer}/.well-known/jwks.json"
    return accepted


def _as_tuple(name: str, value: str | Sequence[str]) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else tuple(value)
    if not values or not all(isinstance(item, str) and item for item in values):
        raise ValueError(f"{name} must be a non-empty string or a non-empty list of them")
    return values


def _b64decode(segment: str) -> bytes:
    # Node's Buffer decoder, which aws-jwt-verify uses: padding optional, a dangling sixth
    # character ignored. The signature covers the raw segments, so leniency here changes nothing.
    stripped = segment.rstrip("=")
    if len(stripped) % 4 == 1:
        stripped = stripped[:-1]
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def _reject_constant(name: str) -> None:
    raise ValueError(f"invalid JSON constant {name}")


def _json_object(segment: str, part: str) -> dict[str, Any]:
    try:
        # Invalid UTF-8 becomes U+FFFD, as with Node's Buffer.toString (aws-jwt-verify).
        text = _b64decode(segment).decode("utf-8", errors="replace")
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, binascii.Error, RecursionError):
        raise MalformedToken(f"the token's {part} is not valid base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise MalformedToken(f"the token's {part} is not a JSON object")
    return value


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond float range is Infinity in JavaScript
        return False


def _check_payload_types(payload: Mapping[str, Any]) -> None:
    for claim in _NUMERIC_CLAIMS:
        if claim in payload and not _is_finite_number(payload[claim]):
            raise MalformedToken(f"the token's {claim} claim is not a number")
    for claim in _STRING_CLAIMS:
        if claim in payload and not isinstance(payload[claim], str):
            raise MalformedToken(f"the token's {claim} claim is not a string")
    if "aud" in payload:
        aud = payload["aud"]
        if not isinstance(aud, str) and not (
            isinstance(aud, list) and all(isinstance(item, str) for item in aud)
        ):
            raise MalformedToken("the token's aud claim is not a string or a list of strings")


def _overlaps(actual: object, expected: set[str] | frozenset[str]) -> bool:
    """aws-jwt-verify's `assertStringArraysOverlap`: a string or list of strings sharing a member
    with `expected`; the list is scanned in order and a non-string before a match fails.
    """
    if not actual:
        return False
    items = [actual] if isinstance(actual, str) else actual
    if not isinstance(items, list):
        return False
    for item in items:
        if not isinstance(item, str):
            return False
        if item in expected:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Requirements:
    """Scopes and groups a token must carry: at least one of each given set (as aws-jwt-verify
    and API Gateway's JWT authorizers).
    """

    scopes: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None

    @classmethod
    def of(
        cls,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> Requirements:
        """Validated requirements; raises ValueError for an empty set or an empty name."""
        return cls(
            None if scopes is None else _as_tuple("scopes", scopes),
            None if groups is None else _as_tuple("groups", groups),
        )

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise `MissingScope` / `NotInGroup` unless `claims` meet the requirements."""
        if self.scopes is not None:
            scope = claims.get("scope")
            if not isinstance(scope, str) or not _overlaps(scope.split(" "), set(self.scopes)):
                raise MissingScope(f"the token has none of the scopes {', '.join(self.scopes)}")
        if self.groups is not None and not _overlaps(
            claims.get("cognito:groups"), set(self.groups)
        ):
            raise NotInGroup(f"the token's user is in none of the groups {', '.join(self.groups)}")


@dataclass(frozen=True, slots=True)
class _Parsed:
    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature_b64: str
    jwks_uri: str
    kid: str


class CognitoTokenVerifier:
    """Verify ID or access tokens of one Amazon Cognito user pool.

    `client_ids` is required: the app client id(s) whose tokens are accepted, or `None` to accept
    any client of the pool (an explicit opt-out, as `clientId: null` in aws-jwt-verify).
    `scopes` / `groups`: when given, the token must carry at least one of them.
    `jwks`: the pool's JWKS as a dict, for tests and air-gapped services; nothing is fetched then
    (and `jwks_cache` is not used).
    `leeway`: seconds of clock skew tolerated for `exp`, `nbf` and `iat` (default 0).
    `jwks_cache`: share one `JwksCache` between verifiers (default: one per verifier).
    `issuers`: exactly the issuers to accept (the `AcceptedIssuers` stack output of a pool with a
    replica or an issuer switch); default: both issuer forms of the pool's own Region.

    One verifier serves every route: pass a route's own requirements to `verify(token,
    scopes=..., groups=...)`. `from_outputs` and `from_environment` build one from a deployment.
    """

    def __init__(
        self,
        user_pool_id: str,
        *,
        client_ids: str | Sequence[str] | None,
        token_use: TokenUse,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
        jwks: Mapping[str, Any] | None = None,
        leeway: float = 0,
        jwks_cache: JwksCache | None = None,
        issuers: str | Sequence[str] | None = None,
    ) -> None:
        self.region, self._jwks_uris = parse_user_pool_id(user_pool_id)
        self._configured_issuers = issuers is not None
        if issuers is not None:
            self._jwks_uris = accepted_issuers(user_pool_id, issuers)
        self.user_pool_id = user_pool_id
        if token_use not in ("id", "access"):
            raise ValueError("token_use must be 'id' or 'access'")
        self.token_use: TokenUse = token_use
        self._client_claim = _CLIENT_CLAIM[token_use]
        self.client_ids = None if client_ids is None else _as_tuple("client_ids", client_ids)
        self._client_ids = frozenset(self.client_ids or ())
        self._requirements = Requirements.of(scopes, groups)
        self.scopes = self._requirements.scopes
        self.groups = self._requirements.groups
        if isinstance(leeway, bool) or not _is_finite_number(leeway) or leeway < 0:
            raise ValueError("leeway must be a finite number of seconds >= 0")
        self.leeway = float(leeway)
        if jwks is not None:
            # Your own keys (tests, air-gapped services) beside a shared cache: the verifier
            # gets its own offline cache; the shared one is left untouched.
            jwks_cache = JwksCache(offline=True)
            for jwks_uri in self._jwks_uris.values():
                jwks_cache.add(jwks_uri, jwks)
        self.jwks_cache = jwks_cache if jwks_cache is not None else JwksCache()

    @classmethod
    def from_outputs(
        cls,
        path: str | os.PathLike[str],
        *,
        client: str | Sequence[str] | None,
        stack: str | None = None,
        token_use: TokenUse,
        **options: Any,
    ) -> CognitoTokenVerifier:
        """A verifier for a deployment's pool and app client(s), read from the stack outputs file
        `make deploy` writes (`deploy-outputs/<env>.json`). `client` is the app client's name in
        the environment file (`"OrdersWorker"`), a list of names, or None for any client.
        """
        from .sources import verifier_from_outputs  # sources imports this module

        return verifier_from_outputs(
            path, client=client, stack=stack, token_use=token_use, verifier_class=cls, **options
        )

    @classmethod
    def from_environment(
        cls,
        *,
        token_use: TokenUse,
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> CognitoTokenVerifier:
        """A verifier configured by `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` (comma-separated
        for several) and optionally `COGNITO_JWKS_FILE` (keys on disk instead of the pool's URL).
        """
        from .sources import verifier_from_environment  # circular import

        return verifier_from_environment(
            token_use=token_use, environ=environ, verifier_class=cls, **options
        )

    @property
    def issuer(self) -> str:
        """The pool's issuer in its original (regional) form; with `issuers`, the first given."""
        return next(iter(self._jwks_uris))

    @property
    def issuers(self) -> tuple[str, ...]:
        """Every issuer this verifier accepts."""
        return tuple(self._jwks_uris)

    @property
    def jwks_uri(self) -> str:
        """The JWKS URI of the original issuer form."""
        return self._jwks_uris[self.issuer]

    def hydrate(self) -> None:
        """Fetch the JWKS of both issuer forms now (at start-up), so the first request does not.

        Raises `JwksUnavailable` only when no fetch succeeded (as aws-jwt-verify's `hydrate`).
        """
        if self.jwks_cache.offline:
            return
        failures: list[JwksUnavailable] = []
        for jwks_uri in self._jwks_uris.values():
            try:
                self.jwks_cache.refresh(jwks_uri)
            except JwksUnavailable as exc:
                failures.append(exc)
        if len(failures) == len(self._jwks_uris):
            raise failures[0]

    async def ahydrate(self) -> None:
        """`hydrate` for async code: the fetches run in worker threads, never on the loop."""
        if self.jwks_cache.offline:
            return
        results = await asyncio.gather(
            *(self.jwks_cache.arefresh(uri) for uri in self._jwks_uris.values()),
            return_exceptions=True,
        )
        failures = [result for result in results if isinstance(result, BaseException)]
        if len(failures) == len(self._jwks_uris):
            raise failures[0]

    def verify(
        self,
        token: str,
        *,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The token's claims if it is valid for this pool and configuration.

        `scopes` / `groups`: this call's own requirements (at least one of each), on top of the
        verifier's; checked after every other check, so a token that is not valid for this API
        is never reported as merely lacking a scope (401, not 403).
        Raises a subclass of `TokenVerificationError` naming the first reason it is not.
        """
        requirements = Requirements.of(scopes, groups)
        parsed = self._parse(token)
        key = self.jwks_cache.get_key(parsed.jwks_uri, parsed.kid, parsed.header.get("alg"))
        return self._finish(parsed, key, requirements)

    async def averify(
        self,
        token: str,
        *,
        scopes: str | Sequence[str] | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """`verify` for async code: a JWKS fetch never runs on, or blocks, the event loop.

        With the key cached (the usual case) it completes without yielding to the loop; the
        signature check takes tens of microseconds.
        """
        requirements = Requirements.of(scopes, groups)
        parsed = self._parse(token)
        key = await self.jwks_cache.aget_key(parsed.jwks_uri, parsed.kid, parsed.header.get("alg"))
        return self._finish(parsed, key, requirements)

    def _parse(self, token: str) -> _Parsed:
        if not isinstance(token, str) or not _COMPACT_JWS.fullmatch(token):
            raise MalformedToken("not a JWT of three base64url segments")
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = _json_object(header_b64, "header")
        for member in ("alg", "kid"):
            if member in header and not isinstance(header[member], str):
                raise MalformedToken(f"the token header's {member} is not a string")
        payload = _json_object(payload_b64, "payload")
        _check_payload_types(payload)

        jwks_uri = self._jwks_uris.get(payload.get("iss", ""))
        if jwks_uri is None:
            expected = ", ".join(self._jwks_uris) if self._configured_issuers else self.issuer
            raise WrongIssuer(f"the token's issuer is not {expected}")
        kid = header.get("kid")
        if kid is None:
            raise MalformedToken("the token header has no kid")
        signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
        return _Parsed(header, payload, signing_input, signature_b64, jwks_uri, kid)

    def _finish(
        self, parsed: _Parsed, key: VerificationKey, requirements: Requirements
    ) -> dict[str, Any]:
        signature = _b64decode(parsed.signature_b64)
        if not key.algorithm.verify(parsed.signing_input, key.key, signature):
            raise InvalidSignature("the token's signature does not verify")
        self._check_time(parsed.payload)
        self._check_claims(parsed.payload)
        requirements.check(parsed.payload)
        return parsed.payload

    def _check_time(self, payload: Mapping[str, Any]) -> None:
        now = time.time()
        exp = payload.get("exp")
        if exp is None:
            # aws-jwt-verify accepts a token without exp; Cognito always sets it, and a token
            # that never expires is not one to accept.
            raise MissingClaim("the token has no exp claim")
        if exp + self.leeway < now:
            raise TokenExpired("the token has expired")
        nbf = payload.get("nbf")
        if nbf is not None and nbf - self.leeway > now:
            raise TokenNotYetValid("the token is not valid yet (nbf)")
        iat = payload.get("iat")
        if iat is not None and iat - self.leeway > now:
            raise TokenNotYetValid("the token was issued in the future (iat)")

    def _check_claims(self, payload: Mapping[str, Any]) -> None:
        # aws-jwt-verify's order: scopes and groups before token_use and client.
        self._requirements.check(payload)
        if payload.get("token_use") != self.token_use:
            raise WrongTokenUse(f"the token's token_use is not {self.token_use}")
        if self.client_ids is not None:
            client = payload.get(self._client_claim)
            if not isinstance(client, str) or client not in self._client_ids:
                raise WrongClient(
                    f"the token's {self._client_claim} is not an allowed app client id"
                )
