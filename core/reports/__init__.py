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
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..draw.queries import chunks
from ..errors import Localized, os_detail, problem
from ..history import repeated_inspections
from ..present import reports as P
from ..present.history import REPEATED_TITLE, repeated_table
from ..present.reports import ANNEX_TITLES
from ..records.results import (
    campaign_checklist,
    load,
    settled_counts,
    statistics_rows,
    summary_counts,
)
from ..records.service import RecordError
from ..records.snapshot import load_checklist
from ..store.models import officers, targets, tasks

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from ..model import Checklist
    from ..present.reports import Table
    from ..records.results import Consolidated

KINDS = ("officers", "statistics", "summary", "record", "repeated")
FORMATS = ("xlsx", "csv", "json")


@dataclass
class Written:
    path: Path
    rows: int
    unsettled: int  # drawn enterprises whose results are not settled (left out or blank)
    replaced: bool = False  # a file of that name was there before

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "rows": self.rows, "unsettled": self.unsettled,
                "replaced": self.replaced}


def campaign_rows(engine: Engine, campaign: str, *, with_record: bool = False
                  ) -> tuple[list[Consolidated], Checklist]:
    """The campaign's drawn enterprises and its checklist (JC848 without tasks, JC849
    when no record was ever submitted)."""
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


def drawn_officers(engine: Engine, campaign: str) -> list[dict[str, Any]]:
    """The officers drawn for the campaign, in task order (组长 first in each team)."""
    order: dict[str, None] = {}
    found: dict[str, dict[str, Any]] = {}
    cols = [officers.c[c] for c in ("cert_no", "name", "gender", "unit", "title", "phone",
                                    "id_number")]
    with engine.connect() as conn:
        teams = (select(tasks.c.team).where(tasks.c.campaign_id == campaign)
                 .order_by(tasks.c.draw_id, tasks.c.seq))
        for (team,) in conn.execution_options(yield_per=2000).execute(teams):
            for m in sorted(team, key=lambda m: not m.get("leader")):
                order.setdefault(m["cert_no"])
        for chunk in chunks(list(order)):
            for row in conn.execute(select(*cols).where(officers.c.cert_no.in_(chunk))):
                found[row.cert_no] = dict(row._mapping)
    return [found.get(c, {"cert_no": c}) for c in order]


def build_table(engine: Engine, kind: str, campaign: str, *, show_personal: bool = False
                ) -> tuple[Table, int]:
    """附件1–3 as a table, with the number of unsettled enterprises. The rows are read by
    lean queries (no record is loaded); 附件2's stream from the store as they are written."""
    if kind == "repeated":
        return _repeated_table(engine, campaign), 0
    checklist = stored_checklist(engine, campaign)
    camp = checklist.campaign
    if kind == "summary":  # counted by the database: no row is loaded
        counts, drawn, settled = summary_counts(
            engine, campaign, [d.code for d in checklist.departments],
            sorted(checklist.policy.results), P.DISPOSITIONS)
        return P.summary_table(camp, checklist, counts), drawn - settled
    with engine.connect() as conn:
        drawn, settled = settled_counts(conn, campaign)
    if kind == "officers":
        return P.officers_table(camp, drawn_officers(engine, campaign),
                                show_personal=show_personal), drawn - settled
    names = {d.code: d.name for d in checklist.departments}
    return P.statistics_table(camp, statistics_rows(engine, campaign), names), drawn - settled


def _repeated_table(engine: Engine, campaign: str) -> Table:
    """重复检查预警表: the campaign's drawn enterprises inspected above its limits (JC848
    when the campaign has drawn nothing; no record is needed)."""
    try:
        checklist: Checklist | None = stored_checklist(engine, campaign)
    except RecordError as exc:
        if exc.problems[0].code != "JC849":
            raise
        checklist = None  # drawn without a checklist: no title prefix, department codes
    with engine.connect() as conn:
        items, limits = repeated_inspections(conn, campaign)
        codes = sorted({i.credit_code for i in items})
        names = {c: n for c, n in conn.execute(
            select(targets.c.credit_code, targets.c.name)
            .where(targets.c.credit_code.in_(codes)))} if codes else {}
    departments = {d.code: d.name for d in checklist.departments} if checklist else {}
    return repeated_table(checklist.campaign if checklist else None, items, limits, names,
                          departments)


