"""A submitted concern is placed in the nearest theme by the task worker, after the submission commits."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from liaison.concerns.services import ConcernSubmission, submit_concern
from liaison.themes.models import Theme, ThemeMembership

pytestmark = pytest.mark.django_db(transaction=True)

DISCHARGE = [
    "No discharge summary received a week after the patient left the ward.",
    "Discharge summary not received after the patient went home from the surgical ward.",
    "Discharge summary sent by post rather than electronically, received ten days after discharge.",
]


def test_a_submitted_concern_joins_its_theme_through_the_task_worker(
    static_model, icb, trust, reporter, make_concern
):
    theme = Theme.objects.create(icb=icb, label="Discharge summaries")
    for text in DISCHARGE:
        ThemeMembership.objects.create(theme=theme, concern=make_concern(text))
    DBTaskResult.objects.all().delete()

    concern, created = submit_concern(
        membership=reporter,
        submission=ConcernSubmission(
            part="A",
            about_organisation=trust.ods_code,
            aspect_of_care="discharge",
            event_date=timezone.localdate() - timedelta(days=1),
            what_happened="Discharge summary still not received after the patient went home from the surgical ward.",
            reporter_may_be_named=False,
        ),
    )
    assert created
    queued = DBTaskResult.objects.filter(task_path="liaison.themes.tasks.assign_concern_to_theme")
    assert [row.args_kwargs["args"] for row in queued] == [[concern.pk]]
    assert not ThemeMembership.objects.filter(concern=concern).exists()  # not yet: the worker places it

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")

    membership = ThemeMembership.objects.get(concern=concern)
    assert membership.theme == theme and membership.source == "model"
