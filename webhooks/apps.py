from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Inbound webhooks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Endpoint
        from .selectors import forget_endpoint

        # Every way an endpoint changes, services, the admin and a team's deletion alike, must
        # reach the copy a queued delivery's request may take from the cache.
        def forget(sender, instance, **kwargs):
            forget_endpoint(instance)

        post_save.connect(forget, sender=Endpoint, dispatch_uid="webhooks-forget-endpoint")
        post_delete.connect(forget, sender=Endpoint, dispatch_uid="webhooks-forget-endpoint")
