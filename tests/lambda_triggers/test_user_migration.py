"""User migration trigger: configuration, migration from a moto old pool, every refusal, failures.

Every deliberate refusal must look exactly like a name that exists nowhere: the trigger returns
the event with an empty response (all fields null), which Cognito answers as for an unknown user
under PreventUserExistenceErrors (docs/migration.md says what AWS documents and what is not
confirmed on a live pool). `assert_refused` pins that shape.

The old pool lives in moto (one pool for the module, in another region than the new pool), with
users in each status the trigger must handle. Behaviour moto lacks (MFA challenges other than
SMS, a case-insensitive old pool, throttling, misconfigured clients) comes from botocore's
Stubber, timeouts from a fake client.

Event fixtures (shapes from the AWS page linked in the module): ``user_migration_authentication``
carries ``request.password``; ``user_migration_forgot_password`` has none. Both have the
response keys Cognito sends, all null.
"""

from __future__ import annotations

import base64
import json
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from lambda_triggers import user_migration as um
from lambda_triggers._common import ConfigError
from lambda_triggers.user_migration import MigrationUnavailable

REPO_ROOT = Path(__file__).resolve().parents[2]
OLD_REGION = "eu-west-1"
PASSWORD = "Old-Pool-Passw0rd!"  # the password in the authentication fixture
NEW_ATTRIBUTES = [
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "given_name",
    "family_name",
    "custom:tenant_id",
]
STUB_POOL = "eu-west-1_OLDPOOL01"
STUB_CLIENT = "oldclient0123456789"


class OldPool(NamedTuple):
    client: Any
    pool_id: str
    client_id: str


def _attributes(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in values.items()]


@pytest.fixture(scope="module")
def old_pool() -> Iterator[OldPool]:
    """The OLD pool in moto, with users in every status the trigger distinguishes."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "cognito-idp",
            region_name=OLD_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        pool_id = client.create_user_pool(
            PoolName="old",
            MfaConfiguration="OPTIONAL",
            Schema=[
                {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False},
                {"Name": "legacy", "AttributeDataType": "String"},
            ],
        )["UserPool"]["Id"]
        client_id = client.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="migration",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]

        def confirmed(username: str, attributes: dict[str, str]) -> None:
            client.admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                UserAttributes=_attributes(attributes),
                MessageAction="SUPPRESS",
                TemporaryPassword="Temporary-Passw0rd!",
            )
            client.admin_set_user_password(
                UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
            )

        confirmed(
            "ann",
            {
                "email": "ann@example.com",
                "email_verified": "true",
                "phone_number": "+15550100",
                "phone_number_verified": "false",
                "given_name": "Ann",
                "family_name": "Example",
                "nickname": "annie",
                "custom:tenant_id": "t-1",
                "custom:legacy": "not in the new pool",
            },
        )
        confirmed("Ann", {"email": "other-ann@example.com", "email_verified": "true"})
        confirmed(
            "paul",
            {
                "email": "paul@example.com",
                "email_verified": "false",
                "phone_number": "+15550111",
                "phone_number_verified": "true",
            },
        )
        confirmed("frank", {"email": "frank@example.com", "email_verified": "false"})
        confirmed(
            "gina",
            {
                "email": "gina@example.com",
                "email_verified": "true",
                "phone_number": "+15550133",
                "phone_number_verified": "true",
            },
        )
        confirmed("bob", {"email": "bob@example.com", "email_verified": "true"})
        client.admin_disable_user(UserPoolId=pool_id, Username="bob")
        client.admin_create_user(  # FORCE_CHANGE_PASSWORD, its temporary password is PASSWORD
            UserPoolId=pool_id,
            Username="carol",
            UserAttributes=_attributes({"email": "carol@example.com", "email_verified": "true"}),
            MessageAction="SUPPRESS",
            TemporaryPassword=PASSWORD,
        )
        confirmed("dave", {"email": "dave@example.com", "email_verified": "true"})
        client.admin_reset_user_password(UserPoolId=pool_id, Username="dave")
        confirmed(
            "erin",
            {
                "email": "erin@example.com",
                "email_verified": "true",
                "phone_number": "+15550122",
                "phone_number_verified": "true",
            },
        )
        client.admin_set_user_mfa_preference(
            UserPoolId=pool_id,
            Username="erin",
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        client.sign_up(  # UNCONFIRMED
            ClientId=client_id,
            Username="uma",
            Password=PASSWORD,
            UserAttributes=_attributes({"email": "uma@example.com"}),
        )
        yield OldPool(client, pool_id, client_id)


@pytest.fixture(autouse=True)
def _fresh_trigger_state() -> Iterator[None]:
    um.CONFIG.reset()
    um._old_pool_clients.clear()
    yield
    um.CONFIG.reset()
    um._old_pool_clients.clear()


def config_for(pool_id: str, client_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "from_user_pool_id": pool_id,
        "from_client_id": client_id,
        "attributes": NEW_ATTRIBUTES,
        "case_sensitive": False,
        "sign_in_identifiers": [],
        **overrides,
    }


@pytest.fixture
def moto_config(old_pool: OldPool) -> um.Config:
    return um.parse_config(config_for(old_pool.pool_id, old_pool.client_id))


@pytest.fixture
def forgot_config(old_pool: OldPool) -> um.Config:
    """Forgot-password migration opted in (the end of a migration window)."""
    return um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, forgot_password="migrate")
    )


EMPTY_RESPONSE = dict.fromkeys(
    [
        "userAttributes",
        "finalUserStatus",
        "messageAction",
        "desiredDeliveryMediums",
        "forceAliasCreation",
        "enableSMSMFA",
    ]
)


def assert_refused(result: object, event: dict[str, Any]) -> None:
    """The answer Cognito treats as "no such user": the event back, its response all null."""
    assert result is event
    assert event["response"] == EMPTY_RESPONSE


def stub_config(**overrides: Any) -> um.Config:
    return um.parse_config(config_for(STUB_POOL, STUB_CLIENT, **overrides))


def logged_reasons(records: list[Any]) -> str:
    return "\n".join(str(getattr(r, "reason", "")) for r in records)


def fake_jwt(claims: dict[str, object]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2lnbmF0dXJl"


class Recorder:
    """A client factory that hands out one client and records the regions asked for."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.regions: list[str] = []

    def __call__(self, region: str) -> Any:
        self.regions.append(region)
        return self.client


