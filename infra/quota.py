"""The quota budget: how many sign-ins (and sign-ups, refreshes, ...) per second a configuration
takes before Cognito throttles it.

Cognito limits API requests per quota category, per AWS account and Region, across every user
pool there. A flow (a sign-up, a first federated sign-in, ...) makes calls in several categories:
Cognito's own (SignUp, the IdP response, the token endpoint) and those our triggers make
(ListUsers, AdminLinkProviderForUser, ...). The highest rate a flow sustains on its own is the
smallest `category quota / calls in that category` over the categories it touches.

This module is pure: the calls Cognito makes per flow are a documented constant table here, and
the calls the kit's triggers make are counted by a function the caller passes in
(`tests/operations/trigger_calls.py` runs the real trigger handlers with a recording fake
cognito-idp client), so the table follows the trigger code whenever it changes. The team's own
functions (a slot's `function_arn`) count what their slot declares in `cognito_calls`: the kit
cannot run them. The CDK app never runs trigger code; it reads only the categories
(`quota_categories`) for its alarms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from infra.config.app_clients import AppClientConfig
from infra.config.environment import EnvironmentConfig
from infra.config.federation import enabled_providers
from infra.config.references import attached_slots, client_provider_ids
from infra.config.triggers import SLOT_IDS

# Default request-rate quotas (requests per second, per account and Region, all user pools),
# from the Amazon Cognito Developer Guide, "Quotas in Amazon Cognito" > "Amazon Cognito user
# pools API operation categories and request rate quotas"
# (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html#category_operations),
# checked Nov 2026. The category names are also the `Resource` dimension of the `CallCount` and
# `ThrottleCount` metrics in the `AWS/Usage` namespace.
CATEGORY_QUOTAS: dict[str, int] = {
    "UserAuthentication": 120,
    "UserCreation": 50,
    "UserFederation": 25,
    "UserAccountRecovery": 30,
    "UserRead": 120,
    "UserUpdate": 25,
    "UserResourceRead": 50,
    "UserResourceUpdate": 25,
    "UserList": 30,
    "UserToken": 120,
    "ClientAuthentication": 150,
    # Not confirmed against the live table here (see docs/operations.md): the pre token
    # generation trigger's client-name lookup, cached for five minutes per function instance.
    "UserPoolClientRead": 15,
}
QUOTAS_PAGE = "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html"


@dataclass(frozen=True)
class Bucket:
    """A rate limit a call counts against: a quota category, or one of its special rules."""

    name: str
    category: str
    """The `AWS/Usage` category (`Resource` dimension) whose metrics show it."""
    rate: int
    note: str = ""


BUCKETS: dict[str, Bucket] = {
    **{name: Bucket(name, name, rate) for name, rate in CATEGORY_QUOTAS.items()},
    # Same page, "Amazon Cognito user pools API operations with special request rate handling":
    # RespondToAuthChallenge and AdminRespondToAuthChallenge have their own quota, three times
    # UserAuthentication; only calls beyond it count against UserAuthentication.
    "UserAuthentication (challenges)": Bucket(
        "UserAuthentication (challenges)",
        "UserAuthentication",
        3 * CATEGORY_QUOTAS["UserAuthentication"],
        "RespondToAuthChallenge: a separate quota of 3x UserAuthentication",
    ),
    # Same page (token endpoint row): the authorization-code grant at the token endpoint has the
    # UserAuthentication limit but does not consume that category; the refresh-token grant and
    # managed-login sign-in do consume UserAuthentication.
    "UserAuthentication (code grant)": Bucket(
        "UserAuthentication (code grant)",
        "UserAuthentication",
        CATEGORY_QUOTAS["UserAuthentication"],
        "token endpoint, authorization_code grant: its own limit, equal to UserAuthentication",
    ),
}

# The quota category of every cognito-idp operation the kit's flows or triggers call, from the
# same table. A trigger that calls an operation missing here fails the quota budget (and the
# synth of its throttling alarms) with a message naming it: add it from that table.
OPERATION_CATEGORIES: dict[str, str] = {
    "InitiateAuth": "UserAuthentication",
    "AdminInitiateAuth": "UserAuthentication",
    "GetTokensFromRefreshToken": "UserAuthentication",
    "RespondToAuthChallenge": "UserAuthentication (challenges)",
    "AdminRespondToAuthChallenge": "UserAuthentication (challenges)",
    "SignUp": "UserCreation",
    "ConfirmSignUp": "UserCreation",
    "AdminCreateUser": "UserCreation",
    "AdminConfirmSignUp": "UserCreation",
    "ForgotPassword": "UserAccountRecovery",
    "ConfirmForgotPassword": "UserAccountRecovery",
    "ChangePassword": "UserAccountRecovery",
    "AdminResetUserPassword": "UserAccountRecovery",
    "AdminSetUserPassword": "UserAccountRecovery",
    "GetUser": "UserRead",
    "AdminGetUser": "UserRead",
    "AdminLinkProviderForUser": "UserUpdate",
    "AdminDisableProviderForUser": "UserUpdate",
    "AdminUpdateUserAttributes": "UserUpdate",
    "AdminDeleteUserAttributes": "UserUpdate",
    "AdminDisableUser": "UserUpdate",
    "AdminEnableUser": "UserUpdate",
    "AdminDeleteUser": "UserUpdate",
    "AdminUserGlobalSignOut": "UserUpdate",
    "AdminListGroupsForUser": "UserResourceRead",
    "ListUserPoolClients": "UserPoolClientRead",
    "AdminListDevices": "UserResourceRead",
    "AdminGetDevice": "UserResourceRead",
    "AdminAddUserToGroup": "UserResourceUpdate",
    "AdminRemoveUserFromGroup": "UserResourceUpdate",
    "ListUsers": "UserList",
    "ListUsersInGroup": "UserList",
    "RevokeToken": "UserToken",
    # Not confirmed against the live table here (see docs/operations.md): passkey registration
    # with the user's access token, counted in the update category with the lowest quota.
    "StartWebAuthnRegistration": "UserUpdate",
    "CompleteWebAuthnRegistration": "UserUpdate",
}

COGNITO = "Cognito"


@dataclass(frozen=True)
class Call:
    """Calls one flow makes in one bucket: Cognito's own, or a trigger's AWS calls."""

    caller: str
    """`Cognito`, or the trigger id (PreSignUp, PostConfirmation, ...)."""
    operation: str
    bucket: str
    count: int = 1


@dataclass(frozen=True)
class Invocation:
    """A trigger Cognito invokes during a flow, with the documented event it receives
    (a file name in `tests/lambda_triggers/events/`, without `.json`)."""

    trigger: str
    event: str


@dataclass(frozen=True)
class Flow:
    """A user-facing operation whose quota cost the budget states."""

    name: str
    cognito_calls: tuple[Call, ...]
    invocations: tuple[Invocation, ...]
    note: str


@dataclass(frozen=True)
class FlowBudget:
    """One row of the budget: a flow, every call it makes, and the rate it sustains."""

    flow: str
    calls: tuple[Call, ...]
    per_bucket: dict[str, int]
    max_per_second: float
    limited_by: tuple[str, ...]
    note: str


TriggerCallCounter = Callable[[str, str], Mapping[str, int]]
"""(trigger id, event name) -> {cognito-idp operation: calls} made while handling that event."""


def _cognito(operation: str, bucket: str, count: int = 1) -> Call:
    return Call(COGNITO, operation, bucket, count)


def configured_flows(config: EnvironmentConfig) -> list[Flow]:
    """The flows this environment's configuration offers, with the triggers each invokes."""
    enabled = enabled_triggers(config)
    clients = config.app_clients
    interactive = {c: client for c, client in clients.items() if client.kind != "machine"}
    providers = enabled_providers(config.identity_providers)
    mfa = config.user_pool.mfa
    flows: list[Flow] = []

    def invoked(*pairs: tuple[str, str]) -> tuple[Invocation, ...]:
        return tuple(Invocation(t, event) for t, event in pairs if t in enabled)

    # Around every sign-in that proves a password or a challenge.
    before_sign_in = (("PreAuthentication", "pre_authentication"),)
    after_sign_in = (
        ("PostAuthentication", "post_authentication"),
        ("PreTokenGeneration", "pre_token_generation_authentication"),
    )
    if config.user_pool.self_sign_up:
        flows.append(
            Flow(
                "native sign-up",
                (_cognito("SignUp", "UserCreation"), _cognito("ConfirmSignUp", "UserCreation")),
                invoked(
                    ("PreSignUp", "pre_sign_up_sign_up"),
                    ("CustomMessage", "custom_message_sign_up"),
                    ("CustomEmailSender", "custom_email_sender_sign_up"),
                    ("PostConfirmation", "post_confirmation_confirm_sign_up"),
                ),
                "SignUp, then ConfirmSignUp with the emailed code",
            )
        )
    if any(client_provider_ids(client, providers) for client in interactive.values()):
        # The pre sign-up trigger links only for providers whose verified email it trusts.
        linking = (
            "PreSignUp" in enabled
            and config.triggers.pre_sign_up.account_linking is not False
            and any(p.email_verified_by_provider() for p in providers.values())
        )
        flows.append(
            Flow(
                "first federated sign-in" + (" (links to an existing user)" if linking else ""),
                (
                    _cognito("IdP response", "UserFederation", 2 if linking else 1),
                    _cognito(
                        "token endpoint (authorization_code)", "UserAuthentication (code grant)"
                    ),
                ),
                invoked(
                    ("InboundFederation", "inbound_federation_saml"),
                    ("PreSignUp", "pre_sign_up_external_provider"),
                    ("PreTokenGeneration", "pre_token_generation_hosted_auth"),
                ),
                "linking answers the first attempt with an error; the user signs in again"
                if linking
                else "the user is created from the IdP's attributes",
            )
        )
    if any(client.allow_cognito_sign_in for client in interactive.values()):
        challenges = 1 if mfa.mode == "off" else 2
        message = mfa.mode != "off" and (mfa.sms or mfa.email)
        codes: tuple[tuple[str, str], ...] = ()
        if message:
            codes = (("CustomMessage", "custom_message_authentication"),)
            if mfa.sms:
                codes += (("CustomSmsSender", "custom_sms_sender_authentication"),)
            if mfa.email:
                codes += (("CustomEmailSender", "custom_email_sender_authentication"),)
        flows.append(
            Flow(
                "sign-in",
                (
                    _cognito("InitiateAuth", "UserAuthentication"),
                    _cognito(
                        "RespondToAuthChallenge", "UserAuthentication (challenges)", challenges
                    ),
                ),
                invoked(*before_sign_in, *codes, *after_sign_in),
                "SRP: password verifier" + (", then the MFA code" if challenges == 2 else ""),
            )
        )
    if any("custom" in client.effective_auth_flows for client in interactive.values()):
        flows.append(
            Flow(
                "custom-challenge sign-in",
                (
                    _cognito("InitiateAuth (CUSTOM_AUTH)", "UserAuthentication"),
                    _cognito("RespondToAuthChallenge", "UserAuthentication (challenges)"),
                ),
                invoked(
                    *before_sign_in,
                    ("DefineAuthChallenge", "define_auth_challenge"),
                    ("CreateAuthChallenge", "create_auth_challenge"),
                    ("VerifyAuthChallengeResponse", "verify_auth_challenge_response"),
                    ("DefineAuthChallenge", "define_auth_challenge"),
                    *after_sign_in,
                ),
                "one custom challenge: define, create, the answer, verify, define again",
            )
        )
    flows += _passwordless_flows(config, interactive, invoked)
    if interactive:
        flows.append(
            Flow(
                "token refresh",
                (_cognito("InitiateAuth (REFRESH_TOKEN_AUTH)", "UserAuthentication"),),
                invoked(("PreTokenGeneration", "pre_token_generation_refresh_tokens")),
                "or the token endpoint's refresh_token grant (same category)",
            )
        )
    if any(client.kind == "machine" for client in clients.values()):
        flows.append(
            Flow(
                "client credentials",
                (_cognito("token endpoint (client_credentials)", "ClientAuthentication"),),
                # The kit attaches pre token generation as event version V2_0, which Cognito
                # does not invoke for client-credentials grants (V3_0 only).
                (),
                "machine-to-machine access token",
            )
        )
    return flows


