"""Custom message trigger: branded verification, reset, invitation and MFA messages.

Trigger sources handled: ``CustomMessage_SignUp``, ``CustomMessage_ResendCode``,
``CustomMessage_ForgotPassword``, ``CustomMessage_AdminCreateUser``,
``CustomMessage_UpdateUserAttribute``, ``CustomMessage_VerifyUserAttribute``,
``CustomMessage_Authentication`` (MFA code). Any other source, or an event that is not a JSON
object, is returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``app_name`` (string, required, at most 128 printable characters)
    Shown in every subject and message.
``app_url`` (string or null, default null)
    An ``https://`` URL linked from the email; no credentials, at most 1024 characters.
``support_email`` (string or null, default null)
    A contact address shown in the email.
``subjects`` (object: source suffix -> subject, default ``{}``)
    Overrides the default subject of a source, keyed by the part after ``CustomMessage_``
    (``SignUp``, ``ResendCode``, ``ForgotPassword``, ``AdminCreateUser``,
    ``UpdateUserAttribute``, ``VerifyUserAttribute``, ``Authentication``); at most 140
    printable characters.
``customize_email`` (boolean, default true)
    False leaves ``emailSubject``/``emailMessage`` unset so the pool's own templates apply;
    the SMS is still customised. For pools that do not send email through SES: older AWS
    documentation states Cognito rejects them unless ``EmailSendingAccount`` is ``DEVELOPER``.

Output: ``response.emailSubject`` (plain text, at most 140 characters), ``response.emailMessage``
(HTML, at most 20,000 characters) and ``response.smsMessage`` (plain text, at most 140
characters). Every user-supplied or configured value in the HTML is escaped with
``html.escape``. ``request.codeParameter`` (``"{####}"`` when missing) and, for
``CustomMessage_AdminCreateUser``, ``request.usernameParameter`` (``"{username}"`` when missing)
are copied verbatim and unescaped: Cognito replaces them and rejects a message without them.
Over a limit, the user's name is shortened first, then the app name; placeholders are never cut.
The greeting uses ``given_name``, else ``name``, which users choose themselves, so it is only
used where the message goes to an address already verified or set by an administrator
(``GREETED_SOURCES``: ForgotPassword, Authentication, AdminCreateUser); a sign-up or a new email
address could be anyone's, and the kit's branded mail must not carry a stranger's text to it.
Even there the name is cut to 40 characters of letters, spaces, apostrophes and hyphens, so it
can hold no link, address or line break. The email address is never put into a message.

Failure policy (fall back to the pool's messages): a missing or invalid ``TRIGGER_CONFIG`` or an
unexpected error is logged at ERROR level and the event is returned unchanged, so Cognito sends
the messages configured on the user pool. No code or message body is ever logged.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        ensure_response,
        get_str,
        log_context,
        run_or_pass_through,
    )
except ModuleNotFoundError as _error:  # pragma: no cover - Lambda asset rooted at the package
    if _error.name != "lambda_triggers":
        raise
    from _common import (  # type: ignore[import-not-found, no-redef]
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        ensure_response,
        get_str,
        log_context,
        run_or_pass_through,
    )

logger = logging.getLogger(__name__)

SOURCE_PREFIX: Final = "CustomMessage_"
DEFAULT_CODE_PARAMETER: Final = "{####}"
DEFAULT_USERNAME_PARAMETER: Final = "{username}"
MAX_EMAIL_MESSAGE: Final = 20_000
MAX_EMAIL_SUBJECT: Final = 140
MAX_SMS_MESSAGE: Final = 140
MAX_NAME_LEN: Final = 40
# Sources whose message goes to an address that is verified, or was set by an administrator.
GREETED_SOURCES: Final = frozenset({"ForgotPassword", "Authentication", "AdminCreateUser"})
NAME_PUNCTUATION: Final = frozenset(" '-\u2019")
MAX_APP_NAME_LEN: Final = 128
MAX_APP_URL_LEN: Final = 1024
MAX_SUPPORT_EMAIL_LEN: Final = 254
KNOWN_KEYS: Final = ("app_name", "app_url", "support_email", "subjects", "customize_email")

_HTTPS_URL_RE: Final = re.compile(
    r"https://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?#][^\s\"<>\\^`{|}]*)?"
)
_SUPPORT_EMAIL_RE: Final = re.compile(
    r"[^@\s\"<>()\[\]\\,;:]+@[^@\s\"<>()\[\]\\,;:]+\.[^@\s\"<>()\[\]\\,;:]+"
)


class MessageKind(NamedTuple):
    """Fixed wording of one trigger source. ``{app}``, ``{code}``, ``{username}`` are fields."""

    subject: str
    lead: str
    code_sentence: str
    closing: str
    sms: str


KINDS: Final[Mapping[str, MessageKind]] = {
    "SignUp": MessageKind(
        subject="Confirm your {app} account",
        lead="Thanks for signing up for {app}.",
        code_sentence="Your verification code is {code}.",
        closing="If you did not sign up, you can ignore this email.",
        sms="{app}: your verification code is {code}",
    ),
    "ResendCode": MessageKind(
        subject="Your {app} verification code",
        lead="Here is a new verification code for your {app} account.",
        code_sentence="Your verification code is {code}.",
        closing="If you did not ask for a code, you can ignore this email.",
        sms="{app}: your verification code is {code}",
    ),
    "ForgotPassword": MessageKind(
        subject="Reset your {app} password",
        lead="We received a request to reset the password of your {app} account.",
        code_sentence="Your password reset code is {code}.",
        closing="If you did not ask to reset your password, you can ignore this email.",
        sms="{app}: your password reset code is {code}",
    ),
    "AdminCreateUser": MessageKind(
        subject="Your {app} account",
        lead="An account has been created for you in {app}.",
        code_sentence=(
            "Your username is {username} and your temporary password is {code}. "
            "You will choose a new password when you first sign in."
        ),
        closing="If you were not expecting this invitation, you can ignore this email.",
        sms="{app}: your username is {username} and temporary password is {code}",
    ),
    "UpdateUserAttribute": MessageKind(
        subject="Confirm your new email address for {app}",
        lead="You changed the email address of your {app} account.",
        code_sentence="Your verification code is {code}.",
        closing="If you did not make this change, contact us.",
        sms="{app}: your verification code is {code}",
    ),
    "VerifyUserAttribute": MessageKind(
        subject="Verify your email address for {app}",
        lead="Please verify the email address of your {app} account.",
        code_sentence="Your verification code is {code}.",
        closing="If you did not ask for a code, you can ignore this email.",
        sms="{app}: your verification code is {code}",
    ),
    "Authentication": MessageKind(
        subject="Your {app} sign-in code",
        lead="Use this code to finish signing in to {app}.",
        code_sentence="Your sign-in code is {code}.",
        closing="If you did not try to sign in, change your password.",
        sms="{app}: your sign-in code is {code}",
    ),
}
SOURCES: Final = frozenset(SOURCE_PREFIX + suffix for suffix in KINDS)


class Config(NamedTuple):
    app_name: str
    app_url: str | None = None
    support_email: str | None = None
    subjects: Mapping[str, str] = MappingProxyType({})
    customize_email: bool = True


class Messages(NamedTuple):
    email_subject: str | None
    email_message: str | None
    sms_message: str | None


def _valid_https_url(url: str) -> bool:
    """An https URL with an ASCII host, an optional port, no credentials (a regex, because
    urllib.parse costs ~3 ms to import)."""
    match = _HTTPS_URL_RE.fullmatch(url)
    if match is None or ".." in match["host"]:
        return False
    port = match["port"]
    return port is None or 0 < int(port) < 65536


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem."""
    reader = ConfigReader(raw, KNOWN_KEYS)
    app_name = reader.optional_string("app_name", max_len=MAX_APP_NAME_LEN)
    if not reader.has("app_name"):
        reader.problem("app_name", "required")
    elif app_name is not None and not app_name.isprintable():
        reader.problem("app_name", "must not contain control characters")
    app_url = reader.optional_string("app_url", max_len=MAX_APP_URL_LEN)
    if app_url is not None and not _valid_https_url(app_url):
        reader.problem("app_url", "expected an https:// URL with a host and no credentials")
    support_email = reader.optional_string("support_email", max_len=MAX_SUPPORT_EMAIL_LEN)
    if support_email is not None and not _SUPPORT_EMAIL_RE.fullmatch(support_email):
        reader.problem("support_email", "expected an email address like help@example.com")
    subjects = reader.string_map("subjects")
    for suffix, subject in subjects.items():
        if suffix not in KINDS:
            reader.problem("subjects", f"unknown source {suffix!r}; known: {sorted(KINDS)}")
        elif len(subject) > MAX_EMAIL_SUBJECT or not subject.isprintable():
            reader.problem(f"subjects.{suffix}", "at most 140 printable characters on one line")
    customize_email = reader.boolean("customize_email", default=True)
    reader.finish()
    return Config(
        app_name=app_name or "",
        app_url=app_url,
        support_email=support_email,
        subjects=MappingProxyType(subjects),
        customize_email=customize_email,
    )


