"""Rows that data migrations create. Transactional tests (the browser tests among them) empty
every table when they finish, so tests after them that need these rows put them back."""

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from audit.context import not_recording
from postmortems.models import CoachTerm, PostmortemTemplate

DATA_MIGRATIONS = [
    (CoachTerm, "postmortems.migrations.0002_coach_lexicon", "create_builtin_terms"),
    (
        PostmortemTemplate,
        "postmortems.migrations.0003_builtin_templates",
        "create_builtin_templates",
    ),
]


def ensure_builtin_rows() -> None:
    # Migrations write with historical models, which send no signals the audit trail hears:
    # run here with the real models, they must not leave entries a migration would not.
    with not_recording():
        for model, module, function in DATA_MIGRATIONS:
            if not model.objects.filter(is_builtin=True).exists():
                # The functions only ask the schema editor which database to write to.
                getattr(import_module(module), function)(
                    apps, SimpleNamespace(connection=connection)
                )
