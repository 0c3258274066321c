from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_search_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="WeeklyFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("organisation", "Organisation"),
                            ("team", "Team"),
                            ("service", "Service"),
                        ],
                        max_length=20,
                    ),
                ),
                ("scope_key", models.PositiveBigIntegerField(default=0)),
                ("time_zone", models.CharField(max_length=64)),
                ("week_start", models.DateField()),
                ("succeeded", models.PositiveIntegerField()),
                ("total", models.PositiveIntegerField()),
                ("failed", models.PositiveIntegerField()),
                ("remediating", models.PositiveIntegerField()),
                ("lead_time_median", models.FloatField(null=True)),
                ("restore_median", models.FloatField(null=True)),
                ("computed_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "indexes": [models.Index(fields=["week_start"], name="weekly_figures_week_start")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "scope_key", "time_zone", "week_start"),
                        name="weekly_figures_once_per_week",
                    )
                ],
            },
        ),
    ]
