"""``notify``: outbox rows in the caller's transaction, one per recipient per channel, sent after commit."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from liaison.accounts.models import Membership
from liaison.notifications.models import (
    Channel,
    DeliveryStatus,
    EmailFrequency,
    Notification,
    NotificationPreference,
)
from liaison.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_a_user_gets_an_in_app_row_and_an_email_row_a_contact_an_email_row(
    concern, responder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = notify(
            kind="concern_routed",
            recipients=[responder.user, "Service.Lead@example.nhs.net"],
            concern=concern,
            link_path=f"/concerns/{concern.public_id}/",
        )
    assert {(row.recipient_user_id, row.recipient_email, row.channel) for row in rows} == {
        (responder.user.pk, "", Channel.IN_APP),
        (responder.user.pk, responder.user.email, Channel.EMAIL),
        (None, "Service.Lead@example.nhs.net", Channel.EMAIL),
    }
    assert len(rows) == 3
    emails = [row for row in rows if row.channel == Channel.EMAIL]
    assert {row.status for row in emails} == {DeliveryStatus.PENDING}
    assert all(row.organisation == concern.about_organisation for row in rows)
    assert len({row.delivery_key for row in rows}) == 3
    # The database queue takes the delivery task in the same transaction, once, for both emails.
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "liaison.notifications.tasks.deliver_notifications"
    assert sorted(task.args_kwargs["kwargs"]["notification_ids"]) == sorted(row.pk for row in emails)
    assert callbacks == []


def test_nothing_is_written_or_sent_when_the_callers_transaction_rolls_back(
    concern, responder, django_capture_on_commit_callbacks
):
    class Refused(Exception):
        pass

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Refused), transaction.atomic():
        notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/concerns/1/")
        raise Refused
    assert Notification.objects.count() == 0
    assert not DBTaskResult.objects.exists()  # the delivery task rolled back with the rows
    assert callbacks == []


def test_another_task_backend_is_asked_only_after_commit(
    concern, responder, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks() as callbacks:
        notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/concerns/1/")
    assert len(callbacks) == 1  # enqueued once, after commit
    assert not DBTaskResult.objects.exists()


def test_preferences_decide_the_email_row(concern, make_member, trust):
    digest = make_member("responder", trust)
    in_app = make_member("responder", trust)
    NotificationPreference.objects.create(user=digest.user, email_frequency=EmailFrequency.DAILY_DIGEST)
    NotificationPreference.objects.create(user=in_app.user, email_frequency=EmailFrequency.IN_APP_ONLY)
    rows = notify(
        kind="concern_overdue", recipients=[digest.user, in_app.user], concern=concern, link_path="/x/"
    )
    by_user = {(row.recipient_user_id, row.channel): row.status for row in rows}
    assert by_user == {
        (digest.user.pk, Channel.IN_APP): DeliveryStatus.SENT,
        (digest.user.pk, Channel.EMAIL): DeliveryStatus.HELD,
        (in_app.user.pk, Channel.IN_APP): DeliveryStatus.SENT,
    }


def test_preferences_read_with_the_users_decide_without_being_read_again(concern, make_member, trust):
    """Routing reads responders with their preferences; the outbox uses those and reads none again."""
    digest = make_member("responder", trust)
    in_app = make_member("responder", trust)
    plain = make_member("responder", trust)
    NotificationPreference.objects.create(user=digest.user, email_frequency=EmailFrequency.DAILY_DIGEST)
    NotificationPreference.objects.create(user=in_app.user, email_frequency=EmailFrequency.IN_APP_ONLY)
    users = [
        membership.user
        for membership in Membership.objects.filter(pk__in=[digest.pk, in_app.pk, plain.pk]).select_related(
            "user", "user__notification_preference"
        )
    ]
    with CaptureQueriesContext(connection) as captured:
        rows = notify(kind="concern_overdue", recipients=users, concern=concern, link_path="/x/")
    assert not [q for q in captured.captured_queries if "notificationpreference" in q["sql"]]
    by_user = {(row.recipient_user_id, row.channel): row.status for row in rows}
    assert by_user == {
        (digest.user.pk, Channel.IN_APP): DeliveryStatus.SENT,
        (digest.user.pk, Channel.EMAIL): DeliveryStatus.HELD,
        (in_app.user.pk, Channel.IN_APP): DeliveryStatus.SENT,
        (plain.user.pk, Channel.IN_APP): DeliveryStatus.SENT,
        (plain.user.pk, Channel.EMAIL): DeliveryStatus.PENDING,
    }


def test_duplicates_inactive_users_and_a_users_own_address_are_sent_once(
    concern, responder, make_member, trust
):
    gone = make_member("responder", trust)
    gone.user.is_active = False
    gone.user.save()
    rows = notify(
        kind="reply_posted",
        recipients=[
            responder.user,
            responder.user,
            responder.user.email.upper(),
            gone.user,
            "a@example.nhs.net",
            "A@example.nhs.net",
        ],
        concern=concern,
        link_path="/concerns/1/",
    )
    assert len(rows) == 3
    assert {(row.recipient_user_id or row.recipient_email.lower(), row.channel) for row in rows} == {
        (responder.user.pk, "email"),
        (responder.user.pk, "in_app"),
        ("a@example.nhs.net", "email"),
    }


def test_the_same_key_notifies_once(concern, responder):
    first = notify(
        kind="concern_overdue", recipients=[responder.user], concern=concern, link_path="/c/", key="overdue-1"
    )
    again = notify(
        kind="concern_overdue", recipients=[responder.user], concern=concern, link_path="/c/", key="overdue-1"
    )
    assert sorted(row.pk for row in first) == sorted(row.pk for row in again)
    assert Notification.objects.count() == 2


def test_an_invalid_address_is_kept_as_failed_for_administrators_to_see(concern):
    (row,) = notify(kind="concern_routed", recipients=["not an address"], concern=concern, link_path="/c/")
    assert row.status == DeliveryStatus.FAILED
    assert "not a valid email address" in row.last_error


@pytest.mark.parametrize(
    "link_path",
    [
        "concerns/1/",
        "https://elsewhere.example/",
        "//elsewhere.example/",
        "/concerns/1/?note=Mrs Smith",
        "/c/%20x",
    ],
)
def test_a_link_that_could_carry_text_or_leave_liaison_is_refused(concern, responder, link_path):
    with pytest.raises(ValueError, match="link_path"):
        notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path=link_path)


def test_an_unknown_kind_is_refused(concern, responder):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(kind="concern_deleted", recipients=[responder.user], concern=concern, link_path="/c/")
    with pytest.raises(ValueError):
        notify(kind="daily_digest", recipients=[responder.user], concern=concern, link_path="/c/")


def test_notify_costs_a_fixed_number_of_queries_however_many_recipients(concern, make_member, trust):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        users = [make_member("responder", trust).user for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            notify(
                kind="concern_routed",
                recipients=[*users, "a@example.nhs.net"],
                concern=concern,
                link_path="/c/",
            )
        return len(captured)

    assert queries(2) == queries(12)


def test_without_reading_rows_back_the_delivery_task_names_them_by_delivery_key(concern, responder):
    """returning=False (routing's calls): no id comes back from the database, and the delivery task
    is queued with the delivery keys of the rows due now: not the in-app row, nor a failed address."""
    with CaptureQueriesContext(connection) as queries:
        rows = notify(
            kind="concern_assigned",
            recipients=[responder.user, "Service.Lead@example.nhs.net", "not an address"],
            concern=concern,
            link_path=f"/concerns/{concern.public_id}/",
            returning=False,
        )
    assert all(row.pk is None for row in rows)
    inserts = [
        query["sql"]
        for query in queries
        if query["sql"].startswith('INSERT INTO "notifications_notification"')
    ]
    assert len(inserts) == 1 and "RETURNING" not in inserts[0].upper()
    stored = Notification.objects.filter(delivery_key__in=[row.delivery_key for row in rows])
    assert stored.count() == 4
    due = set(
        stored.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING).values_list(
            "delivery_key", flat=True
        )
    )
    assert len(due) == 2  # the user's email and the contact's; the bad address failed at once
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "liaison.notifications.tasks.deliver_notifications"
    assert set(task.args_kwargs["kwargs"]["delivery_keys"]) == due
    assert task.args_kwargs["kwargs"]["notification_ids"] is None
