"""Each kind of change the audit trail records, made through the services and pages that make
it: the entry says what was created, changed (with exactly the fields that changed, old and
new) or deleted, and by whom."""

from datetime import date

import pytest
from django.utils import timezone

from accounts.models import Profile, Role
from audit.models import AuditEntry
from culture import services as culture_services
from culture.models import Survey
from followups import services as followup_services
from followups.models import ActionItem, NotificationSettings
from incidents import services as incident_services
from incidents.models import Incident, TimelineEvent
from integrations.models import ApiToken
from integrations.tokens import token_create, token_mark_used, token_revoke
from outbound import services as outbound_services
from outbound.models import Destination
from postmortems import services as postmortem_services
from postmortems import template_services
from postmortems.models import (
    ContributingFactor,
    FactorCategory,
    PostmortemTemplate,
    SectionContent,
    TemplateSection,
)
from tests.builtins import ensure_builtin_rows
from webhooks import services as webhook_services
from webhooks.models import Endpoint, Route

from .conftest import entries_about, last_about

CREATED, CHANGED, DELETED = AuditEntry.Action


@pytest.fixture
def incident(alice, checkout):
    return incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )


@pytest.fixture
def postmortem(incident, alice):
    ensure_builtin_rows()
    template = PostmortemTemplate.objects.filter(is_builtin=True).first()
    return postmortem_services.postmortem_start(incident=incident, template=template, by=alice)


# Incidents ---------------------------------------------------------------------------------


def test_declaring_an_incident_records_its_creation(incident, alice, payments):
    entry = last_about(incident, CREATED)
    assert entry.actor_label == "Debrief"
    assert entry.object_label == f"{incident.reference} Card payments failing"
    assert entry.team == payments
    assert entry.incident_number == incident.pk
    assert entry.changes["title"] == [None, "Card payments failing"]
    assert entry.changes["severity"] == [None, 2]
    assert entry.changes["reporter"] == [None, "alice"]
    assert "version" not in entry.changes and "updated_at" not in entry.changes


def test_changing_the_severity_records_exactly_that(incident, alice_client):
    response = alice_client.post(f"/incidents/{incident.pk}/severity/", {"severity": 1})
    assert response.status_code in {200, 302}

    entry = last_about(incident, CHANGED)
    assert entry.changes == {"severity": [2, 1]}
    assert entry.actor_label == "alice"


def test_an_edit_records_each_changed_detail_with_text_as_lengths(incident, alice):
    incident_services.incident_update(
        incident=incident,
        by=alice,
        changes={"title": "Card payments slow", "summary": "Timeouts at the gateway."},
    )

    assert last_about(incident, CHANGED).changes == {
        "title": ["Card payments failing", "Card payments slow"],
        "summary": {"characters": [0, 24]},
    }


def test_responders_and_privacy_are_recorded(incident, alice, bob):
    incident = Incident.objects.get(pk=incident.pk)
    incident.is_private = True
    incident.save()
    incident.responders.add(bob)
    incident.responders.remove(bob)

    # Declaring set the services after the incident was created: a change of its own.
    changes = [entry.changes for entry in entries_about(incident, CHANGED)]
    assert changes == [
        {"services": {"added": ["Checkout"]}},
        {"is_private": [False, True]},
        {"responders": {"added": ["bob"]}},
        {"responders": {"removed": ["bob"]}},
    ]


def test_the_bin_is_a_change_of_deleted_at(incident, alice):
    incident = Incident.objects.get(pk=incident.pk)
    incident.deleted_at = timezone.now()
    incident.deleted_by = alice
    incident.save(update_fields=["deleted_at", "deleted_by"])
    incident.deleted_at = None
    incident.deleted_by = None
    incident.save(update_fields=["deleted_at", "deleted_by"])

    moved, restored = entries_about(incident, CHANGED)[-2:]
    assert moved.changes["deleted_at"][0] is None and moved.changes["deleted_at"][1]
    assert moved.changes["deleted_by"] == [None, "alice"]
    assert restored.changes["deleted_at"][1] is None


def test_deleting_an_incident_records_it_and_its_timeline(incident):
    event_pks = list(incident.events.values_list("pk", flat=True))
    Incident.objects.get(pk=incident.pk).delete()

    deleted = AuditEntry.objects.filter(action=DELETED, incident_number=incident.pk)
    assert {(e.object_type, e.object_id) for e in deleted} == {
        ("incidents.incident", str(incident.pk)),
        *(("incidents.timelineevent", str(pk)) for pk in event_pks),
    }


