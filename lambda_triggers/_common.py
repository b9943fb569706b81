"""Helpers shared by the trigger modules.

- Lazy, cached loading of the one configuration variable, ``TRIGGER_CONFIG`` (JSON), with a
  validator that reports every problem at once.
- Defensive access to Cognito events: a trigger must never crash on a missing key, a ``null`` or
  a value of the wrong type, because a crashing trigger blocks every sign-in.
- Log fields that let records be correlated without logging what the user typed.
- A time budget for the triggers that call AWS inside Cognito's 5 seconds.

Standard library only: this module must not import boto3 (about 265 ms of import time), so the
triggers that never call AWS stay cheap to cold-start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Final, Generic, TypeVar

CONFIG_ENV_VAR: Final = "TRIGGER_CONFIG"
MAX_LOGGED_LEN: Final = 128

T = TypeVar("T")

JsonDict = dict[str, object]


class ConfigError(Exception):
    """``TRIGGER_CONFIG`` is missing, is not JSON, or does not match the trigger's contract."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__(f"invalid {CONFIG_ENV_VAR}: " + "; ".join(self.problems))


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class ConfigReader:
    """Reads one decoded JSON object and collects every problem instead of stopping at the first.

    Accessors return a usable default when a value is wrong, so a parser can go on checking the
    other keys; ``finish()`` then raises one ``ConfigError`` that lists all problems.
    """

    def __init__(self, raw: object, known_keys: Iterable[str]) -> None:
        self.problems: list[str] = []
        known = frozenset(known_keys)
        self._raw: dict[object, object]
        if isinstance(raw, dict):
            self._raw = raw
        else:
            self._raw = {}
            self.problems.append(f"expected a JSON object, got {_type_name(raw)}")
        unknown = sorted(str(key) for key in self._raw if key not in known)
        if unknown:
            self.problems.append(f"unknown keys {unknown}; allowed keys are {sorted(known)}")

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def _get(self, key: str) -> object:
        return self._raw.get(key)

    def has(self, key: str) -> bool:
        """Whether the key is present with a non-null value."""
        return self._raw.get(key) is not None

    def optional_string(self, key: str, *, max_len: int = 2048) -> str | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"expected a non-empty string or null, got {_type_name(value)}")
            return None
        if len(value) > max_len:
            self.problem(key, f"longer than {max_len} characters")
            return None
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"expected true or false, got {_type_name(value)}")
            return default
        return value

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(key, f"expected an array of strings, got {_type_name(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{key}[{index}]", f"expected a non-empty string, got {item!r}")
                continue
            items.append(item)
        return tuple(items)

    def string_map(self, key: str) -> dict[str, str]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"expected an object of strings, got {_type_name(value)}")
            return {}
        result: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(name, str) or not name.strip():
                self.problem(key, f"keys must be non-empty strings, got {name!r}")
                continue
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{key}.{name}", f"expected a non-empty string, got {item!r}")
                continue
            result[name] = item
        return result

    def object_map(self, key: str) -> dict[str, object]:
        """An object of named entries, each left to the caller to read (another reader)."""
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"expected an object, got {_type_name(value)}")
            return {}
        result: dict[str, object] = {}
        for name, item in value.items():
            if not isinstance(name, str) or not name.strip():
                self.problem(key, f"keys must be non-empty strings, got {name!r}")
                continue
            result[name] = item
        return result

    def string_list_map(self, key: str) -> dict[str, tuple[str, ...]]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key, f"expected an object of string arrays, got {_type_name(value)}")
            return {}
        result: dict[str, tuple[str, ...]] = {}
        for name, items in value.items():
            if not isinstance(name, str) or not name.strip():
                self.problem(key, f"keys must be non-empty strings, got {name!r}")
                continue
            if not isinstance(items, list) or not all(
                isinstance(item, str) and item.strip() for item in items
            ):
                self.problem(f"{key}.{name}", "expected an array of non-empty strings")
                continue
            result[name] = tuple(items)
        return result

    def finish(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)


