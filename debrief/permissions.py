"""Who may see and change what. Every view asks here; no view decides on its own.

Every signed-in user may read incidents, teams, services and published postmortems, and may
declare an incident: whoever sees something failing should not need to ask first. A draft
postmortem is read by those who may change it and by its reviewers. Changing an object is
for members of the team that owns it, for the incident's commander and reporter, and for
staff. Deployments are recorded by the members of the team that owns the service, and staff.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from accounts.models import Profile, Role
from incidents.models import Service, Team


def _is_signed_in(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active


def can_view(user: User | AnonymousUser, obj) -> bool:
    if not _is_signed_in(user):
        return False
    if getattr(obj, "is_published", True):
        return True
    return can_edit(user, obj) or is_reviewer(user, obj)


def can_edit(user: User | AnonymousUser, obj) -> bool:
    if not _is_signed_in(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    incident = getattr(obj, "incident", obj)
    if user.pk in {getattr(incident, "commander_id", None), getattr(incident, "reporter_id", None)}:
        return True
    team = _owning_team(obj)
    return team is not None and _is_member(user, team)


def can_declare(user: User | AnonymousUser) -> bool:
    return _is_signed_in(user)


def can_record_deployment(user: User | AnonymousUser, service: Service) -> bool:
    if not _is_signed_in(user):
        return False
    return user.is_staff or user.is_superuser or _is_member(user, service.team)


def deployable_services(user: User | AnonymousUser) -> QuerySet[Service]:
    """The services `user` may record deployments for (can_record_deployment, as a query)."""
    services = Service.objects.select_related("team")
    if not _is_signed_in(user):
        return services.none()
    if user.is_staff or user.is_superuser:
        return services
    return services.filter(team__members=user)


def can_manage_integrations(user: User | AnonymousUser, team: Team) -> bool:
    """API tokens, inbound webhooks and notification destinations: the team's admins, and staff.
    A token or a webhook secret acts for the whole team, so ordinary membership is not enough."""
    if not _is_signed_in(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return team.admins.filter(pk=user.pk).exists()


def is_reviewer(user: User | AnonymousUser, postmortem) -> bool:
    return user.is_authenticated and postmortem.reviews.filter(reviewer=user).exists()


def can_comment(user: User | AnonymousUser, postmortem) -> bool:
    """Review comments are for the postmortem's editors and reviewers while it is unpublished."""
    if postmortem.is_published:
        return False
    return can_edit(user, postmortem) or is_reviewer(user, postmortem)


def can_resolve(user: User | AnonymousUser, postmortem) -> bool:
    """Resolving or reopening a thread: the same people as commenting, at the same time."""
    return can_comment(user, postmortem)


def can_download_invitation(user: User | AnonymousUser, meeting) -> bool:
    """A review meeting's calendar entry: for the postmortem's editors and reviewers, and the
    people invited."""
    if not _is_signed_in(user):
        return False
    postmortem = meeting.postmortem
    return (
        can_edit(user, postmortem)
        or is_reviewer(user, postmortem)
        or meeting.participants.filter(pk=user.pk).exists()
    )


def _owning_team(obj) -> Team | None:
    """The team an object belongs to: a team itself, else its `team` (an incident's or a
    service's field, a deployment's or a postmortem's property)."""
    if isinstance(obj, Team):
        return obj
    return getattr(obj, "team", None)


def _is_member(user: User, team: Team) -> bool:
    # Remembered on the user object, which lives as long as its request: a page asking about
    # many objects costs one query, and a membership change shows on the next request.
    # Code holding one User across requests (a shell, a task) must not rely on it.
    if not hasattr(user, "_debrief_team_ids"):
        user._debrief_team_ids = frozenset(user.teams.values_list("pk", flat=True))
    return team.pk in user._debrief_team_ids


def can_answer_invitation(user: User | AnonymousUser, invitation) -> bool:
    """A culture pulse or survey invitation is answered by the person invited, nobody else."""
    return _is_signed_in(user) and invitation.user_id == user.pk


def can_read_culture_comments(user: User | AnonymousUser, team: Team) -> bool:
    """The free-text answers of a team's pulse are for the team's members only: they were
    written for the team, and even staff gain nothing from reading them."""
    return _is_signed_in(user) and _is_member(user, team)


def can_start_culture_survey(user: User | AnonymousUser) -> bool:
    """The organisation-wide culture survey invites everyone, so only staff start it."""
    return _is_signed_in(user) and (user.is_staff or user.is_superuser)


def api_token_may_act_on(token, obj) -> bool:
    """An API token acts for its team only: on the team, its incidents and its services (and
    a deployment through its service). A revoked token acts on nothing."""
    if token.revoked_at is not None:
        return False
    team = _owning_team(obj)
    return team is not None and team.pk == token.team_id


def can_delete(user: User | AnonymousUser, obj) -> bool:
    """Moving an incident, a postmortem or a follow-up to the bin: whoever may change it. It
    loses nothing, since an organisation admin can restore it (can_restore)."""
    return can_edit(user, obj)


def can_restore(user: User | AnonymousUser) -> bool:
    """Seeing the bin and restoring from it: organisation admins (the profile role "admin")
    and staff. A user without a profile row yet is a member."""
    if not _is_signed_in(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Profile.objects.filter(user=user, role=Role.ADMIN).exists()
