"""Reading the fields of a JSON payload, with a message naming the field that is wrong."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from incidents.models import Incident

MISSING = object()


class PayloadError(Exception):
    """The body is JSON, but not in the format the endpoint expects."""


class AlreadyRecordedElsewhere(Exception):
    """The event names a deployment whose external id another team's deployment holds (the
    ids are unique per source across teams). Its message names no team."""

    def __init__(
        self,
        message: str = "This deployment is already recorded elsewhere; nothing was changed.",
    ):
        super().__init__(message)


@dataclass(frozen=True)
class Event:
    """What a delivery is about, read from its payload before anything is written: its
    delivery id, a one-line summary for the inbox, and what routes it to a service."""

    delivery_id: str
    event_type: str
    summary: str
    route_label: str = ""
    route_value: str = ""
    environment: str = ""
    workflow: str = ""
    # Alertmanager groups are routed by any of their common labels.
    labels: dict = field(default_factory=dict)
    # Events that need no service (GitHub pushes, pings) are applied or acknowledged as they are.
    needs_route: bool = True
    # Why nothing is to be done with it, for events Debrief does not use.
    ignored: str = ""


@dataclass
class Outcome:
    detail: str
    incident: Incident | None = None
    deployment: object = None


def _at(data, path: str):
    value = data
    walked = []
    for part in path.split("."):
        walked.append(part)
        if value is None:
            # A null object (GitHub's head_commit of a branch deletion) has no fields.
            return MISSING
        if not isinstance(value, dict):
            raise PayloadError(f"{'.'.join(walked[:-1])} must be an object.")
        value = value.get(part, MISSING)
        if value is MISSING:
            return MISSING
    return value


def text(data, path: str, *, required: bool = True, default: str = "", limit: int = 500) -> str:
    value = _at(data, path)
    if value is MISSING or value is None:
        if required:
            raise PayloadError(f"{path} is missing.")
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(f"{path} must be a string.")
    try:
        value = str(value).strip()
    except ValueError:
        # An integer too long to turn into text.
        raise PayloadError(f"{path} is longer than {limit} characters.") from None
    if not _storable(value):
        raise PayloadError(f"{path} contains a NUL character or a lone surrogate.")
    if required and not value:
        raise PayloadError(f"{path} must not be empty.")
    if len(value) > limit:
        raise PayloadError(f"{path} is longer than {limit} characters.")
    return value


def identifier(data, path: str) -> str:
    """An id sent as a string or a whole number (GitHub's are numbers)."""
    return text(data, path, limit=200)


def obj(data, path: str, *, required: bool = True) -> dict:
    value = _at(data, path)
    if value is MISSING or value is None:
        if required:
            raise PayloadError(f"{path} is missing.")
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{path} must be an object.")
    return value


def strings(data, path: str) -> dict[str, str]:
    """A map of labels or annotations: every value a string."""
    value = obj(data, path, required=False)
    if not all(isinstance(item, str) for item in value.values()):
        raise PayloadError(f"{path} must map names to strings.")
    if not all(_storable(name) and _storable(item) for name, item in value.items()):
        raise PayloadError(f"{path} contains a NUL character or a lone surrogate.")
    return value


def _storable(value: str) -> bool:
    # PostgreSQL text holds neither; JSON can spell both (\u0000, \ud800).
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def items(data, path: str) -> list[dict]:
    value = _at(data, path)
    if value is MISSING or value is None:
        raise PayloadError(f"{path} is missing.")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"{path} must be a list of objects.")
    return value


def moment(data, path: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 time with its offset. Go's zero time (0001-01-01, Alertmanager's "not
    yet") reads as absent."""
    raw = text(data, path, required=required, limit=64)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise PayloadError(f"{path} must be an ISO 8601 time, not {raw!r}.")
    if value.tzinfo is None:
        raise PayloadError(f"{path} must include a time zone offset.")
    if value.year <= 1:
        if required:
            raise PayloadError(f"{path} is the zero time.")
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PayloadError(f"{path} is out of range.") from None
