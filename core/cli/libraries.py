"""``jointcheck targets`` and ``jointcheck officers``: import, list and show the libraries.

Both groups share their code: the kind ("targets" or "officers") selects the fields, the
key (统一社会信用代码 / 执法证号), the filters and the personal columns (手机号码, 身份证号
of officers — masked unless ``--show-personal``). The queries are
core.libraries.queries, the cells, masks and exports core.present.libraries.
"""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..history import history_of
from ..i18n import translator
from ..libraries.codes import normalise_code
from ..libraries.fields import KEY, parse_grade
from ..libraries.importer import import_file
from ..libraries.messages import LibraryError, row_problem
from ..libraries.queries import find_row, list_rows
from ..libraries.reader import Departments
from ..present import libraries as P
from ..present.history import history_table
from ..store import driver_errors, write_problem
from ..text import pairs_lines
from ._common import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    OFFICE,
    command_action,
    db_url,
    echo_json,
    echo_problems,
    format_option,
    render_table,
    store_engine,
    table_file_options,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..libraries.queries import Listing

_ = translator({
    "targets": ("检查对象名录库：导入、列出、查看", "Target library (检查对象名录库): import, list, show"),
    "officers": ("执法检查人员名录库：导入、列出、查看",
                 "Officer library (执法检查人员名录库): import, list, show"),
    "import": ("导入 CSV 或 XLSX 文件（按{field}更新已有记录）",
               "Import a CSV or XLSX file (rows are updated by {field})"),
    "list": ("列出名录库中的记录", "List the library's rows"),
    "show": ("查看一条记录的全部字段", "Show every field of one row"),
    "history": ("查看一户企业的检查历史：各实施方案的检查任务和导入的检查记录（日期、检查单位、结果）",
                "Show an enterprise's inspections: every campaign's task and every imported "
                "inspection (date, units, result)"),
    "opt_skip": ("跳过有问题的行，只导入正确的行", "skip bad rows and import the good ones"),
    "opt_rejects": ("把有问题的行及原因写入此 CSV 文件", "write the bad rows and why to this CSV file"),
    "opt_no_override": ("不接受“校验码例外”列（校验码错误的代码一律拒绝）",
                        "refuse the 校验码例外 column (a failing check character is always rejected)"),
    "opt_replace_missing": ("文件中没有的列也替换（清空已有记录的这些字段）；默认保持不变",
                            "also replace the columns the file lacks (empty them on existing rows); by default they are kept"),
    "opt_progress": ("显示进度条（默认仅在终端上显示）", "show a progress bar (default: only on a terminal)"),
    "opt_status": ("登记状态（可重复）", "登记状态 (repeatable)"),
    "opt_grade": ("信用风险等级（可重复）", "信用风险等级 (repeatable)"),
    "opt_jurisdiction": ("管辖单位", "管辖单位 (jurisdiction)"),
    "opt_industry": ("行业", "行业 (industry)"),
    "opt_search": ("按名称或代码查找（包含该文字）", "find by name or code (contains the text)"),
    "opt_limit": ("最多显示的条数（0 为全部；表格默认 50）",
                  "show at most this many rows (0: all; tables default to 50)"),
    "opt_department": ("部门（代码或名称）", "department (code or name)"),
    "opt_active": ("只列出在岗 / 不在岗人员", "only officers on duty / not on duty"),
    "opt_qualification": ("具有该资格（可重复，须全部具备）", "holding this qualification (repeatable, all required)"),
    "opt_show_personal": ("显示完整的手机号码和身份证号（个人信息，请勿外传）",
                          "show full 手机号码 and 身份证号 (personal data: do not publish)"),
    "imported": ("已导入{label}“{file}”：新增 {added}，更新 {updated}，未变 {unchanged}（共 {rows} 行）",
                 "imported {label} '{file}': {added} added, {updated} updated, {unchanged} unchanged ({rows} rows)"),
    "skipped": ("已跳过 {n} 行有问题的行", "skipped {n} bad row(s)"),
    "rejects": ("有问题的行及原因已写入 {path}", "the bad rows and why are in {path}"),
    "not_in_file": ("名录库中另有 {n} 条记录不在本文件中，保持不变",
                    "{n} row(s) of the library are not in this file and were left unchanged"),
    "nothing": ("未导入任何数据：{n} 行有问题（共 {count} 个问题）。改正后重新导入，或用 --skip-invalid --rejects 出错行.csv 只导入正确的行",
                "nothing was imported: {n} bad row(s) ({count} problems). Correct them and import again, or use --skip-invalid --rejects bad-rows.csv to import the good rows"),
    "progress": ("导入中", "importing"),
    "masked_csv": ("注意：手机号码和身份证号已脱敏，此 CSV 不能重新导入；需要可导入的文件时请加 --show-personal（个人信息，请勿外传）",
                   "note: 手机号码 and 身份证号 are masked, so this CSV cannot be imported again; add --show-personal for a file that can (personal data: do not publish)"),
    "masked_title": ("手机号码、身份证号已脱敏，不能重新导入（导出时加 --show-personal 可得到完整数据）",
                     "手机号码 and 身份证号 are masked: this file cannot be imported again (export with --show-personal for full data)"),
    "interrupted": ("导入已中断（Ctrl-C）并已回滚：数据库和审计日志均未改变",
                    "the import was interrupted (Ctrl-C) and rolled back: the database and "
                    "its audit log are unchanged"),
    "interrupted_committed": ("收到中断信号（Ctrl-C）时导入已在提交，未被中断：下列结果已保存",
                              "Ctrl-C came while the import was committing; it was not "
                              "interrupted and the result below is saved"),
    "shown": ("仅显示前 {n} 条，共 {total} 条（--limit 0 显示全部）",
              "showing the first {n} of {total} rows (--limit 0 shows all)"),
    "total": ("共 {total} 条", "{total} rows"),
    "empty": ("名录库中没有符合条件的记录", "no rows match"),
})

