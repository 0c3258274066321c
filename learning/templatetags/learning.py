from datetime import timedelta

from django import template

from incidents.templatetags.debrief import duration

register = template.Library()


@register.filter
def figure_value(value, unit: str) -> str:
    """A metric's value as its unit reads: a duration, a percentage, or a rate."""
    if value is None:
        return "Not enough data"
    if isinstance(value, timedelta):
        return duration(value)
    if unit.startswith("share"):
        return f"{value:.0%}"
    return f"{value:.1f} {unit}"


@register.filter
def cell(value) -> str:
    """A table cell of a series: empty values show as a dash."""
    return "—" if value is None or value == "" else str(value)
