"""What the task list and the office's review share: a filter field above a table of rows
keyed by task id; typing filters, ``↑``/``↓`` move, ``enter`` (or a click) opens a row."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import DataTable, Input


class FilteredList(Screen):
    """Subclasses fill the table in ``_fill`` (reading the Input) and open a row in
    ``open_row``."""

    def _fill(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def open_row(self, key: str) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def highlighted_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _col = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_open()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_row(str(event.row_key.value))

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.cursor_row + step, table.row_count - 1)))

    def action_open(self) -> None:
        key = self.highlighted_key()
        if key is not None:
            self.open_row(key)
