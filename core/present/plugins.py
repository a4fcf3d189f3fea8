"""The installed plugins as text: the listing of ``jointcheck plugins`` (also shown by the
demo) and the one line every command prints when plugins failed. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..i18n import translator

if TYPE_CHECKING:  # pragma: no cover
    from ..plugins import PluginInfo

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


def failure_summary(infos: Sequence[PluginInfo]) -> str | None:
    """The one line every command prints on stderr when plugins failed, or ``None``."""
    failed = [i for i in infos if i.problems]
    if not failed:
        return None
    names = _("sep").join(_("name_code", name=i.name, code=i.problems[0].code) for i in failed)
    return _("summary", n=len(failed), names=names)



def plugin_lines(infos: Sequence[PluginInfo]) -> list[str]:
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
