"""Templates ask debrief.permissions too, never decide from a role themselves."""

from django import template

from debrief import permissions

register = template.Library()


@register.filter
def may_manage_roles(user) -> bool:
    return permissions.can_manage_roles(user)


@register.filter
def may_browse_incidents(user) -> bool:
    return permissions.can_browse_incidents(user)
