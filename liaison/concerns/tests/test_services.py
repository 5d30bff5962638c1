"""Submitting a concern, "me too" and drafts: the one path the form and the API share."""

import logging
from datetime import date, timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.audit.models import AuditEvent
from liaison.concerns import services
from liaison.concerns.models import (
    Concern,
    ConcernDraft,
    ConcernEvent,
    ConcernEventKind,
    ConcernStatus,
    IdempotencyRecord,
    Occurrence,
)
from liaison.concerns.services import ConcernInvalid, ConcernSubmission, add_occurrence, submit_concern
from liaison.privacy import scan_text

from .conftest import SYNTHETIC_NHS_NUMBER, submission_with

pytestmark = pytest.mark.django_db


def problems_of(error: ConcernInvalid) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in error.problems:
        found.setdefault(problem.field, []).append(problem.message)
    return found


def test_a_part_b_breach_is_stored_with_its_standard_time_limit_occurrence_event_and_audit(
    reporter, valid_submission, trust, practice, icb, published_code
):
    concern, created = submit_concern(membership=reporter, submission=valid_submission)

    assert created
    concern.refresh_from_db()
    assert concern.reference == f"LIA-{concern.pk:06d}"
    assert concern.reporter == reporter.user
    assert concern.reporter_organisation == practice
    assert concern.about_organisation == trust
    assert concern.reporter_icb == icb and concern.about_icb == icb
    assert concern.status == ConcernStatus.NEW
    assert concern.code_of_conduct_version == published_code
    assert concern.patient_reference == "E12345" and concern.patient_reference_system == "emis"
    [standard] = concern.standards_breached.all()
    assert standard.standard.code == "S02"
    assert standard.time_limit_text == "24 hours"
    [occurrence] = concern.occurrences.all()
    assert occurrence.is_original and occurrence.organisation == practice
    assert occurrence.event_date == valid_submission.event_date
    kinds = list(ConcernEvent.objects.filter(concern=concern).values_list("kind", flat=True))
    # Submitted, then handed to routing in the same transaction.
    assert kinds == [ConcernEventKind.SUBMITTED, ConcernEventKind.ROUTED]
    assert ConcernEvent.objects.get(concern=concern, kind=ConcernEventKind.SUBMITTED).actor == reporter.user
    audit = AuditEvent.objects.get(object_type="concerns.Concern", object_id=str(concern.pk))
    assert audit.changes["standards"] == ["S02"]
    assert audit.changes["patient_reference_given"] is True
    assert "E12345" not in str(audit.changes)


def test_the_time_limit_in_force_on_the_event_date_is_recorded(reporter, valid_submission):
    """Clinic letters: 10 days in 2017/18, 7 days from 1 April 2018."""
    in_2017 = submission_with(valid_submission, standards=["S03"], event_date=date(2017, 6, 1))
    concern, _ = submit_concern(membership=reporter, submission=in_2017, today=date(2017, 6, 20))
    assert concern.standards_breached.get().time_limit_text == "10 calendar days"

    in_2019 = submission_with(valid_submission, standards=["S03"], event_date=date(2019, 6, 1))
    concern, _ = submit_concern(membership=reporter, submission=in_2019, today=date(2019, 6, 20))
    assert concern.standards_breached.get().time_limit_text == "7 calendar days"


def test_every_required_field_is_reported_at_once_and_nothing_is_saved(reporter, published_code):
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=ConcernSubmission())
    assert problems_of(raised.value) == {
        "part": ["Select whether this is an emerging theme (Part A) or a breach of a standard (Part B)"],
        "about_organisation": ["Enter the organisation the concern is about"],
        "aspect_of_care": ["Select the aspect of care the concern is about"],
        "event_date": ["Enter the date of the event"],
        "what_happened": ["Enter what happened"],
    }
    assert Concern.objects.count() == 0


def test_part_b_needs_a_standard_of_the_code_in_force(reporter, valid_submission):
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=submission_with(valid_submission, standards=[]))
    assert problems_of(raised.value) == {"standards": ["Select at least one standard that was not met"]}

    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=submission_with(valid_submission, standards=["S99"]))
    [message] = problems_of(raised.value)["standards"]
    assert message.startswith(
        "“S99” is not a standard of the Cheshire and Merseyside Primary–Secondary Care Interface Code of Conduct on"
    )


def test_part_a_needs_no_standard_and_keeps_none(reporter, valid_submission):
    concern, _ = submit_concern(membership=reporter, submission=submission_with(valid_submission, part="A"))
    assert concern.part == "A" and not concern.standards_breached.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (1, "Date of the event must be today or in the past"),
        (-800, "Date of the event must be within the last 2 years"),
    ],
)
def test_the_event_date_is_not_in_the_future_nor_long_ago(reporter, valid_submission, day, message):
    event_date = timezone.localdate() + timedelta(days=day)
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(
            membership=reporter, submission=submission_with(valid_submission, event_date=event_date)
        )
    assert problems_of(raised.value)["event_date"] == [message]