def migrate(event: dict[str, Any], config: um.Config, client: Any) -> dict[str, Any]:
    return um.process_event(event, config, Recorder(client), um.Deadline(um.TIME_BUDGET_S))


def auth_event(
    load_event: Callable[[str], dict[str, Any]], username: str, password: str = PASSWORD
) -> dict[str, Any]:
    event = load_event("user_migration_authentication")
    event["userName"] = username
    event["request"]["password"] = password
    return event


def forgot_event(load_event: Callable[[str], dict[str, Any]], username: str) -> dict[str, Any]:
    event = load_event("user_migration_forgot_password")
    event["userName"] = username
    return event


# --- configuration ------------------------------------------------------------------------


def test_parse_config_derives_the_region_from_the_pool_id() -> None:
    config = um.parse_config(config_for("eu-west-1_AbC123", "client1"))
    assert config == um.Config(
        from_user_pool_id="eu-west-1_AbC123",
        from_client_id="client1",
        region="eu-west-1",
        attributes=frozenset(NEW_ATTRIBUTES),
        case_sensitive=False,
        sign_in_identifiers=frozenset(),
        forgot_password="ignore",
    )
    assert um.parse_config(
        config_for("eu-west-1_AbC123", "c", region="eu-west-1")
    ) == config._replace(from_client_id="c")


def test_parse_config_reports_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        um.parse_config(
            {
                "from_user_pool_id": "eu-west-1_AbC123",
                "from_client_id": "bad client id",
                "region": "us-east-1",
                "attributes": ["email", "sub", "cognito:username", "identities", "email", "a b"],
                "case_sensitive": "no",
                "sign_in_identifiers": ["email", "username", "email"],
                "forgot_password": "always",
                "to_user_pool_id": "x",
            }
        )
    text = "\n".join(raised.value.problems)
    assert len(raised.value.problems) == 13
    assert "sign_in_identifiers[0]: 'email' is a sign-in identifier but 'email_verified'" in text
    assert "sign_in_identifiers[1]: 'username' is not one of" in text
    assert "sign_in_identifiers[2]: 'email' is listed twice" in text
    assert "forgot_password: 'always' is not one of ['ignore', 'migrate']" in text
    assert "unknown keys ['to_user_pool_id']" in text
    assert "from_client_id: expected letters, digits" in text
    assert "region: 'us-east-1' does not match the pool id's region 'eu-west-1'" in text
    for index, name in ((1, "sub"), (2, "cognito:username"), (3, "identities")):
        assert f"attributes[{index}]: {name!r} is assigned by the new pool" in text
    assert "attributes[4]: 'email' is listed twice" in text
    assert "attributes[5]: 'a b' is not an attribute name" in text
    assert "case_sensitive: expected true or false" in text


