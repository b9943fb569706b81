"""The pool's public keys: fetching the JWKS over HTTPS, caching it per JWKS URI, and turning a
JWK into a verification key with PyJWT (which does the cryptography, through `cryptography`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import ssl
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from jwt import PyJWK
from jwt.algorithms import Algorithm
from jwt.exceptions import PyJWTError

from .errors import InvalidKey, JwksUnavailable, UnknownKey, UnsupportedAlgorithm

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "TESTING_POOL_NAME",
    "Fetcher",
    "HttpsFetcher",
    "JwksCache",
    "is_testing_jwks_uri",
    "parse_jwks",
]

_LOGGER = logging.getLogger("cognito_tokens")

Fetcher = Callable[[str], bytes]
"""Returns the body of the document at an `https://` URI; any exception means "unavailable"."""

# aws-jwt-verify's list: asymmetric algorithms only, so a public key can never be an HMAC secret.
SUPPORTED_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_KEY_TYPE_OF_ALGORITHM: Final = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}
_PUBLIC_MEMBERS: Final = {"RSA": ("n", "e"), "EC": ("crv", "x", "y"), "OKP": ("crv", "x")}
_OPTIONAL_STRING_MEMBERS: Final = ("use", "alg", "kid", "n", "e", "x", "y", "crv")

DEFAULT_TIMEOUT_SECONDS: Final = 2.0
DEFAULT_MAX_BYTES: Final = 64 * 1024  # a Cognito JWKS (two RSA keys) is about 1 KiB
DEFAULT_PENALTY_SECONDS: Final = 10.0  # aws-jwt-verify's SimplePenaltyBox default
# Removed keys stop being trusted within the hour; one fetch per pool and process an hour.
DEFAULT_MAX_AGE_SECONDS: Final = 3600.0
# The user pool name part of `cognito_tokens.testing`'s pool id: `<region>_cognitoTokensTesting`.
TESTING_POOL_NAME: Final = "cognitoTokensTesting"


class _JwksError(ValueError):
    pass


def _reject_constant(name: str) -> None:
    # Python's json accepts NaN/Infinity; JSON (and JavaScript's JSON.parse) does not.
    raise ValueError(f"invalid JSON constant {name}")


def parse_jwks(document: bytes | str | Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Validate a JWKS (bytes, text or parsed) and index its keys by `kid` (first one wins).

    Raises ValueError when it is not `{"keys": [JWK, ...]}` with string members, as aws-jwt-verify
    requires of a fetched JWKS. Keys without a `kid` cannot be selected and are left out.
    """
    if isinstance(document, Mapping):
        jwks: object = document
    else:
        try:
            text = document.decode("utf-8") if isinstance(document, bytes) else document
            jwks = json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            raise _JwksError(f"JWKS is not JSON: {exc}") from None
    if not isinstance(jwks, Mapping):
        raise _JwksError("JWKS is not a JSON object")
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise _JwksError("JWKS has no keys array")
    indexed: dict[str, dict[str, Any]] = {}
    for jwk in keys:
        if not isinstance(jwk, Mapping):
            raise _JwksError("a JWK is not a JSON object")
        if not isinstance(jwk.get("kty"), str):
            raise _JwksError("a JWK has no kty string")
        for member in _OPTIONAL_STRING_MEMBERS:
            if member in jwk and not isinstance(jwk[member], str):
                raise _JwksError(f"a JWK's {member} is not a string")
        kid = jwk.get("kid")
        if kid is not None and kid not in indexed:
            indexed[kid] = dict(jwk)
    return indexed


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A JWK made ready for one algorithm: PyJWT's algorithm object and the public key."""

    algorithm: Algorithm
    key: Any


def prepare_key(jwk: Mapping[str, Any], header_alg: object) -> VerificationKey:
    """Check that `jwk` may verify a token whose header says `header_alg`, and load it.

    The order of checks follows aws-jwt-verify (`validateJwtHeaderAndJwk`), plus one stricter
    rule: the algorithm's key type must be the JWK's (aws-jwt-verify would let an `ES256` header
    select RSA-SHA256 with an RSA key that has no `alg`).
    """
    kty = jwk.get("kty")
    members = _PUBLIC_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise InvalidKey("the signing JWK's kty is not RSA, EC or OKP")
    if jwk.get("use") and jwk.get("use") != "sig":
        raise InvalidKey("the signing JWK's use is not sig")
    for member in members:
        if not jwk.get(member):
            raise InvalidKey(f"the signing JWK has no {member}")
    jwk_alg = jwk.get("alg")
    if jwk_alg and header_alg != jwk_alg:
        raise UnsupportedAlgorithm("the token's alg is not the signing JWK's alg")
    if not isinstance(header_alg, str) or header_alg not in SUPPORTED_ALGORITHMS:
        raise UnsupportedAlgorithm(
            f"the token's alg must be one of {', '.join(sorted(SUPPORTED_ALGORITHMS))}"
        )
    if _KEY_TYPE_OF_ALGORITHM[header_alg] != kty:
        raise UnsupportedAlgorithm("the token's alg does not fit the signing JWK's key type")
    # Only the public members: a JWKS that leaks a private key must still yield a public key.
    public_jwk = {"kty": kty, **{member: jwk[member] for member in members}}
    try:
        loaded = PyJWK(public_jwk, algorithm=header_alg)
    except (PyJWTError, ValueError, TypeError):
        raise InvalidKey("the signing JWK is not a valid public key") from None
    return VerificationKey(algorithm=loaded.Algorithm, key=loaded.key)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        # A redirect could lead to plain http or to a host we never chose: treat as a failure.
        return None


