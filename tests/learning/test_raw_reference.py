"""The benchmark's raw queries (bench/raw.py) compute the learning pages' headline numbers
straight from the tables; they must agree with learning.metrics, or the benchmark compares
the pages with something else."""

from datetime import date, timedelta

from bench.raw import raw_four_keys
from incidents.models import Incident
from learning.metrics import ORGANISATION, Scope, four_keys
from learning.periods import Period
from tests.learning.metrics_builders import FAILED, ROLLED_BACK, SUCCEEDED, at, deploy, incident

PERIOD = Period(date(2026, 3, 1), date(2026, 3, 30))


def _microseconds(value: timedelta | None) -> float | None:
    return None if value is None else value / timedelta(microseconds=1)


def _history(checkout, search) -> None:
    """Two months of both teams' deployments and incidents, with every rule's edge: redeployed
    commits, commits without a time, deployments without commits, failures, causes, fixes,
    drills, open incidents, incidents in the bin, and a staging deployment."""
    outcomes = [SUCCEEDED, FAILED, SUCCEEDED, ROLLED_BACK, SUCCEEDED, SUCCEEDED]
    for back in range(60):
        day = PERIOD.end - timedelta(days=back)
        for service in (checkout, search):
            commits = {f"{service.slug}-{back // 3}": at(day, 9 - back % 7)}
            if back % 4 == 0:
                commits[f"{service.slug}-untimed-{back}"] = None
            deployment = deploy(
                service,
                at(day, 10 + back % 3),
                outcome=outcomes[(back + service.pk) % len(outcomes)],
                commits=commits if back % 5 else None,
                first_commit_at=at(day, 1 + back % 5),
            )
            if back % 4 == 1:
                started = at(day, 12)
                made = incident(
                    service,
                    started,
                    restored=None if back == 5 else started + timedelta(minutes=7 * back + 3),
                    caused_by=deployment if back % 8 == 1 else None,
                    is_drill=back % 12 == 9,
                )
                # Fixes of incidents that are not drills (drills fall on back % 12 == 9).
                if back % 3 == 1:
                    deploy(service, at(day, 15), remediates=made, first_commit_at=at(day, 14))
                # In the bin, among them one with a fix (13) and one with a cause (33).
                if back in (13, 21, 33):
                    Incident.all_objects.filter(pk=made.pk).update(deleted_at=at(day, 18))
        deploy(checkout, at(day, 16), environment="staging", first_commit_at=at(day, 15))


def _assert_agrees(raw: dict, keys) -> None:
    for name, value_of in (("current", "value"), ("previous", "previous")):
        row = raw[name]

        def value(figure, value_of=value_of):
            return getattr(figure, value_of)

        assert row["deployments_per_week"] == value(keys.deployment_frequency.per_week)
        assert row["change_failure_rate"] == value(keys.change_failure_rate)
        assert row["rework_rate"] == value(keys.rework_rate)
        for column, figure in (
            ("lead_time_p50", keys.lead_time_for_changes.median),
            ("lead_time_p90", keys.lead_time_for_changes.p90),
            ("restore_p50", keys.time_to_restore.median),
            ("restore_p90", keys.time_to_restore.p90),
            ("recovery_p50", keys.failed_deployment_recovery_time.median),
        ):
            assert _microseconds(value(figure)) == _rounded(row[column]), column
    current = raw["current"]
    assert current["total"] == keys.change_failure_rate.count
    assert current["lead_time_count"] == keys.lead_time_for_changes.median.count
    assert current["restore_count"] == keys.time_to_restore.median.count


def _rounded(microseconds: float | None) -> float | None:
    # The metrics carry durations as timedeltas, which hold whole microseconds.
    return (
        None
        if microseconds is None
        else timedelta(microseconds=microseconds) / timedelta(microseconds=1)
    )


def test_the_raw_query_agrees_with_the_organisations_four_keys(checkout, search):
    _history(checkout, search)

    _assert_agrees(raw_four_keys(period=PERIOD), four_keys(scope=ORGANISATION, period=PERIOD))


def test_the_raw_query_agrees_with_a_teams_four_keys(checkout, search):
    _history(checkout, search)

    _assert_agrees(
        raw_four_keys(period=PERIOD, team=checkout.team),
        four_keys(scope=Scope(team=checkout.team), period=PERIOD),
    )


def test_the_raw_query_has_no_figures_without_history(payments):
    raw = raw_four_keys(period=PERIOD, team=payments)

    assert raw["current"]["change_failure_rate"] is None
    assert raw["current"]["lead_time_p50"] is None
    assert raw["previous"]["deployments_per_week"] == 0
