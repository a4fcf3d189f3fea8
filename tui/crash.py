"""The crash log: an unexpected exception is written to a file in the user's log
directory (platformdirs, or ``JOINTCHECK_LOG_DIR``) and the user sees one sentence."""

from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path


def log_dir() -> Path:
    given = os.environ.get("JOINTCHECK_LOG_DIR", "").strip()
    if given:
        return Path(given)
    from platformdirs import user_log_dir

    return Path(user_log_dir("jointcheck", appauthor=False))


def write_crash_log(error: BaseException, context: str = "") -> Path:
    """Write *error*'s traceback to a new file and return its path."""
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = directory / f"crash-{stamp}.log"
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    path.write_text((context + "\n" if context else "") + text, encoding="utf-8")
    return path
