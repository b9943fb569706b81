"""docs/client-config.md stays true: its example outputs file goes through the real reader, the
`custom` block is what the command writes from it, the list of outputs read is what the reader
asks for, and the first-try message is the command's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.client_config.__main__ import main
from infra.client_config.amplify import amplify_outputs, required_outputs
from infra.client_config.outputs import read_outputs_file
from infra.config import EnvironmentConfig, load_environments
from tests.client_config.conftest import ROOT, Variant
from tests.conftest import TEAM_ENVIRONMENTS, Assembly

DOC = ROOT / "docs" / "client-config.md"


def section(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:begin[^>]*-->\n(.*?)<!-- {name}:end -->", text, re.DOTALL)
    assert match is not None, f"docs/client-config.md lacks the {name} markers"
    return match.group(1)


def json_block(name: str) -> Any:
    match = re.search(r"```json\n(.*?)```", section(name), re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))


def test_the_example_outputs_file_is_read_by_the_real_reader(
    assembly: Assembly, tmp_path: Path
) -> None:
    showcase = assembly.environments["showcase"]
    example = json_block("example")
    path = tmp_path / "showcase.json"
    path.write_text(json.dumps(example))
    outputs = read_outputs_file(path, showcase.config)
    # The whole file make deploy writes: every output of the template, nothing else.
    assert list(example) == [showcase.stack_name]
    assert set(outputs) == set(showcase.template_json["Outputs"])
    files, _ = amplify_outputs(showcase.config, outputs)
    [web] = [f for f in files if f.client_id == "WebApp"]
    assert web.outputs["custom"] == json_block("custom")
    assert web.outputs["auth"]["user_pool_client_id"] == outputs["WebAppClientId"]


def _pattern(config: EnvironmentConfig, key: str) -> str:
    """The documented name of an output: `<Client>ClientId`, `<Api>HttpApiUrl`, ..."""
    for suffix, ids, placeholder in (
        ("ClientId", config.app_clients, "<Client>"),
        ("HttpApiUrl", config.apis.http, "<Api>"),
        ("RestApiUrl", config.apis.rest, "<Api>"),
    ):
        if key.endswith(suffix) and key.removesuffix(suffix) in ids:
            return placeholder + suffix
    return key


def test_the_list_of_outputs_read_is_what_the_reader_asks_for(
    kit_configs: dict[str, EnvironmentConfig], variants: dict[str, Variant]
) -> None:
    configs = [
        *kit_configs.values(),
        *load_environments(TEAM_ENVIRONMENTS),
        *(variant.config for variant in variants.values()),
    ]
    asked = {_pattern(config, key) for config in configs for key in required_outputs(config)}
    rows = [line for line in section("reads").splitlines() if line.startswith("| `")]
    documented = {re.match(r"\| `([^`]+)`", row).group(1) for row in rows}  # type: ignore[union-attr]
    assert documented == asked


def test_the_first_try_message_is_the_commands(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_credentials: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--env", "dev"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    console = re.search(r"```console\n\$ make client-config ENV=dev\n(.*?)\n```", DOC.read_text())
    assert console is not None
    assert console.group(1) == line
