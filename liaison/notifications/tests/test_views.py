"""The notification pages: my list with the unread count, mark read, preferences, administrators' deliveries."""

import pytest

from liaison.notifications.models import Notification
from liaison.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_my_notifications_list_unread_first_and_the_header_counts_them(concern, responder, client_for):
    older = notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/c/1/")
    notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/c/1/")
    Notification.objects.filter(pk=older[0].pk).update(read_at=concern.submitted_at)
    client = client_for(responder)
    page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Notifications (1<span" in html
    assert html.index("There is a new message about a concern") < html.index(
        "A concern has been sent to your organisation"
    )
    assert concern.reference in html
    assert concern.what_happened not in html and concern.patient_reference not in html
