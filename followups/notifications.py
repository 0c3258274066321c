"""Email about follow-ups: the daily reminder to the people who own open items that are due
soon or overdue, and each team's weekly digest. These services decide who gets what; the
tasks in tasks.py only call them.

Every email is sent at most once per recipient and period: the send is first recorded in
SentNotification, whose unique constraint turns a second run, or a concurrent worker, into a
no-op. A failed send removes its record again, so the task's retry sends it then."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from culture.notifications import pulse_section
from debrief.permissions import is_hidden
from incidents.models import Incident, Team
from learning.metrics import Scope, four_keys
from learning.periods import Period
from postmortems.models import Postmortem

from .models import ActionItem, NotificationSettings, SentNotification
from .statistics import median_duration, start_of_day

STILL_OPEN = (ActionItem.Status.OPEN, ActionItem.Status.IN_PROGRESS)


def absolute(path: str) -> str:
    """A link that works from an inbox: the site's public address and the path."""
    return settings.SITE_URL + path


def item_link(item: ActionItem) -> str:
    try:
        path = item.get_absolute_url()
    except NoReverseMatch:  # the item pages ship separately; this is where they live
        path = f"/follow-ups/{item.pk}/"
    return absolute(path)


def _with_links(items):
    items = list(items)
    for item in items:
        item.link = item_link(item)
    return items


def _common_context() -> dict:
    return {
        "site_url": settings.SITE_URL,
        "settings_url": absolute(reverse("notification_settings:edit")),
    }


def _message(*, subject: str, template: str, context: dict, to: User) -> EmailMultiAlternatives:
    """An email with a plain-text body and its HTML alternative, from `template`.txt/.html."""
    context = {**_common_context(), "recipient": to, **context}
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[to.email]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def send_once(
    *, kind: str, recipient: User, period: str, message: Callable[[], EmailMultiAlternatives]
) -> bool:
    """Send the message `message()` builds unless (kind, recipient, period) was already sent.
    Returns whether it was sent now.

    The record is committed before sending, so a crash between the two loses this one email
    rather than sending it twice; holding a transaction open during SMTP instead would block
    every writer of a SQLite database meanwhile."""
    try:
        with transaction.atomic():
            record = SentNotification.objects.create(kind=kind, recipient=recipient, period=period)
    except IntegrityError:
        return False
    try:
        message().send()
    except Exception:
        record.delete()
        raise
    return True


def _already_sent(kind: str, periods: list[str]) -> set[tuple[int, str]]:
    return set(
        SentNotification.objects.filter(kind=kind, period__in=periods).values_list(
            "recipient_id", "period"
        )
    )


# Reminders


@dataclass
class Reminder:
    recipient: User
    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)


def reminders_due(*, today: date) -> list[Reminder]:
    """Who is reminded of what on `today`: every open or in-progress follow-up that is
    overdue, or due within settings.FOLLOWUP_REMINDER_DAYS days, goes to its owner or, when
    it has no (active) owner, to every active member of its team. People who turned
    reminders off, and people without an email address, get none."""
    horizon = today + timedelta(days=settings.FOLLOWUP_REMINDER_DAYS)
    items = (
        ActionItem.objects.filter(status__in=STILL_OPEN, due_date__lte=horizon)
        .select_related("owner", "team", "incident")
        .prefetch_related(
            Prefetch(
                "team__members",
                queryset=User.objects.filter(is_active=True).order_by("pk"),
                to_attr="active_members",
            )
        )
        .order_by("due_date", "priority", "pk")
    )
    opted_out = set(
        NotificationSettings.objects.filter(reminders=False).values_list("user_id", flat=True)
    )
    reminders: dict[int, Reminder] = {}
    for item in _with_links(items):
        owner = item.owner if item.owner is not None and item.owner.is_active else None
        for person in [owner] if owner else item.team.active_members:
            if person.pk in opted_out or not person.email or is_hidden(person, item):
                continue
            reminder = reminders.setdefault(person.pk, Reminder(recipient=person))
            (reminder.overdue if item.due_date < today else reminder.due_soon).append(item)
    return sorted(reminders.values(), key=lambda reminder: reminder.recipient.pk)


def _reminder_subject(reminder: Reminder) -> str:
    parts = []
    if reminder.overdue:
        parts.append(f"{len(reminder.overdue)} overdue")
    if reminder.due_soon:
        parts.append(f"{len(reminder.due_soon)} due soon")
    return "Follow-ups: " + ", ".join(parts)


