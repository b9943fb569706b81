"""Pre sign-up trigger: email-domain policy, invite-only federation, and safe account linking.

Trigger sources handled: ``PreSignUp_SignUp``, ``PreSignUp_AdminCreateUser``,
``PreSignUp_ExternalProvider``. Any other source, or an event that is not a JSON object, is
returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-sign-up.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``allowed_email_domains`` (array of strings, default ``[]``)
    Only email addresses at these domains may sign up. Empty allows every domain. A federated
    sign-in from a provider not in ``provider_subdomains`` is allowed at these domains exactly.
``denied_email_domains`` (array of strings, default ``[]``)
    Email addresses at these domains may not sign up. A denial wins over an allowance.
``account_linking`` (boolean, default ``false``)
    Link a first federated sign-in to an existing native user with the same email.
``provider_email_domains`` (object: provider name -> array of domains, default ``{}``)
    The email domains each identity provider may vouch for: only domains it owns (Google:
    gmail.com and googlemail.com; a Google Workspace signing in through Google's OIDC issuer: its
    Workspace domains; a SAML or OIDC IdP: its own domains), each exactly. Provider names are
    spelled as in the user pool (``"Google"``, ``"SignInWithApple"``) and contain no ``_``. A
    provider not listed vouches for nothing.
``provider_subdomains`` (array of provider names, default ``[]``)
    Providers whose domains also cover their subdomains (an enterprise IdP: its organisation
    runs its domain's DNS). Google and Apple are never listed: a Workspace or an Apple ID proves
    nothing about a subdomain nobody listed.
``provider_hosted_domains`` (object: provider name -> attribute name, default ``{}``)
    Providers that vouch only when this user attribute (``custom:hd``, mapped from Google's
    ``hd`` claim) names one of their domains: a Google account opened on a company address
    outside its Workspace has no ``hd``.
``protected_groups`` (array of group names, default ``[]``)
    A native user in one of these groups is never a link target.
``federated_sign_up`` (``"open"`` or ``"invite_only"``, default ``"open"``)
    ``invite_only``: a first federated sign-in that is not linked to an existing user is
    refused unless its provider vouches for its verified email and the email's domain is in
    ``federated_sign_up_domains``. ``AllowAdminCreateUserOnly`` governs only the SignUp API, so
    without this an invite-only pool admits anyone with an account at a provider.
``federated_sign_up_domains`` (array of strings, default ``[]``)
    The domains ``invite_only`` admits.

Domain policy (all three sources): domains compare case-insensitively in their IDNA (ASCII)
form, as the exact domain or any subdomain of it: ``a.example.com`` matches ``example.com``,
``evil-example.com`` and ``example.com.evil.net`` do not; an allow rule matches exactly for a
federated sign-in from a provider not in ``provider_subdomains``. When a policy is configured,
an email address whose domain is not a valid DNS name is denied; a missing email is denied only
when an allow-list is set.

A provider *vouches* for a federated sign-in when: ``userName`` is ``<Provider>_<subject>``
(split on the first ``_``) with a provider in ``provider_email_domains`` (compared
case-insensitively, because Cognito may lower-case it; the configured spelling is sent to AWS);
``userAttributes.email_verified`` is ``"true"`` (any case) or JSON ``true``; the email's domain
is one the provider may vouch for (exactly, or a subdomain for a provider in
``provider_subdomains``); no provider lists a more specific domain that covers it (the longest
covering domain wins); and, for a provider in ``provider_hosted_domains``, the named attribute
is one of its domains. Whoever can make a provider assert an address at a domain it does not own
(a Google account opened on a corporate address, an enterprise IdP asserting a customer's
gmail.com address, a partner IdP for ``example.com`` asserting ``ceo@corp.example.com``) is never
trusted with it.

Account linking happens only when ALL of these hold: the source is
``PreSignUp_ExternalProvider``; ``account_linking`` is true; the provider vouches for the email
(above); the email contains no ``"``, ``\\`` or control character (it is quoted into a
ListUsers filter); and ListUsers(``email = "<email>"``) finds exactly one native user: not in
status ``EXTERNAL_PROVIDER``, username not ``<known provider>_...``, with a verified email and
status CONFIRMED, FORCE_CHANGE_PASSWORD or RESET_REQUIRED. Before linking, the target is looked
up: a user with MFA set up (AdminGetUser: ``UserMFASettingList``, ``PreferredMfaSetting`` or
``MFAOptions``) or in a protected group (AdminListGroupsForUser) is never linked, because a
federated sign-in is not challenged by the pool's MFA: the sign-up is refused with a message
that tells the user to sign in with their password and link from the app instead. The link is
AdminLinkProviderForUser(DestinationUser = the native user, SourceUser = ``Cognito_Subject`` of
the federated identity). The first federated sign-in then still fails once in Cognito
("Already found an entry for username ...") and the next one signs in as the native user; see
docs/triggers.md.

Auto-confirmation is deliberately not offered, and the response always carries
``autoConfirmUser``/``autoVerifyEmail``/``autoVerifyPhone`` = false: on ``PreSignUp_SignUp`` the
email is unverified, so confirming by domain lets anyone claim an address at that domain, and
``autoVerifyEmail`` moves an existing email alias away from its current owner; Cognito ignores
all three flags for ``PreSignUp_AdminCreateUser``; federated users need no confirmation.

Failure policy (fail closed):
- a policy denial (domain, invite-only, protected link target) raises ``SignUpDenied``; Cognito
  shows its message to the user;
- a missing or invalid ``TRIGGER_CONFIG``, a failed ListUsers, AdminGetUser,
  AdminListGroupsForUser or AdminLinkProviderForUser call, no time left for the next call, or an
  unexpected error raises ``SignUpUnavailable`` with a generic "try again" message; the cause is
  logged (trigger source, username, AWS error code, never the email). A silently unlinked
  duplicate account is hard to undo, so linking errors block the sign-in instead.

Time: Cognito waits 5 seconds, cold start included, and linking takes up to 7 calls. The client
has a 0.5 s connect and 1.0 s read timeout and one attempt; the trigger tries a throttled,
server-side or network failure once more. Every attempt starts only when its worst case (1.5 s)
still fits a 4 s budget counted from the start of the invocation (less when the Lambda context
says less time remains).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigReader,
        Deadline,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
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
        Deadline,
        JsonDict,
        LazyConfig,
        as_dict,
        child,
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
INVITE_ONLY_MESSAGE: Final = "Sign-up is by invitation only"
LINK_REFUSED_MESSAGE: Final = (
    "An account with this email address already exists. Sign in with your password, then "
    "connect this sign-in method from your account settings"
)

INVITE_ONLY: Final = "invite_only"
FEDERATED_SIGN_UP_MODES: Final = ("open", INVITE_ONLY)
KNOWN_KEYS: Final = (
    "allowed_email_domains",
    "denied_email_domains",
    "account_linking",
    "provider_email_domains",
    "provider_subdomains",
    "provider_hosted_domains",
    "protected_groups",
    "federated_sign_up",
    "federated_sign_up_domains",
)
# Statuses of a native user that may receive a link: their email ownership was established by
# sign-up confirmation or by an administrator.
LINKABLE_STATUSES: Final = frozenset({"CONFIRMED", "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"})
MAX_EMAIL_LEN: Final = 2048  # Cognito's limit for an attribute value
MAX_PROVIDER_NAME_LEN: Final = 32
LIST_USERS_PAGE_SIZE: Final = 60  # the API's maximum
LIST_USERS_MAX_PAGES: Final = 3
LIST_GROUPS_PAGE_SIZE: Final = 60  # the API's maximum
LIST_GROUPS_MAX_PAGES: Final = 2
MAX_GROUP_NAME_LEN: Final = 128
MAX_DOMAINS_IN_MESSAGE: Final = 3
MAX_ATTRIBUTE_NAME_LEN: Final = 64

# Time: Cognito waits 5 seconds for the trigger, cold start included. Each AWS call gets one
# attempt of at most CALL_WORST_CASE_S, and starts only when that still fits the budget; a
# throttled or failed call is tried once more on the same condition.
CONNECT_TIMEOUT_S: Final = 0.5
READ_TIMEOUT_S: Final = 1.0
CALL_WORST_CASE_S: Final = CONNECT_TIMEOUT_S + READ_TIMEOUT_S
MAX_ATTEMPTS: Final = 2
TIME_BUDGET_S: Final = 4.0
CONTEXT_MARGIN_S: Final = 0.2
RETRYABLE_ERROR_CODES: Final = frozenset(
    {"TooManyRequestsException", "InternalErrorException", "ThrottlingException"}
)

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
    provider_email_domains: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    protected_groups: tuple[str, ...] = ()
    federated_sign_up: str = "open"
    federated_sign_up_domains: tuple[str, ...] = ()
    # Lower-case provider names whose domains cover their subdomains too.
    provider_subdomains: frozenset[str] = frozenset()
    # Provider name (as configured) -> the attribute that must name one of its domains.
    provider_hosted_domains: Mapping[str, str] = MappingProxyType({})

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(self.provider_email_domains)

    def subdomains(self, provider: str) -> bool:
        """Whether `provider`'s domains cover their subdomains (case-insensitive name)."""
        return provider.lower() in self.provider_subdomains