class HttpsFetcher:
    """Fetch a JWKS with the standard library: `https://` only, no redirects, a timeout for the
    whole download and a size cap.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if timeout <= 0 or max_bytes <= 0:
            raise ValueError("timeout and max_bytes must be positive")
        self.timeout = timeout
        self.max_bytes = max_bytes
        context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _RefuseRedirects()
        )

    def __call__(self, uri: str) -> bytes:
        """The response body; raises OSError (urllib's errors included) or ValueError."""
        if not uri.startswith("https://"):
            raise ValueError("only https:// JWKS URIs are fetched")
        deadline = time.monotonic() + self.timeout
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            uri, headers={"Accept": "application/json", "User-Agent": "cognito-tokens"}
        )
        with self._opener.open(request, timeout=self.timeout) as response:
            if response.status != 200:
                raise ValueError(f"HTTP status {response.status}, expected 200")
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
                raise ValueError(f"JWKS larger than {self.max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            # read1 returns what has arrived, so the deadline is checked while bytes trickle in.
            while chunk := response.read1(min(8192, self.max_bytes + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    raise ValueError(f"JWKS larger than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"JWKS download took longer than {self.timeout} s")
            return b"".join(chunks)


@dataclass(slots=True)
class _Jwks:
    keys: Mapping[str, Mapping[str, Any]]
    fetched_at: float
    prepared: dict[tuple[str, str], VerificationKey] = field(default_factory=dict)


def is_testing_jwks_uri(jwks_uri: str) -> bool:
    """Whether the URI belongs to the pool of `cognito_tokens.testing` (never fetched)."""
    return f"_{TESTING_POOL_NAME}/" in jwks_uri


def _fetch_executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    with _EXECUTOR_GUARD:
        if _EXECUTOR is None:
            # A few threads: fetches are single-flight per URI, so one per pool is the most needed.
            _EXECUTOR = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cognito-tokens-jwks")
        return _EXECUTOR


_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_GUARD = threading.Lock()
_CACHES: weakref.WeakSet[JwksCache] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked worker (gunicorn --preload, multiprocessing) inherits no threads: a fetch under
    way in the parent never finishes in the child, and a lock it held stays held. Start afresh.
    """
    global _EXECUTOR, _EXECUTOR_GUARD
    _EXECUTOR = None
    _EXECUTOR_GUARD = threading.Lock()
    for cache in list(_CACHES):
        cache._reset_after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class JwksCache:
    """JWKS per JWKS URI, shared by any number of verifiers, threads and event loops.

    A known `kid` is served from memory without locking. An unknown `kid` triggers one fetch
    (concurrent callers for the same URI wait for that fetch instead of starting their own). When
    the fetch fails, or the fetched JWKS still lacks the `kid`, the URI goes into a penalty box:
    for `penalty_seconds` no further fetch happens and unknown kids are rejected at once, so a
    stream of tokens with made-up kids cannot turn into a stream of requests to Cognito.

    A JWKS older than `max_age_seconds` (None: never) is refreshed on its next use, by one caller
    while the others keep using the cached keys; a failed refresh keeps the cached keys and waits
    out the penalty box before trying again, so an outage of the JWKS endpoint does not become an
    outage of the service. `get_key` (synchronous) refreshes inline; `aget_key` (async) never
    fetches on the event loop: the fetch runs in a worker thread, one per URI at a time.

    With `offline=True` nothing is ever fetched: the cache holds what `add` put there.
    The JWKS of the `cognito_tokens.testing` pool is never fetched either (its keys exist only in
    the test process): it must be passed explicitly.
    """

    def __init__(
        self,
        *,
        fetcher: Fetcher | None = None,
        offline: bool = False,
        penalty_seconds: float = DEFAULT_PENALTY_SECONDS,
        max_age_seconds: float | None = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if penalty_seconds < 0:
            raise ValueError("penalty_seconds must not be negative")
        if max_age_seconds is not None and not max_age_seconds > 0:
            raise ValueError("max_age_seconds must be positive, or None for no maximum age")
        # Made on first use: loading the CA certificates costs ~50 ms, and offline caches
        # (keys given explicitly, as in tests) never fetch.
        self._fetcher: Fetcher | None = fetcher
        self.offline = offline
        self._penalty_seconds = penalty_seconds
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._entries: dict[str, _Jwks] = {}
        self._penalty_until: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._in_flight: dict[str, Future[_Jwks]] = {}
        _CACHES.add(self)

    def _reset_after_fork(self) -> None:
        self._locks = {}
        self._locks_guard = threading.Lock()
        self._in_flight = {}

    def add(self, jwks_uri: str, jwks: bytes | str | Mapping[str, Any]) -> None:
        """Put a JWKS you already have into the cache (replacing any cached one for the URI).

        Added keys never age: `max_age_seconds` applies to fetched ones.
        """
        try:
            keys = parse_jwks(jwks)
        except ValueError as exc:
            raise ValueError(f"invalid JWKS: {exc}") from None
        with self._lock_for(jwks_uri):
            self._entries[jwks_uri] = _Jwks(keys, fetched_at=math.inf)
            self._penalty_until.pop(jwks_uri, None)

    def has(self, jwks_uri: str) -> bool:
        """Whether a JWKS for this URI is cached."""
        return jwks_uri in self._entries

    def refresh(self, jwks_uri: str) -> None:
        """Fetch the JWKS now (penalty box or not) and cache it; raises `JwksUnavailable`."""
        if self.offline:
            return
        with self._lock_for(jwks_uri):
            self._fetch_locked(jwks_uri)

    async def arefresh(self, jwks_uri: str) -> None:
        """`refresh` without blocking the event loop (joins a fetch already under way)."""
        if self.offline:
            return
        await self._await_fetch(jwks_uri)

    def get_key(self, jwks_uri: str, kid: str, alg: object) -> VerificationKey:
        """The verification key for `kid` and the header's `alg`, fetching the JWKS if needed."""
        entry = self._entries.get(jwks_uri)
        jwk = entry.keys.get(kid) if entry is not None else None
        if entry is None or jwk is None:
            entry, jwk = self._lookup_slow(jwks_uri, kid)
        elif self._is_stale(jwks_uri, entry):
            entry, jwk = self._revalidate(jwks_uri, kid, entry, jwk)
        return self._prepared(entry, kid, jwk, alg)

    async def aget_key(self, jwks_uri: str, kid: str, alg: object) -> VerificationKey:
        """`get_key` for async code: a fetch never runs on (or blocks) the event loop."""
        entry = self._entries.get(jwks_uri)
        jwk = entry.keys.get(kid) if entry is not None else None
        if entry is not None and jwk is not None:
            if self._is_stale(jwks_uri, entry):
                self._start_fetch(jwks_uri)  # serve the cached key meanwhile
            return self._prepared(entry, kid, jwk, alg)
        if self.offline:
            entry, jwk = self._lookup_slow(jwks_uri, kid)  # raises without I/O
            return self._prepared(entry, kid, jwk, alg)
        fetched = False
        while True:
            entry = self._entries.get(jwks_uri)
            jwk = entry.keys.get(kid) if entry is not None else None
            if entry is not None and jwk is not None:
                return self._prepared(entry, kid, jwk, alg)
            self._raise_if_penalized(jwks_uri, entry)
            if fetched:  # a fetch finished after this call began and the kid is still unknown
                self._penalize(jwks_uri)
                raise UnknownKey("the token's kid is not in the user pool's JWKS")
            await self._await_fetch(jwks_uri)
            fetched = True

    def _prepared(
        self, entry: _Jwks, kid: str, jwk: Mapping[str, Any], alg: object
    ) -> VerificationKey:
        prepared_key = (kid, alg if isinstance(alg, str) else "")
        key = entry.prepared.get(prepared_key)
        if key is None:
            key = prepare_key(jwk, alg)
            entry.prepared[prepared_key] = key
        return key

    def _is_stale(self, jwks_uri: str, entry: _Jwks) -> bool:
        if self.offline or self.max_age_seconds is None:
            return False
        now = self._clock()
        if now - entry.fetched_at <= self.max_age_seconds:
            return False
        return now >= self._penalty_until.get(jwks_uri, -math.inf)

    def _revalidate(
        self, jwks_uri: str, kid: str, entry: _Jwks, jwk: Mapping[str, Any]
    ) -> tuple[_Jwks, Mapping[str, Any]]:
        lock = self._lock_for(jwks_uri)
        # One caller refreshes; the others keep verifying with the cached keys meanwhile.
        if not lock.acquire(blocking=False):
            return entry, jwk
        try:
            current = self._entries.get(jwks_uri, entry)
            if current is not entry or not self._is_stale(jwks_uri, entry):
                entry = current
            else:
                try:
                    entry = self._fetch_locked(jwks_uri)
                except JwksUnavailable:
                    return entry, jwk
        finally:
            lock.release()
        fresh = entry.keys.get(kid)
        if fresh is None:
            # The refresh was the refetch for this kid: the pool no longer publishes it.
            self._penalize(jwks_uri)
            raise UnknownKey("the token's kid is not in the user pool's JWKS")
        return entry, fresh

    def _raise_if_penalized(self, jwks_uri: str, entry: _Jwks | None) -> None:
        if self._clock() < self._penalty_until.get(jwks_uri, -math.inf):
            if entry is None:
                raise JwksUnavailable(f"fetching {jwks_uri} failed recently; not retrying yet")
            raise UnknownKey("the token's kid is not in the user pool's JWKS")

    def _penalize(self, jwks_uri: str) -> None:
        self._penalty_until[jwks_uri] = self._clock() + self._penalty_seconds

    def _lookup_slow(self, jwks_uri: str, kid: str) -> tuple[_Jwks, Mapping[str, Any]]:
        if self.offline:
            if jwks_uri not in self._entries:
                raise JwksUnavailable("no JWKS is loaded for this user pool")
            raise UnknownKey("the token's kid is not in the user pool's JWKS")
        with self._lock_for(jwks_uri):
            # Another thread may have fetched while this one waited for the lock.
            entry = self._entries.get(jwks_uri)
            if entry is not None and kid in entry.keys:
                return entry, entry.keys[kid]
            self._raise_if_penalized(jwks_uri, entry)
            entry = self._fetch_locked(jwks_uri)
            jwk = entry.keys.get(kid)
            if jwk is None:
                self._penalize(jwks_uri)
                raise UnknownKey("the token's kid is not in the user pool's JWKS")
            return entry, jwk

    def _start_fetch(self, jwks_uri: str) -> Future[_Jwks]:
        """The fetch of `jwks_uri` under way in a worker thread, or a new one: one at a time."""
        with self._locks_guard:
            future = self._in_flight.get(jwks_uri)
            if future is None or future.done():
                future = _fetch_executor().submit(self._fetch_in_thread, jwks_uri)
                self._in_flight[jwks_uri] = future
            return future

    def _fetch_in_thread(self, jwks_uri: str) -> _Jwks:
        with self._lock_for(jwks_uri):
            return self._fetch_locked(jwks_uri)

    async def _await_fetch(self, jwks_uri: str) -> _Jwks:
        waiter = asyncio.wrap_future(self._start_fetch(jwks_uri))
        # A cancelled request must not cancel the fetch the other requests are waiting for.
        waiter.add_done_callback(_retrieve_exception)
        try:
            return await asyncio.shield(waiter)
        except JwksUnavailable as exc:
            # Each waiter gets its own exception object (one is shared by every waiter).
            raise JwksUnavailable(str(exc)) from exc.__cause__

    def _fetch_locked(self, jwks_uri: str) -> _Jwks:
        if is_testing_jwks_uri(jwks_uri):
            self._penalize(jwks_uri)
            raise JwksUnavailable(
                "the keys of the cognito_tokens.testing pool are never fetched: "
                "pass them to the verifier (jwks=pool.jwks)"
            )
        try:
            if self._fetcher is None:
                self._fetcher = HttpsFetcher()
            keys = parse_jwks(self._fetcher(jwks_uri))
        # Any failure of a (possibly user-supplied) fetcher means the same thing: no keys.
        except Exception as exc:
            self._penalize(jwks_uri)
            stale = self._entries.get(jwks_uri)
            if stale is not None:
                _LOGGER.warning(
                    "could not refresh the JWKS from %s (%s); keeping the cached keys",
                    jwks_uri,
                    type(exc).__name__,
                )
            raise JwksUnavailable(f"could not fetch the JWKS from {jwks_uri}: {exc}") from exc
        entry = _Jwks(keys, fetched_at=self._clock())
        self._entries[jwks_uri] = entry
        self._penalty_until.pop(jwks_uri, None)
        return entry

    def _lock_for(self, jwks_uri: str) -> threading.Lock:
        lock = self._locks.get(jwks_uri)
        if lock is None:
            with self._locks_guard:
                lock = self._locks.setdefault(jwks_uri, threading.Lock())
        return lock


def _retrieve_exception(future: asyncio.Future[Any]) -> None:
    # Marks the exception as seen when every waiter was cancelled (no "never retrieved" noise).
    if not future.cancelled():
        future.exception()