# Choice-based sign-in (USER_AUTH): without a preferred challenge Cognito answers InitiateAuth
# with SELECT_CHALLENGE and the app sends the choice before the code or the passkey assertion;
# with one (Amplify's preferredChallenge) that round trip is skipped. The budget counts the
# longer path. The code itself is a message (SES or SNS), not a user pools API request.
_PASSWORDLESS_FLOWS = {
    "email_otp": ("sign-in with an email code", "the code is mailed (SES or Cognito's sender)"),
    "sms_otp": ("sign-in with an SMS code", "the code is a text message (SNS, paid)"),
    "passkey": ("sign-in with a passkey", "WEB_AUTHN: the challenge, then the signed assertion"),
}


def _passwordless_flows(
    config: EnvironmentConfig,
    interactive: Mapping[str, AppClientConfig],
    invoked: Callable[..., tuple[Invocation, ...]],
) -> list[Flow]:
    sign_in = config.user_pool.sign_in
    offering = [client for client in interactive.values() if client.choice_based_sign_in]
    if not offering or not sign_in.passwordless:
        return []
    flows = []
    for factor in sign_in.passwordless:
        name, message = _PASSWORDLESS_FLOWS[factor]
        preferred = all(client.preferred_challenge == factor for client in offering)
        challenges = 1 if preferred else 2
        code = factor != "passkey"
        flows.append(
            Flow(
                name + " (USER_AUTH)",
                (
                    _cognito("InitiateAuth (USER_AUTH)", "UserAuthentication"),
                    _cognito(
                        "RespondToAuthChallenge", "UserAuthentication (challenges)", challenges
                    ),
                ),
                invoked(
                    *((("CustomMessage", "custom_message_authentication"),) if code else ()),
                    ("PreTokenGeneration", "pre_token_generation_authentication"),
                ),
                message
                + (
                    "; every client prefers it"
                    if preferred
                    else "; SELECT_CHALLENGE first (no preferred_challenge)"
                ),
            )
        )
    if sign_in.passkeys:
        flows.append(
            Flow(
                "passkey registration",
                (
                    _cognito("StartWebAuthnRegistration", bucket_of("StartWebAuthnRegistration")),
                    _cognito(
                        "CompleteWebAuthnRegistration", bucket_of("CompleteWebAuthnRegistration")
                    ),
                ),
                (),
                "once per user and device, with the signed-in user's access token",
            )
        )
    return flows


