from urllib.parse import urlsplit

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q

from debrief.permissions import action_item_visibility
from incidents.models import Team
from incidents.templatetags.debrief import person
from postmortems.models import ContributingFactor

from .models import ActionItem
from .selectors import DEFAULT_SORT

OUTSIDE_THE_ORGANISATION = "The owner must be an active member of the organisation."
WONT_DO_NEEDS_A_REASON = "Say why this will not be done."


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return person(user)


class FactorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, factor):
        return f"{factor.category.name}: {factor.description[:80]}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ItemForm(forms.Form):
    """A follow-up's fields. Without `item` it adds one (no status: a new item is open); with
    it, it edits that item and carries the values it loaded, so that saving changes only what
    this person changed (changes()) and not what someone else saved meanwhile."""

    title = forms.CharField(
        max_length=200,
        help_text="The change to the system, stated so that it can be done and checked.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(choices=ActionItem.Kind.choices, initial=ActionItem.Kind.PREVENT)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), empty_label=None)
    owner = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="No owner yet",
        error_messages={"invalid_choice": OUTSIDE_THE_ORGANISATION},
    )
    priority = forms.TypedChoiceField(
        choices=ActionItem.Priority.choices, coerce=int, initial=ActionItem.Priority.MEDIUM
    )
    due_date = forms.DateField(label="Due date", required=False, widget=DateInput)
    status = forms.ChoiceField(choices=ActionItem.Status.choices)
    wont_do_reason = forms.CharField(
        label="Why it will not be done",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed for “Won't do”.",
    )
    tracker_url = forms.URLField(
        label="Tracker link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The issue in Jira, GitHub, GitLab, Linear… where the work is tracked.",
    )
    contributing_factor = FactorChoiceField(
        queryset=ContributingFactor.objects.none(),
        required=False,
        label="Addresses the contributing factor",
        empty_label="Not tied to one factor",
        error_messages={"invalid_choice": "Choose a contributing factor of this postmortem."},
    )

    def __init__(self, *args, postmortem=None, item: ActionItem | None = None, **kwargs):
        self.item = item
        if item is not None:
            postmortem = item.postmortem
            kwargs.setdefault("auto_id", f"followup_{item.pk}_%s")
            kwargs.setdefault("initial", self.loaded(item))
        elif postmortem is not None:
            kwargs.setdefault("initial", {"team": postmortem.incident.team_id})
        super().__init__(*args, **kwargs)
        self.postmortem = postmortem
        # Active people, and whoever owns it now even when they have since left.
        owners = Q(is_active=True) | Q(pk=item.owner_id) if item else Q(is_active=True)
        self.fields["owner"].queryset = User.objects.filter(owners).order_by(
            "first_name", "last_name", "username"
        )
        if postmortem is None:
            del self.fields["contributing_factor"]
        else:
            self.fields["contributing_factor"].queryset = postmortem.contributing_factors.all()
        if item is None:
            del self.fields["status"], self.fields["wont_do_reason"]
        else:
            for field in self.fields.values():
                field.show_hidden_initial = True

    @staticmethod
    def loaded(item: ActionItem) -> dict:
        return {
            "title": item.title,
            "description": item.description,
            "kind": item.kind,
            "team": item.team_id,
            "owner": item.owner_id,
            "priority": item.priority,
            "due_date": item.due_date,
            "status": item.status,
            "wont_do_reason": item.wont_do_reason,
            "tracker_url": item.tracker_url,
            "contributing_factor": item.contributing_factor_id,
        }

    def clean_tracker_url(self) -> str:
        url = self.cleaned_data["tracker_url"]
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise forms.ValidationError(
                "Enter the tracker's web address, starting with https:// or http://."
            )
        return url

    def clean(self):
        cleaned = super().clean()
        wont_do = cleaned.get("status") == ActionItem.Status.WONT_DO
        if wont_do and not (cleaned.get("wont_do_reason") or "").strip():
            self.add_error("wont_do_reason", WONT_DO_NEEDS_A_REASON)
        return cleaned

    def changes(self) -> dict:
        """What this person changed from what they loaded, the status included only when they
        changed it (the reason goes with it: see reason())."""
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name != "wont_do_reason"
        }

    def reason(self) -> str:
        if self.cleaned_data.get("status") != ActionItem.Status.WONT_DO:
            return ""
        return self.cleaned_data["wont_do_reason"].strip()


