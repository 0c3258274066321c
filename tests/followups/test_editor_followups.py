"""Follow-ups in the postmortem editor: added, edited and reordered in the follow-ups section,
through htmx fragments and through plain posts alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups import services
from postmortems import services as postmortem_services
from postmortems.models import FactorCategory, PostmortemTemplate, ReviewRequest
from tests.conftest import HTMX


@pytest.fixture
def postmortem(incident, alice):
    standard = PostmortemTemplate.objects.get(slug="standard")
    return postmortem_services.postmortem_start(incident=incident, template=standard, by=alice)


@pytest.fixture
def factor(postmortem, alice):
    return postmortem_services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="configuration"),
        description="The retry budget was unbounded.",
        by=alice,
    )


def section_url(postmortem) -> str:
    return f"/postmortems/{postmortem.pk}/sections/follow-ups/"


def items_url(postmortem, *rest) -> str:
    return "/".join([f"/postmortems/{postmortem.pk}/follow-ups", *map(str, rest), ""])


def titles(postmortem) -> list[str]:
    return [item.title for item in postmortem.action_items.all()]


def add(postmortem, alice, *titles):
    return [
        services.item_create(
            incident=postmortem.incident, postmortem=postmortem, title=title, by=alice
        )
        for title in titles
    ]


def new_item(payments, **changes) -> dict:
    return {
        "title": "Alert on queue depth",
        "description": "",
        "kind": "detect",
        "team": payments.pk,
        "owner": "",
        "priority": "2",
        "due_date": "",
        "tracker_url": "",
        "contributing_factor": "",
        **changes,
    }


def test_the_follow_ups_section_lists_items_in_order(alice_client, alice, bob, postmortem):
    _, second = add(postmortem, alice, "Alert on queue depth", "Bound the retry budget")
    services.item_update(
        item=second,
        by=alice,
        changes={"owner": bob, "due_date": timezone.localdate() + timedelta(days=3)},
    )
    page = alice_client.get(section_url(postmortem))
    assert page.status_code == 200
    region = page.text[page.text.index('id="followups"') :]
    assert region.index("Alert on queue depth") < region.index("Bound the retry budget")
    assert "owner Bob" in region
    assert "no owner yet" in region
    assert "Add a follow-up" in region
    # Above the section's own text.
    assert page.text.index('id="followups"') < page.text.index('id="section-form"')


def test_other_sections_do_not_show_follow_ups(alice_client, postmortem):
    page = alice_client.get(f"/postmortems/{postmortem.pk}/sections/summary/")
    assert 'id="followups"' not in page.text


def test_adding_with_htmx_answers_the_region(alice_client, postmortem, payments, alice):
    response = alice_client.post(items_url(postmortem), new_item(payments), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="followups"' in response.text
    assert "Follow-up “Alert on queue depth” added." in response.text
    item = postmortem.action_items.get()
    assert (item.incident, item.postmortem, item.team, item.kind, item.created_by) == (
        postmortem.incident,
        postmortem,
        payments,
        "detect",
        alice,
    )
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_adding_without_javascript_comes_back_to_the_section(alice_client, postmortem, payments):
    response = alice_client.post(items_url(postmortem), new_item(payments))
    assert response.status_code == 302
    assert response["Location"] == section_url(postmortem) + "#followups"
    page = alice_client.get(response["Location"])
    assert "Follow-up “Alert on queue depth” added." in page.text
    assert titles(postmortem) == ["Alert on queue depth"]


def test_a_past_due_date_is_refused_and_the_typed_input_kept(alice_client, postmortem, payments):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = new_item(payments, title="Typed title", due_date=yesterday)
    response = alice_client.post(items_url(postmortem), data, headers=HTMX)
    assert response.status_code == 422
    assert "A new follow-up cannot be due in the past." in response.text
    assert 'value="Typed title"' in response.text
    # Without JavaScript, a page with the form as typed.
    page = alice_client.post(items_url(postmortem), data)
    assert page.status_code == 422
    assert "<html" in page.text
    assert "A new follow-up cannot be due in the past." in page.text
    assert 'value="Typed title"' in page.text
    assert not postmortem.action_items.exists()


def test_an_item_can_address_one_of_the_postmortems_factors(
    alice_client, postmortem, payments, factor
):
    page = alice_client.get(section_url(postmortem))
    assert "The retry budget was unbounded." in page.text
    alice_client.post(items_url(postmortem), new_item(payments, contributing_factor=factor.pk))
    assert postmortem.action_items.get().contributing_factor == factor


def test_a_factor_of_another_postmortem_cannot_be_chosen(
    alice_client, bob, postmortem, payments, search
):
    from incidents import services as incident_services

    other = postmortem_services.postmortem_start(
        incident=incident_services.incident_declare(
            title="Search stale", severity=3, services=[search], reporter=bob
        ),
        template=postmortem.template,
        by=bob,
    )
    foreign = postmortem_services.factor_add(
        postmortem=other,
        category=FactorCategory.objects.get(slug="configuration"),
        description="Elsewhere",
        by=bob,
    )
    response = alice_client.post(
        items_url(postmortem), new_item(payments, contributing_factor=foreign.pk), headers=HTMX
    )
    assert response.status_code == 422
    assert "Choose a contributing factor of this postmortem." in response.text
    assert not postmortem.action_items.exists()


def test_the_edit_form_is_swapped_in_place(alice_client, alice, postmortem):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    response = alice_client.get(items_url(postmortem, item.pk, "edit"), headers=HTMX)
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<li id="followup-{item.pk}"')
    assert 'value="Alert on queue depth"' in response.text
    assert "Save follow-up" in response.text


def test_the_edit_link_without_javascript_goes_to_the_item_page(alice_client, alice, postmortem):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    response = alice_client.get(items_url(postmortem, item.pk, "edit"))
    assert response.status_code == 302
    assert response["Location"] == f"/follow-ups/{item.pk}/"


def edit_data(item, payments, **changes) -> dict:
    return {**new_item(payments, title=item.title, kind=item.kind, status=item.status), **changes}


def test_saving_an_edit_with_htmx_swaps_the_list_back(alice_client, alice, postmortem, payments):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    response = alice_client.post(
        items_url(postmortem, item.pk, "edit"),
        edit_data(item, payments, title="Alert on queue age", status="in_progress"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="followups"' in response.text
    assert "Save follow-up" not in response.text
    assert "Alert on queue age" in response.text
    item.refresh_from_db()
    assert (item.title, item.status) == ("Alert on queue age", "in_progress")
    assert {change.field for change in item.changes.all()} == {"title", "status"}


def test_saving_an_edit_without_javascript_comes_back(alice_client, alice, postmortem, payments):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    response = alice_client.post(
        items_url(postmortem, item.pk, "edit"), edit_data(item, payments, priority="1")
    )
    assert response.status_code == 302
    assert response["Location"] == section_url(postmortem) + "#followups"
    item.refresh_from_db()
    assert item.priority == 1


def test_an_invalid_edit_keeps_the_form_open_with_the_typed_input(
    alice_client, alice, postmortem, payments
):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    data = edit_data(item, payments, title="Typed", status="wont_do")
    response = alice_client.post(items_url(postmortem, item.pk, "edit"), data, headers=HTMX)
    assert response.status_code == 422
    assert "Say why this will not be done." in response.text
    assert 'value="Typed"' in response.text
    assert 'id="followups"' in response.text
    # Without JavaScript, the item's page with its form as typed.
    page = alice_client.post(items_url(postmortem, item.pk, "edit"), data)
    assert page.status_code == 422
    assert "Say why this will not be done." in page.text
    assert 'value="Typed"' in page.text
    item.refresh_from_db()
    assert item.title == "Alert on queue depth"


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_reordering_moves_an_item_up_and_down(alice_client, alice, postmortem, headers):
    first, _, third = add(postmortem, alice, "First", "Second", "Third")
    response = alice_client.post(
        items_url(postmortem, third.pk, "move"), {"direction": "up"}, headers=headers
    )
    assert titles(postmortem) == ["First", "Third", "Second"]
    if headers:
        assert response.status_code == 200
        assert "“Third” moved up." in response.text
        region = response.text[response.text.index("<ol") :]
        assert region.index("First") < region.index("Third") < region.index("Second")
    else:
        assert response.status_code == 302
        assert response["Location"] == section_url(postmortem) + "#followups"
    alice_client.post(
        items_url(postmortem, first.pk, "move"), {"direction": "down"}, headers=headers
    )
    assert titles(postmortem) == ["Third", "First", "Second"]


def test_someone_who_may_not_read_the_draft_sees_nothing_of_it(bob_client, alice, postmortem):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    assert bob_client.get(items_url(postmortem), headers=HTMX).status_code == 403
    assert bob_client.get(items_url(postmortem, item.pk, "edit"), headers=HTMX).status_code == 403


def test_the_first_cannot_move_up_nor_the_last_down(alice_client, alice, postmortem):
    add(postmortem, alice, "First", "Last")
    page = alice_client.get(section_url(postmortem)).text
    assert 'aria-label="Move “First” up" disabled' in page
    assert 'aria-label="Move “First” down">' in page
    assert 'aria-label="Move “Last” up">' in page
    assert 'aria-label="Move “Last” down" disabled' in page


def test_a_move_needs_a_direction(alice_client, alice, postmortem):
    (item,) = add(postmortem, alice, "Only")
    response = alice_client.post(items_url(postmortem, item.pk, "move"), {"direction": "left"})
    assert response.status_code == 400


def test_an_item_of_another_postmortem_is_not_found_here(alice_client, alice, bob, postmortem):
    (item,) = add(postmortem, alice, "Ours")
    from incidents import services as incident_services

    other_incident = incident_services.incident_declare(
        title="Checkout slow", severity=3, services=[item.incident.services.get()], reporter=alice
    )
    other = postmortem_services.postmortem_start(
        incident=other_incident, template=postmortem.template, by=alice
    )
    response = alice_client.post(items_url(other, item.pk, "move"), {"direction": "up"})
    assert response.status_code == 404


def test_a_reviewer_from_another_team_sees_the_list_but_cannot_change_it(
    bob_client, alice, bob, postmortem, payments
):
    (item,) = add(postmortem, alice, "Alert on queue depth")
    ReviewRequest.objects.create(postmortem=postmortem, reviewer=bob, requested_by=alice)
    page = bob_client.get(section_url(postmortem))
    assert "Alert on queue depth" in page.text
    assert "Add a follow-up" not in page.text
    assert "Move “Alert on queue depth”" not in page.text
    assert bob_client.post(items_url(postmortem), new_item(payments)).status_code == 403
    edit = items_url(postmortem, item.pk, "edit")
    assert bob_client.get(edit, headers=HTMX).status_code == 403
    assert bob_client.post(edit, edit_data(item, payments, title="Bob's")).status_code == 403
    move = items_url(postmortem, item.pk, "move")
    assert bob_client.post(move, {"direction": "down"}).status_code == 403
    item.refresh_from_db()
    assert item.title == "Alert on queue depth"
    assert postmortem.action_items.count() == 1


def test_the_list_alone_for_htmx_and_the_section_otherwise(alice_client, alice, postmortem):
    add(postmortem, alice, "Alert on queue depth")
    fragment = alice_client.get(items_url(postmortem), headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.strip().startswith('<section id="followups"')
    page = alice_client.get(items_url(postmortem))
    assert page.status_code == 302
    assert page["Location"] == section_url(postmortem) + "#followups"
