"""The administrators' command line: ``jointcheck``.

Commands are registered here by name and imported only when invoked, so that
``jointcheck --help`` and ``jointcheck validate`` stay light (docs/architecture.md#principle-8): the
listing below carries each command's one-line help in both languages instead of importing
the module to ask it.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 130 interrupted (Ctrl-C) and rolled back.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from .. import __version__
from ..i18n import get_lang, set_lang
from .clickzh import install as _click_in_chinese

_click_in_chinese()  # click's own usage errors, "Aborted!" and "Usage:" speak Chinese too

# name -> (module under jointcheck.core.cli, attribute, zh help, en help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "validate": ("validate", "validate", "校验已安装插件及给定的部门、实施方案、分类规则文件",
                 "Validate installed plugins and given department/campaign/policy files"),
    "plugins": ("plugins", "plugins", "列出已安装的部门插件", "List installed department plugins"),
    "checklist": ("checklist", "checklist", "显示实施方案合并后的联合检查记录表事项",
                  "Show a campaign's merged joint checklist"),
    "classify": ("classify", "classify", "对一户企业的检查结果进行分类",
                 "Classify one enterprise's findings"),
    "schema": ("schema", "schema", "打印 JSON Schema", "Print a JSON Schema"),
    "plugin": ("plugin", "plugin", "部门插件开发工具（plugin new、plugin test）",
               "Department plugin tools (plugin new, plugin test)"),
    "demo": ("demo", "demo", "演示：校验、合并、抽取、分类示例实施方案",
             "Demo: validate, merge, draw and classify the example campaign"),
    "db": ("db", "db", "数据库管理（db upgrade）", "Database management (db upgrade)"),
    "audit": ("audit", "audit", "审计日志（audit verify）", "Audit log (audit verify)"),
    "targets": ("libraries", "targets", "检查对象名录库", "Target library (检查对象名录库)"),
    "officers": ("libraries", "officers", "执法检查人员名录库", "Officer library (执法检查人员名录库)"),
    "history": ("history", "history", "检查历史：导入 jointcheck 以外的检查记录",
                "Inspection history: import inspections done outside jointcheck"),
    "sample-data": ("sample_data", "sample_data", "生成合成的名录库样例数据",
                    "Write synthetic sample libraries"),
    "draw": ("draw", "draw", "双随机抽取：承诺、抽取、查看、导出、复核",
             "The random draw: commit, run, show, export, verify"),
    "tasks": ("tasks", "tasks", "检查任务：列出抽取对象的检查任务及其状态",
              "Inspection tasks: list the drawn targets' tasks and their status"),
    "record": ("record", "record", "检查记录：查看、从文件提交、修改（联合检查记录表）",
               "Inspection records: show, submit from a file, amend"),
    "bundle": ("bundle", "bundle", "外带检查包：离线检查后把检查记录合并回数据库",
               "Field bundles: inspect offline, merge the records back"),
    "calendar": ("calendar", "calendar", "工作日历：节假日文件、工作日、截止日期和实施方案的期限",
                 "Working days: holiday files, due dates and a campaign's deadlines"),
    "referrals": ("referrals", "referrals", "问题线索移交：拟稿、列表、办理进度、移交函",
                  "Problem referrals: draft, list, record progress, letters"),
    "status": ("status", "status", "实施方案的进度及逾期、即将到期的事项",
               "A campaign's progress and the steps overdue or due soon"),
    "results": ("results", "results", "汇总结果：审核、修改、确认各企业的抽查结果",
                "Results: review, override and settle each enterprise's results"),
    "report": ("report", "report", "报表：附件1–4（人员信息表、统计表、汇总表、记录表）",
               "Reports: 附件1–4 (officers, statistics, summary, record)"),
    "publish": ("publish", "publish", "一公开：写出公示结果文件和自包含的公示网页",
                "Publication (一公开): the results files and a self-contained web page"),
    "users": ("users", "users", "登录与角色：服务器数据库上的办公室、检查人员、部门和审计人员",
              "Logins and roles of a server store: office, inspectors, departments, auditors"),
    "inspect": ("inspect", "inspect", "打开检查界面（终端应用），现场逐项填写联合检查记录表",
                "Open the inspectors' terminal app to fill in records on site"),
    "serve": ("serve", "serve", "在浏览器中提供检查界面（平板、手机），每个连接一个检查界面",
              "Serve the inspectors' app to browsers (tablets, phones), one app per connection"),
}


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        set_lang(value)
    return value


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the command line; an unexpected exception is logged, not shown (JC901)."""
        try:
            return super().main(*args, **kwargs)
        except Exception as exc:  # the safety net: see core/crash.py
            from ..crash import report_crash  # only on a crash: a defect, not a path to keep light

            report_crash(exc)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry[0]}")
        return getattr(module, entry[1])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        en = get_lang() == "en"
        rows = [(name, COMMANDS[name][3 if en else 2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands" if en else "命令"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--lang", type=click.Choice(["zh", "en"]), callback=_set_lang, is_eager=True,
              expose_value=False, help="界面语言 / interface language (JOINTCHECK_LANG)")
@click.option("--db", "db_url", envvar="JOINTCHECK_DB", default=None, metavar="URL",
              help="数据库 URL（默认当前目录下的 jointcheck.db）/ database URL (JOINTCHECK_DB)")
@click.version_option(__version__, prog_name="jointcheck")
@click.pass_context
def main(ctx: click.Context, db_url: str | None) -> None:
    """jointcheck — 双随机、一公开 跨部门联合抽查工具。"""
    ctx.ensure_object(dict)
    ctx.obj["db_url"] = db_url
    ctx.call_on_close(_plugin_failure_summary)
    plugins = sys.modules.get("jointcheck.core.plugins")
    if plugins is not None:  # an embedding process: report only what this command loads
        plugins.LOADED.clear()


def _plugin_failure_summary() -> None:
    """One line on stderr naming the plugins that failed, after any command that loaded
    plugins (nothing is imported for one that did not)."""
    plugins = sys.modules.get("jointcheck.core.plugins")
    if plugins is None:
        return
    # principle 8: core.present.plugins is heavy; loaded only when this runs
    from ..present.plugins import failure_summary

    infos = {i.name: i for listing in plugins.LOADED for i in listing.values()}
    plugins.LOADED.clear()
    line = failure_summary(sorted(infos.values(), key=lambda i: i.name))
    if line:
        click.echo(line, err=True)


def run() -> None:  # pragma: no cover - console entry convenience
    sys.exit(main())
