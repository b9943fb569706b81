"""Pre sign-up trigger: email-domain policy, and linking of federated sign-ins to native users.

Trigger sources handled: ``PreSignUp_SignUp``, ``PreSignUp_AdminCreateUser``,
``PreSignUp_ExternalProvider``. Any other source, or an event that is not a JSON object, is
returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``allowed_email_domains`` (array of strings, default ``[]``)
    Only email addresses at these domains may sign up. Empty allows every domain.
``denied_email_domains`` (array of strings, default ``[]``)
    Email addresses at these domains may not sign up. A denial wins over an allowance.
``account_linking`` (boolean, default ``false``)
    Link a first federated sign-in to an existing native user with the same email.
``trusted_email_providers`` (array of strings, default ``[]``)
    Identity-provider names, spelled as in the user pool (e.g. ``"Google"``,
    ``"SignInWithApple"``), whose ``email_verified`` claim is trusted for linking. A SAML or OIDC
    provider belongs here only if that IdP guarantees verified email. Names may not contain ``_``.

Domain policy (all three sources): domains compare case-insensitively in their IDNA (ASCII)
form, as the exact domain or any subdomain of it: ``a.example.com`` matches ``example.com``
(whoever controls ``example.com`` controls its subdomains' mail), ``evil-example.com`` and
``example.com.evil.net`` do not. When a policy is configured, an email address whose domain is
not a valid DNS name is denied; a missing email is denied only when an allow-list is set.

Account linking happens only when ALL of these hold: the source is
``PreSignUp_ExternalProvider``; ``account_linking`` is true; the provider, taken from
``userName`` (``<Provider>_<subject>``, split on the first ``_``), is in
``trusted_email_providers`` (compared case-insensitively, because Cognito may lower-case it; the
configured spelling is sent to AWS); ``userAttributes.email_verified`` is ``"true"`` (any case)
or JSON ``true``; the email contains no ``"``, ``\\`` or control character (it is quoted into a
ListUsers filter); and ListUsers(``email = "<email>"``) finds exactly one native user: not in
status ``EXTERNAL_PROVIDER``, username not ``<known provider>_...``. That user must have a
verified email and be CONFIRMED, FORCE_CHANGE_PASSWORD or RESET_REQUIRED: linking to a native
account whose email was never verified would hand the federated user's sign-ins to whoever
registered that address first. Several matches: no link, a warning. The link is
AdminLinkProviderForUser(DestinationUser = the native user, SourceUser = ``Cognito_Subject`` of
the federated identity). The first federated sign-in then still fails once in Cognito ("Already
found an entry for username ...") and the next one signs in as the native user; see
docs/triggers.md.

Auto-confirmation is deliberately not offered, and the response always carries
``autoConfirmUser``/``autoVerifyEmail``/``autoVerifyPhone`` = false: on ``PreSignUp_SignUp`` the
email is unverified, so confirming by domain lets anyone claim an address at that domain, and
``autoVerifyEmail`` moves an existing email alias away from its current owner; Cognito ignores
all three flags for ``PreSignUp_AdminCreateUser``; federated users need no confirmation.

Failure policy (fail closed):
- a policy denial raises ``SignUpDenied``; Cognito shows its message to the user;
- a missing or invalid ``TRIGGER_CONFIG``, a failed ListUsers or AdminLinkProviderForUser call,
  or an unexpected error raises ``SignUpUnavailable`` with a generic "try again" message; the
  cause is logged (trigger source, username, AWS error code). A silently unlinked duplicate
  account is hard to undo, so linking errors block the sign-in instead.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigReader,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
        cognito_client,
        config_or_none,
        ensure_response,
        get_str,
        handled_event,
        is_true,
        log_context,
        safe_username,
    )
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import (  # type: ignore[import-not-found, no-redef]
        ConfigReader,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
        cognito_client,
        config_or_none,
        ensure_response,
        get_str,
        handled_event,
        is_true,
        log_context,
        safe_username,
    )

logger = logging.getLogger(__name__)

SIGN_UP: Final = "PreSignUp_SignUp"
ADMIN_CREATE_USER: Final = "PreSignUp_AdminCreateUser"
EXTERNAL_PROVIDER: Final = "PreSignUp_ExternalProvider"
SOURCES: Final = frozenset({SIGN_UP, ADMIN_CREATE_USER, EXTERNAL_PROVIDER})

# Cognito shows these as "PreSignUp failed with error <message>." and adds the full stop itself.
GENERIC_FAILURE_MESSAGE: Final = "Sign-up could not be completed right now. Please try again"
INVALID_EMAIL_MESSAGE: Final = "Sign-up requires a valid email address"
DENIED_DOMAIN_MESSAGE: Final = "Sign-up with an email address at this domain is not allowed"

KNOWN_KEYS: Final = (
    "allowed_email_domains",
    "denied_email_domains",
    "account_linking",
    "trusted_email_providers",
)
# Statuses of a native user that may receive a link: their email ownership was established by
# sign-up confirmation or by an administrator.
LINKABLE_STATUSES: Final = frozenset({"CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"})
MAX_EMAIL_LEN: Final = 2048  # Cognito's limit for an attribute value
MAX_PROVIDER_NAME_LEN: Final = 32
LIST_USERS_PAGE_SIZE: Final = 60  # the API's maximum
LIST_USERS_MAX_PAGES: Final = 3
MAX_DOMAINS_IN_MESSAGE: Final = 3

_DOMAIN_RE: Final = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
_USER_POOL_ID_RE: Final = re.compile(r"[\w-]+_[0-9a-zA-Z]+")


class SignUpDenied(Exception):  # noqa: N818 - the name says what the user experiences
    """A deliberate policy denial. Cognito shows the message to the user, so keep it plain."""


class SignUpUnavailable(Exception):  # noqa: N818
    """A generic, retryable failure (bad configuration, AWS error). The details are logged."""

    def __init__(self, message: str = GENERIC_FAILURE_MESSAGE) -> None:
        super().__init__(message)


class Config(NamedTuple):
    allowed_email_domains: tuple[str, ...] = ()
    denied_email_domains: tuple[str, ...] = ()
    account_linking: bool = False
    trusted_email_providers: tuple[str, ...] = ()


class LinkCandidate(NamedTuple):
    """A federated identity eligible for linking, before the user pool is searched."""

    provider: str  # as spelled in the configuration, which is how AdminLinkProviderForUser wants it
    subject: str
    email: str


class LinkPlan(NamedTuple):
    candidate: LinkCandidate | None
    reason: str


class NativeSelection(NamedTuple):
    username: str | None
    reason: str
    suspicious: bool = False  # worth a warning: ambiguous or unverified matches


# --- configuration ------------------------------------------------------------------------


def normalize_domain(value: str) -> str | None:
    """The lower-case ASCII (IDNA) form of a DNS domain name, or None if it is not one."""
    domain = value.lower().rstrip(".")
    if not domain.isascii():  # the idna codec costs ~2 ms to import: only for IDN domains
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return domain if _DOMAIN_RE.fullmatch(domain) else None


def _read_domains(reader: ConfigReader, key: str) -> tuple[str, ...]:
    domains: list[str] = []
    for index, item in enumerate(reader.string_list(key)):
        domain = normalize_domain(item)
        if item.startswith("@") or domain is None:
            reader.problem(f"{key}[{index}]", f"{item!r} is not a domain name like 'example.com'")
        elif domain not in domains:
            domains.append(domain)
    return tuple(domains)


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem."""
    reader = ConfigReader(raw, KNOWN_KEYS)
    allowed = _read_domains(reader, "allowed_email_domains")
    denied = _read_domains(reader, "denied_email_domains")
    for domain in sorted(set(allowed) & set(denied)):
        reader.problem("denied_email_domains", f"{domain!r} is also in allowed_email_domains")
    linking = reader.boolean("account_linking", default=False)
    providers: list[str] = []
    for index, name in enumerate(reader.string_list("trusted_email_providers")):
        if "_" in name or any(char.isspace() for char in name):
            reader.problem(
                f"trusted_email_providers[{index}]",
                f"{name!r}: identity-provider names contain neither '_' nor whitespace",
            )
        elif len(name) > MAX_PROVIDER_NAME_LEN:
            reader.problem(f"trusted_email_providers[{index}]", "longer than 32 characters")
        elif name.lower() in (known.lower() for known in providers):
            reader.problem(f"trusted_email_providers[{index}]", f"{name!r} is listed twice")
        else:
            providers.append(name)
    reader.finish()
    if linking and not providers:
        logger.warning("account_linking is on but trusted_email_providers is empty: never links")
    return Config(
        allowed_email_domains=allowed,
        denied_email_domains=denied,
        account_linking=linking,
        trusted_email_providers=tuple(providers),
    )


