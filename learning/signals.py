"""Cache invalidation, not domain flow: the stored weekly figures (learning.weekly) of weeks a
write may have changed are deleted, so the next reader computes them again, and the short-lived
cache of the learning pages (learning.cache) starts a new generation. Connected in
LearningConfig.ready, so the apps that write deployments, incidents and postmortems need not
know.

Each instance remembers, when loaded, the fields the figures depend on; a save that changes
none of them deletes nothing. Writes that skip signals (QuerySet.update, bulk_create) do not
invalidate: the demo and benchmark builders use them on fresh databases only. Nor do raw saves
(fixtures) and whatever happens inside `rebuilt_after()`, which a backup import uses: row by
row, tens of thousands of invalidations would cost more than the import's own writes, so the
import forgets everything stored once, at its end."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_delete
from django.dispatch import receiver

from followups.models import ActionItem
from incidents.models import Deployment, DeploymentCommit, Incident, Service, Team
from postmortems.models import ContributingFactor, Postmortem

from .cache import new_generation
from .models import WeeklyFigures
from .weekly import weekly_figures_invalidate

WATCHED = {
    # deployed_at first: the receivers read the moment a change sits at from there.
    Deployment: (
        "deployed_at",
        "service_id",
        "environment",
        "outcome",
        "remediates_id",
        # A deployment without commit times is one lead-time sample from this.
        "first_commit_at",
    ),
    DeploymentCommit: ("deployment_id", "sha", "committed_at"),
    # deleted_at: moving to the bin, or back, takes the incident out of the figures, or in.
    Incident: (
        "started_at",
        "restored_at",
        "is_drill",
        "team_id",
        "caused_by_deployment_id",
        "deleted_at",
        # Cached pages name incidents: made private, one must not stay named to outsiders.
        "is_private",
    ),
    Service: ("team_id",),
    # The culture section counts done follow-ups per quarter, and the trends follow-ups done.
    ActionItem: ("status", "completed_at", "deleted_at", "team_id", "incident_id"),
}
# A field its query left unloaded (QuerySet.only): reading it would cost a query of its own.
UNLOADED = object()

_suspended = ContextVar("learning_invalidation_suspended", default=False)


@contextmanager
def rebuilt_after() -> Iterator[None]:
    """Writes inside invalidate nothing one by one; on leaving, every stored week and cached
    page is forgotten, then again once the transaction commits (as `_invalidate` does)."""
    token = _suspended.set(True)
    try:
        yield
    except BaseException:
        _suspended.reset(token)
        # The writes made before the error may stay: outside a transaction at once, or when
        # the caller catches the error and commits. A rollback drops this with them.
        transaction.on_commit(lambda: _forget([UNLOADED]))
        raise
    _suspended.reset(token)
    _invalidate([UNLOADED])


def _ignored(raw: bool = False, instance=None) -> bool:
    """Whether a write is left to its loader; the instance then remembers what it saved, so
    that a later change back is still seen as a change."""
    ignored = raw or _suspended.get()
    if ignored and instance is not None and type(instance) in WATCHED:
        instance._learning_loaded = _watched(instance)
    return ignored


def _now_and_at_commit(forget) -> None:
    """Forget now, and again once the write commits: in between, another process (sharing
    the cache, or the database's stored weeks) may store figures from before it."""
    forget()
    transaction.on_commit(forget)


def _new_generation() -> None:
    """Cached figures are out of date."""
    _now_and_at_commit(new_generation)


def _watched(instance) -> tuple:
    values = instance.__dict__
    return tuple([values.get(name, UNLOADED) for name in WATCHED[type(instance)]])


@receiver(post_init, sender=Deployment)
@receiver(post_init, sender=DeploymentCommit)
@receiver(post_init, sender=Incident)
@receiver(post_init, sender=Service)
@receiver(post_init, sender=ActionItem)
def remember_loaded(sender, instance, **kwargs):
    instance._learning_loaded = _watched(instance) if instance.pk is not None else None


def _changed(instance, created: bool) -> tuple[tuple, tuple] | None:
    """The watched values before and after the save when they changed (before is after on
    creation), else None; the instance then remembers its saved values."""
    before = getattr(instance, "_learning_loaded", None)
    now = _watched(instance)
    instance._learning_loaded = now
    if created or before is None:
        return now, now
    return None if before == now else (before, now)


def _invalidate(moments: list) -> None:
    """Figures from the earliest of `moments` on may have changed; all of them when one of
    the moments is unknown. Again once the write commits: a reader may have stored a week
    computed from the data before it, between this delete and the commit."""
    _forget(moments)
    transaction.on_commit(lambda: _forget(moments))


def _forget(moments: list) -> None:
    new_generation()
    if UNLOADED in moments:
        WeeklyFigures.objects.all().delete()
    else:
        weekly_figures_invalidate(moments)


def _earliest(queryset, field: str):
    return queryset.aggregate(earliest=Min(field))["earliest"]


def _deployed_at(*pks) -> list:
    """The earliest deployed_at of the deployments `pks` (None ones left out), as a list."""
    if UNLOADED in pks:
        return [UNLOADED]
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return []
    return [_earliest(Deployment.objects.filter(pk__in=pks), "deployed_at")]


@receiver(post_save, sender=Deployment)
def deployment_saved(sender, instance, created, raw=False, **kwargs):
    if _ignored(raw, instance):
        return
    if (change := _changed(instance, created)) is not None:
        before, now = change
        _invalidate([before[0], now[0]])


@receiver(post_delete, sender=Deployment)
def deployment_deleted(sender, instance, **kwargs):
    if _ignored():
        return
    _invalidate([_watched(instance)[0]])


@receiver(post_save, sender=DeploymentCommit)
def commit_saved(sender, instance, created, raw=False, **kwargs):
    if _ignored(raw, instance):
        return
    if (change := _changed(instance, created)) is not None:
        before, now = change
        _invalidate(_deployed_at(before[0], now[0]))


@receiver(post_delete, sender=DeploymentCommit)
def commit_deleted(sender, instance, **kwargs):
    if _ignored():
        return
    _invalidate(_deployed_at(_watched(instance)[0]))


def _incident_moments(incident: Incident, before: tuple, now: tuple) -> list:
    """When the incident's figures sit: its start (time to restore) and the deployments it
    was caused by (change failure rate) or remediated by (rework rate), before and now."""
    return [
        before[0],
        now[0],
        *_deployed_at(before[4], now[4]),
        _earliest(Deployment.objects.filter(remediates=incident.pk), "deployed_at"),
    ]


@receiver(post_save, sender=Incident)
def incident_saved(sender, instance, created, raw=False, **kwargs):
    if _ignored(raw, instance):
        return
    change = _changed(instance, created)
    if change is None:
        return
    before, now = change
    if created and now[4] is None:
        # Nothing caused or remediated an incident that did not exist.
        _invalidate([now[0]])
        return
    _invalidate(_incident_moments(instance, before, now))


@receiver(pre_delete, sender=Incident)
def incident_deleted(sender, instance, **kwargs):
    if _ignored():
        return
    # Before the delete clears the remediating deployments' links without a signal.
    watched = _watched(instance)
    _invalidate(_incident_moments(instance, watched, watched))


@receiver(m2m_changed, sender=Incident.services.through)
def incident_services_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear") or _ignored():
        return
    if not reverse:
        _invalidate([_watched(instance)[0]])
    elif pk_set:
        incidents = Incident.objects.filter(pk__in=pk_set)
        _invalidate([_earliest(incidents, "started_at")])
    else:
        # A service's incidents cleared: its stored weeks go.
        _new_generation()
        weeks = WeeklyFigures.objects.filter(
            scope=WeeklyFigures.Scope.SERVICE, scope_key=instance.pk
        )
        _now_and_at_commit(weeks.delete)


@receiver(post_save, sender=Team)
@receiver(post_delete, sender=Team)
@receiver(post_save, sender=Postmortem)
@receiver(post_delete, sender=Postmortem)
@receiver(post_save, sender=ContributingFactor)
@receiver(post_delete, sender=ContributingFactor)
def names_or_learnings_changed(sender, instance, raw=False, **kwargs):
    if _ignored(raw, instance):
        return
    # The organisation page lists every team by name, and the recurring factors come from
    # published postmortems: cached ones are out of date (no stored week is).
    _new_generation()


@receiver(post_save, sender=Service)
def service_saved(sender, instance, created, raw=False, **kwargs):
    if _ignored(raw, instance):
        return
    change = _changed(instance, created)
    if change is None or created:
        return
    (team_before,), (team_now,) = change
    _new_generation()
    # The service's deployments now count for another team.
    teams = WeeklyFigures.objects.filter(scope=WeeklyFigures.Scope.TEAM)
    if UNLOADED not in (team_before, team_now):
        teams = teams.filter(scope_key__in=[team_before, team_now])
    _now_and_at_commit(teams.delete)


@receiver(post_save, sender=ActionItem)
def followup_saved(sender, instance, created, raw=False, **kwargs):
    # Cached figures count done follow-ups; the other changes of an item leave them be.
    if _ignored(raw, instance):
        return
    if _changed(instance, created) is not None:
        _new_generation()


@receiver(post_delete, sender=ActionItem)
def followup_deleted(sender, instance, **kwargs):
    if not _ignored():
        _new_generation()
