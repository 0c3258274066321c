"""Form widgets for long lists: a large organisation has hundreds of teams, a thousand
services and a thousand people, and Django renders each option through a template."""

import html
from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe


class OptionsWritten:
    """A select that writes its options itself. Django renders each option through a template,
    a tenth of a millisecond apiece: too slow for hundreds of teams on every list page, or a
    thousand people on every incident page. Same markup, same escaping, same selection rule
    (the first option whose value is chosen, or each of them for a multiple select)."""

    def options(self, name: str, value) -> str:
        chosen = set(self.format_value(value))
        any_selected = False

        def option(option_value, label) -> str:
            nonlocal any_selected
            text = "" if option_value is None else str(option_value)
            selected = text in chosen and (self.allow_multiple_selected or not any_selected)
            any_selected |= selected
            mark = " selected" if selected else ""
            return f'<option value="{_escaped(text)}"{mark}>{_escaped(label)}</option>'

        parts = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                grouped = "".join(option(*choice) for choice in label)
                parts.append(f'<optgroup label="{_escaped(option_value)}">{grouped}</optgroup>')
            else:
                parts.append(option(option_value, label))
        # Every value and label above went through _escaped.
        return mark_safe("".join(parts))

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), self.options(name, value)
        )


def _escaped(text) -> str:
    """What Django's escape makes of `text`, without its lazy-string wrapper; safe strings
    (already escaped) are kept as they are."""
    if isinstance(text, SafeData):
        return str(text)
    return html.escape(str(text))


class OptionsSelect(OptionsWritten, forms.Select):
    """One choice among many."""


class OptionsSelectMultiple(OptionsWritten, forms.SelectMultiple):
    """Any number of choices among many."""


def offer_rows(field: forms.ModelChoiceField, label: str) -> None:
    """Offer `field`'s queryset as (value, `label` column) rows, read without building a model
    instance per option, once, when the select is first shown (a valid post never reads
    them); the field still validates against the queryset."""

    @cache
    def rows() -> list:
        multiple = isinstance(field, forms.ModelMultipleChoiceField)
        empty = [] if multiple or field.empty_label is None else [("", field.empty_label)]
        key = field.to_field_name or "pk"
        return [*empty, *field.queryset.values_list(key, label)]

    field.widget.choices = rows
