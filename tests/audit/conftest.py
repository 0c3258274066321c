"""Helpers for reading the audit trail back, and an organisation admin (erin, by role)."""

import pytest
from django.contrib.auth.models import User

from accounts.models import Profile, Role
from audit.models import AuditEntry
from tests.conftest import _client_for


def entries_about(obj, action: str | None = None) -> list[AuditEntry]:
    """The entries about one object, oldest first."""
    found = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if action is not None:
        found = found.filter(action=action)
    return list(found.order_by("occurred_at", "pk"))


def last_about(obj, action: str | None = None) -> AuditEntry:
    return entries_about(obj, action)[-1]


@pytest.fixture
def erin(db):
    """An organisation admin by role, not staff."""
    user = User.objects.create_user("erin", "erin@example.org", "erin-password")
    # accounts.signals made a member profile along with the account.
    Profile.objects.update_or_create(user=user, defaults={"role": Role.ADMIN})
    return user


@pytest.fixture
def erin_client(erin):
    return _client_for(erin)
