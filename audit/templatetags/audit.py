from django import template

from debrief.permissions import can_view_audit as _can_view_audit

from .. import presentation

register = template.Library()

register.filter("change_rows", presentation.change_rows)
register.filter("what_happened", presentation.what_happened)
register.filter("type_name", presentation.type_name)


@register.filter
def can_view_audit(user) -> bool:
    return _can_view_audit(user)
