"""`manage.py import_all PATH`: load an export_all document into an empty database."""

import sys

from django.core.management.base import BaseCommand, CommandError

from debrief.backup import BackupError, import_organisation

from .export_all import summary


class Command(BaseCommand):
    help = (
        "Load a document written by export_all into a freshly migrated, empty database of the "
        "same Debrief version, keeping every primary key. Refuses a database that holds data: "
        "there is no merging (docs/backups.md)."
    )

    # call_command passes a stream to read instead of standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("path", help="The export to load; - reads standard input.")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                counts = import_organisation(options.get("stdin", sys.stdin))
            else:
                with open(path, encoding="utf-8") as stream:
                    counts = import_organisation(stream)
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {counts.total()} objects: {summary(counts)}.")
        )
