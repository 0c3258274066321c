"""Who may see and change what. Every view, API endpoint, search, export and digest asks here;
no view decides on its own.

Each account has an organisation role (accounts.models.Role):

- Organisation admin (and every staff or superuser account): reads and changes everything,
  private incidents included, and assigns roles.
- Manager: reads every non-private incident, every postmortem (drafts too) and every follow-up
  and team page; changes only what a member may change, i.e. their own teams' work.
- Team member: declares incidents; changes the incidents, postmortems and follow-ups of their
  own teams, and those they command, reported or respond to; reads every non-private incident
  and published postmortem, and a draft only when they may change it or review it.
- Viewer: reads published postmortems and the learning pages' aggregates, nothing else.

A private incident (Incident.is_private) is seen by its responders (commander, reporter and
`responders`) and organisation admins only, and so are its postmortem and follow-ups. Whoever
else asks for one gets a 404, not a 403, so that its existence is not revealed
(ensure_can_view). Learning aggregates count it without naming it.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Profile, Role
from incidents.models import Incident, Service, Team


def _is_signed_in(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active


def role_of(user: User | AnonymousUser) -> str | None:
    """The user's organisation role, None when signed out. Staff and superusers are admins.
    Read once and remembered on the user object, which lives as long as its request."""
    if not _is_signed_in(user):
        return None
    if not hasattr(user, "_debrief_role"):
        if user.is_staff or user.is_superuser:
            role = Role.ADMIN
        else:
            try:
                role = user.profile.role
            except Profile.DoesNotExist:
                role = Role.MEMBER
        user._debrief_role = role
    return user._debrief_role


def is_admin(user: User | AnonymousUser) -> bool:
    return role_of(user) == Role.ADMIN


def _reads_everything(user: User | AnonymousUser) -> bool:
    """Admins and managers read every non-private incident, postmortem and follow-up."""
    return role_of(user) in {Role.ADMIN, Role.MANAGER}


def _is_working(user: User | AnonymousUser) -> bool:
    """Everybody signed in but viewers: they see incidents, teams and follow-ups."""
    return role_of(user) in {Role.ADMIN, Role.MANAGER, Role.MEMBER}


def _incident_of(obj) -> Incident | None:
    if isinstance(obj, Incident):
        return obj
    return getattr(obj, "incident", None) if hasattr(obj, "incident_id") else None


def is_responder(user: User | AnonymousUser, incident: Incident) -> bool:
    """The incident's commander, reporter, or one of its named responders."""
    if not _is_signed_in(user):
        return False
    if user.pk in {incident.commander_id, incident.reporter_id}:
        return True
    # Remembered like team membership (see _is_member): one query however many incidents.
    if not hasattr(user, "_debrief_responded_ids"):
        user._debrief_responded_ids = frozenset(
            user.responded_incidents.values_list("pk", flat=True)
        )
    return incident.pk in user._debrief_responded_ids


def _may_know_of(user: User | AnonymousUser, incident: Incident | None) -> bool:
    """False only for a private incident the user is not let into."""
    if incident is None or not incident.is_private:
        return True
    return is_admin(user) or is_responder(user, incident)


def is_hidden(user: User | AnonymousUser, obj) -> bool:
    """Whether the object's very existence is kept from the user (a private incident, or its
    postmortem or follow-up, for someone who is not a responder or admin)."""
    return not _may_know_of(user, _incident_of(obj))


def can_view(user: User | AnonymousUser, obj) -> bool:
    if not _is_signed_in(user):
        return False
    incident = _incident_of(obj)
    if not _may_know_of(user, incident):
        return False
    if hasattr(obj, "is_published"):
        if obj.is_published:
            return True
        return can_read_drafts(user, obj)
    return _is_working(user)


