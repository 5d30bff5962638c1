"""The themes pages: who sees which themes, what the theme page shows, and the curation forms."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.core.factories import TrustFactory
from liaison.themes import services
from liaison.themes.models import BuildStatus, Theme, ThemeAction, ThemeBuild, ThemeMembership

pytestmark = pytest.mark.django_db

SECRET_TEXT = "Letter lost between clinic and the practice for the fourth time."


@pytest.fixture
def themed(icb, trust, make_concern):
    """Two themes in the ICB: one about the trust (with a patient reference on a concern), one about another trust."""
    today = timezone.localdate()
    other = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    letters = Theme.objects.create(icb=icb, label="Clinic letters late", key_phrases=["clinic letter"])
    for days in range(6):
        concern = make_concern(
            SECRET_TEXT, event_date=today - timedelta(days=days), patient_reference="EMIS123456"
        )
        ThemeMembership.objects.create(theme=letters, concern=concern)
    alder = Theme.objects.create(icb=icb, label="Referrals returned")
    ThemeMembership.objects.create(theme=alder, concern=make_concern("Referral returned.", about=other))
    return letters, alder


def _page(response) -> str:
    return response.content.decode()


def test_analysts_see_their_icbs_themes_with_trend_data_and_never_concern_text(
    client_for, icb_analyst, themed
):
    letters, alder = themed
    response = client_for(icb_analyst).get("/themes/")
    page = _page(response)
    assert response.status_code == 200
    assert "Clinic letters late" in page and "Referrals returned" in page
    assert "Weekly counts" in page and "Week starting" in page  # the sparkline's data table
    detail = _page(client_for(icb_analyst).get(f"/themes/{letters.pk}/"))
    assert "Clinic letters late" in detail and "clinic letter" in detail
    assert detail.count("/concerns/LIA-") >= 6
    assert SECRET_TEXT not in detail and "EMIS123456" not in detail
    assert "Merge other themes into this one" in detail


def test_nobody_sees_another_icbs_themes(client_for, make_member, other_icb, themed):
    letters, _ = themed
    other_analyst = make_member(Role.ICB_ANALYST, other_icb)
    assert "Clinic letters late" not in _page(client_for(other_analyst).get("/themes/"))
    assert client_for(other_analyst).get(f"/themes/{letters.pk}/").status_code == 404


def test_responders_see_only_themes_involving_their_organisation(client_for, responder, icb, themed):
    letters, alder = themed
    page = _page(client_for(responder).get("/themes/"))
    assert "Clinic letters late" in page and "Referrals returned" not in page
    assert client_for(responder).get(f"/themes/{alder.pk}/").status_code == 404
    detail = _page(client_for(responder).get(f"/themes/{letters.pk}/"))
    assert "Merge other themes" not in detail  # no curation
    assert client_for(responder).post(f"/themes/{letters.pk}/rename/", {"label": "x"}).status_code == 403


def test_reporters_have_no_themes_pages(client_for, reporter, themed):
    assert client_for(reporter).get("/themes/").status_code == 403


def test_rename_with_problems_keeps_what_was_typed_and_says_what_to_change(client_for, icb_analyst, themed):
    letters, _ = themed
    client = client_for(icb_analyst)
    response = client.post(f"/themes/{letters.pk}/rename/", {"label": ""})
    assert response.status_code == 400
    assert "Enter a name for the theme" in _page(response)
    typed = "Letters for 943 476 5919 late"
    response = client.post(f"/themes/{letters.pk}/rename/", {"label": typed})
    assert response.status_code == 400
    assert "Remove anything that could identify a patient" in _page(response)
    response = client.post(f"/themes/{letters.pk}/rename/", {"label": "Outpatient letters late"})
    assert response.status_code == 302
    letters.refresh_from_db()
    assert letters.label == "Outpatient letters late" and letters.label_set_by_analyst


def test_merge_split_pin_owner_and_actions_through_the_forms(client_for, icb_analyst, trust, themed):
    letters, alder = themed
    client = client_for(icb_analyst)
    assert client.post(f"/themes/{letters.pk}/merge/", {}).status_code == 400
    assert client.post(f"/themes/{letters.pk}/merge/", {"sources": [alder.pk]}).status_code == 302
    alder.refresh_from_db()
    assert alder.status == "merged" and alder.merged_into == letters
    assert "was merged into" in _page(client.get(f"/themes/{alder.pk}/"))

    moving = list(letters.memberships.values_list("concern_id", flat=True)[:2])
    response = client.post(f"/themes/{letters.pk}/split/", {"concerns": moving, "label": "Letters lost"})
    new = Theme.objects.get(label="Letters lost")
    assert response.status_code == 302 and response["Location"] == f"/themes/{new.pk}/"
    assert set(new.memberships.values_list("concern_id", flat=True)) == set(moving)

    back = [moving[0]]
    response = client.post(f"/themes/{new.pk}/move/", {"concerns": back})
    assert response.status_code == 400 and "Select the theme to move them to" in _page(response)
    assert client.post(f"/themes/{new.pk}/move/", {"concerns": back, "target": letters.pk}).status_code == 302
    moved_back = ThemeMembership.objects.get(concern_id=moving[0])
    assert moved_back.theme == letters and moved_back.source == "analyst"

    assert client.post(f"/themes/{letters.pk}/pin/", {"pinned": "on"}).status_code == 302
    assert client.post(f"/themes/{letters.pk}/owner/", {"owner": icb_analyst.user_id}).status_code == 302
    letters.refresh_from_db()
    assert letters.pinned and letters.owner == icb_analyst.user

    response = client.post(
        f"/themes/{letters.pk}/actions/add/",
        {"action": "", "owner_organisation": trust.pk, "due_date": "31/02/2027"},
    )
    page = _page(response)
    assert response.status_code == 400
    assert "Enter the action agreed" in page and "Enter the due date as a real date" in page
    response = client.post(
        f"/themes/{letters.pk}/actions/add/",
        {"action": "Letters sent within 7 days", "owner_organisation": trust.pk, "due_date": "31/01/2027"},
    )
    assert response.status_code == 302
    action = ThemeAction.objects.get(theme=letters)
    assert action.owner_organisation == trust and action.due_date == date(2027, 1, 31)
    response = client.post(
        f"/themes/{letters.pk}/actions/{action.pk}/",
        {"status": "in_progress", "note": "Pilot in two clinics"},
    )
    assert response.status_code == 302
    page = _page(client.get(f"/themes/{letters.pk}/"))
    assert "Letters sent within 7 days" in page and "Pilot in two clinics" in page and "In progress" in page


def test_a_rebuild_is_queued_and_its_progress_shown(client_for, icb_analyst, icb, themed):
    client = client_for(icb_analyst)
    assert client.post("/themes/rebuild/").status_code == 302
    build = ThemeBuild.objects.get(icb=icb)
    assert build.status == BuildStatus.QUEUED
    # Asking again while one waits does not queue a second.
    client.post("/themes/rebuild/")
    assert ThemeBuild.objects.filter(icb=icb).count() == 1
    fragment = _page(client.get(f"/themes/rebuilds/{build.pk}/"))
    assert "waiting for the task worker" in fragment and 'hx-trigger="every 2s"' in fragment
    services.theme_build_run(build_id=build.pk)
    fragment = _page(client.get(f"/themes/rebuilds/{build.pk}/"))
    assert "Last rebuilt" in fragment and "every 2s" not in fragment
