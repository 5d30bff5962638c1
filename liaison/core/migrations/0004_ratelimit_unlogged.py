"""The rate-limit counters live in an UNLOGGED table on PostgreSQL.

A counter is written on every submission in its own short transaction. In an ordinary table that
commit waits for its WAL to reach disk. An unlogged table writes no WAL, so the commit does not
wait. The price is that the counters are emptied after a crash and are not copied to a standby.
For a window of a minute that costs at most one extra minute's allowance, once.
Nothing else is kept there. On SQLite this does nothing.
"""

from django.db import migrations


def _set(persistence: str):
    def change(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE liaison_ratelimit SET {persistence}")

    return change


class Migration(migrations.Migration):
    dependencies = [("core", "0003_reference_generation")]

    operations = [migrations.RunPython(_set("UNLOGGED"), _set("LOGGED"))]
