"""An incident of Payments with a published postmortem and two follow-ups (one from the
postmortem), and erin, an organisation admin by her profile's role."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts.models import Profile, Role
from followups import services as followup_services
from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems.models import Postmortem, PostmortemTemplate


@pytest.fixture
def erin(db):
    user = User.objects.create_user("erin", "erin@example.org", "erin-password", first_name="Erin")
    # accounts.signals made a member profile along with the account.
    Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
    return user


@pytest.fixture
def erin_client(erin):
    client = Client()
    client.force_login(erin)
    return client


def declare(service, by, title, **kwargs):
    return incident_services.incident_declare(
        title=title, severity=2, services=[service], reporter=by, **kwargs
    )


def published_postmortem(incident, by):
    postmortem = postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=by
    )
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status=Postmortem.Status.PUBLISHED, published_at=timezone.now()
    )
    postmortem.refresh_from_db()
    return postmortem


@pytest.fixture
def outage(alice, checkout):
    """ "Card payments failing", restored, with its postmortem and follow-ups."""
    incident = declare(checkout, alice, "Card payments failing")
    incident_services.incident_mark_restored(
        incident=incident, by=alice, restored_at=timezone.now()
    )
    postmortem = published_postmortem(incident, alice)
    from_postmortem = followup_services.item_create(
        incident=incident, postmortem=postmortem, title="Alert on gateway latency", by=alice
    )
    on_its_own = followup_services.item_create(
        incident=incident, title="Rotate the gateway certificate", by=alice
    )
    return {
        "incident": incident,
        "postmortem": postmortem,
        "from_postmortem": from_postmortem,
        "on_its_own": on_its_own,
    }