CONFIG: Final = LazyConfig(parse_config)


def fit(render: Callable[[list[str]], str], values: list[str], limit: int) -> str | None:
    """Render within ``limit`` characters, shortening ``values`` in order (first one first).

    Only the values are cut, never the fixed text around them, so placeholders survive. None
    when even empty values do not fit.
    """
    current = list(values)
    for index, original in enumerate(values):
        text = render(current)
        if len(text) <= limit:
            return text
        current[index] = ""
        if len(render(current)) > limit:
            continue  # too long even without this value: drop it and shorten the next one
        low, high = 0, len(original)  # a prefix of length low fits, of length high does not
        while high - low > 1:
            middle = (low + high) // 2
            current[index] = original[:middle]
            if len(render(current)) <= limit:
                low = middle
            else:
                high = middle
        current[index] = original[:low]
        return render(current)
    text = render(current)
    return text if len(text) <= limit else None


def greeting_name(value: str) -> str:
    """A user-chosen name made harmless: letters, marks, spaces, apostrophes and hyphens only
    (no digit, dot, slash, colon or @, so nothing a mail client turns into a link), one line,
    at most ``MAX_NAME_LEN`` characters."""
    kept = "".join(
        char if unicodedata.category(char)[0] in "LM" or char in NAME_PUNCTUATION else " "
        for char in value[: MAX_NAME_LEN * 4]
    )
    return " ".join(kept.split())[:MAX_NAME_LEN].strip()


