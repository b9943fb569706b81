"""Fixtures for the cognito_tokens tests: keys are generated once per session, in memory."""

from __future__ import annotations

from typing import Any

import pytest
from tokenkit import Keys


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys.generate()


@pytest.fixture(scope="session")
def jwks(keys: Keys) -> dict[str, Any]:
    return keys.jwks()
