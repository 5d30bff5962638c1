"""An ICB administrator adds a routing rule and changes the response times, in chromium with axe."""

import pytest

from liaison.routing.models import ClockPolicy, RoutingRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_adds_a_rule_and_sets_response_times(
    page, sign_in, assert_accessible, administrator, trust
):
    sign_in(administrator)
    page.goto("/routing/rules/")  # In the navigation, under "More" on narrow screens.
    assert_accessible(page)
    page.get_by_role("link", name="Add a rule").click()
    assert_accessible(page)
    page.get_by_role("button", name="Save rule").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("About organisation (ODS code)").fill("REM")
    page.get_by_label("Aspect of care").select_option("discharge")
    page.get_by_label("Everyone with a role at an organisation").check()
    page.get_by_label("Organisation (ODS code)", exact=True).fill("REM")
    page.get_by_label("Role", exact=True).select_option("interface_lead")
    page.get_by_role("button", name="Save rule").click()
    page.get_by_text("added").wait_for()
    assert "about Liverpool University Hospitals NHS Foundation Trust" in page.locator("table").inner_text()
    assert_accessible(page)
    rule = RoutingRule.objects.get()
    page.get_by_role("link", name=f"Change rule {rule.pk}").click()
    assert "Created" in page.locator("table").inner_text()
    assert_accessible(page)

    page.goto("/routing/clock-policy/")
    page.get_by_label("Respond within (working days)").fill("15")
    page.get_by_role("button", name="Save response times").click()
    page.get_by_text("Response times saved").wait_for()
    assert ClockPolicy.objects.get().respond_days == 15
