"""User migration trigger: move a user from an OLD user pool into this (new) pool on first use.

Trigger sources handled: ``UserMigration_Authentication`` (sign-in with a password by a user the
new pool does not know) and ``UserMigration_ForgotPassword`` (forgot-password by such a user).
Any other source, or an event that is not a JSON object, is returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-migrate-user.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error; every problem is reported at once.

``from_user_pool_id`` (string, required)
    The old pool, ``<region>_<id>``.
``from_client_id`` (string, required)
    An app client of the old pool with ``ALLOW_ADMIN_USER_PASSWORD_AUTH`` and WITHOUT a client
    secret (AdminInitiateAuth would need a SECRET_HASH, which needs the secret in this
    function). Enable that flow only for the migration period.
``region`` (string or null, default: the region prefix of ``from_user_pool_id``)
    Must equal that prefix; the old pool may be in another region than this function.
``attributes`` (array of strings, required, not empty)
    The attributes this function may carry (``email``, ``custom:tenant_id``...), and nothing
    else: no ``custom:*`` attribute and no verification flag (``email_verified``,
    ``phone_number_verified``) that is not listed. The infra lists the new pool's attributes
    minus every authorization input the environment file has not declared protected in the old
    pool (docs/migration.md). ``sub``, ``identities`` and ``cognito:*`` are refused: the new
    pool assigns its own.
``case_sensitive`` (boolean, required)
    Whether the NEW pool's usernames are case-sensitive (the kit's pools are not).
``sign_in_identifiers`` (array of strings, required, may be empty)
    Which of ``email``, ``phone_number`` and ``preferred_username`` users of the NEW pool sign
    in with (the username always counts). An ``email`` or ``phone_number`` listed here needs
    its verification flag in ``attributes``: an identifier whose verification cannot be
    trusted would let anyone pre-claim it.
``forgot_password`` (``"ignore"`` or ``"migrate"``, default ``"ignore"``)
    ``ignore``: a forgot-password request migrates nobody and is answered as for a name that
    exists nowhere. ``migrate``: it moves the user (see below); for the end of a migration
    window only.

What a migration does:

- ``UserMigration_Authentication``: AdminInitiateAuth(old pool, ``ADMIN_USER_PASSWORD_AUTH``,
  USERNAME = ``userName`` as typed, PASSWORD = ``request.password``). Only an
  ``AuthenticationResult`` counts. Any challenge is refused: ``NEW_PASSWORD_REQUIRED`` needs a
  password change, and an MFA challenge (``SMS_MFA``, ``SOFTWARE_TOKEN_MFA``, ``EMAIL_OTP``,
  ``SELECT_MFA_TYPE``, ``MFA_SETUP``...) means the old pool wants a second factor: migrating on
  the password alone would let someone who knows only the password into the new pool, where
  they could enrol their own second factor. Those users move with the bulk import (see
  docs/migration.md) and reset their password. The username and ``sub`` are then read from the
  access token the old pool just issued (it came straight from Cognito in the response to this
  signed request, so it is as trustworthy as any other field of it; the tokens are discarded
  and never logged), and AdminGetUser(that exact username) must return that ``sub``: the
  profile carried over is always the profile of the user whose password was checked.
  Response: ``userAttributes``, ``finalUserStatus: "CONFIRMED"`` (the user keeps the password),
  ``messageAction: "SUPPRESS"``, ``forceAliasCreation: false``.
- ``UserMigration_ForgotPassword``: with ``forgot_password: "ignore"`` (the default), refused
  without calling AWS: the request proves nothing (there is no password), and a migration here
  would create the user as ``RESET_REQUIRED`` for anyone who types their name, throwing away
  the migration that keeps their password. With ``"migrate"``: AdminGetUser(old pool,
  ``userName`` as typed) only. Response: ``userAttributes``, ``messageAction: "SUPPRESS"``,
  ``forceAliasCreation: false`` and no ``finalUserStatus``: AWS documents it for sign-in
  (``CONFIRMED``) and otherwise sets ``RESET_REQUIRED``; Cognito then sends the reset code. The
  user must have a verified email or phone number that is carried over, or no code can reach
  them, so the migration is refused.

``forceAliasCreation`` is always false: a migrating user must never take an email or phone alias
away from a user who already exists in the new pool.

Users refused in both sources: disabled in the old pool; any status other than ``CONFIRMED``
(``UNCONFIRMED``, ``FORCE_CHANGE_PASSWORD``, ``RESET_REQUIRED``, ``EXTERNAL_PROVIDER``,
``COMPROMISED``, ``ARCHIVED``, ``UNKNOWN``...); MFA set up in the old pool (AdminGetUser's
``UserMFASettingList``, ``PreferredMfaSetting`` or ``MFAOptions``), because a migration by
password or by reset code alone would drop that factor.

Attributes carried: those of the old user whose names are in ``attributes``, never ``sub``,
``identities`` or ``cognito:*``; ``email_verified`` / ``phone_number_verified`` only when listed
in ``attributes``, as ``"true"`` only when the old pool says ``"true"`` and the email / phone
number itself is carried. A user with no attribute to carry is refused (Cognito requires at
least one). A user whose email (phone number) is a sign-in identifier of the new pool but is
not carried as verified is refused: carried unverified, it would occupy that identifier in the
new pool, so whoever set someone else's address on an old account could squat it.

Username lookup and case. The typed ``userName`` is sent to the old pool exactly as typed; the
old pool resolves it by its own rules (its own case sensitivity and aliases). The trigger never
tries other spellings or searches with ListUsers: in a case-sensitive old pool, ``Ann`` and
``ann`` may be two users, and trying variants would pick between them by password. Then the
typed ``userName`` must equal one of the old user's trusted identifiers (the username, an
``email`` / ``phone_number`` carried as verified, a carried ``preferred_username``) under the
NEW pool's rule: exactly when ``case_sensitive`` is true, ignoring case (``str.lower``) when
false. Otherwise the migration is refused: a case-insensitive old pool resolves ``ANN`` to
``ann``, and a case-sensitive new pool would create ``ANN`` and later, for a sign-in as
``ann``, a second user from the same old one. An unverified email or phone number never
counts: the old pool accepting it says nothing about who owns the address.
Consequences: users of a case-sensitive old pool type their old spelling once (as they always
had to); two old users whose names differ only in case cannot both move into a
case-insensitive new pool (the first to sign in takes the name; the export helper reports such
collisions before you start).

Time: Cognito waits 5 seconds in total. The old pool's client has a 0.5 s connect and 1.5 s read
timeout and makes one attempt (no retries); a call is only started when at least its worst case
(2 s) fits into a 4 s budget counted from the start of the invocation (less when the Lambda
context says less time remains). A sign-in that runs out of budget is refused as "try again".

Failure policy (fail closed):

- Every deliberate refusal (wrong password, unknown user, a challenge, a refused status, MFA,
  no verified contact, an untrusted sign-in identifier, an identifier mismatch, forgot-password
  migration off, a malformed event) RETURNS the event with an empty response: every response
  field null, as Cognito sent it. AWS documents that, with ``PreventUserExistenceErrors``
  enabled, Cognito then answers as for a user that does not exist: ``NotAuthorizedException``
  (``Incorrect username or password.``) at sign-in, a simulated code delivery in forgot
  password. Raising instead would surface as ``UserLambdaValidationException`` carrying the
  trigger's message, which tells old-pool users from unknown names. The reason is logged.
  (``MigrationDenied`` is the internal signal for this and never leaves ``process_event``.)
- ``MigrationUnavailable`` (``Sign-in is temporarily unavailable. Please try again``) is raised
  for a missing or invalid ``TRIGGER_CONFIG``, AWS errors (throttling, timeouts, a missing pool
  or client, a client with a secret or without the flow), an inconsistent AWS response, no time
  left, or an unexpected error. Nothing is migrated then, so the user can simply retry. These
  answers differ from an unknown name's on purpose (a real user must not be told the password
  is wrong); each happens either whatever the typed name is, or only after the old pool has
  accepted the password, so it tells the caller nothing they did not prove.

Logging: trigger source, pool, ``username_ref`` (a keyed hash, never the typed name),
``reason``, ``aws_operation``, ``error_code`` and the names (never values) of carried and
withheld attributes. Never the password, a token, an attribute value or an AWS error message.
An unexpected error is logged with its type and location only, not its message or traceback (a
message may quote a parameter). The botocore, boto3 and urllib3 loggers are kept
at WARNING or above, because at DEBUG botocore logs request bodies, which carry the password.

IAM: ``cognito-idp:AdminInitiateAuth`` and ``cognito-idp:AdminGetUser`` on the old pool's ARN.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple, NoReturn

try:
    from lambda_triggers._common import (
        ConfigReader,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
        config_or_none,
        get_str,
        handled_event,
        log_context,
    )
    from lambda_triggers._common import (
        Deadline as Deadline,  # re-exported: callers and tests build one for process_event
    )
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import (  # type: ignore[import-not-found, no-redef]
        ConfigReader,
        Deadline,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
        config_or_none,
        get_str,
        handled_event,
        log_context,
    )

logger = logging.getLogger(__name__)

AUTHENTICATION: Final = "UserMigration_Authentication"
FORGOT_PASSWORD: Final = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger source
SOURCES: Final = frozenset({AUTHENTICATION, FORGOT_PASSWORD})

DENIED_MESSAGE: Final = "Incorrect username or password"
UNAVAILABLE_MESSAGE: Final = "Sign-in is temporarily unavailable. Please try again"

KNOWN_KEYS: Final = (
    "from_user_pool_id",
    "from_client_id",
    "region",
    "attributes",
    "case_sensitive",
    "sign_in_identifiers",
    "forgot_password",
)
NEVER_CARRIED: Final = frozenset({"sub", "identities"})
VERIFIED_FLAGS: Final = {"email_verified": "email", "phone_number_verified": "phone_number"}
FLAG_OF: Final = {base: flag for flag, base in VERIFIED_FLAGS.items()}
IDENTIFIER_ATTRIBUTES: Final = ("email", "phone_number", "preferred_username")
FORGOT_PASSWORD_MODES: Final = ("ignore", "migrate")
MIGRATABLE_STATUS: Final = "CONFIRMED"
# What Cognito sends in ``response``; all null is the empty response of a refusal.
RESPONSE_KEYS: Final = (
    "userAttributes",
    "finalUserStatus",
    "messageAction",
    "desiredDeliveryMediums",
    "forceAliasCreation",
)
MAX_LOGGED_NAMES: Final = 32

CONNECT_TIMEOUT_S: Final = 0.5
READ_TIMEOUT_S: Final = 1.5
CALL_WORST_CASE_S: Final = CONNECT_TIMEOUT_S + READ_TIMEOUT_S  # one attempt, no retries
TIME_BUDGET_S: Final = 4.0  # of Cognito's 5 s, leaving room for the runtime's own start
CONTEXT_MARGIN_S: Final = 0.2

MAX_USERNAME_LEN: Final = 2048  # an alias (email) may be typed instead of a username
MAX_PASSWORD_LEN: Final = 256  # Cognito's limit
MAX_ATTRIBUTE_VALUE_LEN: Final = 2048  # Cognito's limit
MAX_CLIENT_ID_LEN: Final = 128

REGION_PATTERN: Final = r"[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d"
_USER_POOL_ID_RE: Final = re.compile(rf"(?P<region>{REGION_PATTERN})_[0-9A-Za-z]{{1,40}}")
_REGION_RE: Final = re.compile(REGION_PATTERN)
_CLIENT_ID_RE: Final = re.compile(r"[\w+]+")
_STANDARD_ATTRIBUTE_RE: Final = re.compile(r"[a-z][a-z_]{0,31}")
_CUSTOM_ATTRIBUTE_RE: Final = re.compile(r"custom:[A-Za-z0-9_]{1,20}")

# Error codes of AdminInitiateAuth / AdminGetUser that mean "this user may not migrate"; every
# other error is a failure to be retried.
_DENIAL_CODES: Final = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "UserNotConfirmedException",
        "PasswordResetRequiredException",
    }
)
# NotAuthorizedException also reports a misconfigured client; those must not look like a
# wrong password in the logs (every user would be refused without an ERROR).
_CLIENT_MISCONFIGURED_HINTS: Final = ("secret hash", "client secret")


class MigrationDenied(Exception):  # noqa: N818 - the name says what happened
    """A deliberate refusal, logged with its reason. `process_event` turns it into the empty
    response Cognito answers as for an unknown name; it never reaches Cognito."""

    def __init__(self) -> None:
        super().__init__(DENIED_MESSAGE)


class MigrationUnavailable(Exception):  # noqa: N818
    """A retryable failure (configuration, AWS error, no time left). Nothing was migrated."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE_MESSAGE)


