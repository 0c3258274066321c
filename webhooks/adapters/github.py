"""GitHub's webhooks: deployment_status and workflow_run record deployments once they reach
a final state (a later final state of the same deployment corrects its outcome); push and
workflow_run tell when commits were made, which gives a deployment of that commit its lead
time. Nothing else GitHub sends is used; ping is answered."""

from datetime import datetime

from django.core.exceptions import ValidationError

from incidents import deployments
from incidents.models import Deployment, Service, Team

from ..models import CommitTime, Endpoint
from ..payloads import (
    AlreadyRecordedElsewhere,
    Event,
    Outcome,
    PayloadError,
    items,
    moment,
    obj,
    text,
)

SOURCE = "github"
DEPLOYMENT_STATES = {
    "success": Deployment.Outcome.SUCCEEDED,
    "failure": Deployment.Outcome.FAILED,
    "error": Deployment.Outcome.FAILED,
}
RUN_CONCLUSIONS = {
    "success": Deployment.Outcome.SUCCEEDED,
    "failure": Deployment.Outcome.FAILED,
    "timed_out": Deployment.Outcome.FAILED,
}


def parse(payload: dict, *, event_type: str = "", delivery_id: str = "") -> Event:
    if not delivery_id:
        raise PayloadError("The X-GitHub-Delivery header is missing.")
    if not event_type:
        raise PayloadError("The X-GitHub-Event header is missing.")
    if event_type == "ping":
        return Event(delivery_id, event_type, "GitHub's ping.", needs_route=False, ignored="ping")
    if event_type not in {"deployment_status", "workflow_run", "push"}:
        reason = f"{event_type} events are not used."
        return Event(delivery_id, event_type, reason, needs_route=False, ignored=reason)
    repository = text(payload, "repository.full_name", limit=140)
    if event_type == "push":
        _commits(payload)
        return Event(delivery_id, event_type, f"push to {repository}", needs_route=False)
    if event_type == "deployment_status":
        state = text(payload, "deployment_status.state", limit=50)
        text(payload, "deployment.id", limit=40)
        sha = text(payload, "deployment.sha", limit=64)
        moment(payload, "deployment_status.created_at")
        environment = text(payload, "deployment.environment", limit=50)
        summary = f"deployment of {repository}@{sha[:12]} to {environment}: {state}"
        ignored = "" if state in DEPLOYMENT_STATES else f"{state} is not a final state."
        return Event(
            delivery_id,
            event_type,
            summary,
            route_value=repository,
            environment=environment,
            needs_route=not ignored,
            ignored=ignored,
        )
    action = text(payload, "action", limit=50)
    run = obj(payload, "workflow_run")
    text(payload, "workflow_run.id", limit=40)
    sha = text(payload, "workflow_run.head_sha", limit=64)
    name = text(payload, "workflow_run.name", required=False, limit=200)
    moment(payload, "workflow_run.updated_at")
    moment(payload, "workflow_run.head_commit.timestamp", required=False)
    conclusion = text(run, "conclusion", required=False, limit=50)
    if action != "completed":
        ignored = f"A workflow run {action}, not completed."
    elif conclusion not in RUN_CONCLUSIONS:
        ignored = f"A workflow run that ended {conclusion or 'without a conclusion'}."
    else:
        ignored = ""
    return Event(
        delivery_id,
        event_type,
        f"workflow run {name or '?'} of {repository}@{sha[:12]}: {conclusion or action}",
        route_value=repository,
        workflow=name,
        needs_route=not ignored,
        ignored=ignored,
    )


def _commits(payload: dict) -> list[tuple[str, datetime]]:
    found = []
    for position, commit in enumerate(items(payload, "commits")):
        sha = text(commit, "id", limit=64)
        try:
            committed_at = moment(commit, "timestamp")
        except PayloadError as error:
            raise PayloadError(f"commits.{position}.{error}") from None
        found.append((sha, committed_at))
    return found


