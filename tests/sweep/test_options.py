"""The sweep covers every documented option: the model, the reference and the sweep agree, and
a key added to the model without a way to vary it fails here, by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import load_environments
from infra.config.docs import reference_table
from tests.sweep.examples import EXAMPLES
from tests.sweep.options import UNSET, options
from tests.sweep.regressions import REGRESSIONS
from tests.sweep.run import BASES, BASES_DIR, check_configs, draw, read_base, write_variants
from tests.sweep.variants import Change, Variant, is_set, resolve, single_changes
from tests.yaml_files import read_yaml

DOCUMENTED = {line.split("`")[1] for line in reference_table().splitlines()[2:]}


def test_every_documented_key_is_an_option_and_nothing_else() -> None:
    assert {option.path for option in options()} == DOCUMENTED


def test_every_example_belongs_to_a_documented_key() -> None:
    assert sorted(set(EXAMPLES) - DOCUMENTED) == []


def test_both_bases_load_cleanly() -> None:
    configs = load_environments(BASES, directory=BASES_DIR)
    assert [config.tier for config in configs] == ["development", "production"]


def test_every_option_is_varied_or_required_and_set() -> None:
    bases = {base: read_base(base) for base in BASES}
    uncovered = []
    for option in options():
        if option.section:
            continue  # covered through its keys
        varied = any(single_changes([option], base, data) for base, data in bases.items())
        required = UNSET not in option.values
        set_somewhere = any(is_set(data, resolve(option.path, data)) for data in bases.values())
        if not varied and not (required and set_somewhere):
            uncovered.append(option.path)
    assert uncovered == [], (
        "add an example to tests/sweep/examples.py, or set the key in a tests/fixtures/sweep/ base"
    )


def test_a_seed_draws_the_same_variants() -> None:
    assert draw(7, 5, 3) == draw(7, 5, 3)
    assert draw(7, 5, 3) != draw(8, 5, 3)


def test_every_single_change_is_drawn_when_asked_for_all() -> None:
    every = draw(1, None, 0)
    changes = sum(len(single_changes(options(), b, read_base(b))) for b in BASES)
    assert every[: len(REGRESSIONS)] == list(REGRESSIONS)
    assert len(every) == len(REGRESSIONS) + changes
    assert all(len(variant.changes) == 1 for variant in every[len(REGRESSIONS) :])


def test_every_run_has_the_regressions_whatever_its_sample() -> None:
    assert draw(3, 0, 0) == list(REGRESSIONS)
    assert {variant.base for variant in REGRESSIONS} == set(BASES)
    assert all(variant.pinned for variant in REGRESSIONS)


def test_the_regressions_are_accepted_with_sms_and_phone_sign_in(tmp_path: Path) -> None:
    named = write_variants(REGRESSIONS, tmp_path)
    outcomes, configs = check_configs(named, tmp_path)

    assert {name: outcome.verdict for name, outcome in outcomes.items()} == dict.fromkeys(
        named, "clean"
    )
    for config in configs:
        assert config.user_pool.mfa.sms is True
        assert "phone" in config.user_pool.sign_in_identifiers


def test_a_pinned_regression_that_is_refused_breaks_the_promise(tmp_path: Path) -> None:
    refused = Variant("development", (Change("tier", ("tier",), "production"),), pinned="why")
    outcomes, _ = check_configs(write_variants([refused], tmp_path), tmp_path)
    assert outcomes["d-0001"].verdict == "FAIL"
    assert "a pinned regression must deploy, not be refused" in outcomes["d-0001"].failures[-1]


def test_a_refusal_names_the_file_and_key_and_a_valid_change_is_accepted(
    tmp_path: Path,
) -> None:
    refused = Variant("development", (Change("tier", ("tier",), "production"),))
    accepted = Variant(
        "development", (Change("user_pool.name", ("user_pool", "name"), "acme-users"),)
    )
    named = write_variants([refused, accepted], tmp_path)
    outcomes, configs = check_configs(named, tmp_path)
    assert outcomes["d-0001"].verdict == "refused"
    assert any(r.startswith("account: ") for r in outcomes["d-0001"].refused)
    assert outcomes["d-0002"].verdict == "clean"
    assert [config.user_pool.name for config in configs] == ["acme-users"]
    written = read_yaml(tmp_path / "d-0002.yaml")
    assert written["user_pool"]["name"] == "acme-users"


def test_a_refusal_without_a_key_path_breaks_the_promise(tmp_path: Path) -> None:
    # An unreadable file is refused, but without naming a key: the sweep reports that.
    named = write_variants([Variant("development", ())], tmp_path)
    (tmp_path / "d-0001.yaml").write_text("- not a mapping\n")
    outcomes, _ = check_configs(named, tmp_path)
    assert outcomes["d-0001"].verdict == "FAIL"
    assert "refusal without file and key" in outcomes["d-0001"].failures[0]


@pytest.mark.parametrize("base", BASES)
def test_unset_removes_the_key(base: str) -> None:
    data = read_base(base)
    variant = Variant(base, (Change("owner", ("owner",), UNSET),))
    assert "owner" not in variant.apply(data)
    assert "owner" in data
