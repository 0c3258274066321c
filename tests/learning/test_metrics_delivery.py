"""Deployment frequency, lead time for changes, change failure rate and rework rate against
values worked out by hand, on SQLite and on PostgreSQL."""

from datetime import date, timedelta

import pytest

from incidents.models import Deployment
from learning.metrics import (
    ORGANISATION,
    FrequencyBucket,
    LeadTimeBucket,
    Scope,
    change_failure_rate,
    deployment_frequency,
    frequency_bucket,
    lead_time_bucket,
    lead_time_for_changes,
    rework_rate,
)
from learning.periods import Period

from .metrics_builders import (
    FAILED,
    FEBRUARY,
    MARCH,
    ROLLED_BACK,
    at,
    deploy,
    incident,
)

# Deployment frequency ----------------------------------------------------------------------


def test_frequency_counts_successful_production_deployments_per_day_week_and_month(
    checkout, search
):
    for day in (2, 2, 3, 10, 17, 24, 25):
        deploy(checkout, at(date(2026, 3, day)))
    deploy(search, at(date(2026, 3, 4)))
    deploy(checkout, at(date(2026, 3, 5)), outcome=FAILED)
    deploy(checkout, at(date(2026, 3, 6)), outcome=ROLLED_BACK)
    deploy(checkout, at(date(2026, 3, 7)), environment="staging")
    deploy(checkout, at(date(2026, 2, 14)))

    frequency = deployment_frequency(scope=ORGANISATION, period=MARCH)

    assert frequency.count == 8
    assert frequency.per_day.value == 8 / 28
    assert frequency.per_week.value == 2.0
    assert frequency.per_month.value == 8 * 30 / 28
    assert frequency.per_week.previous == 0.25
    # Deploy days per week: 3, 1, 1, 2; most weeks have a deployment.
    assert frequency.bucket == FrequencyBucket.DAILY_TO_WEEKLY


def test_a_service_and_a_team_see_only_their_deployments(checkout, search):
    deploy(checkout, at(date(2026, 3, 2)))
    deploy(search, at(date(2026, 3, 2)))
    deploy(search, at(date(2026, 3, 3)))

    assert deployment_frequency(scope=Scope(service=checkout), period=MARCH).count == 1
    assert deployment_frequency(scope=Scope(team=search.team), period=MARCH).count == 2


def test_no_deployments_is_zero_per_day_and_no_bucket_in_a_short_period(checkout):
    frequency = deployment_frequency(scope=ORGANISATION, period=MARCH)

    assert (frequency.per_day.value, frequency.per_day.previous, frequency.count) == (0, 0, 0)
    assert frequency.bucket is None


def test_three_deploy_days_in_most_weeks_is_on_demand(checkout):
    for week_start in (1, 8, 15, 22):
        for offset in (0, 1, 2):
            deploy(checkout, at(date(2026, 3, week_start + offset)))

    assert deployment_frequency(scope=ORGANISATION, period=MARCH).bucket == (
        FrequencyBucket.ON_DEMAND
    )


@pytest.mark.parametrize(
    ("deploy_days_per_week", "bucket"),
    [
        ([3, 3, 0, 5], FrequencyBucket.ON_DEMAND),
        ([3, 2, 3, 2], FrequencyBucket.DAILY_TO_WEEKLY),  # median 2.5 deploy days
        ([1, 1, 1, 0], FrequencyBucket.DAILY_TO_WEEKLY),
        ([0, 1, 1, 0], FrequencyBucket.WEEKLY_TO_MONTHLY),  # half the weeks is not most
        ([0, 1], FrequencyBucket.WEEKLY_TO_MONTHLY),  # fewer than four weeks: one block
        ([0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0], FrequencyBucket.WEEKLY_TO_MONTHLY),
        ([0] * 8 + [1] + [0] * 3, FrequencyBucket.MONTHLY_TO_SIX_MONTHLY),  # 1 block of 3
        ([1, 0, 0, 0, 0], FrequencyBucket.MONTHLY_TO_SIX_MONTHLY),  # oldest week is left over
        ([0] * 26, FrequencyBucket.LESS_THAN_SIX_MONTHLY),
        ([0] * 25, None),
        ([], None),
    ],
)
def test_frequency_buckets(deploy_days_per_week, bucket):
    assert frequency_bucket(deploy_days_per_week) == bucket


