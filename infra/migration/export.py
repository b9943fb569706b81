"""Read the old pool's users and turn them into rows of the new pool's user import file.

Calls, all through one token bucket (``rate`` calls per second):

- new pool: DescribeUserPool (case sensitivity, MFA setting, auto-verified and required
  attributes), GetCSVHeader (the columns, in Cognito's order), ListUsers (who is already there);
- old pool: ListUsers, 60 users a page; AdminGetUser per exported user only when the new pool's
  MFA is OPTIONAL, to read whether that user had MFA.

Imported users have no password (the import carries none) and start as ``RESET_REQUIRED``: their
first sign-in sends a reset code to their verified email or phone number. Columns:
``cognito:username`` is the old username; ``cognito:mfa_enabled`` is ``true`` for every user when
the new pool's MFA is ON, ``false`` when it is OFF, and when OPTIONAL ``true`` exactly for users
with an MFA method in the old pool (AdminGetUser's ``UserMFASettingList`` or ``MFAOptions``), so
their second factor is not silently dropped; ``email_verified`` / ``phone_number_verified`` are
``true`` only when the old pool says ``true`` and the email / phone number is present; other
columns carry the old attribute of the same name (``birthdate`` converted from ``YYYY-MM-DD`` to
the import's ``mm/dd/yyyy``). Old attributes without a column (the new pool lacks them) are
dropped and counted by name. So are the ``withheld`` ones: the new pool's authorization inputs
the environment file does not declare protected in the old pool (a withheld flag is written as
``false``), exactly as the sign-in migration drops them.

Users skipped, each counted by reason (`SKIP_REASONS`): see the table there.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.config.migration import region_of
from infra.migration.importcsv import MAX_ROW_CHARS, cell_problem, encode_row
from infra.migration.ratelimit import TokenBucket

ClientFactory = Callable[[str], Any]
"""Region name -> cognito-idp client."""

USERNAME = "cognito:username"
MFA_ENABLED = "cognito:mfa_enabled"
VERIFIED_FLAGS = {"email_verified": "email", "phone_number_verified": "phone_number"}
EXPORTABLE_STATUSES = frozenset({"CONFIRMED", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"})
LIST_USERS_PAGE_SIZE = 60  # the API's maximum
DEFAULT_RATE = 5.0

SKIP_REASONS: Mapping[str, str] = {
    "external_provider": "a federated user: its next sign-in with that provider recreates it "
    "(an import would create a native user under the federated name)",
    "disabled": "disabled in the old pool: imported users are enabled",
    "unconfirmed": "never confirmed a contact in the old pool (UNCONFIRMED)",
    "other_status": "a status other than CONFIRMED, RESET_REQUIRED or FORCE_CHANGE_PASSWORD",
    "already_in_new_pool": "its username or email already exists in the new pool (migrated at "
    "sign-in, or signed up there)",
    "invalid_username": "a username with a space or tab, which the import refuses",
    "no_verified_contact": "no verified value of an attribute the new pool auto-verifies, so no "
    "reset code could reach the user (the import refuses such rows)",
    "missing_required_attribute": "lacks an attribute the new pool requires",
    "invalid_value": "a birthdate that is not YYYY-MM-DD",
    "unsafe_value": "a value with a backslash, double quote, line break or control character, "
    "or one a spreadsheet would run as a formula",
    "row_too_long": f"a row over {MAX_ROW_CHARS:,} characters",
    "case_collision": "another user has the same username ignoring case, and the new pool "
    "ignores case",
    "vanished": "deleted from the old pool during the export",
}
_BIRTHDATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_IMPORT_BIRTHDATE = re.compile(r"\d{2}/\d{2}/\d{4}")
_MFA_PLACEHOLDER = "false"  # the longer of "true"/"false": row lengths are checked with it
_METHODS = {
    "DescribeUserPool": "describe_user_pool",
    "GetCSVHeader": "get_csv_header",
    "ListUsers": "list_users",
    "AdminGetUser": "admin_get_user",
}


class ExportError(Exception):
    """A failure to report as one line, without a traceback."""


class AwsCallError(ExportError):
    """An AWS error response; ``code`` is its error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class NewPool:
    """What the export needs to know about the new pool."""

    pool_id: str
    header: tuple[str, ...]
    case_sensitive: bool
    mfa_configuration: str
    auto_verified: tuple[str, ...]
    required: frozenset[str]
    usernames: frozenset[str]  # folded per case_sensitive
    emails: frozenset[str]  # lower-cased

    def fold(self, username: str) -> str:
        return username if self.case_sensitive else username.lower()


