"""A small organisation with one of everything a form can change: Payments (alice, its admin,
and its incidents, postmortem, follow-ups, template, token, webhook and destination), and
Platform's objects (bob's) whose ids the fuzz sends to Payments' forms. Built once per module
(tests/module_rows.py); every example runs in a transaction rolled back after it."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import timezone

from culture.models import Invitation
from followups import services as followup_services
from followups.models import ActionItem, NotificationSettings
from incidents import services as incident_services
from incidents.deployments import deployment_record
from incidents.models import Service, Status, Team
from integrations.tokens import token_create
from outbound import services as outbound_services
from outbound.models import SUBSCRIBABLE_EVENTS, Destination
from postmortems import services as postmortem_services
from postmortems import template_services
from postmortems.models import FactorCategory, Postmortem, PostmortemTemplate, TemplateSection
from tests.module_rows import world_fixtures
from tests.webhooks.conftest import _hook, ago, iso
from webhooks import services as webhook_services
from webhooks.models import Delivery


@dataclass
class World:
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _section(postmortem, kind: str):
    return next(c for c in postmortem.contents.select_related("section") if c.section.kind == kind)


@pytest.fixture(autouse=True)
def fresh_cache():
    # The sign-in throttle counts in the cache; the fuzz's failed sign-ins must not lock out
    # other tests, nor theirs the fuzz.
    cache.clear()
    yield
    cache.clear()


def _person(username: str, *, team=None, **fields) -> User:
    # As tests/conftest.py makes them: each signs in with "<username>-password".
    user = User.objects.create_user(
        username, f"{username}@example.org", f"{username}-password", **fields
    )
    if team is not None:
        team.members.add(user)
    return user


def _build_world() -> World:
    payments = Team.objects.create(name="Payments", slug="payments")
    platform = Team.objects.create(name="Platform", slug="platform")
    checkout = Service.objects.create(
        name="Checkout", slug="checkout", team=payments, tier=Service.Tier.TIER_1
    )
    search = Service.objects.create(name="Search", slug="search", team=platform)
    alice_admin = _person("alice", team=payments, first_name="Alice")
    payments.admins.add(alice_admin)
    bob = _person("bob", team=platform, first_name="Bob")
    carol = _person("carol", first_name="Carol")
    dave = _person("dave", is_staff=True)

    w = World()
    o = w.objects
    o.update(alice=alice_admin, bob=bob, carol=carol, dave=dave)
    o.update(payments=payments, platform=platform, checkout=checkout, search=search)
    now = timezone.now()
    o["deployment"] = deployment_record(
        service=checkout,
        version="v41",
        by=alice_admin,
        deployed_at=now - timedelta(hours=3),
        commits=[("3f2c1ab", now - timedelta(hours=4))],
    )
    o["incident"] = incident_services.incident_declare(
        title="Card payments failing",
        severity=2,
        services=[checkout],
        reporter=alice_admin,
        started_at=now - timedelta(hours=2),
    )
    incident_services.incident_add_note(incident=o["incident"], body="Rolled back", by=bob)
    # No postmortem yet: one can be started from it.
    o["fresh_incident"] = incident_services.incident_declare(
        title="Refunds slow", severity=3, services=[checkout], reporter=alice_admin
    )
    resolved = incident_services.incident_declare(
        title="Checkout errors",
        severity=3,
        services=[checkout],
        reporter=alice_admin,
        started_at=now - timedelta(days=2),
    )
    o["resolved"] = incident_services.incident_change_status(
        incident=resolved, status=Status.RESOLVED, by=alice_admin
    )
    o["other_incident"] = incident_services.incident_declare(
        title="Search down", severity=1, services=[search], reporter=bob
    )
    standard = PostmortemTemplate.objects.get(slug="standard")
    postmortem = postmortem_services.postmortem_start(
        incident=o["incident"], template=standard, by=alice_admin
    )
    o["postmortem"] = postmortem
    o["text_section"] = next(
        c
        for c in postmortem.contents.select_related("section")
        if c.section.kind == TemplateSection.Kind.TEXT
    )
    o["text_section"] = postmortem_services.section_save(
        content=o["text_section"], body="The queue filled.", by=alice_admin, expected_version=0
    )
    o["timeline_section"] = _section(postmortem, TemplateSection.Kind.TIMELINE)
    o["factors_section"] = _section(postmortem, TemplateSection.Kind.CONTRIBUTING_FACTORS)
    o["followups_section"] = _section(postmortem, TemplateSection.Kind.FOLLOW_UPS)
    o["factor"] = postmortem_services.factor_add(
        postmortem=postmortem,
        category=FactorCategory.objects.filter(is_active=True).first(),
        description="No alert on queue depth",
        by=alice_admin,
    )
    o["item"] = followup_services.item_create(
        incident=o["incident"],
        postmortem=postmortem,
        title="Alert on queue depth",
        by=alice_admin,
        contributing_factor=o["factor"],
    )
    o["second_item"] = followup_services.item_create(
        incident=o["incident"], postmortem=postmortem, title="Bigger queue", by=alice_admin
    )
    o["other_item"] = followup_services.item_create(
        incident=o["other_incident"], title="Search replicas", by=bob
    )
    o["comment"] = postmortem_services.comment_add(
        postmortem=postmortem,
        section=o["text_section"].section,
        body="Which queue?",
        by=alice_admin,
    )
    (o["review"],) = postmortem_services.review_request(
        postmortem=postmortem, by=alice_admin, reviewers=[carol]
    )
    o["meeting"] = postmortem_services.meeting_schedule(
        postmortem=postmortem,
        starts_at=now + timedelta(days=2),
        duration_minutes=60,
        location="Room 4",
        participants=[bob],
        by=alice_admin,
    )
    o["template"] = template_services.template_clone(
        template=standard, team=payments, by=alice_admin
    )
    o["token"] = token_create(team=payments, name="ci", by=alice_admin)
    hook = _hook(payments, "generic", alice_admin)
    o["endpoint"] = hook.endpoint
    o["route"] = webhook_services.route_create(
        endpoint=hook.endpoint, service=checkout, match_value="checkout"
    )
    hook.post(
        {
            "id": "e1",
            "type": "deployment",
            "service": "ledger-api",
            "version": "v1",
            "occurred_at": iso(ago(minutes=30)),
        }
    )
    o["delivery"] = Delivery.objects.get(status=Delivery.Status.UNROUTED)
    o["destination"] = outbound_services.destination_create(
        team=payments,
        by=alice_admin,
        name="#payments-incidents",
        kind=Destination.Kind.SLACK,
        url="https://chat.example.org/hooks/payments",
        events=SUBSCRIBABLE_EVENTS,
    )
    published = postmortem_services.postmortem_start(
        incident=o["resolved"], template=standard, by=alice_admin
    )
    Postmortem.objects.filter(pk=published.pk).update(
        status=Postmortem.Status.PUBLISHED, published_at=now, published_by=alice_admin
    )
    o["published"] = published
    o["invitation"] = Invitation.objects.create(
        user=alice_admin, postmortem=published, expires_at=now + timedelta(days=30)
    )
    NotificationSettings.objects.get_or_create(user=alice_admin)
    assert ActionItem.objects.count() == 3
    return w


# Built once per module: each test (and each fuzz example) runs in a rolled-back transaction.
module_world, world = world_fixtures(_build_world)
