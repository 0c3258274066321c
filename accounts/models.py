from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    """What a person may do across the organisation (debrief.permissions decides from it)."""

    ADMIN = "admin", "Organisation admin"
    MANAGER = "manager", "Manager"
    MEMBER = "member", "Team member"
    VIEWER = "viewer", "Viewer"


class Profile(models.Model):
    """One per account: the organisation role and the person's own settings."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.MEMBER)
    # An IANA name such as "Europe/Berlin"; blank follows the browser's.
    time_zone = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.user}: {self.get_role_display()}"
