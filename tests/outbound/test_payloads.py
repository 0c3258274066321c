"""What each event sends: a Slack-compatible message (text and blocks, user text escaped,
an absolute link) or the documented, signed JSON body."""

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from followups.models import ActionItem
from incidents import services as incident_services
from outbound.events import announce_overdue_followups
from outbound.messages import body_for, incident_declared, slack_escape
from outbound.models import Delivery, Destination
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows

SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/abcdefSECRETpath"
HOSTILE_TITLE = "Checkout <!channel> & <https://evil.example|click> > down"
ESCAPED_TITLE = "Checkout &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &gt; down"


def slack_texts(received) -> str:
    body = received.json
    return "\n".join(
        [body["text"]]
        + [block["text"]["text"] for block in body["blocks"] if "text" in block]
        + [element["text"] for block in body["blocks"] for element in block.get("elements", [])]
    )


def test_slack_declared_message_escapes_the_title_and_links_the_incident(
    slack_hook, receiver, declare
):
    incident = declare(title=HOSTILE_TITLE)

    [received] = receiver.wait_for(1)
    body = received.json
    link = f"{settings.SITE_URL}/incidents/{incident.pk}/"
    assert body["text"] == f"SEV2 incident declared: <{link}|INC-{incident.pk} {ESCAPED_TITLE}>"
    assert body["blocks"][0] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": f"*SEV2 incident declared*\n<{link}|INC-{incident.pk} {ESCAPED_TITLE}>",
        },
    }
    assert body["blocks"][1]["elements"][0]["text"] == "Payments · Checkout"
    # Nothing the user typed survives as markup: no mention, no second link.
    assert "<!channel>" not in slack_texts(received)
    assert "<https://evil.example" not in slack_texts(received)
    assert received.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "X-Debrief-Signature" not in received.headers


def test_json_declared_body_has_the_documented_fields_and_a_valid_signature(
    json_hook, receiver, declare, alice
):
    incident = declare(title=HOSTILE_TITLE, commander=alice)

    [received] = receiver.wait_for(1)
    delivery = Delivery.objects.get()
    expected = (
        "sha256=" + hmac.new(json_hook.secret.encode(), received.body, hashlib.sha256).hexdigest()
    )
    assert received.headers["X-Debrief-Signature"] == expected
    assert received.headers["X-Debrief-Event"] == "incident.declared"
    assert received.headers["X-Debrief-Delivery"] == str(delivery.uuid)
    body = received.json
    assert body == {
        "version": 1,
        "delivery_id": str(delivery.uuid),
        "event": "incident.declared",
        "event_id": f"incident.declared:{incident.pk}",
        "occurred_at": body["occurred_at"],
        "text": f"SEV2 incident declared: INC-{incident.pk} {HOSTILE_TITLE}",
        "url": f"{settings.SITE_URL}/incidents/{incident.pk}/",
        "team": {
            "name": "Payments",
            "slug": "payments",
            "url": f"{settings.SITE_URL}/teams/payments/",
        },
        "incident": {
            "id": incident.pk,
            "reference": f"INC-{incident.pk}",
            "title": HOSTILE_TITLE,
            "severity": "SEV2",
            "status": "investigating",
            "is_drill": False,
            "services": ["Checkout"],
            "commander": "Alice",
            "started_at": incident.started_at.isoformat(),
            "restored_at": None,
            "url": f"{settings.SITE_URL}/incidents/{incident.pk}/",
        },
    }
    assert abs(timezone.now() - timezone.datetime.fromisoformat(body["occurred_at"])) < timedelta(
        minutes=1
    )


def test_a_signature_made_with_another_secret_does_not_match(json_hook, receiver, declare):
    declare()

    [received] = receiver.wait_for(1)
    forged = "sha256=" + hmac.new(b"guessed", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Debrief-Signature"] != forged


@pytest.fixture
def incident(declare):
    return declare()


def test_severity_change_says_from_and_to(
    slack_hook, json_hook, receiver, incident, alice, django_capture_on_commit_callbacks
):
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_change_severity(incident=incident, severity=1, by=alice)

    received = receiver.wait_for(2)
    slack = next(item for item in received if "blocks" in item.json)
    data = next(item for item in received if "event" in item.json).json
    assert slack.json["text"].startswith("Severity changed from SEV2 to SEV1: <")
    assert data["event"] == "incident.severity_changed"
    assert data["change"] == {"from": "SEV2", "to": "SEV1"}
    assert data["incident"]["severity"] == "SEV1"


def test_restored_tells_how_long_it_took(
    json_hook, receiver, alice, checkout, django_capture_on_commit_callbacks
):
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=95)
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_services.incident_declare(
            title="Queue stuck",
            severity=3,
            services=[checkout],
            reporter=alice,
            started_at=started,
        )
        incident_services.incident_mark_restored(
            incident=incident, by=alice, restored_at=started + timedelta(minutes=65)
        )

    body = receiver.wait_for(2)[-1].json
    assert body["event"] == "incident.restored"
    assert body["text"] == f"Service restored after 1 h 5 min: INC-{incident.pk} Queue stuck"
    assert body["incident"]["restored_at"] == (started + timedelta(minutes=65)).isoformat()


