"""Bulk export: old pool users -> the new pool's user import CSV (moto, plus GetCSVHeader).

moto has no GetCSVHeader, so the new pool's client is wrapped: its header is built the way the
AWS guide documents it (the standard attributes, the pool's custom attributes,
``cognito:mfa_enabled`` and ``cognito:username``); a Stubber test pins the real API shape.
Acceptance: the CSV's header is the new pool's header, and its rows, decoded by Cognito's
documented rules and created as users in a further moto pool, carry the old users' attributes.
"""

from __future__ import annotations

import csv
import io
import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from infra.migration import cli, export
from infra.migration.export import ExportError, NewPool, export_users, plan_user
from infra.migration.importcsv import cell_problem, decode_file, decode_row, encode_row
from infra.migration.ratelimit import TokenBucket

REPO_ROOT = Path(__file__).resolve().parents[2]
MFA = "cognito:mfa_enabled"
OLD_REGION = "eu-west-1"
NEW_REGION = "us-east-1"
STANDARD_HEADER = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
]
PASSWORD = "Old-Pool-Passw0rd!"


class WithCsvHeader:
    """A moto client plus the GetCSVHeader operation moto lacks."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.header_calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_csv_header(self, *, UserPoolId: str) -> dict[str, Any]:  # noqa: N803 - boto3 name
        self.header_calls += 1
        pool = self._client.describe_user_pool(UserPoolId=UserPoolId)["UserPool"]
        custom = [a["Name"] for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")]
        header = [*STANDARD_HEADER, *custom, "cognito:mfa_enabled", "cognito:username"]
        return {"UserPoolId": UserPoolId, "CSVHeader": header}


class Pools(NamedTuple):
    old: Any
    old_id: str
    new: WithCsvHeader
    new_id: str

    def factory(self, region: str) -> Any:
        return {OLD_REGION: self.old, NEW_REGION: self.new}[region]


def _attributes(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value} for name, value in values.items()]


VERIFIED = {"email_verified": "true"}
OLD_USERS: dict[str, dict[str, str]] = {
    # exported
    "ann": {
        "email": "ann@example.com",
        **VERIFIED,
        "given_name": "Ann",
        "family_name": "  Example ",
        "phone_number": "+15550100",
        "phone_number_verified": "false",
        "birthdate": "1985-02-01",
        "address": "1 Main St, Springfield",
        "custom:tenant_id": "-42",
        "custom:legacy": "not in the new pool",
    },
    "mia": {
        "email": "mia@example.com",
        **VERIFIED,
        "family_name": "Mfa",
        "phone_number": "+15550101",
        "phone_number_verified": "true",
    },
    "fay": {"email": "fay@example.com", **VERIFIED, "family_name": "Invited"},
    "dan": {"email": "dan@example.com", **VERIFIED, "family_name": "Reset"},
    "Émile": {"email": "emile@example.com", **VERIFIED, "family_name": "Ünïcode, Jr."},
    # skipped
    "bob": {"email": "bob@example.com", **VERIFIED, "family_name": "Disabled"},
    "nora": {"email": "nora@example.com", "email_verified": "false", "family_name": "Unverified"},
    "paul": {
        "email": "paul@example.com",
        "email_verified": "false",
        "phone_number": "+15550111",
        "phone_number_verified": "true",
        "family_name": "PhoneOnly",
    },
    "rita": {"email": "rita@example.com", **VERIFIED},  # no family_name, which is required
    "eve1": {"email": "eve1@example.com", **VERIFIED, "family_name": "=HYPERLINK(1)"},
    "eve2": {"email": "eve2@example.com", **VERIFIED, "family_name": "Smith,=1+1"},
    "eve3": {"email": "eve3@example.com", **VERIFIED, "family_name": "Line\nBreak"},
    "eve4": {"email": "eve4@example.com", **VERIFIED, "family_name": "Trailing\\"},
    "eve5": {"email": "eve5@example.com", **VERIFIED, "family_name": 'Quote"d'},
    "eve6": {"email": "eve6@example.com", **VERIFIED, "family_name": "X", "website": "@cmd"},
    "ivy": {"email": "ivy@example.com", **VERIFIED, "family_name": "X", "birthdate": "1985"},
    "Sam": {"email": "sam1@example.com", **VERIFIED, "family_name": "Upper"},
    "sam": {"email": "sam2@example.com", **VERIFIED, "family_name": "Lower"},
    "zoe": {"email": "zoe@example.com", **VERIFIED, "family_name": "Migrated"},
    "yan": {"email": "Taken@Example.com", **VERIFIED, "family_name": "EmailTaken"},
    "Google_123": {"email": "g@example.com", **VERIFIED, "family_name": "Federated"},
}
EXPORTED = {"ann", "mia", "fay", "dan", "Émile"}
SKIPPED = {
    "disabled": 1,
    "unconfirmed": 1,
    "external_provider": 1,
    "no_verified_contact": 2,
    "missing_required_attribute": 1,
    "unsafe_value": 6,
    "invalid_value": 1,
    "case_collision": 2,
    "already_in_new_pool": 2,
}


@pytest.fixture(autouse=True)
def _unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Exports built here space their calls without waiting: the pacing itself is tested with a
    fake clock below, and the CLI tests would otherwise sleep through the default rate."""
    monkeypatch.setattr(
        export, "TokenBucket", lambda rate: TokenBucket(rate, sleep=lambda seconds: None)
    )


