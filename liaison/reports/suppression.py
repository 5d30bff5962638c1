"""Small-number suppression for any version of a report that leaves the ICB.

Primary suppression: a count from 1 to 4 is shown as "<5" (a total too). Zero is shown: it says no
breach was reported, which identifies no one.

Secondary suppression, so that a hidden number cannot be worked out from the others: every total
over a hidden number is hidden too (a provider's total over its row, a standard's total over its
column, and the grand total), repeated until no shown total covers a hidden number. Then no shown
figure takes part in any sum with a hidden one, so no combination of shown rows, columns and totals
can pin a hidden count down: each stays anywhere from 1 to 4 as far as a reader can tell. (Hiding
extra cells instead, to keep totals shown, was tried and leaked: a column total and the grand total
together gave back a hidden cell.) A total hidden for another reason (``forced``) whose line shows
every count would be their sum, so the smallest non-zero count in that line is hidden with it.

A caller can force cells hidden (``forced``): the year-to-date table hides every cell hidden in the
month or the previous month, since the year to date less the months shown would give it back.
"""

from dataclasses import dataclass, field

THRESHOLD = 5
HIDDEN_TEXT = "<5"  # a count from 1 to 4
WITHHELD_TEXT = "*"  # a count or total of 5 or more, hidden so that a small one cannot be worked out


@dataclass(frozen=True)
class Cell:
    value: int
    hidden: bool = False

    @property
    def shown(self) -> str:
        if not self.hidden:
            return str(self.value)
        return HIDDEN_TEXT if self.value < THRESHOLD else WITHHELD_TEXT


@dataclass
class Table:
    """Rows (providers) × columns (standards) of counts, with totals, and which are hidden."""

    row_labels: list[str]
    row_keys: list[str]
    column_labels: list[str]
    values: list[list[int]]
    # Positions hidden: (row, column) for cells, with row == len(rows) for the totals row and
    # column == len(columns) for the totals column.
    hidden: set[tuple[int, int]] = field(default_factory=set)
    totals_row_shown: bool = True

    @staticmethod
    def cell_for(value: int) -> Cell:
        return Cell(value)

    @property
    def row_count(self) -> int:
        return len(self.row_labels)

    @property
    def column_count(self) -> int:
        return len(self.column_labels)

    def value_at(self, row: int, column: int) -> int:
        rows, columns = self.row_count, self.column_count
        if row < rows and column < columns:
            return self.values[row][column]
        if row < rows:
            return sum(self.values[row])
        if column < columns:
            return sum(self.values[r][column] for r in range(rows))
        return sum(sum(line) for line in self.values)

    def cell(self, row: int, column: int) -> Cell:
        return Cell(self.value_at(row, column), (row, column) in self.hidden)

    def rows(self) -> list[tuple[str, str, list[Cell], Cell]]:
        """(label, key, cells, total) per row."""
        return [
            (
                self.row_labels[r],
                self.row_keys[r],
                [self.cell(r, c) for c in range(self.column_count)],
                self.cell(r, self.column_count),
            )
            for r in range(self.row_count)
        ]

    def totals(self) -> tuple[list[Cell], Cell]:
        return [self.cell(self.row_count, c) for c in range(self.column_count)], self.cell(
            self.row_count, self.column_count
        )

    def row_total_cells(self) -> list[Cell]:
        return [self.cell(r, self.column_count) for r in range(self.row_count)]

    def hidden_positions(self) -> set[tuple[int, int]]:
        return set(self.hidden)

    def only_row(self, key: str) -> "Table":
        """One provider's row, hidden as it was in the whole table, with the whole table's totals
        row kept as the ICB's totals (so the provider sees where it stands)."""
        index = self.row_keys.index(key) if key in self.row_keys else None
        rows = self.row_count
        values = [self.values[index]] if index is not None else [[0] * self.column_count]
        hidden = set()
        for row, column in self.hidden:
            if index is not None and row == index:
                hidden.add((0, column))
        table = Table(
            row_labels=[self.row_labels[index]] if index is not None else [key],
            row_keys=[key],
            column_labels=list(self.column_labels),
            values=values,
            hidden=hidden,
        )
        table.icb_totals = (
            [self.cell(rows, c) for c in range(self.column_count)],
            self.cell(rows, self.column_count),
        )
        table.totals_row_shown = False
        return table

    icb_totals: tuple | None = None


def _lines(table: Table) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    rows, columns = table.row_count, table.column_count
    lines = []
    for r in range(rows + 1):
        lines.append(([(r, c) for c in range(columns)], (r, columns)))
    for c in range(columns + 1):
        lines.append(([(r, c) for r in range(rows)], (rows, c)))
    # The grand total over every cell: hidden cells across rows and columns must not be pinned by it either.
    lines.append(([(r, c) for r in range(rows) for c in range(columns)], (rows, columns)))
    return lines


def suppress_table(table: Table, *, forced: set[tuple[int, int]] = frozenset()) -> Table:
    """The table with primary and secondary suppression applied (see the module docstring)."""
    rows, columns = table.row_count, table.column_count
    hidden = set()
    for r in range(rows + 1):
        for c in range(columns + 1):
            if 0 < table.value_at(r, c) < THRESHOLD:
                hidden.add((r, c))
    hidden |= {position for position in forced if position[0] <= rows and position[1] <= columns}
    changed = True
    while changed:
        changed = False
        for cells, total in _lines(table):
            covers_hidden = any(position in hidden for position in cells)
            if covers_hidden and total not in hidden:
                hidden.add(total)
                changed = True
            elif total in hidden and not covers_hidden:
                candidates = [p for p in cells if table.value_at(*p) > 0]
                if candidates:
                    hidden.add(min(candidates, key=lambda p: (table.value_at(*p), p)))
                    changed = True
    table.hidden = hidden
    return table