class Vouched(NamedTuple):
    """A federated identity whose provider vouches for its verified email (see the docstring)."""

    provider: str  # as spelled in the configuration, which is how AdminLinkProviderForUser wants it
    subject: str
    email: str
    domain: str
    subdomains: bool = False  # whether the provider's domains cover subdomains


class Voucher(NamedTuple):
    vouched: Vouched | None
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
    vouching = _read_provider_domains(reader)
    groups: list[str] = []
    for index, group in enumerate(reader.string_list("protected_groups")):
        if len(group) > MAX_GROUP_NAME_LEN or not group.isprintable():
            reader.problem(f"protected_groups[{index}]", "not a group name")
        elif group not in groups:
            groups.append(group)
    mode = reader.optional_string("federated_sign_up", max_len=32) or "open"
    if mode not in FEDERATED_SIGN_UP_MODES:
        reader.problem("federated_sign_up", f"{mode!r}: allowed: {list(FEDERATED_SIGN_UP_MODES)}")
    admitted = _read_domains(reader, "federated_sign_up_domains")
    subdomains = _read_subdomain_providers(reader, vouching)
    hosted = _read_hosted_domains(reader, vouching)
    reader.finish()
    if linking and not vouching:
        logger.warning("account_linking is on but no provider may vouch for email: never links")
    return Config(
        allowed_email_domains=allowed,
        denied_email_domains=denied,
        account_linking=linking,
        provider_email_domains=MappingProxyType(vouching),
        protected_groups=tuple(groups),
        federated_sign_up=mode,
        federated_sign_up_domains=admitted,
        provider_subdomains=subdomains,
        provider_hosted_domains=MappingProxyType(hosted),
    )


