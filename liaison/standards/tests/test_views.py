import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts.models import Role
from liaison.audit.models import AuditEvent
from liaison.core.factories import MembershipFactory
from liaison.standards import selectors, services
from liaison.standards.models import CodeOfConductVersion, CodeStandard, Standard

pytestmark = pytest.mark.django_db

CODE = "/standards/codes-of-conduct/QYG/"


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def sussex_analyst(other_icb):
    return MembershipFactory(organisation=other_icb, role=Role.ICB_ANALYST)


# --- The registry pages ----------------------------------------------------------------------------


def test_standard_list_shows_the_national_baseline_with_todays_limits(baseline, client_for, reporter):
    response = client_for(reporter).get("/standards/")
    page = _text(response)
    assert response.status_code == 200
    for number in range(1, 13):
        assert f'href="/standards/S{number:02d}/"' in page
    assert "Clinic letters" in page and "7 calendar days" in page and "24 hours" in page
    assert "has no Code of Conduct in Liaison yet" in page
    assert "Create a Code of Conduct" not in page  # a reporter cannot make one
    assert re.search(r"<caption[^>]*>\s*National baseline standards", page)
    assert 'scope="col"' in page and 'scope="row"' in page


def test_standard_list_shows_the_icbs_code_in_force(published_code, client_for, reporter, icb_analyst):
    entry = selectors.version_entry(version=published_code, code="S03")
    CodeStandard.objects.filter(pk=entry.pk).update(local_reference="4.1", local_title="Letters after clinic")
    page = _text(client_for(reporter).get("/standards/"))
    assert published_code.code_of_conduct.title in page
    assert "Version 1, in force since 1 April 2024" in page
    assert "Letters after clinic" in page and "4.1" in page


def test_standard_list_offers_an_analyst_to_create_a_code(baseline, client_for, icb_analyst):
    page = _text(client_for(icb_analyst).get("/standards/"))
    assert f'href="{CODE}create/"' in page


def test_standard_list_queries_do_not_grow_with_the_code(published_code, client_for, reporter, icb_analyst):
    client = client_for(reporter)
    client.get("/standards/")  # warm the session
    with CaptureQueriesContext(connection) as before:
        client.get("/standards/")
    draft = services.code_of_conduct_version_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        code_of_conduct=published_code.code_of_conduct,
        effective_from=date(2025, 4, 1),
    )
    for n in range(5):
        services.local_standard_add(
            actor=icb_analyst.user,
            membership=icb_analyst,
            version=draft,
            title=f"Local {n}",
            requirement="A local requirement.",
            time_limit_amount=n + 1,
            time_limit_unit="days",
        )
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=draft)
    with CaptureQueriesContext(connection) as after:
        page = _text(client.get("/standards/"))
    assert "Local 4" in page
    assert len(after) == len(before)


def test_standard_detail_shows_facts_and_time_limit_history(baseline, client_for, reporter):
    page = _text(client_for(reporter).get("/standards/S03/"))
    assert "Clinic letters" in page and "2025/26, SC11.7" in page
    assert "clause not verified" not in page
    assert page.count("calendar days") >= 4  # three history rows and today's limit
    assert "31 March 2017" in page and "1 April 2018" in page and "Still in force" in page
    assert re.search(r"<caption[^>]*>\s*Time limits of S03", page)
    s01 = _text(client_for(reporter).get("/standards/s01/"))
    assert "clause not verified" in s01 and "This standard has no time limit." in s01


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("31", "3", "2017", "14 calendar days"),
        ("1", "4", "2017", "10 calendar days"),
        ("31", "3", "2018", "10 calendar days"),
        ("1", "4", "2018", "7 calendar days"),
    ],
)
def test_time_limit_on_a_date_form(baseline, client_for, reporter, day, month, year, expected):
    response = client_for(reporter).get(
        "/standards/S03/", {"on_day": day, "on_month": month, "on_year": year}
    )
    assert response.status_code == 200
    assert re.search(rf"the time limit for S03 was <strong>{expected}</strong>", _text(response))


