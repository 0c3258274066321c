import json
from collections.abc import Sequence
from datetime import UTC, datetime

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from debrief.permissions import deployable_services
from debrief.widgets import OptionsSelect, OptionsSelectMultiple, offer_rows

from .models import (
    TIMESTAMP_FIELDS,
    Deployment,
    Incident,
    Service,
    Severity,
    Status,
    Team,
    timestamp_label,
)
from .services import EDITABLE_FIELDS, comparable, incident_details
from .templatetags.debrief import person
from .times import EARLIEST, too_early, when

# How many of the affected services' deployments the edit form offers as the cause.
DEPLOYMENT_CHOICES = 200


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are read in the configured time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MomentField(forms.DateTimeField):
    """A date and time typed in the configured time zone, refused when it is implausible: the
    services refuse moments in the future, with the words that fit each of them."""

    widget = DateTimeLocalInput

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        # In UTC: ISO 8601 allows offsets up to ±23:59, PostgreSQL stores none beyond ±15:59.
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            if moment.year < EARLIEST.year:
                raise forms.ValidationError(self._too_early(), code="too_early") from None
            raise forms.ValidationError(self._too_late(), code="too_late") from None

    @staticmethod
    def _too_early() -> str:
        return f"Enter a time in {EARLIEST.year} or later."

    @staticmethod
    def _too_late() -> str:
        return "Enter a time before the year 9999."

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if too_early(value):
            raise forms.ValidationError(self._too_early(), code="too_early")
        if value.year >= 9999:
            # Too close to the end of the calendar to be converted between time zones.
            raise forms.ValidationError(self._too_late(), code="too_late")


def moment_field(label: str, *, required: bool = False, help_text: str = "") -> MomentField:
    return MomentField(label=label, required=required, help_text=help_text)


def _submitted(form: forms.Form, name: str) -> list[str]:
    """Every value posted for a field, in the order the browser sent them."""
    data, key = form.data, form.add_prefix(name)
    values = data.getlist(key) if hasattr(data, "getlist") else data.get(key) or []
    return [str(value) for value in values]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class SeverityChoiceField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[(s.value, f"{s.label} — {s.meaning}") for s in Severity],
            coerce=int,
            widget=forms.RadioSelect,
            **kwargs,
        )


class DeclareForm(forms.Form):
    title = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"})
    )
    severity = SeverityChoiceField(initial=Severity.SEV3)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.select_related("team"),
        help_text="The services customers or colleagues see failing. The first one's team "
        "owns the incident.",
        widget=OptionsSelectMultiple,
    )
    started_at = moment_field(
        timestamp_label("started_at"), help_text="Leave empty if it started just now."
    )
    detected_at = moment_field(
        timestamp_label("detected_at"), help_text="When someone noticed. Leave empty for now."
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_drill = forms.BooleanField(
        label="This is a drill or game day",
        required=False,
        help_text=Incident._meta.get_field("is_drill").help_text,
    )

    is_private = forms.BooleanField(
        label="Private (for example a security incident)",
        required=False,
        help_text=Incident._meta.get_field("is_private").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_rows(self.fields["services"], "name")

    def clean_services(self) -> list[Service]:
        # In the order they were submitted, not the queryset's: the first one picks the team.
        submitted = _submitted(self, "services")
        return sorted(self.cleaned_data["services"], key=lambda s: submitted.index(str(s.pk)))


# Every filter but the title applies on "change"; the title as you type (see list.html).
FILTER_CHOICE = {"class": "filter-choice"}


def _filter_select() -> OptionsSelect:
    return OptionsSelect(attrs=FILTER_CHOICE)


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label="Title", required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open"), *Status.choices],
        required=False,
        widget=_filter_select(),
    )
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        required=False,
        empty_value=None,
        widget=_filter_select(),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="Any team",
        to_field_name="slug",
        widget=_filter_select(),
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(),
        required=False,
        to_field_name="slug",
        help_text="Lists the services of the team chosen above.",
        widget=_filter_select(),
    )
    started_from = forms.DateField(
        label="Started from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **FILTER_CHOICE}),
    )
    started_until = forms.DateField(
        label="Started until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **FILTER_CHOICE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A thousand services are no list to choose from: the select offers the chosen team's,
        # and the chosen service whoever owns it. Any service's slug is still accepted.
        team, service = (self.data.get(self.add_prefix(name)) for name in ("team", "service"))
        offered = Q()
        if team:
            offered |= Q(team__slug=team)
        if service:
            offered |= Q(slug=service)
        services = Service.objects.filter(offered).values_list("slug", "name") if offered else []
        self.fields["service"].widget.choices = [("", "Any service"), *services]

    @property
    def service_options(self) -> str:
        """The service select's options alone: htmx swaps them in when the team changes."""
        field = self["service"]
        return field.field.widget.options(field.html_name, field.value())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_from"), cleaned.get("started_until")
        if start and end and end < start:
            self.add_error("started_until", "The end of the range is before its start.")
        return cleaned


class ActionForm(forms.Form):
    """One of several small forms on the incident page; each gets its own element ids."""

    id_prefix = "action"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class StatusForm(ActionForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(
        label="Why the status changed",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "optional"}),
    )


