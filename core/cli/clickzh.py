"""Click's own messages in the user's language.

Click marks its user-facing text for :mod:`gettext` (``from gettext import gettext as _``
in each of its modules) but ships no catalogue. :func:`install` replaces those module-level
``_`` and ``ngettext`` with functions that look the English text up in :data:`ZH` when the
interface is Chinese (core/i18n.py), so that usage errors ("No such command", "Missing
argument"), "Aborted!", "Usage:" and the help's headings speak Chinese like the rest of
jointcheck. Unknown text passes through unchanged.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Callable
from typing import Any

from ..i18n import get_lang

# click's msgid -> Simplified Chinese (same placeholders)
ZH: dict[str, str] = {
    "Aborted!": "已中止。",
    "Error: {message}": "错误：{message}",
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such command {name!r}.": "没有名为“{name}”的命令。",
    "No such option: {name}": "没有选项 {name}",
    "No such option {name!r}.": "没有选项“{name}”。",
    "Did you mean {possibility}?": "您是不是想写 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是不是想写：{possibilities}？）",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项“{name}”需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项“{name}”不接受取值。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的数值。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not one of {choices}.": "“{value}”不是以下之一：{choices}。",
    "{value!r} is not {choice}.": "“{value}”不是 {choice}。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "“{value}”不是有效的是/否取值，可用：{states}",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合格式 {formats}。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件，应为目录。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是目录，应为文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Do you want to continue?": "是否继续？",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
}


def gettext(message: str) -> str:
    if get_lang() == "en":
        return message
    return ZH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    english = singular if n == 1 else plural
    return gettext(english)


def _missing_parameter_message(original: Callable[[Any], str]) -> Callable[[Any], str]:
    """MissingParameter builds "Missing argument 'ID'." with an f-string: Chinese quotes
    and full stop when the interface is Chinese."""

    def format_message(self: Any) -> str:
        text = original(self)
        if get_lang() == "en":
            return text
        text = re.sub(r"'([^']*)'", r"“\1”", text)
        return text[:-1] + "。" if text.endswith(".") else text

    format_message.jointcheck = True  # type: ignore[attr-defined]
    return format_message


def install() -> None:
    """Point click's modules at :func:`gettext` / :func:`ngettext` (idempotent)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types
    import click.utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting,
                   click.parser, click.termui, click.types, click.utils):
        if getattr(module, "_", None) is _gettext.gettext:
            module._ = gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is _gettext.ngettext:
            module.ngettext = ngettext  # type: ignore[attr-defined]
    missing = click.exceptions.MissingParameter
    if not getattr(missing.format_message, "jointcheck", False):
        missing.format_message = _missing_parameter_message(missing.format_message)  # type: ignore[method-assign,assignment]