def test_parse_config_requires_every_key_but_region() -> None:
    with pytest.raises(ConfigError) as raised:
        um.parse_config({})
    problems = raised.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "from_user_pool_id",
        "from_client_id",
        "attributes",
        "case_sensitive",
        "sign_in_identifiers",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"from_user_pool_id": "AbC123"}, "expected '<region>_<id>'"),
        ({"from_user_pool_id": "eu-west-1-AbC123"}, "expected '<region>_<id>'"),
        ({"from_user_pool_id": 7}, "expected a non-empty string"),
        ({"region": "Europe"}, "not a region name"),
        ({"attributes": []}, "at least one attribute"),
        ({"attributes": "email"}, "expected an array"),
        ({"attributes": ["Cognito:username"]}, "never carried over"),
        ({"attributes": ["custom:this_name_is_far_too_long"]}, "not an attribute name"),
    ],
)
def test_parse_config_rejects(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        um.parse_config(config_for("eu-west-1_AbC123", "client1", **overrides))


@pytest.mark.parametrize("raw", [None, "not json", "[]", "{}"])
def test_missing_or_invalid_config_fails_closed(
    raw: str | None, set_config: Any, load_event: Any, caplog: Any, monkeypatch: Any
) -> None:
    if raw is not None:
        set_config(raw)
    monkeypatch.setattr(um, "old_pool_client", _must_not_be_called)
    with caplog.at_level(logging.ERROR), pytest.raises(MigrationUnavailable) as raised:
        um.handler(load_event("user_migration_authentication"), None)
    assert str(raised.value) == um.UNAVAILABLE_MESSAGE
    assert any("invalid trigger configuration" in r.getMessage() for r in caplog.records)


def _must_not_be_called(region: str) -> Any:
    raise AssertionError("this path must not call AWS")


# --- migration at sign-in (moto) ----------------------------------------------------------


def test_sign_in_migrates_the_listed_attributes_and_keeps_the_password(
    old_pool: OldPool, moto_config: um.Config, load_event: Any
) -> None:
    factory = Recorder(old_pool.client)
    event = um.process_event(
        auth_event(load_event, "ann"), moto_config, factory, um.Deadline(um.TIME_BUDGET_S)
    )
    assert factory.regions == [OLD_REGION]
    assert event["response"] == {
        "userAttributes": {
            "email": "ann@example.com",
            "email_verified": "true",
            "phone_number": "+15550100",
            "given_name": "Ann",
            "family_name": "Example",
            "custom:tenant_id": "t-1",
        },
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
        "forceAliasCreation": False,
    }


def test_an_unlisted_authorization_input_stays_in_the_old_pool(
    old_pool: OldPool, load_event: Any, caplog: Any
) -> None:
    # What the infra lists when the file declares neither custom:tenant_id nor the
    # verification flags protected in the old pool.
    attributes = ["email", "phone_number", "given_name", "family_name"]
    config = um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, attributes=attributes)
    )
    with caplog.at_level(logging.INFO):
        event = migrate(auth_event(load_event, "ann"), config, old_pool.client)
    assert event["response"]["userAttributes"] == {
        "email": "ann@example.com",
        "phone_number": "+15550100",
        "given_name": "Ann",
        "family_name": "Example",
    }
    (record,) = [r for r in caplog.records if r.getMessage().startswith("migrated")]
    assert record.withheld_attribute_names == [
        "custom:legacy",
        "custom:tenant_id",
        "email_verified",
        "nickname",
        "phone_number_verified",
    ]
    assert "'t-1'" not in "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)


def test_a_verification_flag_is_carried_only_when_listed(
    old_pool: OldPool, load_event: Any
) -> None:
    attributes = ["email", "email_verified", "phone_number"]
    config = um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, attributes=attributes)
    )
    event = migrate(auth_event(load_event, "gina"), config, old_pool.client)
    assert event["response"]["userAttributes"] == {
        "email": "gina@example.com",
        "email_verified": "true",
        "phone_number": "+15550133",  # verified in the old pool, but the flag is not listed
    }


def test_sign_in_of_a_user_whose_email_is_unverified_carries_it_unverified(
    old_pool: OldPool, moto_config: um.Config, load_event: Any
) -> None:
    # The new pool does not sign in with email here: an unverified email claims nothing.
    event = migrate(auth_event(load_event, "frank"), moto_config, old_pool.client)
    assert event["response"]["userAttributes"] == {"email": "frank@example.com"}


@pytest.mark.parametrize(
    ("username", "identifiers", "reason"),
    [
        ("frank", ["email"], "email is a sign-in identifier of the new pool"),
        ("paul", ["email"], "email is a sign-in identifier of the new pool"),
        ("ann", ["phone_number"], "phone_number is a sign-in identifier of the new pool"),
    ],
)
def test_an_unverified_sign_in_identifier_is_never_pre_claimed(
    old_pool: OldPool,
    load_event: Any,
    caplog: Any,
    username: str,
    identifiers: list[str],
    reason: str,
) -> None:
    config = um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, sign_in_identifiers=identifiers)
    )
    event = auth_event(load_event, username)
    with caplog.at_level(logging.INFO):
        result = migrate(event, config, old_pool.client)
    assert_refused(result, event)
    assert reason in logged_reasons(caplog.records)


@pytest.mark.parametrize(
    ("username", "identifiers"),
    [("paul", ["phone_number"]), ("ann", ["email"]), ("ann", ["email", "preferred_username"])],
)
def test_a_verified_sign_in_identifier_migrates(
    old_pool: OldPool, load_event: Any, username: str, identifiers: list[str]
) -> None:
    config = um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, sign_in_identifiers=identifiers)
    )
    event = migrate(auth_event(load_event, username), config, old_pool.client)
    assert event["response"]["finalUserStatus"] == "CONFIRMED"


def test_case_sensitive_old_pool_needs_the_exact_old_spelling(
    old_pool: OldPool, moto_config: um.Config, load_event: Any
) -> None:
    # moto, like a case-sensitive pool, holds two users "ann" and "Ann": each migrates only
    # under its own spelling and with its own profile; no other spelling is tried.
    event = migrate(auth_event(load_event, "Ann"), moto_config, old_pool.client)
    assert event["response"]["userAttributes"]["email"] == "other-ann@example.com"
    refused_event = auth_event(load_event, "ANN")
    assert_refused(migrate(refused_event, moto_config, old_pool.client), refused_event)


