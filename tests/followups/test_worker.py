"""The weekly digest runs on a real Celery worker, in its own process, over a real Redis.

The worker must see this test's rows, and its mail must be readable here. So the test
commits its rows (transactional_db) and starts the worker on the same database: the test
database itself on PostgreSQL; on SQLite, whose test database lives in this process's
memory, a copy of it in a file. The worker writes its mail to files (EMAIL_FILE_PATH)."""

import os
import sqlite3
import subprocess
import time
import uuid
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from incidents import services as incident_services
from tests.debrief.test_celery_worker import CELERY, REDIS_URL, redis_answers
from tests.services import require

pytestmark = pytest.mark.redis

TODAY = timezone.localdate()
# Next Monday, whose digest covers this week.
DIGEST_DAY = TODAY + timedelta(days=7 - TODAY.weekday())
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@pytest.fixture
def broker():
    require(redis_answers(), f"Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def client_app(broker):
    """A Celery client of its own: Debrief's app in this process runs tasks eagerly."""
    client = Celery("debrief-test-client", broker=broker, backend=broker, set_as_current=False)
    yield client
    client.close()


def database_for_worker(tmp_path: Path) -> str:
    """A DATABASE_URL under which another process sees what this test committed."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        host = database["HOST"] or ""
        port = f":{database['PORT']}" if database["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(database['NAME'], safe='')}"
    assert connection.vendor == "sqlite", f"no worker database for {connection.vendor}"
    copy = tmp_path / "worker.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{copy}"


class Worker:
    """A Celery worker process, started once the test has written its rows."""

    def __init__(self, broker: str, tmp_path: Path):
        self.broker = broker
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.log = tmp_path / "worker.log"
        self.process = None

    def start(self, queue: str | None = None) -> str:
        """Start the worker on `queue` (by default one of its own), and return its name."""
        queue = queue or f"test-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "REDIS_URL": self.broker,
            "DEBUG": "1",
            "DATABASE_URL": database_for_worker(self.tmp_path),
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "SITE_URL": settings.SITE_URL,
            "TIME_ZONE": settings.TIME_ZONE,
        }
        command = [CELERY, "-A", "debrief", "worker", "--pool=solo", "-Q", queue, "-l", "info"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        return queue

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def worker(broker, tmp_path):
    worker = Worker(broker, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


def run(client_app, worker: Worker, queue: str, task: str, *args):
    result = client_app.send_task(task, args=args, queue=queue)
    try:
        return result.get(timeout=90)
    except Exception as error:
        pytest.fail(f"{task} failed on the worker: {error!r}\n{worker.log.read_text()}")


def sent_mail(mail_dir: Path) -> list:
    messages = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for raw in path.read_bytes().split(SEPARATOR):
            if raw.strip():
                messages.append(BytesParser(policy=policy.default).parsebytes(raw))
    return messages


def test_the_weekly_digest_is_sent_by_a_real_worker(
    transactional_db, worker, client_app, alice, checkout
):
    outage = incident_services.incident_declare(
        title="Checkout timeouts", severity=2, services=[checkout], reporter=alice
    )
    queue = worker.start()

    first = run(client_app, worker, queue, "followups.tasks.send_weekly_digests", str(DIGEST_DAY))
    again = run(client_app, worker, queue, "followups.tasks.send_weekly_digests", str(DIGEST_DAY))

    assert (first, again) == (1, 0)
    deadline = time.monotonic() + 10
    while not sent_mail(worker.mail_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    [message] = sent_mail(worker.mail_dir)
    assert message["To"] == "alice@example.org"
    assert message["Subject"].startswith("Payments: week")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Checkout timeouts" in text
    assert f"{settings.SITE_URL}/incidents/{outage.pk}/" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{settings.SITE_URL}/incidents/{outage.pk}/"' in html
