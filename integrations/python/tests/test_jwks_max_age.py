"""Keys are refreshed after `max_age_seconds` (synchronous path): one caller refreshes while the
others use the cached keys; a failed refresh keeps them and waits out the penalty box.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cognito_tokens import CognitoTokenVerifier, JwksCache, UnknownKey
from test_jwks_cache import PENALTY, FakeClock, FakeFetcher
from tokenkit import CLIENT_ID, JWKS_URI, KID, POOL_ID, Keys, access_claims, header, mint

MAX_AGE = 600.0


def make(fetcher: FakeFetcher, clock: FakeClock, **options: Any) -> CognitoTokenVerifier:
    cache = JwksCache(
        fetcher=fetcher,
        penalty_seconds=PENALTY,
        clock=clock,
        **{"max_age_seconds": MAX_AGE, **options},
    )
    return CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks_cache=cache)


def test_keys_are_refetched_once_after_the_maximum_age(keys: Keys, jwks: dict[str, Any]) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    verifier = make(fetcher, clock)
    token = mint(header(), access_claims(), keys.signing)

    verifier.verify(token)
    clock.now += MAX_AGE  # not older than the maximum age yet
    verifier.verify(token)
    assert fetcher.calls == [JWKS_URI]

    clock.now += 1
    for _ in range(3):
        verifier.verify(token)
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_a_key_removed_from_the_pool_is_refused_after_the_refresh(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    verifier = make(fetcher, clock)
    token = mint(header(), access_claims(), keys.signing)
    verifier.verify(token)
    fetcher.body = {"keys": [key for key in jwks["keys"] if key["kid"] != KID]}

    clock.now += MAX_AGE + 1
    with pytest.raises(UnknownKey):
        verifier.verify(token)
    with pytest.raises(UnknownKey):  # and the refresh counted as the refetch: penalty box
        verifier.verify(token)
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_a_failed_refresh_keeps_the_cached_keys_and_waits_out_the_penalty(
    keys: Keys, jwks: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    verifier = make(fetcher, clock)
    token = mint(header(), access_claims(), keys.signing)
    verifier.verify(token)
    fetcher.error = TimeoutError("timed out")
    clock.now += MAX_AGE + 1

    with caplog.at_level(logging.WARNING, logger="cognito_tokens"):
        assert verifier.verify(token)["sub"]  # an outage of the JWKS endpoint is not ours
        assert verifier.verify(token)["sub"]
    assert fetcher.calls == [JWKS_URI, JWKS_URI]
    assert "keeping the cached keys" in caplog.text
    assert token not in caplog.text

    fetcher.error = None
    clock.now += PENALTY + 0.1
    verifier.verify(token)
    assert fetcher.calls == [JWKS_URI, JWKS_URI, JWKS_URI]


def test_no_maximum_age_never_refreshes(keys: Keys, jwks: dict[str, Any]) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    verifier = make(fetcher, clock, max_age_seconds=None)
    token = mint(header(), access_claims(), keys.signing)

    verifier.verify(token)
    clock.now += 10 * 365 * 86400
    verifier.verify(token)

    assert fetcher.calls == [JWKS_URI]


def test_the_default_maximum_age_is_an_hour() -> None:
    assert JwksCache().max_age_seconds == 3600


def test_keys_given_explicitly_never_age(keys: Keys, jwks: dict[str, Any]) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(b"")
    cache = JwksCache(fetcher=fetcher, clock=clock, max_age_seconds=1)
    cache.add(JWKS_URI, jwks)
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks_cache=cache
    )

    clock.now += 10_000
    assert verifier.verify(mint(header(), access_claims(), keys.signing))["sub"]
    assert fetcher.calls == []


@pytest.mark.parametrize("max_age", [0, -1])
def test_the_maximum_age_must_be_positive(max_age: float) -> None:
    with pytest.raises(ValueError, match="max_age_seconds must be positive"):
        JwksCache(max_age_seconds=max_age)
