"""An assignment's concern loses its single-column index.

The (concern, ended_at) index starts with the same column and answers the same lookups, including
the cascade when a concern is deleted. Only the index goes: Django's AlterField would also drop and
re-add the foreign-key constraint, re-checking every assignment, so the database side is the plain
DROP INDEX (and CREATE INDEX to go back).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "routing_assignment_concern_id_5a5d92ef"


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0006_drop_indexes_covered_by_composites"),
        ("routing", "0002_queue_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "routing_assignment" ("concern_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="concern",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="concerns.concern",
                    ),
                )
            ],
        ),
    ]
