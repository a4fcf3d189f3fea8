"""The crash log: an unexpected exception is written to a file in the user's log
directory (platformdirs, or ``JOINTCHECK_LOG_DIR``) and the user sees one sentence.

One implementation for the app and the command line: core/cli/crash.py."""

from __future__ import annotations

from jointcheck.core.cli.crash import log_dir, write_crash_log

__all__ = ["log_dir", "write_crash_log"]
