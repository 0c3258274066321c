from datetime import timedelta

import pytest
from django.db.models import F

from incidents import services as incident_services
from postmortems import services
from postmortems.models import PostmortemTemplate, SectionRevision


@pytest.fixture
def incident(alice, checkout):
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=incident, body="Rolled back v41", by=alice)
    return incident


@pytest.fixture
def standard(db):
    return PostmortemTemplate.objects.get(slug="standard")


@pytest.fixture
def postmortem(incident, standard, alice):
    return services.postmortem_start(incident=incident, template=standard, by=alice)


def section_of(postmortem, kind):
    return next(c for c in postmortem.contents.select_related("section") if c.section.kind == kind)


def text_sections(postmortem):
    return [c for c in postmortem.contents.select_related("section") if c.section.kind == "text"]


def save_in_sittings(content, bodies, *, by):
    """Save each text in a sitting of its own: after the previous revisions are moved back
    past COALESCE_SAVES_WITHIN, so that every save keeps a revision."""
    for body in bodies:
        SectionRevision.objects.filter(content=content).update(
            created_at=F("created_at") - services.COALESCE_SAVES_WITHIN - timedelta(seconds=1)
        )
        content = services.section_save(
            content=content, body=body, by=by, expected_version=content.version
        )
    return content
