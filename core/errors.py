"""Located, coded problems: the one shape every error and warning of jointcheck takes.

A :class:`Problem` names the file, line and column (1-based) of the YAML node at fault and
the path inside the document (or the row and column header of a library file), a stable
code and its parameters; what is wrong and how to fix it are rendered from the catalogue
below in either language. Codes never change meaning once released; docs/errors.md lists
them. Every exception that stops a command with problems is a :class:`JointcheckError`.

Code ranges:
    JC1xx  files and YAML syntax          JC2xx  schema errors
    JC3xx  cross-document checks          JC4xx  plugins
    JC5xx  findings and classification    JC6xx  library imports (core.libraries)
    JC7xx  store, audit and draw (core.store, core.draw)
    JC9xx  the command line itself (core.cli)
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .i18n import UNSUPPORTED_LANG, Localized, get_lang

# code -> (zh template, en template)
CODES: dict[str, tuple[str, str]] = {
    # files and YAML
    "JC101": ("YAML 语法错误：{detail}", "YAML syntax error: {detail}"),
    "JC102": ("重复的键“{key}”（第一次出现在第 {first_line} 行）",
              "duplicate key '{key}' (first defined on line {first_line})"),
    "JC103": ("文件不是 UTF-8 编码：{detail}", "file is not UTF-8 encoded: {detail}"),
    "JC104": ("无法读取文件：{detail}", "cannot read file: {detail}"),
    "JC105": ("文档为空", "the document is empty"),
    "JC106": ("无法识别的文档：顶层应包含 {expected} 之一", "unrecognised document: expected one of {expected} at the top level"),
    "JC107": ("不支持的 YAML 标签或锚点：{detail}", "unsupported YAML tag or alias: {detail}"),
    "JC120": ("实施方案应为一个文件，而这是一个目录", "a campaign is a file, and this is a directory"),
    "JC121": ("无法写入：{detail}", "cannot write: {detail}"),
    "JC122": ("实施方案不存在：既不是实施方案文件，也不是已知的实施方案 id",
              "there is no such campaign: neither a campaign file nor a known campaign id"),
    # schema
    "JC201": ("未知的键“{key}”", "unknown key '{key}'"),
    "JC202": ("缺少必填的键“{key}”", "missing required key '{key}'"),
    "JC203": ("类型错误：应为 {expected}，实际为 {actual}", "wrong type: expected {expected}, got {actual}"),
    "JC204": ("取值 {value} 不在允许的范围内：{allowed}", "value {value} is not one of {allowed}"),
    "JC205": ("取值 {value} 格式不正确：{detail}", "value {value} has the wrong format: {detail}"),
    "JC206": ("取值 {value} 超出范围：{detail}", "value {value} is out of range: {detail}"),
    "JC207": ("列表不符合要求：{detail}", "list is not valid: {detail}"),
    "JC208": ("取值 {value} 不是有限的数", "value {value} is not a finite number"),
    "JC299": ("不符合模式：{detail}", "does not match the schema: {detail}"),
    # cross-document
    "JC301": ("检查事项编号“{item}”重复（已在 {other} 中声明）", "duplicate item id '{item}' (already declared in {other})"),
    "JC302": ("实施方案引用了未知的部门“{department}”", "the campaign names an unknown department '{department}'"),
    "JC303": ("实施方案引用了部门“{department}”未声明的检查事项“{item}”",
              "the campaign names item '{item}' that department '{department}' does not declare"),
    "JC304": ("检查事项移交给未知的部门“{department}”", "the item is referred to an unknown department '{department}'"),
    "JC305": ("检查事项“{item}”没有法律依据", "item '{item}' has no legal basis"),
    "JC306": ("部门代码“{department}”被重复声明：{sources}", "department code '{department}' is declared more than once: {sources}"),
    "JC307": ("关联事项“{ref}”不存在", "related item '{ref}' does not exist"),
    "JC308": ("牵头部门“{department}”不在参加部门之中", "lead department '{department}' is not among the participating departments"),
    "JC309": ("分类规则引用了未定义的抽查结果代码 {result}", "the policy names an undefined result code {result}"),
    "JC310": ("处理结果“{disposition}”未在分类规则中定义", "disposition '{disposition}' is not defined by the policy"),
    "JC311": ("实施方案引用了未知的分类规则“{policy}”", "the campaign names an unknown policy '{policy}'"),
    "JC312": ("日期区间无效：结束日期 {end} 早于开始日期 {start}", "invalid period: end {end} is before start {start}"),
    "JC313": ("部门“{department}”每户只派 {count} 名执法人员，少于《中华人民共和国行政处罚法》第四十二条要求的两名",
              "department '{department}' sends {count} officer(s) per target, fewer than the two required by 行政处罚法 第四十二条"),
    # plugins
    "JC401": ("插件“{plugin}”无法导入：{detail}", "plugin '{plugin}' failed to import: {detail}"),
    "JC402": ("插件“{plugin}”的钩子 {hook} 出错：{detail}", "plugin '{plugin}' raised in hook {hook}: {detail}"),
    "JC403": ("插件“{plugin}”声明的部门配置无效", "plugin '{plugin}' declares an invalid department"),
    "JC404": ("插件“{plugin}”的钩子 {hook} 返回了无效的值：{detail}", "plugin '{plugin}' returned an invalid value from hook {hook}: {detail}"),
    # findings
    "JC501": ("部门“{department}”缺少适用检查事项的检查结果：{items}", "department '{department}' has no answer for applicable items: {items}"),
    "JC502": ("部门“{department}”没有检查事项“{item}”", "department '{department}' has no item '{item}'"),
    "JC503": ("部门“{department}”未参加本次抽查", "department '{department}' does not take part in this campaign"),
    "JC504": ("检查事项“{item}”不适用于该检查对象，却被记为“{result}”", "item '{item}' does not apply to this target but is answered '{result}'"),
    "JC505": ("处理结果调整必须说明理由", "a change of disposition needs a reason"),
    # the command line
    "JC901": ("jointcheck 内部错误（{kind}），这是软件缺陷而不是您的输入问题；详细信息已写入 {log}",
              "internal error in jointcheck ({kind}), a defect of the software rather than of your input; the details are in {log}"),
    "JC902": UNSUPPORTED_LANG,
}

# code -> (zh hint, en hint): how to fix it, pyxform style.
HINTS: dict[str, tuple[str, str]] = {
    "JC101": ("请检查该行附近的缩进、冒号和引号。", "Please check indentation, colons and quotes near that line."),
    "JC102": ("请删除或重命名其中一个。", "Please either remove one of them or rename it."),
    "JC103": ("请将文件另存为 UTF-8 编码。", "Please save the file as UTF-8."),
    "JC202": ("请添加该键。", "Please add the key."),
    "JC208": ("请写一个普通的数：配置中不能使用 .nan 和 .inf。",
              "Please write an ordinary number: .nan and .inf have no place in a configuration."),
    "JC120": ("请给出实施方案文件本身的路径（如 目录/实施方案.yaml）。",
              "Please give the path of the campaign file itself (e.g. DIR/campaign.yaml)."),
    "JC122": ("请给出实施方案 YAML 文件的路径（如 目录/实施方案.yaml）；可以直接写 id 的只有随软件提供的示例"
              "（{example}）和本数据库中已抽取过的实施方案（jointcheck draw list 列出）。",
              "Please give the path of the campaign's YAML file (e.g. DIR/campaign.yaml); only the "
              "shipped example ({example}) and the campaigns drawn in this database (listed by "
              "`jointcheck draw list`) may be named by their id."),
    "JC121": ("请检查路径是否存在、是否为目录以及是否有写入权限。",
              "Please check that the path exists, that it is a directory where one is expected, and that you may write there."),
    "JC505": ("请在 reason 中写明调整理由（不能只有空白）。",
              "Please write why in reason (not only blanks)."),
    "JC901": ("请将该文件发送给维护者；可用 JOINTCHECK_LOG_DIR 指定日志目录。",
              "Please send that file to the maintainers; JOINTCHECK_LOG_DIR chooses where it is written."),
    "JC301": ("请为其中一个事项换一个唯一的编号。", "Please give one of the items a unique id."),
    "JC305": ("请在 legal_basis.duty 中至少列出一条法律依据。", "Please list at least one entry under legal_basis.duty."),
    "JC313": ("请将 officers.{department}.count 设为 2 或以上。", "Please set officers.{department}.count to 2 or more."),
    "JC401": ("请修复插件在所示文件和行的错误；若是缺少模块，请重新安装该插件（pip install）；"
              "或用 JOINTCHECK_DISABLE_PLUGINS={plugin} 停用它。",
              "Please fix the plugin's error at that file and line; if a module is missing, "
              "reinstall the plugin (pip install); or block it with "
              "JOINTCHECK_DISABLE_PLUGINS={plugin}."),
}


def register(codes: dict[str, tuple[str, str]],
             hints: dict[str, tuple[str, str]] | None = None) -> None:
    """Add a module's own codes (and hints) to the catalogue; a code means one thing only."""
    for code, pair in codes.items():
        if CODES.get(code, pair) != pair:
            raise ValueError(f"error code {code} is defined twice")
        CODES[code] = pair
    HINTS.update(hints or {})