CONFIG: Final = LazyConfig(parse_config)


# --- pure policy --------------------------------------------------------------------------


def email_domain(email: str) -> str | None:
    """The normalised domain of an email address, or None if it has no valid one."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return None
    return normalize_domain(domain)


def domain_matches(domain: str, rule: str) -> bool:
    """Exact domain or a subdomain of it; the dot boundary keeps ``evil-example.com`` out."""
    return domain == rule or domain.endswith("." + rule)


def _restricted_message(allowed: tuple[str, ...]) -> str:
    if len(allowed) == 1:
        return f"Sign-up is restricted to {allowed[0]} email addresses"
    if len(allowed) <= MAX_DOMAINS_IN_MESSAGE:
        return (
            f"Sign-up is restricted to email addresses at {', '.join(allowed[:-1])} "
            f"or {allowed[-1]}"
        )
    return "Sign-up is restricted to email addresses at approved domains"


def check_email_domain(email: str | None, config: Config) -> None:
    """Raise ``SignUpDenied`` if the email's domain breaks the configured policy."""
    if not config.allowed_email_domains and not config.denied_email_domains:
        return
    if email is None or not email:
        if config.allowed_email_domains:
            raise SignUpDenied(_restricted_message(config.allowed_email_domains))
        return
    domain = email_domain(email)
    if domain is None:
        raise SignUpDenied(INVALID_EMAIL_MESSAGE)
    if any(domain_matches(domain, rule) for rule in config.denied_email_domains):
        raise SignUpDenied(DENIED_DOMAIN_MESSAGE)
    if config.allowed_email_domains and not any(
        domain_matches(domain, rule) for rule in config.allowed_email_domains
    ):
        raise SignUpDenied(_restricted_message(config.allowed_email_domains))