def test_time_limit_before_any_was_in_force(baseline, client_for, reporter):
    page = _text(
        client_for(reporter).get("/standards/S03/", {"on_day": "1", "on_month": "1", "on_year": "2015"})
    )
    assert "No time limit for S03 was in force on 1 January 2015" in page


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"on_day": "31", "on_month": "2", "on_year": "2017"}, "Date must be a real date"),
        ({"on_day": "1", "on_month": "6", "on_year": ""}, "Date must include a year"),
        ({"on_day": "x", "on_month": "6", "on_year": "2017"}, "Date must be a real date"),
        ({"on_day": "1", "on_month": "6", "on_year": "17"}, "Year must include 4 numbers"),
        ({"on_day": "", "on_month": "", "on_year": ""}, "Enter the date you want to check"),
    ],
)
def test_invalid_lookup_date_is_422_with_values_kept(baseline, client_for, reporter, values, message):
    response = client_for(reporter).get("/standards/S03/", values)
    page = _text(response)
    assert response.status_code == 422
    assert "<title>Error: " in page
    assert message in page and 'href="#id_on"' in page
    for name, value in values.items():
        assert re.search(rf'name="{name}" type="text" value="{re.escape(value)}"', page) or not value


def test_unknown_standard_is_404(baseline, client_for, reporter):
    assert client_for(reporter).get("/standards/S99/").status_code == 404


def test_standard_detail_shows_the_icbs_local_wording(draft_version, client_for, reporter, icb_analyst):
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=selectors.version_entry(version=draft_version, code="S02"),
        local_wording="Discharge letters reach the practice the same day.",
    )
    services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=draft_version
    )
    page = _text(client_for(reporter).get("/standards/S02/"))
    assert "<p>Discharge letters reach the practice the same day.</p>" in page
    assert "&lt;p&gt;" not in page


def test_text_is_escaped_everywhere_it_is_shown(draft_version, client_for, icb_analyst):
    payload = '<script>alert("x")</script>'
    client = client_for(icb_analyst)
    client.post(
        CODE + "versions/2/standards/S02/reword/",
        {"local_title": payload, "local_wording": payload},
    )
    client.post(CODE + "versions/2/publish/")
    for url in ("/standards/", "/standards/S02/", CODE + "versions/2/", CODE + "versions/2/publish/"):
        page = _text(client.get(url))
        assert "<script>alert" not in page, url
    assert "&lt;script&gt;alert" in _text(client.get("/standards/S02/"))


# --- Code of Conduct pages: permissions ------------------------------------------------------------

MANAGE_GETS = [
    CODE + "create/",
    CODE + "versions/new/",
    CODE + "versions/2/standards/S03/reword/",
    CODE + "versions/2/add-standards/",
    CODE + "versions/2/local-standard/",
    CODE + "versions/2/publish/",
]


@pytest.mark.parametrize("role", ["reporter", "responder", "interface_lead"])
def test_other_roles_are_refused_the_manage_pages(request, draft_version, client_for, role):
    client = client_for(request.getfixturevalue(role))
    for url in MANAGE_GETS:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post(CODE + "versions/2/standards/S03/change/", {"action": "remove"}).status_code == 403
    assert CodeStandard.objects.filter(version=draft_version).count() == 12
    draft_version.refresh_from_db()
    assert draft_version.published_at is None


def test_an_analyst_of_another_icb_is_refused(draft_version, client_for, sussex_analyst):
    client = client_for(sussex_analyst)
    for url in MANAGE_GETS:
        assert client.get(url).status_code == 403, url
    assert client.post(CODE + "versions/2/publish/").status_code == 403
    draft_version.refresh_from_db()
    assert draft_version.published_at is None
    # ...but may read the published versions, like anyone.
    assert client.get(CODE + "versions/1/").status_code == 200
    assert client.get(CODE + "versions/2/").status_code == 404


def test_the_icb_analyst_may_use_the_manage_pages(draft_version, client_for, icb_analyst):
    client = client_for(icb_analyst)
    for url in MANAGE_GETS:
        if url.endswith("create/"):
            continue  # the ICB already has a Code
        assert client.get(url).status_code == 200, url
    page = _text(client.get(CODE))
    assert "Continue the draft, version 2" in page