def send_reminders(*, today: date | None = None) -> int:
    """Send each person their reminder for `today` (default: today in the configured time
    zone), once however often this runs that day. Returns the number of emails sent."""
    today = today or timezone.localdate()
    period = today.isoformat()
    sent_before = _already_sent(SentNotification.Kind.REMINDER, [period])
    sent = 0
    for reminder in reminders_due(today=today):
        if (reminder.recipient.pk, period) in sent_before:
            continue
        context = {
            "reminder": reminder,
            "today": today,
            "days": settings.FOLLOWUP_REMINDER_DAYS,
        }
        sent += send_once(
            kind=SentNotification.Kind.REMINDER,
            recipient=reminder.recipient,
            period=period,
            message=partial(
                _message,
                subject=_reminder_subject(reminder),
                template="followups/email/reminder",
                context=context,
                to=reminder.recipient,
            ),
        )
    return sent


# The weekly digest


@dataclass(frozen=True)
class DigestWeek:
    """The ISO week (Monday to Sunday, in the configured time zone) a team's digest covers."""

    team: Team
    start: date

    @property
    def end(self) -> date:
        """The Monday after: the first day not covered."""
        return self.start + timedelta(days=7)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return start_of_day(self.start)

    @property
    def end_before(self) -> datetime:
        return start_of_day(self.end)

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def number(self) -> int:
        return self.start.isocalendar().week

    @property
    def period(self) -> str:
        """The SentNotification period: "2026-W48/payments"; a slug too long for the column
        gives way to the team's id, after a "#" that no slug contains."""
        period = f"{self.label}/{self.team.slug}"
        if len(period) > SentNotification._meta.get_field("period").max_length:
            period = f"{self.label}/#{self.team.pk}"
        return period

    def between(self, field_name: str) -> Q:
        return Q(**{f"{field_name}__gte": self.start_at, f"{field_name}__lt": self.end_before})


def digest_week_start(today: date) -> date:
    """The Monday of the last whole week before `today`: on a Monday, the week just ended."""
    return today - timedelta(days=today.weekday() + 7)


@dataclass(frozen=True)
class DigestSection:
    """One part of the digest. `template` names its pair of templates (.html and .txt), which
    see the section as `section` and its values as `section.data`. `has_news` says whether it
    has anything of this week to tell; a digest none of whose sections has is not sent."""

    title: str
    template: str
    has_news: bool
    data: dict

    @property
    def html_template(self) -> str:
        return f"{self.template}.html"

    @property
    def text_template(self) -> str:
        return f"{self.template}.txt"


def _team_incidents(week: DigestWeek):
    return Incident.objects.filter(team=week.team, is_drill=False)


def incidents_section(week: DigestWeek) -> DigestSection:
    """Incidents of the team declared this week, and those whose service was restored this
    week. Drills are left out. "Declared" is when it was recorded (created_at), so an
    incident declared with an earlier start still appears once."""
    # A digest goes to the whole team: private incidents are counted in its figures, never named.
    incidents = _team_incidents(week).filter(is_private=False).order_by("started_at", "pk")
    declared = list(incidents.filter(week.between("created_at")))
    restored = list(incidents.filter(week.between("restored_at")).order_by("restored_at", "pk"))
    return DigestSection(
        title="Incidents",
        template="followups/email/digest/incidents",
        has_news=bool(declared or restored),
        data={"declared": declared, "restored": restored},
    )


def postmortems_section(week: DigestWeek) -> DigestSection:
    """The team's postmortems published this week, and those waiting for review now."""
    postmortems = Postmortem.objects.filter(
        incident__team=week.team, incident__is_private=False
    ).select_related("incident")
    published = list(
        postmortems.filter(
            week.between("published_at"), status=Postmortem.Status.PUBLISHED
        ).order_by("published_at", "pk")
    )
    in_review = list(
        postmortems.filter(status=Postmortem.Status.IN_REVIEW).order_by("created_at", "pk")
    )
    return DigestSection(
        title="Postmortems",
        template="followups/email/digest/postmortems",
        has_news=bool(published or in_review),
        data={"published": published, "in_review": in_review},
    )


def followups_section(week: DigestWeek) -> DigestSection:
    """The team's follow-ups done this week, and those overdue at the end of it."""
    items = ActionItem.objects.filter(team=week.team, incident__is_private=False).select_related(
        "owner", "incident"
    )
    completed = _with_links(
        items.filter(week.between("completed_at"), status=ActionItem.Status.DONE).order_by(
            "completed_at", "pk"
        )
    )
    overdue = _with_links(
        items.filter(status__in=STILL_OPEN, due_date__lt=week.end).order_by("due_date", "pk")
    )
    return DigestSection(
        title="Follow-ups",
        template="followups/email/digest/followups",
        has_news=bool(completed or overdue),
        data={"completed": completed, "overdue": overdue},
    )


# The usual time to restore: the median of the weeks before this one.
USUAL_WEEKS = 12


