from django import template
from django.urls import reverse

from debrief.permissions import can_delete

register = template.Library()

# The "Move to bin" URL and the name of each binnable model.
DELETE_URLS = {
    "incident": ("incidents:delete", "incident"),
    "postmortem": ("postmortems:delete", "postmortem"),
    "actionitem": ("followups:delete", "follow-up"),
}


@register.inclusion_tag("bin/_move_to_bin.html", takes_context=True)
def move_to_bin(context, obj):
    """The "Move to bin" button of an incident, postmortem or follow-up page, for those who
    may delete it (debrief.permissions.can_delete); nothing for the others."""
    if not can_delete(context["request"].user, obj):
        return {"url": None}
    url_name, what = DELETE_URLS[obj._meta.model_name]
    return {
        "url": reverse(url_name, args=[obj.pk]),
        "what": what,
        "csrf_token": context.get("csrf_token"),
    }