@pytest.mark.parametrize(
    ("username", "password", "reason"),
    [
        ("ann", "wrong-password", "NotAuthorizedException"),
        ("nobody", PASSWORD, "UserNotFoundException"),
        ("bob", PASSWORD, "NotAuthorizedException"),  # disabled
        ("carol", PASSWORD, "challenge NEW_PASSWORD_REQUIRED"),  # FORCE_CHANGE_PASSWORD
        ("dave", PASSWORD, "challenge NEW_PASSWORD_REQUIRED"),  # RESET_REQUIRED (moto)
        ("erin", PASSWORD, "challenge SMS_MFA"),
        ("uma", PASSWORD, "status in the old pool is UNCONFIRMED"),
    ],
)
def test_sign_in_refusals_all_answer_like_an_unknown_name(
    old_pool: OldPool,
    moto_config: um.Config,
    load_event: Any,
    caplog: Any,
    username: str,
    password: str,
    reason: str,
) -> None:
    event = auth_event(load_event, username, password)
    with caplog.at_level(logging.INFO):
        result = migrate(event, moto_config, old_pool.client)
    assert_refused(result, event)
    assert reason in logged_reasons(caplog.records)


# --- migration in forgot-password (moto) --------------------------------------------------


@pytest.mark.parametrize("username", ["ann", "nobody", "frank", "erin"])
def test_forgot_password_migrates_nobody_unless_the_file_opts_in(
    moto_config: um.Config, load_event: Any, no_aws: Any, caplog: Any, username: str
) -> None:
    event = forgot_event(load_event, username)
    with caplog.at_level(logging.INFO):
        result = um.process_event(event, moto_config, no_aws, um.Deadline(um.TIME_BUDGET_S))
    assert_refused(result, event)
    assert "forgot password migrates nobody" in logged_reasons(caplog.records)


def test_forgot_password_migrates_without_a_final_status(
    old_pool: OldPool, forgot_config: um.Config, load_event: Any
) -> None:
    event = migrate(forgot_event(load_event, "ann"), forgot_config, old_pool.client)
    assert event["response"] == {
        "userAttributes": {
            "email": "ann@example.com",
            "email_verified": "true",
            "phone_number": "+15550100",
            "given_name": "Ann",
            "family_name": "Example",
            "custom:tenant_id": "t-1",
        },
        "messageAction": "SUPPRESS",
        "forceAliasCreation": False,
    }


def test_forgot_password_with_only_a_verified_phone_number(
    old_pool: OldPool, forgot_config: um.Config, load_event: Any
) -> None:
    event = migrate(forgot_event(load_event, "paul"), forgot_config, old_pool.client)
    assert event["response"]["userAttributes"] == {
        "email": "paul@example.com",
        "phone_number": "+15550111",
        "phone_number_verified": "true",
    }


@pytest.mark.parametrize(
    ("username", "reason"),
    [
        ("frank", "no verified email or phone number"),
        ("nobody", "UserNotFoundException"),
        ("bob", "disabled"),
        ("carol", "FORCE_CHANGE_PASSWORD"),
        ("dave", "RESET_REQUIRED"),
        ("erin", "MFA set up"),
        ("uma", "UNCONFIRMED"),
    ],
)
def test_forgot_password_refusals_answer_like_an_unknown_name(
    old_pool: OldPool,
    forgot_config: um.Config,
    load_event: Any,
    caplog: Any,
    username: str,
    reason: str,
) -> None:
    event = forgot_event(load_event, username)
    with caplog.at_level(logging.INFO):
        result = migrate(event, forgot_config, old_pool.client)
    assert_refused(result, event)
    assert reason in logged_reasons(caplog.records)


def test_forgot_password_needs_the_verified_contact_to_be_carried(
    old_pool: OldPool, load_event: Any
) -> None:
    config = um.parse_config(
        config_for(
            old_pool.pool_id,
            old_pool.client_id,
            attributes=["email", "given_name"],
            forgot_password="migrate",
        )
    )
    event = forgot_event(load_event, "paul")  # paul's verified phone number is not carried
    assert_refused(migrate(event, config, old_pool.client), event)


def test_a_user_with_nothing_to_carry_is_refused(old_pool: OldPool, load_event: Any) -> None:
    config = um.parse_config(
        config_for(old_pool.pool_id, old_pool.client_id, attributes=["website"])
    )
    event = auth_event(load_event, "ann")
    assert_refused(migrate(event, config, old_pool.client), event)


# --- the handler end to end (moto) --------------------------------------------------------


def test_handler_migrates_and_never_logs_the_password_or_a_token(
    old_pool: OldPool, set_config: Any, load_event: Any, caplog: Any
) -> None:
    set_config(config_for(old_pool.pool_id, old_pool.client_id))
    um.CONFIG.reset()
    # Undo what an earlier test's client creation did, so botocore would log at DEBUG here.
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    event = um.handler(load_event("user_migration_authentication"), None)
    assert isinstance(event, dict)
    assert event["response"]["finalUserStatus"] == "CONFIRMED"
    assert any(r.getMessage() == "migrated the user from the old pool" for r in caplog.records)
    text = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert PASSWORD not in text
    assert "eyJ" not in text  # no JWT
    assert logging.getLogger("botocore").getEffectiveLevel() >= logging.WARNING


