from django import template

from debrief.permissions import can_manage_integrations

register = template.Library()


@register.filter
def manages_integrations_of(user, team) -> bool:
    """{% if user|manages_integrations_of:team %}: whether to offer the team's integrations."""
    return can_manage_integrations(user, team)
