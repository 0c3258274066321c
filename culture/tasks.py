"""Background work of the culture pulse. Tasks take primary keys and call the services."""

from celery import shared_task

from debrief.tasks import TRANSIENT_ERRORS
from postmortems.models import Postmortem

from . import services


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def invite_pulse_responders(postmortem_id: int) -> int:
    """After publication: invite the incident's responders to the pulse. Safe to run again;
    nobody is invited twice. Returns the number of new invitations."""
    postmortem = Postmortem.objects.filter(pk=postmortem_id).first()
    if postmortem is None:
        return 0
    return services.pulse_invite(postmortem=postmortem)
