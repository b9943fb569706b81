"""The package builds into a self-contained wheel (fast: the build backend is already in the
repository's venv, so no download and no build isolation). `make package-check` does the full
install into a fresh venv.
"""

from __future__ import annotations

import email.parser
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed here (make setup installs it)")
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "--quiet", "--disable-pip-version-check", "-w", str(out), str(PACKAGE_ROOT)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("cognito_tokens-0.1.0-py3-none-any.whl")
    return built


def test_the_wheel_holds_the_package_and_its_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    for module in (
        "__init__",
        "errors",
        "jwks",
        "verifier",
        "sources",
        "bearer",
        "fastapi",
        "flask",
        "django",
        "drf",
        "aws_lambda",
        "testing/__init__",
        "testing/pytest_plugin",
    ):
        assert f"cognito_tokens/{module}.py" in names
    assert "cognito_tokens/py.typed" in names
    assert not [name for name in names if name.startswith(("tests/", "src/"))]


def test_the_wheel_metadata_declares_name_python_and_dependencies(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.parser.Parser().parsestr(
            archive.read("cognito_tokens-0.1.0.dist-info/METADATA").decode()
        )

    assert metadata["Name"] == "cognito-tokens"
    assert metadata["Version"] == "0.1.0"
    assert metadata["Requires-Python"] == ">=3.11"
    requires = metadata.get_all("Requires-Dist") or []
    # The core needs PyJWT alone; every framework is an extra.
    assert [r for r in requires if "extra ==" not in r] == ["pyjwt[crypto]<3,>=2.10"]
    assert sorted(metadata.get_all("Provides-Extra") or []) == ["django", "drf", "fastapi", "flask"]
    assert "fastapi>=0.115; extra == 'fastapi'" in requires
    assert "djangorestframework>=3.15; extra == 'drf'" in requires
    assert "FastAPI" in metadata.get_payload()  # the README is the long description


def test_the_wheel_registers_the_pytest_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read("cognito_tokens-0.1.0.dist-info/entry_points.txt").decode()

    assert "[pytest11]\ncognito_tokens = cognito_tokens.testing.pytest_plugin" in entry_points


def test_the_wheel_alone_imports_and_verifies(wheel: Path) -> None:
    # A pure wheel is importable as a zip: this runs the built files, not the editable source.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import cognito_tokens as c; "
        "assert c.__file__.startswith(sys.argv[1]), c.__file__; "
        "v = c.CognitoTokenVerifier('eu-west-1_Abc', client_ids='x', token_use='id', "
        "jwks={'keys': []}); print(v.jwks_uri)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json"
    )
