"""Forms for teams' own postmortem templates: the template's details and its sections, edited
together as one form with an inline formset."""

from django import forms
from django.contrib.auth.models import User
from django.utils.text import slugify

from debrief.permissions import can_keep_templates
from incidents.models import Team

from .models import PostmortemTemplate, TemplateSection
from .template_services import SINGLE_KINDS, SectionData


def teams_for(user: User):
    """The teams `user` may give a template to: their own, or every team for staff."""
    if user.is_staff or user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def may_keep_templates(user: User) -> bool:
    return can_keep_templates(user)


class OwningTeamField(forms.ModelChoiceField):
    """Only the user's teams; staff may also choose none, for an organisation-wide template."""

    def __init__(self, *, user: User, **kwargs):
        staff = user.is_staff or user.is_superuser
        super().__init__(
            queryset=teams_for(user),
            required=not staff,
            empty_label="None: organisation-wide" if staff else None,
            label="Owning team",
            **kwargs,
        )


class TemplateForm(forms.ModelForm):
    class Meta:
        model = PostmortemTemplate
        fields = ["name", "description", "team"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {"unique": "A template with this name already exists; choose another."}
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = OwningTeamField(
            user=user, help_text="Its members can change the template; everyone can use it."
        )


class CloneForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none())

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("auto_id", "clone_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"] = OwningTeamField(
            user=user, help_text="The copy belongs to this team, which can then change it."
        )
        self.fields["team"].label = "Team that keeps the copy"


class SectionForm(forms.ModelForm):
    # The model's position, under the name people use for it.
    position = forms.IntegerField(
        label="Order",
        required=False,
        min_value=0,
        help_text="Lower numbers come first; leave empty to keep it where it is in this list.",
    )

    class Meta:
        model = TemplateSection
        fields = ["title", "key", "kind", "prompt", "help_text", "required", "position"]
        widgets = {
            "prompt": forms.Textarea(attrs={"rows": 4}),
            "help_text": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"help_text": "Help for writers", "required": "Required before publishing"}
        help_texts = {
            "key": "Letters, numbers and hyphens; part of the section's address. "
            "Leave empty to make it from the title.",
            "prompt": "Markdown. Questions that steer toward how the system made this "
            "possible, never toward who is to blame.",
        }

    def __init__(self, *args, in_use: frozenset[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        if self.instance.pk is None:
            self.initial["position"] = None  # not the model's default, 0, which sorts first
        self.is_in_use = self.instance.pk is not None and self.instance.pk in in_use
        if self.is_in_use:
            # Postmortems refer to this section: its address and behaviour stay as they are.
            for name in ("key", "kind"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed: postmortems already use this section."

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("key") and cleaned.get("title"):
            key = slugify(cleaned["title"])[: TemplateSection._meta.get_field("key").max_length]
            if key.strip("-"):
                cleaned["key"] = key.strip("-")
            else:
                self.add_error("key", "Give this section a key: its title makes none.")
        return cleaned

    # The formset checks keys against each other, and the service against the database in
    # the right order (so that two sections may swap keys); row by row they would misfire.
    def validate_unique(self):
        """Keys are checked across the whole formset in BaseSectionFormSet.clean."""

    def validate_constraints(self):
        """The service checks the database constraints, in an order that allows key swaps."""


class BaseSectionFormSet(forms.BaseInlineFormSet):
    default_error_messages = {"too_many_forms": "A template has at most %(num)d sections."}

    def __init__(self, *args, in_use: frozenset[int] = frozenset(), **kwargs):
        self.in_use = frozenset(in_use)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "in_use": self.in_use}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Delete this section"

    def _deleted(self, form: SectionForm) -> bool:
        return bool(getattr(form, "cleaned_data", {}).get("DELETE"))

    def kept_forms(self) -> list[SectionForm]:
        """The rows that are sections after saving, in their order: lowest number first, and
        rows without a number where they stand in the list."""
        rows = [
            form
            for form in self.forms
            if not self._deleted(form) and (form.instance.pk or form.has_changed())
        ]
        order, last = {}, 0
        for index, form in enumerate(rows):
            position = form.cleaned_data.get("position")
            last = position if position is not None else last
            order[form] = (last, index)
        return sorted(rows, key=order.__getitem__)

    def clean(self):
        # Not BaseModelFormSet.clean: it checks keys against the database row by row, which
        # misfires when sections swap keys; the rules below cover the template as a whole.
        if any(form.errors for form in self.forms if not self._deleted(form)):
            return
        problems = []
        for form in self.forms:
            if self._deleted(form) and form.is_in_use:
                form.add_error(None, "Postmortems use this section, so it cannot be deleted.")
                problems.append(
                    f"The section “{form.instance.title}” is used by existing postmortems, so "
                    "it cannot be deleted. Keep it; you can still change its title and prompt."
                )
        kept = self.kept_forms()
        if not kept:
            problems.append("A template needs at least one section.")
        keys = [form.cleaned_data["key"] for form in kept]
        for form in kept:
            key = form.cleaned_data["key"]
            if keys.count(key) > 1 and not form.fields["key"].disabled:
                form.add_error("key", f"Two sections have the key “{key}”; each needs its own.")
        for kind in SINGLE_KINDS:
            titles = [f.cleaned_data["title"] for f in kept if f.cleaned_data["kind"] == kind]
            if len(titles) > 1:
                problems.append(
                    f"A template can have only one “{kind.label}” section; these are: "
                    f"{', '.join(titles)}."
                )
        if problems:
            raise forms.ValidationError(problems)

    def sections(self) -> list[SectionData]:
        """The sections as the author wants them, for template_create or template_update."""
        return [
            SectionData(
                pk=form.instance.pk,
                title=form.cleaned_data["title"],
                key=form.cleaned_data["key"],
                kind=form.cleaned_data["kind"],
                prompt=form.cleaned_data["prompt"],
                help_text=form.cleaned_data["help_text"],
                required=form.cleaned_data["required"],
            )
            for form in self.kept_forms()
        ]


# A template holds a handful of sections (the built-in ones ten). Django's own bound, 1,000
# (2,000 forms read), had every one of a post claiming thousands validated and rendered back:
# seconds per request. Generous, so that no template made elsewhere (the admin, a clone, a
# restored backup) is stuck on its edit page.
MOST_SECTIONS = 200

SectionFormSet = forms.inlineformset_factory(
    PostmortemTemplate,
    TemplateSection,
    form=SectionForm,
    formset=BaseSectionFormSet,
    extra=3,
    can_delete=True,
    can_delete_extra=False,
    max_num=MOST_SECTIONS,
    absolute_max=MOST_SECTIONS,
    validate_max=True,
)