def enabled_triggers(config: EnvironmentConfig) -> set[str]:
    """Ids of the triggers this environment attaches, the kit's and the team's (as
    `infra.constructs.triggers` and `infra.constructs.trigger_slots` name them)."""
    return {SLOT_IDS[key] for key in attached_slots(config.triggers)}


def team_calls(config: EnvironmentConfig) -> dict[str, dict[str, int]]:
    """Trigger id -> the cognito-idp calls the team's function in that slot declares."""
    return {
        SLOT_IDS[key]: dict(slot.cognito_calls)
        for key, slot in config.triggers.slots().items()
        if slot.function_arn is not None
    }


def bucket_of(operation: str) -> str:
    """The bucket of a cognito-idp operation; a clear error for one the table does not know."""
    try:
        return OPERATION_CATEGORIES[operation]
    except KeyError:
        raise ValueError(
            f"cognito-idp:{operation} has no quota category in infra/quota.py "
            f"OPERATION_CATEGORIES; add it from {QUOTAS_PAGE}#category_operations"
        ) from None


FLOWS_THE_REPLICA_CANNOT_SERVE = ("native sign-up",)
"""The secondary pool creates no users (developer guide, "Multi-Region replication for user
pools", limitations): no sign-up there."""


def failover_flows(config: EnvironmentConfig) -> list[Flow]:
    """The flows a replica serves while Cognito has failed over to it: every configured flow
    but sign-up, and a federated sign-in only for users who signed in at the primary before
    (so no pre sign-up trigger and no linking)."""
    flows = []
    for flow in configured_flows(config):
        if flow.name in FLOWS_THE_REPLICA_CANNOT_SERVE:
            continue
        if flow.name.startswith("first federated sign-in"):
            flow = Flow(
                "returning federated sign-in",
                (
                    _cognito("IdP response", "UserFederation"),
                    _cognito(
                        "token endpoint (authorization_code)", "UserAuthentication (code grant)"
                    ),
                ),
                tuple(i for i in flow.invocations if i.trigger != "PreSignUp"),
                "only users who signed in at the primary before; new ones cannot sign in here",
            )
        flows.append(flow)
    return flows


