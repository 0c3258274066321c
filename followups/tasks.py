"""Scheduled email about follow-ups (see CELERY_BEAT_SCHEDULE in settings.py). The tasks only
call the services in notifications.py, which send each email once however often they run,
so a retry after a failed send resends only what was not sent."""

from datetime import date

from celery import shared_task

from debrief.tasks import TRANSIENT_ERRORS
from outbound.events import announce_overdue_followups

from . import notifications


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def send_followup_reminders(today: str | None = None) -> int:
    """Daily: remind owners of their follow-ups due soon or overdue. `today` (an ISO date)
    defaults to today in the configured time zone. Returns emails sent."""
    announce_overdue_followups(today=_day(today))  # to the teams' chat and webhook destinations
    return notifications.send_reminders(today=_day(today))


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def send_weekly_digests(today: str | None = None) -> int:
    """Weekly: send each team's members the digest of the last whole week before `today`
    (an ISO date; default today). Returns emails sent."""
    return notifications.send_digests(today=_day(today))
