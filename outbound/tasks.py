"""Sending deliveries in the background. The task takes a delivery's primary key; the service
makes one attempt and records it, and the task owns the waiting between attempts."""

from celery import shared_task
from django.utils import timezone

from . import selectors, services
from .models import Delivery


# max_retries is None: the service counts attempts against OUTBOUND_MAX_RETRIES itself, so a
# delivery retried by hand or by a second worker still stops where the setting says.
@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id: int) -> str:
    """Send one delivery; while it is still pending after an attempt, try again after
    services.retry_delay (exponential backoff). Returns the delivery's state."""
    try:
        delivery = services.delivery_send(delivery_id=delivery_id)
        # Without a broker the task runs eagerly, where self.retry would raise into the
        # caller and no worker comes back later: the retries follow at once, without waiting.
        while self.request.is_eager and delivery and delivery.state == Delivery.State.PENDING:
            delivery = services.delivery_send(delivery_id=delivery_id)
    except services.AttemptTaken:
        return "taken"
    if delivery is None:
        return "gone"
    if delivery.state == Delivery.State.PENDING:
        attempts = delivery.attempts.count()
        raise self.retry(countdown=services.retry_delay(attempts))
    return delivery.state


@shared_task
def resend_stuck_deliveries() -> int:
    """Every quarter of an hour (beat): queue again the pending deliveries whose task was lost
    (selectors.stuck_deliveries). Returns how many were queued."""
    stuck = selectors.stuck_deliveries(now=timezone.now())
    for delivery_id in stuck:
        deliver.delay(delivery_id)
    return len(stuck)
