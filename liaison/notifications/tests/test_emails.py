"""What an email says: fixed wording, the reference, the organisation and a link; never free text or PID."""

import pytest

from liaison.notifications.models import NotificationKind
from liaison.notifications.services import notifications_deliver, notify
from liaison.notifications.tests.conftest import MARKERS

pytestmark = pytest.mark.django_db

KINDS = [kind for kind in NotificationKind.values if kind != NotificationKind.DAILY_DIGEST]


def _text(entry) -> str:
    message = entry["message"]
    return str(message["Subject"]) + "\n" + message.get_body(preferencelist=("plain",)).get_content()


def test_no_email_of_any_kind_contains_free_text_or_the_patient_reference(
    concern, responder, reporter, smtp_running
):
    for kind in KINDS:
        notify(
            kind=kind,
            recipients=[responder.user, reporter.user, "contact@example.nhs.net"],
            concern=concern,
            link_path=f"/concerns/{concern.public_id}/",
        )
    report = notifications_deliver()
    assert report.sent == 3 * len(KINDS)
    assert len(smtp_running.mailbox.messages) == 3 * len(KINDS)
    for entry in smtp_running.mailbox.messages:
        raw = entry["raw"].decode("utf-8", errors="replace")
        text = _text(entry)
        for marker in MARKERS:
            assert marker not in raw, f"{marker} leaked into {entry['message']['Subject']}"
            assert marker not in text
        assert concern.reference in entry["message"]["Subject"]


def test_a_users_email_names_the_concern_organisation_and_links_to_it(concern, responder, smtp_running):
    notify(
        kind="concern_routed",
        recipients=[responder.user],
        concern=concern,
        link_path=f"/concerns/{concern.public_id}/",
    )
    notifications_deliver()
    (entry,) = smtp_running.mailbox.messages
    message = entry["message"]
    assert message["Subject"] == f"{concern.reference}: A concern has been sent to your organisation"
    body = _text(entry)
    assert f"Organisation: {concern.about_organisation.display_name}" in body
    assert f"See it in Liaison: https://liaison.example.nhs.uk/concerns/{concern.public_id}/" in body
    assert "go to https://liaison.example.nhs.uk/notifications/preferences/" in body
    assert message["Auto-Submitted"] == "auto-generated"


def test_someone_who_is_not_a_user_is_asked_to_sign_in_or_ask_for_an_account(concern, smtp_running):
    notify(
        kind="concern_routed",
        recipients=["ward.manager@example.nhs.net"],
        concern=concern,
        link_path=f"/concerns/{concern.public_id}/",
    )
    notifications_deliver()
    body = _text(smtp_running.mailbox.messages[0])
    link = f"https://liaison.example.nhs.uk/accounts/sign-in/?next=/concerns/{concern.public_id}/"
    assert f"Sign in to Liaison to see it: {link}" in body
    assert "ask your organisation's Liaison administrator to invite you" in body
    # The only link is the sign-in page: nothing in it lets anyone past sign-in.
    assert [word for word in body.split() if word.startswith("https://")] == [link]
