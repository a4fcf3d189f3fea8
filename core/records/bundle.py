"""Field bundles (docs/bundles.md): a SQLite file that is itself a jointcheck store, holding
what one team needs to inspect offline, and the merge of its drafts and records back into
the office's store.

- :func:`export` writes the bundle: the draw row, the checklist snapshots, the chosen
  tasks with their drafts and records, the targets' rows and the team officers' names and
  certificates (phone and ID numbers are never copied). It records the bundle in the
  office's store (``bundles``, ``bundle_tasks``) with, per task, the digest of its state:
  the *base* that later tells who changed the task.
- :func:`import_bundle` checks the bundle (this store, this draw, non-record contents
  matching their digest) and, per task, compares the office's state, the bundle's state
  and the base: only the bundle changed → its records are submitted again through
  :func:`~jointcheck.core.records.service.store_version` (the validation of every
  submission) and its draft answers taken; both changed → a conflict kept for
  :func:`resolve`. One transaction: all or nothing.

Problem codes JC860–JC879 belong to this module.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .. import clock
from ..canonical import canonical_digest, format_time
from ..draw.queries import chunks
from ..errors import Problem, problem, register
from ..store import StoreError, audit, begin_write, create_engine_for, open_store, upgrade
from ..store.models import (
    bundle_conflicts,
    bundle_tasks,
    bundles,
    checklists,
    draws,
    officers,
    record_problems,
    record_versions,
    store_meta,
    targets,
    task_answers,
    tasks,
)
from .service import (
    AMENDING,
    SUBMITTED,
    TASK_COLUMNS,
    Answer,
    Draft,
    PreparedVersion,
    RecordError,
    Task,
    _checklist_for,
    _member_names,
    _targets,
    _task_from_row,
    answers_from_file,
    check_value,
    get_task,
    prepare_version,
    record_digest,
    write_versions,
)
from .snapshot import load_checklist

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

    from ..plugins import PluginHost

CODES: dict[str, tuple[str, str]] = {
    "JC860": ("文件已存在，不会覆盖", "the file already exists; it is not overwritten"),
    "JC861": ("第 {draw} 次抽取中没有符合条件的任务", "draw {draw} has no task that matches"),
    "JC862": ("任务“{task}”不属于第 {draw} 次抽取", "task '{task}' is not a task of draw {draw}"),
    "JC863": ("任务“{task}”没有检查事项快照，不能外带",
              "task '{task}' has no checklist snapshot; it cannot go out in a bundle"),
    "JC864": ("不是 jointcheck 外带检查包", "not a jointcheck field bundle"),
    "JC865": ("外带包 {bundle} 来自另一个数据库（{origin}），不是本数据库（{store}）",
              "bundle {bundle} comes from another store ({origin}), not this one ({store})"),
    "JC866": ("本数据库没有导出过外带包 {bundle}", "this store never exported bundle {bundle}"),
    "JC867": ("外带包 {bundle} 属于第 {given} 次抽取，本数据库记录它属于第 {draw} 次",
              "bundle {bundle} says draw {given}; this store exported it for draw {draw}"),
    "JC868": ("外带包 {bundle} 的内容（抽取、检查事项、任务、检查对象或人员）已被改动：摘要不符",
              "the contents of bundle {bundle} (draw, checklist, tasks, targets or officers) "
              "were altered: they no longer match their digest"),
    "JC869": ("外带包中任务“{task}”第 {version} 版记录未通过提交校验（见下列问题）",
              "version {version} of task '{task}' in the bundle does not pass the checks of "
              "a submission (see the problems below)"),
    "JC870": ("外带包中任务“{task}”第 {version} 版记录与其填写内容计算的结果不符",
              "version {version} of task '{task}' in the bundle does not match what its "
              "answers give"),
    "JC871": ("没有待处理的冲突：外带包 {bundle}，任务“{task}”",
              "there is no open conflict for bundle {bundle}, task '{task}'"),
    "JC872": ("找不到外带包文件", "no such bundle file"),
    "JC876": ("无法打开外带包文件（{detail}）", "the bundle file cannot be opened ({detail})"),
    "JC875": ("外带包中任务“{task}”的草稿答案 {key} 无效（见下列问题）",
              "the draft answer {key} of task '{task}' in the bundle is not valid (see the "
              "problems below)"),
    "JC873": ("外带包文件已损坏，或不是 SQLite 数据库文件（{detail}）",
              "the bundle file is damaged or not a SQLite database ({detail})"),
    "JC874": ("外带包的结构版本 {current} 落后于本软件所需的 {head}（由旧版本的 jointcheck 导出）",
              "the bundle's schema revision {current} is older than the {head} this software "
              "needs (it was exported by an older jointcheck)"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC860": ("请换一个文件名，或先删除该文件。", "Please choose another file name or remove it first."),
    "JC861": ("请用 jointcheck tasks list --draw N 查看任务及其检查人员。",
              "Please list the draw's tasks and teams with `jointcheck tasks list --draw N`."),
    "JC862": ("请用 jointcheck tasks list --draw N 查看该次抽取的任务编号。",
              "Please list the draw's task ids with `jointcheck tasks list --draw N`."),
    "JC863": ("请先在本数据库中打开该任务一次（record show TASK --campaign 实施方案文件）。",
              "Please open the task once in this store first (`record show TASK --campaign "
              "FILE`)."),
    "JC864": ("外带包由 jointcheck bundle export 生成。",
              "A bundle is written by `jointcheck bundle export`."),
    "JC865": ("请在导出该外带包的数据库上导入（--db）。",
              "Please import it into the store that exported it (--db)."),
    "JC866": ("请在导出该外带包的数据库上导入（--db）。",
              "Please import it into the store that exported it (--db)."),
    "JC867": ("外带包已被改动；请向检查组核实，必要时重新导出。",
              "The bundle was altered; please check with the team and export again if needed."),
    "JC868": ("外带包中只有检查记录可以改动；请向检查组核实，必要时重新导出外带包。",
              "Only records may change in a bundle; please check with the team and export "
              "the bundle again if needed."),
    "JC869": ("请检查组在外带包中修改该记录（record amend）后重新导入。",
              "Please have the team amend the record in the bundle (`record amend`) and "
              "import again."),
    "JC870": ("外带包中的记录被改动过；请向检查组核实。",
              "The record in the bundle was altered; please check with the team."),
    "JC871": ("请用 jointcheck bundle conflicts 查看待处理的冲突。",
              "Please list the open conflicts with `jointcheck bundle conflicts`."),
    "JC872": ("请检查文件名和路径；外带包是 jointcheck bundle export 导出的文件（如 team-a.jcb）。",
              "Please check the file name and folder; a bundle is the file written by "
              "`jointcheck bundle export` (e.g. team-a.jcb)."),
    "JC873": ("请向检查组重新获取原文件（从拷贝它的 U 盘或备份）；外带包不能用 Excel、WPS 等软件打开后保存。",
              "Please get the original file from the team again (from the USB stick or the "
              "backup it was copied to); a bundle must not be opened and saved with Excel or "
              "other programs."),
    "JC874": ("请先备份该文件，再运行 jointcheck --db sqlite:///该文件 db upgrade 升级它，然后重试；"
              "若随后提示内容摘要不符（JC868），请在本数据库重新导出外带包。",
              "Please back the file up, upgrade it with `jointcheck --db sqlite:///FILE db "
              "upgrade` and try again; if the contents then no longer match their digest "
              "(JC868), export the bundle again from this store."),
    "JC876": ("请检查该文件的读取权限，或把它拷贝到本机的文件夹（例如桌面）后重试。",
              "Please check that the file can be read, or copy it to a folder on this "
              "computer (e.g. the desktop) and try again."),
    "JC875": ("外带包中的草稿被改动过；请向检查组核实，必要时在外带包中重新填写该项后再导入。",
              "The draft in the bundle was altered; please check with the team and have the "
              "answer entered again in the bundle before importing."),
}

register(CODES, HINTS)

OUT, RETURNED, CONFLICT = "out", "returned", "conflict"
KEEP_OFFICE, TAKE_BUNDLE = "office", "bundle"
# officer columns that may leave the office (never phone or id_number)
OFFICER_COLUMNS = ("id", "cert_no", "name", "gender", "department", "unit", "title",
                   "cert_expiry", "qualifications", "jurisdiction", "active")
# target columns that go out: the record's header fields, the attributes that decide
# applicability, and the company's own 联系电话 (no other personal data)
TARGET_COLUMNS = ("id", "credit_code", "name", "reg_no", "legal_rep", "address",
                  "business_address", "phone", "jurisdiction", "registration_authority",
                  "entity_type", "business_scope", "region", "established", "status",
                  "industry", "risk_grade", "attributes", "check_override")


class BundleError(RecordError):
    """A bundle cannot be exported, imported or resolved; nothing was changed."""


# --------------------------------------------------------------------------- states


def store_id(conn: Connection) -> str:
    return str(conn.execute(select(store_meta.c.value).where(store_meta.c.key == "store_id"))
               .scalar_one())


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(store_meta.c.value).where(store_meta.c.key == key)).scalar()


def task_states(conn: Connection, task_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each task's state as JSON: status, version, amendment reason, answers (with their
    versions) and submitted versions — what a bundle carries back and what is compared."""
    ids = sorted(set(task_ids))
    out: dict[str, dict[str, Any]] = {}
    for part in chunks(ids):
        for r in conn.execute(select(tasks.c.id, tasks.c.status, tasks.c.version,
                                     tasks.c.amend_reason).where(tasks.c.id.in_(part))):
            out[r.id] = {"status": r.status, "version": r.version,
                         "amend_reason": r.amend_reason, "answers": {}, "records": []}
        for r in conn.execute(select(task_answers).where(task_answers.c.task_id.in_(part))):
            out[r.task_id]["answers"][r.key] = {
                "value": r.value, "version": r.version,
                "updated_at": format_time(r.updated_at), "updated_by": r.updated_by}
        for r in conn.execute(select(record_versions).where(record_versions.c.task_id.in_(part))
                              .order_by(record_versions.c.task_id, record_versions.c.version)):
            out[r.task_id]["records"].append({
                "version": r.version, "checklist_fingerprint": r.checklist_fingerprint,
                "record": r.record, "results": r.results, "digest": r.digest,
                "reason": r.reason, "submitted_at": format_time(r.submitted_at),
                "submitted_by": r.submitted_by})
    return out


