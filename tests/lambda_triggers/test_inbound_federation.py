"""Inbound federation: provider groups reach the pool only through the provider's allow-list.

The abuse cases come first; each test fails when the protection it names is removed from
lambda_triggers/inbound_federation.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from lambda_triggers import inbound_federation as inf
from lambda_triggers._common import ConfigError

GROUPS_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
ADMINS_ID = "0b7f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"
MEMBERS_ID = "5e6f7081-92a3-4b4c-9d5e-6f708192a3b4"
ATTRIBUTE = "custom:idp_groups"
SETTINGS = {
    "attribute": ATTRIBUTE,
    "providers": {
        "CorporateSSO": {
            "type": "SAML",
            "claim": GROUPS_CLAIM,
            "groups": {ADMINS_ID: "admins", MEMBERS_ID: "members"},
        },
        "PartnerLogin": {"type": "OIDC", "claim": "groups", "groups": {"partner-staff": "members"}},
    },
}
CONFIG = inf.parse_config(SETTINGS)
EVENT = dict[str, Any]


@pytest.fixture
def saml(load_event: Callable[[str], EVENT]) -> EVENT:
    return load_event("inbound_federation_saml")


@pytest.fixture
def oidc(load_event: Callable[[str], EVENT]) -> EVENT:
    return load_event("inbound_federation_oidc")


def mapped(event: EVENT) -> dict[str, Any]:
    response: Any = inf.process_event(event, CONFIG)["response"]
    attributes: dict[str, Any] = response["userAttributesToMap"]
    return attributes


def saml_groups(event: EVENT, value: object) -> EVENT:
    event["request"]["attributes"]["samlResponse"][GROUPS_CLAIM] = value
    return event


def providers() -> dict[str, Any]:
    configured: dict[str, Any] = SETTINGS["providers"]  # type: ignore[assignment]
    return configured


# --- abuse cases ------------------------------------------------------------------------------


def test_a_provider_cannot_assert_a_group_another_provider_owns(oidc: EVENT) -> None:
    # GIVEN the partner's OIDC provider claiming the corporate IdP's admins group id
    oidc["request"]["attributes"]["idToken"]["groups"] = json.dumps([ADMINS_ID, "partner-staff"])
    # THEN only its own allow-list applies: partner-staff -> members, the admins id is dropped
    assert mapped(oidc)[ATTRIBUTE] == "members"


def test_a_provider_cannot_write_the_pool_attribute_itself(saml: EVENT) -> None:
    sent = saml["request"]["attributes"]["samlResponse"]
    sent[ATTRIBUTE] = "admins"
    sent["Custom:IDP_Groups"] = "admins"
    saml_groups(saml, "[]")
    attributes = mapped(saml)
    assert attributes[ATTRIBUTE] == ""
    assert "Custom:IDP_Groups" not in attributes


def test_an_unconfigured_provider_writing_the_attribute_is_passed_through_unmapped(
    load_event: Callable[[str], EVENT],
) -> None:
    # Its attribute mapping has no entry for custom:idp_groups (the config refuses one), so
    # the kit's function leaves it alone: Cognito keeps what the mapping makes of it.
    event = load_event("inbound_federation_saml")
    event["request"]["providerName"] = "OtherSaml"
    before = json.loads(json.dumps(event))
    assert inf.process_event(event, CONFIG) == before


@pytest.mark.parametrize(
    "claim",
    [
        "x" * (inf.MAX_CLAIM_CHARS + 1) + "," + ADMINS_ID,
        ",".join([*(f"g{i}" for i in range(inf.MAX_GROUPS)), ADMINS_ID]),
        [*(f"g{i}" for i in range(inf.MAX_GROUPS)), ADMINS_ID],
        ["x" * inf.MAX_CLAIM_CHARS, ADMINS_ID],
    ],
    ids=["long-string", "many-values", "many-items", "long-items"],
)
def test_an_oversized_claim_maps_no_group(saml: EVENT, claim: object) -> None:
    assert mapped(saml_groups(saml, claim))[ATTRIBUTE] == ""


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ([ADMINS_ID, 7, None, {"id": MEMBERS_ID}, ["x"]], "admins"),
        ([f"{MEMBERS_ID}\n", f"\x00{ADMINS_ID}"], ""),
        ({"groups": [ADMINS_ID]}, ""),
        (42, ""),
        ("[not json", ""),
        ('["' + ADMINS_ID + '", 5]', "admins"),
        ("x" * (inf.MAX_GROUP_LEN + 1), ""),
    ],
    ids=["non-strings", "control-chars", "object", "number", "broken-json", "mixed", "long"],
)
def test_a_malformed_claim_maps_only_well_formed_allowed_values(
    saml: EVENT, claim: object, expected: str
) -> None:
    assert mapped(saml_groups(saml, claim))[ATTRIBUTE] == expected


@pytest.mark.parametrize(
    "value",
    [
        "Platform Admins",  # a display name, renamed to look like the admins group
        "admins",  # the pool group's name is not a provider group id
        ADMINS_ID.upper(),
        f"{ADMINS_ID}-old",
        f"x{ADMINS_ID}",
        ADMINS_ID[:-1],
    ],
)
def test_a_renamed_or_look_alike_group_maps_nothing(saml: EVENT, value: str) -> None:
    assert mapped(saml_groups(saml, [value]))[ATTRIBUTE] == ""


def test_the_group_claim_is_read_only_from_the_configured_attribute(saml: EVENT) -> None:
    sent = saml_groups(saml, "[]")["request"]["attributes"]["samlResponse"]
    sent["groups"] = ADMINS_ID
    sent["http://schemas.xmlsoap.org/claims/Group"] = ADMINS_ID
    assert mapped(saml)[ATTRIBUTE] == ""


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e["request"]["attributes"].pop("samlResponse"),
        lambda e: e["request"]["attributes"].__setitem__("samlResponse", "not an object"),
        lambda e: e["request"].__setitem__("attributes", None),
        lambda e: e.pop("request"),
        lambda e: e["request"].__setitem__("providerType", "OIDC"),
        lambda e: e["request"].pop("providerType"),
        lambda e: e["request"].pop("providerName"),
        lambda e: e["request"].__setitem__("providerName", ["CorporateSSO"]),
    ],
    ids=[
        "no-saml-response",
        "saml-response-string",
        "attributes-null",
        "no-request",
        "other-type",
        "no-type",
        "no-name",
        "name-list",
    ],
)
def test_an_unknown_event_shape_fails_the_sign_in_closed(
    saml: EVENT, damage: Callable[[EVENT], object]
) -> None:
    # Answering {} would let the provider's own attributes reach the attribute mapping.
    damage(saml)
    with pytest.raises(inf.FederationUnavailable, match=r"^Sign-in could not be completed"):
        inf.process_event(saml, CONFIG)


# --- the documented events ----------------------------------------------------------------


def test_a_saml_sign_in_keeps_every_attribute_and_adds_the_allowed_groups(saml: EVENT) -> None:
    sent = dict(saml["request"]["attributes"]["samlResponse"])
    attributes = mapped(saml)
    assert attributes == {**sent, ATTRIBUTE: "admins,members"}


def test_an_oidc_sign_in_reads_the_id_token_and_keeps_the_tokens(oidc: EVENT) -> None:
    attributes = mapped(oidc)
    assert attributes[ATTRIBUTE] == "members"
    assert attributes["access_token"] == "eyJ.example.access"
    assert attributes["given_name"] == "Ann"
    assert attributes["email"] == "ann@partner.example.com"


def test_the_id_token_wins_over_user_info(oidc: EVENT) -> None:
    oidc["request"]["attributes"]["userInfo"]["groups"] = "partner-staff"
    oidc["request"]["attributes"]["idToken"]["groups"] = "[]"
    assert mapped(oidc)[ATTRIBUTE] == ""


def test_a_removed_membership_is_cleared_not_left_out(saml: EVENT) -> None:
    # A mapped attribute that is left out keeps its old value: the function always writes it.
    del saml["request"]["attributes"]["samlResponse"][GROUPS_CLAIM]
    attributes = mapped(saml)
    assert attributes[ATTRIBUTE] == ""


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (f"[{ADMINS_ID}, {MEMBERS_ID}]", "admins,members"),
        (json.dumps([MEMBERS_ID]), "members"),
        (f"{MEMBERS_ID},{ADMINS_ID}", "admins,members"),
        (ADMINS_ID, "admins"),
        ([MEMBERS_ID, MEMBERS_ID], "members"),
        ("", ""),
    ],
)
def test_every_multi_value_form_is_read_alike(saml: EVENT, claim: object, expected: str) -> None:
    assert mapped(saml_groups(saml, claim))[ATTRIBUTE] == expected


def test_the_handler_maps_and_passes_other_sources_through(
    saml: EVENT,
    load_event: Callable[[str], EVENT],
    set_config: Callable[[object], None],
) -> None:
    set_config(SETTINGS)
    result = inf.handler(saml, None)
    assert isinstance(result, dict)
    assert result["response"]["userAttributesToMap"][ATTRIBUTE] == "admins,members"
    other = load_event("pre_sign_up_external_provider")
    assert inf.handler(other, None) == load_event("pre_sign_up_external_provider")
    assert inf.handler(["not", "an", "event"], None) == ["not", "an", "event"]


@pytest.mark.parametrize("raw", [None, "{", json.dumps({"attribute": ATTRIBUTE})])
def test_an_invalid_configuration_fails_the_sign_in_closed(
    saml: EVENT,
    set_config: Callable[[object], None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    raw: str | None,
) -> None:
    if raw is None:
        monkeypatch.delenv("TRIGGER_CONFIG", raising=False)
    else:
        set_config(raw)
    with caplog.at_level(logging.ERROR), pytest.raises(inf.FederationUnavailable):
        inf.handler(saml, None)
    assert "invalid trigger configuration" in caplog.text


def test_an_unexpected_error_fails_closed(
    saml: EVENT, set_config: Callable[[object], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(SETTINGS)

    def broken(values: list[str], allow_list: object) -> list[str]:
        raise RuntimeError("bug")

    monkeypatch.setattr(inf, "mapped_groups", broken)
    with pytest.raises(inf.FederationUnavailable):
        inf.handler(saml, None)


def test_no_attribute_value_is_logged(
    saml: EVENT,
    set_config: Callable[[object], None],
    caplog: pytest.LogCaptureFixture,
    log_text: Callable[[list[Any]], str],
) -> None:
    set_config(SETTINGS)
    saml["request"]["attributes"]["samlResponse"][ATTRIBUTE] = "injected-value"
    with caplog.at_level(logging.DEBUG):
        inf.handler(saml, None)
    text = log_text(caplog.records)
    for secret in ("ann@corp.example.com", ADMINS_ID, MEMBERS_ID, "injected-value"):
        assert secret not in text
    assert "CorporateSSO_ann" not in text  # the user name is a reference, never the name
    assert "groups_mapped" in text


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"providers": providers()}, "attribute: required"),
        ({**SETTINGS, "attribute": "idp_groups"}, "custom attribute"),
        ({**SETTINGS, "providers": {}}, "providers: required"),
        (
            {**SETTINGS, "providers": {"X": {"type": "LDAP", "claim": "g", "groups": {"a": "b"}}}},
            "providers.X.type",
        ),
        (
            {**SETTINGS, "providers": {"X": {"type": "SAML", "claim": "g", "groups": {}}}},
            "providers.X.groups: required",
        ),
        (
            {
                **SETTINGS,
                "providers": {"X": {"type": "SAML", "claim": "g", "groups": {"a,b": "c"}}},
            },
            "not a stable group id",
        ),
        ({**SETTINGS, "extra": 1}, "unknown keys"),
    ],
)
def test_parse_config_lists_the_problem(settings: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        inf.parse_config(settings)
    assert any(problem in p for p in error.value.problems), error.value.problems
