"""Fill an empty database with a believable demo organisation: four teams and their people,
their services, six months of deployments and the incidents that came with them.

The same --seed and --now always give the same rows, so a demo or a screenshot can be
repeated. Rows are bulk-inserted for speed, but every incident's timeline is the one the
services in incidents/services.py would have written, and its times pass the same checks."""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from incidents.models import (
    Deployment,
    DeploymentCommit,
    Incident,
    Service,
    Severity,
    Status,
    Team,
    TimelineEvent,
)
from incidents.times import validate_incident_times

from .data import (
    CAUSES,
    DEPLOYMENT_SUMMARY,
    DEPLOYMENT_SYMPTOMS,
    DRILLS,
    GENERIC_SYMPTOMS,
    HISTORIC_INCIDENTS,
    HISTORY,
    IMPACT,
    NOTES,
    ORGANISATION,
    OUTCOME_WEIGHTS,
    RELEASES_PER_DAY,
    SEVERITY_WEIGHTS,
    SUMMARIES,
)

Tier = Service.Tier
Outcome = Deployment.Outcome
Kind = TimelineEvent.Kind


@dataclass
class Step:
    """One timeline event of an incident's planned life; saves counts the version bumps."""

    at: datetime
    kind: str
    author: User | None
    body: str = ""
    old_value: str = ""
    new_value: str = ""
    saves: int = 1
    # The status or severity the step moves the incident to.
    state: Status | Severity | None = None


@dataclass
class VersionCounter:
    """Semantic versions as a team would tag them: a minor bump per release, a patch bump
    for the fix that follows a failed one."""

    major: int
    minor: int
    patch: int = 0
    fixing: bool = False

    def next(self) -> str:
        if self.fixing:
            self.patch += 1
            self.fixing = False
        else:
            self.minor += 1
            self.patch = 0
        return f"v{self.major}.{self.minor}.{self.patch}"


@dataclass
class Release:
    """One version of a service on its way out: its deployments and the commits in it."""

    deployments: list[Deployment] = field(default_factory=list)
    commits: list[tuple[str, datetime]] = field(default_factory=list)


def _to_second(moment: datetime) -> datetime:
    """As CI systems record times. Rounding down keeps events in order."""
    return moment.replace(microsecond=0)


def _to_minute(moment: datetime) -> datetime:
    """As people type times into the app. Rounding down keeps events in order."""
    return moment.replace(second=0, microsecond=0)