def state_digest(state: Mapping[str, Any]) -> str:
    """The digest of what a task's state *says* (not who typed it when): equal in the
    office and in a bundle exactly when they hold the same record."""
    return canonical_digest({
        "status": state["status"], "version": state["version"],
        "amend_reason": state["amend_reason"],
        "answers": {k: a["value"] for k, a in state["answers"].items() if a["value"] is not None},
        "records": [[r["version"], r["digest"]] for r in state["records"]]})


# The columns of a draw a bundle's digest covers: the draw itself, as the bundles of
# revision 0003 had them. Later columns (0006: history_fingerprint, derived from the
# parameters; the funnel; the 补充抽取 reason) are left out, so that a bundle keeps its
# digest across an upgrade, and across a downgrade that drops them.
DRAW_COLUMNS = ("id", "campaign_id", "campaign_kind", "year", "seed", "commitment",
                "algorithm_version", "parameters", "targets_fingerprint",
                "officers_fingerprint", "result", "result_digest", "actor")


def content_digest(conn: Connection) -> str:
    """SHA-256 of a bundle's non-record contents: its identity, the draw, the checklist
    snapshots, the tasks (without their status), the targets and the officers. Records and
    drafts may change in a bundle; nothing else may."""
    def rows(table: Any, columns: Iterable[str], order: Any) -> list[list[Any]]:
        cols = [table.c[c] for c in columns]
        return [list(r) for r in conn.execute(select(*cols).order_by(order))]

    return canonical_digest({
        "bundle_id": _meta(conn, "bundle_id"),
        "bundle": rows(bundles, ("id", "origin_store", "draw_id", "task_count"), bundles.c.id),
        "bundle_tasks": rows(bundle_tasks, ("task_id", "base_version", "base_digest"),
                             bundle_tasks.c.task_id),
        "draws": rows(draws, DRAW_COLUMNS, draws.c.id),
        "checklists": rows(checklists, ("fingerprint", "campaign_id", "snapshot"),
                           checklists.c.fingerprint),
        "tasks": rows(tasks, ("id", "draw_id", "seq", "campaign_id", "credit_code", "team",
                              "checklist_fingerprint"), tasks.c.id),
        "targets": rows(targets, TARGET_COLUMNS, targets.c.credit_code),
        "officers": rows(officers, OFFICER_COLUMNS + ("phone", "id_number"), officers.c.cert_no),
    })


