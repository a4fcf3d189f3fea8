"""The footer of every screen: the keys that matter, whole, in the width there is.

Textual's Footer lays out every shown binding and lets the last ones fall off the edge, cut
mid-word at 80 columns. This one keeps the screen's bindings in their declared order
(the screens list the keys that matter first), always keeps help (``?``) and the command
palette, and leaves out whole keys that do not fit; everything left out is still in ``?``
and the palette, which are generated from the same bindings.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from jointcheck.core.text import display_width

HELP_ACTION = "help"


def key_width(key_display: str, description: str) -> int:
    """Columns one compact footer key takes: key, space, description, margin."""
    return display_width(key_display) + 1 + display_width(description) + 1


def fitting(items: list[tuple[str, str, str]], width: int) -> list[int]:
    """Indices of *items* ``(action, key_display, description)`` that fit *width* whole,
    in order; the help key is kept first of all, and shown last. *width* is what the
    palette key docked right leaves."""
    budget = width
    help_at = [i for i, item in enumerate(items) if item[0] == HELP_ACTION]
    for i in help_at[:1]:
        budget -= key_width(items[i][1], items[i][2])
    chosen = []
    for i, (action, key, description) in enumerate(items):
        if action == HELP_ACTION:
            continue
        need = key_width(key, description)
        if need <= budget:
            chosen.append(i)
            budget -= need
    return chosen + help_at[:1]


class FittingFooter(Footer):
    """A compact Footer that shows only whole keys (see the module docstring): Textual's
    own keys, those that do not fit left out."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        keys = [k for k in super().compose() if isinstance(k, FooterKey)]
        palette = [k for k in keys if k.has_class("-command-palette")]
        shown = [k for k in keys if k not in palette]
        items = [(k.action, k.key_display, k.description) for k in shown]
        width = (self.size.width or self.app.size.width) - sum(
            key_width(k.key_display, k.description) for k in palette)
        for i in fitting(items, width):
            yield shown[i]
        yield from palette

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
