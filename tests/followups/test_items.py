"""A follow-up's rules, its page, its history, and who may change it."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from followups import services
from followups.models import ActionItem
from postmortems import services as postmortem_services
from postmortems.models import FactorCategory, PostmortemTemplate


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def item(incident, alice):
    return services.item_create(
        incident=incident, title="Alert on queue depth", by=alice, owner=alice, due_date=in_days(7)
    )


@pytest.fixture
def postmortem(incident, alice):
    standard = PostmortemTemplate.objects.get(slug="standard")
    return postmortem_services.postmortem_start(incident=incident, template=standard, by=alice)


def factor_of(postmortem, by, description="The retry budget was unbounded."):
    return postmortem_services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="configuration"),
        description=description,
        by=by,
    )


def messages_of(error: ValidationError) -> dict:
    return error.value.message_dict


def edit_data(item, **changes) -> dict:
    """What the item page's edit form posts when loaded now and saved with `changes`."""
    loaded = {
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "team": item.team_id,
        "owner": item.owner_id or "",
        "priority": item.priority,
        "due_date": item.due_date.isoformat() if item.due_date else "",
        "status": item.status,
        "wont_do_reason": item.wont_do_reason,
        "tracker_url": item.tracker_url,
    }
    if item.postmortem_id:
        loaded["contributing_factor"] = item.contributing_factor_id or ""
    return {**loaded, **{f"initial-{k}": v for k, v in loaded.items()}, **changes}


