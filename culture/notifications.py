"""The culture pulse's part of the weekly follow-ups digest (followups.notifications
DIGEST_SECTIONS)."""

from django.urls import reverse

from postmortems.models import Postmortem

from .models import Invitation


def pulse_section(week):
    """The team's postmortems published this week whose responders are invited to the
    pulse, with how many invitations to those are still open, and where to answer. Never
    news on its own: publishing already is. Two queries."""
    # Imported here: followups.notifications names this function in its registry.
    from followups.notifications import DigestSection, absolute

    published = (
        Postmortem.objects.filter(
            week.between("published_at"),
            incident__team=week.team,
            incident__is_private=False,
            status=Postmortem.Status.PUBLISHED,
        )
        .select_related("incident")
        .order_by("published_at", "pk")
    )
    invited = list(published.filter(pk__in=Invitation.objects.values("postmortem")))
    open_invitations = Invitation.objects.filter(
        postmortem__in=invited, used=False, expires_at__gt=week.end_before
    ).count()
    return DigestSection(
        title="Culture pulse",
        template="culture/email/digest_pulse",
        has_news=False,
        data={
            "postmortems": invited,
            "open_invitations": open_invitations,
            "pulse_url": absolute(reverse("culture:invitations")),
        },
    )
