"""The board's follow-ups as CSV: every row its filters match, safe to open in a spreadsheet."""

import csv
import io
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from followups import services
from followups.models import ActionItem
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate

HEADER = [
    "ID",
    "Title",
    "Kind",
    "Team",
    "Owner",
    "Priority",
    "Status",
    "Due date",
    "Overdue",
    "Completed at",
    "Incident",
    "Postmortem",
    "Tracker URL",
]


def rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def postmortem(incident, alice):
    standard = PostmortemTemplate.objects.get(slug="standard")
    return postmortem_services.postmortem_start(incident=incident, template=standard, by=alice)


def test_the_export_has_every_column(alice_client, alice, incident, postmortem):
    due = timezone.localdate() + timedelta(days=5)
    item = services.item_create(
        incident=incident,
        postmortem=postmortem,
        title="Alert on queue depth",
        by=alice,
        owner=alice,
        priority=1,
        kind="detect",
        due_date=due,
        tracker_url="https://github.com/acme/payments/issues/7",
    )
    overdue = services.item_create(incident=incident, title="Late one", by=alice)
    ActionItem.objects.filter(pk=overdue.pk).update(due_date=due - timedelta(days=30))
    response = alice_client.get("/follow-ups/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="follow-ups-all-')
    header, late, first = rows(response)
    assert header == HEADER
    assert first == [
        str(item.pk),
        "Alert on queue depth",
        "Detect",
        "Payments",
        "Alice",
        "High",
        "Open",
        due.isoformat(),
        "no",
        "",
        f"INC-{incident.pk}",
        "Card payments failing",
        "https://github.com/acme/payments/issues/7",
    ]
    assert (late[1], late[8]) == ("Late one", "yes")


def test_completed_items_say_when(alice_client, alice, incident, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    item = services.item_create(incident=incident, title="Done one", by=alice)
    services.item_set_status(item=item, status="done", by=alice)
    item.refresh_from_db()
    local = timezone.localtime(item.completed_at, timezone.get_current_timezone())
    (_, row) = rows(alice_client.get("/follow-ups/export.csv?status=done"))
    assert (row[6], row[9]) == ("Done", f"{local:%Y-%m-%d %H:%M}")


def test_the_export_has_every_matching_row_not_one_page(alice_client, alice, incident, payments):
    ActionItem.objects.bulk_create(
        ActionItem(title=f"Item {n}", team=payments, incident=incident) for n in range(120)
    )
    ActionItem.objects.filter(title="Item 7").update(status="done", completed_at=timezone.now())
    exported = rows(alice_client.get("/follow-ups/export.csv?page=2"))
    assert len(exported) == 1 + 119
    assert "Item 7" not in {row[1] for row in exported}
    assert len(rows(alice_client.get("/follow-ups/export.csv?status="))) == 1 + 120


def test_the_export_follows_the_filters_and_the_team(alice_client, alice, bob, incident, search):
    from incidents import services as incident_services

    other = incident_services.incident_declare(
        title="Search stale", severity=3, services=[search], reporter=bob
    )
    services.item_create(incident=incident, title="Ours", by=alice, owner=alice)
    services.item_create(incident=other, title="Theirs", by=bob, owner=bob)
    assert [r[1] for r in rows(alice_client.get("/follow-ups/export.csv?mine=on"))] == [
        "Title",
        "Ours",
    ]
    team = alice_client.get("/teams/platform/follow-ups/export.csv")
    assert 'filename="follow-ups-platform-' in team["Content-Disposition"]
    assert [r[1] for r in rows(team)] == ["Title", "Theirs"]


def test_the_board_links_to_the_export_of_what_it_shows(alice_client, incident, alice):
    services.item_create(incident=incident, title="Ours", by=alice)
    page = alice_client.get("/teams/payments/follow-ups/?kind=detect&page=1").text
    assert (
        'href="/teams/payments/follow-ups/export.csv?kind=detect&amp;status=open&amp;sort=due"'
        in page
    )


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("Plain = fine", "Plain = fine"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_made_text(
    alice_client, alice, incident, title, cell
):
    services.item_create(incident=incident, title=title, by=alice)
    (_, row) = rows(alice_client.get("/follow-ups/export.csv"))
    assert row[1] == cell


def test_a_formula_in_a_team_name_is_made_text_too(alice_client, alice, incident, payments):
    payments.name = "=1+1"
    payments.save()
    services.item_create(incident=incident, title="Ours", by=alice)
    (_, row) = rows(alice_client.get("/follow-ups/export.csv"))
    assert row[3] == "'=1+1"


def test_the_export_streams_at_a_fixed_number_of_queries(
    alice_client, incident, payments, django_assert_max_num_queries
):
    ActionItem.objects.bulk_create(
        ActionItem(title=f"Item {n}", team=payments, incident=incident) for n in range(1200)
    )
    with django_assert_max_num_queries(6):
        exported = rows(alice_client.get("/follow-ups/export.csv"))
    assert len(exported) == 1 + 1200
