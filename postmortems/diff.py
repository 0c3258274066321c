"""A line-by-line difference between two revisions, for the history page."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    change: str  # "added", "removed" or "same"
    text: str


def line_diff(older: str, newer: str) -> list[DiffLine]:
    changes = {"+ ": "added", "- ": "removed", "  ": "same"}
    return [
        DiffLine(changes[line[:2]], line[2:])
        for line in difflib.ndiff(older.splitlines(), newer.splitlines())
        if line[:2] in changes
    ]
