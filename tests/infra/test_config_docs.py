"""docs/configuration.md is generated from the model and never drifts."""

from __future__ import annotations

from pathlib import Path

from infra.config.docs import BEGIN, END, reference_table, replace_block
from infra.config.environment import EnvironmentConfig
from infra.config.user_pool import UserPoolConfig

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_reference_page_is_up_to_date() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    assert replace_block(text, reference_table()) == text, "run `make docs`"


def test_reference_lists_every_key_with_its_default() -> None:
    table = reference_table()
    for name in EnvironmentConfig.model_fields:
        if name != "name":
            assert f"| `{name}` |" in table
    for name in UserPoolConfig.model_fields:
        assert f"| `user_pool.{name}` |" in table
    assert "| `user_pool.password_policy.require_symbols` | bool | `true` |" in table
    assert "| `owner` | str | **required** |" in table


def test_replace_block_keeps_the_text_around_the_markers() -> None:
    text = f"before\n{BEGIN}\nold\n{END}\nafter\n"
    assert replace_block(text, "new") == f"before\n{BEGIN}\nnew\n{END}\nafter\n"
