"""`averify`: a JWKS fetch never runs on the event loop, one fetch per URI however many requests
wait for it, and the penalty box and unknown-kid rules of the synchronous path.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest
from cognito_tokens import CognitoTokenVerifier, JwksCache, JwksUnavailable, UnknownKey
from test_jwks_cache import PENALTY, FakeClock, FakeFetcher
from tokenkit import CLIENT_ID, JWKS_URI, KID, POOL_ID, Keys, access_claims, header, mint

# Seconds of work (waiting on purpose): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

FETCH_SECONDS = 0.3
TICK_SECONDS = 0.01


def make(fetcher: FakeFetcher, **cache_options: Any) -> CognitoTokenVerifier:
    cache = JwksCache(fetcher=fetcher, penalty_seconds=PENALTY, **cache_options)
    return CognitoTokenVerifier(POOL_ID, client_ids=CLIENT_ID, token_use="access", jwks_cache=cache)


async def ticks_during(work: Any) -> tuple[Any, int]:
    """Run `work` (a coroutine) beside a task that ticks every 10 ms; return its result and
    how many ticks happened meanwhile (a blocked event loop does not tick).
    """
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(TICK_SECONDS)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    try:
        result = await work
    finally:
        task.cancel()
    return result, ticks


def test_a_cold_cache_async_verify_does_not_block_the_event_loop(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks, delay=FETCH_SECONDS)
    verifier = make(fetcher)
    token = mint(header(), access_claims(), keys.signing)

    claims, ticks = asyncio.run(ticks_during(verifier.averify(token)))

    assert claims["client_id"] == CLIENT_ID
    assert fetcher.calls == [JWKS_URI]
    # ~30 ticks fit into the 0.3 s fetch; a blocked loop gets none in.
    assert ticks >= 10, ticks


def test_the_tick_test_detects_a_blocking_fetch(keys: Keys, jwks: dict[str, Any]) -> None:
    # The control: the synchronous verify called on the loop stalls the ticker.
    verifier = make(FakeFetcher(jwks, delay=FETCH_SECONDS))
    token = mint(header(), access_claims(), keys.signing)

    async def blocking() -> dict[str, Any]:
        return verifier.verify(token)

    _, ticks = asyncio.run(ticks_during(blocking()))

    assert ticks <= 1, ticks


def test_concurrent_requests_on_a_cold_cache_share_one_fetch(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks, delay=0.05)
    verifier = make(fetcher)
    tokens = [mint(header(), access_claims(username=f"user{i}"), keys.signing) for i in range(30)]

    async def all_of_them() -> list[dict[str, Any]]:
        return await asyncio.gather(*(verifier.averify(token) for token in tokens))

    results = asyncio.run(all_of_them())

    assert sorted(claims["username"] for claims in results) == sorted(f"user{i}" for i in range(30))
    assert fetcher.calls == [JWKS_URI]


def test_concurrent_unknown_kids_cause_one_refetch_then_the_penalty_box(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks, delay=0.05)
    verifier = make(fetcher)
    verifier.verify(mint(header(), access_claims(), keys.signing))
    forged = [mint(header(f"made-up-{i}"), access_claims(), keys.attacker) for i in range(12)]

    async def all_of_them() -> list[Any]:
        return list(
            await asyncio.gather(
                *(verifier.averify(token) for token in forged), return_exceptions=True
            )
        )

    outcomes = asyncio.run(all_of_them())
    later = asyncio.run(all_of_them())

    assert [type(outcome) for outcome in outcomes + later] == [UnknownKey] * 24
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_a_failed_fetch_fails_every_waiter_and_is_not_retried_within_the_penalty(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks, delay=0.05)
    fetcher.error = ConnectionResetError("reset by peer")
    verifier = make(fetcher, clock=clock)
    token = mint(header(), access_claims(), keys.signing)

    async def five() -> list[Any]:
        return list(
            await asyncio.gather(
                *(verifier.averify(token) for _ in range(5)), return_exceptions=True
            )
        )

    outcomes = asyncio.run(five())
    assert [type(outcome) for outcome in outcomes] == [JwksUnavailable] * 5
    with pytest.raises(JwksUnavailable, match="failed recently"):
        asyncio.run(verifier.averify(token))
    assert fetcher.calls == [JWKS_URI]

    fetcher.error = None
    clock.now += PENALTY + 0.1
    assert asyncio.run(verifier.averify(token))["sub"]
    assert fetcher.calls == [JWKS_URI, JWKS_URI]


def test_a_cancelled_request_does_not_cancel_the_fetch_others_wait_for(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    fetcher = FakeFetcher(jwks, delay=0.05)
    verifier = make(fetcher)
    token = mint(header(), access_claims(), keys.signing)
    # Other pools' fetches occupy the worker threads, so this pool's fetch waits in the queue,
    # where a cancellation would still reach it.
    busy = JwksCache(fetcher=FakeFetcher(jwks, delay=0.1))
    for i in range(8):
        busy._start_fetch(f"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Busy{i}/jwks")

    async def scenario() -> dict[str, Any]:
        first = asyncio.create_task(verifier.averify(token))
        second = asyncio.create_task(verifier.averify(token))
        await asyncio.sleep(0.02)
        first.cancel()
        return await second

    assert asyncio.run(scenario())["client_id"] == CLIENT_ID
    assert fetcher.calls == [JWKS_URI]


def test_a_stale_jwks_is_used_while_one_background_refresh_runs(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    clock = FakeClock()
    fetcher = FakeFetcher(jwks)
    verifier = make(fetcher, clock=clock, max_age_seconds=60)
    token = mint(header(), access_claims(), keys.signing)
    asyncio.run(verifier.averify(token))
    clock.now += 61
    fetcher.delay = FETCH_SECONDS
    fetcher.body = {"keys": [k for k in jwks["keys"] if k["kid"] != KID]}  # the key is removed

    async def during_refresh() -> tuple[float, list[Any]]:
        started = time.monotonic()
        served = await asyncio.gather(*(verifier.averify(token) for _ in range(5)))
        elapsed = time.monotonic() - started
        await asyncio.sleep(FETCH_SECONDS * 1.5)  # the background refresh completes
        return elapsed, served

    elapsed, served = asyncio.run(during_refresh())

    assert elapsed < FETCH_SECONDS / 3  # nobody waited for the refresh
    assert [claims["sub"] for claims in served] == [served[0]["sub"]] * 5
    assert fetcher.calls == [JWKS_URI, JWKS_URI]  # first fetch + one refresh
    with pytest.raises(UnknownKey):
        asyncio.run(verifier.averify(token))  # the refreshed JWKS no longer has the key


def test_ahydrate_fetches_in_worker_threads(keys: Keys, jwks: dict[str, Any]) -> None:
    fetcher = FakeFetcher(jwks, delay=0.1)
    verifier = make(fetcher)

    _, ticks = asyncio.run(ticks_during(verifier.ahydrate()))

    assert ticks >= 3
    assert len(fetcher.calls) == 2  # both issuer forms
    assert verifier.verify(mint(header(), access_claims(), keys.signing))["sub"]


def test_a_forked_worker_does_not_wait_for_the_parents_fetch(
    keys: Keys, jwks: dict[str, Any]
) -> None:
    # gunicorn --preload forks workers from a process that may be fetching: the child has no
    # such thread, so its lock and its in-flight fetch must not be inherited.
    fetcher = FakeFetcher(jwks, delay=0.5)
    verifier = make(fetcher)
    token = mint(header(), access_claims(), keys.signing)
    in_flight = verifier.jwks_cache._start_fetch(JWKS_URI)
    time.sleep(0.1)  # the worker thread now holds the URI's lock, in the middle of the fetch

    pid = os.fork()
    if pid == 0:  # the child: verify within 2 s or fail
        fetcher.delay = 0
        try:
            claims = asyncio.run(asyncio.wait_for(verifier.averify(token), 2))
            os._exit(0 if claims["client_id"] == CLIENT_ID else 2)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    in_flight.result(timeout=5)

    assert os.waitstatus_to_exitcode(status) == 0
