"""What every fuzzed request must leave behind: no server error, nothing written when it was
refused, and only valid rows when it was not.

Every example starts from the same rows (each runs in a transaction rolled back afterwards),
so the rows before are read once per test; the rows after only when the request wrote."""

import logging
import re
from contextlib import contextmanager

from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.sessions.models import Session
from django.db import connection
from django.forms import BaseForm, BaseFormSet
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase

# Deterministic, quick, and nothing saved between runs; the fixtures are the same each example.
# No shrinking: each example posts a whole form, and the failing one is reported as sent.
HYPOTHESIS = dict(
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Sessions change with every sign-in; nothing a form posts is kept there.
UNWATCHED = {Session}


def snapshot() -> dict[str, dict[object, tuple]]:
    """Every row of every table, by primary key."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        if model in UNWATCHED or model._meta.proxy:
            continue
        pk = model._meta.pk.attname
        names = [f.attname for f in model._meta.concrete_fields]
        index = names.index(pk)
        rows[model._meta.label] = {
            row[index]: row for row in model._base_manager.order_by().values_list(*names)
        }
    return rows


def changed_rows(before, after) -> list[tuple[str, object]]:
    """(model label, primary key) of each row added or changed; removed rows are left out."""
    changed = []
    for label, rows in after.items():
        old = before.get(label, {})
        changed += [(label, pk) for pk, row in rows.items() if old.get(pk) != row]
    return changed


def describe(before, after) -> str:
    lines = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        for pk in sorted(set(old) | set(new), key=str):
            if old.get(pk) != new.get(pk):
                lines.append(f"{label} {pk}: {old.get(pk)!r:.200} -> {new.get(pk)!r:.200}")
    return "\n".join(lines[:20])


def form_errors(response) -> list:
    """The errors of the bound forms the response rendered."""
    found = []
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, (BaseForm, BaseFormSet)) and value.is_bound and value.errors:
                errors = value.errors
                if isinstance(value, BaseFormSet):
                    errors = [e for e in errors if e] + list(value.non_form_errors())
                if errors:
                    found.append(errors)
    return found


def warned(response) -> list[str]:
    """Warnings and errors the view queued for the next page (its refusals, on a redirect)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [str(m) for m in queued if m.level >= message_levels.WARNING]


def refused(response) -> bool:
    return response.status_code >= 400 or bool(form_errors(response)) or bool(warned(response))


WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def wrote(queries: CaptureQueriesContext) -> bool:
    """Whether the queries wrote to any table but the sessions'."""
    for query in queries.captured_queries:
        match = WRITE.match(query["sql"])
        if match and match[2] != Session._meta.db_table:
            return True
    return False


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        # Django's own record of hostile input it refused with a 400 (a body over
        # DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a forged host) is how it is meant to
        # answer such a post; check_response still holds the answer under 500 with no write.
        if not record.name.startswith("django.security."):
            self.records.append(record)


@contextmanager
def watched():
    """Runs a request, yielding (queries, error log records) to look at afterwards."""
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with CaptureQueriesContext(connection) as queries:
            yield queries, handler.records
    finally:
        root.removeHandler(handler)


def check_response(response, before, after, what) -> None:
    assert response.status_code < 500, what
    if refused(response):
        assert before == after, (
            f"refused ({response.status_code}) yet wrote:\n{describe(before, after)}\n{what}"
        )
        return
    for label, pk in changed_rows(before, after):
        model = apps.get_model(label)
        row = model._base_manager.get(pk=pk)
        try:
            row.full_clean()
        except Exception as error:
            raise AssertionError(f"{label} {pk} saved invalid: {error}\n{what}") from error
