from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident, Service, Status
from tests.conftest import HTMX

from .factories import declared, resolved


@pytest.fixture
def incidents(alice, bob, checkout, search):
    return {
        "checkout": declared(
            reporter=alice, service=checkout, title="Checkout latency", severity=2
        ),
        "search": declared(reporter=bob, service=search, title="Search index stale", severity=4),
        "old": resolved(reporter=alice, service=checkout, minutes_ago=600),
    }


def titles(response):
    return [incident.title for incident in response.context["page"].object_list]


def test_newest_first(alice_client, incidents):
    response = alice_client.get("/incidents/")
    assert response.status_code == 200
    assert titles(response) == ["Search index stale", "Checkout latency", "Checkout errors"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["Search index stale", "Checkout latency"]),
        ("status=resolved", ["Checkout errors"]),
        ("severity=4", ["Search index stale"]),
        ("team=payments", ["Checkout latency", "Checkout errors"]),
        ("service=search", ["Search index stale"]),
        ("q=checkout", ["Checkout latency", "Checkout errors"]),
        ("q=LATENCY checkout", ["Checkout latency"]),
        ("q=nothing-like-it", []),
    ],
)
def test_filters(alice_client, incidents, query, expected):
    assert titles(alice_client.get(f"/incidents/?{query}")) == expected


def test_date_range_is_inclusive_in_the_configured_time_zone(
    alice_client, settings, alice, checkout
):
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = timezone.get_current_timezone()
    # 23:30 on 1 March in Berlin is 22:30 UTC: it belongs to 1 March here.
    late = declared(reporter=alice, service=checkout, title="Late one")
    Incident.objects.filter(pk=late.pk).update(
        started_at=datetime(2026, 3, 1, 23, 30, tzinfo=berlin)
    )
    early = declared(reporter=alice, service=checkout, title="Early one")
    Incident.objects.filter(pk=early.pk).update(
        started_at=datetime(2026, 3, 2, 0, 10, tzinfo=berlin)
    )
    assert titles(
        alice_client.get("/incidents/?started_from=2026-03-01&started_until=2026-03-01")
    ) == ["Late one"]
    assert titles(alice_client.get("/incidents/?started_from=2026-03-02")) == ["Early one"]


def test_a_backwards_date_range_is_explained(alice_client, incidents):
    response = alice_client.get(
        "/incidents/?started_from=2026-03-02&started_until=2026-03-01&severity=4"
    )
    assert "The end of the range is before its start." in response.text
    # The valid filters still apply.
    assert titles(response) == ["Search index stale"]


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Berlin", "America/New_York"])
@pytest.mark.parametrize(
    "query", ["started_until=9999-12-31", "started_from=0001-01-01", "started_until=0001-01-01"]
)
def test_dates_at_the_ends_of_the_calendar_are_no_trouble(
    alice_client, settings, incidents, time_zone, query
):
    settings.TIME_ZONE = time_zone
    response = alice_client.get(f"/incidents/?{query}")
    assert response.status_code == 200
    assert len(titles(response)) == (0 if query == "started_until=0001-01-01" else 3)


def test_filter_errors_are_tied_to_their_fields(alice_client, incidents):
    response = alice_client.get("/incidents/?started_from=2026-03-02&started_until=2026-03-01")
    assert 'aria-describedby="id_started_until_error"' in response.text
    assert response.text.count('id="id_started_until_error"') == 1


def test_htmx_gets_the_filter_errors_with_the_results(alice_client, incidents):
    response = alice_client.get(
        "/incidents/?started_from=2026-03-02&started_until=2026-03-01", headers=HTMX
    )
    assert "<html" not in response.text
    assert (
        '<div id="id_started_until_error" hx-swap-oob="innerHTML">'
        "<p>The end of the range is before its start.</p></div>"
    ) in response.text
    # Fixed filters clear their errors the same way.
    fixed = alice_client.get("/incidents/?started_from=2026-03-01", headers=HTMX)
    assert '<div id="id_started_until_error" hx-swap-oob="innerHTML"></div>' in fixed.text


def test_caches_keep_the_page_and_the_fragment_apart(alice_client, incidents):
    assert "HX-Request" in alice_client.get("/incidents/")["Vary"]
    assert "HX-Request" in alice_client.get("/incidents/", headers=HTMX)["Vary"]


