"""A 111 message for action arrives over HTTP; the GP sees it at the top, reads it in order and completes it."""

import json
import urllib.request
import uuid

import pytest

from liaison.nhs111 import services
from liaison.nhs111.samples import pem_stu3, referral_r4

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTIONS_IN_ORDER = [
    "1. Clinical summary",
    "2. Plan and requested actions",
    "3. Presenting complaints or issues",
    "4. Safeguarding and risks",
    "5. Suspected diagnosis",
    "6. Medications (reported by the patient)",
    "7. Individual requirements",
    "8. Allergies (reported by the patient)",
    "9. Confirmed diagnosis",
]


def _send(live_server, secret: str, bundle: dict) -> int:
    request = urllib.request.Request(
        f"{live_server.url}/fhir/r4/$process-message",
        data=json.dumps(bundle).encode(),
        method="POST",
        headers={
            "Content-Type": "application/fhir+json",
            "Authorization": f"Bearer {secret}",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": str(uuid.uuid4()),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the test's own live server)
        return response.status


def test_gp_sees_the_action_message_first_reads_it_in_order_and_completes_it(
    page, assert_accessible, sign_in, reporter, provider_111, live_server
):
    _, secret = services.sender_credential_issue(organisation=provider_111, name="Browser test 111")
    assert _send(live_server, secret, pem_stu3()) == 200
    assert _send(live_server, secret, referral_r4(repeat_caller=True, patient_name="Jane Example")) == 200

    sign_in(reporter)
    page.get_by_role("link", name="111 messages", exact=True).click()
    page.wait_for_url("**/111/")
    assert_accessible(page)
    cards = page.locator("li.nhs111-message")
    first = cards.first
    assert "FOR ACTION" in first.inner_text().upper()
    assert "Jane Example" in first.inner_text()
    assert "FOR INFORMATION" in cards.nth(1).inner_text().upper()

    first.get_by_role("link", name="Jane Example").click()
    page.wait_for_url("**/111/messages/*/")
    assert page.locator("h1").count() == 1
    assert page.get_by_text("Repeat caller", exact=True).first.is_visible()
    headings = page.locator("section.nhs111-section h2").all_inner_texts()
    assert [" ".join(h.split()) for h in headings[: len(SECTIONS_IN_ORDER)]] == SECTIONS_IN_ORDER
    assert page.get_by_text("Reported by the patient: check the GP record").first.is_visible()
    negatives = page.locator("#triage-negatives")
    assert not negatives.get_by_text("Have you got crushing chest pain?").is_visible()
    negatives.locator("summary").click()
    assert negatives.get_by_text("Have you got crushing chest pain?").is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Mark as completed").click()
    assert page.get_by_role("status").get_by_text("Completed").is_visible()
    assert page.get_by_role("button", name="Mark as completed").count() == 0
    assert_accessible(page)

    page.get_by_role("link", name="NHS 111 messages").first.click()
    assert page.get_by_text("There are no open messages for action.").is_visible()


def test_the_icb_pages_are_accessible(
    page, assert_accessible, sign_in, icb_analyst, provider_111, live_server
):
    _, secret = services.sender_credential_issue(organisation=provider_111, name="Browser test 111")
    assert _send(live_server, secret, referral_r4(practice_ods=None, drop=("allergy",))) == 200
    sign_in(icb_analyst)
    page.goto("/111/unregistered/")
    assert "FOR ACTION" in page.locator("li.nhs111-message").first.inner_text().upper()
    assert_accessible(page)
    page.goto("/111/scorecard/")
    assert page.get_by_text("Allergies and adverse reactions: missing from 1 of 1 messages").is_visible()
    assert_accessible(page)
