import pytest

from incidents import services as incident_services
from outbound import services
from outbound.models import SUBSCRIBABLE_EVENTS, Destination

from .receiver import Receiver


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(autouse=True)
def quick_retries(settings):
    # Eager Celery retries at once anyway; these keep a stray real countdown short too.
    settings.OUTBOUND_RETRY_BASE_SECONDS = 1
    settings.OUTBOUND_MAX_RETRIES = 3
    settings.OUTBOUND_TIMEOUT_SECONDS = 2


def make_destination(team, url, *, kind="json", name=None, events=None, by=None, **extra):
    return services.destination_create(
        team=team,
        by=by,
        name=name or f"{kind} hook",
        kind=kind,
        url=url,
        events=events or [event.value for event in SUBSCRIBABLE_EVENTS],
        **extra,
    )


@pytest.fixture
def json_hook(payments, receiver):
    return make_destination(payments, receiver.url, kind=Destination.Kind.JSON)


@pytest.fixture
def slack_hook(payments, receiver):
    return make_destination(payments, receiver.url, kind=Destination.Kind.SLACK)


@pytest.fixture
def declare(django_capture_on_commit_callbacks, alice, checkout):
    """Declare an incident on Checkout (Payments) and run what waits for the commit."""

    def declare(title="Card payments failing", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return incident_services.incident_declare(
                title=title,
                severity=fields.pop("severity", 2),
                services=[checkout],
                reporter=alice,
                **fields,
            )

    return declare
