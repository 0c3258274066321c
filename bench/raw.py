"""The floor the learning pages are measured against: for each of them, one hand-written SQL
query that computes the page's headline numbers (the four keys and rework rate for the period
and the previous one, docs/metrics.md) straight from the tables, with no ORM and no cache.

    time_raw(repetitions) -> {page name: {"median_ms": ..., "p95_ms": ...}}

Runs on PostgreSQL (percentile_cont) and SQLite (the same percentiles from numbered rows)."""

import statistics
import time
from datetime import datetime

from django.db import connection
from django.utils import timezone

from incidents.models import Team
from learning.periods import Period

from .pages import _percentile

# The samples of the two periods, then one row per period. %(...)s are the query's parameters;
# {duration} (microseconds between two timestamps) and {percentiles} differ per database.
QUERY = """
WITH deployments AS (
    SELECT d.id, d.service_id, d.deployed_at, d.outcome, d.first_commit_at, d.remediates_id,
        CASE WHEN d.deployed_at < %(current_start)s THEN 'previous' ELSE 'current' END AS period
    FROM incidents_deployment d
    JOIN incidents_service s ON s.id = d.service_id
    WHERE d.environment = 'production'
        AND d.deployed_at >= %(previous_start)s AND d.deployed_at < %(end_before)s
        AND (%(team)s IS NULL OR s.team_id = %(team)s)
),
lead_times AS (
    SELECT d.period, {lead_time} AS sample
    FROM deployments d
    LEFT JOIN incidents_deploymentcommit c ON c.deployment_id = d.id
    WHERE d.outcome = 'succeeded'
        -- A commit counts at the first successful production deployment of its service.
        AND NOT EXISTS (
            SELECT 1 FROM incidents_deploymentcommit e
            JOIN incidents_deployment f ON f.id = e.deployment_id
            WHERE e.sha = c.sha AND f.service_id = d.service_id
                AND f.environment = 'production' AND f.outcome = 'succeeded'
                AND (f.deployed_at < d.deployed_at
                    OR (f.deployed_at = d.deployed_at AND f.id < d.id))
        )
),
restores AS (
    SELECT CASE WHEN i.started_at < %(current_start)s THEN 'previous' ELSE 'current' END
            AS period,
        {restore} AS sample,
        COALESCE(cause.environment = 'production', FALSE) AS caused_by_production
    FROM incidents_incident i
    LEFT JOIN incidents_deployment cause ON cause.id = i.caused_by_deployment_id
    -- Incidents in the bin count nowhere, as on the pages.
    WHERE NOT i.is_drill AND i.deleted_at IS NULL AND i.restored_at IS NOT NULL
        AND i.started_at >= %(previous_start)s AND i.started_at < %(end_before)s
        AND (%(team)s IS NULL OR i.team_id = %(team)s)
),
samples AS (
    SELECT period, 'lead_time' AS metric, sample FROM lead_times WHERE sample > 0
    UNION ALL SELECT period, 'restore', sample FROM restores
    UNION ALL SELECT period, 'recovery', sample FROM restores WHERE caused_by_production
){ranked}
SELECT p.period,
    (SELECT COUNT(*) FROM deployments d WHERE d.period = p.period AND d.outcome = 'succeeded'),
    (SELECT COUNT(*) FROM deployments d WHERE d.period = p.period),
    (SELECT COUNT(*) FROM deployments d WHERE d.period = p.period
        AND (d.outcome IN ('failed', 'rolled_back') OR EXISTS (
            SELECT 1 FROM incidents_incident i
            WHERE i.caused_by_deployment_id = d.id AND NOT i.is_drill
                AND i.deleted_at IS NULL))),
    (SELECT COUNT(*) FROM deployments d JOIN incidents_incident r ON r.id = d.remediates_id
        WHERE d.period = p.period AND NOT r.is_drill AND r.deleted_at IS NULL),
    {percentiles}
FROM (SELECT 'current' AS period UNION ALL SELECT 'previous') p
ORDER BY p.period
"""

