"""The browser helper, pid-guard.js: the same block rules as the server, checked in Node and in chromium."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from liaison.privacy import scan_text
from liaison.privacy.tests.corpora import HARD_NEGATIVES, POSITIVES
from liaison.privacy.tests.test_nhs_number import TEST_RANGE_CSV

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "privacy" / "pid-guard.js"
NODE = shutil.which("node")
HARNESS = """
const guard = require(process.env.PID_GUARD_PATH);
const texts = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map((text) => guard.scan(text))));
"""

needs_node = pytest.mark.skipif(
    NODE is None, reason="Node.js is not installed (the front-end build needs it too)"
)


def scan_in_node(texts: list[str]) -> list[list[dict]]:
    completed = subprocess.run(
        [NODE, "-e", HARNESS],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PID_GUARD_PATH": str(SCRIPT)},
        timeout=60,
    )
    return json.loads(completed.stdout)


def server_blocks(text: str) -> list[tuple]:
    return [(f.kind.value, f.start, f.end, f.masked, f.message) for f in scan_text(text).blocks]


def browser_blocks(findings: list[dict]) -> list[tuple]:
    return [(f["kind"], f["start"], f["end"], f["masked"], f["message"]) for f in findings]


def test_script_is_small_and_safe_to_load_under_the_content_security_policy():
    source = SCRIPT.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 220
    for forbidden in (
        "eval(",
        "new Function",
        "innerHTML",
        "outerHTML",
        "document.write",
        ".style",
        'setAttribute("style',
    ):
        assert forbidden not in source
    assert not re.search(r"setTimeout\(\s*[\"']", source), "setTimeout with a string is eval"
    assert "import " not in source and "http" not in source


@needs_node
def test_hard_negatives_are_not_blocked_in_the_browser():
    results = scan_in_node(HARD_NEGATIVES)
    blocked = {text: findings for text, findings in zip(HARD_NEGATIVES, results, strict=True) if findings}
    assert blocked == {}


@needs_node
def test_browser_and_server_agree_on_every_labelled_sentence():
    texts = [text for text, _ in POSITIVES]
    results = scan_in_node(texts)
    disagreements = {
        text: (server_blocks(text), browser_blocks(findings))
        for text, findings in zip(texts, results, strict=True)
        if server_blocks(text) != browser_blocks(findings)
    }
    assert disagreements == {}


@needs_node
def test_browser_agrees_with_the_server_on_the_rules_examples():
    texts = [
        "NHS 999 000 0018, 999-000-0026 and 999.000.0034",
        "NHS 999  000  0042 and 999 - 000 - 0018; D.O.B 12 Mar 56; DOB-12/03/1956; 3 May 10 patients",
        "Order reference 5900046192 and 999 000 0019",
        "CHI 150937 8650 and 071 186 2524",
        "postcode l78xp, SW1A  1AA and GIR 0AA; not L7 or CH41",
        "email jdoe at hotmail dot com or mary.jones(at)btinternet(dot)com, not available at www.nhs.uk",
        "guidance from NHS England ee98 1DA at england.nhs.uk, and ZY7  9QD at england.nhs.uk",
        "mobile 07700 900 123, +44 (0)161 496 0321, 0044 7700 900321; bleep 1234, ext 4521",
        "DOB 12/03/1956; born on the 12th of March 1956; 29021952; 05/11/1938 (DOB)",
        "The clinic letter dated 14/02/2026 asked DOB 01/01/2000 the GP to act.",
        "",
    ]
    for text, findings in zip(texts, scan_in_node(texts), strict=True):
        assert browser_blocks(findings) == server_blocks(text), text


@needs_node
@pytest.mark.skipif(not TEST_RANGE_CSV.exists(), reason=f"{TEST_RANGE_CSV} is not on this machine; CI has it")
def test_every_synthetic_test_range_number_is_blocked_in_the_browser():
    rows = TEST_RANGE_CSV.read_text(encoding="utf-8").splitlines()[1:]
    texts = [f"Letter for {row.split(',')[1]} not received" for row in rows]
    results = scan_in_node(texts)
    assert all([f["kind"] for f in findings] == ["nhs_number"] for findings in results)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PID guard</title></head>
<body>
  <div class="nhsuk-form-group" id="detail-group">
    <label class="nhsuk-label" for="detail">Describe the problem</label>
    <textarea class="nhsuk-textarea" id="detail" name="detail" data-pid-guard></textarea>
  </div>
  <div class="nhsuk-form-group nhsuk-form-group--error" id="summary-group">
    <label class="nhsuk-label" for="summary">Summary</label>
    <input class="nhsuk-input nhsuk-input--error" id="summary" name="summary" data-pid-guard
           aria-describedby="summary-error">
  </div>
  <script src="/static/privacy/pid-guard.js" nonce="test-nonce"></script>
</body></html>"""


@pytest.mark.browser
def test_the_message_appears_below_the_field_as_the_user_types(playwright_browser):
    """In chromium, under a nonce-only CSP like the service's."""
    context = playwright_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    policy = "default-src 'self'; script-src 'nonce-test-nonce'; style-src 'self'"

    def serve(route):
        if route.request.url.endswith("pid-guard.js"):
            route.fulfill(body=SCRIPT.read_text(encoding="utf-8"), content_type="text/javascript")
        else:
            route.fulfill(body=PAGE, content_type="text/html", headers={"Content-Security-Policy": policy})

    page.route("http://liaison.test/**", serve)
    page.goto("http://liaison.test/form")
    detail = page.locator("#detail")
    message = page.locator("#detail-pid-guard")
    assert message.is_hidden()

    detail.press_sequentially("Discharge letter for 999 000 0018 not received")
    message.wait_for(state="visible")
    assert "Error: This contains an NHS number (999 ••• ••18)." in message.inner_text().replace("\n", " ")
    assert "0000" not in message.inner_text()
    assert page.evaluate("document.querySelector('#detail').nextElementSibling.id") == "detail-pid-guard"
    assert detail.get_attribute("aria-describedby") == "detail-pid-guard"
    assert "nhsuk-textarea--error" in detail.get_attribute("class")
    assert "nhsuk-form-group--error" in page.locator("#detail-group").get_attribute("class")

    detail.fill("Discharge letter not received")
    detail.dispatch_event("input")
    message.wait_for(state="hidden")
    assert detail.get_attribute("aria-describedby") is None
    assert "nhsuk-textarea--error" not in detail.get_attribute("class")
    assert "nhsuk-form-group--error" not in page.locator("#detail-group").get_attribute("class")

    # A field the server already marked as in error keeps that styling when the PID message goes.
    summary = page.locator("#summary")
    summary.fill("L7 8XP")
    summary.dispatch_event("input")
    page.locator("#summary-pid-guard").wait_for(state="visible")
    assert summary.get_attribute("aria-describedby") == "summary-error summary-pid-guard"
    summary.fill("")
    summary.dispatch_event("input")
    page.locator("#summary-pid-guard").wait_for(state="hidden")
    assert summary.get_attribute("aria-describedby") == "summary-error"
    assert "nhsuk-input--error" in summary.get_attribute("class")
    assert "nhsuk-form-group--error" in page.locator("#summary-group").get_attribute("class")

    context.close()
    assert errors == []
