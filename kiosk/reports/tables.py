"""A report's table: its title, what its figures are made of, its columns and rows, and the funder's view
in which small numbers are hidden so nobody can be picked out."""
from dataclasses import dataclass, field

SMALL = 5  # counts below this are shown to funders as "fewer than 5"
FEWER_THAN = f"fewer than {SMALL}"
TOTAL = "Total"
NOT_SHOWN = "not shown"


@dataclass
class Table:
    """One table of a report. `rows` are lists of cells: the first a label, the rest numbers (or None where
    there is nothing to show). `counts` says which columns count people or visits: only those are hidden
    when small (a median wait in minutes is not a count of anyone). `chart` names how the page draws it:
    "bars" for counts by label, "line" for a figure over time, None for a table alone."""
    key: str
    title: str
    made_of: str
    columns: list
    rows: list
    counts: tuple = ()
    chart: str = None
    notes: list = field(default_factory=list)

    def for_funders(self):
        """The same table with every count from 1 to 4 replaced by "fewer than 5" (0 stays 0: nobody is there).
        A row's Total is not shown where a count in the row is hidden: the total would give the hidden count away."""
        total = self.columns.index(TOTAL) if TOTAL in self.columns else None
        rows = []
        for row in self.rows:
            hidden = [_hide_small(cell) if i in self.counts else cell for i, cell in enumerate(row)]
            if total is not None and any(h != c for h, c in zip(hidden[:total], row[:total])):
                hidden[total] = NOT_SHOWN
            rows.append(hidden)
        return Table(self.key, self.title, self.made_of, self.columns, rows, self.counts, self.chart, self.notes)


def _hide_small(value):
    return FEWER_THAN if isinstance(value, int) and 0 < value < SMALL else value
