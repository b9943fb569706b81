"""Fixtures for the replacement guard tests."""

from __future__ import annotations

from typing import Any

import pytest

from .sample import cognito_template


@pytest.fixture
def template() -> dict[str, Any]:
    """The sample Cognito template, a fresh copy per test."""
    return cognito_template()
