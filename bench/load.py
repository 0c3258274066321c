"""`make loadtest`: concurrent clients against gunicorn on PostgreSQL, then a count in the
database of what they were told was recorded.

    python -m bench.load [--clients 20] [--seconds 30] [--output loadtest-result.json]

A fresh database <name>_loadtest beside DATABASE_URL's (PostgreSQL only; without DATABASE_URL,
the local server at LOCAL_SERVER) is migrated and given a team, services, an API token, a
generic webhook endpoint and a signed-in person. gunicorn serves it on 127.0.0.1, without
Redis, so the figures are the web processes' and the database's. Each client, until the time
is up, declares incidents and adds notes to their timelines through the API, posts
deployments to the webhook (each with a new delivery id, a few sent again, and in every round
one id that all clients send at once) and reads the incident list signed in. Afterwards every
acknowledged record must be in the database exactly once: the run exits non-zero on any
error, lost or duplicated record. The database is dropped at the end."""

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from .database import configure_environment, is_postgres, postgres_answers, postgres_drop
from .database import postgres_recreate as recreate

LOCAL_SERVER = "postgres://postgres@127.0.0.1:5432/debrief"
# Two cores: two processes of four threads keep both busy while some threads wait on the
# database; the clients' other requests wait in gunicorn's backlog.
WORKERS = 2
THREADS = 4
# One request at most waits this long; past it, the request counts as an error.
REQUEST_TIMEOUT_SECONDS = 60
# Every REDELIVER_EVERY rounds a client sends one of its earlier deliveries again.
REDELIVER_EVERY = 3
SERVICES = ("checkout", "payments-api", "ledger")

# "client" counts no requests: only clients that stopped before their time was up.
KINDS = ("incident", "note", "webhook", "redelivery", "shared webhook", "incident list", "client")


@dataclass
class Tally:
    """What one kind of request got, over all clients."""

    sent: int = 0
    succeeded: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Fixtures:
    run: str
    token: str
    webhook_path: str
    webhook_secret: str
    session_cookie: str
    endpoint_id: int
    team_id: int


