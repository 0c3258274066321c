from django import template

from followups.recurrence import prior_art as earlier_postmortems

register = template.Library()


@register.inclusion_tag("postmortems/_prior_art.html")
def prior_art(postmortem):
    """Earlier postmortems of the same services with a kind of factor in common, and whether
    their follow-ups held (followups.recurrence.prior_art)."""
    return {"postmortem": postmortem, "prior": earlier_postmortems(postmortem=postmortem)}
