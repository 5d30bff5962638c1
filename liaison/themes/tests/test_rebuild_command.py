"""`liaison rebuild_themes`: runs here or hands the rebuild to the task worker; unknown ICBs are refused."""

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from liaison.themes.models import BuildStatus, ThemeBuild

pytestmark = pytest.mark.django_db


def test_it_rebuilds_an_icb_here_and_says_what_it_did(no_text_model, icb, make_concern, capsys):
    for _ in range(3):
        make_concern()
    call_command("rebuild_themes", "--icb", "qyg")
    out = capsys.readouterr().out
    assert out.startswith("QYG: 3 concerns, 0 groups, 0 new themes")
    build = ThemeBuild.objects.get(icb=icb)
    assert build.status == BuildStatus.DONE and build.result["concerns"] == 3 and build.finished_at


# The worker closes its connection between tasks, which PostgreSQL refuses inside the test's wrapping
# transaction: real transactions here.
@pytest.mark.django_db(transaction=True)
def test_with_enqueue_the_task_worker_does_it(
    no_text_model, icb, make_concern, capsys, django_capture_on_commit_callbacks
):
    make_concern()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rebuild_themes", "--icb", "QYG", "--enqueue")
    assert "queued for the task worker" in capsys.readouterr().out
    build = ThemeBuild.objects.get(icb=icb)
    assert build.status == BuildStatus.QUEUED
    (queued,) = DBTaskResult.objects.filter(task_path="liaison.themes.tasks.rebuild_themes")
    assert queued.args_kwargs["args"] == [build.pk]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    build.refresh_from_db()
    assert build.status == BuildStatus.DONE and build.result["concerns"] == 1


def test_an_unknown_icb_is_refused(icb):
    with pytest.raises(CommandError, match="No ICB with the ODS code ZZZ"):
        call_command("rebuild_themes", "--icb", "ZZZ")