@dataclass
class ExportResult:
    """The rows to write and what happened to every user."""

    header: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    total: int = 0
    mfa_enabled: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_users: list[tuple[str, str]] = field(default_factory=list)
    dropped_attributes: Counter[str] = field(default_factory=Counter)
    withheld_attributes: Counter[str] = field(default_factory=Counter)
    withheld_checked: bool = False

    @property
    def exported(self) -> int:
        return len(self.lines)

    def skip(self, username: str, reason: str) -> None:
        self.skipped[reason] += 1
        self.skipped_users.append((username, reason))


@dataclass(frozen=True)
class Candidate:
    """An old user that passed every per-user check; its MFA cell is still to be decided."""

    username: str
    cells: tuple[str, ...]


# --- AWS ----------------------------------------------------------------------------------


class _Pool:
    """Rate-limited calls to one pool, with AWS errors turned into one-line `ExportError`s."""

    def __init__(self, client: Any, pool_id: str, region: str, bucket: TokenBucket) -> None:
        self.client = client
        self.pool_id = pool_id
        self.region = region
        self.bucket = bucket

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        self.bucket.acquire()
        try:
            response = getattr(self.client, _METHODS[operation])(UserPoolId=self.pool_id, **params)
        except NoCredentialsError:
            raise ExportError(
                "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or run where a role provides them"
            ) from None
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code", "Error")
            message = details.get("Message", "")
            if code == "ResourceNotFoundException" and operation != "AdminGetUser":
                raise AwsCallError(
                    f"user pool {self.pool_id} not found in {self.region} ({message or code})", code
                ) from None
            detail = f"{code}: {message}" if message else code
            raise AwsCallError(f"{operation} on {self.pool_id} failed: {detail}", code) from None
        except BotoCoreError as error:
            raise ExportError(f"{operation} on {self.pool_id} failed: {error}") from None
        if not isinstance(response, dict):
            raise ExportError(f"{operation} on {self.pool_id} returned no object")
        return response

    def users(self) -> Iterator[dict[str, Any]]:
        """Every user, page by page."""
        token: str | None = None
        while True:
            params: dict[str, Any] = {"Limit": LIST_USERS_PAGE_SIZE}
            if token:
                params["PaginationToken"] = token
            page = self.call("ListUsers", **params)
            yield from (user for user in page.get("Users", []) if isinstance(user, dict))
            token = page.get("PaginationToken")
            if not token:
                return


def pool_region(user_pool_id: str) -> str:
    """The region of a user pool id; `ExportError` if it is not one."""
    try:
        return region_of(user_pool_id)
    except ValueError as error:
        raise ExportError(str(error)) from None


def attributes_of(user: Mapping[str, Any]) -> dict[str, str]:
    """A ListUsers user's attributes as a dict (malformed items ignored)."""
    items = user.get("Attributes")
    if not isinstance(items, list):
        return {}
    return {
        item["Name"]: item["Value"]
        for item in items
        if isinstance(item, dict)
        and isinstance(item.get("Name"), str)
        and isinstance(item.get("Value"), str)
    }


