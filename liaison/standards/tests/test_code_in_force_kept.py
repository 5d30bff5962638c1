"""The Code of Conduct in force is kept in the process between requests (every Part B submission reads
it), and read again as soon as anything in the registry changes, however it is changed."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.core import reference
from liaison.standards import selectors, services
from liaison.standards.models import Standard, StandardTimeLimit

pytestmark = pytest.mark.django_db

DAY = date(2025, 1, 1)


def _read(icb):
    with CaptureQueriesContext(connection) as captured:
        in_force = selectors.code_of_conduct_for(icb=icb, day=DAY)
    return in_force, len(captured.captured_queries)


def test_a_published_code_read_again_takes_one_query_and_gives_the_same_standards(published_code, icb):
    first, _ = _read(icb)
    again, queries = _read(icb)
    assert queries == 1
    assert again.version == published_code
    assert [(s.code, s.title, s.wording, s.time_limit) for s in again.standards] == [
        (s.code, s.title, s.wording, s.time_limit) for s in first.standards
    ]
    assert again.standards and all(s.entry is not None for s in again.standards)


def test_a_time_limit_changed_in_the_registry_is_read_at_once(published_code, icb):
    before, _ = _read(icb)
    s02 = next(s for s in before.standards if s.code == "S02")
    assert s02.time_limit is not None
    # A data fix, not through the registry's services: the database's trigger is enough.
    StandardTimeLimit.objects.filter(pk=s02.time_limit.pk).update(amount=s02.time_limit.amount + 5)
    after, queries = _read(icb)
    assert queries > 1  # the token, then the version, its standards and their time limits afresh
    assert next(s for s in after.standards if s.code == "S02").time_limit.amount == s02.time_limit.amount + 5


def test_every_registry_change_changes_the_reference_token(published_code, icb, icb_analyst):
    start = reference.token()
    services.standards_baseline_load()
    assert reference.token() == start  # the baseline is loaded already: nothing changed
    Standard.objects.filter(code="S02").update(title="Discharge letters (old wording)")
    after_fix = reference.token()
    assert after_fix != start
    services.standards_baseline_load()  # puts the national wording back
    after_baseline = reference.token()
    assert after_baseline != after_fix
    services.code_of_conduct_version_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        code_of_conduct=published_code.code_of_conduct,
        effective_from=date(2025, 4, 1),
    )
    assert reference.token() != after_baseline


def test_a_newly_published_version_is_in_force_at_once(published_code, icb, icb_analyst):
    _read(icb)
    draft = services.code_of_conduct_version_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        code_of_conduct=published_code.code_of_conduct,
        effective_from=date(2024, 12, 1),
    )
    entry = selectors.version_entry(version=draft, code="S02")
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=entry,
        local_title="Discharge letters",
        local_wording="Within a day.",
    )
    services.code_of_conduct_version_publish(actor=icb_analyst.user, membership=icb_analyst, version=draft)
    after, _ = _read(icb)
    assert after.version.pk == draft.pk
    assert next(s for s in after.standards if s.code == "S02").title == "Discharge letters"
