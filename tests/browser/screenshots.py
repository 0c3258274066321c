"""The README's pictures: `make screenshots` runs this file (it is not part of `make test`) to
photograph the main pages in Chromium, on the demo organisation, and writes them to
docs/screenshots/ with a manifest of the templates and static files they show.
tests/debrief/test_screenshots.py then fails whenever a template or stylesheet changes without
new pictures, and whenever the README and the pictures disagree."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from followups import services as followup_services
from incidents import services as incident_services
from incidents.models import Incident, Status, Team
from postmortems import services as postmortem_services
from postmortems.models import FactorCategory, PostmortemTemplate
from tests.builtins import ensure_builtin_rows
from tests.screenshots import DIRECTORY, MANIFEST, PICTURES, shown_files_digest

from .conftest import log_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def _write(postmortem, by) -> None:
    for content in postmortem.contents.select_related("section"):
        postmortem_services.section_save(
            content=content,
            body=f"{content.section.title}: the retry budget ran out under a slow dependency, "
            "and the alert that would have told us fired only after customers did.",
            by=by,
            expected_version=content.version,
        )
    postmortem_services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.get(slug="dependency"),
        description="The payment processor's latency rose without an alert.",
        by=by,
    )


@pytest.fixture
def demo(transactional_db, django_user_model):
    """The demo organisation, a responder in its first team, an open incident with a draft
    postmortem and a follow-up, and a restored one whose postmortem is published."""
    ensure_builtin_rows()
    call_command("seed_demo", verbosity=0)
    team = Team.objects.order_by("name").first()
    person = django_user_model.objects.create_user(
        "sam", "sam@example.org", "sam-password", first_name="Sam", last_name="Okafor"
    )
    team.members.add(person)
    standard = PostmortemTemplate.objects.get(slug="standard")

    earlier = (
        Incident.objects.filter(team=team, status=Status.RESOLVED, postmortem__isnull=True)
        .order_by("-started_at")
        .first()
    )
    published = postmortem_services.postmortem_start(incident=earlier, template=standard, by=person)
    _write(published, person)
    postmortem_services.postmortem_publish(postmortem=published, by=person)

    service = team.services.order_by("name").first()
    live = incident_services.incident_declare(
        title="Card payments failing at checkout",
        severity=2,
        services=[service],
        reporter=person,
        started_at=timezone.now() - timedelta(minutes=40),
    )
    incident_services.incident_add_note(
        incident=live, body="Error rate 12 %; rolling back the gateway release.", by=person
    )
    draft = postmortem_services.postmortem_start(incident=live, template=standard, by=person)
    followup_services.item_create(
        incident=live,
        title="Alert on gateway latency before customers notice",
        by=person,
        owner=person,
        due_date=timezone.localdate() + timedelta(days=7),
        postmortem=draft,
    )
    return {
        "home": "/",
        "incidents": "/incidents/",
        "incident": live.get_absolute_url(),
        "postmortem-editor": f"/postmortems/{draft.pk}/sections/summary/",
        "postmortem-published": published.get_absolute_url(),
        "follow-ups": "/follow-ups/",
        "team-learning": f"/teams/{team.slug}/learning/",
        "organisation-learning": "/learning/",
        "incident-phone-dark": live.get_absolute_url(),
    }


def test_take_the_readme_screenshots(chromium, live_server, demo):
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    taken = {}
    for name, path in demo.items():
        phone = name.endswith("-phone-dark")
        context = chromium.new_context(
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="UTC",
            viewport=PHONE if phone else DESKTOP,
            color_scheme="dark" if phone else "light",
        )
        page = context.new_page()
        try:
            log_in(page, "sam", "sam-password")
            page.goto(path)
            page.wait_for_load_state("networkidle")
            picture = DIRECTORY / f"{name}.png"
            page.screenshot(path=picture, full_page=not phone)
            taken[name] = picture.name
        finally:
            context.close()
    assert list(taken) == list(PICTURES)
    MANIFEST.write_text(
        json.dumps({"pictures": taken, "shows": shown_files_digest()}, indent=2) + "\n"
    )
