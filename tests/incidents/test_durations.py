from datetime import timedelta

import pytest

from incidents.templatetags.debrief import duration

from .factories import declared


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (None, "—"),
        (timedelta(seconds=30), "30 s"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=1, minutes=20), "1 h 20 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(days=2, hours=3, minutes=5), "2 d 3 h"),
        (timedelta(days=1), "1 d"),
    ],
)
def test_durations_read_as_people_say_them(delta, shown):
    assert duration(delta) == shown


def test_derived_durations_are_measured_from_impact_start(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=120)
    start = incident.started_at
    incident.detected_at = start + timedelta(minutes=4)
    incident.acknowledged_at = start + timedelta(minutes=9)
    incident.restored_at = start + timedelta(minutes=47)
    incident.resolved_at = start + timedelta(minutes=90)
    assert [value for _, value in incident.durations] == [
        timedelta(minutes=4),
        timedelta(minutes=9),
        timedelta(minutes=47),
        timedelta(minutes=90),
    ]


def test_an_unrestored_incident_has_no_time_to_restore(alice, checkout):
    assert declared(reporter=alice, service=checkout).time_to_restore is None
