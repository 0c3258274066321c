"""The incident page: every change works through htmx (answering the live region only) and
as a plain form post without JavaScript (redirecting back to the page)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Status, TimelineEvent
from tests.conftest import HTMX

from .factories import declared, resolved
from .test_validation import local_input


@pytest.fixture
def incident(alice, checkout):
    return declared(reporter=alice, service=checkout, minutes_ago=45)


def url(incident, action=""):
    return f"/incidents/{incident.pk}/{action + '/' if action else ''}"


def is_fragment(response):
    return 'id="incident-live"' in response.text and "<html" not in response.text


def test_the_page_shows_the_facts_and_the_timeline(alice_client, incident):
    response = alice_client.get(url(incident))
    assert response.status_code == 200
    assert "Checkout errors" in response.text
    assert "SEV2" in response.text
    assert "Major: a core feature is degraded" in response.text
    assert "Declared as SEV2." in response.text
    assert "Alice" in response.text  # people by name, not username


def test_the_page_needs_a_login(client, incident):
    response = client.get(url(incident))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_incident_is_404(alice_client, db):
    assert alice_client.get("/incidents/9999/").status_code == 404


class TestStatusChange:
    def test_htmx_gets_the_live_region_with_the_new_status(self, alice_client, incident):
        response = alice_client.post(
            url(incident, "status"), {"status": "identified", "note": "Bad config"}, headers=HTMX
        )
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Status changed to Identified." in response.text
        assert "Investigating → Identified" in response.text
        incident.refresh_from_db()
        assert incident.status == Status.IDENTIFIED

    def test_without_javascript_it_redirects_to_the_page(self, alice_client, incident):
        response = alice_client.post(url(incident, "status"), {"status": "monitoring"})
        assert response.status_code == 302
        assert response["Location"] == url(incident)
        page = alice_client.get(response["Location"])
        assert "Status changed to Monitoring." in page.text
        incident.refresh_from_db()
        assert incident.status == Status.MONITORING

    def test_an_invalid_status_is_explained_in_the_fragment(self, alice_client, incident):
        response = alice_client.post(
            url(incident, "status"), {"status": "investigating", "note": "keep me"}, headers=HTMX
        )
        assert response.status_code == 422
        assert is_fragment(response)
        assert "The incident is already Investigating." in response.text
        assert 'value="keep me"' in response.text

    def test_an_invalid_status_without_javascript_shows_the_whole_page(
        self, alice_client, incident
    ):
        response = alice_client.post(url(incident, "status"), {"status": "nonsense"})
        assert response.status_code == 422
        assert "<html" in response.text
        assert "Select a valid choice" in response.text


class TestAcknowledge:
    def test_htmx_records_it_and_makes_them_commander(self, alice_client, alice, incident):
        response = alice_client.post(url(incident, "acknowledge"), headers=HTMX)
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Acknowledged; now the incident commander." in response.text
        incident.refresh_from_db()
        assert incident.commander == alice
        assert incident.time_to_acknowledge is not None
        assert "Acknowledge — I&#x27;m on it" not in response.text

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "acknowledge"))
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.acknowledged_at is not None

    def test_twice_is_refused_and_the_commander_kept(self, alice_client, bob, alice, incident):
        incident.commander = bob
        incident.save()
        alice_client.post(url(incident, "acknowledge"))
        response = alice_client.post(url(incident, "acknowledge"), headers=HTMX)
        assert response.status_code == 422
        assert "Already acknowledged at" in response.text
        incident.refresh_from_db()
        assert incident.commander == bob
        assert incident.events.filter(kind=TimelineEvent.Kind.ACKNOWLEDGED).count() == 1


class TestSeverityChange:
    def test_htmx(self, alice_client, incident):
        response = alice_client.post(url(incident, "severity"), {"severity": "1"}, headers=HTMX)
        assert response.status_code == 200
        assert is_fragment(response)
        assert "SEV2 → SEV1" in response.text
        incident.refresh_from_db()
        assert incident.severity == 1

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "severity"), {"severity": "3"})
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.severity == 3
        assert incident.events.filter(kind=TimelineEvent.Kind.SEVERITY_CHANGE).count() == 1


class TestServiceRestored:
    def test_htmx_shows_the_time_to_restore(self, alice_client, incident):
        restored_at = incident.started_at + timedelta(minutes=32)
        response = alice_client.post(
            url(incident, "restored"), {"restored_at": local_input(restored_at)}, headers=HTMX
        )
        assert response.status_code == 200
        assert is_fragment(response)
        incident.refresh_from_db()
        # The form has minute precision, so the restore time is the minute typed.
        assert incident.restored_at == restored_at.replace(second=0, microsecond=0)
        assert f"Time to restore: {_minutes(incident.time_to_restore)} min" in response.text

    def test_without_javascript(self, alice_client, incident):
        restored_at = timezone.now() - timedelta(minutes=5)
        response = alice_client.post(
            url(incident, "restored"), {"restored_at": local_input(restored_at)}
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.restored_at is not None
        assert incident.events.filter(kind=TimelineEvent.Kind.RESTORED).exists()

    def test_before_impact_started_is_refused_and_the_typed_time_kept(self, alice_client, incident):
        typed = local_input(incident.started_at - timedelta(hours=1))
        response = alice_client.post(
            url(incident, "restored"), {"restored_at": typed}, headers=HTMX
        )
        assert response.status_code == 422
        assert "Service restored cannot be before impact started" in response.text
        assert f'value="{typed}"' in response.text
        incident.refresh_from_db()
        assert incident.restored_at is None

    def test_in_the_future_is_refused_without_javascript(self, alice_client, incident):
        typed = local_input(timezone.now() + timedelta(hours=3))
        response = alice_client.post(url(incident, "restored"), {"restored_at": typed})
        assert response.status_code == 422
        assert "Service restored cannot be in the future." in response.text


class TestTimelineNote:
    def test_htmx_appends_the_note(self, alice_client, alice, incident):
        response = alice_client.post(
            url(incident, "notes"), {"body": "Rolled back to v41"}, headers=HTMX
        )
        assert response.status_code == 200
        assert is_fragment(response)
        assert "Rolled back to v41" in response.text
        note = incident.events.get(kind=TimelineEvent.Kind.NOTE)
        assert note.author == alice

    def test_a_backdated_note_is_placed_in_time_and_marked(self, alice_client, incident):
        earlier = incident.started_at + timedelta(minutes=1)
        alice_client.post(
            url(incident, "notes"), {"body": "Pager fired", "occurred_at": local_input(earlier)}
        )
        events = list(incident.events.all())
        note = next(e for e in events if e.kind == TimelineEvent.Kind.NOTE)
        assert events.index(note) == 0  # before the declaration, which happened later
        assert note.is_backdated

    def test_an_empty_note_is_refused(self, alice_client, incident):
        response = alice_client.post(url(incident, "notes"), {"body": ""}, headers=HTMX)
        assert response.status_code == 422
        assert "This field is required." in response.text

    def test_without_javascript(self, alice_client, incident):
        response = alice_client.post(url(incident, "notes"), {"body": "Customers notified"})
        assert response.status_code == 302
        assert incident.events.filter(body="Customers notified").exists()


class TestReopen:
    def test_htmx(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(
            url(incident, "reopen"), {"reason": "Still failing"}, headers=HTMX
        )
        assert response.status_code == 200
        assert "Incident reopened." in response.text
        incident.refresh_from_db()
        assert incident.status == Status.INVESTIGATING

    def test_without_javascript(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(url(incident, "reopen"), {"reason": "Still failing"})
        assert response.status_code == 302

    def test_a_reason_is_required(self, alice_client, alice, checkout):
        incident = resolved(reporter=alice, service=checkout)
        response = alice_client.post(url(incident, "reopen"), {"reason": ""}, headers=HTMX)
        assert response.status_code == 422
        incident.refresh_from_db()
        assert incident.status == Status.RESOLVED


ACTIONS = ["acknowledge", "status", "severity", "restored", "notes", "reopen"]


@pytest.mark.parametrize("action", ACTIONS)
def test_someone_outside_the_team_cannot_change_it(bob_client, incident, action):
    response = bob_client.post(url(incident, action), {"status": "identified", "body": "x"})
    assert response.status_code == 403


def test_someone_outside_the_team_reads_without_the_controls(bob_client, incident):
    response = bob_client.get(url(incident))
    assert response.status_code == 200
    assert "Change status" not in response.text


@pytest.mark.parametrize("action", ACTIONS)
def test_changes_must_be_posted(alice_client, incident, action):
    assert alice_client.get(url(incident, action)).status_code == 405


def test_timeline_text_is_escaped(alice_client, incident):
    alice_client.post(url(incident, "notes"), {"body": "<script>alert(1)</script>"})
    page = alice_client.get(url(incident))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def _minutes(delta):
    return int(delta.total_seconds() // 60)