class DemoOrganisation:
    def __init__(self, *, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.members: dict[Team, list[User]] = {}
        self.services: list[Service] = []
        self.symptoms: dict[Service, list[str]] = {}
        self.production: dict[Service, list[Deployment]] = {}
        self.blamed: set[int] = set()

    def build(self) -> dict[str, int]:
        self._create_teams()
        deployments = self._create_deployments()
        incidents = self._create_incidents()
        return {
            "teams": len(self.members),
            "people": sum(len(people) for people in self.members.values()),
            "services": len(self.services),
            "deployments": len(deployments),
            "production": sum(len(d) for d in self.production.values()),
            "incidents": len(incidents),
            "open": sum(incident.status != Status.RESOLVED for incident in incidents),
            "drills": sum(incident.is_drill for incident in incidents),
        }

    # Randomness, always drawn from self.rng so that a seed fixes everything.

    def _lognormal(self, median: timedelta, sigma: float) -> timedelta:
        return median * math.exp(self.rng.gauss(0, sigma))

    def _between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    def _sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    # Teams, people and services.

    def _create_teams(self) -> None:
        for name, description, people, services in ORGANISATION:
            team = Team.objects.create(name=name, slug=slugify(name), description=description)
            members = [self._person(first, last) for first, last in people]
            team.members.set(members)
            team.admins.set(members[:1])  # the team's lead manages its integrations
            self.members[team] = members
            for service_name, tier, service_description, symptoms in services:
                service = Service.objects.create(
                    name=service_name,
                    slug=slugify(service_name),
                    team=team,
                    tier=tier,
                    description=service_description,
                )
                self.services.append(service)
                self.symptoms[service] = symptoms

    def _person(self, first: str, last: str) -> User:
        username = f"{slugify(first)}.{slugify(last)}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:
            # The demo login comes from `demo_login`; these people never log in.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    # Deployments: every working day each service ships a few releases, the critical ones
    # through staging first, with the commits that went into them.

    def _create_deployments(self) -> list[Deployment]:
        releases: list[Release] = []
        versions = {
            service: VersionCounter(self.rng.randint(1, 4), self.rng.randint(0, 30))
            for service in self.services
        }
        first_day = (self.now - HISTORY).astimezone(self.tz).date()
        last_day = self.now.astimezone(self.tz).date()
        run_numbers = {"github-actions": 48_210, "argo-cd": 9_120}
        for offset in range((last_day - first_day).days + 1):
            day = first_day + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for service in self.services:
                count = self.rng.choices(range(5), RELEASES_PER_DAY[service.tier])[0]
                hours = sorted(self.rng.uniform(9, 18) for _ in range(count))
                for hour in hours:
                    release = self._release(service, day, hour, versions[service], run_numbers)
                    if release is not None:
                        releases.append(release)
        deployments = [deployment for release in releases for deployment in release.deployments]
        Deployment.objects.bulk_create(deployments, batch_size=500)
        DeploymentCommit.objects.bulk_create(
            (
                DeploymentCommit(deployment=deployment, sha=sha, committed_at=committed_at)
                for release in releases
                for deployment in release.deployments
                for sha, committed_at in release.commits
            ),
            batch_size=1000,
        )
        # Recorded when they happened, as a CI/CD integration would have.
        Deployment.objects.update(created_at=F("deployed_at"))
        return deployments

    def _release(
        self,
        service: Service,
        day: date,
        hour: float,
        version: VersionCounter,
        run_numbers: dict[str, int],
    ) -> Release | None:
        rng = self.rng
        deployed_at = _to_second(
            datetime.combine(day, time.min, tzinfo=self.tz) + timedelta(hours=hour)
        )
        if deployed_at > self.now:
            return None
        has_staging = service.tier == Tier.TIER_1
        staged_at = _to_second(deployed_at - timedelta(minutes=rng.uniform(20, 180)))
        built_at = staged_at if has_staging else deployed_at
        first_commit_at = _to_second(
            built_at
            - min(
                max(self._lognormal(timedelta(hours=16), 1.0), timedelta(minutes=30)),
                timedelta(days=12),
            )
        )
        commit_count = rng.choices(range(1, 6), [25, 30, 22, 14, 9])[0]
        latest = built_at - timedelta(minutes=10)
        later = sorted(
            _to_second(self._between(first_commit_at, latest)) for _ in range(commit_count - 1)
        )
        commit_times = [first_commit_at, *later]
        source = "argo-cd" if service.team.name == "Platform" else "github-actions"
        manual = rng.random() < 0.04
        version_label = version.next()
        release = Release(commits=[(self._sha(), at) for at in commit_times])
        environments = [("staging", staged_at)] if has_staging else []
        environments.append(("production", deployed_at))
        for environment, at in environments:
            outcome = rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]
            run_numbers[source] += 1
            deployment = Deployment(
                service=service,
                environment=environment,
                version=version_label,
                first_commit_at=first_commit_at,
                deployed_at=at,
                outcome=outcome,
                source="manual" if manual else source,
                external_id="" if manual else str(run_numbers[source]),
                recorded_by=rng.choice(self.members[service.team]) if manual else None,
            )
            release.deployments.append(deployment)
            if environment == "production":
                self.production.setdefault(service, []).append(deployment)
            if outcome != Outcome.SUCCEEDED:
                # A release that failed in staging is fixed before it goes any further.
                version.fixing = True
                break
        return release

    # Incidents.

    def _create_incidents(self) -> list[Incident]:
        plans = [self._historic_incident() for _ in range(HISTORIC_INCIDENTS)]
        plans += [self._drill(title, service_name) for title, service_name in DRILLS]
        plans += self._recent_incidents()
        # Numbered in the order they happened, as they would have been declared.
        plans.sort(key=lambda plan: plan[0].started_at)
        incidents = []
        services_through = []
        events = []
        for incident, services, steps in plans:
            incident = self._apply(incident, steps)
            incidents.append((incident, services, steps))
        Incident.objects.bulk_create([incident for incident, _, _ in incidents])
        for incident, services, steps in incidents:
            services_through += [
                Incident.services.through(incident_id=incident.pk, service_id=service.pk)
                for service in services
            ]
            events += [
                TimelineEvent(
                    incident=incident,
                    kind=step.kind,
                    author=step.author,
                    body=step.body,
                    old_value=step.old_value,
                    new_value=step.new_value,
                    occurred_at=step.at,
                )
                for step in steps
            ]
        Incident.services.through.objects.bulk_create(services_through)
        TimelineEvent.objects.bulk_create(events, batch_size=500)
        # Logged live, as they happened, so nothing looks backdated.
        TimelineEvent.objects.update(created_at=F("occurred_at"))
        latest_event = TimelineEvent.objects.filter(incident=OuterRef("pk")).order_by(
            "-occurred_at"
        )
        Incident.objects.update(
            created_at=F("detected_at"),
            updated_at=Subquery(latest_event.values("occurred_at")[:1]),
        )
        return [incident for incident, _, _ in incidents]

    def _pick_service(self) -> Service:
        weights = [{Tier.TIER_1: 3, Tier.TIER_2: 2}.get(s.tier, 1.5) for s in self.services]
        return self.rng.choices(self.services, weights)[0]

    def _historic_incident(self):
        rng = self.rng
        service = self._pick_service()
        severity = rng.choices(list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values()))[0]
        # Old enough to be over: even the longest restore and monitoring fit before now.
        latest_start = self.now - timedelta(days=4)
        deployment = None
        candidates = [
            d
            for d in self.production.get(service, [])
            if d.deployed_at < latest_start and d.pk not in self.blamed
        ]
        if candidates and rng.random() < 0.35:
            failed = [d for d in candidates if d.outcome != Outcome.SUCCEEDED]
            deployment = rng.choice(failed if failed and rng.random() < 0.6 else candidates)
            self.blamed.add(deployment.pk)
            started_at = deployment.deployed_at + min(
                self._lognormal(timedelta(minutes=15), 0.8), timedelta(hours=3)
            )
        else:
            started_at = self._between(self.now - HISTORY, latest_start)
        services = [service]
        if rng.random() < 0.2:
            services.append(rng.choice([s for s in self.services if s != service]))
        if deployment is not None and rng.random() < 0.4:
            title = rng.choice(DEPLOYMENT_SYMPTOMS)
        elif rng.random() < 0.65:
            title = rng.choice(self.symptoms[service])
        else:
            title = rng.choice(GENERIC_SYMPTOMS)
        return self._plan(
            title=title.format(service=service.name, version=deployment and deployment.version),
            services=services,
            severity=severity,
            started_at=started_at,
            deployment=deployment,
        )

    def _drill(self, title: str, service_name: str):
        service = self._service_named(service_name)
        day = (self.now - timedelta(days=self.rng.randint(20, 170))).astimezone(self.tz).date()
        started_at = datetime.combine(day, time(14), tzinfo=self.tz)
        return self._plan(
            title=title,
            services=[service],
            severity=Severity.SEV2,
            started_at=started_at,
            is_drill=True,
            summary=f"A planned game day for the {service.team.name} team.",
            customer_impact="None: a planned exercise.",
            restore_after=timedelta(minutes=self.rng.uniform(25, 90)),
            detect_after=timedelta(minutes=1),
        )

    def _recent_incidents(self):
        """Still open at the end of the data: one just declared, two whose cause is known but
        service is not yet back, and one restored and being watched."""

        def ago(minutes: int) -> datetime:
            return self.now - timedelta(minutes=minutes + self.rng.uniform(0, 12))

        def hours(count: int) -> timedelta:
            return timedelta(hours=count * self.rng.uniform(0.9, 1.2))

        return [
            self._plan(
                title="Checkout p95 latency above 3 s",
                services=[self._service_named("Checkout"), self._service_named("Payments API")],
                severity=Severity.SEV2,
                started_at=ago(30),
                restore_after=hours(6),
                detect_after=timedelta(minutes=4),
            ),
            self._plan(
                title="Index updates delayed by hours",
                services=[self._service_named("Indexer")],
                severity=Severity.SEV3,
                started_at=ago(5 * 60),
                restore_after=hours(14),
                identified_fraction=0.2,
            ),
            self._plan(
                title="Recommendations serving yesterday's model",
                services=[self._service_named("Recommendations")],
                severity=Severity.SEV4,
                started_at=ago(50 * 60),
                restore_after=hours(80),
                identified_fraction=0.3,
            ),
            self._plan(
                title="Push notifications delayed by 40 minutes",
                services=[self._service_named("Push Notifications")],
                severity=Severity.SEV3,
                started_at=ago(9 * 60),
                restore_after=hours(2),
                monitor_for=hours(30),
            ),
        ]

    def _plan(
        self,
        *,
        title: str,
        services: list[Service],
        severity: Severity,
        started_at: datetime,
        deployment: Deployment | None = None,
        is_drill: bool = False,
        summary: str = "",
        customer_impact: str = "",
        restore_after: timedelta | None = None,
        detect_after: timedelta | None = None,
        identified_fraction: float | None = None,
        monitor_for: timedelta | None = None,
    ) -> tuple[Incident, list[Service], list[Step]]:
        """An incident and the full life its timeline will have, as the services would log
        it: declared, acknowledged, notes, identified, restored, monitoring, resolved. Steps
        after now are dropped later, which is what leaves recent incidents open."""
        rng = self.rng
        service = services[0]
        team = service.team
        members = self.members[team]
        commander = rng.choice(members)
        reporter = rng.choice(members) if rng.random() < 0.8 else rng.choice(self._everyone())
        share = rng.choice([3, 5, 8, 12, 20, 35, 60])
        context = {"service": service.name, "team": team.name, "share": share}

        restore_after = restore_after or self._time_to_restore(severity)
        restored_at = started_at + restore_after
        detected_at = started_at + min(
            detect_after or self._lognormal(timedelta(minutes=6), 0.9), restore_after * 0.3
        )
        acknowledged_at = detected_at + min(
            timedelta(minutes=rng.uniform(1, 10)), (restored_at - detected_at) * 0.2
        )
        resolve_at_restore = monitor_for is None and not is_drill and rng.random() < 0.2
        steps = [
            Step(
                detected_at,
                Kind.DECLARED,
                reporter,
                new_value=Severity(severity).label,
                body=f"Declared as {Severity(severity).label}"
                + (" (drill)" if is_drill else "")
                + ".",
                saves=0,
            ),
            Step(acknowledged_at, Kind.ACKNOWLEDGED, commander, body="Acknowledged."),
        ]
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            note = rng.choice(NOTES).format(**context)
            steps.append(
                Step(self._between(acknowledged_at, restored_at), Kind.NOTE, commander, note)
            )
        final_severity = severity
        if not is_drill and rng.random() < 0.12:
            final_severity = Severity(min(max(severity + rng.choice([-1, 1]), 1), 4))
            if final_severity != severity:
                steps.append(
                    Step(
                        self._between(acknowledged_at, restored_at),
                        Kind.SEVERITY_CHANGE,
                        commander,
                        old_value=Severity(severity).label,
                        new_value=final_severity.label,
                        state=final_severity,
                        body="Impact is wider than first thought."
                        if final_severity < severity
                        else "Impact is smaller than first thought.",
                    )
                )
        status = Status.INVESTIGATING
        if not (resolve_at_restore and rng.random() < 0.5):
            fraction = identified_fraction or rng.uniform(0.3, 0.85)
            if deployment is not None:
                cause = f"Cause: {deployment.version} of {deployment.service.name}; rolling back."
            else:
                cause = f"Cause: {rng.choice(CAUSES)}."
            steps.append(
                self._status_step(
                    acknowledged_at + (restored_at - acknowledged_at) * fraction,
                    commander,
                    status,
                    Status.IDENTIFIED,
                    cause,
                )
            )
            status = Status.IDENTIFIED
        restore_note = "Rolled back to the previous version." if deployment else "Service restored."
        if resolve_at_restore:
            # Resolving an incident with no restore time records both at once.
            steps.append(Step(restored_at, Kind.RESTORED, commander, "Service restored.", saves=0))
            steps.append(self._status_step(restored_at, commander, status, Status.RESOLVED))
        else:
            monitor_for = monitor_for or min(
                max(self._lognormal(timedelta(hours=2), 0.9), timedelta(minutes=20)),
                timedelta(hours=36),
            )
            steps.append(Step(restored_at, Kind.RESTORED, commander, restore_note))
            watching_at = restored_at + timedelta(minutes=rng.uniform(0, 3))
            steps.append(
                self._status_step(
                    watching_at,
                    commander,
                    status,
                    Status.MONITORING,
                    "Watching the error rate before resolving.",
                )
            )
            steps.append(
                self._status_step(
                    restored_at + monitor_for,
                    commander,
                    Status.MONITORING,
                    Status.RESOLVED,
                    "Stable; follow-up actions go into the postmortem.",
                )
            )
        steps.sort(key=lambda step: step.at)
        incident = Incident(
            title=title,
            summary=summary
            or (DEPLOYMENT_SUMMARY if deployment else rng.choice(SUMMARIES)).format(
                service=service.name, version=deployment and deployment.version
            ),
            customer_impact=customer_impact or IMPACT[final_severity].format(**context),
            severity=severity,
            team=team,
            commander=commander,
            reporter=reporter,
            caused_by_deployment=deployment,
            is_drill=is_drill,
            started_at=started_at,
            detected_at=detected_at,
        )
        return incident, services, steps

    def _service_named(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)

    def _everyone(self) -> list[User]:
        return [person for people in self.members.values() for person in people]

    def _time_to_restore(self, severity: Severity) -> timedelta:
        # Long-tailed: most incidents are mitigated within the hour, a few take most of a day.
        median = timedelta(minutes=75 if severity == Severity.SEV4 else 45)
        return min(max(self._lognormal(median, 1.25), timedelta(minutes=4)), timedelta(hours=36))

    @staticmethod
    def _status_step(at, by, old: Status, new: Status, note: str = "") -> Step:
        return Step(
            at, Kind.STATUS_CHANGE, by, note, old_value=old.label, new_value=new.label, state=new
        )

    def _apply(self, incident: Incident, steps: list[Step]) -> Incident:
        """Keep the steps that happened by now and set the incident's state from them."""
        incident.started_at = _to_minute(incident.started_at)
        incident.detected_at = _to_minute(incident.detected_at)
        for step in steps:
            step.at = _to_minute(step.at)
        steps[:] = [step for step in steps if step.at <= self.now]
        for step in steps:
            incident.version += step.saves
            if step.kind == Kind.ACKNOWLEDGED:
                incident.acknowledged_at = step.at
            elif step.kind == Kind.SEVERITY_CHANGE:
                incident.severity = step.state
            elif step.kind == Kind.RESTORED:
                incident.restored_at = step.at
            elif step.kind == Kind.STATUS_CHANGE:
                incident.status = step.state
                if incident.status == Status.RESOLVED:
                    incident.resolved_at = step.at
        try:
            validate_incident_times(
                started_at=incident.started_at,
                detected_at=incident.detected_at,
                acknowledged_at=incident.acknowledged_at,
                restored_at=incident.restored_at,
                resolved_at=incident.resolved_at,
            )
        except ValidationError as error:
            raise CommandError(
                f"Generated an impossible incident {incident.title!r}: {error}"
            ) from error
        return incident
