from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        # Who changed what is recorded by model signals, whichever service or page made the
        # change; tasks record as Debrief itself (see audit/context.py).
        from . import signals

        signals.connect()
