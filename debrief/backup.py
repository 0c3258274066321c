"""The whole organisation as one JSON document, for backups and moves (`manage.py export_all`,
`manage.py import_all`; the format is described in docs/backups.md).

An export holds every row of Debrief's own apps and the accounts (password hashes included),
with the primary keys they have, so that links, URLs and references such as INC-42 survive a
move. It leaves out what Debrief computes again: the stored weekly figures and the search
documents, which PostgreSQL's triggers rebuild as the rows they are made of are loaded.

An import loads such a document into a freshly migrated, empty database of the same schema,
in one transaction."""

import datetime
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from importlib import import_module
from itertools import batched
from pathlib import Path
from typing import TextIO

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model, Q
from django.utils import timezone

from audit.context import not_recording
from learning import signals as learning_signals
from learning.models import IncidentSearchDocument, PostmortemSearchDocument, WeeklyFigures
from postmortems.models import CoachTerm, FactorCategory, PostmortemTemplate, TemplateSection

FORMAT = "debrief-export"
VERSION = 1

DEBRIEF_APPS = [
    "incidents",
    "postmortems",
    "followups",
    "learning",
    "integrations",
    "webhooks",
    "outbound",
    "culture",
    "accounts",
    "audit",
]
# Computed from the other rows: left out of the file, and rebuilt or recomputed after a load.
DERIVED = {WeeklyFigures, PostmortemSearchDocument, IncidentSearchDocument}
# Accounts name their groups and permissions by natural key: permissions are numbered by each
# database as migrations create them, so their primary keys mean nothing elsewhere.
NATURAL_KEY_REFERENCES = {User, Group}


def _builtin_factor_slugs() -> list[str]:
    migration = import_module("postmortems.migrations.0003_builtin_templates")
    return [category["slug"] for category in migration.FACTOR_CATEGORIES]


def _builtin_rows() -> dict[type[Model], Q]:
    """The rows data migrations put into every new database (postmortems 0002 and 0003). An
    import replaces them with the file's, which holds them as the organisation edited them."""
    return {
        TemplateSection: Q(template__is_builtin=True),
        PostmortemTemplate: Q(is_builtin=True),
        CoachTerm: Q(is_builtin=True),
        FactorCategory: Q(slug__in=_builtin_factor_slugs()),
    }


class BackupError(Exception):
    """An export or import that cannot be done; the message says why and what to do."""


