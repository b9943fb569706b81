"""`make test` skips the rehearsal-only modules without importing them (see conftest.py here);
these tests keep that list true, reading the modules' source, not importing them."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.rehearsal.conftest import REHEARSAL_ONLY

HERE = Path(__file__).resolve().parent


def _module_marks(path: Path) -> set[str]:
    """The `pytest.mark.<name>` names in a module's `pytestmark` assignment."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return {
                sub.attr
                for sub in ast.walk(node.value)
                if isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Attribute)
                and sub.value.attr == "mark"
            }
    return set()


def test_every_module_skipped_at_collection_is_marked_rehearsal_as_a_whole() -> None:
    for name in REHEARSAL_ONLY:
        assert "rehearsal" in _module_marks(HERE / name), name


def test_every_module_marked_rehearsal_as_a_whole_is_skipped_at_collection() -> None:
    marked = {p.name for p in HERE.glob("test_*.py") if "rehearsal" in _module_marks(p)}
    assert marked == REHEARSAL_ONLY
