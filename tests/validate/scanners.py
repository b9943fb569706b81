"""The real scanners `make test` installs (checkov, cfn-guard with the Control Tower rules)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infra.validate import control_tower
from infra.validate.checkov import default_executable
from infra.validate.run import ROOT


def _missing(what: str) -> None:
    message = f"{what} is not installed: `make test` installs it (see the Makefile)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI runs `make test`: a missing tool there is a broken set-up
    pytest.skip(message)


def control_tower_install() -> control_tower.Installation:
    found = control_tower.installation(ROOT / control_tower.INSTALL_RELATIVE)
    if found is None:
        _missing("cfn-guard with the Control Tower rules (.venv/cfn-guard)")
    assert found is not None
    return found


def checkov_executable() -> Path:
    found = default_executable(ROOT)
    if found is None:
        _missing("checkov (.venv/checkov)")
    assert found is not None
    return found