def did_you_mean(word: object, candidates: list[str]) -> str | None:
    """A "did you mean …?" hint for a misspelt key, id or value, or ``None``."""
    found = difflib.get_close_matches(str(word), candidates, n=1, cutoff=0.6)
    if not found:
        return None
    return Localized(f"您是不是想写“{found[0]}”？", f"Did you mean '{found[0]}'?")


# the operating system's reasons, in the user's language (errno name -> zh, en)
_OS_REASONS: dict[str, tuple[str, str]] = {
    "ENOENT": ("路径不存在", "no such file or directory"),
    "ENOTDIR": ("路径中有一段不是目录", "a part of the path is not a directory"),
    "EISDIR": ("这是一个目录", "it is a directory"),
    "EACCES": ("没有权限", "permission denied"),
    "EPERM": ("不允许的操作", "operation not permitted"),
    "EROFS": ("只读文件系统", "read-only file system"),
    "ENOSPC": ("磁盘空间不足", "no space left on the device"),
    "EEXIST": ("已存在", "it already exists"),
    "ENAMETOOLONG": ("文件名过长", "the file name is too long"),
}


def os_detail(exc: OSError, path: str | None = None) -> str:
    """An OSError as the user reads it: the system's reason in the user's language, and
    the path it concerns when that is not *path* itself. Never a traceback."""
    pair = _OS_REASONS.get(errno.errorcode.get(exc.errno or 0, ""))
    reason = (pair[1] if get_lang() == "en" else pair[0]) if pair else (exc.strerror or str(exc))
    name = str(exc.filename) if exc.filename is not None else ""
    return f"{name}: {reason}" if name and name != path else reason


