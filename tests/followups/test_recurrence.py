""" "Did the fix work?": done follow-ups whose kind of factor shows again on the same service
are marked as recurred, and a postmortem shows its prior art."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from followups import services
from followups.models import ActionItem
from followups.recurrence import mark_recurrences, prior_art
from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems.models import FactorCategory, Postmortem, PostmortemTemplate


def category(slug: str) -> FactorCategory:
    return FactorCategory.objects.get(slug=slug)


def incident_on(service, reporter, *, days_ago: int, title="Card payments failing", **kwargs):
    return incident_services.incident_declare(
        title=title,
        severity=2,
        services=[service],
        reporter=reporter,
        started_at=timezone.now().replace(second=0, microsecond=0) - timedelta(days=days_ago),
        **kwargs,
    )


def postmortem_with_factor(incident, by, slug: str):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=by
    )
    factor = postmortem_services.factor_add(
        postmortem=postmortem,
        category=category(slug),
        description="The processor's latency rose without an alert.",
        by=by,
    )
    return postmortem, factor


def follow_up(postmortem, factor, by, *, done_days_ago: int | None = 20, title="Alert on p99"):
    item = services.item_create(
        incident=postmortem.incident,
        postmortem=postmortem,
        contributing_factor=factor,
        title=title,
        by=by,
    )
    if done_days_ago is not None:
        services.item_set_status(item=item, status=ActionItem.Status.DONE, by=by)
        ActionItem.objects.filter(pk=item.pk).update(
            completed_at=timezone.now() - timedelta(days=done_days_ago)
        )
    return item


def publish(postmortem):
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=Postmortem.Status.PUBLISHED, published_at=timezone.now()
    )


@pytest.fixture
def earlier(alice, checkout):
    """A postmortem of a month ago with a dependency factor, and its follow-up, done."""
    postmortem, factor = postmortem_with_factor(
        incident_on(checkout, alice, days_ago=30), alice, "dependency"
    )
    return follow_up(postmortem, factor, alice)


def recur(service, reporter, slug: str, *, days_ago: int = 0, **kwargs):
    """A new incident whose postmortem records a factor; adding it marks recurrences."""
    incident = incident_on(service, reporter, days_ago=days_ago, title="Again", **kwargs)
    postmortem, _ = postmortem_with_factor(incident, reporter, slug)
    return postmortem, ActionItem.objects.filter(recurred_in=incident).count()


def test_same_kind_of_factor_on_the_same_service_marks_the_fix_as_recurred(
    earlier, alice, checkout
):
    postmortem, marked = recur(checkout, alice, "dependency")

    earlier.refresh_from_db()
    assert marked == 1
    assert earlier.recurred_in == postmortem.incident
    assert earlier.recurred_at is not None


def test_another_kind_of_factor_is_not_a_recurrence(earlier, alice, checkout):
    _, marked = recur(checkout, alice, "configuration")

    earlier.refresh_from_db()
    assert marked == 0
    assert earlier.recurred_in is None


def test_another_service_is_not_a_recurrence(earlier, bob, search):
    _, marked = recur(search, bob, "dependency")

    earlier.refresh_from_db()
    assert marked == 0
    assert earlier.recurred_in is None


def test_follow_ups_not_done_are_not_marked(alice, checkout):
    postmortem, factor = postmortem_with_factor(
        incident_on(checkout, alice, days_ago=30), alice, "dependency"
    )
    still_open = follow_up(postmortem, factor, alice, done_days_ago=None)
    wont_do = follow_up(postmortem, factor, alice, done_days_ago=None, title="Rewrite it")
    services.item_set_status(
        item=wont_do, status=ActionItem.Status.WONT_DO, by=alice, reason="Too big"
    )

    _, marked = recur(checkout, alice, "dependency")

    assert marked == 0
    unmarked = ActionItem.objects.filter(pk__in=[still_open.pk, wont_do.pk], recurred_in=None)
    assert unmarked.count() == 2


def test_a_fix_completed_after_the_new_incident_started_is_not_marked(earlier, alice, checkout):
    # The new incident started 25 days ago; the fix was only completed 20 days ago.
    _, marked = recur(checkout, alice, "dependency", days_ago=25)

    assert marked == 0


def test_a_drill_marks_nothing(earlier, alice, checkout):
    _, marked = recur(checkout, alice, "dependency", is_drill=True)

    assert marked == 0


def test_a_fix_is_marked_once_with_the_first_incident_it_recurred_in(earlier, alice, checkout):
    first, _ = recur(checkout, alice, "dependency", days_ago=5)
    recorded_at = ActionItem.objects.get(pk=earlier.pk).recurred_at

    _, marked_again = recur(checkout, alice, "dependency")

    assert marked_again == 0
    assert mark_recurrences(postmortem=first) == 0
    earlier.refresh_from_db()
    assert earlier.recurred_in == first.incident
    assert earlier.recurred_at == recorded_at


def test_the_overview_shows_prior_art_with_its_follow_ups_and_recurrences(
    earlier, alice, alice_client, checkout
):
    publish(earlier.postmortem)
    postmortem, _ = recur(checkout, alice, "dependency")

    page = alice_client.get(f"/postmortems/{postmortem.pk}/")

    assert "Prior art" in page.text
    assert f'href="/postmortems/{earlier.postmortem.pk}/"' in page.text
    assert "Dependency" in page.text
    assert "Alert on p99" in page.text
    assert f'recurred</strong> in <a href="/incidents/{postmortem.incident.pk}/">' in page.text


def test_prior_art_leaves_out_drafts_other_services_and_other_kinds(
    earlier, alice, bob, checkout, search
):
    publish(earlier.postmortem)
    other_kind, _ = postmortem_with_factor(incident_on(checkout, alice, days_ago=40), alice, "data")
    publish(other_kind)
    other_service, _ = postmortem_with_factor(
        incident_on(search, bob, days_ago=40), bob, "dependency"
    )
    publish(other_service)
    postmortem_with_factor(incident_on(checkout, alice, days_ago=40), alice, "dependency")  # draft

    postmortem, _ = recur(checkout, alice, "dependency")

    assert prior_art(postmortem=postmortem, viewer=alice) == [earlier.postmortem]


def test_prior_art_takes_the_same_number_of_queries_however_many_there_are(
    earlier, alice, checkout, django_assert_num_queries
):
    publish(earlier.postmortem)
    postmortem, _ = recur(checkout, alice, "dependency")
    with django_assert_num_queries(3):
        assert len(prior_art(postmortem=postmortem, viewer=alice)) == 1

    for days_ago in (40, 50, 60):
        older, factor = postmortem_with_factor(
            incident_on(checkout, alice, days_ago=days_ago), alice, "dependency"
        )
        follow_up(older, factor, alice, done_days_ago=days_ago - 5)
        follow_up(older, factor, alice, done_days_ago=None, title="Runbook")
        publish(older)
    with django_assert_num_queries(3):
        found = prior_art(postmortem=postmortem, viewer=alice)
        assert [len(each.followups) for each in found] == [1, 2, 2, 2]
        assert all(each.shared_factors for each in found)


def test_adding_a_factor_in_the_editor_marks_the_earlier_fix_as_recurred(
    alice_client, earlier, alice, checkout
):
    incident = incident_on(checkout, alice, days_ago=0, title="Again")
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )
    response = alice_client.post(
        f"/postmortems/{postmortem.pk}/factors/",
        {"category": category("dependency").pk, "description": "The retry storm again."},
    )
    assert response.status_code == 302
    earlier.refresh_from_db()
    assert earlier.recurred_in == incident
    # Calling it again marks nothing twice.
    assert mark_recurrences(postmortem=postmortem) == 0


# --- Private and binned incidents stay unnamed ------------------------------------------------


def test_prior_art_leaves_out_the_postmortems_of_private_incidents_the_viewer_may_not_see(
    alice, bob, checkout, payments
):
    payments.members.add(bob)  # bob edits the later draft; he is no responder of the first
    private, factor = postmortem_with_factor(
        incident_on(checkout, alice, days_ago=3, title="Secret breach", is_private=True),
        alice,
        "dependency",
    )
    follow_up(private, factor, alice, title="Rotate the HSM key")
    Postmortem.objects.filter(pk=private.pk).update(title="Private PM title")
    publish(private)
    postmortem, _ = recur(checkout, alice, "dependency")
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(f"/incidents/{private.incident.pk}/").status_code == 404

    page = bob_client.get(f"/postmortems/{postmortem.pk}/").text

    assert "Private PM title" not in page and "Rotate the HSM key" not in page
    assert prior_art(postmortem=postmortem, viewer=bob) == []
    # A responder of the private incident still finds it.
    assert prior_art(postmortem=postmortem, viewer=alice) == [private]


def test_prior_art_and_the_follow_up_page_do_not_name_a_private_recurrence(
    earlier, alice, bob, checkout, payments
):
    payments.members.add(bob)
    publish(earlier.postmortem)
    incident = incident_on(checkout, alice, days_ago=0, title="Secret breach of vault")
    incident.is_private = True
    incident.save(update_fields=["is_private"])
    ActionItem.objects.filter(pk=earlier.pk).update(
        recurred_in=incident, recurred_at=timezone.now()
    )
    later, _ = recur(checkout, alice, "dependency", days_ago=0)
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(f"/incidents/{incident.pk}/").status_code == 404

    detail = bob_client.get(f"/follow-ups/{earlier.pk}/").text
    assert "Secret breach of vault" not in detail and incident.reference not in detail
    assert "A later incident" in detail
    overview = bob_client.get(f"/postmortems/{later.pk}/").text
    assert "Alert on p99" in overview and incident.reference not in overview
    assert "recurred</strong> in a later incident" in overview
    # Its responders still see which incident it was.
    alice_client = Client()
    alice_client.force_login(alice)
    assert "Secret breach of vault" in alice_client.get(f"/follow-ups/{earlier.pk}/").text


def test_the_follow_up_page_does_not_name_a_binned_recurrence(
    earlier, alice, alice_client, checkout
):
    postmortem, marked = recur(checkout, alice, "dependency", days_ago=5)
    assert marked == 1
    incident_services.incident_delete(incident=postmortem.incident, by=alice)

    detail = alice_client.get(f"/follow-ups/{earlier.pk}/").text

    assert postmortem.incident.reference not in detail
    assert "A later incident" in detail
