"""The benchmark's own fresh database, next to the one DATABASE_URL names and never that one:
on PostgreSQL a database called <name>_bench on the same server, else a SQLite file."""

import os
import tempfile
from pathlib import Path

import dj_database_url


def bench_database_url(base_url: str | None, label: str) -> str:
    """A URL for a fresh benchmark database (dropped and created again) derived from `base_url`."""
    if base_url and base_url.startswith(("postgres://", "postgresql://")):
        config = dj_database_url.parse(base_url)
        name = f"{config['NAME']}_bench_{label}"
        _recreate_postgres(config, name)
        return base_url.rsplit("/", 1)[0] + "/" + name
    path = Path(tempfile.gettempdir()) / f"debrief_bench_{label}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _recreate_postgres(config: dict, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure_environment(database_url: str) -> None:
    """Settings for measuring: production-like (no DEBUG query log), on the bench database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "0"
    os.environ["HTTPS"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-" + "x" * 32)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
