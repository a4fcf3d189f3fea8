"""``jointcheck bundle``: field bundles — export a team's tasks to one SQLite file, show
it, import its records back, list and resolve conflicts (docs/bundles.md)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..clock import reading_time
from ..i18n import translator
from ..plugins import load_plugins
from ..present.records import status_label
from ..records import bundle as service
from ..store import StoreError, driver_errors, open_store, resolve_url, safe_url
from ..text import pairs_lines, table_lines
from ._common import (
    EXIT_INVALID,
    OFFICE,
    cannot_write,
    db_url,
    echo_json,
    fail,
    format_option,
    store_engine,
)

_ = translator({
    "group": ("外带检查包：导出、查看、导入、处理冲突",
              "Field bundles: export, show, import, resolve conflicts"),
    "export": ("把一次抽取中一个检查组的任务导出为外带检查包（单个 SQLite 文件）",
               "Export a team's tasks of a draw to a field bundle (one SQLite file)"),
    "show": ("查看外带检查包的内容和来源", "Show what a field bundle holds and where it came from"),
    "import": ("把外带检查包中的草稿和检查记录合并回本数据库",
               "Merge a field bundle's drafts and records back into this store"),
    "conflicts": ("列出待处理的外带冲突", "List the open bundle conflicts"),
    "resolve": ("处理一项外带冲突：保留本数据库（office）或采用外带包（bundle）",
                "Resolve a bundle conflict: keep the office's (office) or take the bundle's "
                "(bundle)"),
    "draw": ("抽取编号", "the draw"),
    "officer": ("只导出该执法检查人员（执法证号）参加的任务", "only the tasks of this officer (执法证号)"),
    "task": ("只导出该任务（可重复）", "only this task (repeatable)"),
    "output": ("外带检查包文件", "the bundle file to write"),
    "exported": ("已导出外带检查包 {bundle} 到 {path}：第 {draw} 次抽取的 {n} 项任务，"
                 "{targets} 户检查对象，{officers} 名检查人员（不含手机号码和身份证号）",
                 "Exported bundle {bundle} to {path}: {n} task(s) of draw {draw}, {targets} "
                 "target(s), {officers} officer(s) (no phone or ID numbers)"),
    "k_bundle": ("外带包", "bundle"),
    "k_origin": ("来源数据库", "origin store"),
    "k_draw": ("抽取", "draw"),
    "k_campaign": ("实施方案", "campaign"),
    "k_created": ("导出", "exported"),
    "k_digest": ("内容摘要", "content digest"),
    "digest_ok": ("{digest}（与内容相符，与导出时的记录一致）",
                  "{digest} (matches the contents and the record of the export)"),
    "digest_unchecked": ("{digest}（与内容相符；未能与导出时的记录核对）",
                         "{digest} (matches the contents; not checked against the record of "
                         "the export)"),
    "digest_bad": ("{digest}（与内容不符：内容已被改动）", "{digest} (does NOT match: altered)"),
    "h_task": ("任务", "Task"),
    "h_status": ("状态", "Status"),
    "h_changed": ("导出后在外带包中有改动", "Changed in the bundle since export"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "progress": ("正在导入", "Importing"),
    "nothing": ("外带包 {bundle} 已导入过，本次没有任何改动。",
                "Bundle {bundle} was imported before: nothing changed."),
    "imported": ("已导入外带包 {bundle}：{applied} 项任务采用了外带包的内容（新增 {versions} 个记录版本），"
                 "{same} 项与本数据库一致，{kept} 项外带包未改动，{conflicts} 项冲突。",
                 "Imported bundle {bundle}: {applied} task(s) taken from the bundle ({versions} "
                 "record version(s) added), {same} already the same, {kept} not changed in the "
                 "bundle, {conflicts} conflict(s)."),
    "conflict_line": ("冲突：任务 {task} 在本数据库和外带包中都有改动；请用 jointcheck bundle resolve "
                      "{bundle} {task} --keep office|bundle 处理。",
                      "Conflict: task {task} changed both in this store and in the bundle; "
                      "decide with `jointcheck bundle resolve {bundle} {task} --keep "
                      "office|bundle`."),
    "no_conflicts": ("没有待处理的外带冲突。", "No open bundle conflicts."),
    "all": ("也列出已处理的冲突", "also list resolved conflicts"),
    "h_bundle": ("外带包", "Bundle"),
    "h_office": ("本数据库", "Office"),
    "h_theirs": ("外带包", "Bundle"),
    "h_detected": ("发现时间", "Detected"),
    "h_resolution": ("处理", "Resolution"),
    "keep": ("office：保留本数据库的内容；bundle：采用外带包的记录（作为新版本）和草稿",
             "office: keep the store's; bundle: take the bundle's records (as new versions) "
             "and draft"),
    "kept_office": ("任务 {task}：保留本数据库的内容，外带包 {bundle} 的改动已搁置。",
                    "Task {task}: kept the store's; the changes of bundle {bundle} are set aside."),
    "took_bundle": ("任务 {task}：已采用外带包 {bundle} 的内容（新增 {versions} 个记录版本）。",
                    "Task {task}: took bundle {bundle}'s ({versions} record version(s) added)."),
    "k_store": ("本数据库", "this store"),
    "store_origin": ("{url}（导出该外带包的数据库）", "{url} (the store that exported the bundle)"),
    "imported_at": ("上次导入于 {at}", "last imported at {at}"),
    "not_imported": ("尚未导入", "not imported yet"),
    "store_none": ("未能打开 {url}（{reason}）：下面只列出外带包本身的内容",
                   "could not open {url} ({reason}): below is only the bundle's own "
                   "content"),
    "store_other": ("{url} 不能与该外带包对比：{reason}。下面只列出外带包本身的内容",
                    "{url} cannot be compared with the bundle: {reason}. Below is only the "
                    "bundle's own content"),
    "store_self": ("{url} 就是该外带包本身：下面只列出外带包本身的内容",
                   "{url} is the bundle itself: below is only the bundle's own content"),
    "h_in_bundle": ("外带包中", "In the bundle"),
    "h_import": ("导入时", "On import"),
    "v_newer": ("带回：新增 {n} 个记录版本", "brought back: {n} new record version(s)"),
    "v_newer_both": ("带回：新增 {n} 个记录版本及草稿",
                     "brought back: {n} new record version(s) and the draft"),
    "v_draft": ("带回：草稿", "brought back: the draft"),
    "v_same": ("与本数据库一致", "same as this store"),
    "v_unchanged": ("外带包未改动", "not changed in the bundle"),
    "v_conflict": ("冲突：两边都有改动", "conflict: changed on both sides"),
    "v_listed": ("（已列出，待处理）", " (listed, to be resolved)"),
    "compare_count": ("共 {n} 项任务：{newer} 项将带回（新增 {versions} 个记录版本），{conflicts} 项冲突，"
                      "{same} 项与本数据库一致，{unchanged} 项外带包未改动",
                      "{n} task(s): {newer} to bring back ({versions} new record version(s)), "
                      "{conflicts} conflict(s), {same} same as this store, {unchanged} not "
                      "changed in the bundle"),
    "nothing_new": ("外带包 {bundle} 中没有本数据库没有的内容。",
                    "Bundle {bundle} holds nothing this store has not."),
    "nothing_new_imported": ("外带包 {bundle} 已导入过，没有本数据库没有的内容。",
                             "Bundle {bundle} was imported already: it holds nothing this "
                             "store has not."),
    "changed_count": ("共 {n} 项任务，其中 {changed} 项在外带包中有改动（导入时带回）",
                      "{n} task(s), {changed} changed in the bundle (brought back by import)"),
})



@click.group(help=_("group"))
def bundle() -> None:
    pass


@bundle.command(help=_("export"))
@click.option("--draw", "draw_id", type=click.IntRange(min=1, max=2**62), required=True,
              metavar="N", help=_("draw"))
@click.option("--officer", default=None, metavar="CERT_NO", help=_("officer"))
@click.option("--task", "task_ids", multiple=True, metavar="ID", help=_("task"))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              metavar="FILE", help=_("output"))
@click.pass_context
def export(ctx: click.Context, draw_id: int, officer: str | None, task_ids: tuple[str, ...],
           output: str) -> None:
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            done = service.export(engine, draw_id, output, officer=officer, task_ids=task_ids)
        except service.BundleError as exc:
            fail(exc.problems)
        except OSError as exc:  # the folder is missing, not writable, the disk full…
            cannot_write(exc, output)
    click.echo(_("exported", bundle=done.bundle_id, path=done.path, n=len(done.task_ids),
                 draw=done.draw_id, targets=done.targets, officers=done.officers))


@bundle.command(help=_("show"))
@click.argument("file", type=click.Path(dir_okay=False))
@format_option("text", "json")
@click.pass_context
def show(ctx: click.Context, file: str, fmt: str) -> None:
    try:
        info, states = service.read_info(file)
    except service.BundleError as exc:
        fail(exc.problems)
    url, against, why = _compare(ctx, info, states)
    compared = against is not None and against.problem is None
    # what `bundle import` would refuse it for (the service's checks; without the office's
    # store, only the contents against the bundle's own digest)
    refused = against.refused if against is not None else service.altered(info)
    altered = any(p.code == "JC868" for p in refused)
    if fmt == "json":
        echo_json(dict(info.to_json(), digest_ok=not altered, office=dict(
            against.to_json() if against else {"compared": False}, url=url,
            reason=None if compared else why)))
        if refused:
            sys.exit(EXIT_INVALID)
        return
    digest = _("digest_bad" if altered else "digest_ok" if compared else "digest_unchecked",
               digest=info.content_digest)
    if not compared:
        office = why
    else:
        office = _("store_origin", url=url) + "；" + (
            _("imported_at", at=reading_time(against.imported_at)) if against.imported_at
            else _("not_imported"))
    for line in pairs_lines([
        (_("k_bundle"), info.bundle_id), (_("k_origin"), info.origin_store),
        (_("k_draw"), str(info.draw_id)), (_("k_campaign"), info.campaign_id),
        (_("k_created"), f"{reading_time(info.created_at)} {info.created_by}"),
        (_("k_digest"), digest), (_("k_store"), office),
    ]):
        click.echo(line)
    click.echo("")

    def state(status: str | None, version: int | None) -> str:
        return _state(status, version or 0) if status else "?"

    if not compared:
        rows = ([t["task"], state(t["status"], t["version"]),
                 _("yes") if t["changed"] else _("no")] for t in info.tasks)
        for line in table_lines([_("h_task"), _("h_status"), _("h_changed")], rows):
            click.echo(line)
        click.echo(_("changed_count", n=len(info.tasks),
                     changed=sum(1 for t in info.tasks if t["changed"])))
        if refused:
            fail(refused)  # what `bundle import` would refuse it for
        return
    rows = ([tid, state(t["bundle_status"], t["bundle_version"]),
             state(t["office_status"], t["office_version"]), _verdict_text(t)]
            for tid, t in against.tasks.items())
    for line in table_lines([_("h_task"), _("h_in_bundle"), _("h_office"), _("h_import")],
                            rows):
        click.echo(line)
    newer, conflicts = against.count(service.NEWER), against.count(service.CONFLICT)
    click.echo(_("compare_count", n=len(against.tasks), newer=newer, conflicts=conflicts,
                 versions=sum(t["new_versions"] for t in against.tasks.values()),
                 same=against.count(service.SAME),
                 unchanged=against.count(service.UNCHANGED)))
    if refused:
        fail(refused)
    if not newer and not conflicts:
        click.echo(_("nothing_new_imported" if against.imported_at else "nothing_new",
                     bundle=info.bundle_id[:8]))


def _compare(ctx: click.Context, info: Any, states: Any) -> tuple[str, Any, str]:
    """The bundle next to the office's store (--db or the configured default): the
    store's URL (safe to print), the Comparison (None: no store could be read) and, when
    there is nothing to compare, why — in plain words."""
    url = safe_url(resolve_url(db_url(ctx)))
    try:
        engine = open_store(db_url(ctx))
    except StoreError as exc:
        return url, None, _("store_none", url=url, reason=exc.problem.message)
    try:
        against = service.compare(engine, info, states, host=load_plugins())
    except driver_errors() as exc:
        return url, None, _("store_none", url=url,
                            reason=str(getattr(exc, "orig", exc)).strip())
    finally:
        engine.dispose()
    if against.store == info.store:
        return url, against, _("store_self", url=url)
    if against.problem is not None:
        return url, against, _("store_other", url=url, reason=against.problem.message)
    return url, against, ""


def _verdict_text(t: dict[str, Any]) -> str:
    if t["verdict"] == service.NEWER:
        if t["new_versions"] and t["draft_changed"]:
            return _("v_newer_both", n=t["new_versions"])
        if t["new_versions"]:
            return _("v_newer", n=t["new_versions"])
        return _("v_draft")
    if t["verdict"] == service.CONFLICT:
        return _("v_conflict") + (_("v_listed") if t["listed"] else "")
    return _("v_" + t["verdict"])


def _state(status: str, version: int) -> str:
    return f"{status_label(status)} v{version}"


@bundle.command("import", help=_("import"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--progress", is_flag=True, default=False, hidden=True)
@format_option("text", "json")
@click.pass_context
def import_(ctx: click.Context, file: str, progress: bool, fmt: str) -> None:
    host = load_plugins()

    def show(n: int, total: int) -> None:
        click.echo(f"{_('progress')} {n}/{total} {100 * n // total}%", err=True)

    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            done = service.import_bundle(engine, file, host=host,
                                         progress=show if progress else None)
        except service.BundleError as exc:
            fail(exc.problems)
    if fmt == "json":
        echo_json(done.to_json())
        return
    short = done.bundle_id[:8]
    if not done.changed:
        click.echo(_("nothing", bundle=short))
    else:
        click.echo(_("imported", bundle=short, applied=len(done.applied), versions=done.versions,
                     same=len(done.unchanged), kept=len(done.kept),
                     conflicts=len(done.conflicts)))
    for task in done.conflicts:
        click.echo(_("conflict_line", task=task, bundle=short))


@bundle.command("conflicts", help=_("conflicts"))
@click.option("--all", "include_resolved", is_flag=True, default=False, help=_("all"))
@format_option("table", "json")
@click.pass_context
def conflicts_(ctx: click.Context, include_resolved: bool, fmt: str) -> None:
    with store_engine(ctx, roles=("office", "auditor")) as engine:
        found = service.conflicts(engine, include_resolved=include_resolved)
    if fmt == "json":
        echo_json([c.to_json() for c in found])
        return
    if not found:
        click.echo(_("no_conflicts"))
        return
    rows = ([c.bundle_id[:8], c.task_id, _state(c.office_status, c.office_version),
             _state(c.bundle_status, c.bundle_version), reading_time(c.detected_at),
             c.resolution or ""] for c in found)
    for line in table_lines([_("h_bundle"), _("h_task"), _("h_office"), _("h_theirs"),
                             _("h_detected"), _("h_resolution")], rows):
        click.echo(line)


@bundle.command(help=_("resolve"))
@click.argument("bundle_id", metavar="BUNDLE")
@click.argument("task")
@click.option("--keep", type=click.Choice(["office", "bundle"]), required=True, help=_("keep"))
@click.pass_context
def resolve(ctx: click.Context, bundle_id: str, task: str, keep: str) -> None:
    host = load_plugins()
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            added = service.resolve(engine, bundle_id, task, keep, host=host)
        except service.BundleError as exc:
            fail(exc.problems)
    click.echo(_("kept_office" if keep == "office" else "took_bundle", task=task,
                 bundle=bundle_id, versions=added))
