"""Count the cognito-idp calls each of the kit's triggers makes, by running its real handler.

(A team function's calls are what its slot declares in `cognito_calls`: `infra.quota` reads
them from the configuration and never asks this counter.)

`trigger_call_counter(config)` is the `TriggerCallCounter` that `infra.quota.budget` takes. For
each (trigger, event) it loads the documented event from `tests/lambda_triggers/events/`, sets
the environment's own `TRIGGER_CONFIG` (as the trigger construct builds it), and calls the
module's `handler` with a recording fake in place of the cognito-idp client. Whatever AWS calls
the code makes are counted, so a new call in a trigger shows up in the budget without a change
here, unless the fake's canned answers no longer lead the code down its path: the scenarios
check that they reach the call that defines them (linking calls AdminLinkProviderForUser).

Events are adjusted to the environment so that the costliest path runs: a federated sign-up from
a trusted provider, with an email at an allowed domain, matching exactly one native user.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.session import get_session

from infra.config import EnvironmentConfig
from infra.constructs.triggers import runtime_configs
from infra.quota import TriggerCallCounter
from lambda_triggers import (
    _common,
    custom_message,
    inbound_federation,
    post_confirmation,
    pre_sign_up,
    pre_token_generation,
)

EVENTS_DIR = Path(__file__).resolve().parents[1] / "lambda_triggers" / "events"
MODULES: dict[str, Any] = {
    "PreSignUp": pre_sign_up,
    "PostConfirmation": post_confirmation,
    "PreTokenGeneration": pre_token_generation,
    "CustomMessage": custom_message,
    "InboundFederation": inbound_federation,
}
NATIVE_USERNAME = "ann"
# Each cognito-idp method name (list_users) -> its operation name (ListUsers), from botocore's
# service model, so a recorded name is exactly what IAM and the quota table call it.
_OPERATIONS = {
    xform_name(name): name
    for name in get_session().get_service_model("cognito-idp").operation_names
}


class RecordingClient:
    """A cognito-idp client that answers every operation from canned responses and counts it."""

    def __init__(self, email: str) -> None:
        self.calls: Counter[str] = Counter()
        native = {
            "Username": NATIVE_USERNAME,
            "UserStatus": "CONFIRMED",
            "Enabled": True,
            "Attributes": [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
        }
        self._responses: dict[str, Any] = {
            "ListUsers": {"Users": [native]},
            "AdminGetUser": {
                "Username": NATIVE_USERNAME,
                "UserStatus": "CONFIRMED",
                "Enabled": True,
                "UserAttributes": native["Attributes"],
                "MFAOptions": [],
                "UserMFASettingList": [],
            },
            "AdminListGroupsForUser": {"Groups": []},
        }

    def __getattr__(self, name: str) -> Any:
        if name not in _OPERATIONS:
            raise AttributeError(f"cognito-idp has no operation {name!r}")
        operation = _OPERATIONS[name]

        def call(**_: Any) -> Any:
            self.calls[operation] += 1
            return copy.deepcopy(self._responses.get(operation, {}))

        return call


def trigger_call_counter(config: EnvironmentConfig) -> TriggerCallCounter:
    """Counts the calls of `config`'s triggers, each with this environment's TRIGGER_CONFIG."""
    runtime = runtime_configs(
        config.triggers, config.user_pool, config.identity_providers, config.app_clients
    )

    def count(trigger: str, event_name: str) -> Mapping[str, int]:
        settings = runtime[trigger]
        event = _scenario(event_name, settings)
        attributes = event["request"].get("userAttributes", {})
        email = attributes.get("email", "ann@example.com")
        client = RecordingClient(email)
        with _running(trigger, settings, client):
            # The sustained rate is the warm path: the first invocation fills any cache a
            # trigger keeps (pre token generation's client names), the second is counted.
            MODULES[trigger].handler(copy.deepcopy(event), None)
            client.calls.clear()
            MODULES[trigger].handler(event, None)
        linking = settings.get("account_linking") and settings.get("provider_email_domains")
        if event_name == "pre_sign_up_external_provider" and linking:
            assert client.calls["AdminLinkProviderForUser"] == 1, (
                f"the linking scenario no longer links (calls: {dict(client.calls)}): adjust the "
                "scenario event (_scenario) or RecordingClient's canned responses"
            )
        return dict(client.calls)

    return count


def _scenario(event_name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{event_name}.json").read_text())
    attributes = event.get("request", {}).get("userAttributes", {})
    allowed = settings.get("allowed_email_domains") or []
    if "email" in attributes and allowed:
        attributes["email"] = f"ann@{allowed[0]}"
    if event_name == "pre_sign_up_external_provider":
        # A provider signing in a user at a domain it owns, that the pool admits: linking and
        # invite-only then take their full path.
        admitted = settings.get("federated_sign_up_domains") or []
        invite_only = settings.get("federated_sign_up") == "invite_only"
        for provider, domains in (settings.get("provider_email_domains") or {}).items():
            usable = [
                d
                for d in domains
                if (not allowed or _within(d, allowed))
                and (not invite_only or _within(d, admitted))
            ]
            if usable:
                subject = event["userName"].split("_", 1)[1]
                event["userName"] = f"{provider}_{subject}"
                attributes["email"] = f"ann@{usable[0]}"
                # A Google Workspace sign-in names its Workspace (`hd`) in a mapped attribute.
                hosted = (settings.get("provider_hosted_domains") or {}).get(provider)
                if hosted:
                    attributes[hosted] = usable[0]
                break
    return event


def _within(domain: str, rules: list[str]) -> bool:
    return any(domain == rule or domain.endswith(f".{rule}") for rule in rules)


@contextmanager
def _running(trigger: str, settings: Mapping[str, Any], client: RecordingClient) -> Iterator[None]:
    module = MODULES[trigger]
    saved = os.environ.get(_common.CONFIG_ENV_VAR)
    os.environ[_common.CONFIG_ENV_VAR] = json.dumps(settings)
    module.CONFIG.reset()
    _common._cognito_client = client
    pre_sign_up._client = client
    try:
        yield
    finally:
        _common._cognito_client = None
        pre_sign_up._client = None
        module.CONFIG.reset()
        if saved is None:
            del os.environ[_common.CONFIG_ENV_VAR]
        else:
            os.environ[_common.CONFIG_ENV_VAR] = saved
