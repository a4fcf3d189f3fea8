"""The reports 附件1–4 of a campaign (``jointcheck report``) and the publication
(``jointcheck publish``, core/reports/publish.py): data from the store, rows from
core/present/reports.py, files written here (XLSX, CSV UTF-8 with BOM, JSON).

Reports use the settled results (``jointcheck results settle``); an enterprise whose
results are not settled yet has empty result cells in 附件2, is left out of the counts of
附件3 and has no 附件4.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import problem
from ..records.service import RecordError

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from ..model import Checklist
    from ..present.reports import Table
    from ..records.results import Consolidated

KINDS = ("officers", "statistics", "summary", "record")
FORMATS = ("xlsx", "csv", "json")


@dataclass
class Written:
    path: Path
    rows: int
    unsettled: int  # drawn enterprises whose results are not settled (left out or blank)


def campaign_rows(engine: Engine, campaign: str, *, with_record: bool = False
                  ) -> tuple[list[Consolidated], Checklist]:
    """The campaign's drawn enterprises and its checklist (JC848 without tasks, JC849
    when no record was ever submitted)."""
    from ..records.results import campaign_checklist, load

    rows = load(engine, campaign, with_record=with_record)
    if not rows:
        raise RecordError([problem("JC848", campaign=campaign)])
    checklist = campaign_checklist(rows)
    if checklist is None:
        raise RecordError([problem("JC849", campaign=campaign)])
    return rows, checklist


def stored_checklist(engine: Engine, campaign: str) -> Checklist:
    """The checklist the campaign's newest task is filled against (JC848 without tasks,
    JC849 when none has a checklist yet)."""
    from sqlalchemy import func, select

    from ..records.snapshot import load_checklist
    from ..store.models import tasks

    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(tasks)
                             .where(tasks.c.campaign_id == campaign)).scalar_one()
        if not count:
            raise RecordError([problem("JC848", campaign=campaign)])
        fp = conn.execute(select(tasks.c.checklist_fingerprint)
                          .where((tasks.c.campaign_id == campaign)
                                 & tasks.c.checklist_fingerprint.is_not(None))
                          .order_by(tasks.c.draw_id.desc()).limit(1)).scalar()
        checklist = load_checklist(conn, fp) if fp else None
    if checklist is None:
        raise RecordError([problem("JC849", campaign=campaign)])
    return checklist


def drawn_officers(engine: Engine, rows: Sequence[Consolidated]) -> list[dict[str, Any]]:
    """The officers drawn for the campaign, in task order (组长 first in each team)."""
    from sqlalchemy import select

    from ..store.models import officers

    order: list[str] = []
    for r in rows:
        for m in sorted(r.task.team, key=lambda m: not m.leader):
            if m.cert_no not in order:
                order.append(m.cert_no)
    found: dict[str, dict[str, Any]] = {}
    cols = [officers.c[c] for c in ("cert_no", "name", "gender", "unit", "title", "phone",
                                    "id_number")]
    with engine.connect() as conn:
        for i in range(0, len(order), 500):
            for row in conn.execute(select(*cols).where(
                    officers.c.cert_no.in_(order[i:i + 500]))):
                found[row.cert_no] = dict(row._mapping)
    return [found.get(c, {"cert_no": c}) for c in order]


def build_table(engine: Engine, kind: str, campaign: str, *, show_personal: bool = False
                ) -> tuple[Table, int]:
    """附件1–3 as a table, with the number of unsettled enterprises."""
    from ..present import reports as P

    if kind == "summary":  # counted by the database: no row is loaded
        from ..records.results import summary_counts

        checklist = stored_checklist(engine, campaign)
        counts, drawn, settled = summary_counts(
            engine, campaign, [d.code for d in checklist.departments],
            sorted(checklist.policy.results), P.DISPOSITIONS)
        return P.summary_table(checklist.campaign, checklist, counts), drawn - settled
    rows, checklist = campaign_rows(engine, campaign)
    camp = checklist.campaign
    unsettled = sum(1 for r in rows if not r.is_settled)
    if kind == "officers":
        return P.officers_table(camp, drawn_officers(engine, rows),
                                show_personal=show_personal), unsettled
    return P.statistics_table(camp, rows), unsettled


def write_report(engine: Engine, kind: str, campaign: str, fmt: str, path: Path, *,
                 task: str | None = None, show_personal: bool = False) -> Written:
    """Write one report; raises RecordError (JC848/JC849/JC851/JC852)."""
    path = Path(path)
    writable(path)
    if kind == "record":
        return _write_records(engine, campaign, fmt, path, task)
    table, unsettled = build_table(engine, kind, campaign, show_personal=show_personal)
    try:
        if fmt == "xlsx":
            from .xlsx import write_table

            count = write_table(table, path)
        elif fmt == "csv":
            count = write_csv(path, table.labels, table.rows, title=None)
        else:
            from ..present.reports import table_json

            data = table_json(table)
            count = len(data["rows"])
            write_json(path, data)
    except OSError as exc:
        raise RecordError([problem("JC851", target=str(path), detail=exc.strerror or exc)]
                          ) from exc
    return Written(path=path, rows=count, unsettled=unsettled)


def _write_records(engine: Engine, campaign: str, fmt: str, path: Path,
                   task: str | None) -> Written:
    from ..present import reports as P

    rows, checklist = campaign_rows(engine, campaign, with_record=True)
    unsettled = sum(1 for r in rows if not r.is_settled)
    chosen = [r for r in rows if r.is_settled and (task is None or r.task.id == task)]
    if task is not None and not chosen:
        raise RecordError([problem("JC852", task=task, campaign=campaign)])
    title = P.annex_title(4, checklist.campaign)
    docno = P._docno(checklist.campaign)
    try:
        if fmt == "xlsx":
            from .xlsx import write_grids

            count = write_grids((P.record_grid(r, r.checklist or checklist) for r in chosen),
                                path, title=title, document_number=docno)
        elif fmt == "csv":
            lines: list[list[Any]] = []
            for r in chosen:
                if lines:
                    lines.append([])
                lines.append([title, "", "", ""])
                lines.extend(P.record_grid(r, r.checklist or checklist).cells)
            write_csv(path, None, lines, title=None)
            count = len(chosen)
        else:
            records = [P.grid_json(P.record_grid(r, r.checklist or checklist), r)
                       for r in chosen]
            write_json(path, {"annex": 4, "title": title, "document_number": docno,
                              "records": records})
            count = len(records)
    except OSError as exc:
        raise RecordError([problem("JC851", target=str(path), detail=exc.strerror or exc)]
                          ) from exc
    return Written(path=path, rows=count, unsettled=unsettled)


def writable(path: Path) -> None:
    """JC851 before anything is written when the folder of *path* does not exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise RecordError([problem("JC851", target=str(path), detail=f"{folder}: not a folder")])


def write_csv(path: Path, header: Sequence[str] | None, rows: Iterable[Sequence[Any]], *,
              title: str | None = None) -> int:
    """CSV, UTF-8 with BOM (so that spreadsheet programs read the Chinese right)."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        if title:
            w.writerow([title])
        if header is not None:
            w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
            count += 1
    return count


def write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1, default=str)
        f.write("\n")


def default_name(kind: str, fmt: str) -> str:
    annex = {"officers": 1, "statistics": 2, "summary": 3, "record": 4}[kind]
    from ..present.reports import ANNEX_TITLES

    return f"附件{annex}_{ANNEX_TITLES[annex]}.{fmt}"

