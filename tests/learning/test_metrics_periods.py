"""Reporting periods: whole local days, their weeks, and the period before them."""

from datetime import UTC, date, datetime

import pytest

from learning.periods import Period


def test_the_last_days_end_today():
    assert Period.last_7_days(today=date(2026, 3, 10)) == Period(
        date(2026, 3, 4), date(2026, 3, 10)
    )
    assert Period.last_30_days(today=date(2026, 3, 30)).start == date(2026, 3, 1)
    assert Period.last_90_days(today=date(2026, 3, 31)).days == 90


def test_the_previous_period_has_as_many_days_and_ends_the_day_before():
    march = Period(date(2026, 3, 1), date(2026, 3, 30))

    assert march.previous() == Period(date(2026, 1, 30), date(2026, 2, 28))


def test_the_quarter_before_a_quarter_is_the_previous_calendar_quarter():
    assert Period.quarter(2026, 2) == Period(date(2026, 4, 1), date(2026, 6, 30))
    assert Period.quarter(2026, 2).previous() == Period(date(2026, 1, 1), date(2026, 3, 31))
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.quarter_of(date(2025, 12, 31)) == Period(date(2025, 10, 1), date(2025, 12, 31))


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        Period(date(2026, 3, 2), date(2026, 3, 1))


def test_weeks_count_back_from_the_last_day_and_leave_the_oldest_odd_days_out():
    weeks = Period(date(2026, 3, 1), date(2026, 3, 30)).weeks()

    assert [(week.start, week.end) for week in weeks] == [
        (date(2026, 3, 3), date(2026, 3, 9)),
        (date(2026, 3, 10), date(2026, 3, 16)),
        (date(2026, 3, 17), date(2026, 3, 23)),
        (date(2026, 3, 24), date(2026, 3, 30)),
    ]
    assert Period(date(2026, 3, 1), date(2026, 3, 6)).weeks() == []


def test_boundaries_are_local_midnight_in_the_configured_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    march = Period(date(2026, 3, 1), date(2026, 3, 31))

    # Berlin is an hour ahead of UTC in winter, two hours in summer (from 29 March 2026).
    assert march.start_at == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert march.end_before == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert march.contains(datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    assert not march.contains(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
