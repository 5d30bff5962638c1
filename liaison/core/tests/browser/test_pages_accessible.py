"""Every page a person reaches from the navigation passes axe-core WCAG 2.2 AA, signed in as each role."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_and_errors_are_accessible(page, assert_accessible, reporter):
    page.goto("/accounts/sign-in/")
    assert page.title() == "Sign in – Liaison – NHS"
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    assert page.title().startswith("Error: ")
    assert page.get_by_role("alert").get_by_text("Enter your username").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("role_fixture", ["reporter", "administrator"])
def test_pages_in_the_navigation_are_accessible(page, assert_accessible, sign_in, request, role_fixture):
    membership = request.getfixturevalue(role_fixture)
    sign_in(membership)
    links = page.locator("nav.nhsuk-header__navigation a.nhsuk-header__navigation-link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "/" in hrefs and len(hrefs) >= 4
    for href in hrefs + [
        "/accounts/me/",
        "/accounts/organisation/",
        "/accounts/people/add/",
        "/accessibility",
        "/privacy",
    ]:
        page.goto(href)
        assert page.locator("h1").count() == 1, f"{href} has one main heading"
        assert_accessible(page)
