"""Below the app, the database itself refuses to change audit entries.

PostgreSQL refuses UPDATE and DELETE of a row. SQLite refuses UPDATE; it cannot refuse DELETE
as well, because Django empties SQLite tables with DELETE (`manage.py flush`, and the test
runner between tests), where PostgreSQL uses TRUNCATE, which row triggers do not see.

One update stays allowed on both: setting `actor_id` to NULL and nothing else, which is what
deleting an account does (on_delete=SET_NULL); the label keeps naming the person. On SQLite, a later migration that alters this table rebuilds it, which drops
the trigger: such a migration must create it again."""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.actor_id IS NULL
        AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id'
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Audit entries are append-only: % is refused.', TG_OP;
END;
$$;
CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_change();
"""

SQLITE_CREATE = """
CREATE TRIGGER audit_entry_append_only
BEFORE UPDATE ON audit_auditentry
WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.occurred_at IS OLD.occurred_at
    AND NEW.actor_label IS OLD.actor_label
    AND NEW.action IS OLD.action
    AND NEW.object_type IS OLD.object_type
    AND NEW.object_id IS OLD.object_id
    AND NEW.object_label IS OLD.object_label
    AND NEW.incident_number IS OLD.incident_number
    AND NEW.changes IS OLD.changes
    AND NEW.team_id IS OLD.team_id
    AND NEW.actor_id IS NULL
)
BEGIN
    SELECT RAISE(ABORT, 'Audit entries are append-only: UPDATE is refused.');
END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_entry_append_only;"


def _run(statements: dict[str, str]):
    def run(apps, schema_editor):
        if sql := statements.get(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        )
    ]
