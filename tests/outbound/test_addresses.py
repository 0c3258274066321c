"""Where Debrief may send: public addresses only, unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES is
on. A team admin must not be able to make the server reach its loopback, the intranet or a
cloud metadata service and read the answer in the delivery log."""

import shutil
import subprocess

import pytest

from outbound import services
from outbound.models import Delivery, Destination
from tests.services import require

from .conftest import make_destination
from .receiver import Receiver

PAGE = "/teams/payments/notifications/"
PUBLIC = "93.184.216.34"


@pytest.fixture
def private_addresses_refused(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False


def json_form(url):
    return {"name": "Receiver", "kind": "json", "url": url, "events": ["incident.declared"]}


REFUSED = [
    ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address."),
    ("http://10.0.0.1/hook", "10.0.0.1 is a private address."),
    (
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "169.254.169.254 is a link-local address.",
    ),
    ("http://localhost:9000/hook", "localhost resolves to 127.0.0.1, a loopback address."),
    ("http://[::1]/hook", "::1 is a loopback address."),
    ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 is a loopback address."),
    ("http://0.0.0.0:8000/hook", "0.0.0.0 is an unspecified address."),
    ("http://224.0.0.1/hook", "224.0.0.1 is a multicast address."),
    ("http://100.64.0.1/hook", "100.64.0.1 is not a public address."),
    (
        "https://chat.intranet.test/hooks/abc",
        "chat.intranet.test resolves to 10.1.2.3, a private address.",
    ),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_a_private_address_is_refused_when_adding_and_the_form_says_why(
    private_addresses_refused, admin_client, dns, connections, url, reason
):
    dns["chat.intranet.test"] = ["10.1.2.3"]

    response = admin_client.post(PAGE, json_form(url))

    assert response.status_code == 422
    assert response.context["form"].errors["url"] == [f"Enter a public address: {reason}"]
    assert "Enter a public address" in response.text
    assert Destination.objects.count() == 0
    assert connections == []


def test_a_private_address_is_refused_when_editing(
    private_addresses_refused, admin_client, dns, payments
):
    dns["hooks.example.org"] = [PUBLIC]
    hook = make_destination(payments, "https://hooks.example.org/debrief")

    response = admin_client.post(
        f"{PAGE}{hook.pk}/edit/",
        {"name": "Receiver", "url": "http://169.254.169.254/latest/", "events": [hook.events[0]]},
    )

    assert response.status_code == 422
    assert "Enter a public address: 169.254.169.254 is a link-local address." in response.text
    hook.refresh_from_db()
    assert hook.url == "https://hooks.example.org/debrief"


def test_a_public_name_is_accepted(private_addresses_refused, admin_client, dns, payments):
    dns["chat.example.org"] = [PUBLIC]

    response = admin_client.post(PAGE, json_form("https://chat.example.org/hooks/abc"))

    assert response.status_code == 201
    assert payments.destinations.get().url == "https://chat.example.org/hooks/abc"


def test_with_private_addresses_allowed_an_intranet_chat_can_be_added(admin_client, dns, payments):
    dns["mattermost.intranet.test"] = ["10.1.2.3"]

    response = admin_client.post(PAGE, json_form("https://mattermost.intranet.test/hooks/abc"))

    assert response.status_code == 201
    assert payments.destinations.count() == 1


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address."),
        ("10.0.0.1", "10.0.0.1 is a private address."),
        ("169.254.169.254", "169.254.169.254 is a link-local address."),
        ("localhost", "localhost resolves to 127.0.0.1, a loopback address."),
    ],
)
def test_a_private_address_is_not_sent_to_and_no_connection_is_made(
    transactional_db, settings, admin_client, payments, receiver, connections, host, reason
):
    # Added while the operator allowed private addresses; since turned off.
    port = receiver.server.server_address[1]
    destination = make_destination(payments, f"http://{host}:{port}/latest/meta-data/")
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    response = admin_client.post(f"{PAGE}{destination.pk}/test/", follow=True)

    assert "The test message could not be delivered" in response.text
    assert f"Not sent: {reason} Debrief sends only to public addresses." in response.text
    delivery = Delivery.objects.get()
    # Not retried: sending again cannot change where the host points.
    assert delivery.state == Delivery.State.FAILED
    assert delivery.failure_reason == (
        f"Not sent: {reason} Debrief sends only to public addresses: not retried, as resending"
        " the same message cannot succeed."
    )
    assert delivery.attempts.count() == 1
    assert connections == []
    assert receiver.requests == []


