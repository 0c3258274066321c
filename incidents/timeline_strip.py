"""The incident page's timeline as a picture: impact started, detected, acknowledged, service
restored and resolved as labelled markers on a horizontal time axis, the timeline's events as
small ticks between them, and the time without service shaded.

Inline SVG drawn on the server, like the learning charts (learning/charts.py): nothing to load
and nothing to run, and the Content Security Policy allows it (presentation comes from CSS
classes, never style attributes). Only numbers computed here and text escaped by format_html
go into the markup. The moments table beside it on the page says the same in words, and the
SVG's own label lists the moments for screen readers.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .models import TIMESTAMP_FIELDS, Incident, timestamp_label

WIDTH, HEIGHT = 640, 112
PAD = 12  # room at both ends so that the first and last markers show whole
AXIS_Y = 56
# Label rows, nearest the axis first: above, below, further above, further below.
LABEL_ROWS = (38, 84, 20, 102)
CHARACTER_WIDTH = 6.2  # a rough width of one character of a label, to keep labels apart


@dataclass(frozen=True)
class Marker:
    name: str  # the timestamp field, e.g. "restored_at"
    label: str
    moment: datetime
    x: float
    row: int  # index into LABEL_ROWS
    anchor: str  # text-anchor of the label: "start" or "end"

    @property
    def css_class(self) -> str:
        return self.name.removesuffix("_at").replace("_", "-")


def _time(moment: datetime, *, with_day: bool) -> str:
    local = timezone.localtime(moment)
    return date_format(local, "j M H:i" if with_day else "H:i")


def strip_markers(incident: Incident, *, now: datetime | None = None) -> tuple[list, list]:
    """The markers of the incident's recorded moments, and the x of each timeline event, on an
    axis from impact started to resolved (to now while the incident is open)."""
    now = now or timezone.now()
    events = list(incident.events.all())
    moments = [(name, getattr(incident, name)) for name in TIMESTAMP_FIELDS]
    known = [moment for _, moment in moments if moment is not None]
    start = incident.started_at
    end = max([incident.resolved_at or now, *known, *(event.occurred_at for event in events)])
    span = max((end - start).total_seconds(), 1)

    def x_of(moment: datetime) -> float:
        ratio = min(max((moment - start).total_seconds() / span, 0), 1)
        return round(PAD + ratio * (WIDTH - 2 * PAD), 1)

    spans_days = timezone.localtime(start).date() != timezone.localtime(end).date()
    markers: list[Marker] = []
    # The right edge of the last label in each row (or its left edge for end-anchored ones).
    row_ends = [float("-inf")] * len(LABEL_ROWS)
    for name, moment in moments:
        if moment is None:
            continue
        label = f"{timestamp_label(name)} {_time(moment, with_day=spans_days)}"
        x = x_of(moment)
        width = len(label) * CHARACTER_WIDTH
        anchor = "end" if x + width > WIDTH - 2 else "start"
        left, right = (x - width, x) if anchor == "end" else (x, x + width)
        row = next((i for i, edge in enumerate(row_ends) if edge + 6 < left), len(row_ends) - 1)
        row_ends[row] = max(row_ends[row], right)
        markers.append(Marker(name, label, moment, x, row, anchor))
    ticks = [(x_of(event.occurred_at), event) for event in events]
    return markers, ticks


def _stem_end(label_y: int) -> int:
    """Where a marker's stem meets its label: below a label above the axis (text sits on its
    baseline), above one below it."""
    return label_y + 4 if label_y < AXIS_Y else label_y - 12


def timeline_strip(incident: Incident, *, now: datetime | None = None) -> SafeString:
    markers, ticks = strip_markers(incident, now=now)
    by_name = {marker.name: marker for marker in markers}
    restored = by_name.get("restored_at")
    impact_end = restored.x if restored else WIDTH - PAD
    impact = format_html(
        '<rect class="impact" x="{}" y="{}" width="{}" height="12"><title>{}</title></rect>',
        PAD,
        AXIS_Y - 6,
        round(max(impact_end - PAD, 1), 1),
        "Without service" if restored else "Without service so far",
    )
    tick_marks = format_html_join(
        "",
        '<line class="event-tick kind-{}" x1="{}" y1="{}" x2="{}" y2="{}">'
        "<title>{} {}</title></line>",
        (
            (
                event.kind,
                x,
                AXIS_Y - 4,
                x,
                AXIS_Y + 4,
                event.get_kind_display(),
                _time(event.occurred_at, with_day=True),
            )
            for x, event in ticks
        ),
    )
    marker_marks = format_html_join(
        "",
        '<g class="marker marker-{}"><line class="marker-stem" x1="{}" y1="{}" x2="{}" y2="{}">'
        '</line><circle cx="{}" cy="{}" r="5"></circle>'
        '<text x="{}" y="{}" text-anchor="{}">{}</text></g>',
        (
            (
                marker.css_class,
                marker.x,
                AXIS_Y,
                marker.x,
                _stem_end(LABEL_ROWS[marker.row]),
                marker.x,
                AXIS_Y,
                marker.x,
                LABEL_ROWS[marker.row],
                marker.anchor,
                marker.label,
            )
            for marker in markers
        ),
    )
    description = "; ".join(marker.label for marker in markers)
    events = f"{len(ticks)} timeline event{'s' if len(ticks) != 1 else ''}"
    return format_html(
        '<svg class="timeline-strip" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}{}{}</svg>',
        f"Timeline: {description}; {events}.",
        WIDTH,
        HEIGHT,
        PAD,
        AXIS_Y,
        WIDTH - PAD,
        AXIS_Y,
        impact,
        tick_marks,
        marker_marks,
    )