def test_frequency_bucket_over_twelve_weeks_counts_four_week_blocks(checkout):
    # 85 days: twelve weeks counted back from 24 May, the oldest from 2 March; 1 March is
    # in none. Deployments in the first and fifth weeks: two of the three blocks.
    twelve_weeks = Period(date(2026, 3, 1), date(2026, 5, 24))
    deploy(checkout, at(date(2026, 3, 1)))
    deploy(checkout, at(date(2026, 3, 2)))
    deploy(checkout, at(date(2026, 3, 30)))

    assert deployment_frequency(scope=ORGANISATION, period=twelve_weeks).bucket == (
        FrequencyBucket.WEEKLY_TO_MONTHLY
    )
    deploy(checkout, at(date(2026, 3, 30)), outcome=FAILED)
    Deployment.objects.filter(deployed_at=at(date(2026, 3, 2))).delete()

    # Two deployments, both in one block (the odd day counts in the rate, not the bucket).
    frequency = deployment_frequency(scope=ORGANISATION, period=twelve_weeks)
    assert frequency.count == 2
    assert frequency.bucket == FrequencyBucket.MONTHLY_TO_SIX_MONTHLY


# Lead time for changes ---------------------------------------------------------------------


def test_lead_time_takes_each_commit_at_its_first_deployment(checkout):
    deploy(
        checkout,
        at(date(2026, 3, 10), 12),
        commits={
            "a": at(date(2026, 3, 10), 11),  # 1 hour
            "b": at(date(2026, 3, 10), 10),  # 2 hours
            "c": at(date(2026, 3, 9), 12),  # 1 day
        },
    )
    deploy(
        checkout,
        at(date(2026, 3, 12), 12),
        first_commit_at=at(date(2026, 3, 10), 12),
        commits={
            "a": at(date(2026, 3, 10), 11),  # deployed before: not counted again
            "b": at(date(2026, 3, 10), 10),
            "d": at(date(2026, 3, 12), 12),  # zero: left out
            "e": at(date(2026, 3, 12), 13),  # committed after deploying: left out
            "f": None,  # the deployment's first commit time: 2 days
        },
    )

    lead_time = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    # Samples 1 h, 2 h, 24 h, 48 h: the median is halfway between 2 h and 24 h, the 90th
    # percentile at position 0.9 × 3 = 2.7, 70 % of the way from 24 h to 48 h.
    assert lead_time.median.count == 4
    assert lead_time.median.value == timedelta(hours=13)
    assert lead_time.p90.value == timedelta(hours=40, minutes=48)
    assert lead_time.median.bucket == LeadTimeBucket.LESS_THAN_DAY


def test_lead_time_of_an_odd_number_of_commits(checkout):
    deploy(
        checkout,
        at(date(2026, 3, 10), 12),
        commits={
            "a": at(date(2026, 3, 10), 11),
            "b": at(date(2026, 3, 10), 10),
            "c": at(date(2026, 3, 9), 12),
        },
    )

    lead_time = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    # Position 0.9 × 2 = 1.8: 80 % of the way from 2 h to 24 h.
    assert lead_time.median.value == timedelta(hours=2)
    assert lead_time.p90.value == timedelta(hours=19, minutes=36)
    assert lead_time.median.count == 3


def test_a_commit_first_deployed_last_period_counts_there_only(checkout):
    deploy(checkout, at(date(2026, 2, 27)), commits={"a": at(date(2026, 2, 26))})
    deploy(
        checkout,
        at(date(2026, 3, 2)),
        commits={"a": at(date(2026, 2, 26)), "b": at(date(2026, 3, 2), 11)},
    )

    lead_time = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    assert (lead_time.median.value, lead_time.median.count) == (timedelta(hours=1), 1)
    assert lead_time.median.previous == timedelta(days=1)
    assert lead_time.median.bucket == LeadTimeBucket.LESS_THAN_DAY


def test_only_successful_production_deployments_of_the_same_service_deliver_a_commit(
    checkout, search
):
    deploy(
        checkout, at(date(2026, 3, 2)), environment="staging", commits={"a": at(date(2026, 3, 1))}
    )
    deploy(checkout, at(date(2026, 3, 3)), outcome=FAILED, commits={"a": at(date(2026, 3, 1))})
    deploy(search, at(date(2026, 3, 3)), commits={"a": at(date(2026, 3, 1))})
    deploy(checkout, at(date(2026, 3, 4)), commits={"a": at(date(2026, 3, 1))})

    checkout_lead_time = lead_time_for_changes(scope=Scope(service=checkout), period=MARCH)
    organisation = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    assert checkout_lead_time.median.value == timedelta(days=3)
    # The same sha is a change to each service it ships in.
    assert (organisation.median.value, organisation.median.count) == (timedelta(days=2.5), 2)


