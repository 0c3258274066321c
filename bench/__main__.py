"""`make bench`: build a large organisation in a fresh database, time the busiest pages, and do it
again at a tenth of the history to show how each figure grows.

    python -m bench [--fraction 1.0] [--repetitions 30] [--requests 2000] [--target webhook|api]
                    [--redis-db 10] [--output bench-results.json]

Each size runs in its own processes: one builds, a fresh one measures (so the memory figure is a
web process's, not the builder's), and a third posts webhooks to gunicorn, with a Celery worker
applying them through Redis (on 127.0.0.1:6379, database --redis-db). PostgreSQL is used when
DATABASE_URL names it."""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .report import table


def _child(*args: str, env: dict) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.step", *args],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0, help="scale of the full size")
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="bench-results.json")
    parser.add_argument(
        "--requests", type=int, default=2000, help="webhook deliveries posted for throughput"
    )
    parser.add_argument(
        "--target", choices=["webhook", "api"], help="how deployments come in (default: webhook)"
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=10,
        help="Redis database (on 127.0.0.1:6379) for the webhooks' broker and cache",
    )
    options = parser.parse_args()

    from .database import bench_database_url

    base_url = os.environ.get("DATABASE_URL")
    results = {}
    for label, fraction in (("full", options.fraction), ("tenth", options.fraction / 10)):
        env = dict(os.environ, DATABASE_URL=bench_database_url(base_url, label))
        started = time.monotonic()
        built = _child("build", "--fraction", str(fraction), "--seed", str(options.seed), env=env)
        built["seconds"] = round(time.monotonic() - started, 1)
        print(f"{label}: built {built['rows']} in {built['seconds']} s", file=sys.stderr)
        measured = _child("measure", "--repetitions", str(options.repetitions), env=env)
        target = ["--target", options.target] if options.target else []
        ingested = _child(
            "ingest",
            "--requests",
            str(options.requests),
            "--redis-db",
            str(options.redis_db),
            *target,
            env=env,
        )
        results[label] = {"fraction": fraction, "build": built, **measured, **ingested}
    Path(options.output).write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nWritten to {options.output}.")


if __name__ == "__main__":
    main()
