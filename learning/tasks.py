"""Scheduled work of the learning pages (see CELERY_BEAT_SCHEDULE in settings.py)."""

from datetime import date

from celery import shared_task

from debrief.tasks import TRANSIENT_ERRORS

from . import weekly
from .export import SPARKLINE_WEEKS


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def fill_weekly_figures(end: str | None = None) -> int:
    """Daily, after midnight: store the completed weeks the sparklines up to `end` (an ISO
    date; default today) show, for the organisation and every team. Returns the scopes."""
    day = date.fromisoformat(end) if end else weekly.today()
    return weekly.weekly_figures_fill(end=day, count=SPARKLINE_WEEKS)
