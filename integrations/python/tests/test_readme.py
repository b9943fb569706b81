"""The package README's adapter snippets are the example files, and its Python blocks compile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent
README = (PACKAGE / "README.md").read_text(encoding="utf-8")
EMBEDDED = re.compile(
    r"<!-- example: (?P<path>\S+) [^>]*-->\n```python\n(?P<code>.*?)```\n<!-- /example -->",
    re.DOTALL,
)


def test_every_example_file_is_in_the_readme() -> None:
    embedded = {match["path"] for match in EMBEDDED.finditer(README)}

    assert embedded == {f"examples/{path.name}" for path in (PACKAGE / "examples").glob("*.py")}


@pytest.mark.parametrize("match", list(EMBEDDED.finditer(README)), ids=lambda m: m["path"])
def test_an_embedded_example_is_its_file(match: re.Match[str]) -> None:
    assert match["code"] == (PACKAGE / match["path"]).read_text(encoding="utf-8")


def test_every_python_block_compiles() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)

    assert len(blocks) >= 7
    for block in blocks:
        compile(block, "README.md", "exec")