def write_report(engine: Engine, kind: str, campaign: str, fmt: str, path: Path, *,
                 task: str | None = None, show_personal: bool = False) -> Written:
    """Write one report; raises RecordError (JC848/JC849/JC851/JC852). The file is written
    beside *path* and moved over it when complete: a failure leaves *path* as it was."""
    path = Path(path)
    writable(path)
    replaced = path.exists()
    with replacing(path) as tmp:
        if kind == "record":
            count, unsettled = _write_records(engine, campaign, fmt, tmp, task)
        else:
            table, unsettled = build_table(engine, kind, campaign,
                                           show_personal=show_personal)
            if fmt == "xlsx":
                from .xlsx import write_table

                count = write_table(table, tmp,
                                    sheet="重复检查预警" if kind == "repeated" else None)
            elif fmt == "csv":
                count = write_csv(tmp, table.labels, table.rows, title=None)
            else:
                from ..present.reports import table_json

                head, rows = table_json(table)
                count = write_json(tmp, head, rows_key="rows", rows=rows)
    return Written(path=path, rows=count, unsettled=unsettled, replaced=replaced)


def _write_records(engine: Engine, campaign: str, fmt: str, path: Path,
                   task: str | None) -> tuple[int, int]:
    """附件4 to *path*: the number of records written and of unsettled enterprises."""
    rows, checklist = campaign_rows(engine, campaign, with_record=True)
    unsettled = sum(1 for r in rows if not r.is_settled)
    chosen = [r for r in rows if r.is_settled and (task is None or r.task.id == task)]
    if task is not None and not chosen:
        raise RecordError([problem("JC852", task=task, campaign=campaign)])
    title = P.annex_title(4, checklist.campaign)
    docno = P.campaign_docno(checklist.campaign)
    if fmt == "xlsx":
        from .xlsx import write_grids

        count = write_grids((P.record_grid(r, r.checklist or checklist) for r in chosen),
                            path, title=title, document_number=docno)
    elif fmt == "csv":
        lines: list[list[Any]] = []
        for r in chosen:
            if lines:
                lines.append([])
            lines.append([P.annex_label(4), "", "", "", ""])
            lines.append([title, "", "", "", ""])
            lines.extend(P.record_grid(r, r.checklist or checklist).cells)
        write_csv(path, None, lines, title=None)
        count = len(chosen)
    else:
        records = [P.grid_json(P.record_grid(r, r.checklist or checklist), r)
                   for r in chosen]
        write_json(path, {"annex": 4, "label": P.annex_label(4), "title": title,
                          "document_number": docno,
                          "records": records})
        count = len(records)
    return count, unsettled


def cannot_write(path: Path, exc: OSError | None = None, *, reason: Any = None,
                 tmp: Path | None = None) -> RecordError:
    """JC851 for *path* (written through *tmp*), with the system's reason in the user's
    language."""
    if exc is not None:
        reason = os_detail(exc, str(tmp or path))
    return RecordError([problem("JC851", target=str(path), detail=reason)])


def writable(path: Path) -> None:
    """JC851 before anything is read or written when *path* is a folder or its folder does
    not exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise cannot_write(path, reason=Localized(f"“{folder}”不是目录",
                                                  f"'{folder}' is not a folder"))
    if not folder.is_dir():
        raise cannot_write(path, reason=Localized(f"目录“{folder}”不存在",
                                                  f"the folder '{folder}' does not exist"))
    if path.is_dir():
        raise cannot_write(path, reason=Localized("这是一个目录，请给出文件名",
                                                  "it is a folder: give a file name"))


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new file beside *path* to write, moved over *path* once the block succeeds and
    removed when it fails; JC851 (before any work) when the folder cannot take it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.open("xb").close()
    except OSError as exc:
        raise cannot_write(path, exc, tmp=tmp) from exc
    try:
        yield tmp
        tmp.replace(path)
    except OSError as exc:
        raise cannot_write(path, exc, tmp=tmp) from exc
    finally:
        tmp.unlink(missing_ok=True)


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


def write_json(path: Path, data: Any, *, rows_key: str | None = None,
               rows: Iterable[Any] = ()) -> int:
    """JSON (UTF-8, indented); with *rows_key*, *rows* are streamed as the last member of
    the object *data*, one line each, so that 100,000 rows are never held at once.
    Returns the number of rows."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=str)

    count = 0
    with open(path, "w", encoding="utf-8") as f:
        if rows_key is None:
            json.dump(data, f, ensure_ascii=False, indent=1, default=str)
            f.write("\n")
            return count
        f.write("{\n")
        for key, value in data.items():
            f.write(f" {dumps(key)}: {dumps(value)},\n")
        f.write(f" {dumps(rows_key)}: [")
        for row in rows:
            f.write(("," if count else "") + "\n  " + dumps(row))
            count += 1
        f.write("\n ]\n}\n")
    return count


def default_name(kind: str, fmt: str) -> str:
    if kind == "repeated":
        return f"{REPEATED_TITLE}.{fmt}"
    annex = {"officers": 1, "statistics": 2, "summary": 3, "record": 4}[kind]

    return f"{P.annex_label(annex)}_{ANNEX_TITLES[annex]}.{fmt}"