class _Encoder(DjangoJSONEncoder):
    # DjangoJSONEncoder cuts times to milliseconds; a backup keeps the microseconds.
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def exported_models() -> list[type[Model]]:
    """Every model an export holds, in an order an import can load them in."""
    app_list = [(apps.get_app_config("auth"), [Group, User])]
    for label in DEBRIEF_APPS:
        config = apps.get_app_config(label)
        models = [
            model
            for model in config.get_models()
            if model not in DERIVED and not model._meta.proxy and model._meta.managed
        ]
        app_list.append((config, models))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def schema_state() -> dict[str, str]:
    """The latest migration of each app whose rows an export holds, as this code has them;
    refused while the database has not applied them all."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if missing := executor.migration_plan(graph.leaf_nodes()):
        names = ", ".join(f"{migration.app_label} {migration.name}" for migration, _ in missing)
        raise BackupError(
            f"The database lacks migrations ({names}): run `manage.py migrate` first."
        )
    state = {}
    for label in ["auth", *DEBRIEF_APPS]:
        leaves = graph.leaf_nodes(label)
        if len(leaves) != 1:
            raise BackupError(f"The app {label} has {len(leaves)} latest migrations, not one.")
        state[label] = leaves[0][1]
    return state


def _serialized(model: type[Model]) -> Iterator[dict]:
    """The model's rows in Django's serialization format, a thousand at a time."""
    # By primary key: culture's responses and answers then come in the order of their random
    # keys, which says nothing about when they were given or by whom.
    rows = model._base_manager.order_by("pk").prefetch_related(
        *(field.name for field in model._meta.many_to_many)
    )
    natural = model in NATURAL_KEY_REFERENCES
    for batch in batched(rows.iterator(chunk_size=1000), 1000):
        yield from serializers.serialize("python", batch, use_natural_foreign_keys=natural)


def export_organisation(stream: TextIO) -> Counter:
    """Write the organisation to `stream` as one JSON document, one object per line; returns
    the number of objects of each model label."""
    counts = Counter()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # Every table from one snapshot, so that writes made meanwhile cannot leave a row
            # in the file without the rows it refers to.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        header = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now(),
            "schema": schema_state(),
        }
        stream.write(json.dumps(header, cls=_Encoder).removesuffix("}") + ', "objects": [\n')
        previous = None
        for model in exported_models():
            for item in _serialized(model):
                if previous is not None:
                    stream.write(previous + ",\n")
                previous = json.dumps(item, cls=_Encoder)
                counts[model._meta.label] += 1
        if previous is not None:
            stream.write(previous + "\n")
        stream.write("]}\n")
    return counts


def export_to_file(path: Path) -> Counter:
    """Export to `path`, readable by its owner only. The document is written beside it and
    renamed over it once complete, so a failed export leaves an earlier backup intact."""
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            counts = export_organisation(stream)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return counts


def _read(stream: TextIO) -> dict:
    try:
        document = json.load(stream)
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"This is not a Debrief export: it is not JSON ({error}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f'This is not a Debrief export: it lacks "format": "{FORMAT}".')
    if document.get("version") != VERSION:
        raise BackupError(
            f"The file is in export format version {document.get('version')!r}, which this "
            f"Debrief does not know; it reads version {VERSION}."
        )
    if not isinstance(document.get("schema"), dict) or not isinstance(
        document.get("objects"), list
    ):
        raise BackupError('The file lacks its "schema" or its "objects".')
    return document


def _check_schema(theirs: dict) -> None:
    """Refuse a file whose schema differs from the database's: rows of another schema would
    load into the wrong columns or miss what a migration changed in them."""
    ours = schema_state()
    if theirs == ours:
        return
    known = MigrationExecutor(connection).loader.graph.nodes
    newer = [f"{app} {name}" for app, name in theirs.items() if (app, name) not in known]
    if newer:
        raise BackupError(
            f"The file comes from a newer Debrief: this one does not know its migrations "
            f"({', '.join(newer)}). Upgrade this installation and migrate, then import."
        )
    older = [f"{app} {name}" for app, name in ours.items() if theirs.get(app) != name]
    raise BackupError(
        f"The file comes from an older Debrief, without migrations this database has "
        f"({', '.join(older)}). Import it into the version that exported it, then upgrade "
        f"that installation: its migrations bring the data along."
    )


def _occupied(models: list[type[Model]]) -> list[str]:
    """The labels of the models holding rows beyond those that migrations create."""
    builtin = _builtin_rows()
    occupied = []
    for model in models:
        rows = model._base_manager.all()
        if model in builtin:
            rows = rows.exclude(builtin[model])
        if rows.exists():
            occupied.append(model._meta.label)
    return occupied


def import_organisation(stream: TextIO) -> Counter:
    """Load an export into this database, which must be migrated to the file's schema and hold
    nothing but the rows migrations create; those are replaced by the file's. All or nothing,
    in one transaction. Returns the number of objects of each model label."""
    document = _read(stream)
    # First, so that a newer Debrief's file is named as such rather than by its new models.
    _check_schema(document["schema"])
    models = exported_models()
    labels = {model._meta.label_lower for model in models}
    found = {
        str(item.get("model")) if isinstance(item, dict) else "?" for item in document["objects"]
    }
    if strangers := sorted(found - labels):
        raise BackupError(
            f"The file holds rows of {', '.join(strangers)}, which no Debrief export has."
        )
    counts = Counter()
    # The file brings its own audit trail: replacing the built-in rows and loading the file's
    # must not add entries of their own (nor take the primary keys of the file's); the stored
    # and cached learning figures are forgotten once at the end, not row by row.
    with transaction.atomic(), not_recording(), learning_signals.rebuilt_after():
        if occupied := _occupied(models):
            raise BackupError(
                f"This database already holds data ({', '.join(occupied)}): an import only "
                "loads into an empty one. Create a new database, run `manage.py migrate`, "
                "and import into that."
            )
        for model in [*_builtin_rows(), WeeklyFigures]:
            model._base_manager.all().delete()
        try:
            for loaded in serializers.deserialize("python", document["objects"]):
                # Into an empty database: a plain INSERT, without trying an UPDATE first.
                loaded.save(force_insert=True)
                counts[loaded.object._meta.label] += 1
            tables = [model._meta.db_table for model in models] + [
                field.remote_field.through._meta.db_table
                for model in models
                for field in model._meta.many_to_many
            ]
            connection.check_constraints(table_names=tables)
        except (DeserializationError, DatabaseError, KeyError, TypeError, ValueError) as error:
            # A malformed object (one without "fields", say) is a bad file, not a crash.
            raise BackupError(f"The file's objects could not be loaded: {error!r}") from None
        with connection.cursor() as cursor:
            # New rows continue after the largest imported key instead of colliding with it.
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
    return counts
