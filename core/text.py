"""Plain-text layout for terminals: widths that count Chinese characters as two columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate, takewhile
from typing import Any


def display_width(text: str) -> int:
    """Terminal columns of *text*: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:
    # long tables repeat the same names and titles row after row
    return sum(_char_width(ch) for ch in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _char_width(ch: str) -> int:
    return 2 if _wide(ch) else 1


def cut(text: str, width: int) -> str:
    """*text* within *width* display columns, ending in "…" when it was longer."""
    if display_width(text) <= width:
        return text
    # the characters whose running width leaves a column for the "…"
    kept = sum(1 for _ in takewhile(lambda used: used < width,
                                    accumulate(_char_width(ch) for ch in text)))
    return text[:kept] + "…"


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


# -- Chinese line breaking (避头尾) ---------------------------------------------------------
# Closing punctuation never starts a line, opening punctuation never ends one (the usual
# rule of Chinese typesetting, GB/T 15834 practice). Between two CJK characters a line may
# break anywhere else; Latin words and numbers break only at spaces, as everywhere.
NO_LINE_START = frozenset("，。、；：？！）】》」』〉〕］｝”’…—～·％%,.;:?!)]}>")
NO_LINE_END = frozenset("（【《「『〈〔［｛“‘([{<")


def line_breaks(text: str, width: int, fold: bool = True) -> list[int]:
    """Where to start new lines so that *text* fits *width* display columns: the offsets
    of the characters that begin lines 2, 3, … (the contract of ``rich._wrap.divide_line``,
    which the app replaces with this). A line never starts with closing punctuation nor
    ends with opening punctuation, unless a single unbreakable run is wider than *width*
    and has to be folded; whitespace at a break stays at the end of the line before it."""
    if width <= 0 or not text:
        return []
    # The break opportunities: a "word" is the text between two of them.
    words: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text)):
        before, ch = text[i - 1], text[i]
        if ch.isspace():
            continue
        if before.isspace():
            ok = ch not in NO_LINE_START
        else:
            ok = (_wide(before) or _wide(ch)) and ch not in NO_LINE_START \
                and before not in NO_LINE_END
        if ok:
            words.append((start, i))
            start = i
    words.append((start, len(text)))

    breaks: list[int] = []
    column = 0
    for begin, end in words:
        word = text[begin:end]
        visible = display_width(word.rstrip())
        if column + visible <= width:
            column += display_width(word)
            continue
        if visible <= width:  # fits on a line of its own
            if column and begin:
                breaks.append(begin)
            column = display_width(word)
            continue
        if not fold:  # cropped by the caller
            if begin:
                breaks.append(begin)
            column = display_width(word)
            continue
        # Wider than a line: fold it by characters, as rich does.
        if column and begin:
            breaks.append(begin)
        column = 0
        for j in range(begin, end):
            w = _char_width(text[j])
            if column + w > width and column and not text[j].isspace():
                breaks.append(j)
                column = 0
            column += w
    return breaks


def break_offsets(text: str, width: int) -> list[int]:
    """``line_breaks`` over a text of several paragraphs: the offsets that begin its lines
    2, 3, …, after each newline and within each paragraph."""
    offsets: list[int] = []
    start = 0
    for paragraph in text.split("\n"):
        offsets.extend(start + cut for cut in line_breaks(paragraph, width))
        start += len(paragraph) + 1
        if start <= len(text):
            offsets.append(start)
    return offsets


def wrap_lines(text: str, width: int) -> list[str]:
    """*text* cut into lines of at most *width* columns by ``break_offsets``, each
    right-stripped (for plain-text output that wraps Chinese)."""
    cuts = [0, *break_offsets(text, width), len(text)]
    return [text[a:b].rstrip() for a, b in zip(cuts, cuts[1:], strict=False)]


def flow(parts: Sequence[str], width: int, sep: str = "   ") -> list[str]:
    """*parts* laid out in lines of at most *width* columns, never split between lines
    unless a part alone is wider (then it is wrapped by ``line_breaks``): for headers of
    ``label value`` pairs that should wrap rather than be cut."""
    lines: list[str] = []
    line = ""
    for part in parts:
        candidate = f"{line}{sep}{part}" if line else part
        if display_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if display_width(part) <= width:
            line = part
        else:
            *whole, line = wrap_lines(part, width)
            lines.extend(whole)
    if line:
        lines.append(line)
    return lines
