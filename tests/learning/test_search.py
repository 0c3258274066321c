"""Searching what was learned, on SQLite (word matching) and PostgreSQL (full-text search)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser

from followups.models import ActionItem
from incidents.models import Incident
from learning.search import search_learnings
from postmortems.models import (
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    ReviewRequest,
    SectionContent,
)

BERLIN = ZoneInfo("Europe/Berlin")
PUBLISHED, DRAFT = Postmortem.Status.PUBLISHED, Postmortem.Status.DRAFT


@pytest.fixture(autouse=True)
def berlin_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def incident(team, *, title, services=(), severity=3, started=None, summary="", **kwargs):
    made = Incident.objects.create(
        title=title,
        team=team,
        severity=severity,
        summary=summary,
        started_at=started or datetime(2026, 3, 10, 12, tzinfo=BERLIN),
        **kwargs,
    )
    made.services.set(services)
    return made


def postmortem(incident, *, title, status=PUBLISHED, body="", factors=()):
    template = PostmortemTemplate.objects.get(slug="standard")
    made = Postmortem.objects.create(
        incident=incident, template=template, title=title, status=status
    )
    if body:
        SectionContent.objects.create(postmortem=made, section=template.sections.first(), body=body)
    for slug, description in factors:
        ContributingFactor.objects.create(
            postmortem=made, category=FactorCategory.objects.get(slug=slug), description=description
        )
    return made


def found(hits, kind=None):
    return [(hit.kind, hit.object_id) for hit in hits if kind is None or hit.kind == kind]


@pytest.fixture
def library(payments, platform, checkout, search, alice):
    """A published postmortem with the word in its title, one that mentions it once in a long
    body, one that names it only in a contributing factor, and a payments draft."""
    titled = postmortem(
        incident(payments, title="Checkout down", services=[checkout], severity=1),
        title="Certificate expiry took checkout down",
    )
    mentioned = postmortem(
        incident(
            platform,
            title="Search slow",
            services=[search],
            severity=3,
            started=datetime(2026, 1, 5, 9, tzinfo=BERLIN),
        ),
        title="Search index rebuild starved the cluster",
        body="The rebuild ran at peak time. Queries queued behind it for an hour; a "
        "certificate warning in the logs was unrelated. Capacity planning did not "
        "include rebuilds.",
    )
    factored = postmortem(
        incident(payments, title="Refunds stuck", services=[checkout], severity=2),
        title="Refunds stuck in the queue",
        factors=[("tooling", "No dashboard showed the rotation job failing")],
    )
    draft = postmortem(
        incident(payments, title="Mobile login failing", services=[checkout], severity=2),
        title="Certificate pinning broke mobile login",
        status=DRAFT,
        factors=[("configuration", "Pinned certificate rotated without an app release")],
    )
    return {"titled": titled, "mentioned": mentioned, "factored": factored, "draft": draft}


def test_finds_a_postmortem_by_a_word_from_its_contributing_factors(library, carol):
    hits = search_learnings(query="rotation", viewer=carol, filters={})

    factor = library["factored"].contributing_factors.get()
    assert set(found(hits)) == {("postmortem", library["factored"].pk), ("factor", factor.pk)}
    assert {hit.url for hit in hits} == {
        f"/postmortems/{library['factored'].pk}/",
        f"/postmortems/{library['factored'].pk}/#factors",
    }


def test_a_title_match_ranks_above_a_single_mention_in_a_body(library, carol):
    hits = search_learnings(query="certificate", viewer=carol, filters={})

    assert found(hits, "postmortem") == [
        ("postmortem", library["titled"].pk),
        ("postmortem", library["mentioned"].pk),
    ]
    titled, mentioned = (hit for hit in hits if hit.kind == "postmortem")
    assert titled.rank > mentioned.rank
    assert titled.title == "Certificate expiry took checkout down"


def test_incidents_and_follow_ups_are_found_too(payments, checkout, carol):
    outage = incident(
        payments, title="Checkout down", summary="Card payments timed out at the gateway"
    )
    item = ActionItem.objects.create(
        incident=outage, team=payments, title="Add a gateway timeout alert"
    )

    hits = search_learnings(query="gateway", viewer=carol, filters={})

    # The follow-up's title outweighs the incident's summary.
    assert found(hits) == [("followup", item.pk), ("incident", outage.pk)]
    assert [hit.url for hit in hits] == [f"/follow-ups/{item.pk}/", f"/incidents/{outage.pk}/"]


def test_every_word_of_the_query_must_match(library, carol):
    assert found(search_learnings(query="certificate expiry", viewer=carol, filters={})) == [
        ("postmortem", library["titled"].pk)
    ]


def test_a_draft_is_found_only_by_those_who_may_read_it(library, alice, bob, carol, dave):
    draft = ("postmortem", library["draft"].pk)
    draft_factor = ("factor", library["draft"].contributing_factors.get().pk)

    def results(viewer):
        return found(search_learnings(query="certificate", viewer=viewer, filters={}))

    assert draft not in results(carol)
    assert draft_factor not in results(carol)
    assert draft not in results(bob)
    assert {draft, draft_factor} <= set(results(alice))  # a member of the incident's team
    assert {draft, draft_factor} <= set(results(dave))  # staff
    ReviewRequest.objects.create(postmortem=library["draft"], reviewer=bob)
    assert {draft, draft_factor} <= set(results(bob))
    assert search_learnings(query="certificate", viewer=AnonymousUser(), filters={}) == []


def test_a_draft_is_found_by_the_incident_commander(library, carol):
    Incident.objects.filter(pk=library["draft"].incident_id).update(commander=carol)

    hits = search_learnings(query="pinning", viewer=carol, filters={})

    assert ("postmortem", library["draft"].pk) in found(hits)


def test_filters_narrow_by_team_service_severity_category_and_dates(
    library, payments, platform, search, carol
):
    def results(**filters):
        return found(search_learnings(query="certificate", viewer=carol, filters=filters))

    titled, mentioned = (
        ("postmortem", library["titled"].pk),
        ("postmortem", library["mentioned"].pk),
    )
    assert results(team=platform) == [mentioned]
    assert results(team=payments.pk) == [titled]
    assert results(service=search) == [mentioned]
    assert results(severity=1) == [titled]
    assert results(severity=[1, 3]) == [titled, mentioned]
    # The mentioned postmortem's incident started on 5 January (Berlin time).
    assert results(start=date(2026, 1, 6)) == [titled]
    assert results(end=date(2026, 1, 5)) == [mentioned]
    assert results(start=date(2026, 1, 5), end=date(2026, 1, 5)) == [mentioned]
    tooling = FactorCategory.objects.get(slug="tooling")
    assert found(search_learnings(query="rotation", viewer=carol, filters={"category": tooling}))
    assert results(category=tooling) == []
    with pytest.raises(ValueError, match="colour"):
        search_learnings(query="certificate", viewer=carol, filters={"colour": "red"})


def test_a_category_filter_does_not_reveal_a_drafts_factors(library, carol, alice):
    configuration = FactorCategory.objects.get(slug="configuration")

    def results(viewer):
        hits = search_learnings(
            query="mobile login", viewer=viewer, filters={"category": configuration}
        )
        return found(hits, "incident")

    assert results(carol) == []
    assert results(alice) == [("incident", library["draft"].incident_id)]


def test_results_come_in_pages(library, carol):
    everything = search_learnings(query="certificate", viewer=carol, filters={})

    first = search_learnings(query="certificate", viewer=carol, filters={}, limit=1)
    rest = search_learnings(query="certificate", viewer=carol, filters={}, limit=10, offset=1)

    assert len(everything) == 2
    assert first + rest == everything


def test_an_empty_query_finds_nothing(library, carol, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search_learnings(query="  ?! ", viewer=carol, filters={}) == []


def test_a_search_is_one_query(library, alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        hits = search_learnings(query="certificate", viewer=alice, filters={"severity": [1, 2, 3]})

    assert len(hits) == 4


def test_equal_ranks_come_newest_incident_first_across_pages(payments, carol):
    """Same-titled follow-ups rank alike: a page boundary among them must neither skip nor
    repeat one, however the pages cut through the tie."""
    items = [
        ActionItem.objects.create(
            incident=incident(
                payments, title=f"Outage {day}", started=datetime(2026, 3, day, tzinfo=BERLIN)
            ),
            team=payments,
            title="Alert on replica lag",
        )
        for day in (3, 9, 1, 7, 5)
    ]
    newest_first = [("followup", item.pk) for item in (items[1], items[3], items[4], items[0])]
    newest_first.append(("followup", items[2].pk))

    def page(offset, limit=2):
        return found(
            search_learnings(query="replica", viewer=carol, filters={}, offset=offset, limit=limit)
        )

    assert page(0, limit=10) == newest_first
    assert page(0) + page(2) + page(4) == newest_first
    assert page(1, limit=3) == newest_first[1:4]


def test_text_written_after_the_postmortem_started_is_found(library, payments, carol):
    started = library["factored"]
    content = SectionContent.objects.create(
        postmortem=started,
        section=started.template.sections.last(),
        body="A stale connection pool kept failing over",
    )

    assert ("postmortem", started.pk) in found(
        search_learnings(query="stale pool", viewer=carol, filters={})
    )
    content.body = "The retry budget ran out"
    content.save()
    assert found(search_learnings(query="stale pool", viewer=carol, filters={})) == []
    assert found(search_learnings(query="retry budget", viewer=carol, filters={})) == [
        ("postmortem", started.pk)
    ]
    Postmortem.objects.filter(pk=started.pk).update(title="Refunds held by a retry storm")
    assert found(search_learnings(query="storm", viewer=carol, filters={})) == [
        ("postmortem", started.pk)
    ]


def test_a_removed_factor_no_longer_finds_its_postmortem(library, carol):
    library["factored"].contributing_factors.all().delete()

    assert found(search_learnings(query="rotation", viewer=carol, filters={})) == []


def test_an_edited_incident_is_found_by_its_new_summary(payments, carol):
    outage = incident(payments, title="Checkout down")
    outage.summary = "The gateway dropped card payments"
    outage.save()

    assert found(search_learnings(query="gateway", viewer=carol, filters={})) == [
        ("incident", outage.pk)
    ]


def test_a_deleted_incident_takes_its_postmortem_out_of_the_results(library, carol):
    Incident.objects.filter(pk=library["titled"].incident_id).delete()

    hits = search_learnings(query="certificate", viewer=carol, filters={})

    assert found(hits) == [("postmortem", library["mentioned"].pk)]