# --------------------------------------------------------------------------- export


@dataclass
class Exported:
    bundle_id: str
    path: Path
    draw_id: int
    task_ids: list[str]
    digest: str
    officers: int
    targets: int


def _select_tasks(conn: Connection, draw_id: int, officer: str | None,
                  task_ids: Iterable[str]) -> list[Any]:
    rows = list(conn.execute(select(tasks).where(tasks.c.draw_id == draw_id)
                             .order_by(tasks.c.seq)))
    if not rows:  # no such draw: JC734, as `draw show` says it
        from ..draw.algorithm import DrawError
        from ..draw.service import draw_row

        try:
            draw_row(conn, draw_id)
        except DrawError as exc:
            raise BundleError(exc.problems) from None
    wanted = list(dict.fromkeys(task_ids))
    if wanted:
        have = {r.id for r in rows}
        missing = [t for t in wanted if t not in have]
        if missing:
            raise BundleError([problem("JC862", task=t, draw=draw_id) for t in missing])
        rows = [r for r in rows if r.id in set(wanted)]
    if officer is not None:  # an empty one matches no task (JC861), not every task
        rows = [r for r in rows if any(m["cert_no"] == officer for m in r.team)]
    if not rows:
        raise BundleError([problem("JC861", draw=draw_id)])
    unpinned = [r.id for r in rows if not r.checklist_fingerprint]
    if unpinned:
        raise BundleError([problem("JC863", task=t) for t in unpinned])
    return rows


def _copy(src: Connection, dst: Connection, table: Any, where: Any,
          columns: Iterable[str] | None = None, **overrides: Any) -> int:
    cols = [table.c[c] for c in columns] if columns else list(table.c)
    rows = [dict(r._mapping, **overrides) for r in src.execute(select(*cols).where(where))]
    if rows:
        dst.execute(insert(table), rows)
    return len(rows)