def read_new_pool(pool: _Pool) -> NewPool:
    """Settings, header and existing users of the new pool."""
    description = pool.call("DescribeUserPool").get("UserPool", {})
    header = tuple(pool.call("GetCSVHeader").get("CSVHeader", []))
    for column in (USERNAME, MFA_ENABLED):
        if column not in header:
            raise ExportError(f"GetCSVHeader on {pool.pool_id} returned no {column} column")
    if len(set(header)) != len(header):
        raise ExportError(f"GetCSVHeader on {pool.pool_id} returned a column twice")
    auto_verified = tuple(
        name
        for name in description.get("AutoVerifiedAttributes") or []
        if name in VERIFIED_FLAGS.values()
    )
    if not auto_verified:
        raise ExportError(
            f"user pool {pool.pool_id} verifies neither email nor phone_number automatically: "
            "Cognito's import job does not start for such a pool"
        )
    # A pool created without UsernameConfiguration is case-sensitive.
    case_sensitive = (description.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
    required = frozenset(
        attribute["Name"]
        for attribute in description.get("SchemaAttributes") or []
        if attribute.get("Required") and attribute.get("Name") in header
    )
    usernames: set[str] = set()
    emails: set[str] = set()
    for user in pool.users():
        username = user.get("Username")
        if isinstance(username, str):
            usernames.add(username if case_sensitive else username.lower())
        email = attributes_of(user).get("email")
        if email:
            emails.add(email.lower())
    return NewPool(
        pool_id=pool.pool_id,
        header=header,
        case_sensitive=bool(case_sensitive),
        mfa_configuration=str(description.get("MfaConfiguration") or "OFF"),
        auto_verified=auto_verified,
        required=required - {USERNAME, MFA_ENABLED, "sub"},
        usernames=frozenset(usernames),
        emails=frozenset(emails),
    )


# --- pure decisions -----------------------------------------------------------------------


def status_reason(user: Mapping[str, Any]) -> str | None:
    """The skip reason the old pool's state gives, or None."""
    status = user.get("UserStatus")
    if status == "EXTERNAL_PROVIDER":
        return "external_provider"
    if user.get("Enabled") is not True:
        return "disabled"
    if status == "UNCONFIRMED":
        return "unconfirmed"
    if status not in EXPORTABLE_STATUSES:
        return "other_status"
    return None


def cell_value(column: str, username: str, attributes: Mapping[str, str]) -> str | None:
    """The value of one column for one user; None when the value cannot be imported."""
    if column == USERNAME:
        return username
    if column == MFA_ENABLED:
        return _MFA_PLACEHOLDER
    if column in VERIFIED_FLAGS:
        verified = attributes.get(column) == "true" and bool(attributes.get(VERIFIED_FLAGS[column]))
        return "true" if verified else "false"
    if column.startswith("cognito:"):
        return ""
    value = attributes.get(column, "").strip()  # Cognito trims values itself
    if column == "birthdate" and value and not _IMPORT_BIRTHDATE.fullmatch(value):
        match = _BIRTHDATE.fullmatch(value)
        if match is None:
            return None
        year, month, day = match.groups()
        value = f"{month}/{day}/{year}"
    return value


def plan_user(
    user: Mapping[str, Any], new_pool: NewPool, withheld: Collection[str] = ()
) -> Candidate | str:
    """A `Candidate` row for one old user, or the reason it is skipped; ``withheld``
    attributes are never taken from the old pool."""
    if (reason := status_reason(user)) is not None:
        return reason
    username = user.get("Username")
    if not isinstance(username, str) or not username:
        return "invalid_username"
    attributes = {k: v for k, v in attributes_of(user).items() if k not in withheld}
    email = attributes.get("email", "").strip().lower()
    if new_pool.fold(username) in new_pool.usernames or (email and email in new_pool.emails):
        return "already_in_new_pool"
    if any(char in username for char in " \t"):
        return "invalid_username"
    if not any(
        attributes.get(f"{name}_verified") == "true" and attributes.get(name, "").strip()
        for name in new_pool.auto_verified
    ):
        return "no_verified_contact"
    cells: list[str] = []
    for column in new_pool.header:
        value = cell_value(column, username, attributes)
        if value is None:
            return "invalid_value"
        if column in new_pool.required and not value:
            return "missing_required_attribute"
        if cell_problem(value) is not None:
            return "unsafe_value"
        cells.append(value)
    if len(encode_row(cells)) > MAX_ROW_CHARS:
        return "row_too_long"
    return Candidate(username=username, cells=tuple(cells))


def dropped_attribute_names(user: Mapping[str, Any], header: tuple[str, ...]) -> set[str]:
    """Names of the user's attributes the new pool has no column for (``sub`` aside)."""
    return {name for name in attributes_of(user) if name not in header and name != "sub"}


def case_collisions(candidates: list[Candidate]) -> set[str]:
    """Usernames that equal another candidate's ignoring case."""
    seen: Counter[str] = Counter(candidate.username.lower() for candidate in candidates)
    return {c.username for c in candidates if seen[c.username.lower()] > 1}


def had_mfa(user: Mapping[str, Any]) -> bool:
    """Whether AdminGetUser shows an MFA method for the user."""
    return any(
        isinstance(user.get(key), list) and bool(user.get(key))
        for key in ("UserMFASettingList", "MFAOptions")
    )


# --- the export ---------------------------------------------------------------------------


def export_users(
    old_pool_id: str,
    new_pool_id: str,
    *,
    client_factory: ClientFactory,
    rate: float = DEFAULT_RATE,
    region: str | None = None,
    bucket: TokenBucket | None = None,
    withheld: Collection[str] | None = None,
) -> ExportResult:
    """Read both pools and build the import rows; raises `ExportError` with a one-line message.

    ``withheld``: attributes never taken from the old pool (`withheld_attributes`); None when
    no environment file says (the summary then says they were not checked).
    """
    old_region, new_region = pool_region(old_pool_id), pool_region(new_pool_id)
    if old_pool_id == new_pool_id:
        raise ExportError("the old and the new pool are the same pool")
    if region is not None and (old_region != region or new_region != region):
        raise ExportError(
            f"--region {region} does not match the pools' regions ({old_region}, {new_region}); "
            "leave it out to use each pool id's region"
        )
    bucket = bucket or TokenBucket(rate)
    new_pool = read_new_pool(_Pool(client_factory(new_region), new_pool_id, new_region, bucket))
    old = _Pool(client_factory(old_region), old_pool_id, old_region, bucket)
    result = ExportResult(header=new_pool.header, withheld_checked=withheld is not None)
    withheld = frozenset(withheld or ())
    candidates: list[Candidate] = []
    for user in old.users():
        result.total += 1
        result.dropped_attributes.update(dropped_attribute_names(user, new_pool.header))
        result.withheld_attributes.update(set(attributes_of(user)) & withheld)
        planned = plan_user(user, new_pool, withheld)
        if isinstance(planned, str):
            result.skip(str(user.get("Username", "")), planned)
        else:
            candidates.append(planned)
    colliding = set() if new_pool.case_sensitive else case_collisions(candidates)
    mfa_column = new_pool.header.index(MFA_ENABLED)
    for candidate in candidates:
        if candidate.username in colliding:
            result.skip(candidate.username, "case_collision")
            continue
        mfa = _mfa_cell(old, candidate.username, new_pool.mfa_configuration)
        if mfa is None:
            result.skip(candidate.username, "vanished")
            continue
        result.mfa_enabled += mfa == "true"
        cells = list(candidate.cells)
        cells[mfa_column] = mfa
        result.lines.append(encode_row(cells))
    return result


def _mfa_cell(old: _Pool, username: str, mfa_configuration: str) -> str | None:
    if mfa_configuration == "ON":
        return "true"
    if mfa_configuration != "OPTIONAL":
        return "false"
    try:
        user = old.call("AdminGetUser", Username=username)
    except AwsCallError as error:
        if error.code == "UserNotFoundException":
            return None
        raise
    return "true" if had_mfa(user) else "false"
