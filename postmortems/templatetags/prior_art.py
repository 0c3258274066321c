from django import template

from followups.recurrence import prior_art as earlier_postmortems

register = template.Library()


@register.inclusion_tag("postmortems/_prior_art.html", takes_context=True)
def prior_art(context, postmortem):
    """Earlier postmortems of the same services with a kind of factor in common, and whether
    their follow-ups held (followups.recurrence.prior_art), among those the viewer may see."""
    viewer = context["request"].user
    return {
        "postmortem": postmortem,
        "prior": earlier_postmortems(postmortem=postmortem, viewer=viewer),
    }
