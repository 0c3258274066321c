"""Ingestion throughput: deployments posted to Debrief through gunicorn on loopback, as a CI/CD
pipeline would, beside the same requests posted to a view that does nothing (bench/urls.py)
served by the same server. Afterwards the database must hold every posted deployment exactly
once, and the workers' peak memory is read from /proc.

Two ways in, whichever this build of Debrief has: the generic webhook (/hooks/generic/...), or
the integration API (POST /api/deployments). Both are authenticated with a bearer secret.

As in production, gunicorn and a Celery worker share a Redis (the database number --redis-db
names), so the webhook answers once a delivery is queued and the worker applies it meanwhile:
the accepting throughput is the figure compared with the do-nothing view; then the queue is
waited for, for the throughput from the first request to the last delivery applied."""

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.utils import timezone

from .server import Server, Worker

WORKERS = 2
THREADS = 2
# A few more client connections than the server has threads, so no worker waits for work.
CLIENTS = 6
NOOP_PATH = "/bench/noop"
# The queue is left to drain for at most this long after the last request.
DRAIN_TIMEOUT_SECONDS = 600


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    body: Callable[[int], bytes]
    # (rows, distinct posted ids) recorded in the database for this run.
    recorded: Callable[[], tuple[int, int]]
    # How many of this run's deliveries wait for the worker (none for the API).
    waiting: Callable[[], int] = lambda: 0


@dataclass
class Throughput:
    name: str
    requests: int
    seconds: float
    requests_per_second: float
    errors: int
    first_error: str


def _team_and_services():
    from incidents.models import Service, Team

    team = Team.objects.order_by("pk").first()
    return team, list(Service.objects.filter(team=team).order_by("pk"))


def _webhook_target(run: str) -> Target:
    from incidents.models import Deployment
    from webhooks import services as webhook_services
    from webhooks.models import Delivery, Kind

    team, team_services = _team_and_services()
    endpoint, secret = webhook_services.endpoint_create(
        team=team, kind=Kind.GENERIC, name=f"Benchmark {run}", by=None
    )
    for service in team_services:
        webhook_services.route_create(endpoint=endpoint, service=service, match_value=service.slug)
    deployed_at = (timezone.now() - timedelta(minutes=5)).isoformat()

    def body(n: int) -> bytes:
        service = team_services[n % len(team_services)]
        event = {
            "id": f"{run}-{n}",
            "type": "deployment",
            "service": service.slug,
            "version": f"v{n}",
            "occurred_at": deployed_at,
        }
        return json.dumps(event).encode()

    def recorded() -> tuple[int, int]:
        rows = Deployment.objects.filter(source=f"webhook-{endpoint.pk}")
        return rows.count(), rows.values("external_id").distinct().count()

    def waiting() -> int:
        return Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.QUEUED).count()

    return Target("webhook", endpoint.path, _bearer(secret), body, recorded, waiting)


def _api_target(run: str) -> Target:
    from incidents.models import Deployment
    from integrations.tokens import token_create

    team, team_services = _team_and_services()
    created = token_create(team=team, name=f"Benchmark {run}", by=None)
    deployed_at = (timezone.now() - timedelta(minutes=5)).isoformat()

    def body(n: int) -> bytes:
        service = team_services[n % len(team_services)]
        deployment = {
            "service": service.slug,
            "version": f"v{n}",
            "deployed_at": deployed_at,
            "external_id": f"{run}-{n}",
        }
        return json.dumps(deployment).encode()

    def recorded() -> tuple[int, int]:
        rows = Deployment.objects.filter(source="api", external_id__startswith=f"{run}-")
        return rows.count(), rows.values("external_id").distinct().count()

    return Target("api", "/api/deployments", _bearer(created.secret), body, recorded)


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


