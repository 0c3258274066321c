"""Debrief's settings for the benchmark: the app's own URLs plus a view that does nothing (the
reference for ingestion throughput), and static files collected outside the work tree, so that
a benchmark never rewrites the staticfiles/ a test or a running server is reading."""

import tempfile
from pathlib import Path

from debrief.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = Path(tempfile.gettempdir()) / "debrief-bench-static"