class Client(threading.Thread):
    """One client: a fresh loopback connection per request, so that a kept-alive connection
    the server closed in between is never mistaken for a failed request."""

    def __init__(self, number: int, port: int, fixtures: Fixtures, deadline: float, shared):
        super().__init__(name=f"client-{number}")
        self.number = number
        self.port = port
        self.fixtures = fixtures
        self.deadline = deadline
        self.shared = shared
        self.random = random.Random(number)
        self.tallies = {kind: Tally() for kind in KINDS}
        # What the server acknowledged: incident titles → ids, note bodies, delivery ids.
        self.incidents: dict[str, int] = {}
        self.notes: list[str] = []
        self.deliveries: list[str] = []
        self.redelivered_as_new: list[str] = []

    def request(self, kind: str, method: str, path: str, body: dict | None, headers: dict):
        # Time is up: the rest of the round is not sent, so the run ends on time.
        if time.monotonic() >= self.deadline:
            return None, None
        tally = self.tallies[kind]
        tally.sent += 1
        payload = json.dumps(body).encode() if body is not None else None
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS
        )
        try:
            connection.request(method, path, payload, headers)
            response = connection.getresponse()
            answer = response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.errors.append(f"{method} {path}: {type(error).__name__}: {error}")
            return None, None
        finally:
            connection.close()
        if not 200 <= response.status < 300:
            text = answer[:200].decode(errors="replace")
            tally.errors.append(f"{method} {path}: {response.status} {text}")
            return response.status, None
        tally.succeeded += 1
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(answer) if is_json else None

    def api(self, kind: str, path: str, body: dict):
        headers = {
            "Authorization": f"Bearer {self.fixtures.token}",
            "Content-Type": "application/json",
        }
        return self.request(kind, "POST", path, body, headers)

    def webhook(self, kind: str, delivery_id: str, round_number: int):
        event = {
            "id": delivery_id,
            "type": "deployment",
            "service": SERVICES[round_number % len(SERVICES)],
            "version": f"v{round_number}",
            "occurred_at": self.shared["deployed_at"],
        }
        headers = {
            "Authorization": f"Bearer {self.fixtures.webhook_secret}",
            "Content-Type": "application/json",
        }
        return self.request(kind, "POST", self.fixtures.webhook_path, event, headers)

    def run(self) -> None:
        """The client's rounds; a client that stops early for any reason is an error, never
        a quiet thread the totals leave out."""
        try:
            self._rounds()
        except Exception as error:
            self.tallies["client"].errors.append(
                f"client {self.number} stopped: {type(error).__name__}: {error}"
            )

    def _rounds(self) -> None:
        run = self.fixtures.run
        round_number = 0
        while time.monotonic() < self.deadline:
            round_number += 1
            title = f"{run} client {self.number} incident {round_number}"
            status, answer = self.api(
                "incident",
                "/api/incidents",
                {"title": title, "severity": 1 + round_number % 4, "services": [SERVICES[0]]},
            )
            if status == 201:
                self.incidents[title] = answer["id"]
            if self.incidents:
                incident_id = self.random.choice(list(self.incidents.values()))
                body = f"{run} client {self.number} note {round_number}"
                status, _ = self.api("note", f"/api/incidents/{incident_id}/events", {"body": body})
                if status == 201:
                    self.notes.append(body)
            delivery_id = f"{run}-{self.number}-{round_number}"
            status, answer = self.webhook("webhook", delivery_id, round_number)
            if status == 200 and answer.get("status") == "processed":
                self.deliveries.append(delivery_id)
            elif status == 200:
                self.tallies["webhook"].errors.append(f"{delivery_id}: answered {answer}")
            if round_number % REDELIVER_EVERY == 0 and self.deliveries:
                again = self.random.choice(self.deliveries)
                status, answer = self.webhook("redelivery", again, round_number)
                if status == 200 and answer.get("status") != "duplicate":
                    self.redelivered_as_new.append(again)
            # Every client sends this round's shared delivery: one is processed, the others
            # are answered as duplicates.
            status, answer = self.webhook("shared webhook", f"{run}-shared-{round_number}", 0)
            if status == 200:
                self.shared["answers"].append((round_number, answer.get("status")))
            cookie = {"Cookie": self.fixtures.session_cookie}
            self.request("incident list", "GET", "/incidents/", None, cookie)


def warm_up(port: int, fixtures: Fixtures) -> None:
    """Read-only requests, not counted, until every server thread has loaded the code and
    templates and opened its database connection, so the figures are of a running server."""

    def read(path: str, headers: dict) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
        finally:
            connection.close()

    readers = []
    for _ in range(WORKERS * THREADS * 2):
        readers.append(
            threading.Thread(target=read, args=("/incidents/", {"Cookie": fixtures.session_cookie}))
        )
        readers.append(
            threading.Thread(
                target=read, args=("/api/incidents", {"Authorization": f"Bearer {fixtures.token}"})
            )
        )
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()