def regional_budgets(
    config: EnvironmentConfig, count_calls: TriggerCallCounter
) -> dict[str, list[FlowBudget]]:
    """The budget in each Region of the pool, by Region (the primary's first). Quotas apply
    per account and Region, across every user pool there: while the replica serves, its
    Region's quotas are the ones that count, and a quota raised in the primary's Region is not
    raised in the replica's."""
    primary = config.region or "(the deploy's Region)"
    budgets = {primary: budget(config, count_calls)}
    for region in config.multi_region.replica_regions:
        budgets[region] = budget(config, count_calls, flows=failover_flows(config))
    return budgets


def budget(
    config: EnvironmentConfig,
    count_calls: TriggerCallCounter,
    *,
    flows: Iterable[Flow] | None = None,
) -> list[FlowBudget]:
    """The quota budget of every configured flow (or of `flows`) under the default quotas."""
    rows = []
    team = team_calls(config)

    def calls_of(invocation: Invocation) -> Mapping[str, int]:
        if invocation.trigger in team:
            return team[invocation.trigger]
        return count_calls(invocation.trigger, invocation.event)

    for flow in configured_flows(config) if flows is None else flows:
        trigger_calls = [
            Call(
                f"{invocation.trigger} (your function)"
                if invocation.trigger in team
                else invocation.trigger,
                operation,
                bucket_of(operation),
                count,
            )
            for invocation in flow.invocations
            for operation, count in calls_of(invocation).items()
            if count
        ]
        calls = (*flow.cognito_calls, *trigger_calls)
        per_bucket: Counter[str] = Counter()
        for call in calls:
            per_bucket[call.bucket] += call.count
        rates = {name: BUCKETS[name].rate / count for name, count in per_bucket.items()}
        lowest = min(rates.values())
        rows.append(
            FlowBudget(
                flow=flow.name,
                calls=calls,
                per_bucket=dict(per_bucket),
                max_per_second=lowest,
                limited_by=tuple(sorted(name for name, rate in rates.items() if rate == lowest)),
                note=flow.note,
            )
        )
    return rows