class Config(NamedTuple):
    from_user_pool_id: str
    from_client_id: str
    region: str
    attributes: frozenset[str]
    case_sensitive: bool
    sign_in_identifiers: frozenset[str]
    forgot_password: str  # one of FORGOT_PASSWORD_MODES


class OldUser(NamedTuple):
    """What AdminGetUser said about the user in the old pool."""

    username: str
    enabled: bool
    status: str
    attributes: dict[str, str]
    has_mfa: bool


# --- configuration ------------------------------------------------------------------------


def pool_region(user_pool_id: str) -> str | None:
    """The region prefix of a user pool id (``eu-west-1_AbC`` -> ``eu-west-1``), or None."""
    match = _USER_POOL_ID_RE.fullmatch(user_pool_id)
    return match.group("region") if match else None


def attribute_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a carried attribute, or None if it can."""
    if name in NEVER_CARRIED or name.lower().startswith("cognito:"):
        return f"{name!r} is assigned by the new pool and is never carried over"
    if _STANDARD_ATTRIBUTE_RE.fullmatch(name) or _CUSTOM_ATTRIBUTE_RE.fullmatch(name):
        return None
    return f"{name!r} is not an attribute name like 'email' or 'custom:tenant_id'"


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem."""
    reader = ConfigReader(raw, KNOWN_KEYS)
    pool_id = reader.optional_string("from_user_pool_id", max_len=55) or ""
    derived_region = pool_region(pool_id)
    if not reader.has("from_user_pool_id"):
        reader.problem("from_user_pool_id", "required: the old pool's id, like 'eu-west-1_AbC123'")
    elif pool_id and derived_region is None:
        reader.problem("from_user_pool_id", "expected '<region>_<id>', like 'eu-west-1_AbC123'")
    client_id = reader.optional_string("from_client_id", max_len=MAX_CLIENT_ID_LEN) or ""
    if not reader.has("from_client_id"):
        reader.problem("from_client_id", "required: an app client id of the old pool")
    elif client_id and not _CLIENT_ID_RE.fullmatch(client_id):
        reader.problem("from_client_id", "expected letters, digits, '_' or '+'")
    region = reader.optional_string("region", max_len=32)
    if region is not None and not _REGION_RE.fullmatch(region):
        reader.problem("region", f"{region!r} is not a region name like 'eu-west-1'")
    elif region is not None and derived_region is not None and region != derived_region:
        reader.problem(
            "region", f"{region!r} does not match the pool id's region {derived_region!r}"
        )
    attributes: list[str] = []
    if not reader.has("attributes"):
        reader.problem("attributes", "required: the new pool's attribute names")
    for index, name in enumerate(reader.string_list("attributes")):
        if (problem := attribute_name_problem(name)) is not None:
            reader.problem(f"attributes[{index}]", problem)
        elif name in attributes:
            reader.problem(f"attributes[{index}]", f"{name!r} is listed twice")
        else:
            attributes.append(name)
    if isinstance(raw, dict) and raw.get("attributes") == []:
        reader.problem("attributes", "must list at least one attribute")
    if not reader.has("case_sensitive"):
        reader.problem(
            "case_sensitive", "required: true if the new pool's usernames are case-sensitive"
        )
    case_sensitive = reader.boolean("case_sensitive", default=True)
    identifiers = _sign_in_identifiers(reader, attributes)
    forgot_password = reader.optional_string("forgot_password", max_len=16) or "ignore"
    if forgot_password not in FORGOT_PASSWORD_MODES:
        reader.problem(
            "forgot_password",
            f"{forgot_password!r} is not one of {list(FORGOT_PASSWORD_MODES)}",
        )
    reader.finish()
    return Config(
        from_user_pool_id=pool_id,
        from_client_id=client_id,
        region=region or derived_region or "",
        attributes=frozenset(attributes),
        case_sensitive=case_sensitive,
        sign_in_identifiers=frozenset(identifiers),
        forgot_password=forgot_password,
    )


