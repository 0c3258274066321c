"""`manage.py export_all [PATH]`: the whole organisation as one JSON document (debrief.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from debrief.backup import BackupError, export_organisation, export_to_file


class Command(BaseCommand):
    help = (
        "Write every team, person, incident, postmortem, follow-up and integration to one JSON "
        "document, for backups and moves (docs/backups.md). It holds password hashes and "
        "integration secrets: keep it as safe as the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default="-",
            help="The file to write, readable by its owner only; standard output when omitted.",
        )

    def handle(self, *args, path, **options):
        try:
            counts = export_organisation(self.stdout) if path == "-" else export_to_file(Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from None
        # Standard output may be the document itself.
        self.stderr.write(
            f"Exported {counts.total()} objects: {summary(counts)}.", style_func=self.style.SUCCESS
        )


def summary(counts) -> str:
    people = counts["auth.User"]
    teams = counts["incidents.Team"]
    incidents = counts["incidents.Incident"]
    postmortems = counts["postmortems.Postmortem"]
    return (
        f"{people} accounts, {teams} teams, {incidents} incidents, {postmortems} postmortems "
        "and everything that belongs to them"
    )
