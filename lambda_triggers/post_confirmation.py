"""Post confirmation trigger: put every newly confirmed user into a default group.

Trigger source handled: ``PostConfirmation_ConfirmSignUp`` (ConfirmSignUp, AdminConfirmSignUp,
confirmation in managed login). ``PostConfirmation_ConfirmForgotPassword`` and any other source,
or an event that is not a JSON object, is returned unchanged.

Event reference:
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-post-confirmation.html

Configuration: one environment variable, ``TRIGGER_CONFIG``, holding a JSON object. Unknown keys
are a configuration error.

``default_group`` (string or null, default null)
    The group to add the user to with AdminAddUserToGroup(UserPoolId, Username=userName,
    GroupName). Null does nothing. The group must exist in the pool.

AdminAddUserToGroup is idempotent: a second invocation for the same user succeeds and changes
nothing, so a retried invocation is safe.

Failure policy (log and continue): a missing or invalid ``TRIGGER_CONFIG``, an event without a
user pool id or username, a failed AdminAddUserToGroup call (logged with trigger source,
``username_ref`` and AWS error code) or an unexpected error is logged at ERROR level and the
event is returned unchanged. Raising would not help: this trigger runs after Cognito has
confirmed the user, so an error does not undo the confirmation, and repeating ConfirmSignUp
fails because the user is already confirmed, so the group would still not be added; the user
would only see an error.
A missing default group gives the user less access, never more, and the ERROR log is the signal
to add the membership (an alarm on it is the operator's fix path).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

try:
    from lambda_triggers._common import (
        ConfigReader,
        JsonDict,
        LazyConfig,
        child,
        cognito_client,
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
        cognito_client,
        get_str,
        log_context,
        run_or_pass_through,
    )

logger = logging.getLogger(__name__)

CONFIRM_SIGN_UP: Final = "PostConfirmation_ConfirmSignUp"
KNOWN_KEYS: Final = ("default_group",)
MAX_GROUP_NAME_LEN: Final = 128  # Cognito's limit for a group name


class Config(NamedTuple):
    default_group: str | None = None


def parse_config(raw: object) -> Config:
    """Validate a decoded ``TRIGGER_CONFIG``; raise ``ConfigError`` listing every problem."""
    reader = ConfigReader(raw, KNOWN_KEYS)
    group = reader.optional_string("default_group", max_len=MAX_GROUP_NAME_LEN)
    if group is not None and not group.isprintable():
        reader.problem("default_group", "must not contain control characters")
    reader.finish()
    return Config(default_group=group)


CONFIG: Final = LazyConfig(parse_config)


def group_for(source: str | None, config: Config) -> str | None:
    """The group a user confirmed by this event joins, or None (pure)."""
    if source != CONFIRM_SIGN_UP:
        return None
    return config.default_group


def add_to_group(
    client: Any, user_pool_id: str, username: str, group: str, fields: Mapping[str, object]
) -> bool:
    """AdminAddUserToGroup; log and return False on an AWS error (the failure policy)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
    except (BotoCoreError, ClientError) as error:
        code = get_str(child(getattr(error, "response", None), "Error"), "Code")
        logger.error(
            "AdminAddUserToGroup failed; the user is confirmed but not in the default group",
            extra={
                **fields,
                "aws_operation": "AdminAddUserToGroup",
                "error_code": code or type(error).__name__,
                "group": group,
            },
        )
        return False
    logger.info("added the confirmed user to the default group", extra={**fields, "group": group})
    return True


def process_event(event: JsonDict, config: Config, client_factory: Callable[[], Any]) -> JsonDict:
    """Add the confirmed user to the default group; never raises for a malformed event."""
    group = group_for(get_str(event, "triggerSource"), config)
    if group is None:
        return event
    fields = log_context(event)
    user_pool_id = get_str(event, "userPoolId")
    username = get_str(event, "userName")
    if not user_pool_id or not username:
        logger.error("cannot add to the default group: no userPoolId or userName", extra=fields)
        return event
    add_to_group(client_factory(), user_pool_id, username, group, fields)
    return event


def handler(event: object, context: object) -> object:
    """Lambda entry point; see the module docstring for the failure policy."""
    return run_or_pass_through(
        event,
        sources=(CONFIRM_SIGN_UP,),
        config=CONFIG,
        process=lambda handled, config: process_event(handled, config, cognito_client),
        logger=logger,
        fallback="the user stays confirmed",
    )
