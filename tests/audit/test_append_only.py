"""Nothing can change or delete an audit entry: not the model, not its manager, not the admin,
not the audit page, and on the database not even a raw UPDATE (nor, on PostgreSQL, DELETE)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from audit.context import acting_as
from audit.models import AppendOnlyError, AuditEntry
from audit.services import entry_record
from incidents.models import Team


@pytest.fixture
def entry(db):
    with acting_as("Debrief"):
        return entry_record(
            action=AuditEntry.Action.CHANGED,
            object_type="incidents.incident",
            object_id=42,
            object_label="INC-42 Card payments failing",
            changes={"severity": [2, 1]},
            incident_number=42,
        )


def test_saving_an_existing_entry_is_refused(entry):
    entry.actor_label = "someone else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get().actor_label == "Debrief"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.count() == 1


def test_the_manager_refuses_updates_and_deletes(entry):
    for attempt in (
        lambda: AuditEntry.objects.update(actor_label="x"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(changes={}),
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.bulk_update([entry], ["actor_label"]),
        lambda: AuditEntry.objects.update_or_create(pk=entry.pk, defaults={"action": "deleted"}),
    ):
        with pytest.raises(AppendOnlyError):
            attempt()
    assert AuditEntry.objects.get().changes == {"severity": [2, 1]}


def test_no_permission_to_add_change_or_delete_entries_exists(db):
    codenames = set(
        Permission.objects.filter(content_type__app_label="audit").values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditentry"}


def test_the_admin_only_shows_entries(dave, entry):
    superuser_request = RequestFactory().get("/admin/audit/auditentry/")
    superuser_request.user = dave
    model_admin = admin.site._registry[AuditEntry]
    assert model_admin.has_view_permission(superuser_request, entry)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request, entry)
    assert not model_admin.has_delete_permission(superuser_request, entry)


def test_the_admin_refuses_a_change_or_delete_through_its_pages(dave, dave_client, entry):
    dave.is_superuser = True
    dave.save()
    change = f"/admin/audit/auditentry/{entry.pk}/change/"
    delete = f"/admin/audit/auditentry/{entry.pk}/delete/"

    assert dave_client.get(change).status_code == 200  # shown read-only
    assert dave_client.post(change, {"actor_label": "x", "action": "deleted"}).status_code == 403
    assert dave_client.post(delete, {"post": "yes"}).status_code == 403
    assert dave_client.post("/admin/audit/auditentry/add/", {}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "Debrief"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_page_answers_only_reads(method, dave_client, entry):
    before = list(AuditEntry.objects.order_by("pk").values())
    response = getattr(dave_client, method)("/audit/", {"id": entry.pk})
    assert response.status_code == 405
    assert list(AuditEntry.objects.order_by("pk").values()) == before


def _raw(sql: str, params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_a_raw_update(entry):
    with pytest.raises(DatabaseError):
        _raw("UPDATE audit_auditentry SET actor_label = %s WHERE id = %s", ["x", entry.pk])
    assert AuditEntry.objects.get().actor_label == "Debrief"


def test_the_database_refuses_a_raw_delete_on_postgresql(entry):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's flush empties tables with DELETE, so only the app refuses it there.")
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.count() == 1


def test_deleting_an_account_keeps_its_entries_under_its_name(alice):
    with acting_as(alice):
        entry_record(
            action=AuditEntry.Action.CREATED,
            object_type="incidents.incident",
            object_id=1,
            object_label="INC-1",
        )
    alice.delete()

    entry = AuditEntry.objects.get(object_type="incidents.incident")
    assert (entry.actor, entry.actor_label) == (None, "alice")


def test_deleting_a_team_leaves_its_entries_as_they_were(db):
    team = Team.objects.create(name="Short-lived", slug="short-lived")
    team_pk = team.pk
    team.delete()

    entries = AuditEntry.objects.filter(object_type="incidents.team", object_id=str(team_pk))
    assert [(entry.action, entry.team_id) for entry in entries.order_by("pk")] == [
        ("created", team_pk),
        ("deleted", team_pk),
    ]