def read_config_json() -> object:
    """Decode ``TRIGGER_CONFIG``; raise ``ConfigError`` if it is unset or not JSON."""
    raw = os.environ.get(CONFIG_ENV_VAR)
    if raw is None or not raw.strip():
        raise ConfigError([f"{CONFIG_ENV_VAR} is not set"])
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        # The message of a JSONDecodeError quotes no input, only a position.
        raise ConfigError([f"{CONFIG_ENV_VAR} is not valid JSON ({error})"]) from None


class LazyConfig(Generic[T]):
    """Parses ``TRIGGER_CONFIG`` on first use (never at import time) and caches the outcome.

    An invalid configuration is cached too: the environment of a Lambda execution environment
    does not change, so every invocation raises the same ``ConfigError`` without re-parsing.
    """

    def __init__(self, parse: Callable[[object], T]) -> None:
        self._parse = parse
        self._value: tuple[T] | None = None
        self._problems: tuple[str, ...] | None = None

    def get(self) -> T:
        if self._value is None and self._problems is None:
            try:
                self._value = (self._parse(read_config_json()),)
            except ConfigError as error:
                self._problems = error.problems
        if self._value is None:
            # A fresh exception each time, so tracebacks do not pile up on a cached instance.
            raise ConfigError(self._problems or ("unknown configuration error",))
        return self._value[0]

    def reset(self) -> None:
        """Forget the cached outcome (tests change ``TRIGGER_CONFIG`` between cases)."""
        self._value = None
        self._problems = None


# --- defensive event access ---------------------------------------------------------------


def as_dict(value: object) -> JsonDict:
    """``value`` if it is a JSON object, else an empty dict (not attached to the event)."""
    return value if isinstance(value, dict) else {}


def child(mapping: object, key: str) -> JsonDict:
    """``mapping[key]`` if both are JSON objects, else an empty dict."""
    if not isinstance(mapping, dict):
        return {}
    return as_dict(mapping.get(key))


def get_str(mapping: object, key: str) -> str | None:
    """``mapping[key]`` if ``mapping`` is a JSON object and the value is a string."""
    if not isinstance(mapping, dict):
        return None
    value = mapping.get(key)
    return value if isinstance(value, str) else None


def str_list(value: object) -> list[str]:
    """The string items of ``value`` if it is a JSON array; anything else gives ``[]``."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def is_true(value: object) -> bool:
    """Cognito sends booleans as the strings "true"/"false"; some test events use JSON booleans."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def ensure_response(event: JsonDict) -> JsonDict:
    """The event's ``response`` object, replacing a missing or ``null`` one with ``{}``."""
    response = event.get("response")
    if not isinstance(response, dict):
        response = {}
        event["response"] = response
    return response


# --- time budget --------------------------------------------------------------------------


