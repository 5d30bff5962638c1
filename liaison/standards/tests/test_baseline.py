from io import StringIO

import pytest
from django.core.management import call_command

from liaison.audit.models import AuditEvent
from liaison.standards.baseline import BASELINE
from liaison.standards.models import Area, Standard, StandardTimeLimit

pytestmark = pytest.mark.django_db

EXPECTED = {
    "S01": "dna-discharge",
    "S02": "discharge-summary",
    "S03": "clinic-letter",
    "S04": "onward-referral",
    "S05": "tests-results",
    "S06": "discharge-medication",
    "S07": "fit-note",
    "S08": "points-of-contact",
    "S09": "shared-care-prescribing",
    "S10": "referral-rejection",
    "S11": "call-recall",
    "S12": "interface-lead",
}


def test_the_migration_seeds_the_twelve_national_standards():
    # The data migration ran when the test database was made; nothing here loads it.
    national = dict(Standard.objects.filter(owner_icb__isnull=True).values_list("code", "slug"))
    assert national == EXPECTED


def test_clinic_letters_have_three_dated_time_limits():
    limits = StandardTimeLimit.objects.filter(standard__code="S03").order_by("in_force_from")
    assert [
        (limit.amount, limit.unit, str(limit.in_force_from), str(limit.in_force_to)) for limit in limits
    ] == [
        (14, "days", "2016-04-01", "2017-03-31"),
        (10, "days", "2017-04-01", "2018-03-31"),
        (7, "days", "2018-04-01", "None"),
    ]


def test_seeded_facts_match_the_domain_table(baseline):
    by_code = {s.code: s for s in Standard.objects.filter(owner_icb__isnull=True)}
    assert by_code["S02"].clause == "SC11.5" and by_code["S02"].clause_verified
    assert by_code["S03"].clause == "SC11.7"
    assert by_code["S10"].clause == "SC6.8"
    assert {code for code, s in by_code.items() if not s.clause_verified} == {"S01", "S05", "S07"}
    assert by_code["S04"].area == Area.ONWARD_REFERRALS
    assert by_code["S08"].area == Area.CLEAR_POINTS_OF_CONTACT
    assert by_code["S01"].area == Area.CALL_AND_RECALL
    assert "trust" in by_code["S02"].applies_to_provider_types
    assert set(by_code["S02"].applies_to_settings) == {"inpatient", "day_case", "a_and_e"}
    a_and_g = StandardTimeLimit.objects.get(standard__code="S10")
    assert (a_and_g.amount, a_and_g.unit, str(a_and_g.in_force_from)) == (5, "working_days", "2025-04-01")
    assert a_and_g.applies_to == "Advice & Guidance"
    assert StandardTimeLimit.objects.get(standard__code="S02").describe() == "24 hours"
    assert StandardTimeLimit.objects.get(standard__code="S06").describe().startswith("7 days' supply")
    # Every requirement is written out as at least a full sentence.
    assert all(len(s.requirement) > 80 and s.requirement.endswith(".") for s in by_code.values())


def test_load_standards_is_idempotent(baseline):
    before_events = AuditEvent.objects.count()
    before = list(Standard.objects.values().order_by("code"))
    before_limits = list(StandardTimeLimit.objects.values().order_by("id"))
    out = StringIO()
    call_command("load_standards", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert list(Standard.objects.values().order_by("code")) == before
    assert list(StandardTimeLimit.objects.values().order_by("id")) == before_limits
    assert AuditEvent.objects.count() == before_events


def test_load_standards_restores_changed_text_in_place_and_audits_it(baseline):
    s03 = Standard.objects.get(code="S03")
    s03_id = s03.pk
    s03.requirement = "Edited by hand."
    s03.save()
    StandardTimeLimit.objects.filter(standard=s03, amount=10).update(amount=11)
    StandardTimeLimit.objects.filter(standard__code="S02").delete()

    out = StringIO()
    call_command("load_standards", stdout=out)

    s03 = Standard.objects.get(code="S03")
    assert s03.pk == s03_id  # updated in place
    assert s03.requirement == next(item.requirement for item in BASELINE if item.code == "S03")
    assert StandardTimeLimit.objects.filter(standard=s03, amount=10).exists()
    assert StandardTimeLimit.objects.filter(standard__code="S02", amount=24).exists()
    assert "Updated standard S03: requirement" in out.getvalue()
    event = AuditEvent.objects.filter(object_type="standards.Standard", object_id=str(s03_id)).first()
    assert event.action == "update"
    assert event.changes["requirement"][0] == "Edited by hand."
    assert event.changes["requirement"][1].startswith("After an outpatient attendance")


def test_load_standards_leaves_local_standards_alone(baseline, icb):
    Standard.objects.create(
        code="L-QYG-01", slug="l-qyg-01", title="Local", requirement="Local.", source="Local", owner_icb=icb
    )
    call_command("load_standards", stdout=StringIO())
    assert Standard.objects.filter(code="L-QYG-01", title="Local").exists()
