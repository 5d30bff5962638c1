"""The notification pages: my list with the unread count, mark read, preferences, administrators' deliveries."""

import pytest

from liaison.audit.models import AuditEvent
from liaison.notifications.models import DeliveryStatus, EmailFrequency, Notification
from liaison.notifications.services import notifications_deliver, notify

pytestmark = pytest.mark.django_db


def test_my_notifications_list_unread_first_and_the_header_counts_them(concern, responder, client_for):
    older = notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/")
    notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/c/1/")
    Notification.objects.filter(pk=older[0].pk).update(read_at=concern.submitted_at)
    client = client_for(responder)
    page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    # One flex item in the header's account link, so no gap opens where the hidden words sit.
    assert '<span>Notifications (1<span class="nhsuk-u-visually-hidden"> unread</span>)</span>' in html
    assert html.index("There is a new message about a concern") < html.index(
        "A concern has been sent to your organisation"
    )
    assert concern.reference in html
    assert concern.what_happened not in html and concern.patient_reference not in html


def test_mark_one_read_then_all_read(concern, responder, client_for):
    first = notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/")[0]
    notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/c/1/")
    client = client_for(responder)
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert "Notifications (1<span" in client.get("/notifications/").content.decode()
    client.post("/notifications/read-all/")
    html = client.get("/notifications/").content.decode()
    assert "You have no unread notifications." in html
    assert "Notifications (" not in html


def test_marking_read_needs_a_post(concern, responder, client_for):
    first = notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/")[0]
    assert client_for(responder).get(f"/notifications/{first.pk}/read/").status_code == 405


def test_the_email_preference_is_saved_and_audited(responder, client_for):
    client = client_for(responder)
    assert client.get("/notifications/preferences/").status_code == 200
    response = client.post("/notifications/preferences/", {"email_frequency": "daily_digest"})
    assert response.status_code == 302
    assert responder.user.notification_preference.email_frequency == EmailFrequency.DAILY_DIGEST
    event = AuditEvent.objects.get(object_type="notifications.NotificationPreference")
    assert event.changes == {"email_frequency": ["immediate", "daily_digest"]}


def test_an_invalid_preference_comes_back_422_saying_what_to_do(responder, client_for):
    response = client_for(responder).post("/notifications/preferences/", {"email_frequency": "hourly"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Error: How Liaison emails you" in html
    assert "Choose how often Liaison should email you" in html


@pytest.fixture
def failed_email(concern, smtp):
    notify(kind="concern_routed", recipients=["lead@example.nhs.net"], concern=concern, link_path="/c/")
    Notification.objects.email().update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="The mail server refused the connection"
    )
    return Notification.objects.email().get()


def test_administrators_see_failed_deliveries_with_counts_and_the_last_error(
    failed_email, administrator, client_for
):
    response = client_for(administrator).get("/notifications/deliveries/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The mail server refused the connection" in html
    assert "lead@example.nhs.net" in html
    assert "Email deliveries" in html


@pytest.mark.parametrize("role", ["reporter", "responder", "interface_lead", "icb_analyst"])
def test_only_administrators_may_see_or_retry_deliveries(failed_email, role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/notifications/deliveries/").status_code == 403
    assert client.post(f"/notifications/deliveries/{failed_email.pk}/retry/").status_code == 403
    failed_email.refresh_from_db()
    assert failed_email.status == DeliveryStatus.FAILED


def test_an_administrator_in_another_icb_sees_nothing(failed_email, other_icb, make_member, client_for):
    elsewhere = client_for(make_member("administrator", other_icb))
    assert "lead@example.nhs.net" not in elsewhere.get("/notifications/deliveries/").content.decode()
    assert elsewhere.post(f"/notifications/deliveries/{failed_email.pk}/retry/").status_code == 404


def test_retry_sends_a_failed_email_once_and_is_audited(failed_email, administrator, client_for, smtp):
    smtp.start()
    client = client_for(administrator)
    response = client.post(f"/notifications/deliveries/{failed_email.pk}/retry/")
    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts) == (DeliveryStatus.PENDING, 0)
    assert (
        AuditEvent.objects.filter(object_type="notifications.Notification", actor=administrator.user).count()
        == 1
    )
    notifications_deliver()
    assert len(smtp.mailbox.messages) == 1
    # A sent email cannot be "retried" into a second copy.
    client.post(f"/notifications/deliveries/{failed_email.pk}/retry/")
    notifications_deliver()
    assert len(smtp.mailbox.messages) == 1


def test_the_list_takes_the_same_number_of_queries_for_3_or_30_notifications(concern, responder, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(responder)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    queries()  # the first request records the session's activity, which later ones within a minute do not
    for _ in range(3):
        notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/c/1/")
    few = queries()
    for _ in range(27):
        notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/c/1/")
    assert queries() == few


def test_following_a_notification_marks_it_read_and_opens_its_page(concern, responder, reporter, client_for):
    (mine, _email) = notify(
        kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/7/"
    )
    (theirs, _theirs_email) = notify(
        kind="concern_acknowledged", recipients=[reporter.user], concern=concern, link_path="/c/7/"
    )
    client = client_for(responder)
    html = client.get("/notifications/").content.decode()
    assert f'href="/notifications/{mine.pk}/open/"' in html
    response = client.get(f"/notifications/{mine.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/c/7/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
