"""``jointcheck plugin new CODE --name 名称 [--dir DIR]``: scaffold a department plugin;
``jointcheck plugin test [DIR]``: run its cases (core/cases.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cases import run_cases
from ..config import load_configuration
from ..i18n import translator
from ..present.results import plugin_note
from ..scaffold import ScaffoldError, create
from ._common import EXIT_INVALID, EXIT_OK, echo_json, echo_problems, format_option

_ = translator({
    "bad_code": ("部门代码“{code}”无效：应以小写字母开头，只含小写字母、数字和下划线（如 fire_safety）",
                 "invalid department code '{code}': it must start with a lowercase letter and "
                 "contain only lowercase letters, digits and underscores (e.g. fire_safety)"),
    "long_code": ("部门代码“{code}”过长：最多 {max} 个字符",
                  "department code '{code}' is too long: at most {max} characters"),
    "empty_name": ("部门名称不能为空：请用 --name 给出记录表上的中文名称（如 --name 市消防救援支队）",
                   "the department name is empty: give the Chinese name of the record form "
                   "with --name (e.g. --name 市消防救援支队)"),
    "bad_name": ("部门名称“{name}”含有换行或控制字符", "department name '{name}' contains a line break or control character"),
    "long_name": ("部门名称过长：最多 {max} 个字符", "the department name is too long: at most {max} characters"),
    "exists": ("“{path}”已存在，未做任何修改：请换一个目录（--dir）或先移走它",
               "'{path}' already exists and was left untouched: choose another --dir or move it away first"),
    "installed": ("部门代码“{code}”已被已安装的插件“{plugin}”使用（{name}），未做任何修改：请换一个代码",
                  "department code '{code}' is already used by the installed plugin '{plugin}' "
                  "({name}); nothing was created: please choose another code"),
    "parent_not_dir": ("“{path}”不是目录", "'{path}' is not a directory"),
    "os_error": ("无法写入“{path}”：{detail}（未留下任何文件）",
                 "cannot write '{path}': {detail} (nothing was left behind)"),
    "created": ("已创建部门插件 {root}（部门代码 {code}，名称 {name}）：",
                "created the department plugin {root} (code {code}, name {name}):"),
    "next": ("下一步：\n"
             "  1. 编辑 {declaration}：填写抽查事项，替换示例事项和“待替换”的法律依据；\n"
             "  2. 校验：jointcheck validate {declaration}\n"
             "  3. 安装：pip install -e '{root}[test]'，然后运行 jointcheck plugins 确认已加载。",
             "Next:\n"
             "  1. edit {declaration}: write the items, replace the example item and the "
             "placeholder legal basis (待替换);\n"
             "  2. validate: jointcheck validate {declaration}\n"
             "  3. install: pip install -e '{root}[test]', then check it with jointcheck plugins."),
    "test_help": ("运行插件 tests/cases/ 下的测试用例：按真实的分类规则并加载插件的钩子计算每个部门的"
                  "抽查结果、处理结果和问题线索移交，与用例的 expect 比较。DIR 默认为当前目录。",
                  "Run the plugin's cases under tests/cases/ through the real classification "
                  "with its hooks loaded, and compare each department's result, dispositions "
                  "and referrals with the case's expect. DIR defaults to the current folder."),
    "passed": ("通过  {case}", "passed  {case}"),
    "failed": ("未通过  {case}", "FAILED  {case}"),
    "field_result": ("抽查结果", "result"),
    "field_dispositions": ("处理结果", "dispositions"),
    "field_referrals": ("问题线索移交（接收部门）", "referrals (receiving departments)"),
    "field_overridden_by": ("改判的插件", "overridden by"),
    "mismatch": ("  {department} {field}：应为 {expected}，实际为 {actual}",
                 "  {department} {field}: expected {expected}, got {actual}"),
    "overridden": ("（{note}）", " ({note})"),
    "none": ("无", "none"),
    "summary": ("{n} 个用例：{passed} 个通过，{failed} 个未通过",
                "{n} case(s): {passed} passed, {failed} failed"),
})


@click.group(help="部门插件开发工具。\n\nDepartment plugin tools.")
def plugin() -> None:
    pass


@plugin.command(help="生成一个可用 pip 安装的部门插件包 jointcheck-CODE/（pyproject、部门声明 YAML、测试、README）。"
                     "CODE 为部门代码，如 fire_safety。\n\n"
                     "Scaffold a pip-installable department plugin package jointcheck-CODE/ "
                     "(pyproject with the entry point, a YAML declaration, a test, a README).")
@click.argument("code")
@click.option("--name", required=True, metavar="名称",
              help="部门名称（记录表上的中文名称）/ department name as on the record form")
@click.option("--dir", "directory", default=".", show_default=True,
              type=click.Path(path_type=Path),
              help="在此目录下创建 / create the package in this directory")
def new(code: str, name: str, directory: Path) -> None:
    taken = _installed_code(code.strip())
    if taken is not None:
        click.echo(_("installed", code=code.strip(), plugin=taken[0], name=taken[1]), err=True)
        sys.exit(EXIT_INVALID)
    try:
        result = create(code, name, directory)
    except ScaffoldError as exc:
        click.echo(_(exc.key, **exc.params), err=True)
        sys.exit(exc.exit_code)
    click.echo(_("created", root=result.root, code=result.code, name=name.strip()))
    for rel in result.files:
        click.echo(f"  {result.root / rel}")
    click.echo(_("next", declaration=result.declaration, root=result.root))
    sys.exit(EXIT_OK)


def _installed_code(code: str) -> tuple[str, str] | None:
    """(plugin, department name) when an installed plugin already declares *code* or is
    named *code* (the scaffold names its entry point after the code), else ``None``."""
    config = load_configuration()
    dept = config.departments.get(code)
    if dept is not None:
        return dept.source.plugin or "-", dept.name
    if config.host is not None and code in config.host.infos:
        return code, "-"
    return None


def _shown(value) -> str:
    if value is None or value == []:
        return _("none")
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


@plugin.command("test", help=_("test_help"))
@click.argument("directory", required=False, default=".", metavar="[DIR]",
                type=click.Path(path_type=Path, file_okay=False))
@format_option("text", "json")
def test_(directory: Path, fmt: str) -> None:
    run = run_cases(directory)
    if fmt == "json":
        echo_json(run.to_json())
        sys.exit(EXIT_OK if run.passed else EXIT_INVALID)
    if run.problems:
        echo_problems(run.problems)
        sys.exit(EXIT_INVALID)
    for o in run.outcomes:
        click.echo(_("passed" if o.passed else "failed", case=o.name))
        echo_problems([p for p in o.problems if p.is_error], err=False)
        for m in o.mismatches:
            actual = o.actual.get(m.department) or {}
            line = _("mismatch", department=m.department, field=_(f"field_{m.field}"),
                     expected=_shown(m.expected), actual=_shown(m.actual))
            if m.field == "result" and actual.get("overridden_by"):
                line += _("overridden", note=plugin_note(
                    actual["overridden_by"], actual["overridden_from"], actual["result"]))
            click.echo(line)
    n, failed = len(run.outcomes), len(run.failed)
    click.echo(_("summary", n=n, passed=n - failed, failed=failed))
    sys.exit(EXIT_OK if run.passed else EXIT_INVALID)