def _configured_name(name: str, vouching: Mapping[str, object]) -> str | None:
    """The configured spelling of a provider name (names compare case-insensitively)."""
    return next((known for known in vouching if known.lower() == name.lower()), None)


def _read_subdomain_providers(
    reader: ConfigReader, vouching: Mapping[str, tuple[str, ...]]
) -> frozenset[str]:
    key = "provider_subdomains"
    names: set[str] = set()
    for index, name in enumerate(reader.string_list(key)):
        if _configured_name(name, vouching) is None:
            reader.problem(f"{key}[{index}]", f"{name!r} is not in provider_email_domains")
        else:
            names.add(name.lower())
    return frozenset(names)


def _read_hosted_domains(
    reader: ConfigReader, vouching: Mapping[str, tuple[str, ...]]
) -> dict[str, str]:
    key = "provider_hosted_domains"
    hosted: dict[str, str] = {}
    for name, attribute in reader.string_map(key).items():
        configured = _configured_name(name, vouching)
        if configured is None:
            reader.problem(f"{key}.{name}", "is not in provider_email_domains")
        elif len(attribute) > MAX_ATTRIBUTE_NAME_LEN or not attribute.isprintable():
            reader.problem(f"{key}.{name}", "not an attribute name")
        else:
            hosted[configured] = attribute
    return hosted


def _read_provider_domains(reader: ConfigReader) -> dict[str, tuple[str, ...]]:
    key = "provider_email_domains"
    vouching: dict[str, tuple[str, ...]] = {}
    for name, items in reader.string_list_map(key).items():
        if "_" in name or any(char.isspace() for char in name):
            reader.problem(
                f"{key}.{name}", "identity-provider names contain neither '_' nor whitespace"
            )
            continue
        if len(name) > MAX_PROVIDER_NAME_LEN:
            reader.problem(f"{key}.{name}", "longer than 32 characters")
            continue
        if name.lower() in (known.lower() for known in vouching):
            reader.problem(f"{key}.{name}", "listed twice (names compare case-insensitively)")
            continue
        domains = []
        for item in items:
            domain = normalize_domain(item)
            if domain is None or item.startswith("@"):
                reader.problem(f"{key}.{name}", f"{item!r} is not a domain name")
            elif domain not in domains:
                domains.append(domain)
        vouching[name] = tuple(domains)
    return vouching


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


