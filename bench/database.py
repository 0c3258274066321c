"""The benchmark's and the load test's own fresh databases, next to the one DATABASE_URL names
and never that one: on PostgreSQL a database called <name>_bench_<label> (or <name>_loadtest)
on the same server, else, for the benchmark, a SQLite file."""

import os
import tempfile
from pathlib import Path

import dj_database_url


def bench_database_url(base_url: str | None, label: str) -> str:
    """A URL for a fresh benchmark database (dropped and created again) derived from `base_url`."""
    if is_postgres(base_url):
        name = f"{dj_database_url.parse(base_url)['NAME']}_bench_{label}"
        return postgres_recreate(base_url, name)
    path = Path(tempfile.gettempdir()) / f"debrief_bench_{label}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql://"))


def _server(url: str):
    """A connection to the maintenance database of `url`'s server, outside any transaction."""
    import psycopg

    config = dj_database_url.parse(url)
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def postgres_answers(url: str) -> bool:
    import psycopg

    try:
        with _server(url):
            return True
    except psycopg.OperationalError:
        return False


def postgres_recreate(url: str, name: str) -> str:
    """Drop the database `name` on `url`'s server if it exists, create it empty, and return
    its URL."""
    from psycopg import sql

    with _server(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


def postgres_drop(url: str) -> None:
    """Drop the database `url` names, disconnecting whoever is still connected to it."""
    from psycopg import sql

    name = dj_database_url.parse(url)["NAME"]
    with _server(url) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def configure_environment(database_url: str) -> None:
    """Settings for measuring: production-like (no DEBUG query log), on the bench database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ["HTTPS"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-" + "x" * 32)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
