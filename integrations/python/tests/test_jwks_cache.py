"""The JWKS cache: hydrate, one refetch on an unknown kid, the penalty box, one fetch for many
threads, fetch failures. A fake fetcher stands in for Cognito; nothing touches the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from cognito_tokens import (
    CognitoTokenVerifier,
    JwksCache,
    JwksUnavailable,
    TokenVerificationError,
    UnknownKey,
)
from cognito_tokens import jwks as jwks_module
from tokenkit import (
    CLIENT_ID,
    GLOBAL_JWKS_URI,
    JWKS_URI,
    KID,
    POOL_ID,
    Keys,
    access_claims,
    header,
    id_claims,
    mint,
    rsa_public_jwk,
)

PENALTY = 10.0


class FakeFetcher:
    """Serves `body` (or raises `error`) and records every URI asked for; thread-safe."""

    def __init__(self, body: dict[str, Any] | bytes, *, delay: float = 0.0) -> None:
        self.body: dict[str, Any] | bytes = body
        self.error: Exception | None = None
        self.delay = delay
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, uri: str) -> bytes:
        with self._lock:
            self.calls.append(uri)
        if self.delay:
            time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(
    fetcher: FakeFetcher, clock: Callable[[], float] = time.monotonic
) -> tuple[JwksCache, CognitoTokenVerifier]:
    cache = JwksCache(fetcher=fetcher, penalty_seconds=PENALTY, clock=clock)
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks_cache=cache
    )
    return cache, verifier


def test_hydrate_fetches_both_issuer_forms_then_verification_never_fetches(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks)
    _, verifier = make(fetcher)

    verifier.hydrate()
    for _ in range(3):
        assert (
            verifier.verify(mint(header(), access_claims(), keys.signing))["token_use"] == "access"
        )

    assert sorted(fetcher.calls) == sorted([JWKS_URI, GLOBAL_JWKS_URI])


def test_without_hydrate_the_first_verification_fetches_once(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks)
    _, verifier = make(fetcher)

    verifier.verify(mint(header(), access_claims(), keys.signing))
    verifier.verify(mint(header(), access_claims(), keys.signing))

    assert fetcher.calls == [JWKS_URI]


def test_hydrate_succeeds_when_one_issuer_form_answers(keys: Keys, jwks: dict[str, Any]) -> None:
    class OnlyRegional(FakeFetcher):
        def __call__(self, uri: str) -> bytes:
            if uri == GLOBAL_JWKS_URI:
                raise OSError("no route")
            return super().__call__(uri)

    fetcher = OnlyRegional(jwks)
    _, verifier = make(fetcher)

    verifier.hydrate()

    assert verifier.jwks_cache.has(JWKS_URI)
    assert not verifier.jwks_cache.has(GLOBAL_JWKS_URI)


def test_hydrate_raises_when_no_fetch_succeeds(jwks: dict[str, Any]) -> None:
    fetcher = FakeFetcher(jwks)
    fetcher.error = TimeoutError("timed out")
    _, verifier = make(fetcher)

    with pytest.raises(JwksUnavailable, match="could not fetch the JWKS") as raised:
        verifier.hydrate()
    assert isinstance(raised.value.__cause__, TimeoutError)


def test_an_unknown_kid_refetches_once_and_finds_a_rotated_key(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher({"keys": [rsa_public_jwk(keys.signing, KID)]})
    _, verifier = make(fetcher)
    verifier.verify(mint(header(), access_claims(), keys.signing))
    fetcher.body = jwks  # Cognito now publishes the new key too

    claims = verifier.verify(mint(header("key-2-2026"), access_claims(), keys.second))

    assert claims["client_id"] == CLIENT_ID
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_a_kid_still_unknown_after_the_refetch_opens_the_penalty_box(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    _, verifier = make(fetcher, clock)
    verifier.hydrate()
    forged = mint(header("made-up"), access_claims(), keys.attacker)

    with pytest.raises(UnknownKey):
        verifier.verify(forged)
    assert len(fetcher.calls) == 3  # hydrate (2 issuer forms) + one refetch

    for _ in range(5):  # a storm of made-up kids: no request to Cognito
        with pytest.raises(UnknownKey):
            verifier.verify(mint(header("other-made-up"), access_claims(), keys.attacker))
    assert len(fetcher.calls) == 3
    # Known keys keep working while the box is closed.
    assert verifier.verify(mint(header(), access_claims(), keys.signing))

    clock.now += PENALTY + 0.1
    with pytest.raises(UnknownKey):
        verifier.verify(forged)
    assert len(fetcher.calls) == 4


def test_a_failed_fetch_is_jwks_unavailable_and_is_not_retried_within_the_penalty(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    fetcher.error = ConnectionResetError("reset by peer")
    _, verifier = make(fetcher, clock)
    token = mint(header(), access_claims(), keys.signing)

    with pytest.raises(JwksUnavailable, match="could not fetch"):
        verifier.verify(token)
    with pytest.raises(JwksUnavailable, match="failed recently"):
        verifier.verify(token)
    assert fetcher.calls == [JWKS_URI]

    fetcher.error = None
    clock.now += PENALTY + 0.1
    assert verifier.verify(token)["sub"]
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>503 Service Unavailable</html>",
        b'{"keys": {"kid": "x"}}',
        b'{"no_keys": []}',
        b'[{"kty": "RSA"}]',
        b'{"keys": [{"kid": "x"}]}',
        b'{"keys": [{"kty": "RSA", "kid": "x", "n": 5, "e": "AQAB"}]}',
        b'{"keys": [], "x": NaN}',
        b"\xff\xfe{}",
    ],
)
def test_an_invalid_jwks_document_is_jwks_unavailable(keys: Keys, body: bytes) -> None:
    _, verifier = make(FakeFetcher(body))

    with pytest.raises(JwksUnavailable, match="could not fetch"):
        verifier.verify(mint(header(), access_claims(), keys.signing))


def test_any_fetcher_exception_is_jwks_unavailable_with_the_cause_kept(keys: Keys) -> None:
    fetcher = FakeFetcher(b"")
    fetcher.error = RuntimeError("a custom fetcher's bug")
    _, verifier = make(fetcher)

    with pytest.raises(JwksUnavailable) as raised:
        verifier.verify(mint(header(), access_claims(), keys.signing))
    assert isinstance(raised.value, TokenVerificationError)
    assert isinstance(raised.value.__cause__, RuntimeError)


def test_many_threads_on_a_cold_cache_share_one_fetch(keys: Keys, jwks: dict[str, Any]) -> None:
    fetcher = FakeFetcher(jwks, delay=0.05)
    _, verifier = make(fetcher)
    tokens = [mint(header(), access_claims(username=f"user{i}"), keys.signing) for i in range(24)]
    start = threading.Barrier(len(tokens))
    results: list[str] = []
    errors: list[BaseException] = []

    def verify(token: str) -> None:
        start.wait()
        try:
            results.append(verifier.verify(token)["username"])
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=verify, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    assert sorted(results) == sorted(f"user{i}" for i in range(24))
    assert fetcher.calls == [JWKS_URI]


def test_many_threads_with_unknown_kids_cause_one_fetch(keys: Keys, jwks: dict[str, Any]) -> None:
    fetcher = FakeFetcher(jwks, delay=0.05)
    _, verifier = make(fetcher)
    verifier.verify(mint(header(), access_claims(), keys.signing))
    start = threading.Barrier(16)
    outcomes: list[type[BaseException]] = []

    def verify(i: int) -> None:
        start.wait()
        try:
            verifier.verify(mint(header(f"made-up-{i}"), access_claims(), keys.attacker))
        except BaseException as exc:  # collected and asserted below
            outcomes.append(type(exc))

    threads = [threading.Thread(target=verify, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert outcomes == [UnknownKey] * 16
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_one_cache_serves_verifiers_of_the_same_pool(keys: Keys, jwks: dict[str, Any]) -> None:
    fetcher = FakeFetcher(jwks)
    cache, access_verifier = make(fetcher)
    id_verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="id", jwks_cache=cache
    )

    access_verifier.verify(mint(header(), access_claims(), keys.signing))
    id_verifier.verify(mint(header(), id_claims(), keys.signing))

    assert fetcher.calls == [JWKS_URI]


def test_a_preloaded_jwks_is_never_fetched(
    keys: Keys, jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []
    monkeypatch.setattr(jwks_module.HttpsFetcher, "__call__", lambda self, uri: fetched.append(uri))
    verifier = CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=jwks)

    verifier.hydrate()
    assert verifier.verify(mint(header(), access_claims(), keys.signing))
    with pytest.raises(UnknownKey):
        verifier.verify(mint(header("made-up"), access_claims(), keys.attacker))

    assert fetched == []


def test_a_key_is_prepared_once_per_kid_and_algorithm(
    keys: Keys, jwks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    prepared: list[str] = []
    real_prepare = jwks_module.prepare_key

    def counting_prepare(jwk: dict[str, Any], alg: object) -> jwks_module.VerificationKey:
        prepared.append(jwk["kid"])
        return real_prepare(jwk, alg)

    monkeypatch.setattr(jwks_module, "prepare_key", counting_prepare)
    verifier = CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks=jwks)

    for _ in range(5):
        verifier.verify(mint(header(), access_claims(), keys.signing))

    assert prepared == [KID]


def test_add_rejects_an_invalid_jwks() -> None:
    with pytest.raises(ValueError, match="invalid JWKS: JWKS has no keys array"):
        JwksCache(offline=True).add(JWKS_URI, {"key": []})


def test_jwks_given_beside_a_shared_cache_wins_and_leaves_the_cache_alone(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    # An app factory passes its shared cache; a test passes its own keys too.
    fetcher = FakeFetcher(b"")
    fetcher.error = OSError("no network in this test")
    shared = JwksCache(fetcher=fetcher)

    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="id", jwks=jwks, jwks_cache=shared
    )

    assert verifier.verify(mint(header(), id_claims(), keys.signing))["token_use"] == "id"
    assert verifier.jwks_cache is not shared
    assert not shared.has(JWKS_URI)
    assert fetcher.calls == []
