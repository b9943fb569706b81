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


def test_the_corpus_figures_are_the_corpus_s() -> None:
    """The Tests section's token counts and the stricter-than table come from the corpus."""
    from test_differential import CORPUS, DIFFERENCES

    built = re.search(r"`test_differential\.py` builds (\d+) tokens", README)
    stricter = re.search(r"except the (\d+) where this package is stricter on purpose", README)
    assert built, "README.md, Tests: the sentence with the token count is gone"
    assert stricter, "README.md, Tests: the sentence with the stricter count is gone"
    assert int(built[1]) == len(CORPUS), "update the token count in README.md, Tests"
    assert int(stricter[1]) == len(DIFFERENCES), "update README.md, Tests"
    section = README.split("## Where this verifier is stricter than aws-jwt-verify", 1)[1]
    table = section.split("\n\n")[2]  # after the intro paragraph: the table
    assert len(table.splitlines()) - 2 == len(DIFFERENCES), "one table row per @difference case"
