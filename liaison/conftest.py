"""Fixtures shared by every app's tests: an ICB with a practice and a trust, and a client per role."""

import pytest
from django.test import Client

from liaison.accounts.models import Role
from liaison.core.factories import (
    ICBFactory,
    MembershipFactory,
    PracticeFactory,
    TrustFactory,
    UserFactory,
)


@pytest.fixture
def icb(db):
    return ICBFactory(ods_code="QYG", name="NHS CHESHIRE AND MERSEYSIDE INTEGRATED CARE BOARD")


@pytest.fixture
def other_icb(db):
    return ICBFactory(ods_code="QNX", name="NHS SUSSEX INTEGRATED CARE BOARD")


@pytest.fixture
def practice(icb):
    return PracticeFactory(ods_code="N82001", name="TEST MERSEY PRACTICE", icb=icb)


@pytest.fixture
def trust(icb):
    return TrustFactory(ods_code="REM", name="LIVERPOOL UNIVERSITY HOSPITALS NHS FOUNDATION TRUST", icb=icb)


@pytest.fixture
def other_icb_trust(other_icb):
    return TrustFactory(
        ods_code="RXH", name="UNIVERSITY HOSPITALS SUSSEX NHS FOUNDATION TRUST", icb=other_icb
    )


@pytest.fixture
def make_member(db):
    """Make a user with one membership: ``make_member(role, organisation)``."""

    def make(role: Role | str, organisation, **user_fields):
        user = UserFactory(**user_fields)
        return MembershipFactory(user=user, organisation=organisation, role=role)

    return make


@pytest.fixture
def client_for():
    """A logged-in test client for a membership, with that membership current."""

    def make(membership) -> Client:
        client = Client()
        client.force_login(membership.user)
        session = client.session
        session["liaison_membership_id"] = membership.pk
        session.save()
        return client

    return make


@pytest.fixture
def reporter(make_member, practice):
    return make_member(Role.REPORTER, practice)


@pytest.fixture
def responder(make_member, trust):
    return make_member(Role.RESPONDER, trust)


@pytest.fixture
def interface_lead(make_member, trust):
    return make_member(Role.INTERFACE_LEAD, trust)


@pytest.fixture
def icb_analyst(make_member, icb):
    return make_member(Role.ICB_ANALYST, icb)


@pytest.fixture
def administrator(make_member, icb):
    return make_member(Role.ADMINISTRATOR, icb)


# --- Browser tests: Playwright for Python driving Debian's chromium, with an axe-core check. ---

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _chromium_path() -> str:
    import os
    import shutil

    path = os.environ.get("LIAISON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Browser tests need Debian's chromium: `apt-get install chromium` (.ci/run does this).")
    return path


@pytest.fixture(scope="session")
def playwright_browser():
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; test set-up still talks to the
    # database synchronously, which is safe here because nothing else runs concurrently.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium_path(), args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(playwright_browser, live_server):
    """A fresh browser page against the live server, failing the test on any console error."""
    context = playwright_browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.console_errors = []

    def on_console(message) -> None:
        # A page answered 4xx on purpose (422 for an invalid form) is not a browser error.
        if message.type == "error" and "the server responded with a status of 4" not in message.text:
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()
    assert page.console_errors == [], f"Browser console errors: {page.console_errors}"


@pytest.fixture(scope="session")
def axe_source() -> str:
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail("axe-core is missing: run `make install` (npm ci) first.")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def assert_accessible(axe_source):
    """Run axe-core (WCAG 2.2 AA rules) on the current page and fail on any violation."""

    def check(page) -> None:
        page.evaluate(axe_source)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert violations == [], f"Accessibility violations on {page.url}:\n" + "\n".join(violations)

    return check


@pytest.fixture
def sign_in(page):
    """Sign in through the real form."""
    from liaison.core.factories import TEST_PASSWORD

    def do(membership, password: str = TEST_PASSWORD):
        page.goto("/accounts/sign-in/")
        page.get_by_label("Username").fill(membership.user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    return do