def post_all(port: int, name: str, path: str, headers: dict, body, requests: int) -> Throughput:
    """POST `requests` bodies from CLIENTS threads, each on its own kept-alive connection."""
    errors: list[str] = []
    lock = threading.Lock()

    def client(first: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(first, requests, CLIENTS):
            payload = body(n)
            try:
                connection.request("POST", path, payload, headers)
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            if response.status >= 300:
                with lock:
                    errors.append(f"{response.status}: {answer[:200].decode(errors='replace')}")
        connection.close()

    threads = [threading.Thread(target=client, args=(first,)) for first in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Throughput(
        name=name,
        requests=requests,
        seconds=round(seconds, 3),
        requests_per_second=round(requests / seconds, 1),
        errors=len(errors),
        first_error=errors[0] if errors else "",
    )


def _combined(*runs: Throughput) -> Throughput:
    requests = sum(run.requests for run in runs)
    seconds = sum(run.seconds for run in runs)
    return Throughput(
        name=runs[0].name,
        requests=requests,
        seconds=round(seconds, 3),
        requests_per_second=round(requests / seconds, 1),
        errors=sum(run.errors for run in runs),
        first_error=next((run.first_error for run in runs if run.first_error), ""),
    )


def _drained(target: Target, timeout: float) -> bool:
    """Wait until none of the run's deliveries is queued; False if they still are after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while target.waiting():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def measure_ingestion(requests: int, target: str | None = None, redis_db: int = 10) -> dict:
    """Post `requests` deployments through `target` (the generic webhook when None) and as
    many requests to the do-nothing view, with a Celery worker applying what is queued; returns
    both throughputs, the ratio, the end-to-end throughput and the time the queue took to
    drain, the database check and the gunicorn workers' peak memory."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from webhooks.tasks import DRAIN_FLAG

    name = target or "webhook"
    run = f"bench-{uuid.uuid4().hex[:8]}"
    chosen = {"webhook": _webhook_target, "api": _api_target}[name](run)
    warm_up = max(20, requests // 20)
    redis_url = f"redis://127.0.0.1:6379/{redis_db}"
    production = {"REDIS_URL": redis_url, "CELERY_BROKER_URL": "", "CELERY_RESULT_BACKEND": ""}
    # A flag an interrupted run left would hold back the first drain for a minute.
    RedisCache(redis_url, {}).delete(DRAIN_FLAG)
    caches.close_all()
    worker = Worker(environment=production)
    server = Server(workers=WORKERS, threads=THREADS, environment=production)
    try:
        # Every worker thread opens its database connection and loads its code first.
        post_all(server.port, "warm-up", NOOP_PATH, chosen.headers, chosen.body, warm_up)
        post_all(server.port, "warm-up", chosen.path, chosen.headers, chosen.body, warm_up)
        # The Celery worker is up, and idle, once it has applied the warm-up.
        if not _drained(chosen, DRAIN_TIMEOUT_SECONDS):
            raise RuntimeError("The Celery worker did not apply the warm-up's deliveries.")
        # Half the do-nothing requests before the ingestion and half after, so that a burst of
        # other load on the machine does not decide the reference alone.
        before = post_all(
            server.port, "do-nothing view", NOOP_PATH, chosen.headers, chosen.body, requests // 2
        )
        # The deployments' ids start after the warm-up's, so each is new.
        started = time.perf_counter()
        ingested = post_all(
            server.port,
            f"{name} ingestion",
            chosen.path,
            chosen.headers,
            lambda n: chosen.body(warm_up + n),
            requests,
        )
        answered = time.perf_counter()
        drained = _drained(chosen, DRAIN_TIMEOUT_SECONDS)
        finished = time.perf_counter()
        # After the drain, so that the worker's work does not slow the reference down.
        after = post_all(
            server.port,
            "do-nothing view",
            NOOP_PATH,
            chosen.headers,
            chosen.body,
            requests - requests // 2,
        )
        peak_memory_mb = server.workers_peak_memory_mb()
    finally:
        server.stop()
        worker.stop()
    noop = _combined(before, after)
    rows, distinct = chosen.recorded()
    expected = warm_up + requests
    applied_seconds = finished - started
    return {
        "target": name,
        "server": f"gunicorn, {WORKERS} workers × {THREADS} threads (gthread), {CLIENTS} clients"
        ", one Celery worker",
        "noop": asdict(noop),
        "ingestion": asdict(ingested),
        "ratio": round(ingested.requests_per_second / noop.requests_per_second, 3),
        "applied": {
            "drained": drained,
            "requests_per_second": round(requests / applied_seconds, 1),
            "drain_seconds": round(finished - answered, 3),
        },
        "posted": expected,
        "recorded": rows,
        "recorded_exactly_once": drained and rows == distinct == expected,
        "worker_peak_memory_mb": round(peak_memory_mb, 1),
    }
