"""A large organisation for the benchmark, built with bulk inserts and fixed by a seed.

Full size: 200 teams, 1,000 services, three years of history with 1,000,000 production
deployments (each with one to three commits), 100,000 incidents with their timelines,
20,000 postmortems (most published, with their sections and contributing factors) and
100,000 follow-ups. A fraction scales the history and keeps the organisation: a tenth is the
same teams and services at the same pace (deployments a day, incidents a month) over a tenth of
the years, so that the last 30 days hold as much at both sizes and only the history behind them
differs, which is what "cost does not grow with history" compares."""

import math
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from followups.models import ActionItem
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
from postmortems.models import (
    ContributingFactor,
    FactorCategory,
    Postmortem,
    PostmortemTemplate,
    SectionContent,
)

from .rows import RowWriter

Kind = TimelineEvent.Kind
Outcome = Deployment.Outcome

PEOPLE_PER_TEAM = 5
_VOCABULARY = (
    "connection pool exhausted cache stampede retry storm certificate expiry disk pressure "
    "queue backlog dns resolution timeout configuration drift feature flag rollout "
    "memory leak failover replica lag rate limit schema migration lock contention "
    "alert fatigue runbook gap dashboard blind spot capacity headroom dependency upgrade"
)
WORDS = _VOCABULARY.split()
SYMPTOMS = (
    "Elevated error rate on",
    "Slow responses from",
    "Timeouts calling",
    "Partial outage of",
    "Stale data served by",
)


@dataclass(frozen=True)
class Size:
    teams: int = 200
    services: int = 1_000
    deployments: int = 1_000_000
    incidents: int = 100_000
    postmortems: int = 20_000
    followups: int = 100_000
    years: float = 3

    def scaled(self, fraction: float) -> "Size":
        """The same organisation at the same pace, over `fraction` of its years."""
        return Size(
            teams=self.teams,
            services=self.services,
            deployments=round(self.deployments * fraction),
            incidents=round(self.incidents * fraction),
            postmortems=round(self.postmortems * fraction),
            followups=round(self.followups * fraction),
            years=self.years * fraction,
        )


