"""Who sees which concern, and its patient reference: across organisations and ICBs."""

import pytest
from django.http import Http404

from liaison.accounts.models import Role
from liaison.concerns import selectors
from liaison.concerns.services import add_occurrence, submit_concern
from liaison.core.factories import PracticeFactory

from .conftest import submission_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(
    reporter,
    other_reporter,
    responder,
    interface_lead,
    icb_analyst,
    administrator,
    make_member,
    other_icb_trust,
):
    return {
        "reporting practice": reporter,
        "another practice in the ICB": other_reporter,
        "responder at the trust": responder,
        "interface lead at the trust": interface_lead,
        "reporter at the trust": make_member(Role.REPORTER, responder.organisation),
        "ICB analyst": icb_analyst,
        "ICB administrator": administrator,
        "analyst in another ICB": make_member(Role.ICB_ANALYST, other_icb_trust.icb),
        "responder in another ICB": make_member(Role.RESPONDER, other_icb_trust),
    }


VISIBLE = {
    "reporting practice": True,
    "another practice in the ICB": False,
    "responder at the trust": True,
    "interface lead at the trust": True,
    "reporter at the trust": True,
    "ICB analyst": True,
    "ICB administrator": False,
    "analyst in another ICB": False,
    "responder in another ICB": False,
}
PATIENT_REFERENCE = {
    "reporting practice": True,
    "another practice in the ICB": False,
    "responder at the trust": True,
    "interface lead at the trust": True,
    "reporter at the trust": False,
    "ICB analyst": False,
    "ICB administrator": False,
    "analyst in another ICB": False,
    "responder in another ICB": False,
}


def test_who_sees_a_concern_and_its_patient_reference(cast, submitted):
    seen = {
        name: selectors.concerns_visible_to(m).filter(pk=submitted.pk).exists() for name, m in cast.items()
    }
    assert seen == VISIBLE
    reference = {name: selectors.patient_reference_visible(m, submitted) for name, m in cast.items()}
    assert reference == PATIENT_REFERENCE


def test_concern_for_is_404_for_anyone_who_cannot_see_it(cast, submitted):
    assert selectors.concern_for(cast["reporting practice"], submitted.reference).pk == submitted.pk
    assert selectors.concern_for(cast["ICB analyst"], str(submitted.pk)).pk == submitted.pk
    for name in ("another practice in the ICB", "analyst in another ICB", "ICB administrator"):
        with pytest.raises(Http404):
            selectors.concern_for(cast[name], submitted.reference)
    with pytest.raises(Http404):
        selectors.concern_for(cast["reporting practice"], "LIA-nonsense")


def test_another_practice_may_join_an_open_concern_and_then_sees_it(other_reporter, submitted, event_day):
    joinable = selectors.concern_joinable_for(other_reporter, submitted.reference)
    add_occurrence(membership=other_reporter, concern=joinable, event_date=event_day)
    concern = selectors.concern_for(other_reporter, submitted.reference)
    assert selectors.occurrence_count(concern) == 2
    assert not selectors.patient_reference_visible(other_reporter, concern)


def test_a_practice_in_another_icb_cannot_join(make_member, other_icb, submitted):
    sussex_practice = PracticeFactory(icb=other_icb)
    sussex_gp = make_member(Role.REPORTER, sussex_practice)
    with pytest.raises(Http404):
        selectors.concern_joinable_for(sussex_gp, submitted.reference)


def test_an_icb_analyst_sees_concerns_reported_from_the_icb_about_another_icb(
    reporter, valid_submission, other_icb_trust, icb_analyst, make_member
):
    concern, _ = submit_concern(
        membership=reporter,
        submission=submission_with(valid_submission, about_organisation=other_icb_trust.ods_code),
    )
    other_analyst = make_member(Role.ICB_ANALYST, other_icb_trust.icb)
    assert selectors.concerns_visible_to(icb_analyst).filter(pk=concern.pk).exists()
    assert selectors.concerns_visible_to(other_analyst).filter(pk=concern.pk).exists()


def test_similar_open_concerns_match_organisation_and_aspect_or_standard(
    submitted, other_reporter, trust, practice
):
    by_aspect = selectors.similar_open_concerns(
        other_reporter, about_organisation=trust, aspect_of_care="discharge"
    )
    assert [item.concern.pk for item in by_aspect] == [submitted.pk]
    by_standard = selectors.similar_open_concerns(
        other_reporter, about_organisation=trust, aspect_of_care="results", standard_codes=["s02"]
    )
    assert by_standard[0].shared_standards == ["S02"] and not by_standard[0].same_aspect
    assert (
        selectors.similar_open_concerns(other_reporter, about_organisation=trust, aspect_of_care="results")
        == []
    )
    assert (
        selectors.similar_open_concerns(
            other_reporter, about_organisation=practice, aspect_of_care="discharge"
        )
        == []
    )


def test_concern_list_filters(reporter, submitted, valid_submission):
    submit_concern(membership=reporter, submission=submission_with(valid_submission, part="A"))
    assert selectors.concern_list(reporter).count() == 2
    assert selectors.concern_list(reporter, part="B").get().pk == submitted.pk
    assert selectors.concern_list(reporter, status="open").count() == 2
    assert selectors.concern_list(reporter, status="closed").count() == 0
    assert selectors.concern_list(reporter, direction="about").count() == 0


def test_drafts_are_only_their_authors(reporter, other_reporter, valid_submission):
    from liaison.concerns.services import concern_draft_save

    saved = concern_draft_save(membership=reporter, submission=valid_submission)
    assert selectors.draft_for(reporter, saved.draft.public_id) == saved.draft
    with pytest.raises(Http404):
        selectors.draft_for(other_reporter, saved.draft.public_id)
    with pytest.raises(Http404):
        selectors.draft_for(reporter, "not-a-uuid")