def export(engine: Engine, draw_id: int, path: str | Path, *, officer: str | None = None,
           task_ids: Iterable[str] = (), actor: str | None = None) -> Exported:
    """Write the bundle of *draw_id*'s tasks (all, those of *officer*, or *task_ids*) to
    *path* and record it in the store. Raises :class:`BundleError` (nothing written)."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise BundleError([problem("JC860", file=str(path))])
    who = audit.actor(engine, actor)
    bundle_id = uuid.uuid4().hex
    part = path.with_name(f".{path.name}.{bundle_id[:8]}.part")
    url = f"sqlite:///{part}"
    try:
        part.open("xb").close()
    except OSError as exc:  # no such folder, not writable…: nothing done, said of *path*
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        upgrade(url)
        out = create_engine_for(url)
        try:
            with begin_write(engine) as conn:
                with out.begin() as dst:
                    rows = _select_tasks(conn, draw_id, officer, task_ids)
                    ids = [r.id for r in rows]
                    origin = store_id(conn)
                    states = task_states(conn, ids)
                    now = clock.utcnow()
                    _copy(conn, dst, draws, draws.c.id == draw_id)
                    fps = sorted({r.checklist_fingerprint for r in rows})
                    _copy(conn, dst, checklists, checklists.c.fingerprint.in_(fps))
                    codes = sorted({r.credit_code for r in rows})
                    certs = sorted({m["cert_no"] for r in rows for m in r.team})
                    n_targets = n_officers = 0
                    for chunk in chunks(codes):
                        n_targets += _copy(conn, dst, targets, targets.c.credit_code.in_(chunk),
                                           TARGET_COLUMNS, row_digest="", created_at=now,
                                           updated_at=now)
                    for chunk in chunks(certs):
                        n_officers += _copy(conn, dst, officers, officers.c.cert_no.in_(chunk),
                                            OFFICER_COLUMNS, conflicts=[], row_digest="",
                                            created_at=now, updated_at=now)
                    for chunk in chunks(ids):
                        _copy(conn, dst, tasks, tasks.c.id.in_(chunk))
                        _copy(conn, dst, task_answers, task_answers.c.task_id.in_(chunk))
                        _copy(conn, dst, record_versions, record_versions.c.task_id.in_(chunk))
                        _copy(conn, dst, record_problems, record_problems.c.task_id.in_(chunk))
                    bundle_row = {"id": bundle_id, "origin_store": origin, "draw_id": draw_id,
                                  "content_digest": "", "task_count": len(ids), "created_at": now,
                                  "created_by": who}
                    task_rows = [{"bundle_id": bundle_id, "task_id": t,
                                  "base_version": states[t]["version"],
                                  "base_digest": state_digest(states[t]), "state": OUT} for t in ids]
                    dst.execute(insert(store_meta).values(key="bundle_id", value=bundle_id))
                    dst.execute(insert(bundles).values(**bundle_row))
                    dst.execute(insert(bundle_tasks), task_rows)
                    digest = content_digest(dst)
                    dst.execute(bundles.update().values(content_digest=digest))
                    conn.execute(insert(bundles).values(**dict(bundle_row, content_digest=digest)))
                    conn.execute(insert(bundle_tasks), task_rows)
                    audit.append(conn, "bundle.export", {
                        "bundle": bundle_id, "draw": draw_id, "tasks": ids, "digest": digest,
                        "file": path.name}, actor=who)
                # the file commits and is made one self-contained file first, then the office
                # commits, then the file is renamed into place: a failure or kill -9 before the
                # office's commit leaves neither (only a hidden .part file); after it, only the
                # rename remains
                out.dispose()
                _single_file(part)
        finally:
            out.dispose()
        os.replace(part, path)
    finally:
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            if leftover.exists():
                leftover.unlink()
    return Exported(bundle_id=bundle_id, path=path, draw_id=draw_id, task_ids=ids,
                    digest=digest, officers=n_officers, targets=n_targets)


def _single_file(part: Path) -> None:
    """Make the bundle one self-contained file: no WAL beside it, no free pages."""
    con = sqlite3.connect(part, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = DELETE")
        con.execute("VACUUM")
    finally:
        con.close()


# --------------------------------------------------------------------------- reading a bundle


@dataclass
class BundleInfo:
    bundle_id: str
    origin_store: str
    draw_id: int
    campaign_id: str
    content_digest: str
    digest_ok: bool
    created_at: datetime
    created_by: str
    tasks: list[dict[str, Any]] = field(default_factory=list)
    store: str = ""  # the bundle's own store id (a bundle is a store of its own)

    def to_json(self) -> dict[str, Any]:
        return {"bundle": self.bundle_id, "origin_store": self.origin_store,
                "draw": self.draw_id, "campaign": self.campaign_id,
                "content_digest": self.content_digest, "digest_ok": self.digest_ok,
                "created_at": format_time(self.created_at), "created_by": self.created_by,
                "tasks": self.tasks}


def open_bundle(path: str | Path) -> Engine:
    """The read-only Engine of a bundle file (a store at the newest revision with a bundle
    id; opened immutable, so that reading it changes nothing, on read-only media too), or
    :class:`BundleError`: no such file (JC872), not a bundle (JC864: an empty file
    included, left as it is), a damaged file or not SQLite at all (JC873), a bundle of an
    older schema (JC874), a file that cannot be opened (JC876)."""
    path = Path(path)
    where = str(path)
    if not path.exists():
        raise BundleError([problem("JC872", file=where)])
    if not path.is_file():
        raise BundleError([problem("JC864", file=where)])
    try:
        engine = open_store(f"sqlite:///{path}", readonly=True)
    except StoreError as exc:
        found = exc.problem
        if found.code in ("JC703", "JC720"):  # empty, or SQLite without a jointcheck store
            raise BundleError([problem("JC864", file=where)]) from exc
        if found.code == "JC706":
            detail = str(found.params.get("detail", ""))
            code = "JC876" if "unable to open" in detail else "JC873"
            raise BundleError([problem(code, file=where, detail=detail)]) from exc
        if found.code == "JC704":
            raise BundleError([problem("JC874", file=where, current=found.params["current"],
                                       head=found.params["head"])]) from exc
        raise BundleError([found]) from exc
    try:
        with engine.connect() as conn:
            check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            bundle_id = _meta(conn, "bundle_id") if check == "ok" else None
    except DBAPIError as exc:
        check, bundle_id = str(getattr(exc, "orig", exc)).strip().splitlines()[0], None
    if check != "ok":
        engine.dispose()
        detail = next((line for line in str(check).splitlines()
                       if line.strip() and not line.startswith("***")), str(check))
        raise BundleError([problem("JC873", file=where, detail=detail)])
    if not bundle_id:
        engine.dispose()
        raise BundleError([problem("JC864", file=where)])
    return engine


def read_info(path: str | Path) -> tuple[BundleInfo, dict[str, dict[str, Any]]]:
    """What bundle file *path* says about itself, and its tasks' states (the file is
    opened by :func:`open_bundle` and closed again)."""
    bundle = open_bundle(path)
    try:
        with bundle.connect() as conn:
            try:
                row = conn.execute(select(bundles)).one()
                campaign = conn.execute(select(draws.c.campaign_id)
                                        .where(draws.c.id == row.draw_id)).scalar() or ""
                base = {r.task_id: r for r in conn.execute(select(bundle_tasks))}
                states = task_states(conn, base)
                ok = content_digest(conn) == row.content_digest
                own = _meta(conn, "store_id") or ""
            except (SQLAlchemyError, KeyError, TypeError, ValueError, AttributeError) as exc:
                # rows missing, unreadable or malformed: edited with another tool
                bundle_id = _meta(conn, "bundle_id") or "?"
                raise BundleError([problem("JC868", bundle=bundle_id[:8])]) from exc
    finally:
        bundle.dispose()
    info = BundleInfo(bundle_id=row.id, origin_store=row.origin_store, draw_id=row.draw_id,
                      campaign_id=campaign, content_digest=row.content_digest, digest_ok=ok,
                      created_at=row.created_at, created_by=row.created_by, store=own)
    for tid in sorted(base, key=_task_order):
        state = states.get(tid)
        info.tasks.append({
            "task": tid, "status": state["status"] if state else None,
            "version": state["version"] if state else None,
            "base_version": base[tid].base_version,
            "changed": state is None or state_digest(state) != base[tid].base_digest})
    return info, states


def _task_order(task_id: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in task_id.split("-"))


# --------------------------------------------------------------------------- import


@dataclass
class Imported:
    bundle_id: str
    applied: list[str] = field(default_factory=list)     # taken from the bundle
    versions: int = 0                                     # record versions added
    unchanged: list[str] = field(default_factory=list)   # office and bundle agree
    kept: list[str] = field(default_factory=list)        # the bundle changed nothing
    conflicts: list[str] = field(default_factory=list)   # changed in both: see resolve
    changed: bool = False                                 # anything written at all

    def to_json(self) -> dict[str, Any]:
        return {"bundle": self.bundle_id, "applied": self.applied, "versions": self.versions,
                "unchanged": self.unchanged, "kept": self.kept, "conflicts": self.conflicts,
                "changed": self.changed}


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _record_answers(record: Mapping[str, Any], checklist: Any) -> dict[str, Any]:
    data = {**record["findings"], **{k: v for k, v in record.items() if k != "findings"}}
    return answers_from_file(data, checklist)


class _Writes:
    """What an import (or a resolution) writes, gathered while each task is checked in
    memory and sent at the end in a few statements whatever the number of tasks: the
    record versions (:func:`~jointcheck.core.records.service.write_versions`, the storage
    path of every submission), the draft answers taken, the tasks' new status."""

    def __init__(self) -> None:
        self.versions: list[PreparedVersion] = []
        self.answers: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.checklists: dict[str, Any] = {}

    def flush(self, conn: Connection) -> None:
        write_versions(conn, self.versions)
        if self.answers:
            from sqlalchemy.dialects import postgresql, sqlite

            dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
            stmt = dialect.insert(task_answers)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=[task_answers.c.task_id, task_answers.c.key],
                set_={c: stmt.excluded[c] for c in ("value", "version", "updated_at",
                                                    "updated_by")}), self.answers)
        if self.tasks:
            conn.execute(update(tasks).where(tasks.c.id == bindparam("b_id")), self.tasks)
        self.versions, self.answers, self.tasks = [], [], []

    def checklist(self, conn: Connection, task: Task) -> Any:
        """The checklist snapshot *task* is filled against, loaded once per import."""
        fp = task.checklist_fingerprint or ""
        if fp not in self.checklists:
            self.checklists[fp] = (load_checklist(conn, fp) if fp else None) \
                or _checklist_for(conn, task, None)
        return self.checklists[fp]


