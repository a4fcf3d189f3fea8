"""Plain-text layout for terminals: widths that count Chinese characters as two columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from .clock import reading_time


def display_width(text: str) -> int:
    """Terminal columns of *text*: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    # long tables repeat the same names and titles row after row
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """*text* followed by spaces up to *width* display columns."""
    return text + " " * max(0, width - display_width(text))


def table_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                rule: bool = True) -> list[str]:
    """A table aligned by display width, one string per line (header, rule, rows)."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], display_width(v))

    def line(values: Sequence[str]) -> str:
        return "  ".join(pad(v, w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(headers)]
    if rule:
        out.append("  ".join("-" * w for w in widths))
    out.extend(line(row) for row in cells)
    return out


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, rule: bool = True) -> str:
    return "\n".join(table_lines(headers, rows, rule=rule))


def pairs_lines(pairs: Iterable[Sequence[Any]]) -> list[str]:
    """``key  value`` lines with the values aligned (for `show`-style output)."""
    pairs = [(str(k), "" if v is None else str(v)) for k, v in pairs]
    width = max((display_width(k) for k, _v in pairs), default=0)
    return [f"{pad(k, width)}  {v}".rstrip() for k, v in pairs]


def local_time(at: Any) -> str:
    """A stored time (UTC; naive is UTC) as people read it: ``YYYY-MM-DD HH:MM`` in
    Beijing time, whatever the machine's time zone (core.clock). Machine-readable outputs
    keep canonical.format_time."""
    return reading_time(at)
