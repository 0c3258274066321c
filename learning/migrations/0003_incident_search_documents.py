"""Stored search documents for incidents too: a common term matches thousands of incidents and
search ranks every match, which parsing each incident's texts again made the slowest part of
a search. Their GIN index replaces the expression index of 0001_search_indexes."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

INCIDENT_DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'C')
    || setweight(to_tsvector('english'::regconfig, COALESCE(customer_impact, '')), 'C')
"""

CREATE = [
    "DROP INDEX incident_search_document",
    """
    ALTER TABLE learning_incidentsearchdocument
    ADD CONSTRAINT incident_search_document_incident
    FOREIGN KEY (incident_id) REFERENCES incidents_incident (id) ON DELETE CASCADE
    """,
    # Search matches incidents with `document @@ websearch_to_tsquery(...)`.
    """
    CREATE INDEX incident_search_document ON learning_incidentsearchdocument
    USING gin (document)
    """,
    f"""
    CREATE FUNCTION learning_incident_search_refresh(incident_ids bigint[]) RETURNS void
    LANGUAGE sql AS $$
        INSERT INTO learning_incidentsearchdocument (incident_id, document)
        SELECT id, {INCIDENT_DOCUMENT}
        FROM incidents_incident
        WHERE id = ANY (incident_ids)
        ON CONFLICT (incident_id) DO UPDATE SET document = excluded.document;
    $$
    """,
    """
    CREATE FUNCTION learning_incident_search_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            PERFORM learning_incident_search_refresh(ARRAY(SELECT id FROM new_rows));
        ELSE
            -- Most writes to an incident (status, times, versions) leave its texts alone.
            PERFORM learning_incident_search_refresh(ARRAY(
                SELECT new_rows.id
                FROM old_rows JOIN new_rows ON old_rows.id = new_rows.id
                WHERE (old_rows.title, old_rows.summary, old_rows.customer_impact)
                    IS DISTINCT FROM (new_rows.title, new_rows.summary, new_rows.customer_impact)
            ));
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER learning_search_incident_insert
    AFTER INSERT ON incidents_incident
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION learning_incident_search_changed()
    """,
    """
    CREATE TRIGGER learning_search_incident_update
    AFTER UPDATE ON incidents_incident
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION learning_incident_search_changed()
    """,
    # The incidents declared before this migration.
    "SELECT learning_incident_search_refresh(ARRAY(SELECT id FROM incidents_incident))",
]

DROP = [
    "DROP TRIGGER learning_search_incident_update ON incidents_incident",
    "DROP TRIGGER learning_search_incident_insert ON incidents_incident",
    "DROP FUNCTION learning_incident_search_changed()",
    "DROP FUNCTION learning_incident_search_refresh(bigint[])",
    "DROP INDEX incident_search_document",
    """
    ALTER TABLE learning_incidentsearchdocument
    DROP CONSTRAINT incident_search_document_incident
    """,
    f"""
    CREATE INDEX incident_search_document ON incidents_incident
    USING gin (({INCIDENT_DOCUMENT}))
    """,
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("learning", "0002_weekly_figures"),
    ]

    operations = [
        migrations.CreateModel(
            name="IncidentSearchDocument",
            fields=[
                (
                    "incident",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="incidents.incident",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
