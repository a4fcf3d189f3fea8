"""Chinese line breaking (避头尾) wherever the app wraps text.

Textual wraps text through ``rich._wrap.divide_line`` (imported into ``textual.content``
and ``rich.text``), which breaks Chinese anywhere, so a wrapped line could start with
``）`` or ``，``. ``install()`` points both at ``core.text.line_breaks``, which keeps the
same contract (break offsets for a width) and adds the rule. Textual is pinned exactly in
pyproject.toml; tests/test_tui_layout.py checks the names still exist and are used.
"""

from __future__ import annotations

import rich.text
import textual.content

from jointcheck.core.text import line_breaks


def install() -> None:
    """Make every wrapped text of the app follow 避头尾 (idempotent)."""
    textual.content.divide_line = line_breaks
    rich.text.divide_line = line_breaks
