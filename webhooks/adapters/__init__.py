"""One adapter per kind of endpoint: `parse` reads a payload into an Event without writing
anything; `apply` does what the event means for the service it was routed to."""

from ..models import Kind
from . import alertmanager, generic, github, pagerduty

ADAPTERS = {
    Kind.ALERTMANAGER: alertmanager,
    Kind.PAGERDUTY: pagerduty,
    Kind.GITHUB: github,
    Kind.GENERIC: generic,
}
