"""Queueing Celery tasks from web requests so that a broker outage never fails the request.

A request has already committed its change when it queues the work that follows (an email, a
chat notification): a broker that is down or unreachable must not turn that into an error
page, nor hold the request up. So a task is published once, without kombu's retries; when the
broker refuses, the work is done another way, and for BROKER_PAUSE_SECONDS afterwards this
process does not try the broker again, so that an outage costs each web process one failed
connection rather than one per task:

- a swept task, whose work a durable row records and a scheduled sweep queues again (an
  outbound delivery: outbound.tasks.resend_stuck_deliveries), is left to its sweep;
- any other task runs at once in the web process, as it does with no broker configured, and
  its own failure is logged rather than shown to the person whose change is saved."""

import logging
import threading
import time
from functools import partial

from celery import Task
from django import db
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_PAUSE_SECONDS = 30

# What a task's retry may cure: the network (a mail server, a chat's webhook) and the database
# (a dropped connection, a deadlock or serialisation failure). Tasks that retry on these are
# written so that a retry redoes only what the failed run did not finish.
TRANSIENT_ERRORS = (OSError, db.OperationalError)

_broker_failed_at = {"at": float("-inf")}
_lock = threading.Lock()


def _broker_paused() -> bool:
    with _lock:
        return time.monotonic() - _broker_failed_at["at"] < BROKER_PAUSE_SECONDS


def _broker_failed() -> None:
    with _lock:
        _broker_failed_at["at"] = time.monotonic()


def broker_forget_failure() -> None:
    """Try the broker again at the next task (tests, and a process that knows it is back)."""
    with _lock:
        _broker_failed_at["at"] = float("-inf")


def enqueue(task: Task, *args, swept: bool = False) -> bool:
    """Queue task(*args), or when the broker cannot take it, leave a swept task to its sweep
    and run any other here (see the module's docstring). Returns whether it was queued."""
    if task.app.conf.task_always_eager:
        # No broker is configured: the task runs here, as it would on a worker.
        _run_here(task, args)
        return True
    if not _broker_paused():
        try:
            # Nobody in a web process reads a task's result, and asking the result store to
            # watch for one would be a second connection to a Redis that may be down.
            task.apply_async(args, retry=False, ignore_result=True)
            return True
        except OperationalError as error:
            _broker_failed()
            logger.warning("The broker refused %s%r: %s", task.name, args, error)
    if swept:
        logger.warning("%s%r is left for its sweep to queue again.", task.name, args)
        return False
    logger.warning("Running %s%r in this process instead.", task.name, args)
    _run_here(task, args)
    return False


def _run_here(task: Task, args: tuple) -> None:
    """Run the task in this process with the retries its decorator asks for (Celery's eager
    mode would rather raise Retry to the caller), logging a final failure: the change that
    asked for the task is committed, and an error page would tell its author otherwise."""
    try:
        result = task.apply(args=args, throw=False)
        if result.failed():
            raise result.result
    except Exception:
        logger.exception("%s%r failed in this process.", task.name, args)


def enqueue_on_commit(task: Task, *args, swept: bool = False) -> None:
    """enqueue(task, *args) once the surrounding transaction commits; nothing if it rolls
    back."""
    transaction.on_commit(partial(enqueue, task, *args, swept=swept))