def prepare(run: str) -> Fixtures:
    """The team, its services, an API token, a generic webhook endpoint and a signed-in
    member, in the fresh database."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from incidents.models import Service, Team
    from integrations.tokens import token_create
    from webhooks import services as webhook_services
    from webhooks.models import Kind

    team = Team.objects.create(name="Payments", slug="payments")
    for slug in SERVICES:
        Service.objects.create(name=slug.replace("-", " ").title(), slug=slug, team=team)
    token = token_create(team=team, name="Load test", by=None)
    endpoint, secret = webhook_services.endpoint_create(
        team=team, kind=Kind.GENERIC, name="Load test", by=None
    )
    person = User.objects.create_user("load", "load@example.org")
    team.members.add(person)
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    # As a sign-in through the first configured backend would record it.
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return Fixtures(
        run=run,
        token=token.secret,
        webhook_path=endpoint.path,
        webhook_secret=secret,
        session_cookie=f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        endpoint_id=endpoint.pk,
        team_id=team.pk,
    )


@dataclass
class Check:
    """One kind of record: how many the clients were told were recorded, how many the
    database holds, and the differences."""

    kind: str
    acknowledged: int
    recorded: int
    lost: int
    duplicated: int
    unacknowledged: int


def _check(kind: str, acknowledged: list[str], recorded: list[str]) -> Check:
    """`recorded` holds one key per row; a key twice is a duplicate, an acknowledged key
    missing is lost, and a row nobody was told of (its request failed, yet it was written)
    is unacknowledged."""
    counts: dict[str, int] = {}
    for key in recorded:
        counts[key] = counts.get(key, 0) + 1
    wanted = set(acknowledged)
    return Check(
        kind=kind,
        acknowledged=len(acknowledged),
        recorded=len(recorded),
        lost=len(wanted - counts.keys()),
        duplicated=sum(count - 1 for count in counts.values()) + len(acknowledged) - len(wanted),
        unacknowledged=len(counts.keys() - wanted),
    )


def count_records(fixtures: Fixtures, clients: list[Client], shared_answers) -> list[Check]:
    """Count in the database what the clients were told was recorded."""
    from incidents.models import Deployment, Incident, TimelineEvent
    from webhooks.models import Delivery

    run = fixtures.run
    incidents = [t for client in clients for t in client.incidents]
    notes = [body for client in clients for body in client.notes]
    deliveries = [d for client in clients for d in client.deliveries]
    # A shared delivery is acknowledged once at least one client had an answer for it.
    shared = [f"{run}-shared-{n}" for n in sorted({n for n, _ in shared_answers})]
    recorded_incidents = Incident.objects.filter(title__startswith=run)
    # A declared incident is whole with its services and its "declared" timeline entry.
    whole = recorded_incidents.filter(
        services__isnull=False, events__kind=TimelineEvent.Kind.DECLARED
    ).distinct()
    webhook_rows = Delivery.objects.filter(endpoint_id=fixtures.endpoint_id)
    deployment_rows = Deployment.objects.filter(source=f"webhook-{fixtures.endpoint_id}")
    return [
        _check("incident", incidents, list(recorded_incidents.values_list("title", flat=True))),
        _check("incident, whole", incidents, list(whole.values_list("title", flat=True))),
        _check(
            "timeline note",
            notes,
            list(
                TimelineEvent.objects.filter(
                    kind=TimelineEvent.Kind.NOTE, body__startswith=run
                ).values_list("body", flat=True)
            ),
        ),
        _check(
            "webhook delivery",
            deliveries + shared,
            list(webhook_rows.values_list("delivery_id", flat=True)),
        ),
        _check(
            "deployment",
            deliveries + shared,
            list(deployment_rows.values_list("external_id", flat=True)),
        ),
    ]


def _shared_duplicates(answers: list[tuple[int, str]]) -> int:
    """Shared deliveries answered as new more than once: each of those is a duplicate."""
    processed: dict[int, int] = {}
    for round_number, status in answers:
        if status != "duplicate":
            processed[round_number] = processed.get(round_number, 0) + 1
    return sum(count - 1 for count in processed.values())


def summarise(clients: list[Client], checks: list[Check], seconds: float, shared) -> dict:
    tallies = {}
    for kind in KINDS:
        merged = Tally()
        for client in clients:
            tally = client.tallies[kind]
            merged.sent += tally.sent
            merged.succeeded += tally.succeeded
            merged.errors += tally.errors
        tallies[kind] = merged
    served = sum(tally.sent for tally in tallies.values())
    errors = [error for tally in tallies.values() for error in tally.errors]
    redelivered_as_new = [d for client in clients for d in client.redelivered_as_new]
    duplicated = (
        sum(check.duplicated + check.unacknowledged for check in checks)
        + len(redelivered_as_new)
        + _shared_duplicates(shared["answers"])
    )
    lost = sum(check.lost for check in checks)
    return {
        "clients": len(clients),
        "seconds": round(seconds, 1),
        "server": f"gunicorn, {WORKERS} workers × {THREADS} threads (gthread), PostgreSQL",
        "requests": served,
        "requests_per_second": round(served / seconds, 1),
        "errors": len(errors),
        "first_errors": errors[:5],
        "lost": lost,
        "duplicated": duplicated,
        "redeliveries_answered_as_new": len(redelivered_as_new),
        "requests_by_kind": {
            kind: {"sent": t.sent, "succeeded": t.succeeded, "errors": len(t.errors)}
            for kind, t in tallies.items()
        },
        "records": [asdict(check) for check in checks],
    }


def table(result: dict) -> str:
    lines = [f"{'requests':<16}{'sent':>8}{'2xx':>8}{'errors':>8}"]
    for kind, figures in result["requests_by_kind"].items():
        lines.append(
            f"{kind:<16}{figures['sent']:>8}{figures['succeeded']:>8}{figures['errors']:>8}"
        )
    lines.append("")
    columns = ("acknowledged", "recorded", "lost", "duplicated", "unacknowledged")
    lines.append(f"{'records':<18}" + "".join(f"{name:>15}" for name in columns))
    for check in result["records"]:
        lines.append(f"{check['kind']:<18}" + "".join(f"{check[name]:>15}" for name in columns))
    lines.append("")
    lines.append(
        f"{result['clients']} clients for {result['seconds']} s against {result['server']}: "
        f"{result['requests']} requests served ({result['requests_per_second']}/s), "
        f"{result['errors']} errors, {result['lost']} lost and "
        f"{result['duplicated']} duplicated records."
    )
    return "\n".join(lines)


def _server_url() -> str:
    """The PostgreSQL server to make the load test's database on: DATABASE_URL's, else the
    local default; exits with a message when there is none."""
    base = os.environ.get("DATABASE_URL", "")
    if is_postgres(base):
        if not postgres_answers(base):
            sys.exit(
                "The load test needs PostgreSQL, and the server of DATABASE_URL does not answer."
            )
        return base
    if base:
        sys.exit(
            "The load test runs on PostgreSQL; DATABASE_URL names another database. Set "
            "DATABASE_URL=postgres://user@host:5432/name: the test makes and drops "
            "<name>_loadtest on that server."
        )
    if not postgres_answers(LOCAL_SERVER):
        sys.exit(
            f"The load test needs PostgreSQL, and none answers at {LOCAL_SERVER}. Set "
            "DATABASE_URL=postgres://user@host:5432/name: the test makes and drops "
            "<name>_loadtest on that server."
        )
    return LOCAL_SERVER


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30, help="how long the clients run")
    parser.add_argument("--output", default="loadtest-result.json")
    options = parser.parse_args()

    base = _server_url()
    import dj_database_url

    database_url = recreate(base, f"{dj_database_url.parse(base)['NAME']}_loadtest")
    started = time.monotonic()
    try:
        result = _run(database_url, options)
    finally:
        from django.db import connections

        connections.close_all()
        postgres_drop(database_url)
    result["total_seconds"] = round(time.monotonic() - started, 1)
    Path(options.output).write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    for error in result["first_errors"]:
        print(f"  {error}")
    print(f"Written to {options.output}; {result['total_seconds']} s in all.")
    if result["errors"] or result["lost"] or result["duplicated"]:
        sys.exit(1)


def _run(database_url: str, options) -> dict:
    configure_environment(database_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
    # Without Redis: tasks run in the web process, and nothing is left in a shared Redis.
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["CELERY_RESULT_BACKEND"] = ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    began = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"Migrated in {time.monotonic() - began:.0f} s.", file=sys.stderr)
    fixtures = prepare(f"load-{uuid.uuid4().hex[:8]}")
    shared = {
        "deployed_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "answers": [],
    }
    from .server import Server

    server = Server(workers=WORKERS, threads=THREADS, settings="bench.load_settings")
    try:
        warm_up(server.port, fixtures)
        print(f"{options.clients} clients for {options.seconds:g} s …", file=sys.stderr)
        started = time.monotonic()
        deadline = started + options.seconds
        clients = [
            Client(number, server.port, fixtures, deadline, shared)
            for number in range(1, options.clients + 1)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        seconds = time.monotonic() - started
    finally:
        server.stop()
    checks = count_records(fixtures, clients, shared["answers"])
    return summarise(clients, checks, seconds, shared)


if __name__ == "__main__":
    main()
