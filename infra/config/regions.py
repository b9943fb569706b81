"""AWS regions as the pinned botocore knows them: its bundled endpoint data, read once, offline.

A pattern accepts `eu-centrall-1`; the region list does not, and names the near miss. A region
newer than the pinned botocore is refused with a hint to upgrade it.
"""

from __future__ import annotations

import difflib
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import botocore

COGNITO_USER_POOLS = "cognito-idp"
"""The endpoint-data service of Cognito user pools: a region without it cannot hold the pool."""


@dataclass(frozen=True)
class _Regions:
    every: tuple[str, ...]
    """Every region of every partition (aws, aws-cn, aws-us-gov, ...)."""
    with_user_pools: tuple[str, ...]
    """The regions whose endpoint data lists Cognito user pools."""
    partitions: dict[str, str]
    """Region -> its partition (aws, aws-cn, aws-us-gov, ...)."""


@functools.cache
def _regions() -> _Regions:
    # botocore's own copy, not the loader's search path: ~/.aws/models must not change a verdict.
    data = json.loads(
        (Path(botocore.__file__).parent / "data" / "endpoints.json").read_text(encoding="utf-8")
    )
    every: set[str] = set()
    with_user_pools: set[str] = set()
    partitions: dict[str, str] = {}
    for partition in data["partitions"]:
        regions = set(partition["regions"])
        every |= regions
        partitions.update(dict.fromkeys(regions, partition["partition"]))
        endpoints = partition["services"].get(COGNITO_USER_POOLS, {}).get("endpoints", {})
        with_user_pools |= regions & set(endpoints)
    return _Regions(tuple(sorted(every)), tuple(sorted(with_user_pools)), partitions)


def source() -> str:
    """Where the region list comes from, for messages."""
    return f"botocore {botocore.__version__}'s endpoint data"


def user_pool_regions() -> tuple[str, ...]:
    """The regions where the pinned botocore knows Cognito user pools."""
    return _regions().with_user_pools


def partition_of(region: str) -> str | None:
    """The partition of a known region (`aws`, `aws-cn`, ...), or None."""
    return _regions().partitions.get(region)


def region_problem(region: str, *, needs_user_pools: bool = True) -> str | None:
    """What is wrong with `region`, or None: it must be a known region (one with Cognito user
    pools unless `needs_user_pools` is false); a near miss gets a "did you mean"."""
    regions = _regions()
    allowed = regions.with_user_pools if needs_user_pools else regions.every
    if region in allowed:
        return None
    if region in regions.every:
        return (
            f"Cognito user pools are not available in {region} ({source()}); allowed: "
            f"{', '.join(allowed)}"
        )
    guess = difflib.get_close_matches(region.strip().lower(), allowed, n=1, cutoff=0.75)
    if guess:
        return f"not an AWS region; did you mean {guess[0]!r}? ({source()})"
    return (
        f"not an AWS region; allowed: {', '.join(allowed)} ({source()}; a region newer than "
        "that needs a newer botocore)"
    )
