"""Audit events and workflow history refuse UPDATE and DELETE in the database itself (PostgreSQL).

The ORM already refuses (core.models.AppendOnlyModel); these triggers also stop raw SQL, a database console and any
code path that bypasses the model. TRUNCATE is a statement-level operation that row triggers do not see, so the
test suite's flush and an operator's deliberate purge still work. SQLite has no equivalent worth the name.
"""

from django.db import migrations

TABLES = ("core_auditevent", "core_transitionlog")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION smartunion_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)  # no parameters: its % are PL/pgSQL's own
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION smartunion_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS smartunion_refuse_change()")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_add_holiday_schedule_keep_audit_actor"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