def _locked_tasks(conn: Connection, task_ids: list[str], *,
                  lock: bool = True) -> dict[str, Task]:
    """The tasks *task_ids*, their rows locked on PostgreSQL (as get_task(lock="update"))
    unless *lock* is False, read in a few statements instead of three per task."""
    rows = []
    for part in chunks(sorted(task_ids)):
        q = select(*TASK_COLUMNS).where(tasks.c.id.in_(part))
        if lock and conn.dialect.name == "postgresql":
            q = q.with_for_update()
        rows += list(conn.execute(q))
    names = _member_names(conn, (m["cert_no"] for r in rows for m in r.team))
    found = _targets(conn, (r.credit_code for r in rows))
    return {r.id: _task_from_row(r, names, found.get(r.credit_code)) for r in rows}


def _apply(task: Task, checklist: Any, theirs: Mapping[str, Any], ours: Mapping[str, Any],
           base_version: int, bundle_id: str, host: PluginHost | None, who: str,
           writes: _Writes) -> int:
    """Take a bundle's state of one task, in memory: each version it submitted since
    *base_version* passes the checks of a submission again and is classified again
    (:func:`~jointcheck.core.records.service.prepare_version`, keeping the field's
    submitter and time; it must give exactly the record the bundle holds), then its
    draft answers (*ours*: the office's, with their versions) and status are taken. What
    to write goes to *writes*. Returns the number of versions added."""
    task_id = task.id
    added = 0
    for rv in theirs["records"]:
        if rv["version"] <= base_version:
            continue
        if record_digest(task_id, rv["version"], rv["checklist_fingerprint"], rv["record"],
                         rv["results"]) != rv["digest"]:
            raise BundleError([problem("JC870", task=task_id, version=rv["version"])])
        if task.version >= 1:
            task.status = AMENDING
            task.amend_reason = rv["reason"] or f"外带包 {bundle_id[:8]}"
        try:
            given = _record_answers(rv["record"], checklist)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BundleError([problem("JC870", task=task_id, version=rv["version"])]) from exc
        answers = {k: Answer(v, 0) for k, v in given.items()}
        draft = Draft(task=task, checklist=checklist, answers=answers, host=host)
        try:
            made = prepare_version(draft, confirm_date=True, who=rv["submitted_by"],
                                   now=_parse_time(rv["submitted_at"]),
                                   audit_extra={"bundle": bundle_id, "imported_by": who})
        except RecordError as exc:
            raise BundleError([problem("JC869", task=task_id, version=rv["version"]),
                               *exc.problems]) from exc
        if made.version.record != rv["record"] or made.version.results != rv["results"]:
            raise BundleError([problem("JC870", task=task_id, version=rv["version"])])
        writes.versions.append(made)
        added += 1
    now = clock.utcnow()
    for key in sorted(set(ours) | set(theirs["answers"])):
        b, o = theirs["answers"].get(key), ours.get(key)
        value = b["value"] if b else None
        if (o["value"] if o else None) == value:
            continue
        try:  # a draft answer goes in as a saved one would: valid for its key
            check_value(checklist, key, value)
        except RecordError as exc:
            raise BundleError([problem("JC875", task=task_id, key=key), *exc.problems]) from exc
        writes.answers.append({
            "task_id": task_id, "key": key, "value": value,
            "version": max((o["version"] if o else 0) + 1, b["version"] if b else 0),
            "updated_at": _parse_time(b["updated_at"]) if b else now,
            "updated_by": b["updated_by"] if b else who})
    status, reason = theirs["status"], theirs["amend_reason"]
    if status != SUBMITTED and status != AMENDING and task.version >= 1:
        # the bundle's draft over a record the office has submitted: an amendment under way
        status, reason = AMENDING, reason or f"外带包 {bundle_id[:8]}"
    if status == SUBMITTED:
        reason = None
    writes.tasks.append({"b_id": task_id, "status": status, "amend_reason": reason,
                         "updated_at": now})
    return added


