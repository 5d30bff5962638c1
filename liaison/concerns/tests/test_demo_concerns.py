"""The demo concerns: realistic, free of PID, in both directions, and loaded once however often it runs."""

import pytest

from liaison.accounts.models import Role
from liaison.concerns.models import Concern, Occurrence
from liaison.core.demo import DEMO_CONCERNS, demo_concerns_load
from liaison.core.factories import PracticeFactory, TrustFactory
from liaison.privacy import scan_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cast(icb, other_icb, trust, baseline, make_member):
    practices = {
        name: PracticeFactory(icb=icb)
        for name in ("gp.liverpool", "pm.wirral", "nurse.sefton", "lead.practice")
    }
    for code in ("RBL", "RW4", "RBS"):
        TrustFactory(ods_code=code, icb=icb)
    sussex = TrustFactory(ods_code="RYR", icb=other_icb)
    roles = {"lead.practice": Role.INTERFACE_LEAD}
    for name, practice in practices.items():
        make_member(roles.get(name, Role.REPORTER), practice, username=name)
    make_member(Role.RESPONDER, trust, username="responder.luhft")
    make_member(Role.INTERFACE_LEAD, TrustFactory(ods_code="RBS"), username="lead.alderhey")
    make_member(Role.REPORTER, PracticeFactory(icb=other_icb), username="gp.brighton")
    return sussex


def test_demo_concerns_load_once_with_their_me_too(demo_cast):
    assert demo_concerns_load() == len(DEMO_CONCERNS)
    assert demo_concerns_load() == 0
    assert Concern.objects.count() == len(DEMO_CONCERNS)
    discharge = Concern.objects.get(about_organisation__ods_code="REM")
    assert discharge.occurrences.count() == 3
    assert Occurrence.objects.count() == len(DEMO_CONCERNS) + 2
    # Both directions: a trust reports about a practice.
    assert Concern.objects.filter(
        reporter__username="responder.luhft", about_organisation__org_type="gp_practice"
    ).exists()


def test_demo_texts_are_free_of_pid():
    for spec in DEMO_CONCERNS:
        assert scan_text(spec.what_happened).clean and scan_text(spec.impact).clean
