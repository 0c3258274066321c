import ipaddress
import socket

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


@pytest.fixture(autouse=True)
def private_addresses_allowed(settings):
    """The test receivers listen on 127.0.0.1, as a self-hosted chat in the intranet would on
    a private address; the tests of the address check turn this off."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def admin_client(alice_admin, alice_client):
    return alice_client


@pytest.fixture
def dns(monkeypatch):
    """Host names the tests answer for: name -> the addresses given to successive lookups
    (the last one repeats). Other names resolve as usual."""
    answers: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host not in answers:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        if ipaddress.ip_address(address).version == 6:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def connections(monkeypatch):
    """Every address a connection is opened to. Loopback ones really connect (to the test
    receivers); anything else is refused here, so no test reaches beyond this machine."""
    opened: list[tuple[str, int]] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        opened.append(tuple(address[:2]))
        if ipaddress.ip_address(address[0]).is_loopback:
            return real_connect(sock, address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return opened


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
