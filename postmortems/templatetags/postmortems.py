from django import template

from debrief.permissions import can_edit, can_view

from ..forms import StartForm
from ..models import Postmortem

register = template.Library()


@register.inclusion_tag("postmortems/_incident_panel.html", takes_context=True)
def postmortem_panel(context, incident):
    """The incident page's postmortem box: a link to it, or a way to start it."""
    user = context["request"].user
    postmortem = Postmortem.objects.filter(incident=incident).first()
    # One postmortem per incident: a binned one is restored, not started again.
    binned = postmortem is None and Postmortem.all_objects.filter(incident=incident).exists()
    return {
        "binned": binned,
        "incident": incident,
        "postmortem": postmortem if postmortem and can_view(user, postmortem) else None,
        "exists": postmortem is not None,
        "start_form": (
            StartForm(team=incident.team) if can_edit(user, incident) and not binned else None
        ),
        "csrf_token": context.get("csrf_token"),
    }