def can_read_drafts(user: User | AnonymousUser, postmortem) -> bool:
    """An unpublished postmortem: admins and managers, its editors, and its reviewers."""
    if not _may_know_of(user, postmortem.incident):
        return False
    return _reads_everything(user) or can_edit(user, postmortem) or is_reviewer(user, postmortem)


def can_edit(user: User | AnonymousUser, obj) -> bool:
    """Admins change everything. Otherwise the members of the owning team (managers included,
    for their own teams) and the incident's responders; viewers change nothing."""
    if not _is_signed_in(user):
        return False
    if is_admin(user):
        return True
    if not _is_working(user):
        return False
    incident = _incident_of(obj)
    if incident is not None:
        if is_responder(user, incident):
            return True
        if incident.is_private:
            return False
    team = _owning_team(obj)
    return team is not None and _is_member(user, team)


def ensure_can_view(user: User | AnonymousUser, obj, *, for_edit: bool = False) -> None:
    """Raise what a view answers when the user may not see (or change, `for_edit`) the object:
    404 when even its existence is hidden from them, else 403."""
    if is_hidden(user, obj):
        raise Http404("Not found.")
    if not can_view(user, obj) or (for_edit and not can_edit(user, obj)):
        raise PermissionDenied


def can_declare(user: User | AnonymousUser) -> bool:
    """Whoever sees something failing should not need to ask first: every role but viewer."""
    return _is_working(user)


def can_browse_incidents(user: User | AnonymousUser) -> bool:
    """The incident list, team and service pages, the follow-up board and search."""
    return _is_working(user)


def can_view_learning(user: User | AnonymousUser) -> bool:
    """The learning pages' aggregates are for everyone signed in, viewers included."""
    return _is_signed_in(user)


def can_manage_roles(user: User | AnonymousUser) -> bool:
    return is_admin(user)


def can_keep_templates(user: User | AnonymousUser) -> bool:
    """Creating or cloning postmortem templates: admins, and members of some team."""
    if is_admin(user):
        return True
    return _is_working(user) and user.teams.exists()


def can_edit_responders(user: User | AnonymousUser, incident: Incident) -> bool:
    return can_edit(user, incident)


def can_record_deployment(user: User | AnonymousUser, service: Service) -> bool:
    if not _is_signed_in(user):
        return False
    return is_admin(user) or (_is_working(user) and _is_member(user, service.team))


def deployable_services(user: User | AnonymousUser) -> QuerySet[Service]:
    """The services `user` may record deployments for (can_record_deployment, as a query)."""
    services = Service.objects.select_related("team")
    if not _is_working(user):
        return services.none()
    if is_admin(user):
        return services
    return services.filter(team__members=user)


def can_manage_integrations(user: User | AnonymousUser, team: Team) -> bool:
    """API tokens, inbound webhooks and notification destinations: the team's admins, and
    organisation admins. A token or a webhook secret acts for the whole team, so ordinary
    membership is not enough."""
    if not _is_signed_in(user):
        return False
    if is_admin(user):
        return True
    return _is_working(user) and team.admins.filter(pk=user.pk).exists()


def is_reviewer(user: User | AnonymousUser, postmortem) -> bool:
    return user.is_authenticated and postmortem.reviews.filter(reviewer=user).exists()