def test_without_quieting_botocore_would_log_the_password(
    old_pool: OldPool, caplog: Any, moto_config: um.Config
) -> None:
    """Proves the test above can fail: botocore's DEBUG log carries the request body."""
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    old_pool.client.admin_initiate_auth(
        UserPoolId=old_pool.pool_id,
        ClientId=old_pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ann", "PASSWORD": PASSWORD},
    )
    assert any(PASSWORD in f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)


@pytest.mark.parametrize(
    ("source", "username", "password", "overrides"),
    [
        ("auth", "ann", "wrong-password", {}),
        ("auth", "bob", PASSWORD, {}),  # disabled
        ("auth", "carol", PASSWORD, {}),  # must change the password
        ("auth", "erin", PASSWORD, {}),  # MFA
        ("auth", "uma", PASSWORD, {}),  # unconfirmed
        ("auth", "frank", PASSWORD, {"sign_in_identifiers": ["email"]}),  # unverified email
        ("auth", "ann", PASSWORD, {"attributes": ["website"]}),  # nothing to carry
        ("forgot", "ann", "", {}),  # forgot password off
        ("forgot", "frank", "", {"forgot_password": "migrate"}),  # no verified contact
        ("forgot", "erin", "", {"forgot_password": "migrate"}),
    ],
)
def test_the_handler_answers_a_refusal_exactly_like_a_name_that_exists_nowhere(
    old_pool: OldPool,
    set_config: Any,
    load_event: Any,
    source: str,
    username: str,
    password: str,
    overrides: dict[str, Any],
) -> None:
    set_config(config_for(old_pool.pool_id, old_pool.client_id, **overrides))
    um._old_pool_clients[OLD_REGION] = old_pool.client

    def event_for(name: str) -> dict[str, Any]:
        if source == "auth":
            return auth_event(load_event, name, password or PASSWORD)
        return forgot_event(load_event, name)

    def answer(name: str) -> object:
        try:
            return um.handler(event_for(name), None)
        except Exception as error:  # Cognito would surface it as UserLambdaValidationException
            return (type(error).__name__, str(error))

    unknown, refused = answer("nobody-at-all"), answer(username)
    assert unknown == {**event_for("nobody-at-all"), "response": EMPTY_RESPONSE}
    assert refused == {**event_for(username), "response": EMPTY_RESPONSE}


def test_no_typed_identifier_reaches_the_log(
    old_pool: OldPool, set_config: Any, load_event: Any, caplog: Any
) -> None:
    set_config(config_for(old_pool.pool_id, old_pool.client_id))
    um._old_pool_clients[OLD_REGION] = old_pool.client
    typed = ["+15550100", "ann@example.com", "Hunter2-My-Password!", "ann"]
    with caplog.at_level(logging.DEBUG, logger=um.logger.name):
        for name in typed:
            um.handler(auth_event(load_event, name), None)
    text = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    for name in typed:
        assert repr(name) not in text
        assert f"'{name}'" not in text
    references = {r.username_ref for r in caplog.records if hasattr(r, "username_ref")}
    assert len(references) == len(typed)  # one reference per typed name, none of them a name
    assert all(ref.startswith("ref:") and len(ref) == 16 for ref in references)


def test_handler_unexpected_error_logs_no_message_and_fails_closed(
    set_config: Any, load_event: Any, caplog: Any, monkeypatch: Any
) -> None:
    set_config(config_for(STUB_POOL, STUB_CLIENT))
    um.CONFIG.reset()

    def broken(region: str) -> Any:
        raise RuntimeError(f"boom {PASSWORD}")

    monkeypatch.setattr(um, "old_pool_client", broken)
    with caplog.at_level(logging.INFO), pytest.raises(MigrationUnavailable):
        um.handler(load_event("user_migration_authentication"), None)
    (record,) = [r for r in caplog.records if r.getMessage().startswith("unexpected error")]
    assert record.error_type == "RuntimeError"
    assert "in broken" in record.error_at
    assert record.exc_info is None
    assert PASSWORD not in "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)


def test_handler_passes_other_sources_and_non_objects_through(
    set_config: Any, load_event: Any, monkeypatch: Any
) -> None:
    set_config(config_for(STUB_POOL, STUB_CLIENT))
    monkeypatch.setattr(um, "old_pool_client", _must_not_be_called)
    event = load_event("pre_sign_up_sign_up")
    assert um.handler(event, None) is event
    assert event == load_event("pre_sign_up_sign_up")
    assert um.handler(["not", "an", "object"], None) == ["not", "an", "object"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.pop("userName"),
        lambda e: e.update(userName=""),
        lambda e: e.update(userName=7),
        lambda e: e.update(request=None),
        lambda e: e["request"].pop("password"),
        lambda e: e["request"].update(password=""),
        lambda e: e["request"].update(password="x" * 257),
    ],
)
def test_malformed_sign_in_events_are_refused_without_calling_aws(
    mutate: Callable[[dict[str, Any]], object], load_event: Any
) -> None:
    event = load_event("user_migration_authentication")
    mutate(event)
    result = um.process_event(event, stub_config(), _must_not_be_called, um.Deadline(4.0))
    assert_refused(result, event)


