"""The workflow: every transition allowed and refused, outcomes, redirect, reopen, rating and merge."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.audit.models import AuditEvent
from liaison.concerns.models import (
    Concern,
    ConcernEvent,
    ConcernEventKind,
    ConcernOutcome,
    ConcernStatus,
    Occurrence,
)
from liaison.core.factories import PracticeFactory, TrustFactory
from liaison.routing import services
from liaison.routing.models import ConcernClock, Rating

S = ConcernStatus
ALL_STATUSES = list(S.values)
ALLOWED = {
    (S.NEW, S.ACKNOWLEDGED),
    (S.ACKNOWLEDGED, S.INVESTIGATING),
    (S.ACKNOWLEDGED, S.RESPONDED),
    (S.INVESTIGATING, S.ACTION_AGREED),
    (S.INVESTIGATING, S.RESPONDED),
    (S.ACTION_AGREED, S.INVESTIGATING),
    (S.ACTION_AGREED, S.RESPONDED),
    (S.RESPONDED, S.INVESTIGATING),
    (S.RESPONDED, S.CLOSED),
}


@pytest.fixture
def routed(make_concern, responder):
    concern = make_concern()
    services.route_new_concern(concern=concern, actor=concern.reporter)
    return concern


def test_the_transition_table_is_the_one_documented():
    table = {(a, b) for a, targets in services.ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), [(a, b) for a in ALL_STATUSES for b in ALL_STATUSES])
def test_every_transition_is_allowed_or_refused(routed, responder, from_status, to_status):
    Concern.objects.filter(pk=routed.pk).update(status=from_status, outcome=ConcernOutcome.UPHELD)
    routed.refresh_from_db()
    events_before = ConcernEvent.objects.filter(concern=routed).count()
    if (from_status, to_status) in ALLOWED:
        services.concern_change_status(
            membership=responder, concern=routed, to_status=to_status, reason="Checked"
        )
        routed.refresh_from_db()
        assert routed.status == to_status
        event = ConcernEvent.objects.filter(concern=routed).latest("id")
        assert (event.kind, event.from_status, event.to_status, event.actor, event.reason) == (
            ConcernEventKind.STATUS_CHANGED,
            from_status,
            to_status,
            responder.user,
            "Checked",
        )
        assert AuditEvent.objects.filter(
            object_id=str(routed.pk), changes__status=[from_status, to_status]
        ).exists()
    else:
        with pytest.raises(services.WorkflowError):
            services.concern_change_status(membership=responder, concern=routed, to_status=to_status)
        routed.refresh_from_db()
        assert routed.status == from_status
        assert ConcernEvent.objects.filter(concern=routed).count() == events_before


def test_closing_needs_an_outcome_first(routed, responder):
    Concern.objects.filter(pk=routed.pk).update(status=S.RESPONDED)
    with pytest.raises(services.WorkflowError, match="Record the outcome"):
        services.concern_change_status(membership=responder, concern=routed, to_status=S.CLOSED)
    services.concern_record_outcome(
        membership=responder, concern=routed, outcome=ConcernOutcome.PARTLY_UPHELD
    )
    services.concern_change_status(membership=responder, concern=routed, to_status=S.CLOSED)
    routed.refresh_from_db()
    assert (routed.status, routed.outcome) == (S.CLOSED, ConcernOutcome.PARTLY_UPHELD)
    clock = ConcernClock.objects.get(concern=routed)
    assert clock.stopped_at is not None and clock.responded_at is not None


def test_outcome_is_recorded_separately_and_only_responder_outcomes(routed, responder):
    services.concern_record_outcome(
        membership=responder,
        concern=routed,
        outcome=ConcernOutcome.UPHELD,
        reason="Letters now sent same day",
    )
    routed.refresh_from_db()
    assert (routed.status, routed.outcome) == (S.NEW, ConcernOutcome.UPHELD)
    event = ConcernEvent.objects.get(concern=routed, kind=ConcernEventKind.OUTCOME_RECORDED)
    assert event.reason == "Outcome: Upheld. Letters now sent same day"
    for outcome in (ConcernOutcome.DUPLICATE, ConcernOutcome.REDIRECTED, "fixed"):
        with pytest.raises(services.WorkflowError):
            services.concern_record_outcome(membership=responder, concern=routed, outcome=outcome)


def test_acknowledging_stops_the_acknowledge_clock(routed, responder):
    services.concern_acknowledge(membership=responder, concern=routed)
    assert ConcernClock.objects.get(concern=routed).acknowledged_at is not None


def test_free_text_with_patient_details_is_refused(routed, responder):
    with pytest.raises(services.WorkflowError, match="NHS number") as error:
        services.concern_change_status(
            membership=responder, concern=routed, to_status=S.ACKNOWLEDGED, reason="Patient 943 476 5919 seen"
        )
    assert error.value.field == "reason"
    routed.refresh_from_db()
    assert routed.status == S.NEW


class TestRedirect:
    def test_not_ours_routes_again_and_tells_the_reporter(self, routed, responder, icb, make_member):
        other = TrustFactory(
            icb=icb, ods_code="RBN", name="ST HELENS AND KNOWSLEY TEACHING HOSPITALS NHS TRUST"
        )
        other_responder = make_member(Role.RESPONDER, other)
        services.concern_acknowledge(membership=responder, concern=routed)
        decision = services.concern_redirect(
            membership=responder, concern=routed, to_organisation=other, reason="Clinic is run by St Helens"
        )
        routed.refresh_from_db()
        assert routed.about_organisation == other
        assert routed.status == S.NEW
        assert [a.organisation for a in routed.assignments.active()] == [other]
        assert decision.explanation.startswith(
            "Redirected by Liverpool University Hospitals NHS Foundation Trust."
        )
        event = ConcernEvent.objects.get(concern=routed, kind=ConcernEventKind.REDIRECTED)
        assert (event.from_status, event.to_status) == (S.ACKNOWLEDGED, S.NEW)
        assert "Not ours because: Clinic is run by St Helens" in event.reason
        clock = ConcernClock.objects.get(concern=routed)
        assert clock.cycle == 2 and clock.acknowledged_at is None
        assert other_responder.organisation == other

    def test_needs_a_reason_and_another_organisation(self, routed, responder, trust):
        with pytest.raises(services.WorkflowError, match="Enter the why it is not yours"):
            services.concern_redirect(
                membership=responder, concern=routed, to_organisation=TrustFactory(), reason=""
            )
        with pytest.raises(services.WorkflowError, match="already about that organisation"):
            services.concern_redirect(
                membership=responder, concern=routed, to_organisation=trust, reason="Not ours"
            )


class TestReopen:
    def _respond(self, concern, responder):
        services.concern_acknowledge(membership=responder, concern=concern)
        services.concern_change_status(membership=responder, concern=concern, to_status=S.RESPONDED)

    def test_reporter_reopens_within_28_days(self, routed, responder, reporter):
        self._respond(routed, responder)
        services.concern_record_outcome(
            membership=responder, concern=routed, outcome=ConcernOutcome.NOT_UPHELD
        )
        services.concern_reopen(membership=reporter, concern=routed, reason="It happened again this week")
        routed.refresh_from_db()
        assert (routed.status, routed.outcome) == (S.INVESTIGATING, "")
        event = ConcernEvent.objects.get(concern=routed, kind=ConcernEventKind.REOPENED)
        assert (event.from_status, event.to_status, event.actor) == (
            S.RESPONDED,
            S.INVESTIGATING,
            reporter.user,
        )
        clock = ConcernClock.objects.get(concern=routed)
        assert clock.cycle == 2 and clock.responded_at is None and clock.respond_due > date.today()

    def test_not_after_28_days(self, routed, responder, reporter):
        self._respond(routed, responder)
        ConcernEvent.objects.filter(concern=routed, to_status=S.RESPONDED).update(
            occurred_at=timezone.now() - timedelta(days=29)
        )
        with pytest.raises(services.WorkflowError, match="can no longer be reopened"):
            services.concern_reopen(membership=reporter, concern=routed, reason="Again")

    def test_only_the_reporting_organisation_and_only_once_responded(self, routed, responder, reporter):
        with pytest.raises(services.WorkflowError, match="responded to or closed"):
            services.concern_reopen(membership=reporter, concern=routed, reason="Again")
        self._respond(routed, responder)
        with pytest.raises(services.WorkflowError, match="Only the organisation that reported"):
            services.concern_reopen(membership=responder, concern=routed, reason="Again")


def test_reporter_rates_the_response_once(routed, responder, reporter):
    with pytest.raises(services.WorkflowError, match="once the concern has been responded to"):
        services.concern_rate(membership=reporter, concern=routed, score=4)
    services.concern_acknowledge(membership=responder, concern=routed)
    services.concern_change_status(membership=responder, concern=routed, to_status=S.RESPONDED)
    with pytest.raises(services.WorkflowError, match="Only the organisation"):
        services.concern_rate(membership=responder, concern=routed, score=5)
    with pytest.raises(services.WorkflowError, match="Choose a rating"):
        services.concern_rate(membership=reporter, concern=routed, score=9)
    services.concern_rate(membership=reporter, concern=routed, score=4)
    assert Rating.objects.get(concern=routed).score == 4
    assert (
        ConcernEvent.objects.get(concern=routed, kind=ConcernEventKind.RATED).reason
        == "Rated 4 out of 5: Good"
    )
    with pytest.raises(services.WorkflowError, match="already been rated"):
        services.concern_rate(membership=reporter, concern=routed, score=2)


def test_merge_keeps_every_occurrence(make_concern, responder, reporter, make_member, icb):
    keep = make_concern()
    duplicate = make_concern(event_date=date(2026, 10, 29))
    other_practice = make_member(Role.REPORTER, PracticeFactory(icb=icb))
    Occurrence.objects.create(
        concern=duplicate,
        organisation=other_practice.organisation,
        reported_by=other_practice.user,
        event_date=date(2026, 10, 28),
    )
    # The same person on the same day on both: one occurrence, already on the concern kept.
    Occurrence.objects.create(
        concern=duplicate,
        organisation=reporter.organisation,
        reported_by=reporter.user,
        event_date=keep.event_date,
    )
    for concern in (keep, duplicate):
        services.route_new_concern(concern=concern, actor=None)

    services.concern_merge(membership=responder, duplicate=duplicate, into=keep, reason="Same clinic letters")

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert sorted(o.event_date.day for o in keep.occurrences.all()) == [28, 29, 30]
    assert keep.occurrences.filter(is_original=True).count() == 1
    assert (duplicate.status, duplicate.outcome) == (S.CLOSED, ConcernOutcome.DUPLICATE)
    assert duplicate.assignments.active().count() == 0
    assert ConcernEvent.objects.get(concern=duplicate, kind=ConcernEventKind.MERGED).reason.startswith(
        f"Merged into {keep.reference} as a duplicate."
    )
    assert (
        "2 occurrence(s) moved across"
        in ConcernEvent.objects.get(concern=keep, kind=ConcernEventKind.MERGED).reason
    )
    with pytest.raises(services.WorkflowError):
        services.concern_merge(membership=responder, duplicate=keep, into=keep)


def test_nothing_is_half_written_when_a_step_fails(routed, responder, monkeypatch):
    """The status, the event and the audit row are written together or not at all."""

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(services, "_audit", broken_audit)
    with pytest.raises(RuntimeError):
        services.concern_acknowledge(membership=responder, concern=routed)
    routed.refresh_from_db()
    assert routed.status == S.NEW
    assert not ConcernEvent.objects.filter(concern=routed, kind=ConcernEventKind.STATUS_CHANGED).exists()


def test_responders_are_told_of_a_new_concern_and_the_reporter_of_each_change(routed, responder, reporter):
    from liaison.notifications.models import Notification

    assigned = Notification.objects.filter(concern=routed, kind="concern_assigned", channel="in_app")
    assert [n.recipient_user for n in assigned] == [responder.user]
    services.concern_acknowledge(membership=responder, concern=routed)
    told = Notification.objects.filter(concern=routed, kind="concern_acknowledged", channel="in_app")
    assert [n.recipient_user for n in told] == [reporter.user]
    services.thread_post(membership=responder, concern=routed, body="Looking into it", internal=True)
    assert not Notification.objects.filter(concern=routed, kind="reply_posted").exists()