def test_restoring_history_gets_the_whole_page(alice_client, incidents):
    response = alice_client.get(
        "/incidents/?severity=2", headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text


def test_htmx_gets_only_the_results(alice_client, incidents):
    response = alice_client.get("/incidents/?severity=2", headers=HTMX)
    assert response.status_code == 200
    assert 'id="incident-results"' in response.text
    assert "<html" not in response.text
    assert "Checkout latency" in response.text
    assert "Search index stale" not in response.text


def test_paginated_with_filters_kept_in_the_links(alice_client, settings, alice, checkout):
    settings.INCIDENTS_PER_PAGE = 2
    for n in range(5):
        declared(reporter=alice, service=checkout, title=f"Blip {n}", minutes_ago=100 - n)
    first = alice_client.get("/incidents/?team=payments")
    assert titles(first) == ["Blip 4", "Blip 3"]
    assert "team=payments&amp;page=2" in first.text
    assert titles(alice_client.get("/incidents/?team=payments&page=3")) == ["Blip 0"]
    # A page past the end shows the last page rather than an error.
    assert titles(alice_client.get("/incidents/?team=payments&page=99")) == ["Blip 0"]


def make_incidents(count, team, services):
    now = timezone.now()
    created = Incident.objects.bulk_create(
        Incident(
            title=f"Incident {n}",
            severity=1 + n % 4,
            status=Status.RESOLVED if n % 3 else Status.INVESTIGATING,
            team=team,
            started_at=now - timedelta(hours=n + 1),
            restored_at=now - timedelta(hours=n) if n % 3 else None,
        )
        for n in range(count)
    )
    through = Incident.services.through
    through.objects.bulk_create(
        through(incident_id=incident.pk, service_id=services[n % len(services)].pk)
        for n, incident in enumerate(created)
    )


@pytest.mark.parametrize(
    ("count", "shown"), [(5, "2 incidents"), (5000, "More than 1,000 incidents")]
)
def test_the_list_costs_the_same_queries_at_any_size(
    alice_client, payments, checkout, django_assert_max_num_queries, count, shown
):
    extra = Service.objects.create(name="Wallet", slug="wallet", team=payments)
    make_incidents(count, payments, [checkout, extra])
    with django_assert_max_num_queries(8):
        response = alice_client.get("/incidents/?status=open&team=payments&page=2")
    assert response.status_code == 200
    assert shown in response.text


def test_a_long_history_is_paged_through_without_counting_it_all(
    alice_client, settings, alice, payments, checkout
):
    settings.INCIDENTS_PER_PAGE = 400
    make_incidents(1003, payments, [checkout])
    first = alice_client.get("/incidents/")
    assert "More than 1,000 incidents" in first.text
    assert "Page 1</span>" in first.text
    # Pages beyond the count are still reachable, and the last one knows it is the last.
    second = alice_client.get("/incidents/?page=2")
    assert titles(second)[0] == "Incident 400"
    assert "page=3" in second.text
    last = alice_client.get("/incidents/?page=3")
    assert titles(last) == [f"Incident {n}" for n in range(800, 1003)]
    assert "1,003 incidents" in last.text
    assert "Page 3 of 3" in last.text
    assert 'rel="next"' not in last.text
    assert titles(alice_client.get("/incidents/?page=99"))[-1] == "Incident 1002"
    # Page 0 or below is the first page, not a "last" page at the count's cap.
    for before_the_first in ("0", "-3"):
        assert titles(alice_client.get(f"/incidents/?page={before_the_first}")) == titles(first)


def test_the_service_filter_offers_the_chosen_teams_services(
    alice_client, payments, checkout, search
):
    wallet = Service.objects.create(name="Wallet", slug="wallet", team=payments)
    unfiltered = alice_client.get("/incidents/")
    assert 'value="checkout"' not in unfiltered.text
    response = alice_client.get("/incidents/?team=payments")
    offered = list(response.context["form"].fields["service"].widget.choices)
    assert offered == [("", "Any service"), ("checkout", "Checkout"), (wallet.slug, "Wallet")]
    # A service chosen from elsewhere stays visible beside the team's.
    response = alice_client.get("/incidents/?team=payments&service=search")
    assert '<option value="search" selected>Search</option>' in response.text


def test_htmx_gets_the_teams_services_with_the_results(alice_client, payments, checkout):
    response = alice_client.get("/incidents/?team=payments", headers=HTMX)
    assert (
        '<select id="id_service" hx-swap-oob="innerHTML">'
        '<option value="" selected>Any service</option>'
        '<option value="checkout">Checkout</option></select>'
    ) in response.text
