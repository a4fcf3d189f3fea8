"""The crash log and the command line's safety net.

No traceback ever reaches a user. Bad input is reported where it is
found, with a code and a hint; whatever escapes that is a defect of jointcheck. The whole
traceback is written to a crash log — in ``JOINTCHECK_LOG_DIR``, else the user's log
directory (platformdirs) — and the user reads one located sentence naming that file
(JC901); the exit status is 1. The inspectors' app (tui/) writes its crash logs here too.
"""

from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import click
from platformdirs import user_log_dir

from . import __version__
from .errors import problem


def log_dir() -> Path:
    """Where crash logs go: ``JOINTCHECK_LOG_DIR``, else the user's log directory."""
    given = os.environ.get("JOINTCHECK_LOG_DIR", "").strip()
    if given:
        return Path(given)

    return Path(user_log_dir("jointcheck", appauthor=False))


def write_crash_log(error: BaseException, context: str = "") -> Path:
    """Write *error*'s traceback (with the version, the arguments and *context*) to a new
    file and return its path; OSError when it cannot be written."""
    now = datetime.now(UTC)
    head = (f"jointcheck {__version__}, Python {sys.version.split()[0]}, {now.isoformat()}\n"
            f"argv: {sys.argv!r}\n" + (context + "\n" if context else "") + "\n")
    directory = log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"crash-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    path.write_text(head + text, encoding="utf-8")
    return path


def report_crash(exc: BaseException) -> NoReturn:
    """Log *exc*, print one line (JC901) on stderr and exit 1."""
    try:
        where = str(write_crash_log(exc))
    except OSError as err:  # nowhere to write it: the exception's own line, still no traceback
        where = f"<{type(err).__name__}: {err}>; {type(exc).__name__}: {exc}"
    click.echo(problem("JC901", kind=type(exc).__name__, log=where).format(), err=True)
    sys.exit(1)