class SeverityForm(ActionForm):
    id_prefix = "severity"
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int)
    note = forms.CharField(
        label="Why the severity changed",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "optional"}),
    )


class RestoredForm(ActionForm):
    id_prefix = "restored"
    # Not prefilled: a time filled in when the page was rendered goes stale on a page left open.
    restored_at = moment_field(
        f"{timestamp_label('restored_at')} at", help_text="Leave empty for now."
    )
    note = forms.CharField(
        label="How it was restored",
        required=False,
        max_length=2000,
        # The "r" shortcut (static/js/navigation.js) comes here: say how, then Enter.
        widget=forms.TextInput(
            attrs={"placeholder": "optional", "data-shortcut": "r", "aria-keyshortcuts": "r"}
        ),
    )


class NoteForm(ActionForm):
    id_prefix = "timeline"

    body = forms.CharField(
        label="Note",
        max_length=10000,
        # The "n" shortcut (static/js/navigation.js) comes here; Ctrl+Enter adds the note.
        widget=forms.Textarea(attrs={"rows": 2, "data-shortcut": "n", "aria-keyshortcuts": "n"}),
    )
    occurred_at = moment_field(
        "Happened at", help_text="Leave empty for now; set it to log something after the fact."
    )


class AcknowledgeForm(ActionForm):
    id_prefix = "acknowledge"


class ReopenForm(ActionForm):
    id_prefix = "reopen"

    reason = forms.CharField(
        max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why is it reopened?"})
    )


def _encode_details(details: dict[str, object]) -> str:
    def encode(value):
        if isinstance(value, datetime):
            return value.isoformat()  # to the microsecond, unlike DjangoJSONEncoder
        if isinstance(value, frozenset):
            return sorted(value)
        return value

    return json.dumps({name: encode(value) for name, value in details.items()})


def _decode_details(text: str) -> dict[str, object]:
    raw = json.loads(text)
    if not isinstance(raw, dict) or set(raw) != set(EDITABLE_FIELDS):
        raise ValueError("not the incident's details")
    details = dict(raw)
    for name in TIMESTAMP_FIELDS:
        if details[name] is not None:
            details[name] = datetime.fromisoformat(details[name])
            if timezone.is_naive(details[name]):
                raise ValueError(f"{name} has no time zone")
            details[name] = details[name].astimezone(UTC)
    details["services"] = comparable("services", details["services"])
    return details


def _shown(name: str, value) -> str:
    """A detail's value as the conflict comparison shows it."""
    if value is None or value == "":
        return "—"
    if name == "severity":
        return Severity(value).label
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, User):
        return person(value)
    if name == "services":
        return ", ".join(service.name for service in value) or "—"
    return str(value)


