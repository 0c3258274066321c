from django import forms
from django.core.validators import URLValidator

from .models import SUBSCRIBABLE_EVENTS, Destination

URL_HELP = (
    "The incoming webhook's address from Slack, Mattermost or Rocket.Chat (for Discord, the "
    "webhook URL followed by /slack), or your JSON receiver's. http:// or https:// only."
)


class WebURLField(forms.URLField):
    """A URL a POST can be sent to: http or https only, not ftp as Django's default allows."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter an http:// or https:// URL."}


class DestinationForm(forms.Form):
    """A destination's details; `kind` only when it is created (a JSON destination's secret
    is shown then, and a Slack one never gets to see it)."""

    name = forms.CharField(max_length=100, help_text="For example “#payments-incidents”.")
    kind = forms.ChoiceField(choices=Destination.Kind.choices, initial=Destination.Kind.SLACK)
    url = WebURLField(
        label="Webhook URL",
        max_length=1000,
        assume_scheme="https",
        help_text=URL_HELP,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 60}),
    )
    events = forms.MultipleChoiceField(
        label="Send",
        choices=[(event.value, event.label) for event in SUBSCRIBABLE_EVENTS],
        initial=[event.value for event in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )
    is_enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]


def form_for(destination: Destination, data=None) -> DestinationForm:
    initial = {
        "name": destination.name,
        "url": destination.url,
        "events": destination.events,
        "is_enabled": destination.is_enabled,
    }
    return DestinationForm(data, initial=initial, editing=True)