def test_resolving_an_unrestored_incident_announces_the_restore(
    json_hook, receiver, incident, alice, django_capture_on_commit_callbacks
):
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident_services.incident_change_status(incident=incident, status="resolved", by=alice)

    [received] = receiver.wait_for(1)
    assert received.json["event"] == "incident.restored"
    assert received.json["incident"]["status"] == "resolved"


def test_correcting_the_restore_time_is_not_a_second_restore(
    json_hook, receiver, incident, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        restored = incident_services.incident_mark_restored(incident=incident, by=alice)
        incident_services.incident_mark_restored(
            incident=restored, by=alice, restored_at=restored.restored_at
        )

    events = [item.json["event"] for item in receiver.wait_for(2)]
    assert events == ["incident.declared", "incident.restored"]
    assert Delivery.objects.filter(event="incident.restored").count() == 1


def test_postmortem_published_links_the_postmortem(
    slack_hook, receiver, incident, alice, django_capture_on_commit_callbacks
):
    ensure_builtin_rows()
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    for content in postmortem.contents.all():
        postmortem_services.section_save(
            content=content,
            body="The retry budget was exhausted by a slow dependency.",
            by=alice,
            expected_version=content.version,
        )
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        postmortem_services.postmortem_publish(postmortem=postmortem, by=alice)

    [received] = receiver.wait_for(1)
    link = f"{settings.SITE_URL}/postmortems/{postmortem.pk}/"
    assert received.json["text"] == (
        f"Postmortem published for INC-{incident.pk}: <{link}|{postmortem.title}>"
    )


def test_overdue_follow_up_names_owner_and_due_date(
    json_hook, receiver, incident, alice, payments, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    item = ActionItem.objects.create(
        title="Alert on <queue> depth",
        team=payments,
        incident=incident,
        owner=alice,
        due_date=today - timedelta(days=3),
    )
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = announce_overdue_followups(today=today)

    assert created == 1
    [received] = receiver.wait_for(1)
    body = received.json
    assert body["event"] == "followup.overdue"
    assert body["text"] == "Follow-up overdue by 3 days: Alert on <queue> depth"
    assert body["followup"] == {
        "id": item.pk,
        "title": "Alert on <queue> depth",
        "status": "open",
        "due_date": (today - timedelta(days=3)).isoformat(),
        "owner": "Alice",
        "url": f"{settings.SITE_URL}/follow-ups/{item.pk}/",
    }
    assert body["incident"]["id"] == incident.pk


PHISHING_TITLE = "@everyone [reset your SSO](https://evil.example) *now*"


def test_markdown_chats_get_the_title_as_typed_without_a_ping_or_a_link(
    slack_hook, receiver, declare
):
    # The receiver stands for Mattermost, Rocket.Chat or Discord: they read Markdown.
    incident = declare(title=PHISHING_TITLE)

    [received] = receiver.wait_for(1)
    link = f"{settings.SITE_URL}/incidents/{incident.pk}/"
    shown = "@\u200deveryone \\[reset your SSO\\]\\(https://evil.example\\) \\*now\\*"
    assert received.json["text"] == f"SEV2 incident declared: <{link}|INC-{incident.pk} {shown}>"
    assert "@everyone" not in slack_texts(received)
    assert "](" not in slack_texts(received)
    # Discord pings no one for this message, whatever it says.
    assert received.json["allowed_mentions"] == {"parse": []}


def test_slack_itself_gets_no_backslashes_as_it_reads_no_markdown(payments, alice, checkout):
    destination = Destination.objects.create(
        team=payments, name="Slack", kind="slack", url=SLACK_URL
    )
    incident = incident_services.incident_declare(
        title=PHISHING_TITLE, severity=2, services=[checkout], reporter=alice
    )

    body = json.loads(body_for(destination, incident_declared(incident), delivery_id="1"))

    assert body["text"].endswith(
        f"|INC-{incident.pk} @\u200deveryone [reset your SSO](https://evil.example) *now*>"
    )
    assert body["allowed_mentions"] == {"parse": []}


def shown_as(escaped: str, *, markdown: bool) -> str:
    """What a reader sees: backslash escapes and entities undone, zero-width joiners unseen."""
    if markdown:
        escaped = re.sub(r"\\(.)", r"\1", escaped, flags=re.DOTALL)
    escaped = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return escaped.replace("\u200d", "")


@given(st.text(), st.booleans())
def test_slack_escaping_leaves_no_markup_and_loses_nothing(text, markdown):
    escaped = slack_escape(text, markdown=markdown)

    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"@\w", escaped)
    if markdown:
        assert not re.search(r"[`*_~\[\]()]", re.sub(r"\\.", "", escaped, flags=re.DOTALL))
    assert shown_as(escaped, markdown=markdown) == text.replace("\u200d", "")
