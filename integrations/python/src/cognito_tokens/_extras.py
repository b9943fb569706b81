"""The clear ImportError an adapter raises when its framework (its extra) is not installed."""

from __future__ import annotations

import importlib
from types import ModuleType


def require_extra(module: str, extra: str, adapter: str) -> ModuleType:
    """Import `module`, or explain which extra of cognito-tokens brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"cognito_tokens.{adapter} needs {module}, which is not installed: "
            f'pip install "cognito-tokens[{extra}]"'
        ) from exc
