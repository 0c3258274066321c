"""Server-side timings of Debrief's busiest pages on the benchmark database.

Each page is requested through Django's test client in this process (the full middleware and
template stack, no network): first once to warm up and count its queries, then many times to
time it. The process's peak memory at the end is the memory of a web process that served them
all."""

import resource
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings

from incidents.models import Status, Team
from postmortems.models import Postmortem


@dataclass
class Timing:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    repetitions: int


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class QueryCounter:
    """Counts the queries run while it is installed (a request resets Django's own query log
    when it starts, so CaptureQueriesContext cannot count around a whole request)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def query_count(call) -> int:
    """The number of queries one call of `call` runs."""
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        call()
    return counter.count


def time_call(name: str, call, repetitions: int) -> Timing:
    queries = query_count(call)
    seconds = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return Timing(
        name=name,
        median_ms=statistics.median(seconds) * 1000,
        p95_ms=_percentile(seconds, 0.95) * 1000,
        queries=queries,
        repetitions=repetitions,
    )


def measured_pages() -> dict[str, str]:
    """The pages the benchmark times, by name: the same objects at every size (the busiest team,
    the newest resolved incident and the newest published postmortem)."""
    team = Team.objects.order_by("pk").first()
    # The newest published postmortem and its incident: the same shape of page at every size.
    postmortem = (
        Postmortem.objects.filter(status=Postmortem.Status.PUBLISHED)
        .select_related("incident")
        .order_by("-published_at")
        .first()
    )
    incident = postmortem.incident
    filtered = urlencode({"status": Status.RESOLVED, "severity": 2, "team": team.slug})
    return {
        "home page": "/",
        "incident list": "/incidents/",
        "incident list, filtered": f"/incidents/?{filtered}",
        "incident page": incident.get_absolute_url(),
        "postmortem page": postmortem.get_absolute_url(),
        "team learning page": f"/teams/{team.slug}/learning/",
        "organisation learning page": "/learning/",
        "metrics CSV export": "/learning/export.csv?"
        + urlencode({"series": "four-keys", "team": team.slug}),
        "search across postmortems": "/search/?q=connection+pool",
    }


def viewer_client() -> Client:
    """A client signed in as the benchmark's viewer, who may see every page."""
    viewer, _ = User.objects.get_or_create(
        username="bench-viewer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(viewer)
    return client


def fetch(client: Client, url: str) -> None:
    """GET `url` to its last byte; anything but a 200 stops the benchmark."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


# The pages whose figures LEARNING_CACHE_SECONDS caches: timed again with the cache off, since
# in a busy organisation a write (a deployment) starts a new cache generation every minute.
CACHED_PAGES = ("team learning page", "organisation learning page", "metrics CSV export")
UNCACHED = ", no cache"


def measure_pages(repetitions: int) -> list[Timing]:
    client = viewer_client()
    pages = measured_pages()
    timings = [
        time_call(name, lambda url=url: fetch(client, url), repetitions)
        for name, url in pages.items()
    ]
    with override_settings(LEARNING_CACHE_SECONDS=0):
        timings += [
            time_call(name + UNCACHED, lambda url=pages[name]: fetch(client, url), repetitions)
            for name in CACHED_PAGES
        ]
    return timings


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports ru_maxrss in kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def as_dicts(timings: list[Timing]) -> list[dict]:
    return [asdict(timing) for timing in timings]
