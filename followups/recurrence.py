""" "Did the fix work?": a follow-up that was done, yet a later incident on the same service
showed the same kind of contributing factor, recurred. And the other way round, the prior art
a postmortem's authors should read: earlier postmortems of the same services that share a
kind of factor, with their follow-ups."""

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from debrief.permissions import is_hidden, postmortem_visibility
from incidents.models import Incident, Service
from postmortems.models import ContributingFactor, FactorCategory, Postmortem

from .models import ActionItem


@transaction.atomic
def mark_recurrences(*, postmortem: Postmortem) -> int:
    """Mark the follow-ups that this postmortem's incident shows did not prevent a recurrence,
    and return how many were marked.

    A follow-up recurred when it is done, was completed before this incident started,
    belongs to an earlier incident on one of this incident's services, and addresses a
    contributing factor (ActionItem.contributing_factor) whose category is also among this
    postmortem's factors. Each item is marked once, with the first incident it recurred in;
    drills mark nothing, as their conditions are staged. Safe to call again after every
    change to the postmortem's factors."""
    incident = postmortem.incident
    if incident.is_drill:
        return 0
    categories = ContributingFactor.objects.filter(postmortem=postmortem).values("category")
    services = Service.objects.filter(incidents=incident).values("pk")
    candidates = list(
        ActionItem.objects.filter(
            status=ActionItem.Status.DONE,
            completed_at__lt=incident.started_at,
            recurred_in__isnull=True,
            incident__started_at__lt=incident.started_at,
            incident__services__in=services,
            contributing_factor__category__in=categories,
        )
        .exclude(incident=incident)
        .values_list("pk", flat=True)
        .distinct()
    )
    # Re-checked in the UPDATE itself, so a concurrent call marks nothing twice.
    return ActionItem.objects.filter(pk__in=candidates, recurred_in__isnull=True).update(
        recurred_in=incident, recurred_at=timezone.now()
    )


def recurrence_shown(item: ActionItem, viewer) -> Incident | None:
    """The incident `item` recurred in, as `viewer` may see it named: None when there is none,
    when it is in the bin, or when it is a private incident kept from them. A page then says
    only that the problem came back in a later incident."""
    incident = item.recurred_in
    if incident is None or incident.deleted_at is not None or is_hidden(viewer, incident):
        return None
    return incident


def prior_art(*, postmortem: Postmortem, viewer, limit: int = 5) -> list[Postmortem]:
    """Published postmortems of earlier incidents on any of this incident's services that
    share a factor category with this postmortem, newest incident first, among those `viewer`
    may see (postmortem_visibility; none in the bin). Each comes with `shared_factors` (its
    factors of the shared categories) and `followups` (its follow-ups, whose recurred_in says
    whether the problem came back, and `shown_recurrence`, that incident as recurrence_shown
    gives it to the viewer). Three queries, however many."""
    incident = postmortem.incident
    categories = FactorCategory.objects.filter(factors__postmortem=postmortem).values("pk")
    services = Service.objects.filter(incidents=incident).values("pk")
    earlier: QuerySet[Postmortem] = (
        Postmortem.objects.filter(
            postmortem_visibility(viewer),
            status=Postmortem.Status.PUBLISHED,
            incident__deleted_at__isnull=True,
            incident__started_at__lt=incident.started_at,
            incident__services__in=services,
            contributing_factors__category__in=categories,
        )
        .exclude(pk=postmortem.pk)
        .distinct()
        .select_related("incident")
        .order_by("-incident__started_at", "-pk")
        .prefetch_related(
            Prefetch(
                "contributing_factors",
                queryset=ContributingFactor.objects.filter(category__in=categories)
                .select_related("category")
                .order_by("category__position", "pk"),
                to_attr="shared_factors",
            ),
            Prefetch(
                "action_items",
                queryset=ActionItem.objects.select_related("recurred_in", "owner"),
                to_attr="followups",
            ),
        )
    )
    found = list(earlier[:limit])
    for each in found:
        for item in each.followups:
            item.shown_recurrence = recurrence_shown(item, viewer)
    return found