class IncidentEditForm(forms.ModelForm):
    """The incident's details. It carries them as they were when the page was loaded
    (`loaded`), so that saving applies only what this editor changed (see incident_update)."""

    loaded = forms.CharField(widget=forms.HiddenInput)
    started_at = moment_field(timestamp_label("started_at"), required=True)
    detected_at = moment_field(timestamp_label("detected_at"), required=True)
    acknowledged_at = moment_field(timestamp_label("acknowledged_at"))
    restored_at = moment_field(timestamp_label("restored_at"))
    resolved_at = moment_field(
        timestamp_label("resolved_at"), help_text="Only for a resolved incident."
    )

    class Meta:
        model = Incident
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "customer_impact": forms.Textarea(attrs={"rows": 3}),
            "commander": OptionsSelect,
            "services": OptionsSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        incident = self.instance
        # Active people, and whoever commands it now even when they have since left.
        self.fields["commander"].queryset = User.objects.filter(
            Q(is_active=True) | Q(pk=incident.commander_id)
        ).order_by("username")
        offer_rows(self.fields["commander"], "username")
        offer_rows(self.fields["services"], "name")
        self.fields["caused_by_deployment"].queryset = self._deployment_choices()
        if not self.is_bound:
            self.initial["loaded"] = _encode_details(incident_details(incident))

    def _deployment_choices(self):
        """The newest deployments of the services in the form (as submitted, or the
        incident's), plus the deployment recorded as the cause now."""
        if self.is_bound:
            service_ids = [pk for pk in _submitted(self, "services") if pk.isdigit()]
        else:
            service_ids = list(self.instance.services.values_list("pk", flat=True))
        newest = (
            Deployment.objects.filter(service__in=service_ids)
            .order_by("-deployed_at", "-pk")
            .values("pk")[:DEPLOYMENT_CHOICES]
        )
        return (
            Deployment.objects.filter(
                Q(pk__in=newest) | Q(pk=self.instance.caused_by_deployment_id)
            )
            .select_related("service")
            .order_by("-deployed_at", "-pk")
        )

    def clean_loaded(self) -> dict[str, object]:
        try:
            return _decode_details(self.cleaned_data["loaded"])
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise forms.ValidationError(
                "The form was damaged on its way back; reload the page and edit again."
            ) from None

    def clean(self):
        cleaned = super().clean()
        if "loaded" in self._errors:
            # A hidden field's error would show nowhere; it is the whole form's problem.
            self.add_error(None, self._errors.pop("loaded"))
        loaded = cleaned.get("loaded")
        if isinstance(loaded, dict):
            # The picker shows whole minutes: a time left as it was keeps its seconds.
            for name in TIMESTAMP_FIELDS:
                before, typed = loaded[name], cleaned.get(name)
                if before and typed and typed == _minute(before):
                    cleaned[name] = before
        return cleaned

    def _post_clean(self):
        # Validation is the service's job (incident_update); skip the model's own full_clean.
        pass

    def changes(self) -> dict[str, object]:
        """The details this editor changed from what they loaded, with their new values."""
        loaded = self.cleaned_data["loaded"]
        return {
            name: self.cleaned_data[name]
            for name in EDITABLE_FIELDS
            if comparable(name, self.cleaned_data[name]) != comparable(name, loaded[name])
        }

    def differences(self, current: Incident, conflicting: Sequence[str]) -> list[dict]:
        """Every detail where what is saved now differs from what this editor sent, saying
        whose change it is."""
        mine = self.changes()
        theirs = incident_details(current)
        rows = []
        for name in EDITABLE_FIELDS:
            yours = self.cleaned_data[name]
            if comparable(name, yours) == theirs[name]:
                continue
            saved = list(current.services.all()) if name == "services" else getattr(current, name)
            if name in conflicting:
                whose = "You both changed this."
            elif name in mine:
                whose = "You changed this."
            else:
                whose = "Someone else changed this; the form now has their version."
            rows.append(
                {
                    "label": self.fields[name].label,
                    "theirs": _shown(name, saved),
                    "yours": _shown(name, yours),
                    "whose": whose,
                    "conflict": name in conflicting,
                }
            )
        return rows

    def rebased(self, current: Incident) -> "IncidentEditForm":
        """After a conflict: a form on what is saved now, with this editor's changes still
        in it as typed. Saving it again applies them over the other edit, deliberately."""
        mine = self.changes()
        data = QueryDict(mutable=True)
        data.update(self.data)
        theirs = incident_details(current)
        for name in EDITABLE_FIELDS:
            if name in mine:
                continue
            value = theirs[name]
            key = self.add_prefix(name)
            if name == "services":
                data.setlist(key, [str(pk) for pk in sorted(value)])
            elif name in {"is_drill", "is_private"}:
                data.setlist(key, ["on"] if value else [])
            elif isinstance(value, datetime):
                data[key] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            else:
                data[key] = "" if value is None else str(value)
        data[self.add_prefix("loaded")] = _encode_details(theirs)
        form = IncidentEditForm(data, instance=current)
        form.is_valid()
        return form


class DeploymentForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        error_messages={
            "invalid_choice": "You can record deployments only for your teams' services."
        },
    )
    environment = forms.CharField(max_length=50, initial="production")
    version = forms.CharField(max_length=200, help_text="Version, tag or ref.")
    commits = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "3f2c1ab 2026-11-28T14:03"}),
        help_text="One commit per line: its SHA, then optionally its commit time.",
    )
    first_commit_at = moment_field(
        "Earliest commit at", help_text="Filled from the commit times when left empty."
    )
    deployed_at = moment_field("Deployed at", help_text="Leave empty for now.")
    outcome = forms.ChoiceField(
        choices=Deployment.Outcome.choices, initial=Deployment.Outcome.SUCCEEDED
    )
    external_id = forms.CharField(
        max_length=200,
        required=False,
        help_text="The CI/CD run or deployment id, to avoid recording it twice.",
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = deployable_services(user)

    def clean_commits(self):
        commits = []
        field = MomentField()
        for number, line in enumerate(self.cleaned_data["commits"].splitlines(), start=1):
            parts = line.split(maxsplit=1)
            if not parts:
                continue
            sha = parts[0]
            if not all(c in "0123456789abcdefABCDEF" for c in sha) or not 7 <= len(sha) <= 64:
                raise forms.ValidationError(
                    f"Line {number}: {sha!r} is not a commit SHA (7–64 hex digits)."
                )
            moment = None
            if len(parts) == 2:
                typed = parts[1].strip()
                try:
                    moment = field.clean(typed)
                except forms.ValidationError as error:
                    if error.code != "invalid":
                        raise forms.ValidationError(
                            f"Line {number}: {' '.join(error.messages)}"
                        ) from None
                    raise forms.ValidationError(
                        f"Line {number}: {typed!r} is not a date and time "
                        "(for example 2026-11-28T14:03)."
                    ) from None
            commits.append((sha.lower(), moment))
        return commits


class ResponderForm(forms.Form):
    """The people responding besides the commander and the reporter."""

    responders = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=OptionsSelectMultiple,
        help_text="For a private incident, only these people, the commander, the reporter and "
        "organisation admins see it.",
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = incident.responders.all()
        field = self.fields["responders"]
        # Active people, and whoever responds now even when they have since left.
        field.queryset = User.objects.filter(
            Q(is_active=True) | Q(pk__in=chosen.values("pk"))
        ).order_by("username")
        offer_rows(field, "username")
        if not self.is_bound:
            self.initial["responders"] = [person.pk for person in chosen]  # prefetched
