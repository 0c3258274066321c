"""Full-text search on PostgreSQL (learning/search.py) without reading every row: a stored,
trigger-maintained document per postmortem, and GIN indexes on the exact expressions that
search matches incidents, contributing factors and follow-ups with. Elsewhere search matches
words, so only the (empty) document table is created there."""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# Written out rather than built from learning/search.py, so this migration means the same
# forever; the query must produce these very expressions for the planner to use the indexes.
INCIDENT_DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'C')
    || setweight(to_tsvector('english'::regconfig, COALESCE(customer_impact, '')), 'C')
"""
FACTOR_DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')
"""
FOLLOWUP_DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'C')
"""

CREATE = [
    """
    ALTER TABLE learning_postmortemsearchdocument
    ADD CONSTRAINT postmortem_search_document_postmortem
    FOREIGN KEY (postmortem_id) REFERENCES postmortems_postmortem (id) ON DELETE CASCADE
    """,
    # Search matches postmortems with `document @@ websearch_to_tsquery(...)`.
    """
    CREATE INDEX postmortem_search_document ON learning_postmortemsearchdocument
    USING gin (document)
    """,
    # Search matches incidents with `<INCIDENT_DOCUMENT> @@ websearch_to_tsquery(...)`.
    f"""
    CREATE INDEX incident_search_document ON incidents_incident
    USING gin (({INCIDENT_DOCUMENT}))
    """,
    # Search matches contributing factors with `<FACTOR_DOCUMENT> @@ websearch_to_tsquery(...)`.
    f"""
    CREATE INDEX factor_search_document ON postmortems_contributingfactor
    USING gin (({FACTOR_DOCUMENT}))
    """,
    # Search matches follow-ups with `<FOLLOWUP_DOCUMENT> @@ websearch_to_tsquery(...)`.
    f"""
    CREATE INDEX followup_search_document ON followups_actionitem
    USING gin (({FOLLOWUP_DOCUMENT}))
    """,
    # A postmortem's document, as search built it in every query before it was stored: title
    # (A), factors in the order they were added (B), sections in reading order (C).
    """
    CREATE FUNCTION learning_postmortem_search_refresh(postmortem_ids bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        -- A writer that skipped the postmortem's row lock waits here for another one still
        -- rewriting the same documents, then reads the texts that one committed.
        PERFORM 1 FROM learning_postmortemsearchdocument
        WHERE postmortem_id = ANY (postmortem_ids)
        ORDER BY postmortem_id
        FOR UPDATE;
        INSERT INTO learning_postmortemsearchdocument (postmortem_id, document)
        SELECT
            postmortem.id,
            setweight(to_tsvector('english', COALESCE(postmortem.title, '')), 'A')
            || setweight(to_tsvector('english', COALESCE((
                SELECT string_agg(factor.description, ' ' ORDER BY factor.id)
                FROM postmortems_contributingfactor factor
                WHERE factor.postmortem_id = postmortem.id
            ), '')), 'B')
            || setweight(to_tsvector('english', COALESCE((
                SELECT string_agg(content.body, ' ' ORDER BY content.position, content.id)
                FROM postmortems_sectioncontent content
                WHERE content.postmortem_id = postmortem.id
            ), '')), 'C')
        FROM postmortems_postmortem postmortem
        WHERE postmortem.id = ANY (postmortem_ids)
        ON CONFLICT (postmortem_id) DO UPDATE SET document = excluded.document;
    END
    $$
    """,
    # One trigger function for the three tables. TG_ARGV names the column that points at the
    # postmortem and the column holding the searched text. Statement triggers with transition
    # tables rewrite each touched postmortem once per statement, however many rows it wrote.
    """
    CREATE FUNCTION learning_postmortem_search_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        changed bigint[];
    BEGIN
        IF TG_OP = 'INSERT' THEN
            EXECUTE format('SELECT array_agg(DISTINCT %I) FROM new_rows', TG_ARGV[0])
            INTO changed;
        ELSIF TG_OP = 'DELETE' THEN
            EXECUTE format('SELECT array_agg(DISTINCT %I) FROM old_rows', TG_ARGV[0])
            INTO changed;
        ELSE
            -- Saves that leave the text alone (versions, statuses, timestamps) change nothing.
            EXECUTE format(
                'SELECT array_agg(DISTINCT touched.postmortem_id) '
                'FROM old_rows JOIN new_rows ON old_rows.id = new_rows.id '
                'CROSS JOIN LATERAL (VALUES (old_rows.%1$I), (new_rows.%1$I)) '
                '    AS touched (postmortem_id) '
                'WHERE old_rows.%1$I <> new_rows.%1$I '
                '    OR old_rows.%2$I IS DISTINCT FROM new_rows.%2$I',
                TG_ARGV[0],
                TG_ARGV[1]
            ) INTO changed;
        END IF;
        IF changed IS NOT NULL THEN
            PERFORM learning_postmortem_search_refresh(changed);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER learning_search_{name}_{event.lower()}
        AFTER {event} ON {table}
        REFERENCING {transition}
        FOR EACH STATEMENT
        EXECUTE FUNCTION learning_postmortem_search_changed('{postmortem}', '{text}')
        """
        for name, table, postmortem, text in (
            ("postmortem", "postmortems_postmortem", "id", "title"),
            ("section", "postmortems_sectioncontent", "postmortem_id", "body"),
            ("factor", "postmortems_contributingfactor", "postmortem_id", "description"),
        )
        for event, transition in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
        # A deleted postmortem takes its document with it (ON DELETE CASCADE).
        if not (name == "postmortem" and event == "DELETE")
    ),
    # The postmortems written before this migration.
    """
    SELECT learning_postmortem_search_refresh(ARRAY(SELECT id FROM postmortems_postmortem))
    """,
]

DROP = [
    *(
        f"DROP TRIGGER learning_search_{name}_{event} ON {table}"
        for name, table in (
            ("postmortem", "postmortems_postmortem"),
            ("section", "postmortems_sectioncontent"),
            ("factor", "postmortems_contributingfactor"),
        )
        for event in ("insert", "update", "delete")
        if not (name == "postmortem" and event == "delete")
    ),
    "DROP FUNCTION learning_postmortem_search_changed()",
    "DROP FUNCTION learning_postmortem_search_refresh(bigint[])",
    "DROP INDEX followup_search_document",
    "DROP INDEX factor_search_document",
    "DROP INDEX incident_search_document",
    "DROP INDEX postmortem_search_document",
    """
    ALTER TABLE learning_postmortemsearchdocument
    DROP CONSTRAINT postmortem_search_document_postmortem
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
        ("followups", "0001_initial"),
        ("incidents", "0001_initial"),
        ("postmortems", "0004_section_snapshot_and_imported_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostmortemSearchDocument",
            fields=[
                (
                    "postmortem",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="postmortems.postmortem",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