def test_a_refusal_keeps_no_field_of_a_response_it_was_sent() -> None:
    event: dict[str, object] = {
        "triggerSource": um.AUTHENTICATION,
        "response": {"userAttributes": {"a": "b"}},
    }
    assert um.refused(event)["response"] == dict.fromkeys([*EMPTY_RESPONSE][:-1])
    assert um.refused({"response": "junk"})["response"] == dict.fromkeys([*EMPTY_RESPONSE][:-1])


# --- stubbed old pool: what moto cannot do ------------------------------------------------

SUB = "7d8ca528-4931-4254-9273-ea5ee853f271"
AUTH_PARAMS = {
    "UserPoolId": STUB_POOL,
    "ClientId": STUB_CLIENT,
    "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
    "AuthParameters": {"USERNAME": "ann", "PASSWORD": PASSWORD},
}


def tokens_for(username: str, sub: str = SUB) -> dict[str, Any]:
    return {
        "AuthenticationResult": {
            "AccessToken": fake_jwt({"sub": sub, "username": username, "token_use": "access"}),
            "IdToken": fake_jwt({"sub": sub, "cognito:username": username}),
            "RefreshToken": "refresh-token",
            "ExpiresIn": 3600,
            "TokenType": "Bearer",
        }
    }


def old_user(
    username: str = "ann", sub: str = SUB, attributes: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    values = {"email": "ann@example.com", "email_verified": "true"} if attributes is None else {}
    return {
        "Username": username,
        "UserAttributes": _attributes({"sub": sub, **values, **(attributes or {})}),
        "Enabled": True,
        "UserStatus": "CONFIRMED",
        **extra,
    }


@pytest.mark.parametrize(
    "challenge",
    [
        "SOFTWARE_TOKEN_MFA",
        "SMS_MFA",
        "EMAIL_OTP",
        "SMS_OTP",
        "SELECT_MFA_TYPE",
        "MFA_SETUP",
        "NEW_PASSWORD_REQUIRED",
        "CUSTOM_CHALLENGE",
        "SELECT_CHALLENGE",
    ],
)
def test_every_challenge_is_refused_before_reading_the_user(
    challenge: str, cognito_idp: Any, stubber: Any, load_event: Any
) -> None:
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": challenge, "Session": "s" * 20, "ChallengeParameters": {}},
        AUTH_PARAMS,
    )
    event = auth_event(load_event, "ann")
    assert_refused(migrate(event, stub_config(), cognito_idp), event)


@pytest.mark.parametrize(
    ("typed", "case_sensitive", "migrates"),
    [
        ("ANN", False, True),  # a case-insensitive old pool resolved ANN to ann
        ("ANN", True, False),  # a case-sensitive new pool would hold ANN and ann apart
        ("Ann@Example.COM", False, True),  # signed in with the email alias
        ("Ann@Example.COM", True, False),
        ("someone-else", False, False),  # the old pool resolved it to a user it does not name
    ],
)
def test_the_typed_name_must_identify_the_authenticated_user(
    typed: str,
    case_sensitive: bool,
    migrates: bool,
    cognito_idp: Any,
    stubber: Any,
    load_event: Any,
) -> None:
    params = {**AUTH_PARAMS, "AuthParameters": {"USERNAME": typed, "PASSWORD": PASSWORD}}
    stubber.add_response("admin_initiate_auth", tokens_for("ann"), params)
    stubber.add_response("admin_get_user", old_user(), {"UserPoolId": STUB_POOL, "Username": "ann"})
    config = stub_config(case_sensitive=case_sensitive)
    event = auth_event(load_event, typed)
    result = migrate(event, config, cognito_idp)
    if migrates:
        assert event["response"]["userAttributes"]["email"] == "ann@example.com"
    else:
        assert_refused(result, event)


@pytest.mark.parametrize(
    ("typed", "old_attributes", "listed", "migrates"),
    [
        # The old pool resolved an address it never verified (an email-as-username old pool).
        ("ann@example.com", {"email": "ann@example.com", "email_verified": "false"}, [], False),
        ("+15550100", {"phone_number": "+15550100"}, [], False),
        # Verified in the old pool, but the file does not trust that pool's verification.
        ("ann@example.com", {"email": "ann@example.com", "email_verified": "true"}, [], False),
        (
            "ann@example.com",
            {"email": "ann@example.com", "email_verified": "true"},
            ["email_verified"],
            True,
        ),
        # preferred_username counts only when it is carried (declared protected).
        ("annie", {"preferred_username": "annie"}, [], False),
        ("annie", {"preferred_username": "annie"}, ["preferred_username"], True),
    ],
)
def test_only_a_trusted_identifier_may_be_typed(
    typed: str,
    old_attributes: dict[str, str],
    listed: list[str],
    migrates: bool,
    cognito_idp: Any,
    stubber: Any,
    load_event: Any,
) -> None:
    params = {**AUTH_PARAMS, "AuthParameters": {"USERNAME": typed, "PASSWORD": PASSWORD}}
    stubber.add_response("admin_initiate_auth", tokens_for("ann"), params)
    stubber.add_response(
        "admin_get_user",
        old_user(attributes=old_attributes),
        {"UserPoolId": STUB_POOL, "Username": "ann"},
    )
    config = stub_config(attributes=["email", "phone_number", "given_name", *listed])
    event = auth_event(load_event, typed)
    result = migrate(event, config, cognito_idp)
    if migrates:
        assert event["response"]["finalUserStatus"] == "CONFIRMED"
    else:
        assert_refused(result, event)