def can_comment(user: User | AnonymousUser, postmortem) -> bool:
    """Review comments are for the postmortem's editors and reviewers while it is unpublished."""
    if postmortem.is_published or not _is_working(user):
        return False
    if not _may_know_of(user, postmortem.incident):
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
    if not _may_know_of(user, postmortem.incident):
        return False
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
    written for the team, and even admins gain nothing from reading them."""
    return _is_signed_in(user) and _is_member(user, team)


def can_start_culture_survey(user: User | AnonymousUser) -> bool:
    """The organisation-wide culture survey invites everyone, so only admins start it."""
    return is_admin(user)


def api_token_reads_private(token) -> bool:
    """Whether the token sees its team's private incidents: only while the person who made it
    is an organisation admin. A team admin (a team setting) is no responder of the team's
    private incidents, so a token they make must not let them read one; the creator's role
    is asked at each use, so a token made by an admin who is no longer one loses the access."""
    if token.revoked_at is not None or token.created_by_id is None:
        return False
    return is_admin(token.created_by)


def api_token_may_act_on(token, obj) -> bool:
    """An API token acts for its team only: on the team, its incidents and its services (and a
    deployment through its service). Its team's private incidents only when it may read them
    (api_token_reads_private). A revoked token acts on nothing."""
    if token.revoked_at is not None:
        return False
    team = _owning_team(obj)
    if team is None or team.pk != token.team_id:
        return False
    incident = _incident_of(obj)
    return incident is None or not incident.is_private or api_token_reads_private(token)


def api_token_may_know_of(token, obj) -> bool:
    """False for a private incident the token may not act on (another team's, or its own
    team's when it may not read private incidents): the token is answered 404, not 403."""
    incident = _incident_of(obj)
    if incident is None or not incident.is_private:
        return True
    return api_token_may_act_on(token, incident)


def api_token_incidents(token) -> Q:
    """The incidents a token lists: its team's, the private ones only when it may read them."""
    if token.revoked_at is not None:
        return _nothing()
    if api_token_reads_private(token):
        return Q(team_id=token.team_id)
    return Q(team_id=token.team_id, is_private=False)


# --- The same decisions as queries ------------------------------------------------------------


def _nothing() -> Q:
    return Q(pk__in=[])


def incident_privacy(user: User | AnonymousUser, prefix: str = "") -> Q:
    """The private-incident rule alone as a filter, on incidents reached through `prefix`
    (such as "incident__"): every non-private incident, and the private ones the user
    responds to; everything for admins, nothing for the signed out."""
    if not _is_signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    responded = Incident.responders.through.objects.filter(user=user).values("incident_id")
    return (
        Q(**{f"{prefix}is_private": False})
        | Q(**{f"{prefix}commander": user})
        | Q(**{f"{prefix}reporter": user})
        | Q(**{f"{prefix}pk__in": responded})
    )


def incident_visibility(user: User | AnonymousUser, prefix: str = "") -> Q:
    """can_view for incidents as a filter: incident_privacy for those who browse incidents,
    nothing for viewers and the signed out."""
    return incident_privacy(user, prefix) if _is_working(user) else _nothing()


# The same two rules written as conditions on the keys the rows hold (the incident's, the
# postmortem's) rather than on the columns of the rows they point at. Over many rows of another
# table (thousands of search documents matching a common word), a join to read every
# incident's privacy would cost more than listing the few private incidents and drafts.


def binned_keys(model) -> QuerySet:
    """The keys of `model`'s rows in the bin: a few, listed by a partial index."""
    return model.all_objects.filter(deleted_at__isnull=False).values("pk")


def hidden_private_incidents(user: User | AnonymousUser) -> QuerySet:
    """The keys of the private incidents `user` may not know of (incident_privacy's
    complement; nothing is hidden from admins)."""
    if is_admin(user):
        return Incident.all_objects.none().values("pk")
    responded = Incident.responders.through.objects.filter(user=user).values("incident_id")
    return (
        Incident.all_objects.filter(is_private=True)
        .exclude(Q(commander=user) | Q(reporter=user) | Q(pk__in=responded))
        .values("pk")
    )


def incident_privacy_by_key(user: User | AnonymousUser, prefix: str = "") -> Q:
    """incident_privacy, on the incident's key alone (`prefix` leads to the incident)."""
    if not _is_signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    return ~Q(**{f"{prefix}pk__in": hidden_private_incidents(user)})


def incident_visibility_by_key(user: User | AnonymousUser, prefix: str = "") -> Q:
    """incident_visibility, on the incident's key alone."""
    return incident_privacy_by_key(user, prefix) if _is_working(user) else _nothing()


def postmortem_visibility_by_key(user: User | AnonymousUser, prefix: str = "") -> Q:
    """postmortem_visibility, on the postmortem's status and the keys alone: the drafts the
    user may read are listed from their incidents (by team, commander, reporter, responder)
    and their review requests."""
    return _postmortem_rule(user, prefix, incident_privacy_by_key, _readable_drafts_by_key)


def _readable_drafts_by_key(user: User, prefix: str) -> Q:
    # One list per way of being involved, each read by its own index: as one OR, the
    # database would read every incident to decide.
    from postmortems.models import Postmortem

    incidents = Incident.all_objects
    involved = (
        Q(incident__in=incidents.filter(team__in=user.teams.values("pk")).values("pk"))
        | Q(incident__in=incidents.filter(commander=user).values("pk"))
        | Q(incident__in=incidents.filter(reporter=user).values("pk"))
        | Q(incident__in=user.responded_incidents.values("pk"))
        | Q(pk__in=user.postmortem_reviews.values("postmortem_id"))
    )
    drafts = Postmortem.all_objects.exclude(status="published").filter(involved).values("pk")
    return Q(**{f"{prefix}pk__in": drafts})


def visible_incidents(user: User | AnonymousUser) -> QuerySet[Incident]:
    return Incident.objects.filter(incident_visibility(user))


def postmortem_visibility(user: User | AnonymousUser, prefix: str = "") -> Q:
    """can_view for postmortems as a filter (through `prefix`): published ones whose incident
    may be known of; drafts for admins and managers, editors and reviewers."""
    return _postmortem_rule(user, prefix, incident_privacy, _readable_drafts)


def _readable_drafts(user: User, prefix: str) -> Q:
    """The drafts a member may read: of their teams' incidents, of incidents they command,
    reported or respond to, and those they are asked to review."""
    return (
        Q(**{f"{prefix}incident__team__in": user.teams.values("pk")})
        | Q(**{f"{prefix}incident__commander": user})
        | Q(**{f"{prefix}incident__reporter": user})
        | Q(**{f"{prefix}incident__pk__in": user.responded_incidents.values("pk")})
        | Q(**{f"{prefix}pk__in": user.postmortem_reviews.values("postmortem_id")})
    )


def _postmortem_rule(user, prefix: str, privacy, readable_drafts) -> Q:
    """Who reads which postmortems, whichever way the incident's privacy and the readable
    drafts are written: published ones whose incident may be known of, for everyone signed
    in; drafts too for admins and managers, and for members the drafts they may read."""
    if not _is_signed_in(user):
        return _nothing()
    known = privacy(user, prefix + "incident__")
    if _reads_everything(user):
        return known
    published = Q(**{f"{prefix}status": "published"})
    if not _is_working(user):
        return known & published
    return known & (published | readable_drafts(user, prefix))


def visible_postmortems(user: User | AnonymousUser) -> QuerySet:
    from postmortems.models import Postmortem

    return Postmortem.objects.filter(postmortem_visibility(user))


def action_item_visibility(user: User | AnonymousUser, prefix: str = "") -> Q:
    return incident_visibility(user, prefix + "incident__")


def visible_action_items(user: User | AnonymousUser) -> QuerySet:
    from followups.models import ActionItem

    return ActionItem.objects.filter(action_item_visibility(user))


def can_view_audit(user: User | AnonymousUser) -> bool:
    """The audit trail is for organisation admins."""
    return is_admin(user)


def can_delete(user: User | AnonymousUser, obj) -> bool:
    """Moving an incident, a postmortem or a follow-up to the bin: whoever may change it. It
    loses nothing, since an organisation admin can restore it (can_restore)."""
    return can_edit(user, obj)


def can_restore(user: User | AnonymousUser) -> bool:
    """Seeing the bin and restoring from it: organisation admins."""
    return is_admin(user)
