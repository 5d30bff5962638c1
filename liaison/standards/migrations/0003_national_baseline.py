"""Seed the national baseline S01–S12 and their dated time limits from liaison.standards.baseline."""

from django.db import migrations


def seed_baseline(apps, schema_editor):
    from liaison.standards.baseline import apply_baseline

    apply_baseline(apps.get_model("standards", "Standard"), apps.get_model("standards", "StandardTimeLimit"))


class Migration(migrations.Migration):
    dependencies = [("standards", "0002_code_of_conduct_versions")]

    # Reversing leaves the rows: Codes of Conduct and concerns may refer to them, and seeding again
    # is idempotent.
    operations = [migrations.RunPython(seed_baseline, migrations.RunPython.noop)]
