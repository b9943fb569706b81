"""pytest plugin (entry point `cognito_tokens`): the `cognito_pool` fixture.

Loaded automatically when the package is installed; without the entry point (e.g. a vendored
copy) add `pytest_plugins = ["cognito_tokens.testing.pytest_plugin"]` to the root conftest.py.
"""

from __future__ import annotations

import pytest

from . import LocalPool


@pytest.fixture(scope="session")
def cognito_pool() -> LocalPool:
    """A `LocalPool` for the test session: its key pair is made once (about 0.1 s)."""
    return LocalPool()