def _remember_commit(*, team: Team, repository: str, sha: str, committed_at: datetime) -> None:
    """Keep the commit's time and give it to deployments of the commit that were recorded
    before it was known."""
    CommitTime.objects.get_or_create(
        team=team, repository=repository, sha=sha, defaults={"committed_at": committed_at}
    )
    waiting = Deployment.objects.filter(
        source=SOURCE,
        service__team=team,
        first_commit_at__isnull=True,
        commits__sha=sha,
        deployed_at__gte=committed_at,
    )
    # Saved one by one, not by QuerySet.update: the learning figures stored for the deployments'
    # weeks must hear of their new lead time (learning.signals).
    for deployment in waiting:
        deployment.first_commit_at = committed_at
        deployment.save(update_fields=["first_commit_at"])


def _record(
    *,
    team: Team,
    service: Service,
    external_id: str,
    sha: str,
    environment: str,
    deployed_at: datetime,
    outcome: str,
    committed_at: datetime | None,
) -> tuple[Deployment, str]:
    """Record the deployment, or correct the outcome of the team's deployment recorded with
    this external id. Another team's deployment with the id is never touched: a route may
    name any repository, so the id alone proves nothing."""

    def update(deployment: Deployment) -> tuple[Deployment, str]:
        if deployment.outcome == outcome:
            return deployment, "Deployment already recorded."
        deployment.outcome = outcome
        deployment.save(update_fields=["outcome"])
        return deployment, f"Deployment outcome now {deployment.get_outcome_display()}."

    existing = Deployment.objects.select_for_update().filter(
        source=SOURCE, external_id=external_id, service__team=team
    )
    if deployment := existing.first():
        return update(deployment)
    if committed_at is not None and committed_at > deployed_at:
        # Clocks disagree; an unknown lead time is better than a negative one.
        committed_at = None
    try:
        deployment = deployments.deployment_record(
            service=service,
            version=sha,
            by=None,
            environment=environment,
            deployed_at=deployed_at,
            outcome=outcome,
            commits=[(sha, committed_at)],
            first_commit_at=committed_at,
            source=SOURCE,
            external_id=external_id,
        )
    except ValidationError as error:
        if "external_id" not in getattr(error, "message_dict", {}):
            raise
        # Another delivery of the team recorded it meanwhile, or another team holds the id.
        if deployment := existing.first():
            return update(deployment)
        raise AlreadyRecordedElsewhere from None
    return deployment, "Deployment recorded."


def apply(*, endpoint: Endpoint, service: Service | None, payload: dict, event: Event) -> Outcome:
    team = endpoint.team
    repository = text(payload, "repository.full_name", limit=140)
    if event.event_type == "push":
        commits = _commits(payload)
        for sha, committed_at in commits:
            _remember_commit(team=team, repository=repository, sha=sha, committed_at=committed_at)
        return Outcome(detail=f"Remembered {len(commits)} commit times.")
    if event.event_type == "deployment_status":
        sha = text(payload, "deployment.sha", limit=64)
        known = CommitTime.objects.filter(team=team, repository=repository, sha=sha).first()
        deployment, detail = _record(
            team=team,
            service=service,
            external_id=f"{repository}/deployments/{text(payload, 'deployment.id', limit=40)}",
            sha=sha,
            environment=event.environment,
            deployed_at=moment(payload, "deployment_status.created_at"),
            outcome=DEPLOYMENT_STATES[text(payload, "deployment_status.state")],
            committed_at=known.committed_at if known else None,
        )
        return Outcome(detail=detail, deployment=deployment)
    sha = text(payload, "workflow_run.head_sha", limit=64)
    committed_at = moment(payload, "workflow_run.head_commit.timestamp", required=False)
    if committed_at is not None:
        _remember_commit(team=team, repository=repository, sha=sha, committed_at=committed_at)
    deployment, detail = _record(
        team=team,
        service=service,
        # A re-run is the same run (a new attempt): its result corrects the outcome.
        external_id=f"{repository}/actions/runs/{text(payload, 'workflow_run.id', limit=40)}",
        sha=sha,
        environment="production",
        deployed_at=moment(payload, "workflow_run.updated_at"),
        outcome=RUN_CONCLUSIONS[text(payload, "workflow_run.conclusion")],
        committed_at=committed_at,
    )
    return Outcome(detail=detail, deployment=deployment)
