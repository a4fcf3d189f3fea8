"""The draw (双随机): targets and officers drawn reproducibly from the libraries.

- :mod:`.algorithm` — the pure, versioned algorithm (no database); docs/draw.md specifies it.
- :mod:`.service` — the store side: commitments, recording, showing, exporting, verifying.

The names most callers need are re-exported lazily (importing this package stays light)::

    from jointcheck.core.draw import display_rows, run_draw
    from jointcheck.core.present.draw import team_table
    record = run_draw(engine, campaign, seed)
    for line in team_table(display_rows(engine, record)):
        print(line)
"""

from __future__ import annotations

from typing import Any

from .algorithm import ALGORITHM_VERSION, DrawError, commitment_of

_SERVICE_NAMES = frozenset({
    "DrawRecord", "VerifyReport", "Commitment", "commit", "run_draw",
    "display_rows", "load_draw", "list_draws", "verify_stored", "verify_files", "read_export",
    "build_parameters", "new_seed",
})


def __getattr__(name: str) -> Any:
    if name in _SERVICE_NAMES:
        from . import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ALGORITHM_VERSION", "DrawError", "commitment_of", *sorted(_SERVICE_NAMES)]
