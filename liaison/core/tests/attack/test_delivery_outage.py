"""A database outage just after the mail server accepted an email must not make it go out twice.

The outbox marks a row sent straight after the mail server accepts it. If the database is
unreachable at that moment (a restart, a fail-over), giving up would leave the row "sending" and
the claim lease would send it again. The sender keeps trying the update until the database is
back (bench/faults.py restarts a real PostgreSQL under load and counts the emails received).
"""

import pytest
from django.db import OperationalError
from django.db.models import QuerySet

from liaison.notifications.models import DeliveryStatus, Notification
from liaison.notifications.services import notifications_deliver, notify
from liaison.notifications.tests.conftest import concern, smtp, smtp_running  # noqa: F401 (fixtures)


@pytest.mark.django_db(transaction=True)
def test_an_email_accepted_while_the_database_is_away_is_recorded_once_it_returns(
    concern,  # noqa: F811
    smtp_running,  # noqa: F811
    monkeypatch,
):
    notify(kind="concern_routed", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/")
    real_update = QuerySet.update
    outage = {"left": 3}

    def update(queryset, **changes):
        # The database refuses the first three attempts to record "sent", as during a restart.
        if changes.get("status") == DeliveryStatus.SENT and outage["left"]:
            outage["left"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(queryset, **changes)

    monkeypatch.setattr(QuerySet, "update", update)
    report = notifications_deliver()
    assert outage["left"] == 0
    assert report.sent == 1
    row = Notification.objects.email().get()
    assert row.status == DeliveryStatus.SENT and row.attempts == 1
    # Nothing is left to send again: a second run sends nothing, and the server saw it once.
    assert notifications_deliver().sent == 0
    assert len(smtp_running.mailbox.messages) == 1


@pytest.mark.django_db
def test_a_claim_made_late_in_a_long_run_is_not_taken_as_stale_by_another_sender(concern):  # noqa: F811
    """A run that began more than a lease ago (a long backlog) claims its next batch now; another
    sender running at the same time must not release that claim and send the email a second time."""
    from django.utils import timezone

    from liaison.notifications.services import _claim, _claim_lease, _release_stale_claims

    notify(kind="concern_routed", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/")
    run_began = timezone.now() - _claim_lease() - timezone.timedelta(seconds=30)
    Notification.objects.email().update(created_at=run_began, next_attempt_at=run_began)
    claimed = _claim(run_began, None, 50)
    assert len(claimed) == 1
    assert _release_stale_claims(timezone.now()) == 0
    assert Notification.objects.email().get().status == DeliveryStatus.SENDING
