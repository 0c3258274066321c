"""The bin: incidents, postmortems and follow-ups are never deleted from the pages, only
marked (`deleted_at`), so an admin can bring them back (debrief/bin.py)."""

from django.db import models


class LiveManager(models.Manager):
    """Rows not in the bin. The default manager of the binnable models, so every page, list,
    export, statistic and related manager (`incident.action_items`) leaves binned rows out
    without asking. `all_objects` reads the bin; the base manager stays plain, so a follow-up
    whose incident is binned still reaches it through `item.incident`."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class BinIncludedManager(models.Manager):
    """Every row, binned or not: for the bin page, restoring, and checks across both."""
