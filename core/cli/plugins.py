"""``jointcheck plugins``: the installed department plugins and the hooks they implement."""

from __future__ import annotations

import click

from ..i18n import translator
from ._common import echo_json, echo_problems, format_option

_ = translator({
    "none": ("没有安装任何插件", "no plugins installed"),
    "builtin": ("内置", "built-in"),
    "items": ("{n} 个检查事项", "{n} items"),
    "hooks": ("钩子", "hooks"),
    "from": ("来源", "from"),
    "failed": ("加载失败", "FAILED"),
    "disabled": ("已停用（JOINTCHECK_DISABLE_PLUGINS）", "disabled (JOINTCHECK_DISABLE_PLUGINS)"),
    "name_code": ("{name}（{code}）", "{name} ({code})"),
    "sep": ("、", ", "),
    "summary": ("{n} 个插件加载失败，未被使用：{names}（运行 jointcheck plugins 查看原因）",
                "{n} plugin(s) failed and are not used: {names} (run jointcheck plugins to see why)"),
})


def failure_summary(infos: list) -> str | None:
    """The one line every command prints on stderr when plugins failed, or ``None``."""
    failed = [i for i in infos if i.problems]
    if not failed:
        return None
    names = _("sep").join(_("name_code", name=i.name, code=i.problems[0].code) for i in failed)
    return _("summary", n=len(failed), names=names)


@click.command(help="列出已安装的部门插件：名称、版本、部门、事项数、实现的钩子、加载位置。\n\n"
                    "List installed plugins with their departments, hooks and origin.")
@format_option("text", "json")
def plugins(fmt: str) -> None:
    from ..config import load_configuration

    config = load_configuration()
    infos = sorted(config.host.infos.values(), key=lambda i: i.name) if config.host else []
    # what belongs to no plugin (e.g. an unknown name in JOINTCHECK_DISABLE_PLUGINS)
    echo_problems([p for p in config.problems if not p.plugin])
    if fmt == "json":
        echo_json({"plugins": [i.to_json() for i in infos]})
        return
    click.echo("\n".join(plugin_lines(infos)))


def plugin_lines(infos: list) -> list[str]:
    """The text listing of ``jointcheck plugins`` (also shown by the demo)."""
    if not infos:
        return [_("none")]
    lines = []
    for info in infos:
        tag = f" [{_('builtin')}]" if info.builtin else ""
        version = f" {info.version}" if info.version else ""
        lines.append(f"{info.name}{version}{tag}")
        for code, name, count in info.departments:
            lines.append(f"  {code}  {name}  {_('items', n=count)}")
        lines.append(f"  {_('hooks')}: {', '.join(info.hooks) or '-'}")
        lines.append(f"  {_('from')}: {info.file or info.module}")
        if info.disabled:
            lines.append(f"  {_('disabled')}")
        for p in info.problems:
            lines.append(f"  {_('failed')}: {p.format()}")
    return lines
