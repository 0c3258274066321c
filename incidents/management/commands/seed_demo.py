"""`manage.py seed_demo`: fill an empty database with the demo organisation (incidents.demo)."""

import random
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from incidents.demo.data import DEFAULT_SEED
from incidents.demo.organisation import DemoOrganisation
from incidents.models import (
    Deployment,
    Incident,
    Service,
    Team,
)
from incidents.times import CLOCK_SKEW
from learning import signals as learning_signals


class Command(BaseCommand):
    help = (
        "Fill an empty database with a deterministic demo organisation: teams, people, "
        "services, six months of deployments and incidents. Refuses when incidents data "
        "exists; --force first DELETES all teams, services, deployments and incidents."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="The same seed and --now always give the same data.",
        )
        parser.add_argument(
            "--now",
            help="ISO datetime the data ends at (default: the current time, to the hour).",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--force",
            action="store_true",
            help="Delete all existing teams, services, deployments and incidents first.",
        )
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help="Skip quietly when the database already holds incidents data.",
        )

    def handle(self, *args, seed, now, force, if_empty, **options):
        now = _parse_now(now)
        has_data = any(model.objects.exists() for model in (Incident, Deployment, Team, Service))
        if has_data and if_empty:
            self.stdout.write("The database already has incidents data, skipping the demo seed.")
            return
        if has_data and not force:
            raise CommandError(
                "The database already holds teams, services, deployments or incidents; "
                "seeding demo data would mix with them. Use --force to delete them first, "
                "or --if-empty to skip."
            )
        # Row by row, the wipe's deletes would each forget learning figures; once at the end.
        with transaction.atomic(), learning_signals.rebuilt_after():
            if has_data:
                _wipe()
            counts = DemoOrganisation(rng=random.Random(seed), now=now).build()
        self.stdout.write(
            self.style.SUCCESS(
                "Seeded demo data: {teams} teams, {people} people, {services} services, "
                "{deployments} deployments ({production} to production), "
                "{incidents} incidents ({open} open, {drills} drills).".format(**counts)
            )
        )


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return timezone.now().replace(minute=0, second=0, microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--now must be an ISO datetime, not {value!r}.") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + CLOCK_SKEW:
        raise CommandError("--now cannot be in the future: incidents cannot happen there.")
    return moment


def _wipe() -> None:
    # Incidents first: deployments and services are protected while something refers to them.
    Incident.objects.all().delete()
    Deployment.objects.all().delete()
    Service.objects.all().delete()
    Team.objects.all().delete()