def test_drafts_are_hidden_from_people_who_cannot_manage(draft_version, client_for, reporter):
    client = client_for(reporter)
    assert client.get(CODE + "versions/2/").status_code == 404
    page = _text(client.get(CODE))
    assert "Version 1" in page and "Version 2" not in page and "In force" in page


def test_unknown_icb_is_404(baseline, client_for, icb_analyst):
    assert client_for(icb_analyst).get("/standards/codes-of-conduct/ZZZ/").status_code == 404


# --- Code of Conduct pages: forms ------------------------------------------------------------------


def test_create_a_code_through_the_form(baseline, client_for, icb_analyst, icb):
    response = client_for(icb_analyst).post(
        CODE + "create/",
        {
            "title": "Interface Code of Conduct",
            "effective_from_day": "1",
            "effective_from_month": "4",
            "effective_from_year": "2026",
        },
    )
    assert response.status_code == 302 and response["Location"] == CODE + "versions/1/"
    version = CodeOfConductVersion.objects.get(code_of_conduct__icb=icb)
    assert (version.version, version.effective_from, version.published_at) == ("1", date(2026, 4, 1), None)
    assert AuditEvent.objects.filter(
        actor=icb_analyst.user, object_type="standards.CodeOfConduct", organisation=icb
    ).exists()


def test_invalid_create_form_is_422_with_values_kept(baseline, client_for, icb_analyst):
    response = client_for(icb_analyst).post(
        CODE + "create/",
        {
            "title": "",
            "effective_from_day": "30",
            "effective_from_month": "2",
            "effective_from_year": "2026",
            "notes": "Agreed with the LMC",
        },
    )
    page = _text(response)
    assert response.status_code == 422
    assert "Enter the title of the Code of Conduct" in page
    assert "Date the Code takes effect must be a real date" in page
    assert 'value="30"' in page and 'value="2026"' in page and "Agreed with the LMC" in page
    assert 'href="#id_title"' in page and 'href="#id_effective_from"' in page


def test_new_version_date_must_follow_the_published_one(published_code, client_for, icb_analyst):
    response = client_for(icb_analyst).post(
        CODE + "versions/new/",
        {
            "effective_from_day": "1",
            "effective_from_month": "1",
            "effective_from_year": "2024",
            "notes": "Tidy up",
        },
    )
    page = _text(response)
    assert response.status_code == 422
    assert "must be after 01 April 2024" in page
    assert 'value="2024"' in page and "Tidy up" in page
    assert CodeOfConductVersion.objects.count() == 1


def test_new_version_through_the_form_copies_the_last(published_code, client_for, icb_analyst):
    response = client_for(icb_analyst).post(
        CODE + "versions/new/",
        {"effective_from_day": "1", "effective_from_month": "4", "effective_from_year": "2025"},
    )
    assert response.status_code == 302 and response["Location"] == CODE + "versions/2/"
    assert CodeStandard.objects.filter(version__version="2").count() == 12


def test_reword_through_the_form(draft_version, published_code, client_for, icb_analyst):
    client = client_for(icb_analyst)
    url = CODE + "versions/2/standards/S03/reword/"
    form = _text(client.get(url))
    assert "Clinic letters" in form  # the current title, ready to edit
    assert "<p><strong>Clinic letters</strong></p>" in form and "&lt;p&gt;" not in form
    response = client.post(
        url,
        {
            "local_reference": "4.1",
            "local_title": "Letters after clinic",
            "local_wording": "Letters reach the GP within 7 days.",
        },
    )
    assert response.status_code == 302
    assert (
        selectors.version_entry(version=draft_version, code="S03").wording
        == "Letters reach the GP within 7 days."
    )
    assert selectors.version_entry(version=published_code, code="S03").title == "Clinic letters"
    page = _text(client.get(CODE + "versions/2/"))
    assert "4.1 Letters after clinic" in page and "re-worded in this Code" in page


def test_invalid_reword_is_422_with_values_kept(draft_version, client_for, icb_analyst):
    long_title = "T" * 201
    response = client_for(icb_analyst).post(
        CODE + "versions/2/standards/S03/reword/",
        {"local_reference": "4.1", "local_title": long_title, "local_wording": "Kept wording"},
    )
    page = _text(response)
    assert response.status_code == 422
    assert "Title must be 200 characters or fewer" in page
    assert long_title in page and "Kept wording" in page and 'value="4.1"' in page


