"""run_clocks: overdue marking and the escalation ladder, idempotent, over Easter 2027."""

from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from liaison.concerns.models import ConcernEvent, ConcernEventKind, ConcernStatus
from liaison.directory.models import Contact, ContactRole
from liaison.routing import services
from liaison.routing.models import ConcernClock, Escalation, EscalationRung
from liaison.routing.tests.conftest import LONDON

# Maundy Thursday 2027: acknowledge by Wednesday 31 March (Good Friday and Easter Monday skipped).
MAUNDY_THURSDAY = datetime(2027, 3, 25, 16, 0, tzinfo=LONDON)


@pytest.fixture
def ladder(trust, icb, interface_lead):
    """Somebody named at every rung."""
    return {
        EscalationRung.SERVICE_LEAD: Contact.objects.create(
            organisation=trust,
            role=ContactRole.SERVICE_LEAD,
            name="Dr Service Lead",
            email="service.lead@example.nhs.net",
        ),
        EscalationRung.TRUST_INTERFACE_LEAD: interface_lead,
        EscalationRung.MEDICAL_DIRECTOR: Contact.objects.create(
            organisation=trust,
            role=ContactRole.MEDICAL_DIRECTOR,
            name="Dr Medical Director",
            email="md@example.nhs.net",
        ),
        EscalationRung.ICB_QUALITY_LEAD: Contact.objects.create(
            organisation=icb,
            role=ContactRole.QUALITY_LEAD,
            name="Quality Lead",
            email="quality@example.nhs.net",
        ),
    }


@pytest.fixture
def late_concern(make_concern, responder):
    concern = make_concern(submitted_at=MAUNDY_THURSDAY)
    services.route_new_concern(concern=concern, actor=concern.reporter)
    return concern


def _rungs(concern):
    return [
        (e.clock, e.rung, e.found_nobody) for e in Escalation.objects.filter(concern=concern).order_by("id")
    ]


def test_not_overdue_on_the_due_day(late_concern):
    assert ConcernClock.objects.get(concern=late_concern).acknowledge_due == date(2027, 3, 31)
    services.clocks_run(today=date(2027, 3, 31))
    assert ConcernClock.objects.get(concern=late_concern).overdue_since is None
    assert not Escalation.objects.exists()


def test_the_ladder_one_step_every_five_working_days(late_concern, ladder):
    services.clocks_run(today=date(2027, 4, 1))
    clock = ConcernClock.objects.get(concern=late_concern)
    assert clock.overdue_since == date(2027, 4, 1)
    assert _rungs(late_concern) == [("acknowledge", 1, False)]
    overdue = ConcernEvent.objects.get(concern=late_concern, kind=ConcernEventKind.OVERDUE)
    assert overdue.reason == "Not acknowledged by 31 March 2027 (acknowledge clock)."

    services.clocks_run(today=date(2027, 4, 7))  # 5 working days late: still step 1
    assert len(_rungs(late_concern)) == 1
    services.clocks_run(today=date(2027, 4, 8))  # 6 working days late: step 2
    services.clocks_run(today=date(2027, 4, 15))
    services.clocks_run(today=date(2027, 4, 22))
    assert _rungs(late_concern) == [("acknowledge", rung, False) for rung in (1, 2, 3, 4)]
    reasons = list(
        ConcernEvent.objects.filter(concern=late_concern, kind=ConcernEventKind.ESCALATED).values_list(
            "reason", flat=True
        )
    )
    assert (
        "service lead at Liverpool University Hospitals NHS Foundation Trust: Dr Service Lead (Service lead)"
        in reasons[0]
    )
    assert ladder[EscalationRung.TRUST_INTERFACE_LEAD].user.display_name in reasons[1]
    assert "Dr Medical Director" in reasons[2]
    assert "ICB quality lead at NHS Cheshire and Merseyside Integrated Care Board: Quality Lead" in reasons[3]


def test_running_twice_changes_nothing(late_concern, ladder):
    services.clocks_run(today=date(2027, 4, 8))
    counts = (Escalation.objects.count(), ConcernEvent.objects.count())
    report = services.clocks_run(today=date(2027, 4, 8))
    assert (Escalation.objects.count(), ConcernEvent.objects.count()) == counts == (2, counts[1])
    assert (report.marked_overdue, report.escalations) == (0, 0)


def test_a_rung_with_nobody_named_passes_straight_on(late_concern, interface_lead):
    services.clocks_run(today=date(2027, 4, 1))
    assert _rungs(late_concern) == [("acknowledge", 1, True), ("acknowledge", 2, False)]
    first = ConcernEvent.objects.filter(concern=late_concern, kind=ConcernEventKind.ESCALATED).first()
    assert "nobody is named" in first.reason


def test_an_empty_ladder_still_reaches_the_icb_team(late_concern, icb_analyst):
    services.clocks_run(today=date(2027, 4, 1))
    assert _rungs(late_concern) == [
        ("acknowledge", 1, True),
        ("acknowledge", 2, True),
        ("acknowledge", 3, True),
        ("acknowledge", 4, False),
    ]
    assert icb_analyst.user.display_name in Escalation.objects.get(rung=4).recipients[0]


def test_acknowledged_in_time_then_the_respond_clock(late_concern, responder, ladder):
    services.concern_acknowledge(membership=responder, concern=late_concern)
    clock = ConcernClock.objects.get(concern=late_concern)
    services.clocks_run(today=date(2027, 4, 1))
    assert not Escalation.objects.exists()
    services.clocks_run(today=clock.respond_due)
    assert not Escalation.objects.exists()
    services.clocks_run(today=date(2027, 4, 27))
    assert _rungs(late_concern) == [("respond", 1, False)]


def test_closed_and_responded_concerns_are_left_alone(late_concern, responder, ladder):
    services.concern_acknowledge(membership=responder, concern=late_concern)
    services.concern_change_status(
        membership=responder, concern=late_concern, to_status=ConcernStatus.RESPONDED
    )
    report = services.clocks_run(today=date(2027, 6, 1))
    assert report.checked == 0
    assert not Escalation.objects.exists()


def test_the_command(late_concern, ladder):
    out = StringIO()
    call_command("run_clocks", "--today", "2027-04-01", stdout=out)
    assert (
        out.getvalue().strip()
        == "Checked 1 concerns: 1 newly overdue, 1 escalations (0 steps with nobody named)"
    )
    assert _rungs(late_concern) == [("acknowledge", 1, False)]


def test_the_task_does_the_same(late_concern, ladder, monkeypatch):
    from liaison.routing import tasks

    monkeypatch.setattr(
        services.timezone, "localdate", lambda *args: date(2027, 4, 1) if not args else args[0].date()
    )
    result = tasks.run_clocks.call()
    assert result == {"checked": 1, "marked_overdue": 1, "escalations": 1}


def test_each_step_is_notified_once_even_when_run_twice(late_concern, ladder, responder):
    from liaison.notifications.models import Notification

    services.clocks_run(today=date(2027, 4, 1))
    services.clocks_run(today=date(2027, 4, 1))
    escalated = Notification.objects.filter(concern=late_concern, kind="concern_escalated")
    # Step 1 is a who's-who service lead who is not a user: one email to their address.
    assert [(n.channel, n.recipient_email) for n in escalated] == [("email", "service.lead@example.nhs.net")]
    overdue = Notification.objects.filter(concern=late_concern, kind="concern_overdue")
    # The concern was routed before the trust had an interface lead on Liaison: its responders hear.
    assert {n.recipient_user for n in overdue} == {responder.user}
    assert all(n.link_path == f"/routing/concerns/{late_concern.reference}/" for n in escalated)
