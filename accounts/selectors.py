"""Reads of accounts for the people page, a fixed number of queries per page."""

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from incidents.models import Team


def people_list() -> QuerySet[User]:
    """Everyone with their profile and teams, active people first, then by username."""
    return (
        User.objects.select_related("profile")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("-is_active", "username")
    )