def test_a_name_is_connected_to_at_the_address_that_was_checked(
    private_addresses_refused, payments, receiver, dns, connections
):
    # DNS rebinding: the name answers with a public address for the check, then with the
    # loopback, hoping the connection resolves it a second time.
    port = receiver.server.server_address[1]
    destination = Destination.objects.create(
        team=payments, name="Rebinding", kind="json", url=f"http://rebind.test:{port}/hook"
    )
    delivery = Delivery.objects.create(
        destination=destination, event="test", event_key="test:rebind", body="{}"
    )
    dns["rebind.test"] = [PUBLIC, "127.0.0.1"]

    services.delivery_send(delivery_id=delivery.pk)

    assert connections == [(PUBLIC, port)]
    assert receiver.requests == []
    [attempt] = delivery.attempts.all()
    assert attempt.error.startswith("Connection failed")


def test_a_name_reaches_its_checked_address_with_its_own_host_header(
    payments, receiver, dns, connections
):
    port = receiver.server.server_address[1]
    dns["chat.intranet.test"] = ["127.0.0.1"]
    destination = make_destination(payments, f"http://chat.intranet.test:{port}/hooks/abc")
    delivery = Delivery.objects.create(
        destination=destination, event="test", event_key="test:named", body="{}"
    )

    services.delivery_send(delivery_id=delivery.pk)

    [received] = receiver.wait_for(1)
    assert received.path == "/hooks/abc"
    assert received.headers["Host"] == f"chat.intranet.test:{port}"
    assert connections == [("127.0.0.1", port)]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A test certificate authority and a certificate it signed for chat.intranet.test."""
    require(shutil.which("openssl") is not None, "The openssl command")
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
        "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=chat.intranet.test",
        "-keyout", "server.key", "-out", "server.csr",
    )  # fmt: skip
    (folder / "names.ext").write_text("subjectAltName=DNS:chat.intranet.test\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "names.ext", "-out", "server.pem",
    )  # fmt: skip
    return folder


@pytest.fixture
def tls_receiver(certificates, monkeypatch):
    # Trusted like a public authority, for this test only.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    receiver = Receiver(
        certificate=(str(certificates / "server.pem"), str(certificates / "server.key"))
    ).start()
    yield receiver
    receiver.stop()


def send_once(payments, url):
    destination = make_destination(payments, url)
    delivery = Delivery.objects.create(
        destination=destination, event="test", event_key=f"test:{url}", body="{}"
    )
    services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_https_checks_the_certificate_against_the_name_in_the_url(
    payments, tls_receiver, dns, connections
):
    port = tls_receiver.server.server_address[1]
    dns["chat.intranet.test"] = ["127.0.0.1"]

    delivery = send_once(payments, f"https://chat.intranet.test:{port}/hooks/abc")

    assert delivery.state == Delivery.State.DELIVERED
    [received] = tls_receiver.wait_for(1)
    assert received.headers["Host"] == f"chat.intranet.test:{port}"
    assert connections == [("127.0.0.1", port)]


def test_https_to_a_name_the_certificate_does_not_cover_is_not_delivered(
    payments, tls_receiver, dns
):
    port = tls_receiver.server.server_address[1]
    dns["impostor.intranet.test"] = ["127.0.0.1"]

    delivery = send_once(payments, f"https://impostor.intranet.test:{port}/hooks/abc")

    [attempt, *_] = delivery.attempts.all()
    assert attempt.status_code is None
    assert "certificate verify failed" in attempt.error
    assert tls_receiver.requests == []