def test_a_deployment_without_recorded_commits_uses_its_first_commit_time(checkout):
    deploy(checkout, at(date(2026, 3, 10)), first_commit_at=at(date(2026, 3, 9)))
    deploy(checkout, at(date(2026, 3, 11)))  # no commit time at all: no sample

    lead_time = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    assert (lead_time.median.value, lead_time.median.count) == (timedelta(days=1), 1)


def test_no_commits_no_lead_time(checkout):
    lead_time = lead_time_for_changes(scope=ORGANISATION, period=MARCH)

    assert (lead_time.median.value, lead_time.p90.value, lead_time.median.count) == (None, None, 0)
    assert lead_time.median.bucket is None


@pytest.mark.parametrize(
    ("lead_time", "bucket"),
    [
        (timedelta(minutes=59), LeadTimeBucket.LESS_THAN_HOUR),
        (timedelta(hours=1), LeadTimeBucket.LESS_THAN_DAY),
        (timedelta(hours=23, minutes=59), LeadTimeBucket.LESS_THAN_DAY),
        (timedelta(days=1), LeadTimeBucket.DAY_TO_WEEK),
        (timedelta(days=7), LeadTimeBucket.WEEK_TO_MONTH),
        (timedelta(days=30), LeadTimeBucket.MONTH_TO_SIX_MONTHS),
        (timedelta(days=180), LeadTimeBucket.MORE_THAN_SIX_MONTHS),
        (None, None),
    ],
)
def test_lead_time_buckets(lead_time, bucket):
    assert lead_time_bucket(lead_time) == bucket


# Change failure rate and rework rate -------------------------------------------------------


def test_no_deployments_is_not_enough_data_rather_than_no_failures(checkout):
    incident(checkout, at(date(2026, 3, 2)))

    rate = change_failure_rate(scope=ORGANISATION, period=MARCH)

    assert (rate.value, rate.previous, rate.count) == (None, None, 0)
    assert rework_rate(scope=ORGANISATION, period=MARCH).value is None


def test_change_failure_rate_counts_each_failed_deployment_once(checkout, search):
    causing_two = deploy(checkout, at(date(2026, 3, 2)))
    incident(checkout, at(date(2026, 3, 2), 13), caused_by=causing_two)
    incident(checkout, at(date(2026, 3, 3)), caused_by=causing_two)
    deploy(checkout, at(date(2026, 3, 4)))
    deploy(checkout, at(date(2026, 3, 5)), outcome=ROLLED_BACK)
    failed_and_causing = deploy(search, at(date(2026, 3, 6)), outcome=FAILED)
    incident(search, at(date(2026, 3, 6), 13), caused_by=failed_and_causing)
    only_a_drill = deploy(checkout, at(date(2026, 3, 7)))
    incident(checkout, at(date(2026, 3, 7), 13), caused_by=only_a_drill, is_drill=True)
    incident(checkout, at(date(2026, 3, 8)))  # no causing deployment
    deploy(checkout, at(date(2026, 3, 9)), environment="staging", outcome=FAILED)
    deploy(checkout, at(date(2026, 2, 9)), outcome=FAILED)
    deploy(checkout, at(date(2026, 2, 10)))

    rate = change_failure_rate(scope=ORGANISATION, period=MARCH)
    checkout_rate = change_failure_rate(scope=Scope(service=checkout), period=MARCH)

    assert (rate.value, rate.count) == (3 / 5, 5)
    assert rate.previous == 0.5
    assert (checkout_rate.value, checkout_rate.count) == (2 / 4, 4)


def test_rework_rate_is_the_share_of_deployments_that_fix_an_incident(checkout):
    outage = incident(checkout, at(date(2026, 3, 1)))
    drill = incident(checkout, at(date(2026, 3, 1)), is_drill=True)
    deploy(checkout, at(date(2026, 3, 2)), remediates=outage)
    deploy(checkout, at(date(2026, 3, 3)), remediates=drill)
    deploy(checkout, at(date(2026, 3, 4)), outcome=FAILED)
    deploy(checkout, at(date(2026, 3, 5)))
    deploy(checkout, at(date(2026, 3, 6)), environment="staging", remediates=outage)
    deploy(checkout, at(date(2026, 2, 6)), remediates=outage)

    rate = rework_rate(scope=ORGANISATION, period=MARCH)

    assert (rate.value, rate.count, rate.previous) == (0.25, 4, 1.0)
    assert MARCH.previous() == FEBRUARY
