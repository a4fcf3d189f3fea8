"""A draw the public can verify from the publication folder alone (程序公开).

``jointcheck publish`` writes, for each draw of the published results, into ``draws/``:

- ``draw-<id>.json`` — the draw record as ``draw export`` writes it: seed, commitment,
  parameters, algorithm version, fingerprints, result (credit codes and 执法证号) and digest;
- ``draw-<id>-targets.csv`` — the eligible targets the draw ranked: 统一社会信用代码,
  市场主体名称, 行政区划, 管辖单位 (public registration data), 信用风险等级 only when the draw
  is stratified by it, and the row digest (行摘要) the targets' fingerprint is made of;
- ``draw-<id>-officers.csv`` — the officers who could be drawn, in the form the 行政执法公示
  rules publish (国办发〔2018〕118号: name, unit, 执法证号): 部门, 执法证号, 姓名, 单位,
  管辖单位, and 回避对象 limited to the drawn enterprises. Never a phone or ID-card number,
  nor a digest of a row that holds them.

``jointcheck draw verify --public DIR`` replays each draw from those files alone and
compares: the commitment, the result digest, the eligible set's fingerprint and count, the
drawn enterprises in order and every team. The officers' fingerprint covers rows with
personal data, so it is not recomputed from the public roster; the number of eligible
officers per department and each team member's 执法证号 are checked instead, and the roster
can be compared with the departments' published 执法人员清单.

The eligible set is read from the store when publishing. When the libraries changed after
the draw (the fingerprints differ) the files of that draw are not written — they would not
replay — and the page says so (:attr:`PublicDraw.unavailable`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..errors import problem, register
from ..store.models import targets
from .algorithm import (
    SUPPORTED_VERSIONS,
    DrawError,
    DrawResult,
    OfficerEntry,
    Parameters,
    TargetEntry,
    _set_fingerprint,
    draw,
    excluded_codes,
    officer_pools,
    officers_fingerprint,
)
from .queries import officer_public
from .service import (
    VerifyReport,
    _check_record,
    _compare,
    excluded_listed,
    load_eligible_targets,
    load_officers,
    rank_beside,
    read_export,
)

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection

    from .service import DrawRecord, VerifyReport

FOLDER = "draws"
TARGET_HEADERS = {"credit_code": "统一社会信用代码", "name": "市场主体名称", "region": "行政区划",
                  "jurisdiction": "管辖单位", "risk_grade": "信用风险等级",
                  "row_digest": "行摘要"}
OFFICER_HEADERS = {"department": "部门代码", "department_name": "部门", "cert_no": "执法证号", "name": "姓名", "unit": "单位",
                   "jurisdiction": "管辖单位", "conflicts": "回避对象"}

CODES = {
    "JC737": ("“{folder}”中没有可复核的抽取记录（应有 {expected}）",
              "'{folder}' holds no draw to verify (expected {expected})"),
    "JC738": ("公示文件“{file}”第 {line} 行无效：{detail}",
              "the published file '{file}' is invalid at line {line}: {detail}"),
}
HINTS = {
    "JC737": ("请给出 jointcheck publish 写出的公示目录（其中的 draws 子目录包含抽取记录和名单）。",
              "Please give the folder `jointcheck publish` wrote (its draws/ subfolder holds "
              "the draw records and lists)."),
    "JC738": ("请使用公示网站上原样下载的文件，不要在电子表格程序中另存。",
              "Please use the files exactly as downloaded from the publication; do not "
              "re-save them in a spreadsheet program."),
}
register(CODES, HINTS)


@dataclass
class PublicDraw:
    """What the publication says about one draw."""

    id: int
    files: list[Path] = field(default_factory=list)
    # why no replay files were written: "targets" / "officers" (that library changed since
    # the draw), "record" (a record this software cannot replay)
    unavailable: str | None = None
    eligible: int = 0
    officers: int = 0


def _stratified(parameters: Parameters) -> bool:
    return "by_grade" in parameters.sample


def write_public(conn: Connection, record: DrawRecord, folder: Path,
                 department_names: Mapping[str, str] | None = None) -> PublicDraw:
    """Write the replay files of *record* into ``folder/draws`` (see the module doc);
    *department_names*: code -> name for the 部门 column. A record this software cannot
    replay (an algorithm version it lacks, parameters it cannot read) or libraries changed
    since the draw get no files: :attr:`PublicDraw.unavailable` says why."""
    out = PublicDraw(record.id)
    if record.algorithm_version not in SUPPORTED_VERSIONS:
        out.unavailable = "record"
        return out
    try:
        parameters = Parameters.from_json(record.parameters, record.algorithm_version)
    except DrawError:  # JC731: parameters this software cannot read
        out.unavailable = "record"
        return out
    entries, _total = load_eligible_targets(conn, parameters)
    _dup, fingerprint = _set_fingerprint(entries)
    pools = officer_pools(load_officers(conn, parameters.departments), parameters)
    if fingerprint != record.targets_fingerprint:
        out.unavailable = "targets"
    elif officers_fingerprint(pools) != record.officers_fingerprint:
        out.unavailable = "officers"
    if out.unavailable:
        return out
    base = Path(folder) / FOLDER
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"draw-{record.id}.json"
    path.write_text(json.dumps(record.export(), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    out.files.append(path)

    # the eligible targets with their public registration data
    keys = ["credit_code", "name", "region", "jurisdiction"]
    if _stratified(parameters):
        keys.append("risk_grade")
    keys.append("row_digest")
    digests = {code: (grade, digest) for code, grade, digest in entries}
    path = base / f"draw-{record.id}-targets.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([TARGET_HEADERS[k] for k in keys])
        q = select(targets.c.credit_code, targets.c.name, targets.c.region,
                   targets.c.jurisdiction).order_by(targets.c.credit_code)
        for code, name, region, jurisdiction in conn.execution_options(
                yield_per=5000).execute(q):
            hit = digests.get(code)
            if hit is None:
                continue
            row = [code, name or "", region or "", jurisdiction or ""]
            if _stratified(parameters):
                row.append(hit[0] or "")
            w.writerow([*row, hit[1]])
    out.files.append(path)
    out.eligible = len(entries)

    # the officers who could be drawn, as the 行政执法公示 rules publish them
    drawn = {t["credit_code"] for t in record.drawn}
    pool = sorted((o for p in pools.values() for o in p.officers), key=lambda o: o.cert_no)
    info = officer_public(conn, [o.cert_no for o in pool])
    path = base / f"draw-{record.id}-officers.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(OFFICER_HEADERS.values()))
        for o in pool:
            known = info.get(o.cert_no) or {}
            name, unit = known.get("name") or "", known.get("unit") or ""
            w.writerow([o.department, (department_names or {}).get(o.department, o.department),
                        o.cert_no, name, unit, o.jurisdiction or "",
                        "；".join(sorted(o.conflicts & drawn))])
    out.files.append(path)
    out.officers = len(pool)
    return out


# --------------------------------------------------------------------------- replay


def _rows(path: Path, headers: Mapping[str, str], required: Sequence[str]
          ) -> Iterable[dict[str, str]]:
    """The rows of a published CSV keyed by field (JC738: a missing file or column, a row
    of the wrong length, text that is not UTF-8)."""
    label = str(path)

    def bad(line: int, detail: str) -> DrawError:
        return DrawError([problem("JC738", file=label, line=line, detail=detail)])

    if not path.is_file():
        raise bad(0, "文件不存在")
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        n = 1
        try:
            head = next(reader, [])
            by_label = {h: k for k, h in headers.items()}
            names = [by_label.get(h) for h in head]
            missing = [headers[k] for k in required if k not in names]
            if missing:
                raise bad(1, "缺少列：" + "、".join(missing))
            for n, line in enumerate(reader, 2):
                if len(line) != len(head):
                    raise bad(n, f"应有 {len(head)} 列，实有 {len(line)} 列")
                yield {k: v for k, v in zip(names, line, strict=True) if k}
        except UnicodeDecodeError as exc:
            raise bad(n + 1, f"不是 UTF-8 文本（{exc.reason}）") from None


def public_draw_files(folder: Path) -> list[Path]:
    """The draw records of a publication folder, by draw id (JC737 when there is none)."""
    base = Path(folder) / FOLDER
    files = sorted(base.glob("draw-*.json"),
                   key=lambda p: int(p.stem.split("-")[1]) if p.stem.split("-")[1].isdigit()
                   else 0)
    if not files:
        raise DrawError([problem("JC737", folder=str(folder),
                                 expected=f"{FOLDER}/draw-<编号>.json")])
    return files


def verify_public(path: Path) -> VerifyReport:
    """Replay one published draw (its ``draw-<id>.json`` and the two lists beside it)."""
    data = read_export(path)
    report = VerifyReport(data.get("draw_id"))
    _check_record(report, data)
    parameters = Parameters.from_json(data["parameters"], str(data["algorithm_version"]))
    stem = path.with_suffix("")
    targets = [TargetEntry(r["credit_code"], (r.get("risk_grade") or None)
                           if _stratified(parameters) else None,
                           r.get("jurisdiction") or None, r["row_digest"])
               for r in _rows(stem.with_name(stem.name + "-targets.csv"), TARGET_HEADERS,
                              ["credit_code", "row_digest"])]
    officers = []
    for r in _rows(stem.with_name(stem.name + "-officers.csv"), OFFICER_HEADERS,
                   ["department", "cert_no"]):
        spec = parameters.officers.get(r["department"]) or {}
        # listed: in post, certificate valid on the draw date, qualified
        officers.append(OfficerEntry(
            cert_no=r["cert_no"], department=r["department"], active=True,
            cert_expiry=parameters.date,
            qualifications=frozenset(spec.get("qualifications") or ()),
            jurisdiction=r.get("jurisdiction") or None,
            conflicts=frozenset(c for c in (r.get("conflicts") or "").split("；") if c),
            row_digest=""))
    # the exclusions replay from the record alone: no listed target may be one the recorded
    # parameters exclude (drawn before, or over the inspection limits on its history)
    listed_excluded = sorted(excluded_codes(parameters) & {t.credit_code for t in targets})
    if listed_excluded:
        report.differences.append(excluded_listed(len(listed_excluded), listed_excluded[0]))
    result: DrawResult | DrawError
    try:
        result = draw(str(data["seed"]), targets, officers, parameters,
                      total_targets=len(targets), beside=rank_beside)
    except DrawError as exc:
        result = exc
    _compare(report, data, result, public=True)
    return report
