from django import forms

from .models import Kind
from .services import HELPED_MAX_LENGTH
from .statements import SCALE


class AnswerForm(forms.Form):
    """One radio group per statement of the invitation's kind; the pulse adds an optional
    "what would have helped"."""

    def __init__(self, *args, kind: Kind, **kwargs):
        super().__init__(*args, **kwargs)
        for statement in kind.statements:
            self.fields[statement.key] = forms.TypedChoiceField(
                label=statement.text,
                choices=SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how far you agree."},
            )
        if kind == Kind.PULSE:
            self.fields["what_would_have_helped"] = forms.CharField(
                label="What would have helped? (optional)",
                required=False,
                max_length=HELPED_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text="Your team reads this after the quarter has ended, if enough people "
                "answered, with nothing about who wrote it. Leave out details that would point "
                "to you.",
            )
        self.kind = kind

    def answers(self) -> dict[str, int]:
        return {
            statement.key: self.cleaned_data[statement.key] for statement in self.kind.statements
        }