SAME, UNCHANGED, NEWER = "same", "unchanged", "newer"  # and CONFLICT


def _verdict(bundle_digest: str, office_digest: str, base_digest: str) -> str:
    """What an import does with a task, from the digests of its state in the bundle, in
    the office and when the two were last in step (docs/bundles.md#import): nothing when
    they agree (SAME) or the bundle changed nothing (UNCHANGED); takes the bundle's when
    only the bundle changed (NEWER); a CONFLICT when both did."""
    if bundle_digest == office_digest:
        return SAME
    if bundle_digest == base_digest:
        return UNCHANGED
    if office_digest == base_digest:
        return NEWER
    return CONFLICT


def _identify(conn: Connection, info: BundleInfo, states: Mapping[str, Any]) -> dict[str, Any]:
    """The office's ``bundle_tasks`` rows of the bundle *info* (task id → row), once it is
    known to come from this store, for its draw, with its non-record contents unaltered;
    else :class:`BundleError` (JC865–JC868)."""
    office_id = store_id(conn)
    if info.origin_store != office_id:
        raise BundleError([problem("JC865", bundle=info.bundle_id[:8],
                                   origin=info.origin_store[:8], store=office_id[:8])])
    row = conn.execute(select(bundles).where(bundles.c.id == info.bundle_id)).first()
    if row is None:
        raise BundleError([problem("JC866", bundle=info.bundle_id[:8])])
    if row.draw_id != info.draw_id:
        raise BundleError([problem("JC867", bundle=info.bundle_id[:8], given=info.draw_id,
                                   draw=row.draw_id)])
    base = {r.task_id: r for r in conn.execute(
        select(bundle_tasks).where(bundle_tasks.c.bundle_id == info.bundle_id))}
    if not info.digest_ok or info.content_digest != row.content_digest \
            or set(base) != set(states):
        raise BundleError([problem("JC868", bundle=info.bundle_id[:8])])
    return base


def _listed(conn: Connection, bundle_id: str) -> dict[str, str]:
    """The bundle's open conflicts: task id → the bundle's digest of the task then."""
    return {r.task_id: r.bundle_digest for r in conn.execute(
        select(bundle_conflicts).where((bundle_conflicts.c.bundle_id == bundle_id)
                                       & bundle_conflicts.c.resolution.is_(None)))}