# The timeline ------------------------------------------------------------------------------


def test_a_note_records_the_created_timeline_event(incident, alice):
    event = incident_services.incident_add_note(incident=incident, body="Rolled back", by=alice)

    entry = last_about(event, CREATED)
    assert entry.object_type == "incidents.timelineevent"
    assert entry.incident_number == incident.pk
    assert entry.changes["kind"] == [None, TimelineEvent.Kind.NOTE]
    assert entry.changes["body"] == {"characters": [None, 11]}
    assert entry.changes["author"] == [None, "alice"]


# Postmortems --------------------------------------------------------------------------------


def test_starting_and_publishing_a_postmortem(postmortem, incident, alice, bob):
    assert last_about(postmortem, CREATED).incident_number == incident.pk

    postmortem_services.review_request(postmortem=postmortem, by=alice, reviewers=[bob])
    assert last_about(postmortem, CHANGED).changes == {"status": ["draft", "in_review"]}


def test_a_section_save_records_its_length_not_its_text(postmortem, alice):
    content = SectionContent.objects.filter(postmortem=postmortem, body="").first()
    postmortem_services.section_save(
        content=content, body="The check was missing.", by=alice, expected_version=content.version
    )

    entry = last_about(content, CHANGED)
    assert entry.changes == {"body": {"characters": [0, 22]}}
    assert entry.incident_number == postmortem.incident_id
    assert "The check" not in str(entry.changes)


def test_contributing_factors_are_recorded_when_added_and_removed(postmortem, alice):
    category = FactorCategory.objects.first()
    factor = postmortem_services.factor_add(
        postmortem=postmortem, category=category, description="No alert on queue depth", by=alice
    )
    postmortem_services.factor_remove(factor=factor, by=alice)

    created, deleted = entries_about(factor)
    assert created.action == CREATED and created.changes["category"] == [None, str(category)]
    assert deleted.action == DELETED
    assert deleted.incident_number == postmortem.incident_id
    assert not ContributingFactor.objects.exists()


# Follow-ups ----------------------------------------------------------------------------------


def test_follow_ups_record_creation_changes_and_deletion(incident, alice):
    item = followup_services.item_create(incident=incident, title="Alert on queue depth", by=alice)
    followup_services.item_update(
        item=item, by=alice, changes={"title": "Alert on queue depth > 1000", "priority": 1}
    )
    ActionItem.objects.get(pk=item.pk).delete()

    created, changed, deleted = entries_about(item)
    assert created.action == CREATED and created.incident_number == incident.pk
    assert changed.changes == {
        "title": ["Alert on queue depth", "Alert on queue depth > 1000"],
        "priority": [2, 1],
    }
    assert deleted.action == DELETED


def test_notification_settings_changes_are_recorded(alice, alice_client):
    alice_client.get("/settings/")
    alice_client.post("/settings/", {"reminders": "on"})

    preferences = NotificationSettings.objects.get(user=alice)
    assert last_about(preferences, CHANGED).changes == {"weekly_digest": [True, False]}


# Templates ----------------------------------------------------------------------------------


def test_templates_and_their_sections_are_recorded(alice):
    section = template_services.SectionData(
        key="what", title="What happened", kind="text", prompt="Tell the story.", required=True
    )
    template = template_services.template_create(
        name="Short form", description="", team=None, sections=[section], by=alice
    )
    created_section = TemplateSection.objects.get(template=template)
    assert last_about(template, CREATED).changes["name"] == [None, "Short form"]
    assert last_about(created_section, CREATED).changes["title"] == [None, "What happened"]

    changed = template_services.SectionData(
        pk=created_section.pk,
        key="what",
        title="What happened, in order",
        kind="text",
        prompt="Tell the story.",
        required=False,
    )
    template_services.template_update(
        template=template, name="Short", description="", team=None, sections=[changed], by=alice
    )
    assert last_about(template, CHANGED).changes == {"name": ["Short form", "Short"]}
    assert last_about(created_section, CHANGED).changes == {
        "title": ["What happened", "What happened, in order"],
        "required": [True, False],
    }

    replacement = template_services.SectionData(
        key="why", title="Why", kind="text", prompt="What made it possible?"
    )
    template_services.template_update(
        template=template, name="Short", description="", team=None, sections=[replacement], by=alice
    )
    assert last_about(created_section).action == DELETED
    new_section = TemplateSection.objects.get(template=template)
    assert last_about(new_section, CREATED).changes["key"] == [None, "why"]


