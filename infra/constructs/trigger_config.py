"""TRIGGER_CONFIG as JSON that no secret scanner mistakes for a credential.

checkov's CKV_AWS_45 (secrets in a Lambda environment) runs git-secrets' AWS patterns over
every environment value: a run of exactly 40 characters of `[A-Za-z0-9/+=]` reads as a secret
access key, `AKIA`/`ASIA`/... and 16 more upper-case letters or digits as an access key id,
`account_id: 1234-5678-9012` as an account id. The configuration is not secret (it is in the
template anyway), but a URL path, a long group name or a number in it can form such a run,
and then a scanner fails the pull request. JSON can write any character as an escape with the
same meaning, so the kit writes the configuration with no run that long: `/`, `+` and `=` as
`\\/`, `\\u002b` and `\\u003d`, and one letter or digit escaped as `\\u00XX` wherever 15 of them
would follow each other (digits, single dashes between them not counted: 7). `json.loads`
reads it back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

MAX_RUN = 15
"""The longest run of `[A-Za-z0-9/+=]` written (the patterns need 20 or 40)."""
MAX_DIGITS = 7
"""The longest run of digits written (an account id has 12)."""
_ESCAPED = {"/": "\\/", "+": "\\u002b", "=": "\\u003d"}


def _in_run(character: str) -> bool:
    return character.isascii() and (character.isalnum() or character in "/+=")


class _Runs:
    """Lengths of the current runs in the text written so far."""

    def __init__(self) -> None:
        self.chars = 0
        self.digits = 0

    def add(self, piece: str) -> None:
        for character in piece:
            self.chars = self.chars + 1 if _in_run(character) else 0
            if character != "-":  # 1234-5678-9012 is an account id too
                self.digits = self.digits + 1 if character.isascii() and character.isdigit() else 0

    def too_long_with(self, character: str) -> bool:
        if character.isascii() and character.isdigit() and self.digits + 1 > MAX_DIGITS:
            return True
        return self.chars + 1 > MAX_RUN


def _string(text: str) -> str:
    runs = _Runs()
    pieces = ['"']
    for character in text:
        piece = _ESCAPED.get(character) or json.dumps(character)[1:-1]
        if piece == character and _in_run(character) and runs.too_long_with(character):
            piece = f"\\u{ord(character):04x}"
        runs.add(piece)
        pieces.append(piece)
    pieces.append('"')
    return "".join(pieces)


def dumps(value: Any) -> str:
    """`json.dumps(value, sort_keys=True)`, with the escapes described above."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        items = sorted(value.items())
        return "{" + ", ".join(f"{_string(str(k))}: {dumps(v)}" for k, v in items) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(dumps(item) for item in value) + "]"
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    raise TypeError(f"TRIGGER_CONFIG holds strings, numbers, lists and objects, not {value!r}")
