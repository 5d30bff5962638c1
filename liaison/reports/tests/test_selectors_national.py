"""The national month: every ICB's report made from one pass is, ICB by ICB, the report made alone."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.core.factories import OrganisationFactory, TrustFactory
from liaison.directory.models import OrganisationType
from liaison.reports import selectors
from liaison.reports.models import ReportVersion
from liaison.standards.models import CodeOfConduct, CodeOfConductVersion, CodeStandard

OCT = date(2026, 10, 1)


def _publish_code(icb, baseline, *, effective_from, codes):
    code, _ = CodeOfConduct.objects.get_or_create(icb=icb, defaults={"title": f"{icb.name} Code of Conduct"})
    version = CodeOfConductVersion.objects.create(
        code_of_conduct=code,
        version=str(code.versions.count() + 1),
        effective_from=effective_from,
        published_at=timezone.now(),
    )
    for standard_code in codes:
        CodeStandard.objects.create(version=version, standard=baseline[standard_code])
    return version


@pytest.fixture
def three_icbs(icb, other_icb, trust, site, other_icb_trust, baseline, make_breach, me_too, second_reporter):
    """Three ICBs with different rules: ``icb`` publishes a Code in mid-October that leaves S03 out,
    ``other_icb`` keeps the national baseline, and a third has no concerns at all."""
    quiet_icb = OrganisationFactory(ods_code="QQQ", name="NHS QUIET ICB", org_type=OrganisationType.ICB)
    second_trust = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    _publish_code(icb, baseline, effective_from=date(2026, 10, 15), codes=["S02", "S08"])
    for day in (2, 9, 16, 23, 30):
        for event in (date(2026, 10, day), date(2026, 9, day), date(2026, 5, day)):
            concern = make_breach(["S02", "S03"], event, about=[trust, site, second_trust][day % 3])
            if day % 2:
                me_too(concern, second_reporter, event.replace(day=day - 1))
            make_breach(["S03", "S08"], event, about=other_icb_trust)
    make_breach(["S02"], date(2026, 10, 4), outcome="duplicate")
    make_breach(["S02"], date(2026, 10, 5), part="A")
    return [icb, other_icb, quiet_icb]


def _shown(data):
    """Everything a report shows in its tables, as plain values."""
    return {
        period: (
            table.column_labels,
            [(key, [cell.shown for cell in cells], total.shown) for _, key, cells, total in table.rows()],
        )
        for period, table in data.tables.items()
    }


@pytest.mark.parametrize("version", [ReportVersion.ICB, ReportVersion.NEWSLETTER])
def test_every_icbs_report_from_one_pass_is_its_report_made_alone(three_icbs, version):
    together = list(selectors.monthly_reports_for_month(icbs=three_icbs, month=OCT, version=version))

    assert [data.icb for data in together] == three_icbs
    for data in together:
        alone = selectors.monthly_report(icb=data.icb, month=OCT, version=version)
        assert data.standards == alone.standards
        assert _shown(data) == _shown(alone)
    # The ICB with a Code that left S03 out in the second half of October still counts its early S03s,
    # and the baseline ICB counts S03 all month: one pass, each ICB's own rules.
    first, second, quiet = together
    assert "S03" in first.tables["month"].column_labels and "S08" in first.tables["month"].column_labels
    assert first.tables["month"].totals()[1].value > 0 and second.tables["month"].totals()[1].value > 0
    assert quiet.tables["month"].rows() == []


def test_the_national_month_reads_the_breach_events_once_whatever_the_number_of_icbs(three_icbs):
    with CaptureQueriesContext(connection) as captured:
        reports = list(
            selectors.monthly_reports_for_month(icbs=three_icbs, month=OCT, version=ReportVersion.ICB)
        )
    reads = [query for query in captured.captured_queries if "concerns_occurrence" in query["sql"]]
    assert len(reports) == 3
    assert len(reads) == 1


def test_the_standards_in_force_for_many_icbs_are_each_icbs_own(three_icbs, baseline):
    icb = three_icbs[0]
    _publish_code(icb, baseline, effective_from=date(2026, 11, 1), codes=["S03"])
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    together = selectors.in_force_windows_for(three_icbs, start=start, end=end)

    for each in three_icbs:
        assert together[each.pk] == selectors.in_force_windows(icb=each, start=start, end=end)
    assert together[icb.pk] != together[three_icbs[1].pk]


def test_every_version_from_one_read_is_the_version_made_alone(three_icbs, trust):
    icb = three_icbs[0]
    inputs = selectors.report_inputs(icb=icb, month=OCT)
    for version, provider in (
        (ReportVersion.ICB, None),
        (ReportVersion.NEWSLETTER, None),
        (ReportVersion.PROVIDER, trust),
    ):
        with CaptureQueriesContext(connection) as captured:
            shared = selectors.monthly_report(
                icb=icb, month=OCT, version=version, provider=provider, inputs=inputs
            )
        assert not [query for query in captured.captured_queries if "concerns_occurrence" in query["sql"]]
        alone = selectors.monthly_report(icb=icb, month=OCT, version=version, provider=provider)
        assert shared.standards == alone.standards
        assert _shown(shared) == _shown(alone)
