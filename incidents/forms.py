from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from .models import Deployment, Incident, Service, Severity, Status, Team


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are read in the configured time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def moment_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, widget=DateTimeLocalInput(), help_text=help_text
    )


def now_for_input():
    return timezone.localtime().replace(second=0, microsecond=0)


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
        help_text="The services customers or colleagues see failing.",
    )
    started_at = moment_field("Impact started", help_text="Leave empty if it started just now.")
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_drill = forms.BooleanField(
        label="This is a drill or game day",
        required=False,
        help_text=Incident._meta.get_field("is_drill").help_text,
    )


class IncidentFilterForm(forms.Form):
    q = forms.CharField(label="Title", required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("open", "Open"), *Status.choices], required=False
    )
    severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *Severity.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team", to_field_name="slug"
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.all(),
        required=False,
        empty_label="Any service",
        to_field_name="slug",
    )
    started_from = forms.DateField(
        label="Started from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    started_until = forms.DateField(
        label="Started until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

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
    restored_at = moment_field("Service restored at", required=True)
    note = forms.CharField(
        label="How it was restored",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "optional"}),
    )


class NoteForm(ActionForm):
    id_prefix = "timeline"

    body = forms.CharField(label="Note", max_length=10000, widget=forms.Textarea(attrs={"rows": 2}))
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


class IncidentEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    started_at = moment_field("Impact started", required=True)
    detected_at = moment_field("Detected")
    acknowledged_at = moment_field("Acknowledged")
    restored_at = moment_field("Service restored")
    resolved_at = moment_field("Resolved", help_text="Only for a resolved incident.")

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "customer_impact",
            "severity",
            "services",
            "team",
            "commander",
            "caused_by_deployment",
            "is_drill",
            "started_at",
            "detected_at",
            "acknowledged_at",
            "restored_at",
            "resolved_at",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "customer_impact": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commander"].queryset = User.objects.filter(is_active=True).order_by("username")
        services = self.instance.services.all() if self.instance.pk else Service.objects.none()
        # Offer the deployments of the affected services, newest first, rather than every one ever.
        self.fields["caused_by_deployment"].queryset = Deployment.objects.filter(
            service__in=services
        ).select_related("service")[:200]
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned = super().clean()
        # The picker shows whole minutes; an untouched time must keep its seconds.
        for name in ("started_at", "detected_at", "acknowledged_at", "restored_at", "resolved_at"):
            stored, typed = getattr(self.instance, name), cleaned.get(name)
            if stored and typed and typed == stored.replace(second=0, microsecond=0):
                cleaned[name] = stored
        return cleaned

    def _post_clean(self):
        # Validation is the service's job (incident_update); skip the model's own full_clean.
        pass


class DeploymentForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.all())
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

    def clean_commits(self):
        commits = []
        field = forms.DateTimeField()
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
                try:
                    moment = field.clean(parts[1].strip())
                except forms.ValidationError:
                    raise forms.ValidationError(
                        f"Line {number}: {parts[1].strip()!r} is not a date and time "
                        "(for example 2026-11-28T14:03)."
                    ) from None
            commits.append((sha.lower(), moment))
        return commits