def _sign_in_identifiers(reader: ConfigReader, attributes: list[str]) -> list[str]:
    if not reader.has("sign_in_identifiers"):
        reader.problem(
            "sign_in_identifiers",
            f"required: which of {list(IDENTIFIER_ATTRIBUTES)} the new pool signs in with "
            "([] for the username only)",
        )
    identifiers: list[str] = []
    for index, name in enumerate(reader.string_list("sign_in_identifiers")):
        where = f"sign_in_identifiers[{index}]"
        if name not in IDENTIFIER_ATTRIBUTES:
            reader.problem(where, f"{name!r} is not one of {list(IDENTIFIER_ATTRIBUTES)}")
        elif name in identifiers:
            reader.problem(where, f"{name!r} is listed twice")
        else:
            identifiers.append(name)
            flag = FLAG_OF.get(name)
            if flag is not None and flag not in attributes:
                # Every user with this attribute would be refused: a configuration mistake.
                reader.problem(
                    where,
                    f"{name!r} is a sign-in identifier but {flag!r} is not in attributes: no "
                    f"migrated {name} could count as verified, so every user with one would be "
                    "refused",
                )
    return identifiers


CONFIG: Final = LazyConfig(parse_config)


# --- pure logic ---------------------------------------------------------------------------


def same_identifier(typed: str, known: str, *, case_sensitive: bool) -> bool:
    """Whether the new pool would treat ``typed`` and ``known`` as the same identifier."""
    return typed == known if case_sensitive else typed.lower() == known.lower()


