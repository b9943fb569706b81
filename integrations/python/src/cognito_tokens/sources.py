"""Where a verifier's settings come from in a deployment: the stack outputs file that
`cdk deploy --outputs-file` (`make deploy`) writes, or the process environment.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from .verifier import CognitoTokenVerifier, TokenUse

__all__ = ["ENVIRONMENT_VARIABLES", "verifier_from_environment", "verifier_from_outputs"]

_LOGGER = logging.getLogger("cognito_tokens")

ENVIRONMENT_VARIABLES: Final = (
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_JWKS_FILE",
    "COGNITO_ISSUERS",
)
_CLIENT_ID_SUFFIX: Final = "ClientId"
_ACCEPTED_ISSUERS: Final = "AcceptedIssuers"
"""The kit's stack output listing every issuer its configuration implies (comma-separated);
present only in environments that configure `multi_region`."""


def _stack_outputs(data: object, path: Path, stack: str | None) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise ValueError(f"{path} is not a stack outputs file ({{stack name: {{output: value}}}})")
    if stack is not None:
        if stack not in data:
            found = ", ".join(sorted(data)) or "none"
            raise ValueError(f"{path} has no outputs of stack {stack}; it holds {found}")
        return stack, data[stack]
    pools = sorted(name for name, outputs in data.items() if "UserPoolId" in outputs)
    if len(pools) != 1:
        found = ", ".join(pools) or "none"
        raise ValueError(
            f"{path}: pass stack=<name>: {len(pools)} stacks have a UserPoolId output ({found})"
        )
    return pools[0], data[pools[0]]


def verifier_from_outputs(
    path: str | os.PathLike[str],
    *,
    client: str | Sequence[str] | None,
    stack: str | None = None,
    token_use: TokenUse,
    verifier_class: type[CognitoTokenVerifier] = CognitoTokenVerifier,
    **options: Any,
) -> CognitoTokenVerifier:
    """A verifier for the user pool and app client(s) of a `cdk deploy --outputs-file` JSON.

    `client`: the app client's name in the environment file (`OrdersWorker` reads the output
    `OrdersWorkerClientId`), a list of names, or None to accept any client of the pool.
    `stack`: the stack name (`<project>-<env>`); needed only when several stacks in the file
    have a `UserPoolId` output. The stack's `AcceptedIssuers` output, when it has one, sets the
    issuers accepted (unless `issuers` is given). Other keyword arguments go to
    `CognitoTokenVerifier`.
    """
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{file} does not exist: `make deploy ENV=<env>` writes it") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{file} is not a readable JSON outputs file ({exc})") from None
    stack_name, outputs = _stack_outputs(data, file, stack)
    pool_id = outputs.get("UserPoolId")
    if not isinstance(pool_id, str):
        raise ValueError(f"{file}: stack {stack_name} has no UserPoolId output")
    client_ids: list[str] | None = None
    if client is not None:
        names = [client] if isinstance(client, str) else list(client)
        available = sorted(
            key.removesuffix(_CLIENT_ID_SUFFIX)
            for key in outputs
            if key.endswith(_CLIENT_ID_SUFFIX) and key != _CLIENT_ID_SUFFIX
        )
        missing = [name for name in names if f"{name}{_CLIENT_ID_SUFFIX}" not in outputs]
        if missing or not names:
            raise ValueError(
                f"{file}: stack {stack_name} has no app client {', '.join(missing) or '(none)'}; "
                f"its app clients are {', '.join(available) or 'none'}"
            )
        client_ids = [str(outputs[f"{name}{_CLIENT_ID_SUFFIX}"]) for name in names]
    accepted = outputs.get(_ACCEPTED_ISSUERS)
    if isinstance(accepted, str) and "issuers" not in options:
        options["issuers"] = [issuer.strip() for issuer in accepted.split(",") if issuer.strip()]
    return verifier_class(pool_id, client_ids=client_ids, token_use=token_use, **options)


def verifier_from_environment(
    *,
    token_use: TokenUse,
    environ: Mapping[str, str] | None = None,
    verifier_class: type[CognitoTokenVerifier] = CognitoTokenVerifier,
    **options: Any,
) -> CognitoTokenVerifier:
    """A verifier configured by `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` (one id, or several
    separated by commas) and, optionally, `COGNITO_ISSUERS` (the `AcceptedIssuers` stack
    output: exactly these issuers, comma-separated) and `COGNITO_JWKS_FILE`: a JWKS document on
    disk used instead of the pool's JWKS URL (local runs, tests), announced by a warning at
    start-up.
    """
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for name in ENVIRONMENT_VARIABLES[:2]:
        value = env.get(name, "").strip()
        if not value:
            raise ValueError(f"set {name}: {_HELP[name]}")
        values[name] = value
    client_ids = [part.strip() for part in values["COGNITO_CLIENT_ID"].split(",")]
    issuers = env.get("COGNITO_ISSUERS", "").strip()
    if issuers and "issuers" not in options:
        options["issuers"] = [part.strip() for part in issuers.split(",") if part.strip()]
    jwks_file = env.get("COGNITO_JWKS_FILE", "").strip()
    if jwks_file:
        try:
            options["jwks"] = json.loads(Path(jwks_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"COGNITO_JWKS_FILE: cannot read a JWKS from {jwks_file}: {exc}"
            ) from None
    verifier = verifier_class(
        values["COGNITO_USER_POOL_ID"], client_ids=client_ids, token_use=token_use, **options
    )
    if jwks_file:
        _LOGGER.warning(
            "COGNITO_JWKS_FILE is set: verifying tokens with the keys in %s, not %s",
            jwks_file,
            verifier.jwks_uri,
        )
    return verifier


_HELP: Final = {
    "COGNITO_USER_POOL_ID": "the user pool id, <region>_<id> (the UserPoolId stack output)",
    "COGNITO_CLIENT_ID": "the app client id(s) whose tokens are accepted (<Client>ClientId output)",
}
