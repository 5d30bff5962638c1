"""In the browser: every page and export showing the hostile payloads runs no script and breaks nothing.

The payloads (payloads.json) try to set ``window.__pwned`` through script tags, event handlers,
attribute breaks, htmx attributes and template syntax. Each page is opened as a person who can see
it; the test fails if ``window.__pwned`` was set, if any element carries an event-handler or htmx
attribute from the text, if the browser reported a Content Security Policy violation, or (through the
``page`` fixture) if anything was written to the console as an error.
"""

import csv
import io

import pytest

from liaison.core.tests.attack import world as hostile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__pwned = 0;
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

INJECTED = """() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if ((name.startsWith('on') || name.startsWith('hx-on') || (name === 'hx-get' && attribute.value.includes('sign-out')) || name === 'srcdoc'))
        found.push(element.tagName + ' ' + name);
    }
  }
  return found;
}"""


def test_no_script_from_stored_text_runs_on_any_page_or_export(
    page, sign_in, icb, practice, trust, published_code
):
    world = hostile.build(icb, practice, trust, published_code)
    page.add_init_script(WATCH)
    signed_in_as = None
    for membership, path in world.pages:
        if membership != signed_in_as:
            page.context.clear_cookies()
            sign_in(membership)
            signed_in_as = membership
        if path.endswith(".csv"):
            response = page.request.get(path)
            assert response.status == 200, path
            for row in csv.reader(io.StringIO(response.text().lstrip("\ufeff"))):
                assert not any(cell.startswith(("=", "+", "@")) for cell in row), row
            continue
        response = page.goto(path)
        assert response.status == 200, f"{path}: HTTP {response.status}"
        page.wait_for_load_state("networkidle")
        # Move over and focus everything the text could have turned into a trigger.
        page.mouse.move(10, 10)
        page.keyboard.press("Tab")
        assert page.evaluate("window.__pwned") == 0, f"a payload ran on {path}"
        assert page.evaluate("window.__csp") == [], f"CSP violation on {path}"
        assert page.evaluate(INJECTED) == [], f"markup from stored text became live on {path}"
        assert page.locator("h1").count() == 1, f"{path} lost its structure"
    # The text was really there to attack with: the concern page shows it, as text.
    page.context.clear_cookies()
    sign_in(world.reporter)
    page.goto(f"/concerns/{world.concern.reference}/")
    assert page.get_by_text("<script>window.__pwned=1", exact=False).first.is_visible()
    assert page.get_by_text("{{7*7}}", exact=False).first.is_visible()