def import_bundle(engine: Engine, path: str | Path, *, host: PluginHost | None = None,
                  actor: str | None = None, progress: Any = None) -> Imported:
    """Merge bundle *path* into the store (one transaction: all or nothing). Raises
    :class:`BundleError` when the bundle is not this store's, not this draw's, altered,
    or holds a record that does not pass the checks of a submission."""
    info, states = read_info(path)
    who = audit.actor(engine, actor)
    out = Imported(bundle_id=info.bundle_id)
    with begin_write(engine) as conn:
        base = _identify(conn, info, states)
        listed = _listed(conn, info.bundle_id)
        office = task_states(conn, base)
        now = clock.utcnow()
        where = bundle_tasks.c.bundle_id == info.bundle_id
        writes = _Writes()
        locked = _locked_tasks(conn, list(base))
        moved: list[dict[str, Any]] = []
        for n, tid in enumerate(sorted(base, key=_task_order), 1):
            theirs, b = states[tid], base[tid]
            bd, od = state_digest(theirs), state_digest(office[tid])
            state, new_base = RETURNED, b.base_digest
            verdict = _verdict(bd, od, b.base_digest)
            if verdict == SAME:
                out.unchanged.append(tid)
                new_base = bd
            elif verdict == UNCHANGED:
                out.kept.append(tid)
            elif verdict == NEWER:
                task = locked[tid]
                out.versions += _apply(task, writes.checklist(conn, task), theirs,
                                       office[tid]["answers"], b.base_version, info.bundle_id,
                                       host, who, writes)
                out.applied.append(tid)
                new_base = bd
            else:
                state = CONFLICT
                out.conflicts.append(tid)
                if listed.get(tid) != bd:
                    _record_conflict(conn, info.bundle_id, tid, od, bd, theirs, now,
                                     replace=tid in listed)
                    out.changed = True
            if (state, new_base) != (b.state, b.base_digest):
                moved.append({"b_task": tid, "state": state, "base_digest": new_base,
                              "base_version": theirs["version"] if new_base == bd
                              else b.base_version})
            if progress is not None:
                progress(n, len(base))
        writes.flush(conn)
        if moved:
            conn.execute(update(bundle_tasks).where(
                where & (bundle_tasks.c.task_id == bindparam("b_task"))), moved)
        out.changed = out.changed or bool(out.applied) or bool(moved)
        if out.changed:
            conn.execute(update(bundles).where(bundles.c.id == info.bundle_id)
                         .values(imported_at=now))
            audit.append(conn, "bundle.import", {
                "bundle": info.bundle_id, "origin_store": info.origin_store,
                "draw": info.draw_id, "content_digest": info.content_digest,
                "file": Path(path).name, "applied": out.applied, "versions": out.versions,
                "conflicts": out.conflicts}, actor=who)
    return out


def _record_conflict(conn: Connection, bundle_id: str, task_id: str, office_digest: str,
                     bundle_digest: str, theirs: Mapping[str, Any], now: datetime, *,
                     replace: bool) -> None:
    if replace:
        conn.execute(delete(bundle_conflicts).where(
            (bundle_conflicts.c.bundle_id == bundle_id) & (bundle_conflicts.c.task_id == task_id)))
    conn.execute(insert(bundle_conflicts).values(
        bundle_id=bundle_id, task_id=task_id, office_digest=office_digest,
        bundle_digest=bundle_digest, bundle_state=dict(theirs), detected_at=now))


# --------------------------------------------------------------------------- comparing


@dataclass
class Comparison:
    """A bundle next to the office's store (``bundle show``): per task, what an import
    would do now. *problem* set: the bundle cannot be compared with this store (it comes
    from another store, this store never exported it, it was altered) and *tasks* is
    empty."""

    store: str
    problem: Problem | None = None
    imported_at: datetime | None = None
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what `bundle import` would refuse the bundle for, found without a write: not this
    # store's export or of another draw (JC866, JC867), altered (JC868), a record or a
    # draft answer that does not pass its checks (JC869, JC870, JC875)
    refused: list[Problem] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for t in self.tasks.values() if t["verdict"] == verdict)

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "compared": self.problem is None,
                "problem": self.problem.to_json() if self.problem else None,
                "imported_at": format_time(self.imported_at) if self.imported_at else None,
                "tasks": self.tasks, "refused": [p.to_json() for p in self.refused]}


def altered(info: BundleInfo) -> list[Problem]:
    """JC868 when bundle *info*'s contents do not match its own digest: the one check of
    :func:`import_bundle` made without the office's store."""
    return [] if info.digest_ok else [problem("JC868", bundle=info.bundle_id[:8])]