def printable(text: str) -> str:
    """``text`` with whitespace as plain spaces and other control characters removed."""
    if text.isprintable():
        return text
    return "".join(
        " " if char.isspace() else char for char in text if char.isprintable() or char.isspace()
    )


def _paragraphs_html(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (
        '<!DOCTYPE html><html><body style="font-family:Arial,Helvetica,sans-serif;'
        f'line-height:1.5">{body}</body></html>'
    )


def render_email(
    kind: MessageKind, config: Config, name: str, app_name: str, code: str, username: str
) -> str:
    """The HTML body. ``code``/``username`` are Cognito placeholders, inserted unescaped."""
    escape = html.escape
    app = escape(app_name)
    paragraphs = [
        f"Hello {escape(name)}," if name else "Hello,",
        escape(kind.lead).format(app=app),
        escape(kind.code_sentence).format(
            code=f"<strong>{code}</strong>", username=f"<strong>{username}</strong>"
        ),
        escape(kind.closing),
    ]
    if config.app_url is not None:
        paragraphs.append(f'<a href="{escape(config.app_url)}">{app}</a>')
    if config.support_email is not None:
        support = escape(config.support_email)
        paragraphs.append(f'Need help? Contact <a href="mailto:{support}">{support}</a>.')
    return _paragraphs_html(paragraphs)


def build_messages(
    suffix: str,
    attributes: Mapping[str, object],
    code_parameter: str,
    username_parameter: str,
    config: Config,
) -> Messages:
    """Subject, HTML email and SMS for one trigger source (pure)."""
    kind = KINDS[suffix]
    name = ""
    for attribute in ("given_name", "name") if suffix in GREETED_SOURCES else ():
        value = attributes.get(attribute)
        if isinstance(value, str):
            name = greeting_name(value)
            if name:
                break
    sms = fit(
        lambda v: kind.sms.format(app=v[0], code=code_parameter, username=username_parameter),
        [config.app_name],
        MAX_SMS_MESSAGE,
    )
    if not config.customize_email:
        return Messages(None, None, sms)
    subject = config.subjects.get(suffix) or fit(
        lambda v: kind.subject.format(app=v[0]), [config.app_name], MAX_EMAIL_SUBJECT
    )
    body = fit(
        lambda v: render_email(kind, config, v[0], v[1], code_parameter, username_parameter),
        [name, config.app_name],
        MAX_EMAIL_MESSAGE,
    )
    if subject is None or body is None:
        return Messages(None, None, sms)
    return Messages(subject, body, sms)


def _placeholder(request: JsonDict, key: str, default: str) -> str:
    value = get_str(request, key)
    return value if value else default


def process_event(event: JsonDict, config: Config) -> JsonDict:
    """Fill the response messages; never raises for a malformed event."""
    source = get_str(event, "triggerSource")
    if source not in SOURCES:
        return event
    suffix = source.removeprefix(SOURCE_PREFIX)
    request = child(event, "request")
    messages = build_messages(
        suffix,
        child(request, "userAttributes"),
        _placeholder(request, "codeParameter", DEFAULT_CODE_PARAMETER),
        _placeholder(request, "usernameParameter", DEFAULT_USERNAME_PARAMETER),
        config,
    )
    response = ensure_response(event)
    if messages.sms_message is not None:
        response["smsMessage"] = messages.sms_message
    else:
        logger.warning(
            "the SMS does not fit in 140 characters; using the pool's", extra=log_context(event)
        )
    if messages.email_message is not None and messages.email_subject is not None:
        response["emailSubject"] = messages.email_subject
        response["emailMessage"] = messages.email_message
    return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the failure policy."""
    return run_or_pass_through(
        event,
        sources=SOURCES,
        config=CONFIG,
        process=process_event,
        logger=logger,
        fallback="using the pool's messages",
    )
