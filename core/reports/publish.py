"""Publication (一公开): ``jointcheck publish CAMPAIGN -o DIR`` writes, for settled results
only, ``results.csv`` / ``results.json`` (and ``upload.csv`` in a platform's column order
with ``--columns``), a self-contained ``index.html`` with the three parts of the plan's
公开透明原则 (事项公开、程序公开、结果公开), the files in ``draws/`` that let anyone replay
each draw (core.draw.public: ``jointcheck draw verify --public DIR``), and marks the
records published.

Nothing personal leaves: the results carry no officer, no phone, no ID number, no 法定代表人
(the published fields are core.present.reports.PUBLIC_COLUMNS); the draws' officer lists
carry what the 行政执法公示 rules publish (部门, 执法证号, 姓名, 单位) and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..clock import chinese_time, today
from ..draw.public import PublicDraw, write_public
from ..draw.service import read_draw
from ..errors import os_detail, problem
from ..i18n import Localized
from ..present.history import limits_text
from ..present.reports import PUBLIC_COLUMNS, public_record
from ..records.results import mark_published, public_rows
from ..records.service import RecordError
from ..store import audit, begin_write
from . import cannot_write, stored_checklist, write_csv, write_json
from .html import write_index

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Engine

    from ..model import Checklist

# enterprises per data file of index.html beyond which the data is paged into data/*.js
PAGE_ROWS = 5000


@dataclass
class Published:
    folder: Path
    files: list[Path]
    count: int
    unsettled: int
    on: date
    unverifiable: list[int] = field(default_factory=list)  # draws without replay files

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "files": [str(f) for f in self.files],
                "count": self.count, "unsettled": self.unsettled, "on": self.on.isoformat(),
                "unverifiable": self.unverifiable}


def read_columns(path: Path) -> list[tuple[str, str]]:
    """The ``--columns`` mapping: YAML ``platform column: field`` in the template's order
    (JC850 with the file and line of a bad entry)."""
    fields = {k for k, _h in PUBLIC_COLUMNS}
    try:
        text = Path(path).read_text(encoding="utf-8")
        node = yaml.compose(text)
    except UnicodeDecodeError as exc:
        raise RecordError([problem("JC850", file=str(path), detail=Localized(
            f"文件不是 UTF-8 编码（第 {exc.start} 字节）",
            f"the file is not UTF-8 (byte {exc.start})"))]) from exc
    except OSError as exc:
        raise RecordError([problem("JC850", file=str(path), detail=os_detail(exc, str(path)))]
                          ) from exc
    except yaml.YAMLError as exc:
        raise RecordError([problem("JC850", file=str(path), detail=str(exc).splitlines()[0])]
                          ) from exc
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise RecordError([problem("JC850", file=str(path), line=1, column=1,
                                   detail=Localized("应为“平台列名: 字段”的映射",
                                                    "expected a mapping"))])
    out = []
    for key, value in node.value:
        field = value.value if isinstance(value, yaml.ScalarNode) else None
        if field not in fields:
            raise RecordError([problem("JC850", file=str(path), line=value.start_mark.line + 1,
                                       column=value.start_mark.column + 1,
                                       detail=f"{key.value}: {field!r} ∉ "
                                              + ", ".join(sorted(fields)))])
        out.append((str(key.value), field))
    return out


def draws_of(engine: Engine, draw_ids: Sequence[int], folder: Path | None = None,
             department_names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The procedure of each draw, as published: commitment, seed, fingerprints, algorithm
    version, date (Beijing time), and the files in ``folder/draws`` that let anyone replay
    it (core.draw.public; none when the libraries changed since the draw, or without
    *folder*)."""
    out = []
    with engine.connect() as conn:
        for draw_id in sorted(set(draw_ids)):
            d = read_draw(conn, draw_id)
            public = (write_public(conn, d, folder, department_names)
                      if folder is not None else PublicDraw(d.id))
            out.append({"id": d.id, "seed": d.seed, "commitment": d.commitment,
                        "algorithm_version": d.algorithm_version,
                        "targets_fingerprint": d.targets_fingerprint,
                        "officers_fingerprint": d.officers_fingerprint,
                        "result_digest": d.result_digest, "drawn": len(d.drawn),
                        "eligible": (d.result or {}).get("eligible"),
                        "inspection_limits": limits_text(
                            d.parameters.get("inspection_limits"), document=True),
                        "history_fingerprint": d.history_fingerprint,
                        "reason": d.reason,
                        "at": chinese_time(d.created_at) if d.created_at else None,
                        "files": [f.relative_to(folder).as_posix() for f in public.files
                                  if folder is not None],
                        "unavailable": public.unavailable})
    return out


def checklist_items(checklist: Checklist) -> list[dict[str, Any]]:
    """事项公开: the joint checklist, verbatim, by department."""
    return [{"department": d.name,
             "items": [i.title for i in checklist.items_of(d.code)]}
            for d in checklist.departments]


def publish(engine: Engine, campaign: str, folder: Path, *, on: date | None = None,
            columns: Path | None = None, page_rows: int = PAGE_ROWS) -> Published:
    """Write the publication folder and mark the published records (JC849 when nothing
    is settled)."""
    mapping = read_columns(columns) if columns else None
    checklist = stored_checklist(engine, campaign)
    codes = [d.code for d in checklist.departments]
    settled, drawn = public_rows(engine, campaign, codes)
    if not settled:
        raise RecordError([problem("JC849", campaign=campaign)])
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from exc
    day = on or today()
    names = [d.name for d in checklist.departments]
    records = [public_record(r, names) for r in settled]
    keys = [k for k, _h in PUBLIC_COLUMNS]
    camp = checklist.campaign
    about = {"id": campaign, "title": camp.title if camp else campaign,
             "document_number": camp.document_number if camp else None,
             "issuer": camp.issuer if camp else None, "published_on": day.isoformat()}
    files = []
    try:
        path = folder / "results.csv"
        write_csv(path, [h for _k, h in PUBLIC_COLUMNS], ([rec[k] for k in keys]
                                                          for rec in records))
        files.append(path)
        if mapping:
            path = folder / "upload.csv"
            write_csv(path, [h for h, _f in mapping], ([rec[f] for _h, f in mapping]
                                                       for rec in records))
            files.append(path)
        path = folder / "results.json"
        write_json(path, {"campaign": about,
                          "columns": [{"key": k, "label": h} for k, h in PUBLIC_COLUMNS],
                          "results": records})
        files.append(path)
        draws = draws_of(engine, [r.draw_id for r in settled], folder,
                         {d.code: d.name for d in checklist.departments})
        files += write_index(folder, about, checklist_items(checklist), draws, records,
                             page_rows=page_rows)
        files += [folder / f for d in draws for f in d["files"]]
    except OSError as exc:
        raise cannot_write(folder, exc) from exc
    with begin_write(engine) as conn:
        mark_published(conn, campaign, day)
        audit.append(conn, "results.publish", {"campaign_id": campaign, "count": len(settled),
                                               "published_on": day.isoformat()})
    return Published(folder=folder, files=files, count=len(records),
                     unsettled=drawn - len(settled), on=day,
                     unverifiable=[d["id"] for d in draws if d["unavailable"]])