def compare(engine: Engine, info: BundleInfo, states: Mapping[str, Any], *,
            host: PluginHost | None = None) -> Comparison:
    """What bundle *info* (with its tasks' *states*, :func:`read_info`) has that the store
    has not, task by task — what :func:`import_bundle` would do now, without a write:
    ``newer`` (the bundle's records or draft would be taken: ``new_versions`` record
    versions, ``draft_changed`` a draft not submitted), ``same``, ``unchanged`` (the bundle changed nothing since the
    two were last in step) or ``conflict`` (``listed``: already listed by an import)."""
    with engine.connect() as conn:
        out = Comparison(store=store_id(conn))
        try:
            base = _identify(conn, info, states)
        except BundleError as exc:
            out.problem = exc.problems[0]
            # altered contents are refused whichever store the bundle names; another
            # store's bundle (JC865) is only not comparable here
            out.refused = altered(info) or ([] if out.problem.code == "JC865"
                                            else exc.problems)
            return out
        out.imported_at = conn.execute(select(bundles.c.imported_at)
                                       .where(bundles.c.id == info.bundle_id)).scalar()
        listed = _listed(conn, info.bundle_id)
        office = task_states(conn, base)
        verdicts = {tid: _verdict(state_digest(states[tid]), state_digest(office[tid]),
                                  base[tid].base_digest) for tid in base}
        newer = sorted((t for t, v in verdicts.items() if v == NEWER), key=_task_order)
        # the checks an import makes of what it would take, made here without a write
        writes = _Writes()
        tasks = _locked_tasks(conn, newer, lock=False)
        for tid in newer:
            try:
                _apply(tasks[tid], writes.checklist(conn, tasks[tid]), states[tid],
                       office[tid]["answers"], base[tid].base_version, info.bundle_id, host,
                       "", writes)
            except BundleError as exc:
                out.refused = exc.problems
                break
    for tid in sorted(base, key=_task_order):
        theirs, ours, b = states[tid], office[tid], base[tid]
        bd = state_digest(theirs)
        verdict = verdicts[tid]
        added = sum(1 for r in theirs["records"] if r["version"] > b.base_version) \
            if verdict == NEWER else 0
        out.tasks[tid] = {
            "verdict": verdict, "office_status": ours["status"],
            "office_version": ours["version"], "bundle_status": theirs["status"],
            "bundle_version": theirs["version"], "new_versions": added,
            # a draft not yet submitted comes back (besides any version)
            "draft_changed": verdict == NEWER and (added == 0
                                                   or theirs["status"] != SUBMITTED),
            "listed": verdict == CONFLICT and listed.get(tid) == bd}
    return out


# --------------------------------------------------------------------------- conflicts


@dataclass
class Conflict:
    bundle_id: str
    task_id: str
    detected_at: datetime
    bundle_status: str
    bundle_version: int
    office_status: str
    office_version: int
    resolution: str | None

    def to_json(self) -> dict[str, Any]:
        return {"bundle": self.bundle_id, "task": self.task_id,
                "detected_at": format_time(self.detected_at),
                "bundle_status": self.bundle_status, "bundle_version": self.bundle_version,
                "office_status": self.office_status, "office_version": self.office_version,
                "resolution": self.resolution}


def conflicts(engine: Engine, *, include_resolved: bool = False) -> list[Conflict]:
    q = (select(bundle_conflicts, tasks.c.status, tasks.c.version)
         .join(tasks, tasks.c.id == bundle_conflicts.c.task_id)
         .order_by(bundle_conflicts.c.detected_at, bundle_conflicts.c.task_id))
    if not include_resolved:
        q = q.where(bundle_conflicts.c.resolution.is_(None))
    with engine.connect() as conn:
        return [Conflict(bundle_id=r.bundle_id, task_id=r.task_id, detected_at=r.detected_at,
                         bundle_status=r.bundle_state["status"],
                         bundle_version=r.bundle_state["version"], office_status=r.status,
                         office_version=r.version, resolution=r.resolution)
                for r in conn.execute(q)]


def resolve(engine: Engine, bundle_id: str, task_id: str, keep: str, *,
            host: PluginHost | None = None, actor: str | None = None) -> int:
    """Decide an open conflict: *keep* ``office`` (the bundle's changes to the task are set
    aside) or ``bundle`` (its records are added as new versions after the office's and its
    draft taken). A bundle id may be given by its first characters. Returns the number of
    versions added."""
    if keep not in (KEEP_OFFICE, TAKE_BUNDLE):  # pragma: no cover - the CLI restricts it
        raise ValueError(keep)
    who = audit.actor(engine, actor)
    with begin_write(engine) as conn:
        rows = list(conn.execute(select(bundle_conflicts).where(
            bundle_conflicts.c.bundle_id.startswith(bundle_id, autoescape=True)
            & (bundle_conflicts.c.task_id == task_id)
            & bundle_conflicts.c.resolution.is_(None))))
        if len(rows) != 1 or not bundle_id:
            raise BundleError([problem("JC871", bundle=bundle_id, task=task_id)])
        row = rows[0]
        where = (bundle_tasks.c.bundle_id == row.bundle_id) & (bundle_tasks.c.task_id == task_id)
        base = conn.execute(select(bundle_tasks).where(where)).one()
        added = 0
        if keep == TAKE_BUNDLE:
            writes = _Writes()
            ours = task_states(conn, [task_id])[task_id]["answers"]
            task = get_task(conn, task_id, lock="update")
            added = _apply(task, writes.checklist(conn, task), row.bundle_state, ours,
                           base.base_version, row.bundle_id, host, who, writes)
            writes.flush(conn)
        conn.execute(update(bundle_conflicts).where(
            (bundle_conflicts.c.bundle_id == row.bundle_id)
            & (bundle_conflicts.c.task_id == task_id)).values(
                resolution=keep, resolved_at=clock.utcnow(), resolved_by=who))
        # the bundle's state is now settled: importing it again finds nothing new
        conn.execute(update(bundle_tasks).where(where).values(
            state=RETURNED, base_digest=row.bundle_digest,
            base_version=row.bundle_state["version"]))
        audit.append(conn, "bundle.resolve", {"bundle": row.bundle_id, "task": task_id,
                                              "keep": keep, "versions": added}, actor=who)
    return added
