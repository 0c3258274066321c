"""learning.signals.rebuilt_after: writes in the block forget the stored figures once, at its
end, and never leave figures of the data before them behind."""

from contextlib import suppress
from datetime import date, timedelta

import pytest
from django.db import transaction

from learning.models import WeeklyFigures
from learning.signals import rebuilt_after
from learning.weekly import weekly_figures_fill
from tests.learning.metrics_builders import FAILED, SUCCEEDED, at, deploy

TODAY = date(2026, 3, 28)


def stored_weeks(service) -> None:
    deploy(service, at(TODAY - timedelta(days=40)))
    weekly_figures_fill(end=TODAY, count=12)
    assert WeeklyFigures.objects.exists()


def test_the_block_forgets_the_stored_figures_once_at_its_end(checkout):
    stored_weeks(checkout)
    with rebuilt_after():
        deploy(checkout, at(TODAY - timedelta(days=30)))
        # Not row by row: the block's writes leave the stored weeks to its end.
        assert WeeklyFigures.objects.exists()
    assert not WeeklyFigures.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_writes_that_stay_after_an_error_outside_a_transaction_are_not_left_stale(checkout):
    stored_weeks(checkout)
    with pytest.raises(RuntimeError), rebuilt_after():
        deploy(checkout, at(TODAY - timedelta(days=30)))
        raise RuntimeError("the loader stopped half way")
    assert not WeeklyFigures.objects.exists()


def test_a_row_saved_in_the_block_and_changed_back_after_it_still_invalidates(checkout):
    deployment = deploy(checkout, at(TODAY - timedelta(days=40)))
    with rebuilt_after():
        deployment.outcome = FAILED
        deployment.save()
    weekly_figures_fill(end=TODAY, count=12)
    since_then = WeeklyFigures.objects.filter(week_start__gte=TODAY - timedelta(days=40))
    assert since_then.exists()

    deployment.outcome = SUCCEEDED
    deployment.save()

    assert not since_then.exists()


def test_writes_kept_after_an_error_caught_inside_a_transaction_are_not_left_stale(
    checkout, django_capture_on_commit_callbacks
):
    stored_weeks(checkout)
    # The caller catches the error, keeps what was written and commits.
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        suppress(RuntimeError),
        rebuilt_after(),
    ):
        deploy(checkout, at(TODAY - timedelta(days=30)))
        raise RuntimeError("the loader stopped half way")
    assert not WeeklyFigures.objects.exists()
