"""Fixtures for the cognito_tokens tests: keys are generated once per session, in memory."""

from __future__ import annotations

from typing import Any

import pytest
from adapter_harness import load_example
from cognito_tokens.testing import LocalPool
from tokenkit import Keys

_BENCH_MEDIANS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture(scope="session")
def jwks(keys: Keys) -> dict[str, Any]:
    return keys.jwks()


@pytest.fixture(scope="session")
def bench_medians(pytestconfig: pytest.Config) -> dict[str, float]:
    """Median seconds per call by benchmark name, filled by test_bench_verify.py."""
    return pytestconfig.stash.setdefault(_BENCH_MEDIANS, {})


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    medians = config.stash.get(_BENCH_MEDIANS, {})
    if {"verify", "decode"} <= medians.keys():
        verify, decode = medians["verify"], medians["decode"]
        terminalreporter.write_sep("-", "cognito_tokens: warm verification vs PyJWT bare decode")
        terminalreporter.write_line(f"CognitoTokenVerifier.verify  {verify * 1e6:8.1f} us (median)")
        terminalreporter.write_line(f"jwt.decode (bare, same key)  {decode * 1e6:8.1f} us (median)")
        terminalreporter.write_line(f"ratio verify / bare decode   {verify / decode:8.2f}")


@pytest.fixture(scope="session")
def example_env(
    cognito_pool: LocalPool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The examples' environment: the testing pool, its client and its JWKS on disk."""
    return cognito_pool.environment(tmp_path_factory.mktemp("jwks") / "jwks.json")


@pytest.fixture(scope="session")
def django_settings(example_env: dict[str, str]) -> None:
    """Django's settings are process-wide: the example's own, from its first import."""
    pytest.importorskip("rest_framework")
    load_example("django_app", example_env)
