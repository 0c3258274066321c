"""A real Celery worker over a real Redis broker runs a task sent from Django."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery

from tests.services import require

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY = Path(sys.executable).with_name("celery")

pytestmark = pytest.mark.redis


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def broker():
    require(redis_answers(), f"Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def client_app(broker):
    """A Celery client of its own: Debrief's app in this process runs tasks eagerly and has
    cached its (disabled) result backend, as the embedded default wants."""
    # Not the current app: shared tasks queued later in this process would otherwise go to Redis
    # instead of running eagerly, and tests after this one would wait for a worker in vain.
    client = Celery("debrief-test-client", broker=broker, backend=broker, set_as_current=False)
    yield client
    client.close()


@pytest.fixture
def worker(broker, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {**os.environ, "REDIS_URL": broker, "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "debrief",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-l",
                "info",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_task_runs_on_a_real_worker_through_redis(worker, client_app):
    queue, log = worker
    result = client_app.send_task("debrief.ping", queue=queue)
    assert result.get(timeout=60) == "pong"
    deadline = time.monotonic() + 10
    while "succeeded" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"Task debrief.ping[{result.id}] succeeded" in log.read_text()
