"""docs/outputs.md's list of stack outputs is the list the templates output."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Assembly

OUTPUTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"


def documented() -> list[re.Pattern[str]]:
    """Each output name in the outputs table, `<Client>` etc. as a wildcard."""
    text = OUTPUTS_DOC.read_text(encoding="utf-8")
    table = text.split("<!-- outputs:begin", 1)[1].split("<!-- outputs:end -->", 1)[0]
    names = [
        name
        for row in table.splitlines()[3:]
        for name in re.findall(r"`([^`]+)`", row.split("|")[1])
    ]
    return [
        re.compile("^" + re.sub(r"<[A-Za-z]+>", "[A-Z][A-Za-z0-9]*", name) + "$") for name in names
    ]


def test_every_output_of_the_kits_templates_is_documented_and_nothing_else(
    assembly: Assembly, team_assembly: Assembly
) -> None:
    outputs = {
        key
        for source in (assembly, team_assembly)
        for env in source.environments.values()
        for key in env.template_json.get("Outputs", {})
    }
    patterns = documented()
    assert [key for key in sorted(outputs) if not any(p.match(key) for p in patterns)] == []
    unused = [p.pattern for p in patterns if not any(p.match(key) for key in outputs)]
    assert unused == []