class StatusForm(forms.Form):
    """The item page's quick status change."""

    status = forms.ChoiceField(choices=ActionItem.Status.choices)
    reason = forms.CharField(
        label="Why it will not be done",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "needed for “Won't do”"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == ActionItem.Status.WONT_DO and not cleaned.get("reason"):
            self.add_error("reason", WONT_DO_NEEDS_A_REASON)
        return cleaned


# Every filter applies on "change" (see board.html).
FILTER_CHOICE = {"class": "filter-choice"}

STATUS_FILTER_CHOICES = [
    ("", "Any status"),
    ("open", "Open or in progress"),
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("closed", "Done or won't do"),
    ("done", "Done"),
    ("wont_do", "Won't do"),
]

SORT_CHOICES = [
    ("due", "Due date, soonest first"),
    ("-due", "Due date, latest first"),
    ("priority", "Priority, highest first"),
    ("-priority", "Priority, lowest first"),
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("-updated", "Recently updated first"),
    ("updated", "Least recently updated first"),
]


class BoardFilterForm(forms.Form):
    """The board's filters. An absent status means "open or in progress": the board is for
    what is still to do (BoardFilterForm.defaults)."""

    mine = forms.BooleanField(
        label="Only mine", required=False, widget=forms.CheckboxInput(attrs=FILTER_CHOICE)
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="Any team",
        to_field_name="slug",
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    status = forms.ChoiceField(
        choices=STATUS_FILTER_CHOICES, required=False, widget=forms.Select(attrs=FILTER_CHOICE)
    )
    due = forms.ChoiceField(
        label="Due",
        choices=[("", "Any time"), ("overdue", "Overdue"), ("this_week", "Due this week")],
        required=False,
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *ActionItem.Kind.choices],
        required=False,
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *ActionItem.Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=FILTER_CHOICE),
    )
    sort = forms.ChoiceField(
        label="Order",
        choices=SORT_CHOICES,
        required=False,
        widget=forms.Select(attrs=FILTER_CHOICE),
    )

    defaults = {"status": "open", "sort": DEFAULT_SORT}

    def __init__(self, query, *, team: Team | None = None, **kwargs):
        data = query.copy()
        for name, value in self.defaults.items():
            data.setdefault(name, value)
        data.pop("page", None)
        super().__init__(data, **kwargs)
        if team is not None:
            del self.fields["team"]

    def filters(self) -> dict:
        """The valid filters; the form shows what was wrong with the rest."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class BulkStatusForm(forms.Form):
    """Several of the board's follow-ups moved to one status at once."""

    items = forms.ModelMultipleChoiceField(
        queryset=ActionItem.objects.select_related("team", "incident"),
        error_messages={
            "required": "Choose the follow-ups to change: tick them in the list.",
            "invalid_choice": "One of the chosen follow-ups no longer exists; reload the page.",
            "invalid_pk_value": "One of the chosen follow-ups no longer exists; reload the page.",
        },
    )
    new_status = forms.ChoiceField(
        label="Change status to", choices=ActionItem.Status.choices, initial=ActionItem.Status.DONE
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "needed for “Won't do”"}),
    )

    def __init__(self, *args, viewer=None, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        if viewer is not None:
            # A follow-up the person may not see is "no longer exists", never named.
            field = self.fields["items"]
            field.queryset = field.queryset.filter(action_item_visibility(viewer))

    def clean(self):
        cleaned = super().clean()
        wont_do = cleaned.get("new_status") == ActionItem.Status.WONT_DO
        if wont_do and not cleaned.get("reason"):
            self.add_error("reason", WONT_DO_NEEDS_A_REASON)
        return cleaned