def trusted_identifiers(username: str, carried: Mapping[str, str]) -> list[str]:
    """The identifiers a typed name may match: the username, an email or phone number carried
    as verified, a carried preferred_username. An unverified address proves nothing."""
    identifiers = [username]
    for base, flag in FLAG_OF.items():
        if carried.get(flag) == "true" and carried.get(base):
            identifiers.append(carried[base])
    if carried.get("preferred_username"):
        identifiers.append(carried["preferred_username"])
    return identifiers


def identifies(
    user: OldUser, typed: str, carried: Mapping[str, str], *, case_sensitive: bool
) -> bool:
    """Whether ``typed`` is one of the old user's trusted identifiers under the new pool's rule."""
    return any(
        same_identifier(typed, candidate, case_sensitive=case_sensitive)
        for candidate in trusted_identifiers(user.username, carried)
    )


def identifier_claim_problem(
    old: Mapping[str, str], carried: Mapping[str, str], sign_in_identifiers: frozenset[str]
) -> str | None:
    """Why carrying this user would let an unverified address claim a sign-in identifier."""
    for base, flag in FLAG_OF.items():
        if base in sign_in_identifiers and old.get(base) and carried.get(flag) != "true":
            return (
                f"the user's {base} is a sign-in identifier of the new pool and is not verified "
                "(or its verification is not trusted); carried, it would claim that identifier"
            )
    return None


