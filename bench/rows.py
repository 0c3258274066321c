"""Fast inserts for the benchmark's organisation: COPY on PostgreSQL, executemany on SQLite.

Rows are dicts of field names; fields a row leaves out take the model field's default (or the
build's clock for auto_now fields), and every value goes through the field's own database
preparation, so the rows are what the ORM would have written, only millions at a time."""

from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import datetime
from itertools import islice

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models

BATCH = 5_000


class RowWriter:
    def __init__(self, now: datetime):
        self.now = now
        self.counts: dict[str, int] = {}

    def insert(self, model: type[models.Model], rows: Iterable[dict]) -> int:
        """Insert `rows` (primary keys given) into `model`'s table; returns the count."""
        fields = list(model._meta.concrete_fields)
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        prepared = (self._prepare(fields, row) for row in rows)
        count = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in prepared:
                        copy.write_row(values)
                        count += 1
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
                for batch in _batches(prepared, BATCH):
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + count
        return count

    def insert_m2m(self, field: models.ManyToManyField, pairs: Iterable[tuple[int, int]]) -> int:
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        return self.insert(
            through,
            ({"id": n, source: a, target: b} for n, (a, b) in enumerate(pairs, start=1)),
        )

    def finish(self, *models_written: type[models.Model]) -> None:
        """Move each table's id sequence past the ids the rows gave, so the app can insert."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(models_written))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            # Fresh statistics, so the planner sees the tables' real sizes; on PostgreSQL also
            # the visibility map, so index-only scans need not visit the freshly copied rows.
            # (VACUUM cannot run in a transaction, as when a test builds a small organisation.)
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        if vacuum:
            self._checkpoint()

    @staticmethod
    def _checkpoint() -> None:
        """Write out what the build dirtied now, not in the background while the pages are
        timed (the organisation page's median was half as long again with the checkpointer
        busy). Only a superuser (or pg_checkpoint) may; without the right, timing starts
        anyway."""
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")

    def _prepare(self, fields: list[models.Field], row: dict) -> tuple:
        values = []
        for field in fields:
            name = field.attname
            if name in row:
                value = row[name]
            elif field.name in row:
                value = row[field.name]
                value = value.pk if isinstance(value, models.Model) else value
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            else:
                # The field's default: "" for text without one, None for the rest.
                value = field.get_default()
            values.append(field.get_db_prep_save(value, connection))
        return tuple(values)


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    while batch := list(islice(rows, size)):
        yield batch
