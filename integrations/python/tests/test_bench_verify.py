"""Benchmark (`make bench`): one verification with a warm cache, beside PyJWT's bare `jwt.decode`
of the same token with the same key; conftest.py prints both medians and their ratio after the
benchmark table. Under `make test` (benchmarks disabled) each runs once, as a plain test.
"""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cognito_tokens import CognitoTokenVerifier
from tokenkit import CLIENT_ID, POOL_ID, Keys, access_claims, header, mint

pytestmark = pytest.mark.bench

ACCEPTANCE_SECONDS = 1e-3  # "well under a millisecond per verification"


@pytest.fixture(scope="module")
def token(keys: Keys) -> str:
    return mint(header(), access_claims(), keys.signing)


def _median(benchmark: Any) -> float | None:
    stats = getattr(benchmark, "stats", None)
    return None if stats is None else float(stats.stats.median)


def test_bench_verify_warm_cache(
    benchmark: Any, jwks: dict[str, Any], token: str, bench_medians: dict[str, float]
) -> None:
    verifier = CognitoTokenVerifier(
        POOL_ID, client_ids=CLIENT_ID, token_use="access", scopes="api/read", jwks=jwks
    )
    verifier.verify(token)  # warm: key prepared and cached

    claims = benchmark(verifier.verify, token)

    assert claims["client_id"] == CLIENT_ID
    median = _median(benchmark)
    if median is not None:
        bench_medians["verify"] = median
        assert median < ACCEPTANCE_SECONDS


def test_bench_pyjwt_bare_decode(
    benchmark: Any, keys: Keys, token: str, bench_medians: dict[str, float]
) -> None:
    public_key = keys.signing.public_key()

    claims = benchmark(jwt.decode, token, public_key, algorithms=["RS256"])

    assert claims["client_id"] == CLIENT_ID
    median = _median(benchmark)
    if median is not None:
        bench_medians["decode"] = median
