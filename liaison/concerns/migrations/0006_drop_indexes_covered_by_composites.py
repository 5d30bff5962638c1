"""The concern's provider, reporting organisation and ICB lose their single-column indexes.

Each is the first column of a composite index that answers the same lookups, foreign-key checks
included: (about_organisation, status), (reporter_organisation, status), and concern_icb_submitted
and concern_icb_part_counts for about_icb. Only the indexes go: Django's AlterField would also drop
and re-add each foreign-key constraint, re-checking every concern, so the database side is the
plain DROP INDEX (and CREATE INDEX to go back).
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    ("concerns_concern_about_icb_id_2a5e476e", "about_icb_id"),
    ("concerns_concern_about_organisation_id_96ed92a2", "about_organisation_id"),
    ("concerns_concern_reporter_organisation_id_eb3c3e45", "reporter_organisation_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0005_queue_columns"),
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "concerns_concern" ("{column}")',
                )
                for name, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="concern",
                    name="about_icb",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="directory.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="concern",
                    name="about_organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="concerns_about",
                        to="directory.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="concern",
                    name="reporter_organisation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="concerns_reported",
                        to="directory.organisation",
                    ),
                ),
            ],
        ),
    ]