# --------------------------------------------------------------------------- groups

@click.group(help=_("targets"))
def targets() -> None:
    pass


@click.group(help=_("officers"))
def officers() -> None:
    pass


def _import_command(kind: str) -> click.Command:
    @click.argument("file", type=click.Path(dir_okay=False))
    @table_file_options
    @click.option("--skip-invalid", is_flag=True, help=_("opt_skip"))
    @click.option("--rejects", type=click.Path(dir_okay=False, writable=True), default=None,
                  metavar="OUT.csv", help=_("opt_rejects"))
    @click.option("--no-check-override", is_flag=True, help=_("opt_no_override"))
    @click.option("--replace-missing-columns", is_flag=True, help=_("opt_replace_missing"))
    @click.option("--progress/--no-progress", default=None, help=_("opt_progress"))
    @format_option("text", "json")
    @click.pass_context
    def import_(ctx: click.Context, file: str, encoding: str | None, sheet: str | None,
                mapping: str | None, skip_invalid: bool, rejects: str | None,
                no_check_override: bool, replace_missing_columns: bool,
                progress: bool | None, fmt: str) -> None:
        _run_import(ctx, kind, file, encoding=encoding, sheet=sheet, mapping=mapping,
                    skip_invalid=skip_invalid, rejects=rejects,
                    allow_check_override=not no_check_override, progress=progress, fmt=fmt,
                    replace_missing_columns=replace_missing_columns)

    return click.command("import", help=_("import", field=P.key_header(kind)))(import_)


class _Progress:
    """Progress on stderr: a click progress bar on a terminal (created on the first report,
    when the size is known); with ``--progress`` elsewhere (a log file, CI), one line per
    10%."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        total = max(total, 1)
        done = max(0, min(done, total))
        if not self.tty:
            tenth = done * 10 // total
            if tenth > self.shown:
                self.shown = tenth
                click.echo(f"{_('progress')} {tenth * 10:3d}%", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=_("progress"), file=sys.stderr,
                                         show_percent=True, show_eta=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _run_import(ctx: click.Context, kind: str, file: str, *, encoding: str | None,
                sheet: str | None, mapping: str | None, skip_invalid: bool,
                rejects: str | None, allow_check_override: bool, progress: bool | None,
                fmt: str, replace_missing_columns: bool = False) -> None:
    show_progress = sys.stderr.isatty() if progress is None else progress
    bar = _Progress() if show_progress and fmt == "text" else None
    with store_engine(ctx, roles=OFFICE) as engine:
        try:
            try:
                report = import_file(engine, kind, file, encoding=encoding, mapping=mapping,
                                     sheet=sheet, skip_invalid=skip_invalid, rejects=rejects,
                                     allow_check_override=allow_check_override, progress=bar,
                                     replace_missing_columns=replace_missing_columns)
            finally:
                if bar is not None:
                    bar.close()
        except KeyboardInterrupt:
            click.echo(_("interrupted"), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except LibraryError as exc:
            if fmt == "json":
                echo_json(exc.to_json())
            else:
                echo_problems(exc.problems, hint_once=True)
            sys.exit(EXIT_INVALID)
        except driver_errors() as exc:  # about the database, not the file
            p = write_problem(db_url(ctx), exc, command_action(ctx))
            if fmt == "json":
                echo_json(LibraryError([p]).to_json())
            else:
                echo_problems([p], hint_once=True)
            sys.exit(EXIT_INVALID)

    if report.interrupted_after_commit:
        click.echo(_("interrupted_committed"), err=True)
    if fmt == "json":
        echo_json(report.to_json())
        sys.exit(0 if report.imported else EXIT_INVALID)
    late = [w for w in report.warnings if w.code == "JC651"]  # "N more problems": last
    echo_problems([w for w in report.warnings if w.code != "JC651"] + report.problems + late,
                  hint_once=True)
    if not report.imported:
        click.echo(_("nothing", n=report.rejected, count=report.problem_count), err=True)
        if report.rejects_file:
            click.echo(_("rejects", path=report.rejects_file), err=True)
        sys.exit(EXIT_INVALID)
    click.echo(_("imported", label=P.kind_label(kind), file=file, added=report.added,
                 updated=report.updated, unchanged=report.unchanged, rows=report.rows))
    if report.rejected:
        click.echo(_("skipped", n=report.rejected))
    if report.rejects_file:
        click.echo(_("rejects", path=report.rejects_file))
    if report.not_in_file:
        click.echo(_("not_in_file", n=report.not_in_file))


targets.add_command(_import_command("targets"))
officers.add_command(_import_command("officers"))


# --------------------------------------------------------------------------- reading rows
# The queries are core.libraries.queries, the cells and exports core.present.libraries.

def _departments() -> Any:
    """The installed plugins' departments, loaded once per command."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Departments()
    meta = ctx.find_root().meta
    if "jointcheck.departments" not in meta:
        meta["jointcheck.departments"] = Departments()
    return meta["jointcheck.departments"]


