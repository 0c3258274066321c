"""Moving incidents, postmortems and follow-ups to the bin and restoring them: what goes in
with what, and that a restore brings back exactly what was binned with it."""

import pytest
from django.core.exceptions import ValidationError

from followups import services as followup_services
from followups.models import ActionItem
from incidents import services as incident_services
from incidents.models import Incident, TimelineEvent
from postmortems import services as postmortem_services
from postmortems.models import Postmortem


def _live(outage) -> dict[str, bool]:
    return {
        "incident": Incident.objects.filter(pk=outage["incident"].pk).exists(),
        "postmortem": Postmortem.objects.filter(pk=outage["postmortem"].pk).exists(),
        "from_postmortem": ActionItem.objects.filter(pk=outage["from_postmortem"].pk).exists(),
        "on_its_own": ActionItem.objects.filter(pk=outage["on_its_own"].pk).exists(),
    }


ALL_LIVE = {"incident": True, "postmortem": True, "from_postmortem": True, "on_its_own": True}
NONE_LIVE = dict.fromkeys(ALL_LIVE, False)


def test_a_binned_incident_takes_its_postmortem_and_follow_ups_with_it(outage, alice):
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    assert _live(outage) == NONE_LIVE
    binned = Incident.all_objects.get(pk=outage["incident"].pk)
    assert binned.deleted_by == alice
    # All marked with the incident's moment, which is how the restore finds them.
    assert {
        Postmortem.all_objects.get(pk=outage["postmortem"].pk).deleted_at,
        *ActionItem.all_objects.filter(incident=binned).values_list("deleted_at", flat=True),
    } == {binned.deleted_at}


def test_restoring_an_incident_brings_everything_back(outage, alice, erin):
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    incident_services.incident_restore(incident=outage["incident"], by=erin)

    assert _live(outage) == ALL_LIVE
    assert not ActionItem.all_objects.filter(deleted_by__isnull=False).exists()


def test_what_was_binned_on_its_own_before_stays_in_the_bin_when_the_incident_comes_back(
    outage, alice, erin
):
    followup_services.item_delete(item=outage["on_its_own"], by=alice)
    incident_services.incident_delete(incident=outage["incident"], by=alice)

    incident_services.incident_restore(incident=outage["incident"], by=erin)

    assert _live(outage) == {**ALL_LIVE, "on_its_own": False}
    followup_services.item_restore(item=outage["on_its_own"], by=erin)
    assert _live(outage) == ALL_LIVE


def test_a_binned_postmortem_takes_its_follow_ups_and_leaves_the_incident(outage, alice, erin):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)

    assert _live(outage) == {**ALL_LIVE, "postmortem": False, "from_postmortem": False}

    postmortem_services.postmortem_restore(postmortem=outage["postmortem"], by=erin)
    assert _live(outage) == ALL_LIVE


def test_a_postmortem_binned_before_its_incident_stays_when_the_incident_comes_back(
    outage, alice, erin
):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    with pytest.raises(ValidationError, match="restore the incident"):
        postmortem_services.postmortem_restore(postmortem=outage["postmortem"], by=erin)

    incident_services.incident_restore(incident=outage["incident"], by=erin)

    assert _live(outage) == {**ALL_LIVE, "postmortem": False, "from_postmortem": False}


def test_a_follow_up_of_a_binned_postmortem_is_restored_with_the_postmortem_only(
    outage, alice, erin
):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)

    with pytest.raises(ValidationError, match="restore the postmortem"):
        followup_services.item_restore(item=outage["from_postmortem"], by=erin)


def test_binning_twice_or_restoring_what_is_not_binned_is_refused(outage, alice, erin):
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    with pytest.raises(ValidationError, match="already in the bin"):
        incident_services.incident_delete(incident=outage["incident"], by=alice)
    incident_services.incident_restore(incident=outage["incident"], by=erin)
    with pytest.raises(ValidationError, match="not in the bin"):
        incident_services.incident_restore(incident=outage["incident"], by=erin)


def test_the_timeline_tells_who_binned_and_who_restored(outage, alice, erin):
    followup_services.item_delete(item=outage["on_its_own"], by=alice)
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    incident_services.incident_restore(incident=outage["incident"], by=erin)

    notes = list(
        TimelineEvent.objects.filter(incident=outage["incident"], kind=TimelineEvent.Kind.NOTE)
        .order_by("pk")
        .values_list("body", "author__username")
    )
    assert notes[-3:] == [
        ("Follow-up “Rotate the gateway certificate” moved to the bin.", "alice"),
        ("Moved to the bin.", "alice"),
        ("Restored from the bin.", "erin"),
    ]


# --- The audit trail says what went to the bin with what --------------------------------------


def _bin_entries(obj) -> list[dict]:
    from audit.models import AuditEntry

    return [
        entry.changes
        for entry in AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), changes__has_key="deleted_at"
        ).order_by("occurred_at", "pk")
    ]


def test_the_audit_trail_records_everything_binned_and_restored_with_an_incident(
    outage, alice, erin
):
    incident_services.incident_delete(incident=outage["incident"], by=alice)
    incident_services.incident_restore(incident=outage["incident"], by=erin)

    for name in ("incident", "postmortem", "from_postmortem", "on_its_own"):
        binned, restored = _bin_entries(outage[name])
        assert binned["deleted_at"][0] is None and binned["deleted_at"][1] is not None
        assert binned["deleted_by"] == [None, "alice"]
        assert restored["deleted_at"][1] is None and restored["deleted_by"] == ["alice", None]


def test_the_audit_trail_records_the_follow_ups_binned_and_restored_with_a_postmortem(
    outage, alice, erin
):
    postmortem_services.postmortem_delete(postmortem=outage["postmortem"], by=alice)
    postmortem_services.postmortem_restore(postmortem=outage["postmortem"], by=erin)

    binned, restored = _bin_entries(outage["from_postmortem"])
    assert binned["deleted_by"] == [None, "alice"] and restored["deleted_by"] == ["alice", None]
    assert _bin_entries(outage["on_its_own"]) == []
