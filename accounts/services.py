"""Writes of accounts: organisation roles."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from debrief.permissions import can_manage_roles

from .models import Profile, Role


@transaction.atomic
def profile_set_role(*, profile: Profile, role: str, by: User) -> Profile:
    """Give the person `role`. Only organisation admins assign roles, and the organisation
    always keeps an active admin: the last one cannot be demoted (staff and superuser
    accounts are admins whatever their profile says)."""
    if not can_manage_roles(by):
        raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles offered."})
    # Every admin profile locked, so two admins demoting each other at once cannot both
    # succeed and leave nobody in charge.
    admin_ids = set(
        Profile.objects.select_for_update().filter(role=Role.ADMIN).values_list("user", flat=True)
    )
    profile = Profile.objects.select_for_update().select_related("user").get(pk=profile.pk)
    if profile.role == role:
        return profile
    user = profile.user
    if profile.role == Role.ADMIN and not (user.is_staff or user.is_superuser):
        other_admins = (
            User.objects.filter(is_active=True)
            .filter(Q(pk__in=admin_ids) | Q(is_staff=True) | Q(is_superuser=True))
            .exclude(pk=user.pk)
        )
        if not other_admins.exists():
            raise ValidationError(
                {"role": "This is the last organisation admin: make someone else admin first."}
            )
    profile.role = role
    profile.save(update_fields=["role"])
    return profile
