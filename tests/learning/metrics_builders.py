"""Small builders for the delivery-metrics tests: deployments, their commits and incidents at
known moments in the configured time zone."""

from datetime import date, datetime

from django.utils import timezone

from incidents.models import Deployment, DeploymentCommit, Incident
from learning.periods import Period

SUCCEEDED = Deployment.Outcome.SUCCEEDED
FAILED = Deployment.Outcome.FAILED
ROLLED_BACK = Deployment.Outcome.ROLLED_BACK

# Four whole weeks, and the four before them.
MARCH = Period(date(2026, 3, 1), date(2026, 3, 28))
FEBRUARY = Period(date(2026, 2, 1), date(2026, 2, 28))


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on `day`, local time in the configured time zone."""
    return timezone.make_aware(
        datetime(day.year, day.month, day.day, hour, minute), timezone.get_default_timezone()
    )


def deploy(
    service,
    when: datetime,
    *,
    outcome=SUCCEEDED,
    environment="production",
    commits: dict[str, datetime | None] | None = None,
    first_commit_at: datetime | None = None,
    remediates: Incident | None = None,
) -> Deployment:
    deployment = Deployment.objects.create(
        service=service,
        environment=environment,
        version="v1",
        deployed_at=when,
        outcome=outcome,
        first_commit_at=first_commit_at,
        remediates=remediates,
    )
    for sha, committed_at in (commits or {}).items():
        DeploymentCommit.objects.create(deployment=deployment, sha=sha, committed_at=committed_at)
    return deployment


def incident(
    service,
    started: datetime,
    *,
    restored: datetime | None = None,
    caused_by: Deployment | None = None,
    is_drill: bool = False,
) -> Incident:
    made = Incident.objects.create(
        title="Checkout errors",
        team=service.team,
        started_at=started,
        restored_at=restored,
        caused_by_deployment=caused_by,
        is_drill=is_drill,
    )
    made.services.add(service)
    return made
