"""Who is acting: the person signed in for a web request, an API token, a webhook, or Debrief
itself (tasks, commands, anything outside a request). The audit trail records it with every
entry.

The actor lives in a context variable: the middleware sets it for each request (resolved
only when something is recorded, so that a sign-in during the request counts), the API's
token authentication and the webhook receiver narrow it, and Celery tasks run as Debrief."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from celery import signals as celery_signals


@dataclass(frozen=True)
class Actor:
    user: object | None
    label: str


SYSTEM = Actor(user=None, label="Debrief")
ANONYMOUS = Actor(user=None, label="anonymous request")
# An attribute of the request that names its actor when it is not request.user (API tokens).
REQUEST_ACTOR = "_audit_actor"

_actor: ContextVar["Actor | _RequestActor | None"] = ContextVar("audit_actor", default=None)
_recording: ContextVar[bool] = ContextVar("audit_recording", default=True)


class _RequestActor:
    def __init__(self, request):
        self.request = request

    def resolve(self) -> Actor:
        if (named := getattr(self.request, REQUEST_ACTOR, None)) is not None:
            return named
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            return actor_for(user)
        return ANONYMOUS


def actor_for(who) -> Actor:
    """An Actor for a user (named by their username) or for a label such as "Debrief"."""
    if isinstance(who, Actor):
        return who
    if isinstance(who, str):
        return Actor(user=None, label=who)
    if who is None:
        return SYSTEM
    return Actor(user=who, label=who.get_username())


def current_actor() -> Actor:
    actor = _actor.get()
    if actor is None:
        return SYSTEM
    return actor.resolve() if isinstance(actor, _RequestActor) else actor


@contextmanager
def acting_as(who) -> Iterator[Actor]:
    """Record what happens inside as done by `who`: a user, an Actor, or a label."""
    actor = actor_for(who)
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


@contextmanager
def acting_for_request(request) -> Iterator[None]:
    token = _actor.set(_RequestActor(request))
    try:
        yield
    finally:
        _actor.reset(token)


def request_acting_as(request, who) -> None:
    """Name the actor of the rest of this request, when it is not request.user: the API
    authenticates a token, not a session."""
    setattr(request, REQUEST_ACTOR, actor_for(who))


def is_recording() -> bool:
    return _recording.get()


@contextmanager
def not_recording() -> Iterator[None]:
    """Write without audit entries: loading a backup restores rows (and their entries) that
    were recorded where they were first made."""
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


# Celery tasks act as Debrief, also when they run eagerly inside a request (no broker).
_task_tokens: dict[str, object] = {}


@celery_signals.task_prerun.connect(weak=False)
def _task_starts(task_id=None, **kwargs):
    _task_tokens[task_id] = _actor.set(SYSTEM)


@celery_signals.task_postrun.connect(weak=False)
def _task_ends(task_id=None, **kwargs):
    if (token := _task_tokens.pop(task_id, None)) is not None:
        _actor.reset(token)
