"""My notifications over the JSON API."""

import pytest

from liaison.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_i_see_my_notifications_count_them_and_mark_one_read(concern, responder, reporter, client_for):
    (mine, _email) = notify(
        kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/"
    )
    notify(kind="concern_acknowledged", recipients=[reporter.user], concern=concern, link_path="/c/1/")
    client = client_for(responder)

    listed = client.get("/api/v1/notifications").json()
    assert [item["id"] for item in listed] == [mine.pk]
    assert listed[0]["concern_reference"] == concern.reference
    assert listed[0]["title"] == "A concern has been sent to your organisation"
    assert listed[0]["url"].endswith("/c/1/")
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 1}

    assert client.post(f"/api/v1/notifications/{mine.pk}/read").status_code == 204
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
    assert client.get("/api/v1/notifications?unread_only=true").json() == []


def test_someone_elses_notification_cannot_be_marked_read(concern, responder, reporter, client_for):
    (theirs, *_rest) = notify(
        kind="concern_acknowledged", recipients=[reporter.user], concern=concern, link_path="/c/"
    )
    response = client_for(responder).post(f"/api/v1/notifications/{theirs.pk}/read")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    theirs.refresh_from_db()
    assert theirs.read_at is None
