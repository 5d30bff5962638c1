"""The standards and Code of Conduct pages pass axe-core WCAG 2.2 AA, including with errors shown."""

import pytest

from liaison.standards import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, assert_accessible, path):
    page.goto(path)
    assert page.locator("h1").count() == 1, f"{path} has one main heading"
    assert_accessible(page)


def test_registry_pages_are_accessible(page, assert_accessible, sign_in, reporter):
    services.standards_baseline_load()
    sign_in(reporter)
    for path in [
        "/standards/",
        "/standards/S03/",
        "/standards/S01/",
        "/standards/S03/?on_day=1&on_month=6&on_year=2017",
    ]:
        _check(page, assert_accessible, path)

    page.goto("/standards/S03/")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2017")
    page.get_by_role("button", name="Check the time limit").click()
    assert page.title().startswith("Error: ")
    assert page.get_by_role("alert").get_by_text("Date must be a real date").is_visible()
    assert page.get_by_label("Day").input_value() == "31"
    assert_accessible(page)

    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2017")
    page.get_by_role("button", name="Check the time limit").click()
    assert page.get_by_role("status").get_by_text("10 calendar days").is_visible()


def test_code_of_conduct_journey_is_accessible(page, assert_accessible, sign_in, icb_analyst):
    services.standards_baseline_load()
    sign_in(icb_analyst)
    _check(page, assert_accessible, "/standards/codes-of-conduct/QYG/")

    page.get_by_role("button", name="Create a Code of Conduct").click()
    page.get_by_role("button", name="Create the draft").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Title").fill("Primary–Secondary Care Interfaces Code of Conduct")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2024")
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url("**/versions/1/")
    assert_accessible(page)

    page.get_by_role("link", name="Re-word S03").click()
    page.get_by_label("Title").fill("Letters after clinic")
    page.get_by_role("button", name="Save the wording").click()
    page.wait_for_url("**/versions/1/")
    assert page.get_by_role("heading", name="Letters after clinic").is_visible()

    page.get_by_role("button", name="Move up S03").click()
    page.get_by_role("button", name="Add a local standard").click()
    _check(page, assert_accessible, page.url)
    page.get_by_role("button", name="Add the local standard").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Title").fill("Complete referrals")
    page.get_by_label("What the standard requires").fill("Referrals include the question being asked.")
    page.get_by_role("button", name="Add the local standard").click()
    page.wait_for_url("**/versions/1/")

    page.get_by_role("button", name="Publish this version").click()
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 1").click()
    page.wait_for_url("**/versions/1/")
    assert page.get_by_text("Published", exact=True).first.is_visible()
    assert_accessible(page)

    page.goto("/standards/codes-of-conduct/QYG/versions/new/")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2023")
    page.get_by_role("button", name="Make the draft").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    for path in ["/standards/", "/standards/codes-of-conduct/QYG/", "/standards/L-QYG-01/"]:
        _check(page, assert_accessible, path)
