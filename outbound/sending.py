"""One HTTP POST to a destination, with the standard library, and what came of it.

Debrief only sends to public addresses unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES is on: a team
admin must not be able to make the server reach its own loopback, the intranet or a cloud
metadata service. The host is resolved once per attempt, every address it gives is checked,
and the connection goes to a checked address, so a name whose answer changes between the
check and the connection (DNS rebinding) gains nothing. HTTPS still verifies the certificate
against the host name in the URL."""

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# Asked again later: the receiver may manage next time. Any other 4xx is a mistake in the
# request (a revoked webhook, a wrong URL) that resending the same body cannot fix.
RETRYABLE_CLIENT_ERRORS = {408, 429}
PERMANENT_PREFIX = "Not sent:"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Response:
    """How one POST went: the status code, or the error when no answer came. The answer's
    body is not kept: the status says enough, and a body could show what the receiver is."""

    status_code: int | None
    error: str
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """A timeout, a connection error, a 5xx, a 408 or a 429 may pass; nothing else will."""
        if self.status_code is None:
            return not self.error.startswith(PERMANENT_PREFIX)
        return self.status_code >= 500 or self.status_code in RETRYABLE_CLIENT_ERRORS


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address Debrief does not send to."""


def signature(secret: str, body: bytes) -> str:
    """The X-Debrief-Signature header's value: sha256= and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# Addresses


def address_kind(address: str) -> str | None:
    """What kind of non-public address this is ("a loopback address"), or None when it is a
    public one. The order matters: 127.0.0.1 is also private, 169.254.x.x is also private."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        # ::ffff:127.0.0.1 reaches 127.0.0.1.
        ip = ip.ipv4_mapped
    checks = [
        ("an unspecified address", ip.is_unspecified),
        ("a loopback address", ip.is_loopback),
        ("a link-local address", ip.is_link_local),
        ("a multicast address", ip.is_multicast),
        ("a private address", ip.is_private),
        ("a reserved address", ip.is_reserved),
        # Shared address space (100.64.0.0/10) and the like: neither private nor public.
        ("not a public address", not ip.is_global),
    ]
    return next((kind for kind, applies in checks if applies), None)


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("the URL needs http:// or https:// and a host.")
    return parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]


def _resolve(host: str, port: int) -> list[tuple]:
    """Every address `host` stands for, each checked unless private addresses are allowed.
    AddressRefused names the first one that is not public."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
        for *_, sockaddr in found:
            address = sockaddr[0]
            if kind := address_kind(address):
                if address == host:
                    raise AddressRefused(f"{host} is {kind}.")
                raise AddressRefused(f"{host} resolves to {address}, {kind}.")
    return found


def refusal(url: str) -> str | None:
    """Why Debrief would not send to this URL's host, or None. A name that does not resolve
    (yet) is not refused here: it is checked again each time a message is sent."""
    try:
        host, port = _host_and_port(url)
        _resolve(host, port)
    except AddressRefused as refused:
        return str(refused)
    except (OSError, ValueError):
        return None
    return None


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    """A socket connected to the first of the host's checked addresses that answers."""
    failure: OSError = OSError(f"{host} has no address.")
    for family, kind, protocol, _, sockaddr in _resolve(host, port):
        sock = socket.socket(family, kind, protocol)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            failure = error
        else:
            return sock
    raise failure


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = _connect(self.host, self.port, self.timeout)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)

    def connect(self):
        sock = _connect(self.host, self.port, self.timeout)
        try:
            # The certificate must name the host in the URL, not the address connected to.
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    host, port = _host_and_port(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = (
        _CheckedHTTPSConnection if parts.scheme == "https" else _CheckedHTTPConnection
    )
    connection = connection_class(host, port, timeout=timeout)
    try:
        # http.client follows no redirects: a webhook that redirects is misconfigured, and
        # following it would resend the body as a GET.
        connection.request("POST", target, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def post(url: str, body: bytes, *, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to `url` and report the status, or the error when no response came."""
    started = time.monotonic()
    status_code, error = None, ""
    try:
        status_code = _post(url, body, headers, timeout)
    except AddressRefused as refused:
        error = f"{PERMANENT_PREFIX} {refused} Debrief sends only to public addresses."
    except TimeoutError:
        error = f"Timed out after {timeout:g} s"
    except http.client.InvalidURL as failure:
        error = f"{PERMANENT_PREFIX} {failure}"
    except (OSError, http.client.HTTPException) as failure:
        error = f"Connection failed: {failure}"
    except ValueError as failure:
        error = f"{PERMANENT_PREFIX} {failure}"
    return Response(status_code=status_code, error=error[:500], seconds=time.monotonic() - started)
