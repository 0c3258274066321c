import re

from django import forms

from incidents.forms import FILTER_CHOICE
from incidents.models import Team

from .models import AuditEntry
from .registry import object_types

INCIDENT_REFERENCE = re.compile(r"^\s*(?:INC-?)?(\d+)\s*$", re.IGNORECASE)


class AuditFilterForm(forms.Form):
    incident = forms.CharField(
        required=False, help_text="INC-42: the incident, its timeline, postmortem and follow-ups."
    )
    actor = forms.CharField(
        label="Who", required=False, help_text="A username, API token 'name', or Debrief."
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="Any team",
        to_field_name="slug",
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    object_type = forms.ChoiceField(
        label="What", required=False, widget=forms.Select(attrs=FILTER_CHOICE)
    )
    object_id = forms.CharField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditEntry.Action.choices],
        required=False,
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **FILTER_CHOICE}),
    )
    until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", **FILTER_CHOICE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Anything"), *object_types()]

    def clean_incident(self) -> int | None:
        value = self.cleaned_data["incident"]
        if not value.strip():
            return None
        if match := INCIDENT_REFERENCE.match(value):
            return int(match.group(1))
        raise forms.ValidationError("Enter an incident reference such as INC-42.")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end of the range cannot be before its start.")
        return data