def test_publish_through_the_form_then_edits_are_refused(draft_version, client_for, icb_analyst):
    client = client_for(icb_analyst)
    assert "A published version cannot be changed" in _text(client.get(CODE + "versions/2/publish/"))
    assert client.post(CODE + "versions/2/publish/").status_code == 302
    draft_version.refresh_from_db()
    assert draft_version.published_at is not None and draft_version.published_by == icb_analyst.user

    response = client.post(CODE + "versions/2/standards/S03/reword/", {"local_title": "Changed"}, follow=True)
    assert "cannot be changed" in _text(response)
    response = client.post(CODE + "versions/2/standards/S03/change/", {"action": "remove"}, follow=True)
    assert "cannot be changed" in _text(response)
    assert selectors.version_entry(version=draft_version, code="S03").local_title == ""
    assert CodeStandard.objects.filter(version=draft_version).count() == 12
    page = _text(client.get(CODE + "versions/2/"))
    assert "Publish this version" not in page and "Move up" not in page


def test_publish_problem_is_422(draft_version, client_for, icb_analyst):
    CodeStandard.objects.filter(version=draft_version).delete()
    response = client_for(icb_analyst).post(CODE + "versions/2/publish/")
    assert response.status_code == 422
    assert "must include at least one standard" in _text(response)


def test_move_and_remove_through_the_version_page(draft_version, client_for, icb_analyst):
    client = client_for(icb_analyst)
    response = client.post(CODE + "versions/2/standards/S03/change/", {"action": "up"})
    assert response.status_code == 302 and response["Location"].endswith("#standard-S03")
    client.post(CODE + "versions/2/standards/S12/change/", {"action": "remove"})
    codes = [e.code for e in selectors.version_entries(version=draft_version, day=date(2025, 4, 1))]
    assert codes[:3] == ["S01", "S03", "S02"] and "S12" not in codes
    assert client.get(CODE + "versions/2/standards/S03/change/").status_code == 405


def test_add_standards_back_through_the_form(draft_version, client_for, icb_analyst):
    client = client_for(icb_analyst)
    for code in ("S11", "S12"):
        client.post(CODE + f"versions/2/standards/{code}/change/", {"action": "remove"})
    response = client.post(CODE + "versions/2/add-standards/", {})
    assert response.status_code == 422 and "Select at least one standard to add" in _text(response)
    response = client.post(CODE + "versions/2/add-standards/", {"standards": ["S12"]})
    assert response.status_code == 302
    assert [s.code for s in selectors.standards_available_to_add(version=draft_version)] == ["S11"]


def test_local_standard_through_the_form(draft_version, client_for, icb_analyst, icb):
    client = client_for(icb_analyst)
    values = {
        "title": "Complete referrals",
        "requirement": "Referrals include the question being asked, current medication and relevant results.",
        "direction": "primary_to_secondary",
        "area": "onward_referrals",
        "time_limit_amount": "5",
        "time_limit_unit": "",
    }
    response = client.post(CODE + "versions/2/local-standard/", values)
    page = _text(response)
    assert response.status_code == 422
    assert "Select the unit of the time limit" in page
    assert 'value="Complete referrals"' in page and 'value="5"' in page
    assert re.search(r'value="primary_to_secondary"\s+checked', page)
    assert not Standard.objects.filter(owner_icb=icb).exists()

    values["time_limit_unit"] = "working_days"
    assert client.post(CODE + "versions/2/local-standard/", values).status_code == 302
    local = Standard.objects.get(owner_icb=icb)
    assert (local.code, local.direction) == ("L-QYG-01", "primary_to_secondary")
    detail = _text(client.get("/standards/L-QYG-01/"))
    assert "What general practice owes providers" in detail and "5 working days" in detail


def test_the_version_page_lists_entries_in_order_with_actions(draft_version, client_for, icb_analyst):
    page = _text(client_for(icb_analyst).get(CODE + "versions/2/"))
    positions = [page.index(f'id="standard-S{n:02d}"') for n in range(1, 13)]
    assert positions == sorted(positions)
    assert "Publish this version" in page and "Add a local standard" in page
    assert page.count('name="action" value="remove"') == 12