class _Params(dict[str, Any]):
    """Template parameters; a missing one shows as ``{name}`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, params: Mapping[str, Any], lang: str | None = None) -> str:
    """*template* with *params* filled in (``str.format`` syntax); a :class:`Localized`
    parameter in *lang* (default: as it was made)."""
    if "{" not in template:
        return template
    if lang is not None and any(isinstance(v, Localized) for v in params.values()):
        params = {k: v.in_lang(lang) if isinstance(v, Localized) else v
                  for k, v in params.items()}
    return template.format_map(_Params(params))


def _lang(lang: str | None) -> str:
    return get_lang() if lang is None else lang


@dataclass(frozen=True, init=False)
class Problem:
    """One located error or warning: a code of the catalogue and its parameters.

    The message and the hint are rendered from the catalogue (:data:`CODES`,
    :data:`HINTS`) when they are read, in the active language or the one asked for
    (:meth:`message_in`, :meth:`format`, :meth:`to_json`), so a stored problem can be
    shown again in either language. A problem with a code outside the catalogue (a
    plugin's own, say) carries its message as text (``Problem(code=..., message=...)``).

    Where it is:

    - in a text document (YAML): ``file``, ``line`` and ``column`` (1-based) and ``path``,
      the JSON Pointer inside the document; printed ``FILE:LINE:COL: CODE message [path]``;
    - in a table (a library file, ``table=True``): ``file``, ``line`` the 1-based row (the
      header is row 1 in a plain file; the row number Excel shows), ``column`` the header
      as written in the file and ``column_index`` its 1-based position; printed
      ``FILE:ROW:COLUMN: CODE message``.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    file: str | None = None
    line: int | None = None
    column: int | str | None = None
    path: str = ""
    severity: str = "error"  # "error" | "warning"
    plugin: str | None = None  # the installed plugin whose contribution is at fault
    # set when a plugin's jointcheck_validate hook reported this about the configuration:
    # it keeps its severity (a plugin failure is softened to a warning unless --strict)
    reported_by: str | None = None
    table: bool = False
    column_index: int | None = None
    text: str | None = None  # the message, for a code outside the catalogue
    hint_text: str | None = None  # a hint given for this one problem (overrides HINTS)
    # machine-readable details for callers (e.g. the audit entry's seq)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __init__(self, code: str, message: str | None = None, file: str | None = None,
                 line: int | None = None, column: int | str | None = None, path: str = "",
                 hint: str | None = None, severity: str = "error", plugin: str | None = None,
                 reported_by: str | None = None, extra: dict[str, Any] | None = None, *,
                 params: Mapping[str, Any] | None = None, table: bool = False,
                 column_index: int | None = None, text: str | None = None,
                 hint_text: str | None = None) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "code", code)
        setattr_(self, "params", {} if params is None else params)
        setattr_(self, "file", file)
        setattr_(self, "line", line)
        setattr_(self, "column", column)
        setattr_(self, "path", path)
        setattr_(self, "severity", severity)
        setattr_(self, "plugin", plugin)
        setattr_(self, "reported_by", reported_by)
        setattr_(self, "table", table)
        setattr_(self, "column_index", column_index)
        setattr_(self, "text", message if message is not None else text)
        setattr_(self, "hint_text", hint if hint is not None else hint_text)
        setattr_(self, "extra", {} if extra is None else extra)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def row(self) -> int | None:
        """The 1-based row of a problem in a table (``None`` for a text document)."""
        return self.line if self.table else None

    def message_in(self, lang: str | None = None) -> str:
        """What is wrong, in *lang* (default: the active language)."""
        if self.text is not None:
            return self.text
        pair = CODES.get(self.code)
        if pair is None:
            return self.code
        return render(pair[1 if _lang(lang) == "en" else 0], self.params, lang)

    def hint_in(self, lang: str | None = None) -> str | None:
        """How to fix it, in *lang* (default: the active language), or ``None``."""
        if self.hint_text is not None:
            if isinstance(self.hint_text, Localized):
                return self.hint_text.in_lang(_lang(lang))
            return self.hint_text
        pair = HINTS.get(self.code)
        if pair is None:
            return None
        return render(pair[1 if _lang(lang) == "en" else 0], self.params, lang)

    @property
    def message(self) -> str:
        return self.message_in()

    @property
    def hint(self) -> str | None:
        return self.hint_in()

    def location(self) -> str:
        """``FILE:LINE:COL``; empty for a problem of no file (a draw id, a seed...)."""
        if self.file is None and self.line is None:
            return ""
        if self.table:
            parts = [self.file or "<unknown>"]
            if self.line is not None:
                parts.append(str(self.line))
                if self.column:
                    parts.append(str(self.column))
            return ":".join(parts)
        parts = [self.file or "<unknown>"]
        if self.line is not None:
            parts.append(str(self.line))
            parts.append(str(self.column or 1))
        return ":".join(parts)

    def format(self, *, with_hint: bool = True, lang: str | None = None) -> str:
        """``FILE:LINE:COL: CODE message`` (plus the path and the hint); ``CODE message``
        when the problem is of no file."""
        where = self.location()
        message = self.message_in(lang)
        text = f"{where}: {self.code} {message}" if where else f"{self.code} {message}"
        if self.path:
            text += f" [{self.path}]"
        hint = self.hint_in(lang) if with_hint else None
        if hint:
            text += f" — {hint}"
        return text

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        hint = self.hint_in(lang)
        data: dict[str, Any]
        if self.table:
            data = {"file": self.file, "row": self.line, "column": self.column,
                    "code": self.code, "message": self.message_in(lang),
                    "severity": self.severity}
        else:
            data = {"file": self.file, "line": self.line, "column": self.column,
                    "code": self.code, "path": self.path, "message": self.message_in(lang)}
        if hint:
            data["hint"] = hint
        if self.plugin:
            data["plugin"] = self.plugin
        return data