def covers(domain: str, rule: str, *, subdomains: bool) -> bool:
    """The exact domain, or (when ``subdomains``) any subdomain of it."""
    return domain_matches(domain, rule) if subdomains else domain == rule


def vouching_providers(domain: str, config: Config) -> frozenset[str]:
    """The providers holding the most specific domain that covers ``domain``: a provider never
    vouches for a subdomain that another provider lists itself (e.g. an enterprise IdP for
    ``example.com`` and another for ``corp.example.com``, acknowledged in the config)."""
    best = -1
    holders: set[str] = set()
    for provider, rules in config.provider_email_domains.items():
        subdomains = config.subdomains(provider)
        for rule in rules:
            if covers(domain, rule, subdomains=subdomains):
                if len(rule) > best:
                    best, holders = len(rule), {provider}
                elif len(rule) == best:
                    holders.add(provider)
    return frozenset(holders)


def _restricted_message(allowed: tuple[str, ...]) -> str:
    if len(allowed) == 1:
        return f"Sign-up is restricted to {allowed[0]} email addresses"
    if len(allowed) <= MAX_DOMAINS_IN_MESSAGE:
        return (
            f"Sign-up is restricted to email addresses at {', '.join(allowed[:-1])} "
            f"or {allowed[-1]}"
        )
    return "Sign-up is restricted to email addresses at approved domains"


def check_email_domain(email: str | None, config: Config, *, exact: bool = False) -> None:
    """Raise ``SignUpDenied`` if the email's domain breaks the configured policy.

    ``exact``: the allow-list admits the listed domains only, not their subdomains (for a sign-in
    from a provider that vouches for exact domains); the deny-list always covers subdomains."""
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
        covers(domain, rule, subdomains=not exact) for rule in config.allowed_email_domains
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


def vouch(
    source: str | None, username: object, attributes: Mapping[str, object], config: Config
) -> Voucher:
    """Whether the provider of a federated sign-up vouches for its email (pure)."""
    if source != EXTERNAL_PROVIDER:
        return Voucher(None, "not a federated sign-in")
    if not isinstance(username, str):
        return Voucher(None, "userName missing")
    parts = split_federated_username(username)
    if parts is None:
        return Voucher(None, "userName is not <Provider>_<subject>")
    provider_in_event, subject = parts
    provider = next(
        (p for p in config.providers if p.lower() == provider_in_event.lower()),
        None,
    )
    if provider is None:
        return Voucher(None, "the provider may vouch for no email domain")
    if not is_true(attributes.get("email_verified")):
        return Voucher(None, "provider did not assert a verified email")
    email = attributes.get("email")
    if not isinstance(email, str) or not email:
        return Voucher(None, "no email")
    domain = email_domain(email)
    if domain is None:
        return Voucher(None, "the email has no valid domain")
    rules = config.provider_email_domains[provider]
    subdomains = config.subdomains(provider)
    if not any(covers(domain, rule, subdomains=subdomains) for rule in rules):
        return Voucher(None, "the provider does not own the email's domain")
    if provider not in vouching_providers(domain, config):
        return Voucher(None, "another provider owns a more specific domain")
    attribute = config.provider_hosted_domains.get(provider)
    if attribute is not None:
        hosted = attributes.get(attribute)
        hosted_domain = normalize_domain(hosted) if isinstance(hosted, str) else None
        if hosted_domain is None or hosted_domain not in rules:
            # No `hd`: a consumer Google account, whatever address it was opened on.
            return Voucher(None, "the hosted domain (hd) is not one of the provider's domains")
    return Voucher(Vouched(provider, subject, email, domain, subdomains), "vouched")


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


_client: Any = None