class FormValues(HTMLParser):
    """What a browser would post from the form whose action is `action`, left as rendered."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("type") not in {"submit", "checkbox"}:
            self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""
        elif tag == "select":
            self.select = attrs["name"]
            self.values.setdefault(self.select, "")
        elif tag == "option" and "selected" in attrs:
            self.values[self.select] = attrs["value"]

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.values[self.textarea] += data.removeprefix("\n")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None


def rendered_form(client, url: str, action: str) -> dict:
    parser = FormValues(action)
    parser.feed(client.get(url).text)
    return parser.values


# --- Rules --------------------------------------------------------------------------------------


def test_a_new_item_takes_the_incidents_team_and_starts_open(item, incident, payments, alice):
    assert (item.team, item.incident, item.status) == (payments, incident, "open")
    assert item.completed_at is None
    assert item.created_by == alice


def test_a_new_item_cannot_be_due_in_the_past(incident, alice):
    with pytest.raises(ValidationError) as error:
        services.item_create(incident=incident, title="Late", by=alice, due_date=in_days(-1))
    assert messages_of(error) == {"due_date": ["A new follow-up cannot be due in the past."]}
    assert not ActionItem.objects.exists()


def test_an_item_due_today_is_accepted(incident, alice):
    item = services.item_create(incident=incident, title="Today", by=alice, due_date=in_days(0))
    assert not item.is_overdue


def test_a_blank_title_is_refused(incident, alice):
    with pytest.raises(ValidationError) as error:
        services.item_create(incident=incident, title="   ", by=alice)
    assert "title" in messages_of(error)


@pytest.mark.parametrize(
    "url", ["ftp://tracker.example.org/ISSUE-1", "javascript:alert(1)", "not a link", "https://"]
)
def test_a_tracker_link_must_be_a_web_address(incident, alice, url):
    with pytest.raises(ValidationError) as error:
        services.item_create(incident=incident, title="Track it", by=alice, tracker_url=url)
    assert messages_of(error) == {
        "tracker_url": ["Enter the tracker's web address, starting with https:// or http://."]
    }


def test_a_changed_tracker_link_is_checked_too(item, alice):
    with pytest.raises(ValidationError):
        services.item_update(
            item=item, by=alice, changes={"tracker_url": "ftp://files.example.org/x"}
        )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://acme.atlassian.net/browse/PAY-12", "Jira"),
        ("https://github.com/acme/payments/issues/7", "GitHub"),
        ("https://gitlab.acme.org/payments/-/issues/7", "GitLab"),
        ("https://linear.app/acme/issue/PAY-3", "Linear"),
        ("https://tickets.acme.org/42", "tickets.acme.org"),
    ],
)
def test_the_tracker_is_named_after_its_address(incident, alice, url, name):
    item = services.item_create(incident=incident, title="Track it", by=alice, tracker_url=url)
    assert item.tracker_name == name


def test_an_inactive_owner_is_refused(incident, alice, carol):
    carol.is_active = False
    carol.save()
    with pytest.raises(ValidationError) as error:
        services.item_create(incident=incident, title="Orphan", by=alice, owner=carol)
    assert messages_of(error) == {
        "owner": ["The owner must be an active member of the organisation."]
    }


def test_an_owner_who_left_since_does_not_block_other_changes(item, alice):
    alice.is_active = False
    alice.save()
    services.item_update(item=item, by=alice, changes={"priority": 1})
    item.refresh_from_db()
    assert (item.owner, item.priority) == (alice, 1)


def test_a_factor_of_another_postmortem_is_refused(postmortem, incident, alice, bob, search):
    from incidents import services as incident_services

    other_incident = incident_services.incident_declare(
        title="Search stale", severity=3, services=[search], reporter=bob
    )
    other = postmortem_services.postmortem_start(
        incident=other_incident, template=postmortem.template, by=bob
    )
    foreign = factor_of(other, bob)
    with pytest.raises(ValidationError) as error:
        services.item_create(
            incident=incident,
            title="Fix it",
            by=alice,
            postmortem=postmortem,
            contributing_factor=foreign,
        )
    assert messages_of(error) == {
        "contributing_factor": ["Choose a contributing factor of this postmortem."]
    }


def test_wont_do_needs_a_reason(item, alice):
    with pytest.raises(ValidationError) as error:
        services.item_set_status(item=item, status="wont_do", by=alice)
    assert messages_of(error) == {"wont_do_reason": ["Say why this will not be done."]}
    item.refresh_from_db()
    assert item.status == "open"


def test_completed_at_is_set_when_closed_and_cleared_when_reopened(item, alice):
    services.item_set_status(item=item, status="done", by=alice)
    item.refresh_from_db()
    assert item.status == "done"
    assert item.completed_at is not None
    done_at = item.completed_at

    services.item_set_status(item=item, status="wont_do", by=alice, reason="Superseded.")
    item.refresh_from_db()
    assert (item.completed_at, item.wont_do_reason) == (done_at, "Superseded.")

    services.item_set_status(item=item, status="in_progress", by=alice)
    item.refresh_from_db()
    assert (item.status, item.completed_at, item.wont_do_reason) == ("in_progress", None, "")


def test_done_after_wont_do_forgets_the_reason(item, alice):
    services.item_set_status(item=item, status="wont_do", by=alice, reason="No budget.")
    services.item_set_status(item=item, status="done", by=alice)
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == ("done", "")


def test_each_change_is_recorded_with_who_made_it(item, alice, bob):
    services.item_update(
        item=item,
        by=alice,
        changes={"status": "in_progress", "due_date": in_days(14), "owner": bob},
    )
    changes = {change.field: change for change in item.changes.all()}
    assert set(changes) == {"status", "due_date", "owner"}
    assert (changes["status"].old_value, changes["status"].new_value) == ("Open", "In progress")
    assert changes["owner"].old_value == "Alice"
    assert changes["owner"].new_value == "Bob"
    assert changes["due_date"].new_value == str(in_days(14))
    assert {change.actor for change in changes.values()} == {alice}


def test_an_unchanged_save_records_nothing(item, alice):
    services.item_update(item=item, by=alice, changes={"title": item.title})
    assert not item.changes.exists()


def test_moving_keeps_the_order_within_its_postmortem(postmortem, incident, alice):
    first, _, third = (
        services.item_create(incident=incident, postmortem=postmortem, title=title, by=alice)
        for title in ["First", "Second", "Third"]
    )
    services.item_move(item=third, offset=-1, by=alice)
    assert [i.title for i in postmortem.action_items.all()] == ["First", "Third", "Second"]
    services.item_move(item=first, offset=-1, by=alice)  # already at the top
    assert [i.title for i in postmortem.action_items.all()] == ["First", "Third", "Second"]
    services.item_move(item=first, offset=5, by=alice)
    assert [i.title for i in postmortem.action_items.all()] == ["Third", "Second", "First"]


# --- The item page ------------------------------------------------------------------------------


def test_the_page_shows_every_field_and_links(alice_client, alice, postmortem, incident):
    factor = factor_of(postmortem, alice)
    item = services.item_create(
        incident=incident,
        postmortem=postmortem,
        contributing_factor=factor,
        title="Bound the retry budget",
        description="Cap retries at three.",
        by=alice,
        owner=alice,
        priority=1,
        kind="mitigate",
        due_date=in_days(10),
        tracker_url="https://acme.atlassian.net/browse/PAY-12",
    )
    page = alice_client.get(f"/follow-ups/{item.pk}/")
    assert page.status_code == 200
    for text in [
        "Bound the retry budget",
        "Cap retries at three.",
        "Mitigate",
        "High",
        "Payments",
        "Alice",
        "Open in Jira",
        'href="https://acme.atlassian.net/browse/PAY-12"',
        f'href="/incidents/{incident.pk}/"',
        f'href="/postmortems/{postmortem.pk}/"',
        f'href="/postmortems/{postmortem.pk}/sections/contributing-factors/"',
        "The retry budget was unbounded.",
        "Not changed since it was added.",
    ]:
        assert text in page.text, text


def test_the_page_shows_the_history_newest_first(alice_client, alice, item):
    services.item_set_status(item=item, status="in_progress", by=alice)
    services.item_update(item=item, by=alice, changes={"due_date": in_days(30)})
    page = alice_client.get(f"/follow-ups/{item.pk}/")
    history = page.text[page.text.index("History") :]
    assert history.index("changed the due date") < history.index("changed the status")
    assert "Alice changed the status from <q>Open</q> to <q>In progress</q>" in history


def test_a_long_history_is_paged(alice_client, alice, item):
    for n in range(30):
        services.item_update(item=item, by=alice, changes={"title": f"Title {n}"})
    page = alice_client.get(f"/follow-ups/{item.pk}/")
    assert page.text.count("changed the title") == 25
    assert "Page 1 of 2" in page.text
    assert alice_client.get(f"/follow-ups/{item.pk}/?page=2").text.count("changed the title") == 5


def test_a_missing_item_is_not_found(alice_client, db):
    assert alice_client.get("/follow-ups/999/").status_code == 404


def test_anyone_signed_in_may_read_an_item(bob_client, item):
    page = bob_client.get(f"/follow-ups/{item.pk}/")
    assert page.status_code == 200
    assert "Alert on queue depth" in page.text
    assert f'action="/follow-ups/{item.pk}/edit/"' not in page.text
    assert "Change status" not in page.text


def test_signed_out_people_are_sent_to_log_in(client, item):
    response = client.get(f"/follow-ups/{item.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_editing_saves_and_records_history(alice_client, alice, bob, item):
    response = alice_client.post(
        f"/follow-ups/{item.pk}/edit/",
        edit_data(item, owner=bob.pk, due_date=in_days(21).isoformat(), priority=1),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/follow-ups/{item.pk}/"
    item.refresh_from_db()
    assert (item.owner, item.due_date, item.priority) == (bob, in_days(21), 1)
    assert {change.field for change in item.changes.all()} == {"owner", "due_date", "priority"}


def test_saving_the_form_as_rendered_changes_nothing(alice_client, postmortem, incident, alice):
    item = services.item_create(
        incident=incident,
        postmortem=postmortem,
        contributing_factor=factor_of(postmortem, alice),
        title="Bound the retry budget",
        description="Cap retries\nat three.",
        by=alice,
        owner=alice,
        priority=1,
        due_date=in_days(3),
        tracker_url="https://github.com/acme/payments/issues/7",
    )
    data = rendered_form(alice_client, f"/follow-ups/{item.pk}/", f"/follow-ups/{item.pk}/edit/")
    assert data["initial-title"] == "Bound the retry budget"
    response = alice_client.post(f"/follow-ups/{item.pk}/edit/", data)
    assert response.status_code == 302
    assert not item.changes.exists()
    item.refresh_from_db()
    assert (item.description, item.due_date) == ("Cap retries\nat three.", in_days(3))

    bare = services.item_create(incident=incident, title="Nothing set", by=alice)
    data = rendered_form(alice_client, f"/follow-ups/{bare.pk}/", f"/follow-ups/{bare.pk}/edit/")
    assert alice_client.post(f"/follow-ups/{bare.pk}/edit/", data).status_code == 302
    assert not bare.changes.exists()


def test_editing_changes_only_what_this_person_changed(alice_client, alice, item):
    loaded = edit_data(item, title="Alert on queue depth and age")
    # Meanwhile someone else moved the due date.
    services.item_update(item=item, by=alice, changes={"due_date": in_days(30)})
    alice_client.post(f"/follow-ups/{item.pk}/edit/", loaded)
    item.refresh_from_db()
    assert (item.title, item.due_date) == ("Alert on queue depth and age", in_days(30))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"tracker_url": "ftp://files.example.org/x"}, "tracker_url", "starting with https://"),
        ({"status": "wont_do"}, "wont_do_reason", "Say why this will not be done."),
        ({"title": ""}, "title", "This field is required."),
        ({"owner": "9999"}, "owner", "The owner must be an active member of the organisation."),
    ],
)
def test_invalid_edits_come_back_with_the_typed_input(alice_client, item, changes, field, message):
    data = edit_data(item, description="Typed but not saved", **changes)
    response = alice_client.post(f"/follow-ups/{item.pk}/edit/", data)
    assert response.status_code == 422
    assert message in response.text
    assert "Typed but not saved" in response.text
    assert response.context["edit_form"].errors[field]
    item.refresh_from_db()
    assert item.description == ""


def test_an_inactive_owner_cannot_be_chosen(alice_client, item, carol):
    carol.is_active = False
    carol.save()
    response = alice_client.post(f"/follow-ups/{item.pk}/edit/", edit_data(item, owner=carol.pk))
    assert response.status_code == 422
    assert "The owner must be an active member of the organisation." in response.text


def test_wont_do_with_a_reason_from_the_edit_form(alice_client, item):
    response = alice_client.post(
        f"/follow-ups/{item.pk}/edit/",
        edit_data(item, status="wont_do", wont_do_reason="The queue is being retired."),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == ("wont_do", "The queue is being retired.")
    assert item.completed_at is not None


def test_the_status_form_marks_it_done(alice_client, item):
    response = alice_client.post(f"/follow-ups/{item.pk}/status/", {"status": "done"})
    assert response.status_code == 302
    page = alice_client.get(response["Location"])
    assert "Status changed to Done." in page.text
    item.refresh_from_db()
    assert item.status == "done"


def test_the_status_form_asks_why_for_wont_do(alice_client, item):
    response = alice_client.post(f"/follow-ups/{item.pk}/status/", {"status": "wont_do"})
    assert response.status_code == 422
    assert "Say why this will not be done." in response.text
    response = alice_client.post(
        f"/follow-ups/{item.pk}/status/", {"status": "wont_do", "reason": "Superseded by PAY-9"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == ("wont_do", "Superseded by PAY-9")


# --- Permissions --------------------------------------------------------------------------------


def test_someone_in_another_team_cannot_edit(bob_client, item):
    response = bob_client.post(f"/follow-ups/{item.pk}/edit/", edit_data(item, title="Bob's"))
    assert response.status_code == 403
    response = bob_client.post(f"/follow-ups/{item.pk}/status/", {"status": "done"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.title, item.status) == ("Alert on queue depth", "open")


def test_staff_may_edit_any_item(dave_client, item):
    response = dave_client.post(f"/follow-ups/{item.pk}/status/", {"status": "done"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"


def test_an_item_given_to_another_team_is_theirs_to_edit(bob_client, alice, item, platform):
    services.item_update(item=item, by=alice, changes={"team": platform})
    response = bob_client.post(f"/follow-ups/{item.pk}/status/", {"status": "in_progress"})
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["get", "put"])
def test_the_edit_and_status_urls_only_take_posts(alice_client, item, method):
    assert getattr(alice_client, method)(f"/follow-ups/{item.pk}/edit/").status_code == 405
    assert getattr(alice_client, method)(f"/follow-ups/{item.pk}/status/").status_code == 405


# --- The admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def admin_data(item, **changes) -> dict:
    data = {
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "team": item.team_id,
        "owner": item.owner_id or "",
        "priority": item.priority,
        "due_date": item.due_date.isoformat() if item.due_date else "",
        "status": item.status,
        "wont_do_reason": item.wont_do_reason,
        "tracker_url": item.tracker_url,
        "contributing_factor": "",
        "position": item.position,
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_the_admin_lists_items_and_shows_their_history(admin_client, alice, item):
    services.item_set_status(item=item, status="in_progress", by=alice)
    assert "Alert on queue depth" in admin_client.get("/admin/followups/actionitem/").text
    page = admin_client.get(f"/admin/followups/actionitem/{item.pk}/change/")
    assert page.status_code == 200
    assert "In progress" in page.text
    assert admin_client.get("/admin/followups/actionitem/add/").status_code == 403


def test_a_change_in_the_admin_is_in_the_history(admin_client, item):
    response = admin_client.post(
        f"/admin/followups/actionitem/{item.pk}/change/", admin_data(item, status="done")
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    assert item.completed_at is not None
    change = item.changes.get()
    assert (change.field, change.actor.username) == ("status", "root")


def test_the_admin_refuses_what_the_app_refuses(admin_client, item, carol):
    carol.is_active = False
    carol.save()
    response = admin_client.post(
        f"/admin/followups/actionitem/{item.pk}/change/",
        admin_data(item, status="wont_do", owner=carol.pk, tracker_url="ftp://x.example.org/1"),
    )
    assert response.status_code == 200
    for message in [
        "Say why this will not be done.",
        "The owner must be an active member of the organisation.",
        "starting with https://",
    ]:
        assert message in response.text
    item.refresh_from_db()
    assert item.status == "open"


def test_the_log_of_sent_emails_is_read_only(admin_client, alice):
    from followups.models import SentNotification

    sent = SentNotification.objects.create(kind="reminder", recipient=alice, period="2026-11-29")
    assert admin_client.get("/admin/followups/sentnotification/").status_code == 200
    assert admin_client.get("/admin/followups/sentnotification/add/").status_code == 403
    page = admin_client.get(f"/admin/followups/sentnotification/{sent.pk}/change/")
    assert 'name="period"' not in page.text