def refusal_reason(user: OldUser) -> str | None:
    """Why the old pool's state forbids migrating this user, or None."""
    if not user.enabled:
        return "the user is disabled in the old pool"
    if user.status != MIGRATABLE_STATUS:
        return f"the user's status in the old pool is {user.status or 'unknown'}"
    if user.has_mfa:
        return "the user has MFA set up in the old pool"
    return None


def carried_attributes(old: Mapping[str, str], allowed: frozenset[str]) -> dict[str, str]:
    """The attributes the new pool receives: listed ones only; a verification flag only when
    listed too, and only as "true" for a carried value."""
    carried = {
        name: value
        for name, value in old.items()
        if name in allowed
        and name not in NEVER_CARRIED
        and name not in VERIFIED_FLAGS
        and not name.lower().startswith("cognito:")
        and len(value) <= MAX_ATTRIBUTE_VALUE_LEN
    }
    for flag, base in VERIFIED_FLAGS.items():
        if flag in allowed and base in carried and old.get(flag) == "true":
            carried[flag] = "true"
    return carried


def withheld_names(old: Mapping[str, str], carried: Mapping[str, str]) -> list[str]:
    """The names (from the old pool's schema, never values) of attributes not carried."""
    names = sorted(n[:64] for n in old if n not in carried and n != "sub")
    return names[:MAX_LOGGED_NAMES]