def sign_up_client() -> Any:
    """The cognito-idp client, created on first use (boto3 costs ~265 ms to import), with
    timeouts that fit the time budget and no retries of its own (see `_call`)."""
    global _client
    if _client is None:
        import boto3  # deliberately lazy
        from botocore.config import Config as BotoConfig

        _client = boto3.client(
            "cognito-idp",
            config=BotoConfig(
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
    return _client


class Aws(NamedTuple):
    """What every AWS call of one invocation needs: the client, the time left, log fields."""

    client: Any
    deadline: Deadline
    fields: Mapping[str, object]


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    code = get_str(child(response, "Error"), "Code")
    return code or type(error).__name__


def _retryable(error: Exception) -> bool:
    """Throttling, a server-side error or a network failure: worth one more attempt."""
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return True  # timeouts and connection errors (BotoCoreError)
    status = child(getattr(error, "response", None), "ResponseMetadata").get("HTTPStatusCode")
    return _error_code(error) in RETRYABLE_ERROR_CODES or (
        isinstance(status, int) and status >= 500
    )


def _call(aws: Aws, method: str, **params: object) -> JsonDict:
    """`client.<method>(**params)` within the deadline; an AWS error, a malformed answer or no
    time left fails closed, logged with the API name and error code (never the parameters:
    they hold the email)."""
    operation = "".join(part.title() for part in method.split("_"))
    fields = {**aws.fields, "aws_operation": operation}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        if aws.deadline.remaining() < CALL_WORST_CASE_S:
            logger.error(
                f"no time left for {operation}; blocking the sign-in so it can be retried",
                extra={**fields, "attempt": attempt},
            )
            raise SignUpUnavailable
        try:
            response = getattr(aws.client, method)(**params)
        except _aws_errors() as error:
            code = _error_code(error)
            if attempt < MAX_ATTEMPTS and _retryable(error):
                logger.warning(
                    f"{operation} failed; trying once more",
                    extra={**fields, "error_code": code, "attempt": attempt},
                )
                continue
            logger.error(
                f"{operation} failed; blocking the sign-in so it can be retried",
                extra={**fields, "error_code": code, "attempt": attempt},
            )
            raise SignUpUnavailable from None
        if not isinstance(response, dict):
            logger.error(f"{operation} returned an unexpected response", extra=fields)
            raise SignUpUnavailable
        return response
    raise SignUpUnavailable  # pragma: no cover - the loop returns or raises


def _collect(
    aws: Aws,
    method: str,
    *,
    items: str,
    next_key: str,
    max_pages: int,
    **params: object,
) -> tuple[list[object], bool]:
    """The `items` of up to `max_pages` pages, and whether there were more (bounded time)."""
    collected: list[object] = []
    token: str | None = None
    for _ in range(max_pages):
        request = params if token is None else {**params, next_key: token}
        page = _call(aws, method, **request)
        page_items = page.get(items)
        if not isinstance(page_items, list):
            logger.error(f"{method} returned no {items} list", extra=dict(aws.fields))
            raise SignUpUnavailable
        collected.extend(page_items)
        token = get_str(page, next_key) or None
        if token is None:
            return collected, False
    return collected, True


def _protection(aws: Aws, user_pool_id: str, username: str, config: Config) -> str | None:
    """Why the native user must not become a link target, or None."""
    user = _call(aws, "admin_get_user", UserPoolId=user_pool_id, Username=username)
    if user.get("UserMFASettingList") or user.get("PreferredMfaSetting") or user.get("MFAOptions"):
        return "the native user has MFA set up"
    if not config.protected_groups:
        return None
    groups, truncated = _collect(
        aws,
        "admin_list_groups_for_user",
        items="Groups",
        next_key="NextToken",
        max_pages=LIST_GROUPS_MAX_PAGES,
        UserPoolId=user_pool_id,
        Username=username,
        Limit=LIST_GROUPS_PAGE_SIZE,
    )
    if truncated:
        return "the native user is in more groups than can be checked"
    if {get_str(group, "GroupName") for group in groups} & set(config.protected_groups):
        return "the native user is in a protected group"
    return None


def link_to_native_user(
    aws: Aws, user_pool_id: str, vouched: Vouched, config: Config
) -> str | None:
    """Link the federated identity to the single matching native user; return its username,
    or None when there is no linkable native user.

    Raises ``SignUpDenied`` when the native user is protected (MFA, protected group) and
    ``SignUpUnavailable`` when an AWS call fails or time runs out (fail closed).
    """
    users, truncated = _collect(
        aws,
        "list_users",
        items="Users",
        next_key="PaginationToken",
        max_pages=LIST_USERS_MAX_PAGES,
        UserPoolId=user_pool_id,
        Filter=list_users_filter(vouched.email),
        AttributesToGet=["email", "email_verified"],
        Limit=LIST_USERS_PAGE_SIZE,
    )
    if truncated:
        logger.warning("too many users share this email; not linking", extra=dict(aws.fields))
        return None
    selection = select_native_user(users, vouched.email, config.providers)
    native = {**aws.fields, "provider": vouched.provider}
    if selection.username is None:
        logger.log(
            logging.WARNING if selection.suspicious else logging.INFO,
            "not linking: " + selection.reason,
            extra=native,
        )
        return None
    native["native_username"] = safe_username(selection.username)
    refusal = _protection(aws, user_pool_id, selection.username, config)
    if refusal is not None:
        logger.warning("refusing to link: " + refusal, extra=native)
        raise SignUpDenied(LINK_REFUSED_MESSAGE)
    _call(
        aws,
        "admin_link_provider_for_user",
        UserPoolId=user_pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": selection.username},
        SourceUser={
            "ProviderName": vouched.provider,
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": vouched.subject,
        },
    )
    logger.info("linked the federated identity to an existing native user", extra=native)
    return selection.username


# --- event handling -----------------------------------------------------------------------


def process_event(
    event: JsonDict,
    config: Config,
    client_factory: Callable[[], Any],
    deadline: Deadline | None = None,
) -> JsonDict:
    """Apply the policy to a pre sign-up event; raise ``SignUpDenied``/``SignUpUnavailable``.

    ``deadline``: the time AWS calls may take (default: the full budget from now)."""
    source = get_str(event, "triggerSource")
    if source not in SOURCES:
        return event
    fields = log_context(event)
    attributes = child(child(event, "request"), "userAttributes")
    email = attributes.get("email")
    parts = split_federated_username(get_str(event, "userName") or "")
    # A Google or Apple sign-in is allowed for a listed domain only, never its subdomains.
    exact = source == EXTERNAL_PROVIDER and not (parts and config.subdomains(parts[0]))
    try:
        check_email_domain(email if isinstance(email, str) else None, config, exact=exact)
    except SignUpDenied:
        logger.info("sign-up denied by the email-domain policy", extra=fields)
        raise
    response = ensure_response(event)
    response["autoConfirmUser"] = False
    response["autoVerifyEmail"] = False
    response["autoVerifyPhone"] = False
    if source != EXTERNAL_PROVIDER:
        return event

    voucher = vouch(source, event.get("userName"), attributes, config)
    vouched = voucher.vouched
    if config.account_linking and vouched is not None and filter_safe_email(vouched.email):
        user_pool_id = get_str(event, "userPoolId")
        if user_pool_id is None or not _USER_POOL_ID_RE.fullmatch(user_pool_id):
            logger.error("cannot link: the event has no valid userPoolId", extra=fields)
            raise SignUpUnavailable
        aws = Aws(client_factory(), deadline or Deadline(TIME_BUDGET_S), fields)
        if link_to_native_user(aws, user_pool_id, vouched, config):
            return event
    elif config.account_linking:
        logger.info("not linking: " + voucher.reason, extra=fields)

    if config.federated_sign_up == INVITE_ONLY:
        admitted = vouched is not None and any(
            covers(vouched.domain, rule, subdomains=vouched.subdomains)
            for rule in config.federated_sign_up_domains
        )
        if not admitted:
            logger.info(
                "federated sign-up refused: the pool is invite-only",
                extra={**fields, "reason": voucher.reason if vouched is None else "domain"},
            )
            raise SignUpDenied(INVITE_ONLY_MESSAGE)
    return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the policy and failure behaviour."""
    deadline = Deadline.for_context(context, TIME_BUDGET_S, CONTEXT_MARGIN_S)
    handled = handled_event(event, SOURCES, logger)
    if handled is None:
        return event
    config = config_or_none(CONFIG, logger, handled)
    if config is None:
        raise SignUpUnavailable
    try:
        return process_event(handled, config, sign_up_client, deadline)
    except (SignUpDenied, SignUpUnavailable):
        raise
    except Exception:
        # A bug must not let a sign-up through unchecked: fail closed, keep the traceback.
        logger.exception("unexpected error; blocking the sign-in", extra=log_context(event))
        raise SignUpUnavailable from None
