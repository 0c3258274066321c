"""Debrief's settings with the benchmark's URLs: the app's own, plus a view that does nothing,
the reference for ingestion throughput."""

from debrief.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
