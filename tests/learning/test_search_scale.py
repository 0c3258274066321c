"""Search at scale: the page costs the same queries however much was written, and on
PostgreSQL each kind of result is matched through an index, not by reading every row."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups.models import ActionItem
from incidents.models import Incident
from learning.search import search_learnings
from postmortems.models import (
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    SectionContent,
)

STARTED = datetime(2026, 3, 1, 12, tzinfo=UTC)


def write_history(team, count: int, *, first: int = 0) -> None:
    """`count` published postmortems, in bulk as an import would write them, each with a
    section and a factor that mention a connection pool, and a follow-up that does too."""
    template = PostmortemTemplate.objects.get(slug="standard")
    sections = list(template.sections.all())
    category = FactorCategory.objects.first()
    numbers = range(first, first + count)
    incidents = Incident.objects.bulk_create(
        Incident(
            title=f"Outage {number}",
            summary="Requests queued for a connection",
            team=team,
            started_at=STARTED - timedelta(hours=number),
        )
        for number in numbers
    )
    postmortems = Postmortem.objects.bulk_create(
        Postmortem(
            incident=incident,
            template=template,
            title=f"Postmortem of outage {number}",
            status=Postmortem.Status.PUBLISHED,
        )
        for number, incident in zip(numbers, incidents, strict=True)
    )
    SectionContent.objects.bulk_create(
        SectionContent(
            postmortem=postmortem,
            section=section,
            body="The connection pool ran dry while retries piled up",
        )
        for postmortem in postmortems
        for section in sections
    )
    ContributingFactor.objects.bulk_create(
        ContributingFactor(
            postmortem=postmortem,
            category=category,
            description="Connection pool saturation raised no alert",
        )
        for postmortem in postmortems
    )
    ActionItem.objects.bulk_create(
        ActionItem(incident=incident, team=team, title="Size the connection pool per replica")
        for incident in incidents
    )


def hits_shown(response) -> int:
    return response.content.decode().count('class="search-hit"')


def test_the_search_page_costs_the_same_queries_at_any_size(
    alice_client, payments, django_assert_num_queries
):
    url = reverse("learning:search") + "?q=connection+pool"
    write_history(payments, 2)
    with CaptureQueriesContext(connection) as small:
        response = alice_client.get(url)
    # Two of each kind but incidents, whose summaries name a connection, not a pool.
    assert hits_shown(response) == 6
    assert "Next page" not in response.content.decode()

    write_history(payments, 60, first=2)
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice_client.get(url)
    assert hits_shown(response) == 20
    assert "Next page" in response.content.decode()


def test_every_page_of_a_long_list_is_whole_and_in_order(payments, carol):
    write_history(payments, 15)
    everything = search_learnings(query="pool", viewer=carol, limit=100)

    pages = [search_learnings(query="pool", viewer=carol, limit=7, offset=n) for n in (0, 7)]
    pages += [search_learnings(query="pool", viewer=carol, limit=100, offset=14)]

    assert len(everything) == 45
    assert [hit for page in pages for hit in page] == everything
    ranks = [hit.rank for hit in everything]
    assert ranks == sorted(ranks, reverse=True)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search indexes are PostgreSQL's"
)


@postgresql_only
def test_each_kind_is_matched_through_its_index(payments, carol):
    write_history(payments, 3)
    with CaptureQueriesContext(connection) as search:
        search_learnings(query="connection pool", viewer=carol, filters={"severity": [1, 2, 3]})
    (executed,) = search.captured_queries

    with connection.cursor() as cursor:
        # With so few rows reading them all (or a whole primary key) is cheapest; the point
        # is that it need not be.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + executed["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    for index in (
        "postmortem_search_document",
        "incident_search_document",
        "factor_search_document",
        "followup_search_document",
    ):
        assert f"Bitmap Index Scan on {index}" in plan, plan
