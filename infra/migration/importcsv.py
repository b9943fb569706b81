"""The file format of Cognito's user import job, written so no attribute value can break it.

Cognito's format is not RFC 4180: values are never quoted, and a comma inside a value is
written as ``\\,`` (documented in "Creating the user import CSV file" of the Cognito developer
guide; UTF-8 without a byte order mark, at most 16,000 characters a row, leading and trailing
white space trimmed by Cognito). The guide says nothing about a backslash, a double quote or a
line break inside a value, so no reading of them can be relied on: a value containing one is
not written at all (`cell_problem`), and its user is reported instead of guessed at. A trailing
backslash, for instance, would otherwise escape the separator and shift every later column.

People also open these files in spreadsheets, which run a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula. Cognito reads values verbatim, so the usual defence (prefixing a
quote) would change the imported data. Instead a value is refused when it, or any part of it
after a comma (a spreadsheet splits ``\\,`` into two cells), starts with one of those characters,
unless that part is a plain number such as an E.164 phone number (``+15550100``), which a
spreadsheet shows as a number and does not execute.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATOR = ","
LINE_END = "\n"
MAX_ROW_CHARS = 16_000
FORMULA_STARTS = ("=", "+", "-", "@")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
# Unicode categories of control characters and line/paragraph separators.
_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def cell_problem(value: str) -> str | None:
    """Why ``value`` cannot be written into the import file, or None if it can."""
    if "\\" in value:
        return "contains a backslash"
    if '"' in value:
        return "contains a double quote"
    if any(unicodedata.category(char) in _BREAKING_CATEGORIES for char in value):
        return "contains a line break or control character"
    for part in value.split(SEPARATOR):
        stripped = part.strip()
        if stripped.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(stripped):
            return "would run as a formula in a spreadsheet"
    return None


def encode_cell(value: str) -> str:
    """``value`` as Cognito reads it; call `cell_problem` first."""
    return value.replace(SEPARATOR, "\\" + SEPARATOR)


def encode_row(cells: Iterable[str]) -> str:
    """One line of the import file, without its line end."""
    return SEPARATOR.join(encode_cell(cell) for cell in cells)


def decode_row(line: str) -> list[str]:
    """The cells of one line, as Cognito's documented rules read it (for checks and tests)."""
    cells: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and line[index + 1 : index + 2] == SEPARATOR:
            current.append(SEPARATOR)
            index += 2
            continue
        if char == SEPARATOR:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    cells.append("".join(current))
    return cells


def decode_file(text: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a whole import file."""
    lines = text.split(LINE_END)
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return [], []
    return decode_row(lines[0]), [decode_row(line) for line in lines[1:]]
