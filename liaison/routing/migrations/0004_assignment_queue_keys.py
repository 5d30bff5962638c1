"""Each assignment carries its concern's place in the queues (liaison.routing.queue_keys).

The four columns are filled here for the assignments already stored; from then on database triggers,
(re)made after every migrate, keep them. The SQL is written out (not imported) so that this migration
keeps doing what it did when the code changes.
"""

from django.conf import settings
from django.db import migrations, models


OPEN = "'new', 'acknowledged', 'investigating', 'action_agreed', 'responded'"
BACKFILL = f"""
UPDATE routing_assignment SET
    queue_open = COALESCE(
        (SELECT c.status IN ({OPEN}) FROM concerns_concern c WHERE c.id = routing_assignment.concern_id), TRUE
    ),
    queue_submitted_at = (SELECT c.submitted_at FROM concerns_concern c WHERE c.id = routing_assignment.concern_id),
    queue_overdue = COALESCE(
        (SELECT k.queue_overdue FROM routing_concernclock k WHERE k.concern_id = routing_assignment.concern_id), FALSE
    ),
    queue_due_on = (SELECT k.queue_due_on FROM routing_concernclock k WHERE k.concern_id = routing_assignment.concern_id)
"""  # noqa: S608 (constants only)


class Migration(migrations.Migration):

    dependencies = [
        ('concerns', '0006_drop_indexes_covered_by_composites'),
        ('directory', '0001_initial'),
        ('routing', '0003_drop_concern_index_covered_by_ended_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='assignment',
            name='queue_due_on',
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='assignment',
            name='queue_open',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.AddField(
            model_name='assignment',
            name='queue_overdue',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='assignment',
            name='queue_submitted_at',
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunSQL(sql=BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='assignment',
            index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['organisation', '-queue_overdue', 'queue_due_on', 'queue_submitted_at', 'concern'], include=('queue_open',), name='assignment_queue_by_org'),
        ),
    ]