def _department_names(kind: str) -> dict[str, str]:
    """code -> name of the loaded departments (officers' 部门 column), or nothing."""
    if kind != "officers":
        return {}
    return {code: names[0] for code, names in _departments().departments.items()}


def _department_code(text: str) -> str:
    return _departments().resolve(text.strip()) or text.strip()


@contextmanager
def _rows(ctx: click.Context, kind: str, filters: dict[str, Any], search: str | None,
          limit: int | None, qualifications: tuple[str, ...] = ()) -> Iterator[Listing]:
    """The rows a listing shows (core.libraries.queries.list_rows), on a connection open
    while they are read."""
    with store_engine(ctx) as engine, engine.connect() as conn:
        yield list_rows(conn, kind, filters, search, limit, qualifications)


def _list_rows(kind: str, rows: Listing, fmt: str, show_personal: bool) -> None:
    """Print the listing; JSON and CSV stream row by row (a million rows fit in no list)."""
    out = _Buffered()
    try:
        _write_rows(kind, rows, fmt, show_personal, out)
    finally:
        out.flush()


class _Buffered:
    """A text sink for csv.writer and JSON chunks, echoed (click.echo) 1,000 writes at a time."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        if len(self.parts) >= 1000:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            click.echo("".join(self.parts), nl=False)
            self.parts = []


def _write_rows(kind: str, rows: Listing, fmt: str, show_personal: bool, out: _Buffered) -> None:
    if fmt == "json":
        out.write(f'{{\n  "total": {rows.total},\n  "rows": [')
        sep = "\n"
        for r in rows.rows:
            text = json.dumps(P.json_row(kind, P.masked(kind, r, show_personal)),
                              ensure_ascii=False, indent=2, default=str)
            out.write(sep + textwrap.indent(text, "    "))
            sep = ",\n"
        out.write("\n  ]\n}\n" if sep != "\n" else "]\n}\n")
        return
    if fmt == "csv":
        columns, headers = P.csv_header(kind)
        # UTF-8 with a byte-order mark, like the rejects file: Excel then opens it as UTF-8
        out.write("\ufeff")
        w = csv.writer(out, lineterminator="\n")
        if P.PERSONAL[kind] and not show_personal:
            # said above the header (a title row, which import skips) and on stderr
            click.echo(_("masked_csv"), err=True)
            w.writerow([_("masked_title")])
        w.writerow(headers)
        for r in rows.rows:
            w.writerow(P.csv_values(kind, columns, P.masked(kind, r, show_personal)))
        return
    shown = [P.masked(kind, r, show_personal) for r in rows.rows]
    if not shown:
        click.echo(_("empty"))
        return
    click.echo(render_table(*P.table_rows(kind, shown, _department_names(kind))))
    if len(shown) < rows.total:
        click.echo(_("shown", n=len(shown), total=rows.total))
    else:
        click.echo(_("total", total=rows.total))


def _show(ctx: click.Context, kind: str, key: str, fmt: str, show_personal: bool) -> None:
    value = normalise_code(key)
    with store_engine(ctx) as engine, engine.connect() as conn:
        found = find_row(conn, kind, value)
    if found is None:
        _not_found(kind, value, fmt)
    row = P.masked(kind, found, show_personal)
    if fmt == "json":
        data = P.json_row(kind, row)
        data.update({"row_digest": row["row_digest"], "created_at": row["created_at"],
                     "updated_at": row["updated_at"]})
        echo_json(data)
        return

    click.echo("\n".join(pairs_lines(P.show_pairs(kind, row, _department_names(kind)))))


def _not_found(kind: str, value: str, fmt: str) -> NoReturn:
    """JC626 (no row with this key) and exit 1."""
    p = row_problem("JC626", file=KEY[kind], key=P.key_header(kind), value=value)
    if fmt == "json":
        echo_json({"found": False, "errors": [p.to_json()]})
    else:
        click.echo(f"{p.code} {p.message}", err=True)
    sys.exit(EXIT_INVALID)


def _default_limit(limit: int | None, fmt: str) -> int | None:
    """--limit: 0 is everything; a table shows 50 rows unless told, JSON and CSV all."""
    if limit is None:
        return 50 if fmt == "table" else None
    return limit or None


_show_personal = click.option("--show-personal", is_flag=True, help=_("opt_show_personal"))
_limit = click.option("--limit", type=click.IntRange(min=0), default=None, help=_("opt_limit"))
_search = click.option("--search", default=None, metavar="TEXT", help=_("opt_search"))


@targets.command("list", help=_("list"))
@click.option("--status", multiple=True, help=_("opt_status"))
@click.option("--grade", multiple=True, help=_("opt_grade"))
@click.option("--jurisdiction", default=None, help=_("opt_jurisdiction"))
@click.option("--industry", default=None, help=_("opt_industry"))
@_search
@_limit
@format_option("table", "json", "csv")
@click.pass_context
def targets_list(ctx: click.Context, status: tuple[str, ...], grade: tuple[str, ...],
                 jurisdiction: str | None, industry: str | None, search: str | None,
                 limit: int | None, fmt: str) -> None:
    grades = tuple(parse_grade(g.strip()) for g in grade)
    filters = {"status": status, "risk_grade": grades, "jurisdiction": jurisdiction,
               "industry": industry}
    with _rows(ctx, "targets", filters, search, _default_limit(limit, fmt)) as rows:
        _list_rows("targets", rows, fmt, True)


@targets.command("show", help=_("show"))
@click.argument("credit_code")
@format_option("table", "json")
@click.pass_context
def targets_show(ctx: click.Context, credit_code: str, fmt: str) -> None:
    _show(ctx, "targets", credit_code, fmt, True)


@targets.command("history", help=_("history"))
@click.argument("credit_code")
@format_option("table", "json")
@click.pass_context
def targets_history(ctx: click.Context, credit_code: str, fmt: str) -> None:
    """An enterprise's inspections: every campaign's task and every imported inspection."""
    value = normalise_code(credit_code)
    with store_engine(ctx) as engine, engine.connect() as conn:
        entries = history_of(conn, [value])
        known = entries or find_row(conn, "targets", value) is not None
    if not known:
        _not_found("targets", value, fmt)
    if fmt == "json":
        echo_json({"credit_code": value, "inspections": [e.to_json() for e in entries]})
        return
    click.echo("\n".join(history_table(value, entries, _department_names("officers"))))


@officers.command("list", help=_("list"))
@click.option("--department", default=None, help=_("opt_department"))
@click.option("--active/--inactive", default=None, help=_("opt_active"))
@click.option("--qualification", multiple=True, help=_("opt_qualification"))
@click.option("--jurisdiction", default=None, help=_("opt_jurisdiction"))
@_search
@_limit
@_show_personal
@format_option("table", "json", "csv")
@click.pass_context
def officers_list(ctx: click.Context, department: str | None, active: bool | None,
                  qualification: tuple[str, ...], jurisdiction: str | None, search: str | None,
                  limit: int | None, show_personal: bool, fmt: str) -> None:
    dept = _department_code(department) if department else None
    filters = {"department": dept, "active": active, "jurisdiction": jurisdiction}
    with _rows(ctx, "officers", filters, search, _default_limit(limit, fmt),
               qualification) as rows:
        _list_rows("officers", rows, fmt, show_personal)


@officers.command("show", help=_("show"))
@click.argument("cert_no")
@_show_personal
@format_option("table", "json")
@click.pass_context
def officers_show(ctx: click.Context, cert_no: str, show_personal: bool, fmt: str) -> None:
    _show(ctx, "officers", cert_no, fmt, show_personal)
