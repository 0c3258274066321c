from collections.abc import Sequence

from django import forms

from incidents.models import Service, Team

from .models import Kind


class EndpointForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices, label="Tool")
    name = forms.CharField(
        max_length=100, help_text="For you: which tool and which of its configurations posts here."
    )
    severity_label = forms.CharField(
        max_length=100,
        initial="severity",
        required=False,
        label="Severity label",
        help_text="Alertmanager only: the label that sets the incident's severity "
        "(critical → SEV1, high → SEV2, warning → SEV3, info → SEV4).",
    )


class SecretForm(forms.Form):
    secret = forms.CharField(
        max_length=200,
        label="The tool's secret",
        widget=forms.PasswordInput(render_value=True),
        help_text="PagerDuty makes its own signing secret and shows it once: paste it here.",
    )


class RouteForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    match_label = forms.CharField(
        max_length=100,
        required=False,
        initial="service",
        label="Label",
        help_text="Alertmanager: the label to match, e.g. service.",
    )
    match_value = forms.CharField(
        max_length=200,
        label="Value",
        help_text="Alertmanager: the label's value; PagerDuty: the service id (e.g. PIJ90N7); "
        "GitHub: the repository (owner/name); generic: the event's service field.",
    )
    environment = forms.CharField(
        max_length=50, required=False, help_text="GitHub deployments only: just this environment."
    )
    workflow = forms.CharField(
        max_length=200,
        required=False,
        help_text="GitHub workflow runs only: just runs of the workflow with this name.",
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(team=team)


class AssignForm(forms.Form):
    """Takes the team's services as a list, so that a page with a form per delivery asks
    the database for them once."""

    service = forms.TypedChoiceField(coerce=int)
    remember = forms.BooleanField(
        required=False, label="Route such events to this service from now on"
    )

    def __init__(self, *args, services: Sequence[Service], **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {service.pk: service for service in services}
        self.fields["service"].choices = [
            ("", "---------"),
            *((service.pk, service.name) for service in services),
        ]

    def clean_service(self) -> Service:
        return self.services[self.cleaned_data["service"]]
