"""The hostile payload corpus (payloads.json) through every free-text field, then every page showing it.

Stored text must come back as plain text: no page answers 500, no payload's markup reaches a page
unescaped, template syntax is shown rather than evaluated, CSV exports neutralise formulas, and
emails carry none of it. Text that cannot be stored safely (NUL, over-long, bytes that are not UTF-8)
gets a clear validation message on the form, with what was typed kept.
"""

import csv
import io
import re

import pytest
from django.core import mail
from django.test import Client

from liaison.core.tests.attack import world as hostile
from liaison.notifications.models import Channel, Notification
from liaison.notifications.services import notifications_deliver

pytestmark = pytest.mark.django_db

# Markup that must never reach a page as markup: any payload text with a tag or an event handler.
DANGEROUS = [p["text"] for p in hostile.payloads("render") if re.search(r"<[a-z/]|on[a-z]+=", p["text"])]


def client_for_membership(membership) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(membership.user)
    session = client.session
    session["liaison_membership_id"] = membership.pk
    session.save()
    return client


@pytest.fixture
def world(icb, practice, trust, published_code):
    return hostile.build(icb, practice, trust, published_code)


def test_every_page_showing_hostile_text_renders_it_as_plain_text(world):
    shown_anywhere = set()
    for membership, path in world.pages:
        response = client_for_membership(membership).get(path)
        assert response.status_code == 200, f"{path} as {membership.role}: HTTP {response.status_code}"
        body = response.content.decode()
        for text in DANGEROUS:
            assert text not in body, f"{path} shows markup unescaped: {text[:60]}"
        if path.endswith(".csv"):
            continue
        assert "<script>window.__pwned" not in body
        if "{{7*7}}" in body:
            shown_anywhere.add(path)
    # Template syntax typed by a user is shown as typed on the concern and case pages, never evaluated.
    ref = world.concern.reference
    assert f"/concerns/{ref}/" in shown_anywhere and f"/routing/concerns/{ref}/" in shown_anywhere
    # Analysts' theme names, actions and progress notes too, wherever themes are shown.
    assert {
        "/themes/",
        f"/themes/{world.theme.pk}/",
        f"/reports/monthly/?month={world.month}",
    } <= shown_anywhere


def test_the_monthly_report_csv_carries_numbers_only_and_no_formula(world):
    response = client_for_membership(world.icb_analyst).get(f"/reports/monthly/csv/?month={world.month}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["ICB", "Month"]
    for row in rows:
        for cell in row:
            assert "Hostile text" not in cell and "__pwned" not in cell, f"free text in the CSV: {cell!r}"
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"formula not neutralised: {cell!r}"


def test_the_monthly_report_pdf_renders_hostile_theme_text_as_text(world):
    from pypdf import PdfReader

    response = client_for_membership(world.icb_analyst).get(f"/reports/monthly/pdf/?month={world.month}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Hostile text" in text
    # Markup and template syntax are printed as typed, not interpreted.
    assert "<script>" in text and "{{7*7}}" in text and "49" not in text.split("{{7*7}}")[0][-3:]


def test_the_concern_page_shows_each_payload_escaped(world):
    body = client_for_membership(world.reporter).get(f"/concerns/{world.concern.reference}/").content.decode()
    assert "&lt;script&gt;window.__pwned=1;console.error(&#39;pwned script&#39;)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in body
    assert "{% for x in range(3) %}loop{% endfor %}" in body and "looplooploop" not in body
    assert "{{ settings.SECRET_KEY }}" in body


def test_csv_exports_neutralise_formulas_and_carry_no_free_text(world):
    response = client_for_membership(world.icb_analyst).get("/routing/icb/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) >= 2
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"formula not neutralised: {cell!r}"
            assert "Hostile text" not in cell and "__pwned" not in cell


def test_emails_carry_none_of_the_free_text(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert Notification.objects.filter(channel=Channel.EMAIL).exists()
    notifications_deliver()
    assert mail.outbox, "the hostile world should have sent emails"
    for message in mail.outbox:
        text = (
            message.subject
            + message.body
            + "".join(str(alt[0]) for alt in getattr(message, "alternatives", []))
        )
        assert "Hostile text" not in text and "__pwned" not in text and "{{7*7}}" not in text
        assert "\r\nBcc" not in str(message.message())


REPORT_FIELDS = ["what_happened", "impact", "service_description"]


def report_form(trust, event_day, **changes):
    fields = {
        "part": "A",
        "about_search": trust.ods_code,
        "about_organisation": trust.ods_code,
        "aspect_of_care": "discharge",
        "event_date_day": str(event_day.day),
        "event_date_month": str(event_day.month),
        "event_date_year": str(event_day.year),
        "what_happened": "The discharge letter arrived a week late and listed no medication changes.",
        "impact": "The practice had to phone the ward.",
        "action": "submit",
    }
    fields.update(changes)
    return fields


@pytest.mark.parametrize("field", REPORT_FIELDS)
@pytest.mark.parametrize("payload", hostile.payloads("validate"), ids=lambda p: p["id"])
def test_text_that_cannot_be_stored_safely_gets_a_clear_message_or_is_stored_safely(
    client_for, reporter, trust, event_day, published_code, field, payload
):
    from liaison.concerns.models import Concern

    client = client_for(reporter)
    client.raise_request_exception = False
    response = client.post("/concerns/report/new/", report_form(trust, event_day, **{field: payload["text"]}))
    assert response.status_code in (200, 302, 422), f"HTTP {response.status_code}"
    if response.status_code == 302:
        stored = Concern.objects.get()
        value = getattr(stored, field)
        assert "\x00" not in value
        page = client.get(f"/concerns/{stored.reference}/")
        assert page.status_code == 200
    else:
        body = response.content.decode()
        assert "nhsuk-error-summary" in body, "a refusal must say what to change"
        assert Concern.objects.count() == 0


@pytest.mark.parametrize("sample", hostile.PAYLOADS["non_utf8"], ids=lambda s: s["id"])
def test_bytes_that_are_not_utf8_never_break_the_form(
    client_for, reporter, trust, event_day, published_code, sample
):
    from urllib.parse import quote_from_bytes, urlencode

    client = client_for(reporter)
    client.raise_request_exception = False
    fields = report_form(trust, event_day)
    fields.pop("what_happened")
    raw = (
        urlencode(fields)
        + "&what_happened="
        + quote_from_bytes(b"Late letter " + bytes.fromhex(sample["hex"]))
    )
    response = client.post("/concerns/report/new/", raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302, 400, 422), f"HTTP {response.status_code}"
