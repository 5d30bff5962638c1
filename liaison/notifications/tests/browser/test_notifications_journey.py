"""A responder finds their notifications from the header, reads them and chooses a daily digest;
an administrator sees a failed email and sends it again. Every page passes axe-core."""

import re

import pytest

from liaison.notifications.models import DeliveryStatus, EmailFrequency, Notification
from liaison.notifications.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _unread(count: int) -> re.Pattern:
    # The browser may read the visually hidden " unread" with a space either side.
    return re.compile(rf"^Notifications \({count}\s+unread\s*\)$")


def _open_from_menu(page, name) -> None:
    """Follow a header menu link, opening "More" first when the header has folded it away."""
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name=name)
    if not link.is_visible():
        menu.get_by_role("button", name=re.compile("More")).click()
    link.click()


def test_a_responder_reads_notifications_and_chooses_a_daily_digest(
    page, assert_accessible, sign_in, responder, concern
):
    notify(kind="concern_routed", recipients=[responder.user], concern=concern, link_path="/notifications/")
    notify(kind="reply_posted", recipients=[responder.user], concern=concern, link_path="/notifications/")
    sign_in(responder)

    assert_accessible(page)  # the home page, with the unread count in the header
    account = page.get_by_role("navigation", name="Account")
    account.get_by_role("link", name=_unread(2)).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your notifications"
    assert page.get_by_text("You have 2 unread notifications.").is_visible()
    assert_accessible(page)

    page.get_by_role(
        "button",
        name=re.compile(rf"Mark as read\s*: There is a new message about a concern, {concern.reference}"),
    ).click()
    assert page.get_by_text("You have 1 unread notification.").is_visible()
    assert account.get_by_role("link", name=_unread(1)).is_visible()

    page.get_by_role("link", name="Change how Liaison emails you").click()
    page.get_by_label("Email me once a day with a summary").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").get_by_text("Your email preference has been saved.").is_visible()
    assert page.get_by_text("Emails: email me once a day with a summary.").is_visible()
    assert responder.user.notification_preference.email_frequency == EmailFrequency.DAILY_DIGEST

    page.get_by_role("link", name="Change how Liaison emails you").click()
    assert page.get_by_label("Email me once a day with a summary").is_checked()
    assert_accessible(page)


def test_an_administrator_sends_a_failed_email_again(
    page, assert_accessible, sign_in, administrator, concern
):
    notify(
        kind="concern_routed", recipients=["ward.manager@example.nhs.net"], concern=concern, link_path="/c/"
    )
    Notification.objects.email().update(
        status=DeliveryStatus.FAILED, attempts=8, last_error="The mail server did not answer in time"
    )
    sign_in(administrator)
    _open_from_menu(page, "Email deliveries")
    assert page.get_by_role("cell", name="The mail server did not answer in time").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile(r"^Send again now")).click()
    assert page.get_by_role("status").get_by_text("will be sent again now").is_visible()
    assert Notification.objects.email().get().status == DeliveryStatus.PENDING
    assert_accessible(page)
