"""Charts as inline SVG, drawn on the server.

Why server-rendered SVG: the pages need a few bars and sparklines, not an interactive
dashboard. Drawing them here needs no JavaScript charting library to vet and update and no CDN
to trust (or to fail), works without JavaScript, prints as crisply as the text around it, and
is tested like any other HTML. Every chart comes with a table of the same numbers
(templates/learning/_chart.html), which is what screen readers and spreadsheets read.

The markup is built only from numbers this module computes and from labels escaped by
format_html; colours come from CSS classes, never from inline styles.
"""

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 320, 140
BAR_AREA_TOP, BAR_AREA_BOTTOM = 8, 112  # the labels go below the bars
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value)


def bar_chart(
    series: Sequence[tuple[str, float | int | None]],
    *,
    label: str,
    css_class: str = "",
) -> SafeString:
    """Vertical bars, one per (label, value) of `series`, scaled to the largest value; a
    missing value (None) draws no bar. `label` names the chart for assistive technology."""
    values = [_number(value) for _, value in series]
    largest = max((value for value in values if value is not None), default=0) or 1
    count = max(len(series), 1)
    slot = WIDTH / count
    bar_width = max(slot * 0.7, 1)
    height = BAR_AREA_BOTTOM - BAR_AREA_TOP
    bars = []
    for index, ((name, _), value) in enumerate(zip(series, values, strict=True)):
        x = round(index * slot + (slot - bar_width) / 2, 2)
        if value is not None:
            bar_height = round(height * max(value, 0) / largest, 2)
            bars.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{}: {}</title></rect>",
                    x,
                    round(BAR_AREA_BOTTOM - bar_height, 2),
                    round(bar_width, 2),
                    bar_height,
                    name,
                    _shown(value),
                )
            )
        # Only a few labels fit under many bars: the first, the last and every fourth.
        if count <= 8 or index % 4 == 0 or index == count - 1:
            bars.append(
                format_html(
                    '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
                    round(index * slot + slot / 2, 2),
                    BAR_AREA_BOTTOM + 16,
                    name,
                )
            )
    return format_html(
        '<svg class="chart bar-chart {}" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        css_class,
        label,
        WIDTH,
        HEIGHT,
        BAR_AREA_BOTTOM,
        WIDTH,
        BAR_AREA_BOTTOM,
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )


def sparkline(values: Sequence[float | int | None], *, label: str = "Trend") -> SafeString:
    """A small line through `values`, oldest first, scaled between their smallest and largest;
    a missing value (None) breaks the line. The last point is marked."""
    numbers = [_number(value) for value in values]
    known = [value for value in numbers if value is not None]
    low, high = (min(known), max(known)) if known else (0, 0)
    spread = (high - low) or 1
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(numbers) - 1, 1)
    usable = SPARK_HEIGHT - 2 * SPARK_PAD
    segments, current, last_point = [], [], None
    for index, value in enumerate(numbers):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x = round(SPARK_PAD + index * step, 2)
        # A flat series sits in the middle rather than on the floor.
        ratio = (value - low) / spread if high != low else 0.5
        y = round(SPARK_HEIGHT - SPARK_PAD - usable * ratio, 2)
        current.append((x, y))
        last_point = (x, y)
    if current:
        segments.append(current)
    lines = format_html_join(
        "",
        '<polyline class="spark-line" fill="none" points="{}"></polyline>',
        ((" ".join(f"{x},{y}" for x, y in segment),) for segment in segments),
    )
    dot = (
        format_html('<circle class="spark-dot" cx="{}" cy="{}" r="2.5"></circle>', *last_point)
        if last_point
        else ""
    )
    return format_html(
        '<svg class="chart sparkline" role="img" aria-label="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">{}{}</svg>',
        label,
        SPARK_WIDTH,
        SPARK_HEIGHT,
        SPARK_WIDTH,
        SPARK_HEIGHT,
        lines,
        dot,
    )


def _shown(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"
