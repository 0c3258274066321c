"""The floor the learning pages are measured against: for each of them, one hand-written SQL
statement (bench/raw_sql.py) that computes every number the page shows straight from the
tables, with no ORM, no cache and no stored weekly figures. The team page's: the four keys and
rework rate of the period and the previous one with their counts, 90th percentiles and DORA
buckets, failed deployment recovery time, the twelve weeks behind the sparklines, incidents
per week by severity, restore times per quarter, contributing-factor categories per month,
blameful wording per month, postmortem health, recurring factor categories, follow-up
completion, open follow-ups, and the culture pulse of the last four quarters with what was
learned beside it. The organisation page's: the same but the team's follow-ups and
recurrences, plus the culture survey and each team against its own previous period.

    time_raw(repetitions) -> {page name: {"median_ms": ..., "p95_ms": ...}}
    raw_numbers(period=..., team=...) -> {name: number}, equal to
    page_numbers(response), which reads the same names from the page the test client rendered.

The viewer is one who may see every incident (the benchmark's): the reference names private
incidents like any other.

PostgreSQL only (percentile_cont, AT TIME ZONE, json_build_array): on SQLite `time_raw`
measures nothing and the benchmark's table says why."""

import json
import statistics
import time
from datetime import date, datetime, timedelta
from datetime import time as midnight_time

from django.db import connection
from django.utils import timezone

from culture.models import Kind, quarter_label
from culture.selectors import minimum_responses
from incidents.models import Severity, Team
from learning.export import Series
from learning.metrics import frequency_bucket, lead_time_bucket
from learning.periods import Period
from learning.views import Chart

from .pages import _percentile
from .raw_sql import ORGANISATION_PAGE, TEAM_PAGE

TEAM_PAGE_NAME = "team learning page"
ORGANISATION_PAGE_NAME = "organisation learning page"
SPARKLINE_WEEKS = 12
CULTURE_QUARTERS = 4
MICROSECONDS_PER_HOUR = 3_600_000_000
MICROSECONDS_PER_DAY = 86_400_000_000
WHY_NOT_SQLITE = (
    "the hand-written reference queries are PostgreSQL-only"
    " (percentile_cont, AT TIME ZONE, json_build_array)"
)
DESCRIPTION = (
    "one hand-written SQL statement per learning page computing every number it shows"
    " (bench/raw.py)"
)


def supported() -> bool:
    return connection.vendor == "postgresql"


def reference() -> str:
    """What the benchmark's "raw ms" column measured, for its table."""
    return DESCRIPTION if supported() else f"not measured: {WHY_NOT_SQLITE}"


def _local_midnight(day: date) -> datetime:
    # Every learning figure cuts days in the configured time zone, whoever reads it.
    return timezone.make_aware(
        datetime.combine(day, midnight_time.min), timezone.get_default_timezone()
    )


def parameters(*, period: Period, team: Team | None) -> dict:
    first_week_day = period.end - timedelta(days=7 * SPARKLINE_WEEKS - 1)
    return {
        "team": team.pk if team else None,
        "zone": timezone.get_default_timezone_name(),
        "previous_start": period.previous().start_at,
        "current_start": period.start_at,
        "end_before": period.end_before,
        "weeks_start": Period(first_week_day, first_week_day).start_at,
        "weeks_first_day": first_week_day,
        "trend_start": _local_midnight(period.start),
        "trend_end_before": _local_midnight(period.end + timedelta(days=1)),
        "today": timezone.localdate(),
        "now": timezone.now(),
        **_culture_parameters(period),
    }


def culture_quarters(period: Period) -> list[Period]:
    """The calendar quarters of the culture section: the four up to the period's end."""
    quarters = [Period.quarter_of(period.end)]
    while len(quarters) < CULTURE_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    return quarters


def _culture_parameters(period: Period) -> dict:
    quarters = culture_quarters(period)
    first, last = quarters[0], quarters[-1]
    return {
        "culture_first_quarter": first.start,
        "culture_last_quarter": last.start,
        # Recurrences are found among the incidents that started in the quarters.
        "culture_start": _local_midnight(first.start),
        "culture_end_before": _local_midnight(last.end + timedelta(days=1)),
        "quarters_start": first.start_at,
        "quarters_end_before": last.end_before,
    }


def raw_rows(*, period: Period, team: Team | None = None) -> dict[str, list[list]]:
    """The rows of the page's statement (the team's when `team` is given, else the
    organisation's), by section. One query."""
    sql = TEAM_PAGE if team is not None else ORGANISATION_PAGE
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters(period=period, team=team))
        fetched = cursor.fetchall()
    sections: dict[str, list[list]] = {}
    for section, values in fetched:
        sections.setdefault(section, []).append(
            json.loads(values) if isinstance(values, str) else values
        )
    return sections


