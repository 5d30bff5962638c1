"""The daily digest: held emails gathered into one email per person per day, whatever runs twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from liaison.notifications.models import DeliveryStatus, EmailFrequency, Notification, NotificationKind
from liaison.notifications.services import (
    digests_send,
    notification_preference_set,
    notifications_deliver,
    notify,
)
from liaison.notifications.tests.conftest import MARKERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def digest_reader(responder):
    notification_preference_set(user=responder.user, email_frequency=EmailFrequency.DAILY_DIGEST)
    return responder.user


def _digests():
    return Notification.objects.filter(kind=NotificationKind.DAILY_DIGEST)


def test_held_items_go_out_in_one_digest_a_day(concern, digest_reader, smtp_running):
    for kind in ("concern_routed", "reply_posted", "concern_overdue"):
        notify(
            kind=kind,
            recipients=[digest_reader],
            concern=concern,
            link_path=f"/concerns/{concern.public_id}/",
        )
    assert notifications_deliver().sent == 0  # held, not sent one by one

    assert digests_send() == 1
    assert digests_send() == 0  # the same day again: nothing more
    (digest,) = _digests()
    assert digest.digest_items.count() == 3
    assert set(digest.digest_items.values_list("status", flat=True)) == {DeliveryStatus.DIGESTED}

    assert notifications_deliver().sent == 1
    (entry,) = smtp_running.mailbox.messages
    body = entry["message"].get_body(preferencelist=("plain",)).get_content()
    assert entry["message"]["Subject"] == "Liaison: Your daily summary of Liaison notifications"
    assert "notifications since the last summary: 3" in body
    assert body.count(concern.reference) == 3
    assert "There is a new message about a concern." in body
    for marker in MARKERS:
        assert marker not in entry["raw"].decode()


def test_items_after_todays_digest_wait_for_tomorrows(concern, digest_reader):
    notify(kind="concern_routed", recipients=[digest_reader], concern=concern, link_path="/c/")
    assert digests_send() == 1
    notify(kind="reply_posted", recipients=[digest_reader], concern=concern, link_path="/c/")
    assert digests_send() == 0
    tomorrow = timezone.now() + timedelta(days=1)
    assert digests_send(now=tomorrow) == 1
    assert _digests().count() == 2
    assert Notification.objects.filter(status=DeliveryStatus.HELD).count() == 0


def test_people_who_chose_immediate_emails_get_no_digest(concern, responder):
    notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/")
    assert digests_send() == 0


def test_the_command_makes_and_sends_digests_once_a_day(concern, digest_reader, smtp_running, capsys):
    notify(kind="concern_routed", recipients=[digest_reader], concern=concern, link_path="/c/")
    call_command("send_digests")
    call_command("send_digests")
    out = capsys.readouterr().out
    assert "Daily digests made: 1." in out and "Daily digests made: 0." in out
    assert len(smtp_running.mailbox.messages) == 1
