"""A notification's recipient loses its single-column index.

notification_inbox (recipient_user, channel, read_at) starts with the same column and answers the
same lookups, including the check when a user is deleted. Only the index goes: Django's AlterField
would also drop and re-add the foreign-key constraint, re-checking every notification, so the
database side is the plain DROP INDEX (and CREATE INDEX to go back).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "notifications_notification_recipient_user_id_0323d78e"


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_notification_kind_theme_rising"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "notifications_notification" ("recipient_user_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="recipient_user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                )
            ],
        ),
    ]