# -- From the rows to the page's numbers ----------------------------------------------------


def _hours(microseconds: float | None) -> float | None:
    return None if microseconds is None else round(microseconds / MICROSECONDS_PER_HOUR, 2)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _duration(microseconds: float | None) -> timedelta | None:
    return None if microseconds is None else timedelta(microseconds=microseconds)


def _steps(period: Period, unit: str) -> list[date]:
    """The first days of the calendar weeks (Monday), months or quarters overlapping `period`."""
    if unit == "week":
        first = period.start - timedelta(days=period.start.weekday())
    else:
        months = 3 if unit == "quarter" else 1
        first = period.start.replace(month=(period.start.month - 1) // months * months + 1, day=1)
    steps = []
    while first <= period.end:
        steps.append(first)
        if unit == "week":
            first += timedelta(days=7)
        else:
            index = first.year * 12 + first.month - 1 + (3 if unit == "quarter" else 1)
            first = date(index // 12, index % 12 + 1, 1)
    return steps


def _headlines(rows: dict, period: Period) -> dict:
    previous = period.previous()
    per_day = {date.fromisoformat(day): count for day, count in rows.get("deploy days", [])}

    def succeeded(within: Period) -> int:
        return sum(count for day, count in per_day.items() if within.start <= day <= within.end)

    deploy_days = [
        sum(1 for day in per_day if week.start <= day <= week.end) for week in period.weeks()
    ]
    shares = {name: (total, failed, fixes) for name, total, failed, fixes in rows.get("shares", [])}
    total, failed, fixes = shares.get("current", (0, 0, 0))
    total_before, failed_before, fixes_before = shares.get("previous", (0, 0, 0))

    def percentiles(section: str) -> dict:
        return {name: values for name, *values in rows.get(section, [])}

    lead = percentiles("lead time")
    restore = percentiles("restore")
    recovery = percentiles("recovery")
    lead_now = lead.get("current", [0, None, None])
    lead_before = lead.get("previous", [0, None, None])
    restore_now = restore.get("current", [0, None, None])
    restore_before = restore.get("previous", [0, None, None])
    recovery_now = recovery.get("current", [0, None])
    recovery_before = recovery.get("previous", [0, None])
    numbers = {}

    def figure(name, value, before, count, bucket=None):
        numbers.update(
            {
                f"{name}": value,
                f"{name}, previous period": before,
                f"{name}, n": count,
                f"{name}, DORA bucket": bucket,
            }
        )

    now_count, before_count = succeeded(period), succeeded(previous)
    figure(
        "Deployment frequency",
        now_count * 7 / period.days,
        before_count * 7 / previous.days,
        now_count,
        frequency_bucket(deploy_days),
    )
    median = _duration(lead_now[1])
    figure(
        "Lead time for changes",
        median,
        _duration(lead_before[1]),
        lead_now[0],
        lead_time_bucket(median),
    )
    figure(
        "Lead time for changes, 90th percentile",
        _duration(lead_now[2]),
        _duration(lead_before[2]),
        lead_now[0],
    )
    figure("Change failure rate", _share(failed, total), _share(failed_before, total_before), total)
    figure(
        "Time to restore",
        _duration(restore_now[1]),
        _duration(restore_before[1]),
        restore_now[0],
    )
    figure(
        "Time to restore, 90th percentile",
        _duration(restore_now[2]),
        _duration(restore_before[2]),
        restore_now[0],
    )
    figure("Rework rate", _share(fixes, total), _share(fixes_before, total_before), total)
    figure(
        "Failed deployment recovery time",
        _duration(recovery_now[1]),
        _duration(recovery_before[1]),
        recovery_now[0],
    )
    return numbers


def _weekly(rows: dict, period: Period) -> list[list]:
    first = period.end - timedelta(days=7 * SPARKLINE_WEEKS - 1)
    counts = {week: values for week, *values in rows.get("week", [])}
    lead = dict(rows.get("week lead time", []))
    restore = dict(rows.get("week restore", []))
    table = []
    for index in range(SPARKLINE_WEEKS):
        succeeded, total, failed, fixes = counts.get(index, (0, 0, 0, 0))
        start = first + timedelta(days=7 * index)
        table.append(
            [
                start.isoformat(),
                (start + timedelta(days=6)).isoformat(),
                succeeded,
                _hours(lead.get(index)),
                _rounded(_share(failed, total)),
                _hours(restore.get(index)),
                _rounded(_share(fixes, total)),
            ]
        )
    return table


def _trends(rows: dict, period: Period) -> dict[str, list[list]]:
    incidents = {(week, severity): count for week, severity, count in rows.get("incidents", [])}
    per_week = []
    for week in _steps(period, "week"):
        counts = [incidents.get((week.isoformat(), level), 0) for level in Severity]
        per_week.append([week.isoformat(), *counts, sum(counts)])
    quarters = {quarter: values for quarter, *values in rows.get("restore quarter", [])}
    restore = [
        [quarter.isoformat(), *quarters.get(quarter.isoformat(), [0] * 7)]
        for quarter in _steps(period, "quarter")
    ]
    factors = {(month, name): count for month, name, _, count in rows.get("factors", [])}
    categories = (
        [name for _, name in sorted({(position, name) for _, name, position, _ in rows["factors"]})]
        if rows.get("factors")
        else []
    )
    factor_rows = [
        [month.isoformat(), *[factors.get((month.isoformat(), name), 0) for name in categories]]
        for month in _steps(period, "month")
    ]
    blameful = {month: (count, average) for month, count, average in rows.get("blameful", [])}
    blameful_rows = []
    for month in _steps(period, "month"):
        count, average = blameful.get(month.isoformat(), (0, None))
        blameful_rows.append(
            [month.isoformat(), count, None if average is None else round(average, 2)]
        )
    [(major, published, days_to_publish)] = rows["health"]
    return {
        "incidents-per-week": per_week,
        "restore-distribution": restore,
        "factor-categories": factor_rows,
        "factor-categories, categories": categories,
        "blameful-wording": blameful_rows,
        "postmortem-health": [
            [
                major,
                published,
                _rounded(_share(published, major)),
                _rounded(
                    None if days_to_publish is None else days_to_publish / MICROSECONDS_PER_DAY, 1
                ),
            ]
        ],
    }


def _team_only(rows: dict) -> dict:
    recurring = sorted(rows.get("recurring", []), key=lambda row: (row[0], row[1]))
    recurring.sort(key=lambda row: row[4], reverse=True)
    [(on_time, due_and_decided, open_count, overdue, close, open_now)] = rows["completion"]
    [(postmortems, items)] = rows["per postmortem"]
    return {
        "recurring-factors": [
            [service, category, " ".join(f"INC-{pk}" for pk in incidents), first, last]
            for service, category, incidents, first, last in recurring
        ],
        "followup-completion": [
            [
                _rounded(_share(on_time, due_and_decided)),
                overdue,
                open_count,
                _rounded(None if close is None else close / MICROSECONDS_PER_DAY, 1),
                _rounded(_share(items, postmortems), 1),
            ]
        ],
        "open follow-ups": open_now,
    }


def _team_trends(rows: dict, period: Period) -> list[list]:
    previous = period.previous()
    table = []
    for name, *counts, _ in sorted(rows.get("team trends", []), key=lambda row: row[-1]):
        succeeded, succeeded_before, total, total_before, failed, failed_before, now, before = (
            counts
        )
        table.append(
            [
                name,
                _rounded(succeeded * 7 / period.days, 2),
                _rounded(succeeded_before * 7 / previous.days, 2),
                _rounded(_share(failed, total)),
                _rounded(_share(failed_before, total_before)),
                now,
                before,
            ]
        )
    return table


def _culture(rows: dict, period: Period, team: Team | None) -> dict[str, list[list]]:
    """The culture section's tables: per quarter, the responses (or why none show), each
    statement's mean, the generative-culture score and what was learned beside them."""
    quarters = culture_quarters(period)
    minimum = minimum_responses()
    today = timezone.localdate()
    sizes: dict[tuple, dict] = {}
    for kind, quarter, team_pk, size in rows.get("culture sizes", []):
        sizes.setdefault((kind, quarter), {})[team_pk] = size
    sums = {
        (kind, quarter, statement): (total, answered)
        for kind, quarter, statement, total, answered in rows.get("culture answers", [])
    }
    survey_closed = dict(rows.get("survey closed", []))
    published = dict(rows.get("published per quarter", []))
    done = dict(rows.get("done per quarter", []))
    came_back = dict(rows.get("came back", []))
    tables = {}
    for kind in [Kind.PULSE] if team is not None else [Kind.PULSE, Kind.SURVEY]:
        table = []
        for quarter in quarters:
            start = quarter.start.isoformat()
            ended = quarter.end < today
            closed = survey_closed.get(start, ended) if kind == Kind.SURVEY else ended
            group = sizes.get((kind.value, start), {})
            if team is not None:
                large_enough = group.get(team.pk, 0) >= minimum
                size = group.get(team.pk, 0)
            else:
                # Small teams together must not be few, or the organisation would reveal them.
                small = sum(n for key, n in group.items() if key is not None and n < minimum)
                size = sum(group.values())
                large_enough = size >= minimum and (small == 0 or small >= minimum)
            shown = closed and large_enough
            means = []
            for statement in kind.statements:
                total, answered = sums.get((kind.value, start, statement.key), (0, 0))
                means.append(total / answered if shown and answered else None)
            known = [mean for mean in means if mean is not None]
            hidden = f"Fewer than {minimum}" if closed else "Still open"
            table.append(
                [
                    quarter_label(quarter.start),
                    size if shown else hidden,
                    *[_rounded(mean, 2) for mean in means],
                    _rounded(sum(known) / len(known), 2) if known else None,
                    published.get(start, 0),
                    done.get(start, 0),
                    came_back.get(start, 0),
                ]
            )
        tables[f"culture-{kind.value}"] = table
    return tables


def raw_numbers(*, period: Period, team: Team | None = None) -> dict:
    """Every number of the team's (or the organisation's) learning page for `period`, named as
    `page_numbers` names them, from the page's one hand-written statement."""
    rows = raw_rows(period=period, team=team)
    numbers = _headlines(rows, period)
    numbers.update(_flat("four-keys-weekly", _weekly(rows, period)))
    sections = _trends(rows, period) | _culture(rows, period, team)
    if team is not None:
        sections |= _team_only(rows)
    for name, value in sections.items():
        numbers.update(_flat(name, value))
    if team is None:
        numbers.update(_flat("team-trends", _team_trends(rows, period)))
    [(nothing_yet,)] = rows["nothing yet"]
    numbers["nothing yet"] = nothing_yet
    return numbers


# -- The same numbers read from the rendered page -------------------------------------------


def _flat(name: str, rows: list) -> dict:
    """A table's cells by position, and its number of rows; a flat list as itself."""
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        return {name: rows}
    cells = {f"{name}: rows": len(rows)}
    for row_index, row in enumerate(rows):
        for column, value in enumerate(row):
            cells[f"{name}[{row_index}][{column}]"] = value
    return cells


def page_numbers(response) -> dict:
    """Every number a learning page rendered by the test client shows, from its templates'
    contexts, named as `raw_numbers` names them: its headline figures, every table (Series) of
    the page, and the culture section's."""
    page = next(context for context in response.context if "headlines" in context)
    culture = next(context for context in response.context if "not_enough" in context)
    numbers = {}
    for headline in page["headlines"]:
        figures = [(headline.name, headline.figure)]
        if headline.p90 is not None:
            figures.append((f"{headline.name}, 90th percentile", headline.p90))
        for name, figure in figures:
            numbers.update(_figure(name, figure))
    recovery = page["keys"].failed_deployment_recovery_time.median
    numbers.update(_figure("Failed deployment recovery time", recovery))
    tables = []
    for value in page.flatten().values():
        if isinstance(value, Series):
            tables.append(value)
        elif isinstance(value, dict) and all(isinstance(one, Chart) for one in value.values()):
            tables.extend(chart.series for chart in value.values())
    tables.extend(chart["series"] for chart in culture["charts"])
    for table in tables:
        numbers.update(_flat(table.name, table.rows))
    numbers["factor-categories, categories"] = page["charts"]["factors"].series.header[1:]
    if "open_followups" in page:
        numbers["open follow-ups"] = page["open_followups"]
    numbers["nothing yet"] = page["nothing_yet"]
    return numbers


def _figure(name: str, figure) -> dict:
    return {
        name: figure.value,
        f"{name}, previous period": figure.previous,
        f"{name}, n": figure.count,
        f"{name}, DORA bucket": figure.bucket,
    }


# -- Timing ---------------------------------------------------------------------------------


def time_raw(repetitions: int, *, today: date | None = None) -> dict[str, dict]:
    """The median and 95th percentile in milliseconds of the statement of each learning page
    (named as in bench.pages.measured_pages), over the same last 30 days the pages show, for
    the same team; nothing on SQLite (WHY_NOT_SQLITE)."""
    if not supported():
        return {}
    day = today or timezone.localdate(timezone=timezone.get_default_timezone())
    period = Period.last_30_days(today=day)
    team = Team.objects.order_by("pk").first()
    queries = {
        TEAM_PAGE_NAME: lambda: raw_rows(period=period, team=team),
        ORGANISATION_PAGE_NAME: lambda: raw_rows(period=period),
    }
    timings = {}
    for name, query in queries.items():
        query()  # warm the database's caches, as the pages' first request does
        seconds = []
        for _ in range(repetitions):
            started = time.perf_counter()
            query()
            seconds.append(time.perf_counter() - started)
        timings[name] = {
            "median_ms": statistics.median(seconds) * 1000,
            "p95_ms": _percentile(seconds, 0.95) * 1000,
        }
    return timings
