"""Behaviour events (core.events): what members do, appended in bulk, deleted only by the retention purge.

On PostgreSQL a row trigger refuses UPDATE, as on the audit tables (core.0003 made the function); DELETE stays
allowed because the retention period is the one way these rows go.
"""

import django.db.models.deletion
from django.db import migrations, models


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER core_behaviourevent_append_only BEFORE UPDATE ON core_behaviourevent "
        "FOR EACH ROW EXECUTE FUNCTION smartunion_refuse_change()"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS core_behaviourevent_append_only ON core_behaviourevent")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_add_audit_second_org"),
        # Where Person is created: the reference is lazy and has no constraint, so later members migrations
        # do not matter here.
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="BehaviourEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=100, verbose_name="行为")),
                ("target_type", models.CharField(blank=True, max_length=100, verbose_name="对象类型")),
                ("target_id", models.CharField(blank=True, max_length=64, verbose_name="对象编号")),
                ("target_label", models.CharField(blank=True, max_length=100, verbose_name="对象")),
                ("org_path", models.CharField(blank=True, max_length=255, verbose_name="组织路径")),
                ("occurred_at", models.DateTimeField(verbose_name="时间")),
                ("person", models.ForeignKey(db_constraint=False, db_index=False,
                                             on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                             to="members.person", verbose_name="职工")),
            ],
            options={
                "verbose_name": "行为记录",
                "verbose_name_plural": "行为记录",
                "ordering": ["-occurred_at", "-id"],
                "indexes": [
                    models.Index(fields=["person", "occurred_at"], name="behaviour_person_time_idx"),
                    models.Index(fields=["kind", "occurred_at"], name="behaviour_kind_time_idx"),
                    models.Index(fields=["occurred_at"], name="behaviour_time_idx"),
                ],
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
