"""The people and places every test shares: alice is on call for Payments, bob is on the
Platform team, carol is in no team, erin is a manager, vic a viewer, and dave (staff)
administers Debrief."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from incidents.models import Service, Team


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def uncached_learning_figures(settings):
    # Each test rolls its database back, which the cache of learning figures cannot see.
    settings.LEARNING_CACHE_SECONDS = 0


@pytest.fixture
def payments(db):
    return Team.objects.create(name="Payments", slug="payments")


@pytest.fixture
def platform(db):
    return Team.objects.create(name="Platform", slug="platform")


@pytest.fixture
def checkout(payments):
    return Service.objects.create(
        name="Checkout", slug="checkout", team=payments, tier=Service.Tier.TIER_1
    )


@pytest.fixture
def search(platform):
    return Service.objects.create(name="Search", slug="search", team=platform)


@pytest.fixture
def alice(payments):
    user = User.objects.create_user(
        "alice", "alice@example.org", "alice-password", first_name="Alice"
    )
    payments.members.add(user)
    return user


@pytest.fixture
def bob(platform):
    user = User.objects.create_user("bob", "bob@example.org", "bob-password", first_name="Bob")
    platform.members.add(user)
    return user


@pytest.fixture
def carol(db):
    return User.objects.create_user(
        "carol", "carol@example.org", "carol-password", first_name="Carol"
    )


@pytest.fixture
def dave(db):
    return User.objects.create_user("dave", "dave@example.org", "dave-password", is_staff=True)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def carol_client(carol):
    return _client_for(carol)


@pytest.fixture
def dave_client(dave):
    return _client_for(dave)


HTMX = {"HX-Request": "true"}


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


@pytest.fixture
def alice_admin(alice, payments):
    """Alice as an admin of Payments: she manages its tokens, webhooks and destinations."""
    payments.admins.add(alice)
    return alice


def _with_role(user, role):
    user.profile.role = role
    user.profile.save(update_fields=["role"])
    return user


@pytest.fixture
def erin(db):
    """A manager in no team: reads everything but private incidents, changes nothing."""
    user = User.objects.create_user("erin", "erin@example.org", "erin-password")
    return _with_role(user, "manager")


@pytest.fixture
def vic(db):
    """A viewer: reads published postmortems and the learning pages only."""
    user = User.objects.create_user("vic", "vic@example.org", "vic-password")
    return _with_role(user, "viewer")


@pytest.fixture
def erin_client(erin):
    return _client_for(erin)


@pytest.fixture
def vic_client(vic):
    return _client_for(vic)
