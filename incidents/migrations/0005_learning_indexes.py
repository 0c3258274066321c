from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_team_admins"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="deploymentcommit",
            name="incidents_d_sha_a6fa2d_idx",
        ),
        migrations.AddIndex(
            model_name="deployment",
            index=models.Index(
                fields=["environment", "deployed_at", "service", "outcome"],
                name="deployment_environment_time",
            ),
        ),
        migrations.AddIndex(
            model_name="deploymentcommit",
            index=models.Index(fields=["sha", "deployment"], name="commit_sha_deployment"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["is_drill", "started_at"], name="incident_drill_started"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                condition=models.Q(("caused_by_deployment__isnull", False)),
                fields=["caused_by_deployment", "is_drill"],
                name="incident_causes",
            ),
        ),
    ]
