"""Bringing incident events logged after the postmortem started into the narrative."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import TimelineEvent
from postmortems import services

from .conftest import section_of


@pytest.fixture
def timeline(postmortem):
    return section_of(postmortem, "timeline")


def refresh_url(postmortem, timeline):
    return f"/postmortems/{postmortem.pk}/sections/{timeline.section.key}/timeline/refresh/"


def test_new_events_are_appended_once(alice, alice_client, incident, postmortem, timeline):
    incident_services.incident_add_note(incident=incident, body="Queue drained", by=alice)
    response = alice_client.post(refresh_url(postmortem, timeline), follow=True)
    assert "1 incident timeline event(s) added" in response.text
    timeline.refresh_from_db()
    assert timeline.body.count("Queue drained") == 1
    alice_client.post(refresh_url(postmortem, timeline))
    timeline.refresh_from_db()
    assert timeline.body.count("Queue drained") == 1


def test_refresh_works_after_an_autosave(alice, alice_client, incident, postmortem, timeline):
    # The page's version is stale once the editor autosaved; the refresh does not need it.
    services.section_save(
        content=timeline, body=timeline.body + "\n- our note", by=alice, expected_version=1
    )
    incident_services.incident_add_note(incident=incident, body="Queue drained", by=alice)
    response = alice_client.post(refresh_url(postmortem, timeline), follow=True)
    assert "meanwhile" not in response.text
    timeline.refresh_from_db()
    assert "Queue drained" in timeline.body
    assert "- our note" in timeline.body


def test_edited_or_deleted_lines_are_not_added_again(alice, incident, postmortem, timeline):
    services.section_save(
        content=timeline, body="- our own retelling", by=alice, expected_version=timeline.version
    )
    assert services.timeline_refresh(content=timeline, by=alice) == 0
    timeline.refresh_from_db()
    assert timeline.body == "- our own retelling"


def test_a_renamed_author_does_not_duplicate_lines(alice, incident, postmortem, timeline):
    alice.first_name = "Alicia"
    alice.save()
    assert services.timeline_refresh(content=timeline, by=alice) == 0


def test_backdated_events_are_appended_in_the_order_they_occurred(
    alice, incident, postmortem, timeline
):
    now = timezone.now()
    TimelineEvent.objects.create(
        incident=incident, body="later", author=alice, occurred_at=now - timedelta(minutes=5)
    )
    TimelineEvent.objects.create(
        incident=incident, body="earlier", author=alice, occurred_at=now - timedelta(hours=2)
    )
    assert services.timeline_refresh(content=timeline, by=alice) == 2
    timeline.refresh_from_db()
    assert timeline.body.index("earlier") < timeline.body.index("later")
    assert len(timeline.imported_event_ids) == incident.events.count()