class Builder:
    def __init__(self, *, size: Size, now: datetime, seed: int = 1):
        self.size = size
        self.now = now
        self.start = now - timedelta(days=365 * size.years)
        self.span = (now - self.start).total_seconds()
        self.rng = random.Random(seed)
        self.rows = RowWriter(now)
        # Per service: the first deployment id and the sorted deployment times (epoch seconds).
        self.first_deployment: list[int] = []
        self.deployment_times: list[array] = []
        self.service_team: list[int] = []
        self.team_people: dict[int, list[int]] = {}

    def build(self) -> dict[str, int]:
        """Insert the organisation; returns the rows written per model. The rows carry their
        own ids from 1, so the organisation's tables must be empty: a fresh benchmark database,
        or a test's database before the test adds anything."""
        occupied = [
            model._meta.label
            for model in (User, Team, Service, Deployment, Incident, Postmortem, ActionItem)
            if model.objects.exists()
        ]
        if occupied:
            raise ValueError(f"The organisation needs empty tables; these have rows: {occupied}")
        self._people_and_teams()
        self._deployments()
        self._incidents()
        self._postmortems_and_followups()
        self.rows.finish(
            User,
            Team,
            Service,
            Deployment,
            DeploymentCommit,
            Incident,
            Incident.services.through,
            TimelineEvent,
            Postmortem,
            SectionContent,
            ContributingFactor,
            ActionItem,
        )
        return dict(self.rows.counts)

    # Randomness ----------------------------------------------------------------------------

    def _moment(self) -> datetime:
        return self.start + timedelta(seconds=self.rng.random() * self.span)

    def _lognormal(self, median_seconds: float, sigma: float) -> timedelta:
        return timedelta(seconds=median_seconds * math.exp(self.rng.gauss(0, sigma)))

    def _text(self, words: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words))

    # The organisation ----------------------------------------------------------------------

    def _people_and_teams(self) -> None:
        size = self.size
        people = size.teams * PEOPLE_PER_TEAM
        self.rows.insert(
            User,
            (
                {
                    "id": n,
                    "username": f"person{n}",
                    "first_name": f"Person {n}",
                    "email": f"person{n}@example.org",
                    "password": "!",  # unusable: nobody logs in as these people
                    "date_joined": self.start,
                }
                for n in range(1, people + 1)
            ),
        )
        self.rows.insert(
            Team, ({"id": t, "name": f"Team {t}", "slug": f"team-{t}"} for t in self._team_ids())
        )
        memberships = []
        for team in self._team_ids():
            members = list(range((team - 1) * PEOPLE_PER_TEAM + 1, team * PEOPLE_PER_TEAM + 1))
            self.team_people[team] = members
            memberships.extend((team, person) for person in members)
        self.rows.insert_m2m(Team._meta.get_field("members"), memberships)
        self.rows.insert_m2m(
            Team._meta.get_field("admins"),
            [(team, people[0]) for team, people in self.team_people.items()],
        )
        self.service_team = [1 + s % size.teams for s in range(size.services)]
        self.rows.insert(
            Service,
            (
                {
                    "id": s + 1,
                    "name": f"Service {s + 1}",
                    "slug": f"service-{s + 1}",
                    "team_id": team,
                    "tier": self.rng.choice(Service.Tier.values),
                }
                for s, team in enumerate(self.service_team)
            ),
        )

    def _team_ids(self) -> range:
        return range(1, self.size.teams + 1)

    # Deployments ---------------------------------------------------------------------------

    def _deployments(self) -> None:
        size = self.size
        per_service = [size.deployments // size.services] * size.services
        for s in range(size.deployments % size.services):
            per_service[s] += 1
        deployments, commits = [], []
        next_id = next_commit = 1
        for s, count in enumerate(per_service):
            times = array("d", sorted(self.rng.random() * self.span for _ in range(count)))
            self.first_deployment.append(next_id)
            self.deployment_times.append(times)
            for offset in times:
                deployed_at = self.start + timedelta(seconds=offset)
                roll = self.rng.random()
                outcome = (
                    Outcome.SUCCEEDED
                    if roll < 0.87
                    else Outcome.FAILED
                    if roll < 0.95
                    else Outcome.ROLLED_BACK
                )
                commit_times = sorted(
                    deployed_at - self._lognormal(20 * 3600, 1.2)
                    for _ in range(self.rng.randint(1, 3))
                )
                deployments.append(
                    {
                        "id": next_id,
                        "service_id": s + 1,
                        "version": f"v{next_id}",
                        "deployed_at": deployed_at,
                        "first_commit_at": commit_times[0],
                        "outcome": outcome,
                        "source": "bench",
                    }
                )
                for committed_at in commit_times:
                    commits.append(
                        {
                            "id": next_commit,
                            "deployment_id": next_id,
                            "sha": f"{self.rng.getrandbits(160):040x}",
                            "committed_at": committed_at,
                        }
                    )
                    next_commit += 1
                next_id += 1
            if len(deployments) >= 50_000:
                self._flush_deployments(deployments, commits)
        self._flush_deployments(deployments, commits)

    def _flush_deployments(self, deployments: list[dict], commits: list[dict]) -> None:
        self.rows.insert(Deployment, deployments)
        self.rows.insert(DeploymentCommit, commits)
        deployments.clear()
        commits.clear()

    def _deployment_before(self, service_index: int, moment: datetime) -> int | None:
        times = self.deployment_times[service_index]
        position = bisect_right(times, (moment - self.start).total_seconds())
        if position == 0:
            return None
        return self.first_deployment[service_index] + position - 1

    # Incidents and their timelines ---------------------------------------------------------

    def _incidents(self) -> None:
        incidents, links, events = [], [], []
        self.resolved_incidents: list[tuple[int, int, datetime]] = []
        next_event = 1
        recent = self.now - timedelta(days=2)
        for n in range(1, self.size.incidents + 1):
            service = self.rng.randrange(self.size.services)
            team = self.service_team[service]
            people = self.team_people[team]
            started = self._moment().replace(second=0, microsecond=0)
            detected = started + self._lognormal(300, 1.0)
            acknowledged = detected + self._lognormal(240, 1.0)
            restored = acknowledged + self._lognormal(2400, 1.3)
            resolved = restored + self._lognormal(1800, 1.0)
            # The newest incidents' long tails would end after the build's now: Debrief refuses
            # moments in the future, so they end at now, in the same order.
            detected, acknowledged, restored, resolved = (
                min(moment, self.now) for moment in (detected, acknowledged, restored, resolved)
            )
            still_open = started > recent and self.rng.random() < 0.5
            caused_by = (
                self._deployment_before(service, started) if self.rng.random() < 0.3 else None
            )
            commander = self.rng.choice(people)
            incidents.append(
                {
                    "id": n,
                    "title": f"{self.rng.choice(SYMPTOMS)} Service {service + 1}",
                    "summary": self._text(12),
                    "severity": self.rng.choices(Severity.values, weights=[1, 4, 10, 8])[0],
                    "status": Status.MONITORING if still_open else Status.RESOLVED,
                    "team_id": team,
                    "commander_id": commander,
                    "reporter_id": self.rng.choice(people),
                    "caused_by_deployment_id": caused_by,
                    "is_drill": self.rng.random() < 0.01,
                    "started_at": started,
                    "detected_at": detected,
                    "acknowledged_at": acknowledged,
                    "restored_at": restored,
                    "resolved_at": None if still_open else resolved,
                    "created_at": detected,
                    "updated_at": restored if still_open else resolved,
                }
            )
            links.append((n, service + 1))
            steps = [
                (detected, Kind.DECLARED, ""),
                (acknowledged, Kind.ACKNOWLEDGED, ""),
                *(
                    (
                        acknowledged + (restored - acknowledged) * self.rng.random(),
                        Kind.NOTE,
                        self._text(10),
                    )
                    for _ in range(self.rng.randint(1, 3))
                ),
                (restored, Kind.RESTORED, ""),
            ]
            if not still_open:
                steps.append((resolved, Kind.RESOLVED, ""))
                self.resolved_incidents.append((n, team, resolved))
            for at, kind, body in steps:
                events.append(
                    {
                        "id": next_event,
                        "incident_id": n,
                        "kind": kind,
                        "body": body,
                        "author_id": commander,
                        "occurred_at": at,
                        "created_at": at,
                    }
                )
                next_event += 1
            if len(incidents) >= 20_000:
                self._flush_incidents(incidents, links, events)
        self._flush_incidents(incidents, links, events)

    def _flush_incidents(self, incidents: list, links: list, events: list) -> None:
        self.rows.insert(Incident, incidents)
        start = self.rows.counts.get(Incident.services.through._meta.label, 0) + 1
        self.rows.insert(
            Incident.services.through,
            (
                {"id": n, "incident_id": incident, "service_id": service}
                for n, (incident, service) in enumerate(links, start=start)
            ),
        )
        self.rows.insert(TimelineEvent, events)
        incidents.clear()
        links.clear()
        events.clear()

    # Postmortems, contributing factors and follow-ups --------------------------------------

    def _postmortems_and_followups(self) -> None:
        template = PostmortemTemplate.objects.get(slug="standard")
        sections = list(template.sections.order_by("position"))
        categories = list(FactorCategory.objects.values_list("pk", flat=True))
        chosen = self.rng.sample(
            self.resolved_incidents, min(self.size.postmortems, len(self.resolved_incidents))
        )
        chosen.sort()
        postmortems, contents, factors, items = [], [], [], []
        next_content = next_factor = next_item = 1
        items_left = self.size.followups
        for n, (incident, team, resolved) in enumerate(chosen, start=1):
            people = self.team_people[team]
            published = self.rng.random() < 0.85
            published_at = resolved + self._lognormal(4 * 86400, 0.8) if published else None
            if published_at is not None and published_at > self.now:
                published_at = None
            author = self.rng.choice(people)
            postmortems.append(
                {
                    "id": n,
                    "incident_id": incident,
                    "template_id": template.pk,
                    "title": f"Postmortem of incident {incident}",
                    "status": (
                        Postmortem.Status.PUBLISHED if published_at else Postmortem.Status.DRAFT
                    ),
                    "created_by_id": author,
                    "created_at": resolved,
                    "updated_at": published_at or resolved,
                    "published_at": published_at,
                    "published_by_id": author if published_at else None,
                }
            )
            for section in sections:
                contents.append(
                    {
                        "id": next_content,
                        "postmortem_id": n,
                        "section_id": section.pk,
                        "title": section.title,
                        "position": section.position,
                        "required": section.required,
                        "body": self._text(40),
                        "version": 1,
                        "updated_by_id": author,
                        "updated_at": published_at or resolved,
                    }
                )
                next_content += 1
            for _ in range(self.rng.randint(1, 4)):
                factors.append(
                    {
                        "id": next_factor,
                        "postmortem_id": n,
                        "category_id": self.rng.choice(categories),
                        "description": self._text(8),
                        "created_by_id": author,
                        "created_at": resolved,
                    }
                )
                next_factor += 1
            # The follow-ups spread over the postmortems, five on average.
            remaining_postmortems = len(chosen) - n + 1
            count = min(items_left, round(items_left / remaining_postmortems))
            items_left -= count
            for position in range(count):
                due = (resolved + timedelta(days=self.rng.randint(7, 60))).date()
                roll = self.rng.random()
                done_at = resolved + self._lognormal(20 * 86400, 0.8)
                status = (
                    ActionItem.Status.DONE
                    if roll < 0.6 and done_at < self.now
                    else ActionItem.Status.WONT_DO
                    if roll < 0.65
                    else ActionItem.Status.OPEN
                )
                items.append(
                    {
                        "id": next_item,
                        "title": self._text(6).capitalize(),
                        "team_id": team,
                        "owner_id": self.rng.choice(people),
                        "due_date": due,
                        "status": status,
                        "wont_do_reason": "Superseded."
                        if status == ActionItem.Status.WONT_DO
                        else "",
                        "completed_at": None
                        if status == ActionItem.Status.OPEN
                        else min(done_at, self.now),
                        "incident_id": incident,
                        "postmortem_id": n,
                        "position": position,
                        "created_at": resolved,
                        "updated_at": resolved,
                    }
                )
                next_item += 1
            if len(postmortems) >= 5_000:
                self._flush_postmortems(postmortems, contents, factors, items)
        self._flush_postmortems(postmortems, contents, factors, items)

    def _flush_postmortems(self, postmortems, contents, factors, items) -> None:
        for model, rows in (
            (Postmortem, postmortems),
            (SectionContent, contents),
            (ContributingFactor, factors),
            (ActionItem, items),
        ):
            self.rows.insert(model, rows)
            rows.clear()