@pytest.fixture(scope="module")
def pools() -> Iterator[Pools]:
    import boto3
    from moto import mock_aws
    from moto.cognitoidp.models import cognitoidp_backends

    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with mock_aws():
        old = boto3.client("cognito-idp", region_name=OLD_REGION, **credentials)
        old_id = old.create_user_pool(
            PoolName="old",
            MfaConfiguration="OPTIONAL",
            Schema=[
                {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False},
                {"Name": "legacy", "AttributeDataType": "String"},
            ],
        )["UserPool"]["Id"]
        old_client = old.create_user_pool_client(UserPoolId=old_id, ClientName="c")
        for username, attributes in OLD_USERS.items():
            old.admin_create_user(
                UserPoolId=old_id,
                Username=username,
                UserAttributes=_attributes(attributes),
                MessageAction="SUPPRESS",
                TemporaryPassword=PASSWORD,
            )
            if username != "fay":  # fay stays FORCE_CHANGE_PASSWORD
                old.admin_set_user_password(
                    UserPoolId=old_id, Username=username, Password=PASSWORD, Permanent=True
                )
        old.admin_reset_user_password(UserPoolId=old_id, Username="dan")
        old.admin_disable_user(UserPoolId=old_id, Username="bob")
        old.admin_set_user_mfa_preference(
            UserPoolId=old_id,
            Username="mia",
            SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        old.sign_up(
            ClientId=old_client["UserPoolClient"]["ClientId"],
            Username="uma",
            Password=PASSWORD,
            UserAttributes=_attributes({"email": "uma@example.com"}),
        )
        backend = cognitoidp_backends["123456789012"][OLD_REGION]
        backend.user_pools[old_id].users["Google_123"].status = "EXTERNAL_PROVIDER"

        new = boto3.client("cognito-idp", region_name=NEW_REGION, **credentials)
        new_id = new.create_user_pool(
            PoolName="new",
            MfaConfiguration="OPTIONAL",
            AutoVerifiedAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            Schema=[
                {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False},
                {"Name": "family_name", "AttributeDataType": "String", "Required": True},
            ],
        )["UserPool"]["Id"]
        for username, email in (("ZOE", "zoe@example.com"), ("someone", "taken@example.com")):
            new.admin_create_user(
                UserPoolId=new_id,
                Username=username,
                UserAttributes=_attributes({"email": email, "family_name": "New"}),
                MessageAction="SUPPRESS",
            )
        yield Pools(old, old_id, WithCsvHeader(new), new_id)


@pytest.fixture(scope="module")
def exported(pools: Pools) -> export.ExportResult:
    return export_users(pools.old_id, pools.new_id, client_factory=pools.factory, rate=100)


def old_attributes(pools: Pools, username: str) -> dict[str, str]:
    user = pools.old.admin_get_user(UserPoolId=pools.old_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


# --- acceptance ---------------------------------------------------------------------------


def test_the_csv_round_trips_into_a_new_pool(pools: Pools, exported: export.ExportResult) -> None:
    text = "\n".join([encode_row(exported.header), *exported.lines]) + "\n"
    header, rows = decode_file(text)
    assert header == pools.new.get_csv_header(UserPoolId=pools.new_id)["CSVHeader"]
    assert all(len(row) == len(header) for row in rows)
    by_user = {
        row[header.index("cognito:username")]: dict(zip(header, row, strict=True)) for row in rows
    }
    assert set(by_user) == EXPORTED

    target = pools.new._client
    target_id = target.create_user_pool(PoolName="import-target")["UserPool"]["Id"]
    for username, row in by_user.items():
        target.admin_create_user(
            UserPoolId=target_id,
            Username=username,
            UserAttributes=_attributes(
                {k: v for k, v in row.items() if v and not k.startswith("cognito:")}
            ),
            MessageAction="SUPPRESS",
        )
    for username in EXPORTED:
        imported = target.admin_get_user(UserPoolId=target_id, Username=username)
        got = {a["Name"]: a["Value"] for a in imported["UserAttributes"] if a["Name"] != "sub"}
        old = old_attributes(pools, username)
        expected = {
            name: value.strip()
            for name, value in old.items()
            if name in header and name not in {"email_verified", "phone_number_verified"}
        }
        if "birthdate" in expected:
            year, month, day = expected["birthdate"].split("-")
            expected["birthdate"] = f"{month}/{day}/{year}"
        for flag, base in (("email_verified", "email"), ("phone_number_verified", "phone_number")):
            expected[flag] = "true" if old.get(flag) == "true" and old.get(base) else "false"
        assert got == expected, username


def test_rows_fill_the_cognito_columns(exported: export.ExportResult) -> None:
    header = list(exported.header)
    rows = {
        row[header.index("cognito:username")]: row
        for row in (decode_row(line) for line in exported.lines)
    }
    mfa = {username: row[header.index("cognito:mfa_enabled")] for username, row in rows.items()}
    assert mfa == {"ann": "false", "mia": "true", "fay": "false", "dan": "false", "Émile": "false"}
    assert exported.mfa_enabled == 1
    ann = dict(zip(header, rows["ann"], strict=True))
    assert ann["email_verified"] == "true"
    assert ann["phone_number_verified"] == "false"  # "false" in the old pool
    assert ann["address"] == "1 Main St, Springfield"
    assert "custom:legacy" not in ann
    assert "sub" not in header


def test_every_user_is_counted_once(exported: export.ExportResult) -> None:
    assert exported.total == len(OLD_USERS) + 1  # + uma, who signed up
    assert exported.exported == len(EXPORTED)
    assert dict(exported.skipped) == SKIPPED
    assert exported.total == exported.exported + sum(exported.skipped.values())
    assert exported.dropped_attributes == {"custom:legacy": 1}
    reasons = dict(exported.skipped_users)
    assert reasons["bob"] == "disabled"
    assert reasons["Google_123"] == "external_provider"
    assert reasons["Sam"] == reasons["sam"] == "case_collision"
    assert reasons["zoe"] == reasons["yan"] == "already_in_new_pool"
    assert reasons["rita"] == "missing_required_attribute"
    assert reasons["paul"] == "no_verified_contact"  # the new pool auto-verifies email only


def test_a_spreadsheet_finds_no_formula_in_the_file(exported: export.ExportResult) -> None:
    text = "\n".join([encode_row(exported.header), *exported.lines])
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.strip().startswith(("=", "+", "-", "@")):
                assert cell.strip().lstrip("+-").isdigit(), cell


def test_paginates_and_rate_limits_every_call(pools: Pools, monkeypatch: Any) -> None:
    monkeypatch.setattr(export, "LIST_USERS_PAGE_SIZE", 5)
    calls: list[str] = []
    sleeps: list[float] = []
    now = [0.0]

    def recording_factory(region: str) -> Any:
        client = pools.factory(region)

        class Recording:
            def __getattr__(self, name: str) -> Any:
                def call(**params: Any) -> Any:
                    calls.append(name)
                    return getattr(client, name)(**params)

                return call

        return Recording()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(2.0, clock=lambda: now[0], sleep=sleep)
    result = export_users(
        pools.old_id, pools.new_id, client_factory=recording_factory, bucket=bucket
    )
    assert result.exported == len(EXPORTED)
    old_pages = -(-(len(OLD_USERS) + 1) // 5)
    assert calls.count("list_users") == old_pages + 1  # + one page of the new pool's users
    assert calls.count("admin_get_user") == len(EXPORTED)  # MFA lookups: OPTIONAL pool
    assert len(sleeps) == len(calls) - 1  # every call but the first waited for its token
    assert all(s == pytest.approx(0.5) for s in sleeps)


# --- per-user decisions -------------------------------------------------------------------

NEW_POOL = NewPool(
    pool_id="us-east-1_New",
    header=("cognito:username", "email", "email_verified", "family_name", "cognito:mfa_enabled"),
    case_sensitive=False,
    mfa_configuration="OFF",
    auto_verified=("email",),
    required=frozenset({"family_name"}),
    usernames=frozenset(),
    emails=frozenset(),
)


def user(username: str = "ann", status: str = "CONFIRMED", **attributes: str) -> dict[str, Any]:
    values = {"email": "ann@example.com", "email_verified": "true", "family_name": "E"}
    return {
        "Username": username,
        "Enabled": True,
        "UserStatus": status,
        "Attributes": _attributes({**values, **attributes}),
    }


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({**user(), "Enabled": False}, "disabled"),
        (user(status="EXTERNAL_PROVIDER"), "external_provider"),
        (user(status="UNCONFIRMED"), "unconfirmed"),
        (user(status="COMPROMISED"), "other_status"),
        (user(status="ARCHIVED"), "other_status"),
        (user(username="two words"), "invalid_username"),
        (user(username="tab\there"), "invalid_username"),
        (user(email_verified="TRUE"), "no_verified_contact"),
        (user(email="  ", email_verified="true"), "no_verified_contact"),
        (user(family_name=""), "missing_required_attribute"),
        (user(family_name="+cmd|' /C calc'!A0"), "unsafe_value"),
        (user(family_name="-2+3+cmd"), "unsafe_value"),
        (user(family_name=" @SUM(1)"), "unsafe_value"),
        (user(family_name="x" * 16_001), "row_too_long"),
    ],
)
def test_skip_reasons(record: dict[str, Any], reason: str) -> None:
    assert plan_user(record, NEW_POOL) == reason


def test_a_plain_user_becomes_a_row_in_header_order() -> None:
    planned = plan_user(user(family_name="O'Brien, Jr."), NEW_POOL)
    assert isinstance(planned, export.Candidate)
    assert planned.cells == ("ann", "ann@example.com", "true", "O'Brien, Jr.", "false")
    assert encode_row(planned.cells) == "ann,ann@example.com,true,O'Brien\\, Jr.,false"


@pytest.mark.parametrize(("mfa", "expected"), [("ON", "true"), ("OFF", "false"), (None, "false")])
def test_mfa_column_follows_the_new_pool_without_lookups(mfa: str | None, expected: str) -> None:
    old = export._Pool(object(), "eu-west-1_Old", OLD_REGION, TokenBucket(100))
    assert export._mfa_cell(old, "ann", str(mfa)) == expected


# --- CSV encoding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["Ann", "a, b,c", "O'Brien", "+15550100", "-42", "1.5", "100% ok", "ünïcode ✓", ""],
)
def test_writable_values_survive_encoding(value: str) -> None:
    assert cell_problem(value) is None
    assert decode_row(encode_row(["x", value, "y"])) == ["x", value, "y"]


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "ok,=1+1",
        "ok, +cmd",
        "a\\",
        'a"b',
        "a\nb",
        "a\rb",
        "a\u2028b",
        "a\x00b",
        "\t=1",
    ],
)
def test_values_that_could_break_the_file_or_a_spreadsheet_are_refused(value: str) -> None:
    assert cell_problem(value) is not None