def filter_safe_email(email: str) -> bool:
    """Whether ``email`` can be quoted into a ListUsers filter without escaping."""
    return (
        0 < len(email) <= MAX_EMAIL_LEN
        and '"' not in email
        and "\\" not in email
        and all(char.isprintable() for char in email)
    )


def split_federated_username(username: str) -> tuple[str, str] | None:
    """``"Google_1234"`` -> ``("Google", "1234")``; split on the first underscore."""
    provider, separator, subject = username.partition("_")
    if not separator or not provider or not subject:
        return None
    return provider, subject


def plan_link(
    source: str | None, username: object, attributes: Mapping[str, object], config: Config
) -> LinkPlan:
    """Decide, without AWS, whether this sign-up may be linked and to which identity."""
    if source != EXTERNAL_PROVIDER:
        return LinkPlan(None, "not a federated sign-in")
    if not config.account_linking:
        return LinkPlan(None, "account linking is off")
    if not isinstance(username, str):
        return LinkPlan(None, "userName missing")
    parts = split_federated_username(username)
    if parts is None:
        return LinkPlan(None, "userName is not <Provider>_<subject>")
    provider_in_event, subject = parts
    provider = next(
        (p for p in config.trusted_email_providers if p.lower() == provider_in_event.lower()),
        None,
    )
    if provider is None:
        return LinkPlan(None, "provider is not trusted for email")
    if not is_true(attributes.get("email_verified")):
        return LinkPlan(None, "provider did not assert a verified email")
    email = attributes.get("email")
    if not isinstance(email, str) or not email:
        return LinkPlan(None, "no email")
    if not filter_safe_email(email):
        return LinkPlan(None, "email cannot be used in a ListUsers filter")
    return LinkPlan(LinkCandidate(provider=provider, subject=subject, email=email), "eligible")


def list_users_filter(email: str) -> str:
    return f'email = "{email}"'


def _attributes_of(user: Mapping[str, object]) -> dict[str, object]:
    attributes: dict[str, object] = {}
    raw = user.get("Attributes")
    if isinstance(raw, list):
        for item in raw:
            name = get_str(item, "Name")
            if name is not None:
                attributes[name] = as_dict(item).get("Value")
    return attributes


def looks_federated(username: str, providers: Iterable[str]) -> bool:
    parts = split_federated_username(username)
    return parts is not None and parts[0].lower() in {p.lower() for p in providers}


def select_native_user(
    users: Iterable[object], email: str, providers: Iterable[str]
) -> NativeSelection:
    """Pick the one native user that a federated identity may be linked to, if any."""
    provider_names = tuple(providers)
    matches: list[tuple[str, str, bool]] = []
    for user in users:
        record = as_dict(user)
        username = get_str(record, "Username")
        status = get_str(record, "UserStatus") or ""
        if not username or status == "EXTERNAL_PROVIDER":
            continue
        if looks_federated(username, provider_names):
            continue
        attributes = _attributes_of(record)
        found_email = attributes.get("email")
        if not isinstance(found_email, str) or found_email.lower() != email.lower():
            continue
        matches.append((username, status, is_true(attributes.get("email_verified"))))
    if not matches:
        return NativeSelection(None, "no native user has this email")
    if len(matches) > 1:
        return NativeSelection(None, "several native users have this email", suspicious=True)
    username, status, email_verified = matches[0]
    if not email_verified:
        return NativeSelection(None, "the native user's email is not verified", suspicious=True)
    if status not in LINKABLE_STATUSES:
        return NativeSelection(
            None, f"the native user's status is {status or 'unknown'}", suspicious=True
        )
    return NativeSelection(username, "one native user")


# --- AWS ----------------------------------------------------------------------------------


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    code = get_str(child(response, "Error"), "Code")
    return code or type(error).__name__