def refused(event: JsonDict) -> JsonDict:
    """``event`` with the empty response Cognito treats as "no such user": every field null.

    Cognito sends the response with every field null; the keys it sent are kept.
    """
    response = event.get("response")
    keys = [*RESPONSE_KEYS, *(k for k in as_dict(response) if k not in RESPONSE_KEYS)]
    event["response"] = dict.fromkeys(keys)
    return event


def has_verified_contact(attributes: Mapping[str, str]) -> bool:
    """Whether a reset code can reach the user: a carried, verified email or phone number."""
    return any(
        attributes.get(flag) == "true" and bool(attributes.get(base))
        for flag, base in VERIFIED_FLAGS.items()
    )


def parse_old_user(response: object) -> OldUser | None:
    """An AdminGetUser response as an ``OldUser``; None when it lacks what a decision needs."""
    record = as_dict(response)
    username = get_str(record, "Username")
    enabled = record.get("Enabled")
    status = get_str(record, "UserStatus")
    raw_attributes = record.get("UserAttributes")
    if not username or not isinstance(enabled, bool) or status is None:
        return None
    if not isinstance(raw_attributes, list):
        return None
    attributes: dict[str, str] = {}
    for item in raw_attributes:
        name = get_str(item, "Name")
        value = get_str(item, "Value")
        if name is not None and value is not None:
            attributes[name] = value
    has_mfa = any(
        isinstance(record.get(key), list) and bool(record.get(key))
        for key in ("UserMFASettingList", "MFAOptions")
    ) or bool(get_str(record, "PreferredMfaSetting"))
    return OldUser(username, enabled, status, attributes, has_mfa)


def token_claims(token: object) -> JsonDict | None:
    """The payload of a JWT the old pool just returned to us (no signature check needed)."""
    if not isinstance(token, str):
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[1]:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, RecursionError):  # binascii.Error and JSONDecodeError are ValueErrors
        return None
    return claims if isinstance(claims, dict) else None


def classify_error(operation: str, code: str, message: str) -> tuple[bool, str]:
    """(is a denial, reason) for an AWS error; a non-denial is a retryable failure."""
    if operation == "AdminInitiateAuth" and code == "NotAuthorizedException":
        lowered = message.lower()
        if any(hint in lowered for hint in _CLIENT_MISCONFIGURED_HINTS):
            return False, "the old pool's app client has a secret; it must not"
    if operation == "AdminInitiateAuth" and code == "InvalidParameterException":
        return False, "the old pool's app client refused the request (is the auth flow allowed?)"
    if code in _DENIAL_CODES:
        return True, f"the old pool answered {code}"
    return False, f"{operation} failed"


# --- AWS ----------------------------------------------------------------------------------


_old_pool_clients: dict[str, Any] = {}
_METHODS: Final = {"AdminInitiateAuth": "admin_initiate_auth", "AdminGetUser": "admin_get_user"}


def _quiet_aws_loggers() -> None:
    # botocore logs request bodies at DEBUG, and AdminInitiateAuth's body carries the password.
    for name in ("botocore", "boto3", "urllib3"):
        aws_logger = logging.getLogger(name)
        if aws_logger.getEffectiveLevel() < logging.WARNING:
            aws_logger.setLevel(logging.WARNING)


