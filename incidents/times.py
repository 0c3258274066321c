"""The rules every recorded moment obeys: plausible, not in the future, and in lifecycle order."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from .models import TIMESTAMP_FIELDS, timestamp_label

# Browsers' and servers' clocks drift a little; "now" typed in a form may be slightly ahead.
CLOCK_SKEW = timedelta(minutes=2)

# Nothing Debrief records happened before this; earlier years are typing mistakes, and the
# first years of the calendar cannot even be converted between time zones.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def when(moment: datetime) -> str:
    """A moment as the app shows it, in the configured time zone."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def earliest_error(label: str) -> str:
    return f"{label} cannot be before {EARLIEST.year}."


def too_early(moment: datetime) -> bool:
    # Compared as wall-clock times: a year-1 time cannot be converted to UTC without overflow.
    return moment.replace(tzinfo=None) < EARLIEST.replace(tzinfo=None)


def in_the_future(moment: datetime, now: datetime | None = None) -> bool:
    return moment > (now or timezone.now()) + CLOCK_SKEW


def clamped(moment: datetime | None, now: datetime) -> datetime | None:
    """An accepted moment no later than now. The clock-skew tolerance lets a time typed on a
    fast clock through; storing it as typed would put it in the future, and then the next,
    honest "now" (acknowledging, resolving) would look earlier than it and be refused."""
    return None if moment is None else min(moment, now)


def validate_incident_times(
    *,
    started_at: datetime,
    detected_at: datetime | None = None,
    acknowledged_at: datetime | None = None,
    restored_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> None:
    """Refuse moments before 2000 or in the future, any moment before impact started,
    acknowledged before detected, and anything after the incident was resolved."""
    moments = {
        "started_at": started_at,
        "detected_at": detected_at,
        "acknowledged_at": acknowledged_at,
        "restored_at": restored_at,
        "resolved_at": resolved_at,
    }
    errors: dict[str, str] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, message)

    now = timezone.now()
    for field, moment in moments.items():
        if moment is None:
            continue
        label = timestamp_label(field)
        if too_early(moment):
            refuse(field, earliest_error(label))
        elif in_the_future(moment, now):
            refuse(field, f"{label} cannot be in the future.")
    if errors:
        # The order rules below would only repeat these, or fail to show an absurd year.
        raise ValidationError(errors)
    for field in TIMESTAMP_FIELDS[1:]:
        moment = moments[field]
        if moment is not None and moment < started_at:
            refuse(
                field,
                f"{timestamp_label(field)} cannot be before impact started ({when(started_at)}).",
            )
    if detected_at and acknowledged_at and acknowledged_at < detected_at:
        refuse(
            "acknowledged_at",
            f"Acknowledged cannot be before it was detected ({when(detected_at)}).",
        )
    if resolved_at is not None:
        if restored_at is not None and resolved_at < restored_at:
            refuse(
                "resolved_at",
                f"Resolved cannot be before service was restored ({when(restored_at)}).",
            )
        for field in ("detected_at", "acknowledged_at"):
            moment = moments[field]
            if moment is not None and moment > resolved_at:
                refuse(
                    field,
                    f"{timestamp_label(field)} cannot be after the incident was resolved "
                    f"({when(resolved_at)}).",
                )
    if errors:
        raise ValidationError(errors)


def validate_deployment_times(
    *,
    deployed_at: datetime,
    first_commit_at: datetime | None,
    commit_times: Iterable[datetime],
) -> None:
    """A deployment is not in the future or before 2000, and every commit in it, including
    the earliest one, was made at or before it was deployed."""
    commit_times = list(commit_times)
    errors: dict[str, str] = {}
    if too_early(deployed_at):
        errors["deployed_at"] = earliest_error("A deployment")
    elif in_the_future(deployed_at):
        errors["deployed_at"] = "A deployment cannot be recorded in the future."
    if first_commit_at is not None and too_early(first_commit_at):
        errors["first_commit_at"] = earliest_error("The earliest commit")
    if any(too_early(moment) for moment in commit_times):
        errors["commits"] = earliest_error("A commit")
    if errors:
        raise ValidationError(errors)
    if first_commit_at is not None:
        if first_commit_at > deployed_at:
            errors["first_commit_at"] = "The earliest commit cannot be after the deployment."
        elif commit_times and first_commit_at > min(commit_times):
            errors["first_commit_at"] = (
                "The earliest commit cannot be later than a commit listed "
                f"({when(min(commit_times))})."
            )
    if commit_times and max(commit_times) > deployed_at:
        errors["commits"] = (
            f"A commit cannot be after the deployment (one is at {when(max(commit_times))})."
        )
    if errors:
        raise ValidationError(errors)
