"""Recording deployments, which feed deployment frequency, lead time for changes and change
failure rate."""

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Deployment, DeploymentCommit, Service
from .times import clamped, validate_deployment_times


@transaction.atomic
def deployment_record(
    *,
    service: Service,
    version: str,
    by: User | None,
    environment: str = "production",
    deployed_at: datetime | None = None,
    outcome: str = Deployment.Outcome.SUCCEEDED,
    commits: Sequence[tuple[str, datetime | None]] = (),
    first_commit_at: datetime | None = None,
    source: str = "manual",
    external_id: str = "",
) -> Deployment:
    """Record a deployment and its commits. Lead time for changes is measured from the
    earliest commit: first_commit_at when given (it cannot be later than any listed commit),
    else the earliest of the commits' times. No commit can be after the deployment."""
    now = timezone.now()
    deployed_at = deployed_at or now
    commit_times = [moment for _, moment in commits if moment is not None]
    validate_deployment_times(
        deployed_at=deployed_at, first_commit_at=first_commit_at, commit_times=commit_times
    )
    if first_commit_at is None and commit_times:
        first_commit_at = min(commit_times)
    try:
        with transaction.atomic():
            deployment = Deployment.objects.create(
                service=service,
                environment=environment.strip() or "production",
                version=version.strip(),
                deployed_at=clamped(deployed_at, now),
                outcome=outcome,
                first_commit_at=clamped(first_commit_at, now),
                source=source,
                external_id=external_id.strip(),
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "external_id": f"A deployment from {source} with this external id "
                "is already recorded."
            }
        ) from None
    DeploymentCommit.objects.bulk_create(
        DeploymentCommit(deployment=deployment, sha=sha, committed_at=clamped(moment, now))
        for sha, moment in dict(commits).items()
    )
    return deployment
