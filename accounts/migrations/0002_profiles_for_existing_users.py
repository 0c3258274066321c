from django.db import migrations


def create_profiles(apps, schema_editor):
    """Accounts made before roles existed: staff and superusers become organisation admins
    (they could change everything before), everyone else a team member."""
    User = apps.get_model("auth", "User")
    Profile = apps.get_model("accounts", "Profile")
    without = User.objects.filter(profile__isnull=True)
    Profile.objects.bulk_create(
        [
            Profile(user=user, role="admin" if user.is_staff or user.is_superuser else "member")
            for user in without.only("pk", "is_staff", "is_superuser")
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_profiles, migrations.RunPython.noop)]
