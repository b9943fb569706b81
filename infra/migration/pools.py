"""The two pools of a migration, from an environment: the old one from its `migration`
section, the new one from its deploy outputs (`deploy-outputs/<env>.json`) or CloudFormation."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from infra.client_config.outputs import (
    OutputsError,
    read_deployed_outputs,
    read_outputs_file,
    stack_name,
)
from infra.config.migration import withheld_attributes
from infra.deploy.preflight import PreflightError, check_environment

OUTPUTS_DIR = Path("deploy-outputs")


class PoolsError(Exception):
    """The pools cannot be resolved; the message says why."""


class MigrationPools(NamedTuple):
    """The pools of an environment's migration, and what must not come from the old one."""

    old_pool_id: str
    new_pool_id: str
    withheld: tuple[str, ...]  # `infra.config.migration.withheld_attributes`


def pools_of_environment(name: str, directory: Path) -> MigrationPools:
    """The old and the new pool of the environment users move into."""
    try:
        config = check_environment(name, directory)
        if config.migration is None:
            raise PoolsError(
                f"{name} has no `migration` section: name the old pool there "
                "(migration.from_user_pool_id), or pass --old-pool-id and --new-pool-id"
            )
        outputs_file = OUTPUTS_DIR / f"{name}.json"
        outputs = (
            read_outputs_file(outputs_file, config)
            if outputs_file.exists()
            else read_deployed_outputs(config)
        )
    except (PreflightError, OutputsError) as error:
        raise PoolsError(str(error)) from None
    new_pool = outputs.get("UserPoolId")
    if not new_pool:
        raise PoolsError(f"the outputs of stack {stack_name(config)} lack UserPoolId")
    withheld = withheld_attributes(
        config.migration,
        config.user_pool,
        triggers=config.triggers,
        identity_pool=config.identity_pool,
    )
    return MigrationPools(config.migration.from_user_pool_id, new_pool, tuple(withheld))
