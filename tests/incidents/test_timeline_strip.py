"""The incident's timeline as a picture: its moments as labelled markers on a time axis, its
timeline events as ticks, drawn as inline SVG with a text alternative."""

from datetime import timedelta

from django.utils import timezone

from incidents import services
from incidents.timeline_strip import HEIGHT, PAD, WIDTH, strip_markers, timeline_strip
from tests.incidents.factories import declared


def test_every_recorded_moment_is_a_labelled_marker_in_time_order(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=100)
    services.incident_acknowledge(incident=incident, by=alice)
    services.incident_mark_restored(
        incident=incident, restored_at=timezone.now() - timedelta(minutes=50), by=alice
    )
    incident.refresh_from_db()
    markers, ticks = strip_markers(incident)
    names = [marker.name for marker in markers]
    assert names[0] == "started_at" and "restored_at" in names and "acknowledged_at" in names
    assert "resolved_at" not in names
    xs = {marker.name: marker.x for marker in markers}
    assert xs["started_at"] == PAD
    # Restored 50 of 100 minutes in: about the middle of the axis.
    assert abs(xs["restored_at"] - WIDTH / 2) < 15
    assert len(ticks) == incident.events.count()


def test_the_svg_names_the_moments_for_screen_readers_and_uses_no_style(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=30)
    services.incident_add_note(incident=incident, body="Rolled back", by=alice)
    svg = str(timeline_strip(incident))
    assert svg.startswith('<svg class="timeline-strip" role="img" aria-label="Timeline: Impact')
    assert f'viewBox="0 0 {WIDTH} {HEIGHT}"' in svg
    assert 'class="event-tick kind-note"' in svg
    assert 'class="marker marker-started"' in svg
    assert "style=" not in svg


def test_labels_that_would_overlap_go_to_different_rows(alice, checkout):
    incident = declared(reporter=alice, service=checkout, minutes_ago=600)
    services.incident_acknowledge(incident=incident, by=alice)
    services.incident_mark_restored(incident=incident, restored_at=None, by=alice)
    incident.refresh_from_db()
    markers, _ = strip_markers(incident)
    late = [marker for marker in markers if marker.name != "started_at"]
    # Acknowledged and restored are moments apart at the right end: never the same row.
    assert len({marker.row for marker in late}) == len(late)
    assert all(marker.anchor == "end" for marker in late)


def test_titles_in_the_picture_are_escaped(alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    services.incident_add_note(incident=incident, body="<script>alert(1)</script>", by=alice)
    assert "<script>" not in str(timeline_strip(incident))


def test_the_incident_page_shows_the_strip(alice_client, alice, checkout):
    incident = declared(reporter=alice, service=checkout)
    html = alice_client.get(incident.get_absolute_url()).text
    assert '<svg class="timeline-strip"' in html
