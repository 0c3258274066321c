"""Every account has a Profile, so role_of and the people page never meet one without."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Profile, Role


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts-profile")
def create_profile(sender, instance, created, raw=False, **kwargs):
    # A fixture or backup being loaded brings its own profiles.
    if raw or not created:
        return
    role = Role.ADMIN if instance.is_staff or instance.is_superuser else Role.MEMBER
    Profile.objects.get_or_create(user=instance, defaults={"role": role})
