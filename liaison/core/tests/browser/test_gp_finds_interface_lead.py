"""Journey: a GP signs in, finds the interface lead of a Liverpool trust in the who's who, signs out."""

import pytest

from liaison.directory.models import Contact, ContactRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def liverpool_trust_lead(trust):
    Contact.objects.create(
        organisation=trust,
        role=ContactRole.MEDICAL_DIRECTOR,
        name="Dr Fiona Blake",
        job_title="Medical director",
        email="fiona.blake@example.nhs.uk",
    )
    return Contact.objects.create(
        organisation=trust,
        role=ContactRole.INTERFACE_LEAD,
        name="Mark Jennings",
        job_title="Trust interface lead",
        email="mark.jennings@example.nhs.uk",
        phone="0151 706 2000",
        contact_notes="Via switchboard, Monday to Friday",
    )


def test_gp_finds_the_interface_lead_of_a_liverpool_trust(
    page, sign_in, assert_accessible, reporter, liverpool_trust_lead
):
    sign_in(reporter)
    header = page.get_by_role("banner")
    assert header.get_by_text(reporter.organisation.display_name).is_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Who's who").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Who's who"
    assert_accessible(page)

    page.get_by_label("Organisation, ODS code, person or role").fill("Liverpool University")
    page.get_by_label("Role", exact=True).select_option(label="Interface lead")
    page.get_by_role("button", name="Search").click()

    result = page.get_by_role("main")
    assert result.get_by_text("Mark Jennings").is_visible()
    assert result.get_by_text("Trust interface lead").first.is_visible()
    assert result.get_by_role("link", name="mark.jennings@example.nhs.uk").get_attribute("href") == (
        "mailto:mark.jennings@example.nhs.uk"
    )
    assert result.get_by_text("Dr Fiona Blake").count() == 0, (
        "the role filter leaves the medical director out"
    )
    assert_accessible(page)

    header.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/sign-in/")
    assert page.get_by_text("You have signed out.").is_visible()
    assert_accessible(page)
    page.goto("/directory/whos-who/")
    assert "/accounts/sign-in/" in page.url