def problem(code: str, *, hint: str | None = None, severity: str = "error",
            file: str | None = None, line: int | None = None, column: int | None = None,
            path: str = "", plugin: str | None = None, **params: Any) -> Problem:
    """A :class:`Problem` of the catalogue located in a text document (YAML, a URL...)."""
    if plugin is not None:
        params["plugin"] = plugin
    return Problem(code=code, params=params, file=file, line=line, column=column, path=path,
                   hint=hint, severity=severity, plugin=plugin)


def row_problem(code: str, *, file: str, row: int | None = None, column: str | None = None,
                column_index: int | None = None, severity: str = "error",
                **params: Any) -> Problem:
    """A :class:`Problem` of the catalogue located in a table: *row* (1-based) and *column*
    (the header as written in the file)."""
    return Problem(code=code, params=params, file=file, line=row, column=column,
                   column_index=column_index, severity=severity, table=True)


class JointcheckError(Exception):
    """Raised with the problems that stop a command: ``.problems`` says why and how to fix
    it, ``.code`` is the JC code of the first. The CLI prints them (no traceback), the
    Python API raises them (docs/api.md). Subclasses say where it came from."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.problems)

    @property
    def code(self) -> str | None:
        """The JC code of the (first) problem, e.g. ``"JC122"``."""
        return self.problems[0].code if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return Verdict(self.problems).to_json()

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class ConfigError(JointcheckError):
    """The problems that make a document or command input unusable."""


@dataclass(frozen=True)
class Verdict:
    """Whether a configuration, a file or an input is valid, with every problem found:
    what ``validate --format json`` (and any command that refuses its input with
    ``--format json``) prints."""

    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "errors": [p.to_json() for p in self.errors],
                "warnings": [p.to_json() for p in self.warnings]}
