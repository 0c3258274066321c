"""What the audit trail records: the models, the fields left out as noise, the fields whose
values are secrets, and where each object belongs (its team, its incident) for filtering."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Model

# Bookkeeping that changes with every save and says nothing about what a person did.
NOISE = frozenset({"created_at", "updated_at", "version", "last_used_at"})


@dataclass(frozen=True)
class Tracked:
    exclude: frozenset[str] = frozenset()
    # Recorded as "set" or "changed", never with their values.
    secret: frozenset[str] = frozenset()
    # (team id, incident id) of an object; may follow cached relations or load them.
    owner: Callable[[Model], tuple[int | None, int | None]] = field(
        default=lambda obj: (None, None)
    )


def _incident(obj):
    return obj.team_id, obj.pk


def _of_incident(obj):
    return obj.incident.team_id, obj.incident_id


def _of_postmortem(obj):
    return obj.postmortem.incident.team_id, obj.postmortem.incident_id


def _of_team(obj):
    return obj.team_id, None


def _of_template(obj):
    return obj.template.team_id, None


def _of_endpoint(obj):
    return obj.endpoint.team_id, None


def _team_itself(obj):
    return obj.pk, None


TRACKED: dict[str, Tracked] = {
    "incidents.Team": Tracked(owner=_team_itself),
    "incidents.Incident": Tracked(owner=_incident),
    "incidents.TimelineEvent": Tracked(owner=_of_incident),
    # The facts frozen at publication are the incident's, recorded where they changed.
    "postmortems.Postmortem": Tracked(exclude=frozenset({"published_facts"}), owner=_of_incident),
    # Who saved is the entry's actor; which timeline events were imported is bookkeeping.
    "postmortems.SectionContent": Tracked(
        exclude=frozenset({"updated_by", "imported_event_ids"}), owner=_of_postmortem
    ),
    "postmortems.ContributingFactor": Tracked(owner=_of_postmortem),
    "postmortems.PostmortemTemplate": Tracked(owner=_of_team),
    "postmortems.TemplateSection": Tracked(owner=_of_template),
    "followups.ActionItem": Tracked(owner=lambda obj: (obj.team_id, obj.incident_id)),
    "followups.NotificationSettings": Tracked(),
    # The token's own account is an implementation detail; the digest is as good as a secret.
    "integrations.ApiToken": Tracked(
        exclude=frozenset({"actor"}), secret=frozenset({"digest"}), owner=_of_team
    ),
    "accounts.Profile": Tracked(),
    # The endpoint's URL token admits deliveries; a chat destination's URL path is its password.
    "webhooks.Endpoint": Tracked(
        secret=frozenset({"token", "secret", "secret_digest"}), owner=_of_team
    ),
    "webhooks.Route": Tracked(owner=_of_endpoint),
    "outbound.Destination": Tracked(secret=frozenset({"url", "secret"}), owner=_of_team),
    "culture.Survey": Tracked(),
}

# Many-to-many fields recorded as changes of the object that holds them.
TRACKED_M2M = {
    "incidents.Incident": ("services", "responders"),
    "incidents.Team": ("members", "admins"),
}


def tracked_models() -> dict[type[Model], Tracked]:
    return {apps.get_model(label): tracked for label, tracked in TRACKED.items()}


def tracked_for(model: type[Model]) -> Tracked | None:
    return TRACKED.get(model._meta.label)


def object_types() -> list[tuple[str, str]]:
    """(label, name) of every recorded model, for the audit page's filter."""
    types = []
    for label in TRACKED:
        model = apps.get_model(label)
        types.append((model._meta.label_lower, str(model._meta.verbose_name).capitalize()))
    return sorted(types, key=lambda pair: pair[1])
