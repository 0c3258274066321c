from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from debrief.people import display_name
from incidents.forms import MomentField
from incidents.models import Team, TimelineEvent

from .models import FactorCategory, PostmortemTemplate


class StartForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=PostmortemTemplate.objects.all(), empty_label=None, label="Template"
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The organisation's templates and the incident team's own.
        if team is not None:
            self.fields["template"].queryset = PostmortemTemplate.objects.filter(
                Q(team__isnull=True) | Q(team=team)
            )


class SectionForm(forms.Form):
    body = forms.CharField(
        label="Text", required=False, strip=False, widget=forms.Textarea(attrs={"rows": 16})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class FactorForm(forms.Form):
    category = forms.ModelChoiceField(queryset=FactorCategory.objects.filter(is_active=True))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The condition in the system, process or tooling, not a person's action.",
    )
    timeline_event = forms.ModelChoiceField(
        queryset=TimelineEvent.objects.none(),
        required=False,
        label="Where it showed on the timeline",
        empty_label="Not tied to one moment",
    )

    def __init__(self, *args, postmortem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timeline_event"].queryset = TimelineEvent.objects.filter(
            incident_id=postmortem.incident_id
        )
        self.fields["timeline_event"].label_from_instance = lambda event: (
            f"{event.occurred_at:%d %b %H:%M} {event.get_kind_display()}: {event.body[:60]}"
        )


class PublishForm(forms.Form):
    acknowledge_flags = forms.BooleanField(
        required=False,
        label="Publish anyway: I have read the writing coach's flags and they are not blame.",
    )
    # How many flags the page listed when the writer ticked the box.
    acknowledged_count = forms.IntegerField(
        required=False, min_value=0, initial=0, widget=forms.HiddenInput
    )

    def acknowledged(self) -> int:
        if not self.is_valid() or not self.cleaned_data["acknowledge_flags"]:
            return 0
        return self.cleaned_data["acknowledged_count"] or 0


def _people():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def people_choices() -> list[tuple[int, str]]:
    """The active people as (pk, name) choices, read once for a page whose forms offer them
    more than once."""
    return [(user.pk, display_name(user)) for user in _people()]


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


class ReviewRequestForm(forms.Form):
    reviewers = PersonChoiceField(queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="No team",
        help_text="Everyone in the team is asked.",
    )

    def __init__(self, *args, people: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = _people()
        if people is not None:
            # Offered as given; what is posted is still checked against the queryset.
            self.fields["reviewers"].choices = people

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("reviewers") and not cleaned.get("team"):
            raise forms.ValidationError("Choose reviewers, a team, or both.")
        return cleaned


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    thread = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        # The section editor's textarea is id_body on the same page.
        kwargs.setdefault("auto_id", "comment_%s")
        super().__init__(*args, **kwargs)


class MeetingForm(forms.Form):
    # Refuses the calendar's far ends, which cannot be converted to UTC to be stored.
    starts_at = MomentField(
        label="Starts at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(label="Minutes", initial=60, min_value=5, max_value=480)
    location = forms.CharField(max_length=300, required=False, help_text="A room or a video link.")
    participants = PersonChoiceField(queryset=User.objects.none())

    def __init__(self, *args, people: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = _people()
        if people is not None:
            self.fields["participants"].choices = people
        # The datetime-local input has no zone; say which one the time is read in.
        self.fields["starts_at"].label = f"Starts at ({timezone.get_current_timezone_name()})"