def time_to_restore_section(week: DigestWeek) -> DigestSection:
    """The median time to restore (restored_at - started_at) of the team's incidents
    restored this week, against its usual: the median over those restored in the
    USUAL_WEEKS weeks before. Drills are left out; None means not enough data."""
    incidents = _team_incidents(week)
    this_week = median_duration(
        incidents.filter(week.between("restored_at")), end="restored_at", start="started_at"
    )
    usual = median_duration(
        incidents.filter(
            restored_at__gte=week.start_at - timedelta(weeks=USUAL_WEEKS),
            restored_at__lt=week.start_at,
        ),
        end="restored_at",
        start="started_at",
    )
    return DigestSection(
        title="Time to restore",
        template="followups/email/digest/time_to_restore",
        has_news=this_week is not None,
        data={"this_week": this_week, "usual": usual, "usual_weeks": USUAL_WEEKS},
    )


# "About a year ago": a fortnight around the same week last year.
HISTORY_DAYS = (358, 372)


def history_section(week: DigestWeek) -> DigestSection:
    """This week in our history: one published postmortem of the team published, or whose
    incident started, 358 to 372 days before the digest's date (the Monday after the week).
    Of several, the most severe incident's, then the earliest, so every run picks the same."""
    since = start_of_day(week.end - timedelta(days=HISTORY_DAYS[1]))
    before = start_of_day(week.end - timedelta(days=HISTORY_DAYS[0] - 1))
    postmortem = (
        Postmortem.objects.filter(
            incident__team=week.team,
            incident__is_private=False,
            status=Postmortem.Status.PUBLISHED,
        )
        .filter(
            Q(published_at__gte=since, published_at__lt=before)
            | Q(incident__started_at__gte=since, incident__started_at__lt=before)
        )
        .select_related("incident")
        .order_by("incident__severity", "incident__started_at", "pk")
        .first()
    )
    return DigestSection(
        title="This week in our history",
        template="followups/email/digest/history",
        has_news=postmortem is not None,
        data={"postmortem": postmortem},
    )


# The digest's sections, in order. Each builds its part from the team's week; another part
# (the team's four DORA keys, say) is one more function here with its pair of templates.
def four_keys_section(week: DigestWeek) -> DigestSection:
    """The team's four keys for the week, each against the week before, with sample sizes
    (definitions in docs/metrics.md). Never news on its own: a quiet week sends no digest."""
    keys = four_keys(scope=Scope(team=week.team), period=Period(week.start, week.last_day))
    return DigestSection(
        title="The four keys",
        template="followups/email/digest/four_keys",
        has_news=False,
        data={
            "figures": [
                ("Deployment frequency", keys.deployment_frequency.per_week),
                ("Lead time for changes (median)", keys.lead_time_for_changes.median),
                ("Change failure rate", keys.change_failure_rate),
                ("Time to restore (median)", keys.time_to_restore.median),
            ],
        },
    )


DIGEST_SECTIONS: list[Callable[[DigestWeek], DigestSection]] = [
    incidents_section,
    postmortems_section,
    pulse_section,
    followups_section,
    time_to_restore_section,
    four_keys_section,
    history_section,
]


def digest_sections(week: DigestWeek) -> list[DigestSection]:
    return [build(week) for build in DIGEST_SECTIONS]


def send_digests(*, today: date | None = None) -> int:
    """Send every team's digest of the last whole week before `today` (default: today in
    the configured time zone) to each active member who has not turned digests off, once
    per member, team and week however often this runs. A team with no news that week gets
    no digest. Returns the number of emails sent."""
    today = today or timezone.localdate()
    start = digest_week_start(today)
    opted_out = set(
        NotificationSettings.objects.filter(weekly_digest=False).values_list("user_id", flat=True)
    )
    teams = Team.objects.prefetch_related(
        Prefetch(
            "members",
            queryset=User.objects.filter(is_active=True).exclude(email="").order_by("pk"),
            to_attr="digest_members",
        )
    )
    weeks = [DigestWeek(team=team, start=start) for team in teams]
    sent_before = _already_sent(SentNotification.Kind.DIGEST, [week.period for week in weeks])
    sent = 0
    for week in weeks:
        recipients = [
            person
            for person in week.team.digest_members
            if person.pk not in opted_out and (person.pk, week.period) not in sent_before
        ]
        if not recipients:
            continue
        sections = digest_sections(week)
        if not any(section.has_news for section in sections):
            continue
        context = {
            "week": week,
            "team": week.team,
            "team_url": absolute(week.team.get_absolute_url()),
            "sections": sections,
        }
        subject = f"{week.team.name}: week {week.number} in Debrief"
        for person in recipients:
            sent += send_once(
                kind=SentNotification.Kind.DIGEST,
                recipient=person,
                period=week.period,
                message=partial(
                    _message,
                    subject=subject,
                    template="followups/email/digest",
                    context=context,
                    to=person,
                ),
            )
    return sent
