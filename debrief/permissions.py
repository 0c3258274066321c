"""Who may see and change what. Every view asks here; no view decides on its own.

For now every signed-in user may read everything. Changing an object is for members of the
team that owns it, for the incident's commander and reporter, and for staff.
"""

from django.contrib.auth.models import AnonymousUser, User


def can_view(user: User | AnonymousUser, obj) -> bool:
    return user.is_authenticated and user.is_active


def can_edit(user: User | AnonymousUser, obj) -> bool:
    if not can_view(user, obj):
        return False
    if user.is_staff or user.is_superuser:
        return True
    if user.pk in {getattr(obj, "commander_id", None), getattr(obj, "reporter_id", None)}:
        return True
    team = obj.team
    return team is not None and _is_member(user, team)


def _is_member(user: User, team) -> bool:
    # Remembered on the request's user, so a page asking about many objects costs one query.
    if not hasattr(user, "_debrief_team_ids"):
        user._debrief_team_ids = frozenset(user.teams.values_list("pk", flat=True))
    return team.pk in user._debrief_team_ids