# Tokens, roles, settings ---------------------------------------------------------------------


def test_tokens_are_recorded_without_their_digest(alice_admin, payments):
    created = token_create(team=payments, name="pagerduty-bridge", by=alice_admin)
    token_revoke(token=created.token, by=alice_admin)

    token = ApiToken.objects.get()
    made, revoked = entries_about(token)
    assert made.action == CREATED and made.team == payments
    assert made.changes["digest"] == "set"
    assert created.token.digest not in str(made.changes)
    assert revoked.changes["revoked_by"] == [None, "alice"]
    assert set(revoked.changes) == {"revoked_at", "revoked_by"}


def test_marking_a_token_used_records_nothing(alice_admin, payments):
    created = token_create(team=payments, name="ci", by=alice_admin)
    before = AuditEntry.objects.count()
    token_mark_used(token=created.token)
    assert AuditEntry.objects.count() == before


def test_role_changes_are_recorded(alice):
    profile = Profile.objects.get(user=alice)
    profile.role = Role.ADMIN
    profile.save()

    assert last_about(profile, CHANGED).changes == {"role": ["member", "admin"]}


def test_team_membership_and_admins_are_recorded_from_either_side(payments, alice, bob):
    payments.members.add(bob)
    bob.administered_teams.add(payments)
    payments.members.clear()

    changes = [entry.changes for entry in entries_about(payments, CHANGED)]
    assert changes[-3:] == [
        {"members": {"added": ["bob"]}},
        {"admins": {"added": ["bob"]}},
        {"members": {"removed": ["alice", "bob"]}},
    ]


def test_webhook_endpoints_and_routes_are_recorded_without_secrets(alice_admin, payments, checkout):
    endpoint, secret = webhook_services.endpoint_create(
        team=payments, kind="generic", name="ci", by=alice_admin
    )
    webhook_services.endpoint_rotate_secret(endpoint=Endpoint.objects.get(pk=endpoint.pk))
    route = webhook_services.route_create(endpoint=endpoint, service=checkout, match_value="co")
    webhook_services.route_delete(route=Route.objects.get(pk=route.pk))

    made, rotated = entries_about(endpoint)
    assert secret not in str(made.changes) and made.changes["secret"] == "set"
    assert rotated.changes == {"secret": "changed", "secret_digest": "changed"}
    assert [entry.action for entry in entries_about(route)] == [CREATED, DELETED]
    assert entries_about(route)[0].team == payments


def test_destinations_are_recorded_without_their_address(alice_admin, payments, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    url = "https://hooks.example.org/services/T000/B000/secretpath"
    destination = outbound_services.destination_create(
        team=payments,
        by=alice_admin,
        name="chat",
        kind="slack",
        url=url,
        events=["incident.declared"],
    )
    outbound_services.destination_update(
        destination=Destination.objects.get(pk=destination.pk),
        name="incident chat",
        url=url,
        events=["incident.declared", "incident.restored"],
        is_enabled=True,
    )
    outbound_services.destination_delete(destination=Destination.objects.get(pk=destination.pk))

    made, changed, deleted = entries_about(destination)
    assert "secretpath" not in str(made.changes) and made.changes["url"] == "set"
    assert changed.changes == {
        "name": ["chat", "incident chat"],
        "events": [["incident.declared"], ["incident.declared", "incident.restored"]],
    }
    assert deleted.action == DELETED


def test_starting_the_culture_survey_is_recorded(dave):
    survey = culture_services.survey_start(by=dave, today=date(2026, 11, 29))

    entry = last_about(survey, CREATED)
    assert entry.changes["quarter"] == [None, "2026-10-01"]
    assert entry.changes["started_by"] == [None, "dave"]
    assert Survey.objects.count() == 1


def test_saving_without_changes_records_nothing(incident):
    before = AuditEntry.objects.count()
    Incident.objects.get(pk=incident.pk).save()
    assert AuditEntry.objects.count() == before


def test_a_deferred_field_is_compared_with_the_database(incident):
    loaded = Incident.objects.only("pk").get(pk=incident.pk)
    loaded.title = "Renamed"
    loaded.save(update_fields=["title"])
    assert last_about(incident, CHANGED).changes == {"title": ["Card payments failing", "Renamed"]}


def test_times_are_stored_in_iso_8601(incident, alice):
    restored = incident_services.incident_mark_restored(incident=incident, by=alice)
    assert last_about(incident, CHANGED).changes["restored_at"] == [
        None,
        restored.restored_at.isoformat(),
    ]
