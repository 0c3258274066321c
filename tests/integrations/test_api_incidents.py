"""Incidents through the API: declared, read, listed with filters, changed through the
incident's lifecycle, and written on, each as on the incident's page; every refusal names
the field, and a refused request changes nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from incidents import services
from incidents.models import Incident, Service, TimelineEvent

from .conftest import fields_named


def _minutes_ago(minutes: int):
    return timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=minutes)


def _iso(moment) -> str:
    return moment.isoformat()


@pytest.fixture
def declared(payments_api, checkout):
    response = payments_api.post(
        "/api/incidents",
        {
            "title": "Card payments failing",
            "severity": 2,
            "services": ["checkout"],
            "summary": "Checkout answers 502.",
            "started_at": _iso(_minutes_ago(30)),
            "detected_at": _iso(_minutes_ago(25)),
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_declaring_an_incident(declared, payments, checkout):
    incident = Incident.objects.get()
    assert declared["id"] == incident.pk
    assert declared["reference"] == f"INC-{incident.pk}"
    assert declared["url"].endswith(f"/incidents/{incident.pk}/")
    assert (declared["title"], declared["severity"], declared["status"]) == (
        "Card payments failing",
        2,
        "investigating",
    )
    assert (incident.team, list(incident.services.all())) == (payments, [checkout])
    assert incident.summary == "Checkout answers 502."
    assert incident.started_at == _minutes_ago(30)
    assert declared["timeline"][0]["kind"] == "declared"
    assert declared["reporter"] == "API token 'pagerduty-bridge'"


def test_the_incident_page_shows_the_token_as_its_source(declared, alice_client):
    page = alice_client.get(f"/incidents/{declared['id']}/")
    assert "API token &#x27;pagerduty-bridge&#x27;" in page.text


def test_declaring_with_a_commander(payments_api, checkout, alice):
    response = payments_api.post(
        "/api/incidents",
        {"title": "Down", "severity": 1, "services": ["checkout"], "commander": "alice"},
    )
    assert response.status_code == 201
    assert response.json()["commander"] == "alice"
    assert Incident.objects.get().commander == alice


def test_a_commander_is_named_by_any_valid_username(payments_api, checkout, payments):
    erin = User.objects.create_user("erin.o@example.org", first_name="Erin")

    response = payments_api.post(
        "/api/incidents",
        {"title": "Down", "severity": 1, "services": ["checkout"], "commander": erin.username},
    )

    assert response.status_code == 201, response.content
    assert Incident.objects.get().commander == erin


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": 2, "services": ["checkout"]}, "title"),
        ({"title": "   ", "severity": 2, "services": ["checkout"]}, "title"),
        ({"title": "x" * 201, "severity": 2, "services": ["checkout"]}, "title"),
        ({"title": "Down", "severity": 5, "services": ["checkout"]}, "severity"),
        ({"title": "Down", "severity": "high", "services": ["checkout"]}, "severity"),
        ({"title": "Down", "severity": 2, "services": []}, "services"),
        ({"title": "Down", "severity": 2, "services": ["no-such-service"]}, "services"),
        (
            {"title": "Down", "severity": 2, "services": ["checkout"], "commander": "zed"},
            "commander",
        ),
        ({"title": "Do\x00wn", "severity": 2, "services": ["checkout"]}, "title"),
        (
            {"title": "Down", "severity": 2, "services": ["checkout"], "started_at": "yesterday"},
            "started_at",
        ),
        (
            # A moment without its offset is ambiguous.
            {
                "title": "Down",
                "severity": 2,
                "services": ["checkout"],
                "started_at": "2026-01-01T10:00",
            },
            "started_at",
        ),
        (
            {
                "title": "Down",
                "severity": 2,
                "services": ["checkout"],
                "started_at": "1999-12-31T23:00:00Z",
            },
            "started_at",
        ),
        (
            {
                "title": "Down",
                "severity": 2,
                "services": ["checkout"],
                "started_at": _iso(timezone.now() + timedelta(hours=2)),
            },
            "started_at",
        ),
        (
            {
                "title": "Down",
                "severity": 2,
                "services": ["checkout"],
                "started_at": _iso(_minutes_ago(10)),
                "detected_at": _iso(_minutes_ago(20)),
            },
            "detected_at",
        ),
    ],
)
def test_a_refused_declaration_names_the_field(payments_api, checkout, body, field):
    response = payments_api.post("/api/incidents", body)

    assert field in fields_named(response)
    assert all(error["msg"] for error in response.json()["detail"])
    assert not Incident.objects.exists()


def test_reading_an_incident_with_its_timeline(payments_api, declared):
    payments_api.post(f"/api/incidents/{declared['id']}/events", {"body": "Rolled back v41"})

    response = payments_api.get(f"/api/incidents/{declared['id']}")

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Card payments failing"
    assert [event["kind"] for event in body["timeline"]] == ["declared", "note"]
    assert body["timeline"][1]["body"] == "Rolled back v41"


def test_an_unknown_incident_is_not_found(payments_api, declared):
    response = payments_api.get("/api/incidents/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No incident with the id 999999."}


def test_an_impossible_id_is_refused_not_crashed(payments_api, declared):
    response = payments_api.get(f"/api/incidents/{2**70}")
    assert "incident_id" in fields_named(response)


def test_listing_filters_by_status_severity_service_and_change(
    payments_api, payments, checkout, alice
):
    wallet = Service.objects.create(name="Wallet", slug="wallet", team=payments)
    old = services.incident_declare(
        title="Old", severity=3, services=[checkout], reporter=alice, started_at=_minutes_ago(90)
    )
    services.incident_change_status(incident=old, status="resolved", by=alice)
    Incident.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    services.incident_declare(
        title="Wallet down",
        severity=1,
        services=[wallet],
        reporter=alice,
        started_at=_minutes_ago(60),
    )
    services.incident_declare(
        title="Checkout slow",
        severity=3,
        services=[checkout],
        reporter=alice,
        started_at=_minutes_ago(30),
    )

    def titles(**params):
        response = payments_api.get("/api/incidents", params)
        assert response.status_code == 200, response.content
        return [item["title"] for item in response.json()["items"]]

    assert titles() == ["Checkout slow", "Wallet down", "Old"]
    assert titles(status="open") == ["Checkout slow", "Wallet down"]
    assert titles(status="resolved") == ["Old"]
    assert titles(severity=1) == ["Wallet down"]
    assert titles(service="checkout") == ["Checkout slow", "Old"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert titles(updated_since=since) == ["Checkout slow", "Wallet down"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"severity": 0}, "severity"),
        ({"service": "no-such-service"}, "service"),
        ({"updated_since": "last week"}, "updated_since"),
        ({"page": 0}, "page"),
        ({"page_size": 1000}, "page_size"),
    ],
)
def test_a_bad_filter_names_the_field(payments_api, declared, params, field):
    response = payments_api.get("/api/incidents", params)

    assert field in fields_named(response)
    assert all(error["loc"][0] == "query" for error in response.json()["detail"])


def test_listing_is_paginated(payments_api, checkout, alice):
    for number in range(5):
        services.incident_declare(
            title=f"Incident {number}",
            severity=3,
            services=[checkout],
            reporter=alice,
            started_at=_minutes_ago(50 - number),
        )

    first = payments_api.get("/api/incidents", {"page_size": 2}).json()
    last = payments_api.get("/api/incidents", {"page_size": 2, "page": 3}).json()
    beyond = payments_api.get("/api/incidents", {"page_size": 2, "page": 4}).json()

    assert (first["count"], first["pages"]) == (5, 3)
    assert [item["title"] for item in first["items"]] == ["Incident 4", "Incident 3"]
    assert [item["title"] for item in last["items"]] == ["Incident 0"]
    assert beyond["items"] == []


@pytest.mark.parametrize("count", [2, 20])
def test_listing_costs_the_same_queries_for_few_or_many(
    payments_api, checkout, alice, django_assert_max_num_queries, count
):
    for number in range(count):
        services.incident_declare(
            title=f"Incident {number}", severity=3, services=[checkout], reporter=alice
        )
    payments_api.get("/api/incidents")  # The token's last use is recorded once a minute.
    with django_assert_max_num_queries(4):
        response = payments_api.get("/api/incidents", {"page_size": 100})
    assert len(response.json()["items"]) == count


def test_changing_status_severity_and_restore_time(payments_api, declared):
    path = f"/api/incidents/{declared['id']}"
    restored_at = _minutes_ago(5)

    response = payments_api.patch(
        path,
        {
            "severity": 1,
            "restored_at": _iso(restored_at),
            "status": "monitoring",
            "note": "Rolled back",
        },
    )

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.severity, incident.status, incident.restored_at) == (
        1,
        "monitoring",
        restored_at,
    )
    kinds = sorted(event["kind"] for event in response.json()["timeline"])
    assert kinds == ["declared", "restored", "severity_change", "status_change"]
    assert all(
        event.body == "Rolled back"
        for event in TimelineEvent.objects.filter(kind__in=["severity_change", "status_change"])
    )


def test_resolving_at_a_moment(payments_api, declared):
    resolved_at = _minutes_ago(2)

    response = payments_api.patch(
        f"/api/incidents/{declared['id']}", {"resolved_at": _iso(resolved_at)}
    )

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.status, incident.resolved_at, incident.restored_at) == (
        "resolved",
        resolved_at,
        resolved_at,
    )


def test_editing_details_and_commander(payments_api, declared, alice, checkout, payments):
    Service.objects.create(name="Wallet", slug="wallet", team=payments)

    response = payments_api.patch(
        f"/api/incidents/{declared['id']}",
        {
            "title": "Card payments failing in EU",
            "commander": "alice",
            "services": ["wallet", "checkout"],
        },
    )

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert incident.title == "Card payments failing in EU"
    assert incident.commander == alice
    assert sorted(incident.services.values_list("slug", flat=True)) == ["checkout", "wallet"]
    assert TimelineEvent.objects.filter(kind="edited").count() == 1

    response = payments_api.patch(f"/api/incidents/{declared['id']}", {"commander": None})
    assert response.json()["commander"] is None


def test_sending_the_current_values_changes_nothing(payments_api, declared):
    path = f"/api/incidents/{declared['id']}"
    response = payments_api.patch(path, {"severity": 2, "status": "investigating"})

    assert response.status_code == 200
    assert len(response.json()["timeline"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "asleep"}, "status"),
        ({"severity": 0}, "severity"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"services": []}, "services"),
        ({"commander": "nobody"}, "commander"),
        ({"restored_at": "2001-01-01T00:00:00+00:00"}, "restored_at"),
        ({"restored_at": "soon"}, "restored_at"),
        ({"note": "Only a note"}, "note"),
    ],
)
def test_a_refused_change_names_the_field_and_changes_nothing(payments_api, declared, body, field):
    path = f"/api/incidents/{declared['id']}"

    response = payments_api.patch(path, body)

    assert field in fields_named(response)
    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.status, incident.version) == (
        "Card payments failing",
        2,
        "investigating",
        1,
    )


def test_a_refusal_late_in_a_change_undoes_the_earlier_parts(payments_api, declared):
    # The severity would change first; the restore time before impact started is refused.
    response = payments_api.patch(
        f"/api/incidents/{declared['id']}",
        {"severity": 1, "title": "New title", "restored_at": _iso(_minutes_ago(45))},
    )

    assert "restored_at" in fields_named(response)
    incident = Incident.objects.get()
    assert (incident.severity, incident.title, incident.restored_at) == (
        2,
        "Card payments failing",
        None,
    )
    assert TimelineEvent.objects.count() == 1


def test_reopening_a_resolved_incident_needs_a_reason(payments_api, declared):
    path = f"/api/incidents/{declared['id']}"
    payments_api.patch(path, {"status": "resolved"})

    response = payments_api.patch(path, {"status": "investigating"})

    assert "note" in fields_named(response)
    assert Incident.objects.get().status == "resolved"


def test_reopening_a_resolved_incident_with_a_reason(payments_api, declared):
    path = f"/api/incidents/{declared['id']}"
    payments_api.patch(path, {"status": "resolved"})

    response = payments_api.patch(path, {"status": "monitoring", "note": "Errors are back."})

    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.status, incident.resolved_at, incident.restored_at) == (
        "monitoring",
        None,
        None,
    )
    reopened = TimelineEvent.objects.get(kind="reopened")
    assert reopened.body.startswith("Errors are back.")


def test_adding_a_timeline_event(payments_api, declared):
    occurred_at = _minutes_ago(10)

    response = payments_api.post(
        f"/api/incidents/{declared['id']}/events",
        {"body": "Paged the database team", "occurred_at": _iso(occurred_at)},
    )

    assert response.status_code == 201, response.content
    assert response.json()["author"] == "API token 'pagerduty-bridge'"
    event = TimelineEvent.objects.get(kind="note")
    assert (event.body, event.occurred_at) == ("Paged the database team", occurred_at)
    assert event.author.get_full_name() == "API token 'pagerduty-bridge'"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": "  "}, "body"),
        ({"body": "Later", "occurred_at": _iso(timezone.now() + timedelta(days=1))}, "occurred_at"),
        ({"body": "Later", "occurred_at": "1990-01-01T00:00:00Z"}, "occurred_at"),
    ],
)
def test_a_refused_event_names_the_field(payments_api, declared, body, field):
    response = payments_api.post(f"/api/incidents/{declared['id']}/events", body)

    assert field in fields_named(response)
    assert not TimelineEvent.objects.filter(kind="note").exists()
