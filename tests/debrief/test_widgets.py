"""The selects that write their options themselves (hundreds of teams, a thousand people)
render what Django's own widgets render: the same options, escaping and selection."""

import pytest
from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from debrief.widgets import OptionsSelect, OptionsSelectMultiple, offer_rows
from incidents.models import Team

CHOICES = [
    ("", "---------"),
    (1, 'Ann "the <b>bold</b>" O\'Neil & co'),
    (2, gettext_lazy("Any status")),
    ("a&b", mark_safe("<em>already safe</em>")),
    ("Group <1>", [(3, "Three"), (4, "Four & more")]),
    (5, "Five"),
]


@pytest.mark.parametrize(
    ("ours", "django", "value"),
    [
        (OptionsSelect, forms.Select, 1),
        (OptionsSelect, forms.Select, None),
        (OptionsSelect, forms.Select, "a&b"),
        (OptionsSelect, forms.Select, 4),
        (OptionsSelectMultiple, forms.SelectMultiple, [1, 4, "a&b"]),
        (OptionsSelectMultiple, forms.SelectMultiple, []),
    ],
)
def test_the_options_are_those_django_renders(ours, django, value):
    attrs = {"id": "id_who", "required": True, "aria-describedby": "id_who_helptext"}
    fast = ours(choices=CHOICES).render("who", value, attrs=attrs)
    slow = django(choices=CHOICES).render("who", value, attrs=attrs)
    assert parse_html(fast) == parse_html(slow)
    assert "<b>" not in fast and "<em>already safe</em>" in fast


def test_a_single_select_selects_only_the_first_of_equal_values():
    choices = [(1, "One"), (1, "One again"), (2, "Two")]
    fast = OptionsSelect(choices=choices).render("n", 1)
    assert parse_html(fast) == parse_html(forms.Select(choices=choices).render("n", 1))
    assert fast.count("selected") == 1


@pytest.mark.parametrize("multiple", [False, True])
def test_rows_offered_render_as_the_model_choices_do_and_are_read_only_when_shown(
    multiple, payments, platform, django_assert_num_queries
):
    field_class = forms.ModelMultipleChoiceField if multiple else forms.ModelChoiceField
    widget = OptionsSelectMultiple if multiple else OptionsSelect
    value = ["platform"] if multiple else "platform"

    class Rows(forms.Form):
        team = field_class(Team.objects.order_by("name"), to_field_name="slug", widget=widget)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            offer_rows(self.fields["team"], "name")

    class Models(forms.Form):
        team = field_class(Team.objects.order_by("name"), to_field_name="slug")

    with django_assert_num_queries(0):
        form = Rows(initial={"team": value})
    with django_assert_num_queries(1):
        rendered = str(form["team"])
    assert parse_html(rendered) == parse_html(str(Models(initial={"team": value})["team"]))
    assert 'value="platform" selected' in rendered
    # A failed post shows what was chosen, as Django's select does.
    bound = str(Rows({"team": value})["team"])
    assert parse_html(bound) == parse_html(str(Models({"team": value})["team"]))
