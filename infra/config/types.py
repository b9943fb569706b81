"""Constrained scalar types shared by the configuration model.

Every type here is strict: YAML's ``yes`` is not a boolean and ``"12"`` is not an integer,
so a typo in an environment file is an error instead of a silent coercion.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Strict, StringConstraints

from infra.config.regions import region_problem

PATTERN_WORDS: dict[str, str] = {}
_TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"
"""What a pattern allows, in words, by the pattern: the loader says this instead of the regex."""


def pattern_in_words(regex: str, words: str) -> str:
    """`regex`, remembered with what it allows in words (for `StringConstraints(pattern=...)`)."""
    PATTERN_WORDS[regex] = words
    return regex


Str = Annotated[str, Strict()]
NonEmptyStr = Annotated[str, Strict(), StringConstraints(min_length=1)]
Bool = Annotated[bool, Strict()]
Int = Annotated[int, Strict()]

# Construct ids become CloudFormation logical ids: changing one replaces the resource.
ConstructId = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            r"^[A-Z][A-Za-z0-9]{0,63}$",
            "an upper-case letter, then letters and digits, at most 64 characters (WebApp)",
        )
    ),
]
"""A stable PascalCase id (``WebApp``); it becomes part of the resource's logical id."""

AccountId = Annotated[
    str, Strict(), StringConstraints(pattern=pattern_in_words(r"^\d{12}$", "12 digits, quoted"))
]


def _known_region(value: str) -> str:
    if problem := region_problem(value):
        raise ValueError(problem)
    return value


Region = Annotated[str, Strict(), AfterValidator(_known_region)]
"""A region where Cognito user pools run, as the pinned botocore's endpoint data lists them."""
EmailAddress = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            r"^[^@\s\"<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
            "an email address like team@example.com",
        ),
        max_length=254,
    ),
]
TagKey = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(r"^[\w .:/=+\-@]+$", _TAG_CHARACTERS),
        min_length=1,
        max_length=128,
    ),
]
TagValue = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(r"^[\w .:/=+\-@]*$", _TAG_CHARACTERS),
        max_length=256,
    ),
]
ProjectName = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$",
            "3-32 lower-case letters, digits and hyphens, starting with a letter and not "
            "ending with a hyphen",
        )
    ),
]
GroupName = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(r"^[\w+=,.@-]+$", "letters, digits and _ + = , . @ -"),
        min_length=1,
        max_length=128,
    ),
]
CustomAttributeName = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(r"^[A-Za-z0-9_]{1,20}$", "1-20 letters, digits and underscores")
    ),
]
ScopeName = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            r"^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$",
            '1-256 printable ASCII characters except spaces, " / and \\',
        )
    ),
]
ResourceServerIdentifier = Annotated[
    str,
    Strict(),
    StringConstraints(
        pattern=pattern_in_words(
            r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$",
            '1-256 printable ASCII characters except spaces, " and \\',
        )
    ),
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