POSTGRESQL = {
    "lead_time": "(EXTRACT(EPOCH FROM d.deployed_at - COALESCE(c.committed_at, d.first_commit_at))"
    " * 1000000)::bigint",
    "restore": "(EXTRACT(EPOCH FROM i.restored_at - i.started_at) * 1000000)::bigint",
    "ranked": "",
    "percentile": "(SELECT percentile_cont({fraction}) WITHIN GROUP (ORDER BY sample)"
    " FROM samples s WHERE s.period = p.period AND s.metric = '{metric}')",
}
SQLITE = {
    # Django registers django_timestamp_diff on its SQLite connections: microseconds.
    "lead_time": "django_timestamp_diff(d.deployed_at,"
    " COALESCE(c.committed_at, d.first_commit_at))",
    "restore": "django_timestamp_diff(i.restored_at, i.started_at)",
    "ranked": """,
ranked AS (
    SELECT period, metric, sample,
        ROW_NUMBER() OVER (PARTITION BY period, metric ORDER BY sample) - 1 AS position,
        {fraction} * (COUNT(*) OVER (PARTITION BY period, metric) - 1) AS wanted
    FROM samples
)""",
    # Linear interpolation between the closest ranks, as percentile_cont: the value at the
    # wanted position's floor, plus its fraction of the step to the next value.
    "percentile": """(SELECT
        MAX(CASE WHEN position = CAST(wanted AS INTEGER) THEN sample END)
        + (MAX(wanted) - CAST(MAX(wanted) AS INTEGER)) * (
            COALESCE(MAX(CASE WHEN position = CAST(wanted AS INTEGER) + 1 THEN sample END),
                MAX(CASE WHEN position = CAST(wanted AS INTEGER) THEN sample END))
            - MAX(CASE WHEN position = CAST(wanted AS INTEGER) THEN sample END))
        FROM ranked_{index} r WHERE r.period = p.period AND r.metric = '{metric}')""",
}
PERCENTILES = [
    ("lead_time", 0.5),
    ("lead_time", 0.9),
    ("restore", 0.5),
    ("restore", 0.9),
    ("recovery", 0.5),
]
COUNTED = ["lead_time", "restore"]
COLUMNS = [
    "succeeded",
    "total",
    "failed",
    "remediating",
    *(f"{metric}_count" for metric in COUNTED),
    *(f"{metric}_p{round(fraction * 100)}" for metric, fraction in PERCENTILES),
]


def _sql() -> str:
    dialect = POSTGRESQL if connection.vendor == "postgresql" else SQLITE
    counts = [
        f"(SELECT COUNT(*) FROM samples s WHERE s.period = p.period AND s.metric = '{metric}')"
        for metric in COUNTED
    ]
    percentiles = [
        dialect["percentile"].format(fraction=float(fraction), metric=metric, index=index)
        for index, (metric, fraction) in enumerate(PERCENTILES)
    ]
    # SQLite numbers the samples once per percentile wanted.
    ranked = "".join(
        dialect["ranked"].format(fraction=float(fraction)).replace("ranked", f"ranked_{index}")
        for index, (_, fraction) in enumerate(PERCENTILES)
    )
    return QUERY.format(
        lead_time=dialect["lead_time"],
        restore=dialect["restore"],
        ranked=ranked,
        percentiles=",\n    ".join(counts + percentiles),
    )


def raw_four_keys(*, period: Period, team: Team | None = None) -> dict[str, dict]:
    """The headline numbers of the organisation or `team` for `period` ("current") and its
    previous period ("previous"): deployment frequency per week, change failure rate and
    rework rate as fractions (None without deployments), medians and 90th percentiles in
    microseconds (None without samples), and the counts they come from. One query."""
    previous = period.previous()
    params = {
        "previous_start": previous.start_at,
        "current_start": period.start_at,
        "end_before": period.end_before,
        "team": team.pk if team else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_sql(), params)
        rows = cursor.fetchall()
    result = {}
    for name, *values in rows:
        row = dict(zip(COLUMNS, values, strict=True))
        days = period.days if name == "current" else previous.days
        total = row["total"]
        row["deployments_per_week"] = row["succeeded"] * 7 / days
        row["change_failure_rate"] = row["failed"] / total if total else None
        row["rework_rate"] = row["remediating"] / total if total else None
        result[name] = row
    return result


def time_raw(repetitions: int, *, today: datetime | None = None) -> dict[str, dict]:
    """The median and 95th percentile in milliseconds of the raw query of each learning page
    (named as in bench.pages.measured_pages), over the same last 30 days the pages show."""
    day = (today or timezone.now()).astimezone(timezone.get_default_timezone()).date()
    period = Period.last_30_days(today=day)
    team = Team.objects.order_by("pk").first()
    queries = {
        "team learning page": lambda: raw_four_keys(period=period, team=team),
        "organisation learning page": lambda: raw_four_keys(period=period),
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
