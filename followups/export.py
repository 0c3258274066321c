"""The board's follow-ups as CSV, streamed row by row so that any number of them fits."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from incidents.templatetags.debrief import person

from .models import ActionItem

HEADER = [
    "ID",
    "Title",
    "Kind",
    "Team",
    "Owner",
    "Priority",
    "Status",
    "Due date",
    "Overdue",
    "Completed at",
    "Incident",
    "Postmortem",
    "Tracker URL",
]

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading
# quote makes it text. Tab and carriage return start formulas in some spreadsheets too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def item_row(item: ActionItem) -> list[str]:
    completed_at = timezone.localtime(item.completed_at) if item.completed_at else None
    cells = [
        str(item.pk),
        item.title,
        item.get_kind_display(),
        item.team.name,
        person(item.owner),
        item.get_priority_display(),
        item.get_status_display(),
        item.due_date.isoformat() if item.due_date else "",
        "yes" if item.is_overdue else "no",
        f"{completed_at:%Y-%m-%d %H:%M}" if completed_at else "",
        item.incident.reference,
        item.postmortem.title if item.postmortem else "",
        item.tracker_url,
    ]
    return [neutralised(cell) for cell in cells]


class _Line:
    """A file-like object that hands back what csv.writer writes, one line at a time."""

    def write(self, line: str) -> str:
        return line


def csv_rows(items: QuerySet[ActionItem] | Iterable[ActionItem]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    rows = items.iterator(chunk_size=500) if isinstance(items, QuerySet) else items
    for item in rows:
        yield writer.writerow(item_row(item))