def test_an_nhs_number_in_free_text_blocks_the_concern_names_the_field_and_saves_nothing(
    reporter, valid_submission, caplog
):
    text = f"Discharge summary for {SYNTHETIC_NHS_NUMBER} never arrived."
    caplog.set_level(logging.INFO, logger="liaison")
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=submission_with(valid_submission, what_happened=text))
    [problem] = raised.value.problems
    assert problem.field == "what_happened" and problem.code == "pid_blocked"
    assert problem.message.startswith("What happened contains an NHS number (999 ••• ••18). Remove it")
    assert text[problem.finding.start : problem.finding.end] == SYNTHETIC_NHS_NUMBER
    assert Concern.objects.count() == 0 and Occurrence.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="concerns.Concern").exists()
    # The detection is logged by kind and field, never with the text.
    assert any("nhs_number in field what_happened" in record.getMessage() for record in caplog.records)
    assert "0018" not in caplog.text


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("impact", "Family called from 0151 496 0000 twice", "Impact contains a phone number"),
        ("service_description", "Ward at L7 8XP", "Service or team contains a postcode"),
    ],
)
def test_every_free_text_field_is_guarded(reporter, valid_submission, field, text, message):
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=submission_with(valid_submission, **{field: text}))
    assert problems_of(raised.value)[field][0].startswith(message)


def test_a_possible_name_needs_confirmation_then_is_accepted(reporter, valid_submission):
    text = "Dr Patel in the surgical clinic said the letter had been sent."
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=submission_with(valid_submission, what_happened=text))
    [problem] = raised.value.problems
    assert problem.code == "pid_warning"
    assert problem.message.startswith("What happened may contain a person's name (Dr P•••)")

    # The web form confirms the exact warnings it showed; the API may confirm the field.
    result = scan_text(text)
    fingerprint = services.warning_fingerprint(text, result)
    stale = submission_with(valid_submission, what_happened=text, confirm_not_identifying=["what_happened:0"])
    with pytest.raises(ConcernInvalid):
        submit_concern(membership=reporter, submission=stale)
    confirmed = submission_with(
        valid_submission, what_happened=text, confirm_not_identifying=[f"what_happened:{fingerprint}"]
    )
    concern, _ = submit_concern(membership=reporter, submission=confirmed)
    assert concern.what_happened == text


def test_a_confirmation_does_not_cover_a_block(reporter, valid_submission):
    text = f"Mrs Smith, {SYNTHETIC_NHS_NUMBER}"
    confirmed = submission_with(
        valid_submission, what_happened=text, confirm_not_identifying=["what_happened"]
    )
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=confirmed)
    assert [problem.code for problem in raised.value.problems] == ["pid_blocked"]


@pytest.mark.parametrize(
    ("reference", "system", "expected"),
    [
        ("9990000018", "emis", "Local patient reference contains an NHS number"),
        ("999-000-0018", "hospital", "Local patient reference contains an NHS number"),
        ("E12345", "", "Select the system the patient reference comes from"),
    ],
)
def test_the_patient_reference_is_never_an_nhs_number_and_names_its_system(
    reporter, valid_submission, reference, system, expected
):
    bad = submission_with(valid_submission, patient_reference=reference, patient_reference_system=system)
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(membership=reporter, submission=bad)
    assert raised.value.problems[0].message.startswith(expected)
    assert Concern.objects.count() == 0


def test_a_trust_user_reports_about_a_practice(responder, practice, valid_submission, trust):
    about_practice = submission_with(
        valid_submission,
        part="A",
        about_organisation=practice.ods_code.lower(),
        aspect_of_care="referral",
        what_happened="Referral arrived without recent blood results or current medication.",
    )
    concern, _ = submit_concern(membership=responder, submission=about_practice)
    assert concern.reporter_organisation == trust
    assert concern.about_organisation == practice


def test_a_concern_cannot_be_about_your_own_organisation_or_a_commissioner(reporter, valid_submission, icb):
    for code, expected in [
        (reporter.organisation.ods_code, "Choose another organisation"),
        (icb.ods_code, "Choose the practice, PCN, trust or service"),
        ("ZZZ99", "“ZZZ99” is not an ODS code in the directory"),
    ]:
        with pytest.raises(ConcernInvalid) as raised:
            submit_concern(
                membership=reporter, submission=submission_with(valid_submission, about_organisation=code)
            )
        assert problems_of(raised.value)["about_organisation"][0].startswith(expected)


def test_administrators_do_not_report(administrator, valid_submission):
    with pytest.raises(PermissionError):
        submit_concern(membership=administrator, submission=valid_submission)


def test_a_concern_about_an_organisation_in_another_icb_uses_that_icbs_standards(
    reporter, valid_submission, other_icb_trust, other_icb
):
    concern, _ = submit_concern(
        membership=reporter,
        submission=submission_with(valid_submission, about_organisation=other_icb_trust.ods_code),
    )
    assert concern.about_icb == other_icb
    # The other ICB has no Code of Conduct: the national baseline applies.
    assert concern.code_of_conduct_version is None
    assert concern.standards_breached.get().time_limit_text == "24 hours"


