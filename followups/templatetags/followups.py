from django import template
from django.core.exceptions import FieldDoesNotExist

from ..models import ActionItem
from ..views import editor_context

register = template.Library()


@register.inclusion_tag("followups/editor.html", takes_context=True)
def followups_for_postmortem(context, postmortem):
    """The postmortem editor's follow-ups: the list in order, and ways to add, edit and
    reorder them for whoever may."""
    return {
        **editor_context(context["request"], postmortem),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def change_label(field: str) -> str:
    """The name a history entry gives a changed field: "due date", "tracker link"."""
    try:
        return f"the {ActionItem._meta.get_field(field).verbose_name}"
    except FieldDoesNotExist:
        return field