class Deadline:
    """The time left for AWS calls in this invocation. Cognito waits 5 seconds for a trigger,
    cold start included: a call is started only when its worst case still fits."""

    def __init__(self, budget_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + budget_s

    @classmethod
    def for_context(cls, context: object, budget_s: float, margin_s: float) -> Deadline:
        """`budget_s`, shortened when the Lambda context says less time remains (less
        `margin_s` to answer Cognito)."""
        budget = budget_s
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            try:
                millis = remaining()
            except Exception:  # a broken context must not block the sign-in
                millis = None
            if isinstance(millis, int | float) and not isinstance(millis, bool):
                budget = min(budget, millis / 1000 - margin_s)
        return cls(budget)

    def remaining(self) -> float:
        return self._end - self._clock()


# --- logging ------------------------------------------------------------------------------

# Per execution environment: a reference correlates records of one warm instance and cannot be
# turned back into the name. A fixed or configured key would let anyone who can read the logs
# and the function's configuration enumerate phone numbers or emails against it.
_USERNAME_REF_KEY: Final = os.urandom(32)
USERNAME_REF_PREFIX: Final = "ref:"


def username_ref(value: object) -> str | None:
    """A reference to a username fit for logs: a short keyed hash, never the name itself.

    Users type email addresses, phone numbers and, by mistake, passwords into the username box,
    so no part of a typed identifier is logged. The key is random per execution environment:
    records of one warm instance share references; across instances they do not.
    """
    if not isinstance(value, str) or not value:
        return None
    digest = hashlib.blake2b(value.encode(), key=_USERNAME_REF_KEY, digest_size=6).hexdigest()
    return USERNAME_REF_PREFIX + digest


safe_username = username_ref
"""The name the triggers import; kept so that their call sites need not change."""


def log_context(event: object) -> dict[str, object]:
    """Structured log fields naming the trigger source, pool, a username reference and ``sub``.

    Never the typed ``userName``: see `username_ref`. ``sub`` is assigned by Cognito.
    """
    if not isinstance(event, dict):
        return {"event_type": _type_name(event)}
    fields: dict[str, object] = {}
    source = get_str(event, "triggerSource")
    if source is not None:
        fields["trigger_source"] = source[:MAX_LOGGED_LEN]
    pool = get_str(event, "userPoolId")
    if pool is not None:
        fields["user_pool_id"] = pool[:MAX_LOGGED_LEN]
    reference = username_ref(event.get("userName"))
    if reference is not None:
        fields["username_ref"] = reference
    sub = get_str(child(event.get("request"), "userAttributes"), "sub")
    if sub is not None:
        fields["sub"] = sub[:MAX_LOGGED_LEN]
    return fields


def log_config_error(logger: logging.Logger, error: ConfigError, event: object) -> None:
    logger.error(
        "invalid trigger configuration; applying the safe policy",
        extra={**log_context(event), "config_problems": list(error.problems)},
    )


def handled_event(
    event: object, sources: Collection[str], logger: logging.Logger
) -> JsonDict | None:
    """The event when its trigger source is one this trigger handles; None to pass it through."""
    if not isinstance(event, dict):
        logger.warning("ignoring an event that is not a JSON object", extra=log_context(event))
        return None
    if get_str(event, "triggerSource") not in sources:
        return None
    return event


def config_or_none(config: LazyConfig[T], logger: logging.Logger, event: JsonDict) -> T | None:
    """The trigger's configuration, or None (logged) when TRIGGER_CONFIG is missing or invalid."""
    try:
        return config.get()
    except ConfigError as error:
        log_config_error(logger, error, event)
        return None


def run_or_pass_through(
    event: object,
    *,
    sources: Collection[str],
    config: LazyConfig[T],
    process: Callable[[JsonDict, T], JsonDict],
    logger: logging.Logger,
    fallback: str,
) -> object:
    """The handler of a trigger whose failure policy is to return the event unchanged.

    Unknown sources, non-object events, an invalid configuration and unexpected errors all
    return the event as it came; `fallback` says in the log what Cognito does then.
    """
    handled = handled_event(event, sources, logger)
    if handled is None:
        return event
    settings = config_or_none(config, logger, handled)
    if settings is None:
        return event
    try:
        return process(handled, settings)
    except Exception:
        logger.exception(f"unexpected error; {fallback}", extra=log_context(handled))
        return event


_cognito_client: Any = None


def cognito_client() -> Any:
    """The cognito-idp client, created on first use (boto3 costs ~265 ms to import).

    Only the triggers that call AWS ever call this, so the others never load boto3.
    """
    global _cognito_client
    if _cognito_client is None:
        import boto3  # deliberately lazy
        from botocore.config import Config as BotoConfig

        # Cognito gives the whole trigger 5 seconds: fail fast rather than retry for long.
        _cognito_client = boto3.client(
            "cognito-idp",
            config=BotoConfig(
                connect_timeout=1,
                read_timeout=2,
                retries={"total_max_attempts": 2, "mode": "standard"},
            ),
        )
    return _cognito_client
