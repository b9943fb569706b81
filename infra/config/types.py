"""Constrained scalar types shared by the configuration model.

Every type here is strict: YAML's ``yes`` is not a boolean and ``"12"`` is not an integer,
so a typo in an environment file is an error instead of a silent coercion.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Strict, StringConstraints

Str = Annotated[str, Strict()]
NonEmptyStr = Annotated[str, Strict(), StringConstraints(min_length=1)]
Bool = Annotated[bool, Strict()]
Int = Annotated[int, Strict()]

# Construct ids become CloudFormation logical ids: changing one replaces the resource.
ConstructId = Annotated[
    str,
    Strict(),
    StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{0,63}$"),
]
"""A stable PascalCase id (``WebApp``); it becomes part of the resource's logical id."""

AccountId = Annotated[str, Strict(), StringConstraints(pattern=r"^\d{12}$")]
Region = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
]
EmailAddress = Annotated[
    str,
    Strict(),
    StringConstraints(pattern=r"^[^@\s\"<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$", max_length=254),
]
TagKey = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[\w .:/=+\-@]+$", min_length=1, max_length=128)
]
TagValue = Annotated[str, Strict(), StringConstraints(pattern=r"^[\w .:/=+\-@]*$", max_length=256)]
ProjectName = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")]
GroupName = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[\w+=,.@-]+$", min_length=1, max_length=128)
]
CustomAttributeName = Annotated[str, Strict(), StringConstraints(pattern=r"^[A-Za-z0-9_]{1,20}$")]
ScopeName = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$")
]
ResourceServerIdentifier = Annotated[
    str, Strict(), StringConstraints(pattern=r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
]

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip


def _log_retention_period(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"allowed: one of {list(LOG_RETENTION_DAYS)}")
    return value


LogRetentionDays = Annotated[int, Strict(), AfterValidator(_log_retention_period)]
"""Days a CloudWatch log group keeps its events: one of `LOG_RETENTION_DAYS`."""
