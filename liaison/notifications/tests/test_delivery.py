"""Delivery through a real SMTP server (aiosmtpd on loopback): down then up, retries, exactly once."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from liaison.notifications.models import DeliveryStatus, Notification
from liaison.notifications.services import (
    CLAIM_LEASE,
    DeliveryReport,
    _claim,
    _error_summary,
    _send_batch,
    notifications_deliver,
    notify,
)


def _emails():
    return Notification.objects.email().order_by("id")


@pytest.mark.django_db
def test_each_email_is_delivered_once_with_a_message_id_from_its_delivery_key(
    concern, responder, smtp_running
):
    notify(
        kind="concern_routed",
        recipients=[responder.user, "lead@example.nhs.net"],
        concern=concern,
        link_path=f"/concerns/{concern.public_id}/",
    )
    report = notifications_deliver()
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    assert sorted(to for entry in smtp_running.mailbox.messages for to in entry["to"]) == sorted(
        [responder.user.email, "lead@example.nhs.net"]
    )
    for row in _emails():
        assert row.status == DeliveryStatus.SENT
        assert row.delivered_at is not None
        assert row.attempts == 1
        assert f"<liaison.{row.delivery_key}@liaison.example.nhs.uk>" in smtp_running.mailbox.message_ids()

    again = notifications_deliver()
    assert again.sent == 0
    assert len(smtp_running.mailbox.messages) == 2


@pytest.mark.django_db
def test_server_down_keeps_emails_pending_with_back_off_then_each_is_delivered_once(concern, responder, smtp):
    notify(
        kind="concern_routed",
        recipients=[responder.user, "lead@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    start = timezone.now()

    down = notifications_deliver(now=start)
    assert (down.sent, down.retrying) == (0, 2)
    for row in _emails():
        assert row.status == DeliveryStatus.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at == start + timedelta(seconds=60)
        assert "refused the connection" in row.last_error

    # Not due yet: nothing is tried again before the back-off has passed.
    assert notifications_deliver(now=start + timedelta(seconds=30)).retrying == 0
    assert {row.attempts for row in _emails()} == {1}

    second = notifications_deliver(now=start + timedelta(seconds=61))
    assert second.retrying == 2
    assert {row.next_attempt_at for row in _emails()} == {start + timedelta(seconds=61 + 120)}

    smtp.start()
    up = notifications_deliver(now=start + timedelta(seconds=200))
    assert up.sent == 2
    assert {row.status for row in _emails()} == {DeliveryStatus.SENT}
    assert {row.last_error for row in _emails()} == {""}
    assert notifications_deliver(now=start + timedelta(hours=1)).sent == 0
    assert len(smtp.mailbox.messages) == 2


@pytest.mark.django_db
def test_after_the_last_attempt_an_email_fails_and_waits_for_an_administrator(
    concern, responder, smtp, settings
):
    settings.LIAISON_NOTIFY_MAX_ATTEMPTS = 3
    notify(kind="concern_overdue", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/")
    moment = timezone.now()
    for _ in range(5):
        notifications_deliver(now=moment)
        moment += timedelta(days=1)
    (row,) = _emails()
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 3


@pytest.mark.django_db
def test_a_recipient_the_server_refuses_outright_fails_at_once(concern, smtp):
    class RefuseOne:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("nobody@"):
                return "550 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            return "250 Message accepted for delivery"

    smtp.mailbox = RefuseOne()
    smtp.start()
    notify(
        kind="concern_routed",
        recipients=["nobody@example.nhs.net", "lead@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    report = notifications_deliver()
    assert (report.sent, report.failed) == (1, 1)
    failed = _emails().get(status=DeliveryStatus.FAILED)
    assert failed.recipient_email == "nobody@example.nhs.net"
    assert failed.last_error == "The mail server refused the recipient address (code 550)"


@pytest.mark.django_db
def test_a_send_interrupted_by_a_dead_worker_is_released_after_the_lease_and_sent(concern, smtp_running):
    notify(
        kind="concern_routed",
        recipients=["a@example.nhs.net", "b@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    now = timezone.now()
    dead, alive = _emails()
    # One worker died long ago holding a claim; another is sending right now.
    Notification.objects.filter(pk=dead.pk).update(
        status=DeliveryStatus.SENDING,
        claim_token="dead",
        claimed_at=now - CLAIM_LEASE - timedelta(seconds=1),
        attempts=1,
    )
    Notification.objects.filter(pk=alive.pk).update(
        status=DeliveryStatus.SENDING, claim_token="alive", claimed_at=now, attempts=1
    )
    report = notifications_deliver(now=now)
    assert (report.released, report.sent) == (1, 1)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == DeliveryStatus.SENT and dead.attempts == 2
    assert alive.status == DeliveryStatus.SENDING  # not overtaken while its lease runs
    assert smtp_running.mailbox.message_ids() == [f"<liaison.{dead.delivery_key}@liaison.example.nhs.uk>"]


def test_error_summaries_never_repeat_what_the_server_said():
    secret = "password=hunter2 patient PRF88231"
    cases = [
        smtplib.SMTPAuthenticationError(535, secret.encode()),
        smtplib.SMTPResponseException(451, secret.encode()),
        smtplib.SMTPServerDisconnected(secret),
        ConnectionRefusedError(111, secret),
        TimeoutError(secret),
        OSError(secret),
        RuntimeError(secret),
    ]
    for error in cases:
        summary, permanent = _error_summary(error)
        assert "hunter2" not in summary and "PRF88231" not in summary, summary
        assert summary and not permanent


@pytest.mark.django_db
def test_rows_claimed_by_one_worker_are_never_taken_by_another(concern, smtp_running):
    addresses = [f"person{n}@example.nhs.net" for n in range(8)]
    notify(kind="concern_routed", recipients=addresses, concern=concern, link_path="/c/")
    now = timezone.now()
    first_worker = _claim(now, None, 3)
    # A second worker runs from start to end while the first still holds its three rows.
    second = notifications_deliver(now=now)
    assert second.sent == 5
    assert not set(second.sent_ids) & {row.pk for row in first_worker}
    report = DeliveryReport()
    _send_batch(first_worker, now, report)
    assert report.sent == 3
    ids = smtp_running.mailbox.message_ids()
    assert len(ids) == 8 and len(set(ids)) == 8


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database answers 'table is locked' to a second writer "
    "instead of waiting; the claim itself is proved on SQLite by the test above",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_still_send_each_email_once(concern, smtp_running):
    smtp_running.mailbox.delay = 0.02  # slow enough that the two workers overlap
    addresses = [f"person{n}@example.nhs.net" for n in range(12)]
    notify(kind="concern_routed", recipients=addresses, concern=concern, link_path="/c/")
    start = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        from django.db import connection

        try:
            start.wait()
            reports.append(notifications_deliver())
        except Exception as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(report.sent for report in reports) == 12
    ids = smtp_running.mailbox.message_ids()
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sorted(to for entry in smtp_running.mailbox.messages for to in entry["to"]) == sorted(addresses)
    assert set(_emails().values_list("status", flat=True)) == {DeliveryStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_delivers_what_notify_enqueued_on_commit(concern, responder, smtp_running):
    from django.db import transaction

    with transaction.atomic():
        notify(
            kind="concern_acknowledged", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/"
        )
        assert smtp_running.mailbox.messages == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert len(smtp_running.mailbox.messages) == 1
    assert _emails().get().status == DeliveryStatus.SENT


@pytest.mark.django_db
def test_the_command_drains_due_emails(concern, smtp_running, capsys):
    notify(
        kind="concern_routed",
        recipients=["a@example.nhs.net", "b@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    call_command("deliver_notifications")
    assert "2 sent, 0 to retry, 0 failed" in capsys.readouterr().out
    assert len(smtp_running.mailbox.messages) == 2


@pytest.mark.django_db
def test_the_worker_schedules_one_retry_for_the_earliest_failure_and_the_command_leaves_it_to_cron(
    concern, smtp
):
    from django_tasks_db.models import DBTaskResult

    notify(kind="concern_routed", recipients=["a@example.nhs.net"], concern=concern, link_path="/c/")
    DBTaskResult.objects.all().delete()
    start = timezone.now()
    notifications_deliver(now=start)
    (retry,) = DBTaskResult.objects.all()
    assert retry.run_after == start + timedelta(seconds=60)
    assert retry.task_path == "liaison.notifications.tasks.deliver_notifications"

    call_command("deliver_notifications")
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_the_one_window_a_sender_dying_after_acceptance_repeats_with_the_same_message_id(
    concern, smtp_running, monkeypatch
):
    from liaison.notifications import services

    notify(
        kind="concern_routed",
        recipients=["a@example.nhs.net", "b@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    now = timezone.now()

    def dies(*args, **kwargs):
        raise SystemExit("the worker was killed")

    monkeypatch.setattr(services, "_mark_sent", dies)
    with pytest.raises(SystemExit):
        notifications_deliver(now=now)
    monkeypatch.undo()
    row, untried = _emails()
    assert row.status == DeliveryStatus.SENDING
    # The email after it was never tried: it goes back at once, with its attempt given back.
    assert (untried.status, untried.attempts) == (DeliveryStatus.PENDING, 0)
    assert notifications_deliver(now=now + timedelta(minutes=5)).sent_ids == [untried.pk]
    # The accepted-but-unrecorded one waits out its lease, then repeats with the same Message-ID.
    assert notifications_deliver(now=now + CLAIM_LEASE + timedelta(seconds=1)).sent_ids == [row.pk]
    first, _untried, repeat = smtp_running.mailbox.message_ids()
    assert first == repeat == f"<liaison.{row.delivery_key}@liaison.example.nhs.uk>"


@pytest.mark.django_db
def test_a_server_that_defers_one_message_retries_that_one_and_sends_the_rest(concern, smtp):
    class DeferOne:
        def __init__(self):
            self.accepted = []

        async def handle_DATA(self, server, session, envelope):
            if "busy@example.nhs.net" in envelope.rcpt_tos:
                return "451 Try again later"
            self.accepted.extend(envelope.rcpt_tos)
            return "250 Message accepted for delivery"

    smtp.mailbox = DeferOne()
    smtp.start()
    notify(
        kind="concern_routed",
        recipients=["a@example.nhs.net", "busy@example.nhs.net", "b@example.nhs.net"],
        concern=concern,
        link_path="/c/",
    )
    report = notifications_deliver()
    assert (report.sent, report.retrying) == (2, 1)
    assert sorted(smtp.mailbox.accepted) == ["a@example.nhs.net", "b@example.nhs.net"]
    busy = _emails().get(recipient_email="busy@example.nhs.net")
    assert (busy.status, busy.last_error) == (
        DeliveryStatus.PENDING,
        "The mail server answered with code 451",
    )


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_delivers_rows_named_by_delivery_key_and_only_those(concern, responder, smtp_running):
    """Routing's notifications are queued by delivery key: the worker sends exactly those, once."""
    from django.db import transaction

    other = notify(
        kind="concern_routed", recipients=["other@example.nhs.net"], concern=concern, link_path="/c/"
    )
    Notification.objects.filter(pk__in=[row.pk for row in other]).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    with transaction.atomic():
        notify(
            kind="concern_assigned",
            recipients=["lead@example.nhs.net", "deputy@example.nhs.net"],
            concern=concern,
            link_path="/c/",
            returning=False,
        )
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert sorted(to for entry in smtp_running.mailbox.messages for to in entry["to"]) == [
        "deputy@example.nhs.net",
        "lead@example.nhs.net",
    ]
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert len(smtp_running.mailbox.messages) == 2  # never twice
    assert _emails().get(recipient_email="other@example.nhs.net").status == DeliveryStatus.PENDING
