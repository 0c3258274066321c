"""Endpoints of each kind for Payments, and a client posting to them the way each tool does:
Alertmanager with its bearer token, PagerDuty, GitHub and generic senders with an HMAC of
the body."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from incidents.models import Service
from webhooks import services
from webhooks.models import Endpoint


def iso(moment: datetime, *, nanoseconds: bool = False) -> str:
    """A time as the tools write it: UTC with Z; Alertmanager (Go) with nine decimals."""
    moment = moment.astimezone(UTC)
    if nanoseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**delta) -> datetime:
    """A whole second in the past, so that a time read back from a payload compares equal."""
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Hook:
    endpoint: Endpoint
    secret: str
    client: Client

    @property
    def url(self) -> str:
        return self.endpoint.path

    def post(self, payload, *, headers=None, raw: bytes | None = None, signed: bool = True):
        """POST the payload (or raw bytes) with the credentials its tool sends."""
        body = raw if raw is not None else json.dumps(payload).encode()
        sent = dict(headers or {})
        kind = self.endpoint.kind
        if signed and kind == "alertmanager":
            sent.setdefault("Authorization", f"Bearer {self.secret}")
        elif signed and kind == "pagerduty":
            sent.setdefault("X-PagerDuty-Signature", f"v1={sign(self.secret, body)}")
        elif signed and kind == "github":
            sent.setdefault("X-Hub-Signature-256", f"sha256={sign(self.secret, body)}")
        elif signed:
            sent.setdefault("X-Debrief-Signature", f"sha256={sign(self.secret, body)}")
        return self.client.post(self.url, data=body, content_type="application/json", headers=sent)


def _hook(team, kind: str, by) -> Hook:
    endpoint, secret = services.endpoint_create(team=team, kind=kind, name=f"Our {kind}", by=by)
    return Hook(endpoint, secret, Client())


@pytest.fixture
def alertmanager(payments, alice_admin, checkout):
    return _hook(payments, "alertmanager", alice_admin)


@pytest.fixture
def pagerduty(payments, alice_admin, checkout):
    hook = _hook(payments, "pagerduty", alice_admin)
    services.route_create(endpoint=hook.endpoint, service=checkout, match_value="PIJ90N7")
    return hook


@pytest.fixture
def github(payments, alice_admin, checkout):
    hook = _hook(payments, "github", alice_admin)
    services.route_create(endpoint=hook.endpoint, service=checkout, match_value="acme/checkout")
    return hook


@pytest.fixture
def generic(payments, alice_admin, checkout):
    return _hook(payments, "generic", alice_admin)


@pytest.fixture
def platform_github(platform, bob, search):
    """Platform's GitHub endpoint, whose admin routed Payments' repository to Search."""
    hook = _hook(platform, "github", bob)
    services.route_create(endpoint=hook.endpoint, service=search, match_value="acme/checkout")
    return hook


@pytest.fixture
def platform_generic(platform, bob, search):
    return _hook(platform, "generic", bob)


@pytest.fixture
def ledger(payments):
    return Service.objects.create(name="Ledger", slug="ledger", team=payments)


@pytest.fixture
def alice_admin_client(alice_admin):
    client = Client()
    client.force_login(alice_admin)
    return client


@pytest.fixture
def erin_client(payments):
    """Erin is in Payments, like alice, but not one of its admins."""
    erin = User.objects.create_user("erin", "erin@example.org", "erin-password")
    payments.members.add(erin)
    client = Client()
    client.force_login(erin)
    return client
