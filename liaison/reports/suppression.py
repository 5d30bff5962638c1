"""Small-number suppression for any version of a report that leaves the ICB.

Primary suppression: a count from 1 to 4 is shown as "<5" (a total too). Zero is shown: it says no
breach was reported, which identifies no one.

Secondary suppression, so that a hidden number cannot be worked out from the others: every line
(each provider's row with its total, each standard's column with its total, and the totals row and
column with the grand total) that has a hidden cell and a shown total must hide at least two cells
whose counts add up to at least 4 more than their number (each hidden count is at least 1, so this
leaves every one of them several possible values; the grand total is checked over every cell the
same way). Where that is not yet so, the smallest shown non-zero cell in the
line is hidden too; where no cell is left to hide, the line's total is hidden. This repeats until
every line holds, because hiding a cell for a row can break its column.

A caller can force cells hidden (``forced``): the year-to-date table hides every cell hidden in the
month or the previous month, since the year to date less the months shown would give it back.
"""

from dataclasses import dataclass, field

THRESHOLD = 5
HIDDEN_TEXT = "<5"


@dataclass(frozen=True)
class Cell:
    value: int
    hidden: bool = False

    @property
    def shown(self) -> str:
        return HIDDEN_TEXT if self.hidden else str(self.value)


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


def _protected(values: list[int]) -> bool:
    """Hidden counts under a shown total are safe when there are at least two and they add up to at
    least 4 more than their number: each is at least 1, so each could be one of several values, and
    the line's hidden counts never total less than 5."""
    return len(values) >= 2 and sum(values) >= max(THRESHOLD, len(values) + THRESHOLD - 1)


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
            if total in hidden:
                continue
            while True:
                in_line = [position for position in cells if position in hidden]
                if not in_line:
                    break
                if _protected([table.value_at(*p) for p in in_line]):
                    break
                candidates = [p for p in cells if p not in hidden and table.value_at(*p) > 0]
                if candidates:
                    hidden.add(min(candidates, key=lambda p: (table.value_at(*p), p)))
                else:
                    hidden.add(total)
                    changed = True
                    break
                changed = True
    table.hidden = hidden
    return table