@pytest.mark.parametrize(
    "get_user",
    [
        old_user(sub="00000000-0000-0000-0000-000000000000"),  # another user's sub
        old_user(username="ann2"),  # another username
        {"Username": "ann", "Enabled": True},  # no status, no attributes
    ],
)
def test_an_answer_about_another_user_fails_closed(
    get_user: dict[str, Any], cognito_idp: Any, stubber: Any, load_event: Any
) -> None:
    stubber.add_response("admin_initiate_auth", tokens_for("ann"), AUTH_PARAMS)
    stubber.add_response("admin_get_user", get_user, {"UserPoolId": STUB_POOL, "Username": "ann"})
    with pytest.raises(MigrationUnavailable):
        migrate(auth_event(load_event, "ann"), stub_config(), cognito_idp)


@pytest.mark.parametrize(
    "extra",
    [
        {"UserMFASettingList": ["SOFTWARE_TOKEN_MFA"], "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA"},
        {"MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]},
        {"Enabled": False},
        {"UserStatus": "COMPROMISED"},
        {"UserStatus": "ARCHIVED"},
        {"UserStatus": "EXTERNAL_PROVIDER"},
        {"UserStatus": "UNKNOWN"},
    ],
)
def test_mfa_and_unusual_states_are_refused_even_after_tokens(
    extra: dict[str, Any], cognito_idp: Any, stubber: Any, load_event: Any
) -> None:
    stubber.add_response("admin_initiate_auth", tokens_for("ann"), AUTH_PARAMS)
    stubber.add_response(
        "admin_get_user", old_user(**extra), {"UserPoolId": STUB_POOL, "Username": "ann"}
    )
    event = auth_event(load_event, "ann")
    assert_refused(migrate(event, stub_config(), cognito_idp), event)


@pytest.mark.parametrize(
    "result",
    [
        {},
        {"AuthenticationResult": {"IdToken": fake_jwt({"sub": SUB, "cognito:username": "ann"})}},
        {"AuthenticationResult": {"AccessToken": "not.a-jwt"}},
        {"AuthenticationResult": {"AccessToken": fake_jwt({"sub": SUB})}},
    ],
)
def test_no_usable_token_fails_closed(
    result: dict[str, Any], cognito_idp: Any, stubber: Any, load_event: Any
) -> None:
    stubber.add_response("admin_initiate_auth", result, AUTH_PARAMS)
    with pytest.raises(MigrationUnavailable):
        migrate(auth_event(load_event, "ann"), stub_config(), cognito_idp)


@pytest.mark.parametrize(
    ("code", "message", "refused"),
    [
        ("TooManyRequestsException", "Rate exceeded", False),
        ("InternalErrorException", "oops", False),
        ("ResourceNotFoundException", "User pool client does not exist.", False),
        ("NotAuthorizedException", "Unable to verify secret hash for client oldclient01", False),
        ("InvalidParameterException", "Auth flow not enabled for this client", False),
        ("NotAuthorizedException", "Incorrect username or password.", True),
        ("NotAuthorizedException", "Password attempts exceeded", True),
        ("UserNotFoundException", "User does not exist.", True),
        ("PasswordResetRequiredException", "Password reset required", True),
        ("UserNotConfirmedException", "User is not confirmed.", True),
    ],
)
def test_aws_errors_of_the_sign_in(
    code: str,
    message: str,
    refused: bool,
    cognito_idp: Any,
    stubber: Any,
    load_event: Any,
    caplog: Any,
) -> None:
    stubber.add_client_error("admin_initiate_auth", code, message, expected_params=AUTH_PARAMS)
    event = auth_event(load_event, "ann")
    with caplog.at_level(logging.INFO):
        if refused:
            assert_refused(migrate(event, stub_config(), cognito_idp), event)
        else:
            with pytest.raises(MigrationUnavailable):
                migrate(event, stub_config(), cognito_idp)
    (record,) = [r for r in caplog.records if getattr(r, "aws_operation", None)]
    assert record.error_code == code
    assert record.levelno == (logging.INFO if refused else logging.ERROR)
    assert message not in "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)


def test_throttled_user_read_fails_closed(cognito_idp: Any, stubber: Any, load_event: Any) -> None:
    stubber.add_client_error(
        "admin_get_user",
        "TooManyRequestsException",
        expected_params={"UserPoolId": STUB_POOL, "Username": "ann"},
    )
    with pytest.raises(MigrationUnavailable):
        migrate(
            forgot_event(load_event, "ann"), stub_config(forgot_password="migrate"), cognito_idp
        )


class TimingOutClient:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def admin_initiate_auth(self, **params: Any) -> Any:
        self.calls += 1
        raise self.error

    admin_get_user = admin_initiate_auth


@pytest.mark.parametrize("kind", ["read", "connect", "endpoint"])
def test_timeouts_fail_closed(kind: str, load_event: Any) -> None:
    from botocore.exceptions import (
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    url = "https://cognito-idp.eu-west-1.amazonaws.com/"
    error = {
        "read": ReadTimeoutError(endpoint_url=url),
        "connect": ConnectTimeoutError(endpoint_url=url),
        "endpoint": EndpointConnectionError(endpoint_url=url),
    }[kind]
    client = TimingOutClient(error)
    with pytest.raises(MigrationUnavailable):
        migrate(auth_event(load_event, "ann"), stub_config(), client)
    assert client.calls == 1  # one attempt: there is no time for a retry


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_call_starts_without_time_for_its_worst_case(load_event: Any) -> None:
    clock = FakeClock()
    deadline = um.Deadline(um.CALL_WORST_CASE_S - 0.01, clock)
    with pytest.raises(MigrationUnavailable):
        um.process_event(
            auth_event(load_event, "ann"), stub_config(), lambda region: object(), deadline
        )


def test_a_slow_sign_in_leaves_no_time_to_read_the_user(load_event: Any) -> None:
    clock = FakeClock()

    class SlowOldPool:
        def admin_initiate_auth(self, **params: Any) -> Any:
            clock.now += 2.5
            return tokens_for("ann")

        def admin_get_user(self, **params: Any) -> Any:
            raise AssertionError("no time was left for this call")

    deadline = um.Deadline(um.TIME_BUDGET_S, clock)
    with pytest.raises(MigrationUnavailable):
        um.process_event(
            auth_event(load_event, "ann"), stub_config(), lambda region: SlowOldPool(), deadline
        )


class LambdaContext:
    def __init__(self, millis: object) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> object:
        return self.millis


@pytest.mark.parametrize(
    ("context", "budget"),
    [
        (None, 4.0),
        (LambdaContext(30_000), 4.0),
        (LambdaContext(3_000), 2.8),
        (LambdaContext("soon"), 4.0),
    ],
)
def test_the_budget_follows_the_lambda_context(context: object, budget: float) -> None:
    clock_start = time.monotonic()
    remaining = um.Deadline.for_context(context, um.TIME_BUDGET_S, um.CONTEXT_MARGIN_S).remaining()
    elapsed = time.monotonic() - clock_start
    assert budget - elapsed - 0.01 <= remaining <= budget


def test_the_old_pool_client_is_short_on_time_and_cached_per_region() -> None:
    client = um.old_pool_client("eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.connect_timeout == um.CONNECT_TIMEOUT_S
    assert client.meta.config.read_timeout == um.READ_TIMEOUT_S
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert um.old_pool_client("eu-west-1") is client
    assert um.old_pool_client("us-west-2").meta.region_name == "us-west-2"
    assert um.CALL_WORST_CASE_S * 2 <= um.TIME_BUDGET_S < 5


# --- pure helpers -------------------------------------------------------------------------


def test_carried_attributes_never_include_what_the_new_pool_assigns() -> None:
    old = {
        "sub": SUB,
        "identities": "[]",
        "cognito:user_status": "CONFIRMED",
        "email": "ann@example.com",
        "email_verified": "true",
        "phone_number_verified": "true",  # phone_number itself is not carried
        "given_name": "Ann",
        "website": "https://ann.example",
    }
    allowed = frozenset(
        {
            "email",
            "email_verified",
            "phone_number_verified",
            "given_name",
            "phone_number",
            "sub",
            "cognito:user_status",
        }
    )
    assert um.carried_attributes(old, allowed) == {
        "email": "ann@example.com",
        "email_verified": "true",
        "given_name": "Ann",
    }


def test_neither_a_custom_attribute_nor_a_flag_is_carried_unless_listed() -> None:
    old = {
        "email": "ann@example.com",
        "email_verified": "true",
        "phone_number": "+15550100",
        "phone_number_verified": "true",
        "custom:tenant_id": "t-1",
        "custom:role": "admin",
    }
    assert um.carried_attributes(old, frozenset({"email", "phone_number", "custom:role"})) == {
        "email": "ann@example.com",
        "phone_number": "+15550100",
        "custom:role": "admin",
    }


@pytest.mark.parametrize("flag", ["false", "TRUE", "True", "1", ""])
def test_only_the_exact_true_verifies(flag: str) -> None:
    carried = um.carried_attributes(
        {"email": "a@example.com", "email_verified": flag}, frozenset({"email", "email_verified"})
    )
    assert "email_verified" not in carried


def test_an_over_long_value_is_not_carried() -> None:
    old = {"given_name": "x" * 2049, "email": "a@example.com"}
    assert um.carried_attributes(old, frozenset({"given_name", "email"})) == {
        "email": "a@example.com"
    }


# --- packaging ----------------------------------------------------------------------------


def test_import_is_cheap_and_works_with_the_package_directory_as_asset_root(
    tmp_path: Path,
) -> None:
    asset = tmp_path / "asset"
    asset.mkdir()
    for source in (REPO_ROOT / "lambda_triggers").glob("*.py"):
        shutil.copy(source, asset / source.name)
    code = (
        f"import sys; sys.path.insert(0, {str(asset)!r})\n"
        "import user_migration\n"
        "assert 'lambda_triggers' not in sys.modules\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
        "print(user_migration.handler({'triggerSource': 'Other'}, None))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "{'triggerSource': 'Other'}"]
