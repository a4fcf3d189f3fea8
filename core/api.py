"""The public Python API: jointcheck for integrators (the city platform, a department's
own system), documented in docs/api.md.

One module, a handful of functions over the same services the command line uses::

    from jointcheck.core import api

    store = api.create_store("sqlite:///jointcheck.db")
    campaign = api.open_campaign("hebi-2020-industrial-safety")

Every function raises :class:`JointcheckError` (or a subclass) when it refuses: its
``.code`` is the stable JC code of docs/errors.md and its ``.problems`` say what is wrong
and how to fix it. Results are typed, and each has one ``to_json()`` — the same JSON the
command line prints with ``--format json``. Nothing here prints or exits.

This module loads the store and the services (SQLAlchemy): plugins import
``jointcheck.core.model`` and ``jointcheck.core.hookspecs``, never this
(docs/architecture.md#principle-8).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from .campaign import OpenCampaign, open_campaign
from .draw.service import Commitment, DrawRecord, commit, run_draw
from .errors import JointcheckError, Problem, Verdict
from .libraries.importer import ImportReport, import_file
from .libraries.sample import write_sample
from .records.results import Settlement, settle
from .records.service import RecordVersion, Task, answers_from_file, list_tasks, submit
from .reports import FORMATS, Written, write_report
from .reports.publish import Published, publish
from .store import open_store, upgrade

__all__ = [
    "Commitment", "DrawRecord", "Engine", "ImportReport", "JointcheckError", "OpenCampaign",
    "Problem", "Published", "RecordVersion", "Settlement", "Task", "Verdict", "Written",
    "commit_seed", "create_store", "draw", "import_library", "open_campaign", "open_store",
    "publish_results", "settle_results", "submit_record", "tasks", "write_report_file",
    "write_sample_libraries",
]


def create_store(url: str | None = None) -> Engine:
    """The store at *url* (default: ``jointcheck.db`` in the current directory), created or
    upgraded to the newest schema first (``jointcheck db upgrade``)."""
    upgrade(url)
    return open_store(url)


def write_sample_libraries(folder: str | Path, *, targets: int = 300, officers: int = 40,
                           seed: int | str = 2020) -> tuple[Path, Path]:
    """Synthetic 检查对象名录库 and 执法检查人员名录库 files in *folder* (``sample-data``):
    ``(targets.csv, officers.csv)``."""
    return write_sample(folder, targets=targets, officers=officers, seed=seed)


def import_library(store: Engine, kind: str, path: str | Path) -> ImportReport:
    """Import a whole library file, all or nothing (*kind*: ``"targets"`` or
    ``"officers"``; CSV in UTF-8 or GB18030, or XLSX). LibraryError with every problem."""
    return import_file(store, kind, path)


def commit_seed(store: Engine, campaign: OpenCampaign, seed: str | None = None) -> Commitment:
    """Record SHA-256 of the draw's seed before the draw (a fresh seed when none is given:
    ``.seed`` holds it, to be kept secret until the draw). DrawError."""
    return commit(store, campaign.campaign, seed)


def draw(store: Engine, campaign: OpenCampaign, seed: str, *,
         on: date | None = None) -> DrawRecord:
    """Draw targets and teams with the committed *seed* and record the draw, one inspection
    task per drawn enterprise (``jointcheck draw run``). DrawError."""
    return run_draw(store, campaign.campaign, seed, on_date=on, checklist=campaign.checklist)


def tasks(store: Engine, campaign: OpenCampaign | str) -> list[Task]:
    """The campaign's inspection tasks, in draw and 抽取序号 order."""
    return list_tasks(store, campaign=_id(campaign))


def submit_record(store: Engine, campaign: OpenCampaign, task_id: str,
                  record: Mapping[str, Any]) -> RecordVersion:
    """Submit the record of *task_id*: *record* is what a record file holds (``jointcheck
    schema record``: outcome, inspected_on, departments and their items...). It is
    validated and classified exactly as on site; RecordError with every problem, nothing
    stored."""
    return submit(store, task_id, host=campaign.host, campaign=campaign.checklist,
                  answers=answers_from_file(record, campaign.checklist))


def settle_results(store: Engine, campaign: OpenCampaign | str, *,
                   allow_missing: bool = False) -> Settlement:
    """The joint office settles the results of every submitted record (共同协商汇总结果);
    reports and publication use settled results. RecordError (JC840 while records are
    missing, unless *allow_missing*)."""
    return settle(store, _id(campaign), allow_missing=allow_missing)


def write_report_file(store: Engine, campaign: OpenCampaign | str, kind: str,
                      path: str | Path, *, fmt: str | None = None) -> Written:
    """Write one of the forms 附件1–4 (*kind*: ``officers``, ``statistics``, ``summary``,
    ``record``) to *path*, as XLSX, CSV or JSON (*fmt*, default: the suffix of *path*).
    Always in Chinese: a document of record. RecordError."""
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    return write_report(store, kind, _id(campaign),
                        fmt or (suffix if suffix in FORMATS else "xlsx"), path)


def publish_results(store: Engine, campaign: OpenCampaign | str, folder: str | Path, *,
                    on: date | None = None) -> Published:
    """一公开: write the publication folder (results.csv, results.json, a self-contained
    index.html) of the settled results and mark them published. No personal data."""
    return publish(store, _id(campaign), Path(folder), on=on)


def _id(campaign: OpenCampaign | str) -> str:
    return campaign if isinstance(campaign, str) else campaign.id
