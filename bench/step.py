"""One step of the benchmark in its own process, on the database DATABASE_URL names (a fresh
benchmark database made by bench/__main__.py): `build`, `measure` (the pages, and beside each
learning page its hand-written query when bench/raw.py has one) or `ingest` (webhook
throughput through gunicorn, with a Celery worker over the Redis database --redis-db). Prints
one JSON line."""

import argparse
import json
import os
from datetime import UTC, datetime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["build", "measure", "ingest"])
    parser.add_argument("--fraction", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--target", choices=["webhook", "api"], default=None)
    parser.add_argument("--redis-db", type=int, default=10)
    options = parser.parse_args()

    from .database import configure_environment

    configure_environment(os.environ["DATABASE_URL"])
    import django

    django.setup()

    if options.step == "build":
        from django.core.management import call_command

        from .organisation import Builder, Size

        call_command("migrate", verbosity=0)
        # Production settings serve hashed static files; the pages need their manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        # History ends today at midnight (UTC), so the pages' "last 30 days" hold the newest
        # rows; the same seed on the same day builds the same rows.
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        rows = Builder(size=Size().scaled(options.fraction), now=now, seed=options.seed).build()
        print(json.dumps({"rows": rows}))
    elif options.step == "measure":
        from . import pages

        timings = pages.measure_pages(options.repetitions)
        measured = {"pages": pages.as_dicts(timings), "peak_memory_mb": pages.peak_memory_mb()}
        try:
            from . import raw
        except ImportError:
            raw = None
        if raw is not None:
            measured["raw"] = raw.time_raw(options.repetitions)
            measured["raw_reference"] = raw.reference()
        print(json.dumps(measured))
    else:
        from .ingest import measure_ingestion

        measured = measure_ingestion(options.requests, options.target, options.redis_db)
        print(json.dumps({"ingestion": measured}))


if __name__ == "__main__":
    main()