def old_pool_client(region: str) -> Any:
    """The cognito-idp client for the old pool's region, created on first use (boto3 is lazy)."""
    client = _old_pool_clients.get(region)
    if client is None:
        import boto3  # deliberately lazy: ~265 ms
        from botocore.config import Config as BotoConfig

        _quiet_aws_loggers()
        client = boto3.client(
            "cognito-idp",
            region_name=region,
            config=BotoConfig(
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
        _old_pool_clients[region] = client
    return client


def _error_details(error: Exception) -> tuple[str, str]:
    response = getattr(error, "response", None)
    details = child(response, "Error")
    code = get_str(details, "Code") or type(error).__name__
    return code, get_str(details, "Message") or ""


def _call_old_pool(
    client: Any,
    operation: str,
    params: Mapping[str, object],
    deadline: Deadline,
    fields: Mapping[str, object],
) -> JsonDict:
    """One AWS call; raises ``MigrationDenied`` or ``MigrationUnavailable`` as classified."""
    from botocore.exceptions import BotoCoreError, ClientError

    if deadline.remaining() < CALL_WORST_CASE_S:
        logger.error(
            "not enough time left for the old pool; refusing so the sign-in can be retried",
            extra={**fields, "aws_operation": operation},
        )
        raise MigrationUnavailable
    try:
        response = getattr(client, _METHODS[operation])(**params)
    except (BotoCoreError, ClientError) as error:
        code, message = _error_details(error)
        denied, reason = classify_error(operation, code, message)
        log_fields = {**fields, "aws_operation": operation, "error_code": code, "reason": reason}
        if denied:
            logger.info("migration refused", extra=log_fields)
            raise MigrationDenied from None
        logger.error("old pool call failed; nothing migrated", extra=log_fields)
        raise MigrationUnavailable from None
    return as_dict(response)


def _deny(reason: str, fields: Mapping[str, object], *, level: int = logging.WARNING) -> NoReturn:
    logger.log(level, "migration refused", extra={**fields, "reason": reason})
    raise MigrationDenied


def _unavailable(reason: str, fields: Mapping[str, object]) -> NoReturn:
    logger.error(
        "unusable answer from the old pool; nothing migrated", extra={**fields, "reason": reason}
    )
    raise MigrationUnavailable


def authenticate(
    client: Any,
    config: Config,
    credentials: tuple[str, str],
    deadline: Deadline,
    fields: Mapping[str, object],
) -> tuple[str, str]:
    """Check (username, password) in the old pool; the authenticated user's (username, sub)."""
    username, password = credentials
    result = _call_old_pool(
        client,
        "AdminInitiateAuth",
        {
            "UserPoolId": config.from_user_pool_id,
            "ClientId": config.from_client_id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        },
        deadline,
        fields,
    )
    challenge = result.get("ChallengeName")
    if challenge is not None:  # any challenge at all: only tokens prove a completed sign-in
        _deny(f"the old pool answered with the challenge {str(challenge)[:64]}", fields)
    claims = token_claims(child(result, "AuthenticationResult").get("AccessToken"))
    old_username = get_str(claims, "username")
    sub = get_str(claims, "sub")
    if not old_username or not sub:
        _unavailable("AdminInitiateAuth returned no usable access token", fields)
    return old_username, sub


def read_old_user(
    client: Any, config: Config, username: str, deadline: Deadline, fields: Mapping[str, object]
) -> OldUser:
    """AdminGetUser in the old pool; ``MigrationUnavailable`` for an unusable answer."""
    response = _call_old_pool(
        client,
        "AdminGetUser",
        {"UserPoolId": config.from_user_pool_id, "Username": username},
        deadline,
        fields,
    )
    user = parse_old_user(response)
    if user is None:
        _unavailable("AdminGetUser returned an unexpected response", fields)
    return user


# --- event handling -----------------------------------------------------------------------


def _typed_username(event: JsonDict, fields: Mapping[str, object]) -> str:
    username = get_str(event, "userName")
    if not username or len(username) > MAX_USERNAME_LEN:
        _deny("the event has no usable userName", fields, level=logging.INFO)
    return username


def _password(event: JsonDict, fields: Mapping[str, object]) -> str:
    password = get_str(child(event, "request"), "password")
    if not password or len(password) > MAX_PASSWORD_LEN:
        _deny("the event has no usable password", fields, level=logging.INFO)
    return password


def process_event(
    event: JsonDict,
    config: Config,
    client_factory: Callable[[str], Any],
    deadline: Deadline,
) -> JsonDict:
    """Migrate the user of a migration event, or answer as for an unknown name (`refused`);
    raise ``MigrationUnavailable`` for a retryable failure."""
    source = get_str(event, "triggerSource")
    if source not in SOURCES:
        return event
    fields = log_context(event)
    try:
        response = _migration(event, source, config, client_factory, deadline, fields)
    except MigrationDenied:
        return refused(event)
    event["response"] = response
    return event


def _migration(
    event: JsonDict,
    source: str,
    config: Config,
    client_factory: Callable[[str], Any],
    deadline: Deadline,
    fields: Mapping[str, object],
) -> JsonDict:
    typed = _typed_username(event, fields)
    if source == AUTHENTICATION:
        credentials = (typed, _password(event, fields))
        client = client_factory(config.region)
        old_username, sub = authenticate(client, config, credentials, deadline, fields)
        user = read_old_user(client, config, old_username, deadline, fields)
        if user.username != old_username or user.attributes.get("sub") != sub:
            _unavailable("AdminGetUser returned another user than the one authenticated", fields)
    elif config.forgot_password != "migrate":  # noqa: S105 - a mode, not a password
        _deny(
            "forgot password migrates nobody (migration.forgot_password is ignore)",
            fields,
            level=logging.INFO,
        )
    else:
        user = read_old_user(client_factory(config.region), config, typed, deadline, fields)
    if (reason := refusal_reason(user)) is not None:
        _deny(reason, fields)
    attributes = carried_attributes(user.attributes, config.attributes)
    claim = identifier_claim_problem(user.attributes, attributes, config.sign_in_identifiers)
    if claim is not None:
        _deny(claim, fields)
    if not identifies(user, typed, attributes, case_sensitive=config.case_sensitive):
        _deny(
            "userName is none of the old user's trusted identifiers under the new pool's case rule",
            fields,
        )
    if not attributes:
        _deny("the user has no attribute the new pool keeps", fields)
    response: JsonDict = {
        "userAttributes": attributes,
        "messageAction": "SUPPRESS",
        "forceAliasCreation": False,
    }
    if source == AUTHENTICATION:
        response["finalUserStatus"] = MIGRATABLE_STATUS
    elif not has_verified_contact(attributes):
        _deny("no verified email or phone number to send the reset code to", fields)
    logger.info(
        "migrated the user from the old pool",
        extra={
            **fields,
            "attribute_names": sorted(attributes),
            "withheld_attribute_names": withheld_names(user.attributes, attributes),
        },
    )
    return response


def _error_location(error: BaseException) -> str:
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    if traceback is None:
        return "unknown"
    code = traceback.tb_frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{traceback.tb_lineno} in {code.co_name}"


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the policy and failure behaviour."""
    deadline = Deadline.for_context(context, TIME_BUDGET_S, CONTEXT_MARGIN_S)
    handled = handled_event(event, SOURCES, logger)
    if handled is None:
        return event
    config = config_or_none(CONFIG, logger, handled)
    if config is None:
        raise MigrationUnavailable
    try:
        return process_event(handled, config, old_pool_client, deadline)
    except MigrationUnavailable:
        raise
    except Exception as error:
        # Fail closed. Log the type and place only: a message may quote a request parameter.
        logger.error(
            "unexpected error; refusing the migration",
            extra={
                **log_context(handled),
                "error_type": type(error).__name__,
                "error_at": _error_location(error),
            },
        )
        raise MigrationUnavailable from None