def test_the_same_idempotency_key_never_makes_two_concerns(reporter, valid_submission):
    first, created = submit_concern(
        membership=reporter, submission=valid_submission, idempotency_key="k-1", fingerprint="a"
    )
    again, created_again = submit_concern(
        membership=reporter, submission=valid_submission, idempotency_key="k-1", fingerprint="a"
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(services.IdempotencyKeyReused, match=first.reference):
        submit_concern(
            membership=reporter, submission=valid_submission, idempotency_key="k-1", fingerprint="b"
        )
    assert Concern.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


# --- Me too ----------------------------------------------------------------------------------------


def test_me_too_adds_an_occurrence_once_per_person_per_day(submitted, other_reporter, event_day):
    occurrence = add_occurrence(membership=other_reporter, concern=submitted, event_date=event_day)
    assert occurrence.organisation == other_reporter.organisation and not occurrence.is_original
    assert submitted.occurrences.count() == 2
    assert submitted.events.filter(kind=ConcernEventKind.OCCURRENCE_ADDED).count() == 1

    with pytest.raises(ConcernInvalid) as raised:
        add_occurrence(membership=other_reporter, concern=submitted, event_date=event_day)
    assert problems_of(raised.value)["event_date"][0].startswith("You have already said this happened on")
    add_occurrence(membership=other_reporter, concern=submitted, event_date=event_day - timedelta(days=1))
    assert submitted.occurrences.count() == 3


def test_a_me_too_note_is_pid_checked_and_a_closed_concern_cannot_be_joined(
    submitted, other_reporter, event_day
):
    with pytest.raises(ConcernInvalid) as raised:
        add_occurrence(
            membership=other_reporter,
            concern=submitted,
            event_date=event_day,
            note=f"NHS {SYNTHETIC_NHS_NUMBER}",
        )
    assert problems_of(raised.value)["note"][0].startswith("Note contains an NHS number")
    assert submitted.occurrences.count() == 1

    Concern.objects.filter(pk=submitted.pk).update(status=ConcernStatus.CLOSED)
    submitted.refresh_from_db()
    with pytest.raises(ConcernInvalid) as raised:
        add_occurrence(membership=other_reporter, concern=submitted, event_date=event_day)
    assert problems_of(raised.value)["concern"] == [
        f"{submitted.reference} is closed: report a new concern if it has happened again"
    ]


# --- Drafts ----------------------------------------------------------------------------------------


def test_a_draft_keeps_clean_fields_and_leaves_out_any_with_pid(reporter, valid_submission):
    blocked = submission_with(
        valid_submission,
        what_happened=f"Summary for {SYNTHETIC_NHS_NUMBER} missing",
        patient_reference="9990000018",
    )
    saved = services.concern_draft_save(membership=reporter, submission=blocked)
    assert saved.left_out == ["what_happened", "patient_reference"]
    stored = ConcernDraft.objects.get().data
    assert "what_happened" not in stored and "patient_reference" not in stored
    assert "0018" not in str(stored)
    assert stored["about_organisation"] == "REM" and stored["standards"] == ["S02"]

    resumed = services.submission_from_draft(saved.draft)
    assert resumed.event_date == valid_submission.event_date and resumed.what_happened == ""

    clean = services.concern_draft_save(membership=reporter, submission=valid_submission, draft=saved.draft)
    assert clean.left_out == [] and ConcernDraft.objects.count() == 1
    concern, _ = submit_concern(
        membership=reporter, submission=services.submission_from_draft(clean.draft), draft=clean.draft
    )
    assert concern.what_happened == valid_submission.what_happened
    assert ConcernDraft.objects.count() == 0


def test_only_the_author_discards_a_draft(reporter, other_reporter, valid_submission):
    saved = services.concern_draft_save(membership=reporter, submission=valid_submission)
    with pytest.raises(PermissionError):
        services.concern_draft_discard(membership=other_reporter, draft=saved.draft)
    services.concern_draft_discard(membership=reporter, draft=saved.draft)
    assert ConcernDraft.objects.count() == 0


def test_a_trust_interface_lead_can_report_too(make_member, trust, practice, valid_submission):
    lead = make_member(Role.INTERFACE_LEAD, trust)
    concern, _ = submit_concern(
        membership=lead,
        submission=submission_with(valid_submission, part="A", about_organisation=practice.ods_code),
    )
    assert concern.reporter_organisation == trust


def test_nothing_is_half_stored_when_routing_fails(reporter, valid_submission, monkeypatch):
    def routing_down(**kwargs):
        raise RuntimeError("routing unavailable")

    monkeypatch.setattr("liaison.routing.services.route_new_concern", routing_down)
    with pytest.raises(RuntimeError):
        submit_concern(membership=reporter, submission=valid_submission)
    assert Concern.objects.count() == 0 and Occurrence.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="concerns.Concern").exists()
