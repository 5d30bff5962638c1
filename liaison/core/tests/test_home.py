"""The home page: what is waiting for each role, counted from the same lists the links open."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.concerns.models import ConcernStatus
from liaison.concerns.services import ConcernSubmission, submit_concern
from liaison.core.home import waiting_for
from liaison.routing.models import ConcernClock

pytestmark = pytest.mark.django_db


def _report(reporter, trust, text: str):
    submission = ConcernSubmission(
        part="A",
        about_organisation=trust.ods_code,
        aspect_of_care="discharge",
        event_date=timezone.localdate() - timedelta(days=2),
        what_happened=text,
    )
    concern, _ = submit_concern(membership=reporter, submission=submission)
    return concern


def _lines(membership) -> dict[str, tuple[int, str, bool]]:
    return {
        line.plural: (line.count, line.href, line.urgent)
        for _, lines in waiting_for(membership)
        for line in lines
    }


def test_each_role_sees_its_own_work_counted_from_what_the_links_list(
    reporter, responder, icb_analyst, trust, other_icb_trust, make_member, client_for
):
    first = _report(reporter, trust, "The discharge summary arrived three weeks late.")
    _report(reporter, trust, "The clinic letter asked the practice to arrange a scan the clinic had booked.")
    ConcernClock.objects.filter(concern=first).update(overdue_since=timezone.localdate())
    first.status = ConcernStatus.RESPONDED
    first.save(update_fields=["status"])

    reported = _lines(reporter)
    assert reported[
        "concerns your organisation reported have a response (read it, rate it, or reopen the concern)"
    ][:2] == (
        1,
        "/concerns/?direction=reported&status=responded",
    )
    assert reported["concerns your organisation reported are still open"][0] == 2
    assert "open concerns are in your organisation's inbox" not in reported  # a practice has no inbox

    inbox = _lines(responder)
    assert inbox["open concerns are in your organisation's inbox"][:2] == (2, "/routing/inbox/")
    assert inbox["of them are overdue"] == (1, "/routing/inbox/", True)
    # The link lists what the number counts.
    page = client_for(responder).get("/routing/inbox/")
    assert page.status_code == 200
    assert page.content.decode().count('href="/routing/concerns/') >= 2

    icb_lines = _lines(icb_analyst)
    assert icb_lines["concerns are open across the ICB"][0] == 2
    assert icb_lines["of them are overdue"] == (1, "/routing/icb/?overdue=1", True)
    assert "concerns your organisation reported are still open" not in icb_lines

    # A responder at a trust in another ICB has nothing of this.
    elsewhere = make_member(Role.RESPONDER, other_icb_trust)
    assert _lines(elsewhere)["open concerns are in your organisation's inbox"][0] == 0


def test_the_home_page_shows_the_report_button_and_the_counts_in_words(reporter, trust, client_for):
    _report(reporter, trust, "The discharge summary arrived three weeks late.")
    html = client_for(reporter).get("/").content.decode()
    assert 'href="/concerns/report/"' in html and "Report a concern" in html
    assert (
        '<strong class="app-waiting__count">1</strong> concern your organisation reported is still open'
        in html
    )
    # Counts only: the concern's text never appears on the home page.
    assert "three weeks late" not in html


def test_every_line_agrees_with_its_count(reporter, responder, icb_analyst):
    """One is said in the singular ("1 NHS 111 message is waiting"), any other number in the plural."""
    lines = [
        line
        for membership in (reporter, responder, icb_analyst)
        for _, group in waiting_for(membership)
        for line in group
    ]
    plurals = {line.plural for line in lines}
    assert len(plurals) >= 9  # every kind of line on the home page is here
    for line in lines:
        for count in (0, 2, 12):
            assert replace(line, count=count).label == line.plural
        one = replace(line, count=1).label
        assert one == line.singular and one != line.plural, line.plural
        assert " are " not in f" {one} " and " drafts" not in one and " their " not in one, one


def test_no_membership_sees_no_counts(db):
    assert waiting_for(None) == []