def quota_categories(config: EnvironmentConfig, trigger_operations: Iterable[str]) -> list[str]:
    """The `AWS/Usage` categories this environment's flows and triggers use: the ones worth a
    throttling alarm. `trigger_operations` are the cognito-idp operations the enabled triggers
    are allowed to call (their IAM actions without the `cognito-idp:` prefix)."""
    buckets = {call.bucket for flow in configured_flows(config) for call in flow.cognito_calls}
    buckets |= {bucket_of(operation) for operation in trigger_operations}
    return sorted({BUCKETS[bucket].category for bucket in buckets})


def markdown(rows: Iterable[FlowBudget]) -> str:
    """The budget as a Markdown table (the form docs/operations.md shows)."""
    lines = [
        "| Flow | Calls (caller: operation x count -> category) | Per category | "
        "Max sustained / s | Limited by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        calls = "<br>".join(
            f"{call.caller}: {call.operation}"
            + (f" x{call.count}" if call.count > 1 else "")
            + f" -> {call.bucket}"
            for call in row.calls
        )
        per_bucket = "<br>".join(
            f"{name}: {count}" for name, count in sorted(row.per_bucket.items())
        )
        limits = ", ".join(f"{name} ({BUCKETS[name].rate}/s)" for name in row.limited_by)
        lines.append(
            f"| {row.flow} | {calls} | {per_bucket} | {_rate(row.max_per_second)} | {limits} |"
        )
    return "\n".join(lines)


def _rate(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"{value:.2f}"