def test_token_bucket_allows_a_burst_then_spaces_calls() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(4.0, capacity=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        bucket.acquire()
    assert sleeps == [pytest.approx(0.25), pytest.approx(0.25)]
    now[0] += 10  # idle time refills at most `capacity` tokens
    bucket.acquire()
    bucket.acquire()
    bucket.acquire()
    assert len(sleeps) == 3
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


# --- GetCSVHeader and errors (Stubber) ----------------------------------------------------


@pytest.fixture
def stubbed() -> Iterator[tuple[Any, Any]]:
    import boto3
    from botocore.stub import Stubber

    client = boto3.client(
        "cognito-idp",
        region_name=NEW_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        yield client, stub


def test_the_header_comes_from_get_csv_header(stubbed: tuple[Any, Any]) -> None:
    client, stub = stubbed
    pool_id = "us-east-1_New"
    header = ["email", "email_verified", "family_name", "cognito:mfa_enabled", "cognito:username"]
    stub.add_response(
        "describe_user_pool",
        {
            "UserPool": {
                "Id": pool_id,
                "MfaConfiguration": "ON",
                "AutoVerifiedAttributes": ["email", "phone_number"],
                "UsernameConfiguration": {"CaseSensitive": False},
                "SchemaAttributes": [
                    {"Name": "sub", "Required": True},
                    {"Name": "family_name", "Required": True},
                    {"Name": "email", "Required": False},
                ],
            }
        },
        {"UserPoolId": pool_id},
    )
    stub.add_response(
        "get_csv_header", {"UserPoolId": pool_id, "CSVHeader": header}, {"UserPoolId": pool_id}
    )
    stub.add_response(
        "list_users",
        {"Users": [{"Username": "Zoe", "Attributes": [{"Name": "email", "Value": "Z@x.com"}]}]},
        {"UserPoolId": pool_id, "Limit": 60},
    )
    new_pool = export.read_new_pool(export._Pool(client, pool_id, NEW_REGION, TokenBucket(100)))
    stub.assert_no_pending_responses()
    assert new_pool == NewPool(
        pool_id=pool_id,
        header=tuple(header),
        case_sensitive=False,
        mfa_configuration="ON",
        auto_verified=("email", "phone_number"),
        required=frozenset({"family_name"}),
        usernames=frozenset({"zoe"}),
        emails=frozenset({"z@x.com"}),
    )


def test_a_pool_without_auto_verified_attributes_is_refused(stubbed: tuple[Any, Any]) -> None:
    client, stub = stubbed
    stub.add_response("describe_user_pool", {"UserPool": {"Id": "us-east-1_New"}})
    stub.add_response(
        "get_csv_header",
        {"UserPoolId": "us-east-1_New", "CSVHeader": ["cognito:mfa_enabled", "cognito:username"]},
    )
    with pytest.raises(ExportError, match="verifies neither email nor phone_number"):
        export.read_new_pool(export._Pool(client, "us-east-1_New", NEW_REGION, TokenBucket(100)))


def run_cli(argv: list[str], factory: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, client_factory=factory, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_an_aws_error_is_one_line_without_a_traceback(stubbed: tuple[Any, Any]) -> None:
    client, stub = stubbed
    stub.add_client_error(
        "describe_user_pool", "AccessDeniedException", "not allowed to DescribeUserPool"
    )
    code, _, err = run_cli(
        ["export", "--old-pool-id", "us-east-1_Old", "--new-pool-id", "us-east-1_New"],
        lambda region: client,
    )
    assert code == 1
    assert err == (
        "error: DescribeUserPool on us-east-1_New failed: AccessDeniedException: "
        "not allowed to DescribeUserPool\n"
    )


# --- command line -------------------------------------------------------------------------


def args_for(pools: Pools, *extra: str) -> list[str]:
    return ["export", "--old-pool-id", pools.old_id, "--new-pool-id", pools.new_id, *extra]


def test_cli_writes_a_private_file_and_the_skipped_users(pools: Pools, tmp_path: Path) -> None:
    out = tmp_path / "users.csv"
    skipped = tmp_path / "skipped.jsonl"
    code, stdout, err = run_cli(
        args_for(pools, "--out", str(out), "--skipped-out", str(skipped), "--rate", "100"),
        pools.factory,
    )
    assert (code, err) == (0, "")
    header, rows = decode_file(out.read_text(encoding="utf-8"))
    assert header == list(pools.new.get_csv_header(UserPoolId=pools.new_id)["CSVHeader"])
    assert len(rows) == len(EXPORTED)
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")  # no byte order mark
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(skipped.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in skipped.read_text(encoding="utf-8").splitlines()]
    assert {"username": "bob", "reason": "disabled"} in lines
    assert f"wrote {len(EXPORTED)} users to {out}" in stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == ["skipped.jsonl", "users.csv"]


def test_cli_dry_run_prints_counts_and_writes_nothing(
    pools: Pools, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_cli(args_for(pools, "--dry-run", "--rate", "100"), pools.factory)
    assert code == 0
    assert list(tmp_path.iterdir()) == []
    assert f"users read: {len(OLD_USERS) + 1}" in stdout
    assert f"exportable: {len(EXPORTED)} (cognito:mfa_enabled true: 1)" in stdout
    assert f"skipped: {sum(SKIPPED.values())}" in stdout
    assert "  disabled: 1 - disabled in the old pool" in stdout
    assert "  unsafe_value: 6 - " in stdout
    assert "attributes the new pool lacks, not exported: custom:legacy (1 users)" in stdout
    assert "authorization inputs: not checked (no environment file)" in stdout
    assert stdout.rstrip().endswith("dry run: nothing written")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--old-pool-id", "nope", "--new-pool-id", "us-east-1_New"],
            "error: 'nope' is not a user pool id like 'eu-west-1_AbC123'\n",
        ),
        (
            ["--old-pool-id", "us-east-1_A", "--new-pool-id", "us-east-1_A"],
            "error: the old and the new pool are the same pool\n",
        ),
        (
            [
                "--old-pool-id",
                "eu-west-1_A",
                "--new-pool-id",
                "us-east-1_B",
                "--region",
                "eu-west-1",
            ],
            "error: --region eu-west-1 does not match the pools' regions (eu-west-1, us-east-1); "
            "leave it out to use each pool id's region\n",
        ),
    ],
)
def test_cli_input_errors_before_any_aws_call(argv: list[str], message: str) -> None:
    def no_aws(region: str) -> Any:
        raise AssertionError("no AWS call expected")

    assert run_cli(["export", *argv], no_aws) == (1, "", message)


def test_cli_unknown_pool(pools: Pools) -> None:
    code, _, err = run_cli(
        ["export", "--old-pool-id", "eu-west-1_Missing", "--new-pool-id", pools.new_id],
        pools.factory,
    )
    assert code == 1
    assert err.startswith("error: user pool eu-west-1_Missing not found in eu-west-1 (")
    assert err.count("\n") == 1


def test_cli_without_credentials(monkeypatch: Any) -> None:
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for variable in (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(variable, raising=False)
    code, _, err = run_cli(
        ["export", "--old-pool-id", "eu-west-1_Old", "--new-pool-id", "us-east-1_New"],
        cli.default_client_factory,
    )
    assert code == 1
    assert err.startswith("error: no AWS credentials found")


def test_cli_refuses_a_zero_rate() -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["export", "--old-pool-id", "a", "--new-pool-id", "b", "--rate", "0"])
    assert raised.value.code == 2


def test_runs_as_a_module() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.migration",
            "export",
            "--old-pool-id",
            "x",
            "--new-pool-id",
            "y",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == "error: 'x' is not a user pool id like 'eu-west-1_AbC123'\n"


# --- --env: the pools from the environment users move into ------------------------------------


def test_cli_env_takes_the_old_pool_from_the_file_and_the_new_from_the_outputs(
    pools: Pools, tmp_path: Path, monkeypatch: Any
) -> None:
    # GIVEN an environment whose migration section names the old pool, deployed as the new one;
    # its custom:tenant_id is an authorization input the file does not declare protected
    (tmp_path / "next.yaml").write_text(
        "tier: development\nowner: team\n"
        "user_pool: {feature_plan: plus, custom_attributes: {tenant_id: {}}}\n"
        "domain: {prefix: next-signin}\n"
        f"migration: {{from_user_pool_id: {pools.old_id}, from_client_id: oldclient123,\n"
        "  protected_in_old_pool: {email_verified: verified by code only}}\n"
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deploy-outputs").mkdir()
    (tmp_path / "deploy-outputs" / "next.json").write_text(
        json.dumps({"cognito-kit-next": {"UserPoolId": pools.new_id}})
    )
    out = tmp_path / "users.csv"
    # WHEN the export names only the environment
    code, stdout, err = run_cli(
        ["export", "--env", "next", "--directory", str(tmp_path), "--out", str(out)],
        pools.factory,
    )
    # THEN it reads the old pool and writes the new pool's header, as with the two ids, but
    # takes no undeclared authorization input from the old pool
    assert (code, err) == (0, "")
    assert f"wrote {len(EXPORTED)} users" in stdout
    header, rows = decode_file(out.read_text(encoding="utf-8"))
    column = header.index("custom:tenant_id")
    assert [row[column] for row in rows] == [""] * len(EXPORTED)  # ann's "-42" stayed behind
    assert header.index("email_verified") >= 0
    assert all(row[header.index("email_verified")] == "true" for row in rows)  # declared
    assert (
        "authorization inputs not declared in migration.protected_in_old_pool, not exported: "
        "custom:tenant_id (1 users)"
    ) in stdout


def test_a_withheld_attribute_is_never_taken_from_the_old_pool() -> None:
    pool = NewPool(
        **{**NEW_POOL.__dict__, "header": (*NEW_POOL.header[:-1], "custom:tenant_id", MFA)}
    )
    record = user(**{"custom:tenant_id": "t-9"})
    kept = plan_user(record, pool)
    assert isinstance(kept, export.Candidate)
    assert kept.cells[-2] == "t-9"
    withheld = plan_user(record, pool, {"custom:tenant_id"})
    assert isinstance(withheld, export.Candidate)
    assert withheld.cells[-2] == ""
    # An untrusted verification flag proves no contact: no reset code could be trusted.
    assert plan_user(record, pool, {"email_verified"}) == "no_verified_contact"


def test_cli_env_without_a_migration_section_says_what_to_add(tmp_path: Path) -> None:
    (tmp_path / "next.yaml").write_text(
        "tier: development\nowner: team\nuser_pool: {feature_plan: plus}\n"
        "domain: {prefix: next-signin}\n"
    )

    def no_aws(region: str) -> Any:
        raise AssertionError("no AWS call expected")

    code, _, err = run_cli(["export", "--env", "next", "--directory", str(tmp_path)], no_aws)
    assert code == 1
    assert err.startswith("error: next has no `migration` section")


def test_cli_takes_the_env_or_both_ids() -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(["export", "--env", "next", "--old-pool-id", "eu-west-1_A"])
    assert raised.value.code == 2
