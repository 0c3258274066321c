"""The follow-ups board: the organisation's and each team's, its filters, orders, pages, live
filtering, and changing the status of several items at once."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from followups import services
from followups.models import ActionItem
from followups.selectors import week_of
from incidents import services as incident_services
from tests.conftest import HTMX


@pytest.fixture
def items(incident, alice, bob, search):
    """Six follow-ups: four still to do, of Payments (alice's) and Platform (bob's), one done
    and one that will not be done."""
    today = timezone.localdate()
    _, sunday = week_of(today)
    search_incident = incident_services.incident_declare(
        title="Search index stale", severity=3, services=[search], reporter=bob
    )

    def make(title, incident, by, **fields):
        return services.item_create(incident=incident, title=title, by=by, **fields)

    made = {
        "overdue": make("Overdue alert", incident, alice, owner=alice, priority=1, kind="detect"),
        "this_week": make(
            "Runbook this week", incident, alice, owner=bob, due_date=sunday, kind="process"
        ),
        "later": make(
            "Capacity plan",
            search_incident,
            bob,
            owner=bob,
            priority=3,
            due_date=sunday + timedelta(7),
        ),
        "undated": make("Learning review", search_incident, bob, kind="learning"),
        "done": make("Done thing", incident, alice, owner=alice),
        "dropped": make("Dropped thing", incident, alice),
    }
    ActionItem.objects.filter(pk=made["overdue"].pk).update(due_date=today - timedelta(days=10))
    services.item_set_status(item=made["undated"], status="in_progress", by=bob)
    services.item_set_status(item=made["done"], status="done", by=alice)
    services.item_set_status(item=made["dropped"], status="wont_do", by=alice, reason="Moot.")
    # Distinct times, in the order made, and updated in the opposite order.
    start = timezone.make_aware(datetime(2026, 1, 1, 9, 0))
    for n, item in enumerate(made.values()):
        ActionItem.objects.filter(pk=item.pk).update(
            created_at=start + timedelta(hours=n), updated_at=start + timedelta(days=10, hours=-n)
        )
    return {name: ActionItem.objects.get(pk=item.pk) for name, item in made.items()}


def titles(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


TO_DO = ["Overdue alert", "Runbook this week", "Capacity plan", "Learning review"]
EVERY = [*TO_DO, "Done thing", "Dropped thing"]


def test_the_board_shows_what_is_still_to_do_soonest_first(alice_client, items):
    response = alice_client.get("/follow-ups/")
    assert response.status_code == 200
    assert titles(response) == TO_DO
    assert "4 follow-ups" in response.text
    assert "Overdue" in response.text


def test_the_main_navigation_leads_to_the_board(alice_client, items):
    assert 'href="/follow-ups/">Follow-ups</a>' in alice_client.get("/incidents/").text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=", EVERY),
        ("status=open", TO_DO),
        ("status=not_started", ["Overdue alert", "Runbook this week", "Capacity plan"]),
        ("status=in_progress", ["Learning review"]),
        ("status=done", ["Done thing"]),
        ("status=wont_do", ["Dropped thing"]),
        ("status=closed", ["Done thing", "Dropped thing"]),
        ("mine=on", ["Overdue alert"]),
        ("mine=on&status=", ["Overdue alert", "Done thing"]),
        ("team=platform", ["Capacity plan", "Learning review"]),
        (
            "team=payments&status=",
            ["Overdue alert", "Runbook this week", "Done thing", "Dropped thing"],
        ),
        ("due=overdue", ["Overdue alert"]),
        ("due=overdue&status=", ["Overdue alert"]),
        ("due=this_week", ["Runbook this week"]),
        ("kind=detect", ["Overdue alert"]),
        ("kind=learning", ["Learning review"]),
        ("priority=1", ["Overdue alert"]),
        ("priority=2&team=platform", ["Learning review"]),
    ],
)
def test_filters(alice_client, items, query, expected):
    assert titles(alice_client.get(f"/follow-ups/?{query}")) == expected


def test_a_closed_item_past_its_due_date_is_not_overdue(alice_client, items):
    ActionItem.objects.filter(pk=items["done"].pk).update(
        due_date=timezone.localdate() - timedelta(days=3)
    )
    assert titles(alice_client.get("/follow-ups/?due=overdue&status=")) == ["Overdue alert"]


def test_due_this_week_counts_from_monday_to_sunday(alice_client, items, settings):
    monday, sunday = week_of(timezone.localdate())
    assert (monday.weekday(), sunday.weekday(), (sunday - monday).days) == (0, 6, 6)
    ActionItem.objects.filter(pk=items["undated"].pk).update(due_date=monday)
    assert titles(alice_client.get("/follow-ups/?due=this_week")) == [
        "Learning review",
        "Runbook this week",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due", EVERY),
        (
            "-due",
            ["Capacity plan", "Runbook this week", "Overdue alert", *EVERY[3:]],
        ),
        (
            "priority",
            [
                "Overdue alert",
                "Runbook this week",
                "Learning review",
                "Done thing",
                "Dropped thing",
                "Capacity plan",
            ],
        ),
        (
            "-priority",
            [
                "Capacity plan",
                "Runbook this week",
                "Learning review",
                "Done thing",
                "Dropped thing",
                "Overdue alert",
            ],
        ),
        ("created", EVERY),
        ("-created", EVERY[::-1]),
        ("updated", EVERY[::-1]),
        ("-updated", EVERY),
    ],
)
def test_sorting(alice_client, items, sort, expected):
    response = alice_client.get(f"/follow-ups/?status=&sort={sort}")
    assert titles(response) == expected
    assert f'<option value="{sort}" selected>' in response.text


def test_an_unknown_filter_value_is_explained_and_the_rest_still_apply(alice_client, items):
    response = alice_client.get("/follow-ups/?kind=guesswork&team=platform")
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert titles(response) == ["Capacity plan", "Learning review"]


def test_a_teams_board_shows_only_that_team(alice_client, items):
    response = alice_client.get("/teams/platform/follow-ups/")
    assert response.status_code == 200
    assert titles(response) == ["Capacity plan", "Learning review"]
    assert "Platform follow-ups" in response.text
    assert 'name="team"' not in response.text
    assert titles(alice_client.get("/teams/platform/follow-ups/?team=payments")) == [
        "Capacity plan",
        "Learning review",
    ]
    assert titles(alice_client.get("/teams/payments/follow-ups/?status=closed")) == [
        "Done thing",
        "Dropped thing",
    ]


def test_an_unknown_team_has_no_board(alice_client, items):
    assert alice_client.get("/teams/nobody/follow-ups/").status_code == 404


def test_htmx_gets_the_results_alone_and_caches_keep_them_apart(alice_client, items):
    response = alice_client.get("/follow-ups/?team=platform", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="followup-results"' in response.text
    assert "Capacity plan" in response.text
    assert "Overdue alert" not in response.text
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in alice_client.get("/follow-ups/")["Vary"]


def test_restoring_history_gets_the_whole_page(alice_client, items):
    response = alice_client.get(
        "/follow-ups/?team=platform", headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text
    assert 'id="board-filters"' in response.text


def test_the_filters_update_the_results_as_they_change(alice_client, items):
    page = alice_client.get("/follow-ups/").text
    assert 'hx-get="/follow-ups/"' in page
    assert 'hx-target="#followup-results"' in page
    assert 'hx-push-url="true"' in page


def make_items(count: int, incident, team, owner) -> None:
    today = timezone.localdate()
    ActionItem.objects.bulk_create(
        ActionItem(
            title=f"Item {n}",
            team=team,
            owner=owner,
            incident=incident,
            priority=1 + n % 3,
            due_date=today + timedelta(days=n % 20 - 5),
            status=["open", "in_progress"][n % 2],
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(
    "url", ["/follow-ups/?sort=priority&page=2", "/teams/payments/follow-ups/"]
)
def test_the_board_costs_the_same_queries_at_any_size(
    alice_client, alice, incident, payments, django_assert_max_num_queries, count, url
):
    make_items(count, incident, payments, alice)
    with django_assert_max_num_queries(6):
        response = alice_client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
    assert f"{count} follow-ups" in response.text


def test_the_board_pages_by_fifty(alice_client, alice, incident, payments):
    make_items(120, incident, payments, alice)
    first = alice_client.get("/follow-ups/?team=payments")
    assert len(titles(first)) == 50
    assert "Page 1 of 3" in first.text
    assert 'href="?team=payments&amp;status=open&amp;sort=due&amp;page=2"' in first.text
    third = alice_client.get("/follow-ups/?team=payments&page=3")
    assert len(titles(third)) == 20
    assert set(titles(first)).isdisjoint(titles(third))


# --- Changing several at once -------------------------------------------------------------------


def test_only_the_items_one_may_change_can_be_ticked(alice_client, items):
    page = alice_client.get("/follow-ups/").text
    assert f'value="{items["overdue"].pk}"' in page
    assert 'aria-label="Choose “Overdue alert”"' in page
    assert 'aria-label="Choose “Capacity plan”"' not in page


def test_marking_several_done(alice_client, alice, items):
    ticked = [items["overdue"].pk, items["this_week"].pk]
    response = alice_client.post(
        "/follow-ups/?status=open", {"items": ticked, "new_status": "done"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/follow-ups/?status=open"
    page = alice_client.get(response["Location"])
    assert "2 follow-ups now Done." in page.text
    assert titles(page) == ["Capacity plan", "Learning review"]
    for item in ActionItem.objects.filter(pk__in=ticked):
        assert item.status == "done"
        assert item.completed_at is not None
        assert item.changes.get(field="status").actor == alice


def test_marking_several_with_htmx_answers_the_results(alice_client, items):
    response = alice_client.post(
        "/follow-ups/?status=open",
        {"items": [items["overdue"].pk], "new_status": "in_progress"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "1 follow-up now In progress." in response.text
    assert 'id="followup-results"' in response.text
    assert ActionItem.objects.get(pk=items["overdue"].pk).status == "in_progress"


def test_nothing_ticked_is_refused(alice_client, items):
    response = alice_client.post("/follow-ups/", {"new_status": "done"})
    assert response.status_code == 422
    assert "Choose the follow-ups to change" in response.text


def test_wont_do_for_several_needs_a_reason(alice_client, items):
    ticked = [items["overdue"].pk, items["this_week"].pk]
    response = alice_client.post("/follow-ups/", {"items": ticked, "new_status": "wont_do"})
    assert response.status_code == 422
    assert "Say why this will not be done." in response.text
    # What was ticked stays ticked.
    assert response.text.count(" checked>") == 2
    assert ActionItem.objects.filter(pk__in=ticked, status="open").count() == 2

    response = alice_client.post(
        "/follow-ups/",
        {"items": ticked, "new_status": "wont_do", "reason": "Replaced by the new queue."},
    )
    assert response.status_code == 302
    for item in ActionItem.objects.filter(pk__in=ticked):
        assert (item.status, item.wont_do_reason) == ("wont_do", "Replaced by the new queue.")


def test_one_item_one_may_not_change_refuses_them_all(alice_client, items):
    ticked = [items["overdue"].pk, items["later"].pk]
    for headers in [{}, HTMX]:
        response = alice_client.post(
            "/follow-ups/", {"items": ticked, "new_status": "done"}, headers=headers
        )
        assert response.status_code == 422
        assert "You may not change “Capacity plan”" in response.text
        assert "Nothing was changed." in response.text
    assert ActionItem.objects.get(pk=items["overdue"].pk).status == "open"
    assert ActionItem.objects.get(pk=items["later"].pk).status == "open"
    assert not ActionItem.objects.get(pk=items["overdue"].pk).changes.exists()


def test_an_item_that_no_longer_exists_is_refused(alice_client, items):
    response = alice_client.post("/follow-ups/", {"items": [99999], "new_status": "done"})
    assert response.status_code == 422
    assert "no longer exists" in response.text


def test_staff_may_change_any_items(dave_client, items):
    ticked = [items["overdue"].pk, items["later"].pk]
    response = dave_client.post("/follow-ups/", {"items": ticked, "new_status": "in_progress"})
    assert response.status_code == 302
    assert ActionItem.objects.filter(pk__in=ticked, status="in_progress").count() == 2


def test_the_teams_board_changes_several_too(bob_client, items):
    response = bob_client.post(
        "/teams/platform/follow-ups/",
        {"items": [items["later"].pk, items["undated"].pk], "new_status": "done"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/teams/platform/follow-ups/"
    assert ActionItem.objects.filter(team__slug="platform", status="done").count() == 2