def _list_users_by_email(client: Any, user_pool_id: str, email: str) -> tuple[list[object], bool]:
    """All users ListUsers returns for the email filter, and whether the result was cut short."""
    users: list[object] = []
    token: str | None = None
    for _ in range(LIST_USERS_MAX_PAGES):
        params: dict[str, object] = {
            "UserPoolId": user_pool_id,
            "Filter": list_users_filter(email),
            "AttributesToGet": ["email", "email_verified"],
            "Limit": LIST_USERS_PAGE_SIZE,
        }
        if token is not None:
            params["PaginationToken"] = token
        page = client.list_users(**params)
        if not isinstance(page, dict) or not isinstance(page.get("Users"), list):
            raise SignUpUnavailable
        users.extend(page["Users"])
        token = get_str(page, "PaginationToken") or None
        if token is None:
            return users, False
    return users, True


def link_to_native_user(
    client: Any,
    user_pool_id: str,
    candidate: LinkCandidate,
    providers: Iterable[str],
    fields: Mapping[str, object],
) -> str | None:
    """Link the federated identity to the single matching native user; return its username.

    Raises ``SignUpUnavailable`` when an AWS call fails (fail closed).
    """
    try:
        users, truncated = _list_users_by_email(client, user_pool_id, candidate.email)
    except _aws_errors() as error:
        logger.error(
            "ListUsers failed; blocking the sign-in so it can be retried",
            extra={**fields, "aws_operation": "ListUsers", "error_code": _error_code(error)},
        )
        raise SignUpUnavailable from None
    except SignUpUnavailable:
        logger.error("ListUsers returned an unexpected response", extra=dict(fields))
        raise
    if truncated:
        logger.warning("too many users share this email; not linking", extra=dict(fields))
        return None
    selection = select_native_user(users, candidate.email, (*providers, candidate.provider))
    if selection.username is None:
        logger.log(
            logging.WARNING if selection.suspicious else logging.INFO,
            "not linking: " + selection.reason,
            extra={**fields, "provider": candidate.provider},
        )
        return None
    try:
        client.admin_link_provider_for_user(
            UserPoolId=user_pool_id,
            DestinationUser={
                "ProviderName": "Cognito",
                "ProviderAttributeValue": selection.username,
            },
            SourceUser={
                "ProviderName": candidate.provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": candidate.subject,
            },
        )
    except _aws_errors() as error:
        logger.error(
            "AdminLinkProviderForUser failed; blocking the sign-in so it can be retried",
            extra={
                **fields,
                "aws_operation": "AdminLinkProviderForUser",
                "error_code": _error_code(error),
                "provider": candidate.provider,
            },
        )
        raise SignUpUnavailable from None
    logger.info(
        "linked the federated identity to an existing native user",
        extra={
            **fields,
            "provider": candidate.provider,
            "native_username": safe_username(selection.username),
        },
    )
    return selection.username


# --- event handling -----------------------------------------------------------------------


def process_event(event: JsonDict, config: Config, client_factory: Callable[[], Any]) -> JsonDict:
    """Apply the policy to a pre sign-up event; raise ``SignUpDenied``/``SignUpUnavailable``."""
    source = get_str(event, "triggerSource")
    if source not in SOURCES:
        return event
    fields = log_context(event)
    attributes = child(child(event, "request"), "userAttributes")
    email = attributes.get("email")
    try:
        check_email_domain(email if isinstance(email, str) else None, config)
    except SignUpDenied:
        logger.info("sign-up denied by the email-domain policy", extra=fields)
        raise
    response = ensure_response(event)
    response["autoConfirmUser"] = False
    response["autoVerifyEmail"] = False
    response["autoVerifyPhone"] = False

    plan = plan_link(source, event.get("userName"), attributes, config)
    if plan.candidate is None:
        if source == EXTERNAL_PROVIDER and config.account_linking:
            logger.info("not linking: " + plan.reason, extra=fields)
        return event
    user_pool_id = get_str(event, "userPoolId")
    if user_pool_id is None or not _USER_POOL_ID_RE.fullmatch(user_pool_id):
        logger.error("cannot link: the event has no valid userPoolId", extra=fields)
        raise SignUpUnavailable
    link_to_native_user(
        client_factory(), user_pool_id, plan.candidate, config.trusted_email_providers, fields
    )
    return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the policy and failure behaviour."""
    handled = handled_event(event, SOURCES, logger)
    if handled is None:
        return event
    config = config_or_none(CONFIG, logger, handled)
    if config is None:
        raise SignUpUnavailable
    try:
        return process_event(handled, config, cognito_client)
    except (SignUpDenied, SignUpUnavailable):
        raise
    except Exception:
        # A bug must not let a sign-up through unchecked: fail closed, keep the traceback.
        logger.exception("unexpected error; blocking the sign-in", extra=log_context(event))
        raise SignUpUnavailable from None
