import pytest

from incidents import services as incident_services
from postmortems import services
from postmortems.models import PostmortemTemplate


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
