"""Small numbers are suppressed in every version that leaves the ICB, and cannot be worked back out."""

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.reports import selectors
from liaison.reports.models import ReportVersion
from liaison.reports.suppression import Table, suppress_table

OCT = date(2026, 10, 1)


def _table(values) -> Table:
    return Table(
        row_labels=[f"P{r}" for r in range(len(values))],
        row_keys=[f"P{r}" for r in range(len(values))],
        column_labels=[f"S{c}" for c in range(len(values[0]))],
        values=[list(row) for row in values],
    )


def _derivable(table: Table, top: int = 16) -> set[tuple[int, int]]:
    """Hidden cells whose value a reader could work out: every assignment of values to the hidden cells
    that agrees with every shown total is tried (with numpy, all at once) — 1 to 4 for a cell shown
    as "<5", 5 to ``top`` for one withheld as "*", as a reader would; a cell is derivable when all
    agreeing assignments give it the same value."""
    rows, columns = table.row_count, table.column_count
    hidden_cells = sorted(p for p in table.hidden if p[0] < rows and p[1] < columns)
    if not hidden_cells:
        return set()
    ranges = [
        np.arange(1, 5) if table.cell(*cell).shown == "<5" else np.arange(5, top + 1) for cell in hidden_cells
    ]
    guesses = np.stack(np.meshgrid(*ranges, indexing="ij"), axis=-1).reshape(-1, len(hidden_cells))
    agrees = np.ones(len(guesses), dtype=bool)
    for r in range(rows + 1):
        for c in range(columns + 1):
            if (r, c) in table.hidden or (r < rows and c < columns):
                continue
            # A shown total: the hidden cells under it must add up to it less the shown cells under it.
            under = [
                (rr, cc)
                for rr in (range(rows) if r == rows else [r])
                for cc in (range(columns) if c == columns else [c])
            ]
            known = sum(table.values[rr][cc] for rr, cc in under if (rr, cc) not in table.hidden)
            columns_used = [hidden_cells.index(p) for p in under if p in table.hidden]
            agrees &= guesses[:, columns_used].sum(axis=1) == table.value_at(r, c) - known
    solutions = guesses[agrees]
    return {cell for index, cell in enumerate(hidden_cells) if len(set(solutions[:, index])) == 1}


def test_numbers_from_one_to_four_are_shown_as_less_than_five():
    table = suppress_table(_table([[0, 3, 12], [7, 9, 20]]))
    shown = [[cell.shown for cell in cells] for _, _, cells, _ in table.rows()]
    assert shown[0][0] == "0"  # zero identifies nobody
    assert shown[0][1] == "<5"
    assert "3" not in str(shown)


def test_a_hidden_number_cannot_be_worked_out_from_the_totals():
    table = suppress_table(_table([[0, 3, 12], [7, 9, 20]]))
    # Without secondary suppression, 15 - 0 - 12 would give back the 3: the row's total is hidden, and so
    # are the column's and the grand total, which would give it back with the other row.
    assert {(0, 1), (0, 3), (2, 1), (2, 3)} <= table.hidden
    assert table.cell(0, 3).shown == "*" and table.cell(0, 1).shown == "<5"
    assert _derivable(table) == set()


def test_a_column_total_and_the_grand_total_together_give_nothing_back():
    """Found by the property test below: hiding extra cells kept these two totals shown, and the grand
    total less the first column's total gave back the 1 in the second row."""
    table = suppress_table(_table([[1, 0, 0], [5, 5, 1]]))
    assert _derivable(table) == set()
    assert (2, 3) in table.hidden


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 14]), min_size=2, max_size=3),
        min_size=2,
        max_size=3,
    ).filter(lambda rows: len({len(row) for row in rows}) == 1)
)
def test_no_small_number_is_ever_derivable(values):
    table = suppress_table(_table(values))
    rows, columns = table.row_count, table.column_count
    for r in range(rows + 1):
        for c in range(columns + 1):
            if 0 < table.value_at(r, c) < 5:
                assert (r, c) in table.hidden
    small = {(r, c) for r in range(rows) for c in range(columns) if 0 < values[r][c] < 5}
    assert not (_derivable(table) & small)


def test_the_icb_version_shows_exact_numbers_and_the_others_suppress(icb, make_breach, second_practice):
    for day in (1, 2, 3):
        make_breach(["S02"], date(2026, 10, day))
    for day in range(1, 8):
        make_breach(["S03"], date(2026, 10, day))
    internal = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.ICB)
    newsletter = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    internal_cells = {
        code: cell.shown
        for code, cell in zip(
            internal.tables["month"].column_labels, internal.tables["month"].rows()[0][2], strict=True
        )
    }
    assert (internal_cells["S02"], internal_cells["S03"]) == ("3", "7")
    newsletter_cells = {
        code: cell.shown
        for code, cell in zip(
            newsletter.tables["month"].column_labels, newsletter.tables["month"].rows()[0][2], strict=True
        )
    }
    assert newsletter_cells["S02"] == "<5"
    # The provider's total (10) is withheld: with S03's 7 shown it would give back the 3. The 7 is not
    # small and is shown as it is, never as "<5".
    assert newsletter_cells["S03"] == "7"
    assert newsletter.tables["month"].rows()[0][3].shown == "*"


def test_the_provider_version_hides_what_the_newsletter_hides(icb, trust, make_breach):
    from liaison.core.factories import TrustFactory

    other = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    for day in range(1, 3):
        make_breach(["S02"], date(2026, 10, day))
    for day in range(1, 10):
        make_breach(["S02"], date(2026, 10, day), about=other)
        make_breach(["S03"], date(2026, 10, day), about=other)
    newsletter = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    provider = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.PROVIDER, provider=other)
    whole = {key: [c.shown for c in cells] for _, key, cells, _ in newsletter.tables["month"].rows()}
    only = {key: [c.shown for c in cells] for _, key, cells, _ in provider.tables["month"].rows()}
    assert list(only) == ["RBS"]
    assert only["RBS"] == whole["RBS"]
    assert "<5" in whole["REM"]


def test_the_year_to_date_hides_a_cell_hidden_in_the_month(icb, make_breach):
    # September 9, October 2: the year to date (11) less September would give back October's 2.
    for day in range(1, 10):
        make_breach(["S02"], date(2026, 9, day))
    for day in range(1, 3):
        make_breach(["S02"], date(2026, 10, day))
    for day in range(1, 12):
        make_breach(["S03"], date(2026, 10, day))
    report = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    ytd = dict(zip(report.tables["ytd"].column_labels, report.tables["ytd"].rows()[0][2], strict=True))
    assert ytd["S02"].hidden


def test_rates_are_hidden_where_the_breach_count_is(icb, trust, make_breach):
    from django.utils import timezone

    from liaison.reports.models import ActivityFigure

    make_breach(["S02"], date(2026, 10, 1))
    ActivityFigure.objects.create(
        provider=trust, month=OCT, measure="outpatient attendances", count=12000, uploaded_at=timezone.now()
    )
    internal = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.ICB)
    newsletter = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    assert (internal.rates[0].breaches, internal.rates[0].rate) == ("1", "0.08")
    assert newsletter.rates[0].breaches == "<5"
    assert "0.08" not in newsletter.rates[0].rate
