"""Safe YAML loading that remembers where every value came from.

Only the safe subset of YAML is accepted (no Python tags). Duplicate keys are errors
(ComplianceAsCode style), as are undecodable bytes. Every value's position is kept, keyed
by its path inside the document, so that schema and cross-document errors can name
``file:line:column``.

Most documents are read by a compiled loader (ryaml: serde_yaml over a Rust port of libyaml,
the parser PyYAML's C loader uses), about eight times faster than PyYAML, which builds a
Python node per value. It is used only where it cannot read anything differently from PyYAML
(:func:`fast_loadable`); the positions of such a document are found when first asked for (an
error to locate, an item's line), by parsing it again with PyYAML.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem, os_detail, problem
from .forking import beside, fork_worthwhile
from .i18n import translator

try:  # libyaml is much faster when present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the pyyaml build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_ryaml: Any
try:  # the compiled loader for plain documents (fast_loadable); PyYAML reads all without it
    import ryaml as _ryaml
except ImportError:  # pragma: no cover - a declared dependency
    _ryaml = None

Path_ = tuple[str | int, ...]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS = {_STR, _TIMESTAMP} | {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null")}


class Document:
    """A loaded YAML (or JSON) document with the positions of its nodes.

    ``positions`` maps a path to the (line, column), both 1-based, where the value at that
    path starts; ``key_positions`` a mapping's path to where the *key* naming it starts. A
    document read by the fast loader is given its *text* instead of them and finds them when
    first asked for (parsing it again with PyYAML, which reads it the same).
    """

    __slots__ = ("data", "file", "_positions", "_key_positions", "_text")

    def __init__(self, data: Any, file: str,
                 positions: dict[Path_, tuple[int, int]] | None = None,
                 key_positions: dict[Path_, tuple[int, int]] | None = None, *,
                 text: str | None = None):
        self.data = data
        self.file = file
        self._positions = positions or {}
        self._key_positions = key_positions or {}
        self._text = text  # to parse for the positions when asked (fast loader), else None

    def __repr__(self) -> str:
        return f"Document(file={self.file!r}, data={self.data!r})"

    def with_data(self, data: Any) -> Document:
        """This document with *data* in place of its own (same file, same positions)."""
        return Document(data, self.file, self._positions, self._key_positions, text=self._text)

    @property
    def positions(self) -> dict[Path_, tuple[int, int]]:
        self._locate()
        return self._positions

    @property
    def key_positions(self) -> dict[Path_, tuple[int, int]]:
        self._locate()
        return self._key_positions

    @property
    def located(self) -> bool:
        """Whether the positions are known (not still to be found by parsing again)."""
        return self._text is None

    def _locate(self) -> None:
        if self._text is not None:
            builder = _compose(self._text, self.file)
            self._positions, self._key_positions, self._text = (
                builder.positions, builder.key_positions, None)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        """Best position for *path*: itself, else its nearest ancestor."""
        table = self.key_positions if key else self.positions
        p = tuple(path)
        while True:
            if p in table:
                return table[p]
            if key and p in self.positions:
                return self.positions[p]
            if not p:
                return (None, None)
            p = p[:-1]

    def problem(self, code: str, path: Path_ = (), *, at_key: bool = False, **kw: Any) -> Problem:
        """A :class:`Problem` located at *path* (at its key with *at_key*)."""
        line, column = self.where(path, key=at_key)
        return problem(code, file=self.file, line=line, column=column,
                       path=json_path(path), **kw)


def json_path(path: Path_) -> str:
    """``("items", 3, "legal_basis")`` -> ``/items/3/legal_basis`` (JSON Pointer)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.data: Any = None
        self._constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        # hot path: ~1 call per value of every declaration; keep lookups local
        positions = self.positions
        key_positions = self.key_positions
        scalar = self._scalar

        def walk(node: yaml.Node, path: Path_) -> Any:
            mark = node.start_mark
            positions[path] = (mark.line + 1, mark.column + 1)
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag == _MAP:
                result: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    key_tag = key_node.tag
                    if key_tag == _STR:
                        key = key_node.value
                    elif key_tag in _SCALARS and isinstance(key_node, yaml.ScalarNode):
                        key = scalar(key_node, path)
                        if key is None or not isinstance(key, str | int | bool):
                            key = str(key)
                    else:
                        self._fail("JC107", key_node, path,
                                   detail="<<" if key_tag.endswith(":merge") else "complex key")
                        continue
                    sub = path + (key,)
                    km = key_node.start_mark
                    if key in result:
                        first = key_positions[sub][0]
                        self.problems.append(problem(
                            "JC102", file=self.file, line=km.line + 1, column=km.column + 1,
                            path=json_path(sub), key=key, first_line=first))
                        continue
                    key_positions[sub] = (km.line + 1, km.column + 1)
                    result[key] = walk(value_node, sub)
                return result
            if tag == _SEQ:
                return [walk(child, path + (i,)) for i, child in enumerate(node.value)]
            if tag in _SCALARS and isinstance(node, yaml.ScalarNode):
                return scalar(node, path)
            self._fail("JC107", node, path, detail=tag)
            return None

        return walk(node, path)

    def _scalar(self, node: yaml.Node, path: Path_) -> Any:
        if node.tag == _TIMESTAMP:
            return node.value  # keep dates as text: schemas check their format
        if node.tag == _STR:
            return node.value
        construct = self._constructor.yaml_constructors[node.tag]
        try:
            return construct(self._constructor, node)
        except ValueError:  # YAML 1.1 calls `0b_` or `0x_` a number that Python cannot read
            self._fail("JC101", node, path, detail=_("bad_number", value=node.value))
            return None

    def _fail(self, code: str, node: yaml.Node, path: Path_, **params: Any) -> None:
        m = node.start_mark
        self.problems.append(problem(code, file=self.file, line=m.line + 1,
                                     column=m.column + 1, path=json_path(path), **params))


def decode(raw: bytes, file: str) -> str:
    """Decode UTF-8 (with or without BOM); raise :class:`ConfigError` JC103 otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError([problem("JC103", file=file, line=line, column=column,
                                   detail=f"byte 0x{raw[exc.start]:02x}")]) from None


_ = translator({
    "unclosed_quote": ("引号没有闭合：从这里开始的引号直到文件末尾都没有结束",
                       "unclosed quote: the quote that starts here is never closed"),
    "unclosed_quote_hint": ("请在该值的末尾补上对应的引号（{quote}）。",
                            "Please add the closing quote ({quote}) at the end of the value."),
    "unclosed_flow": ("括号没有闭合：从这里开始的“{bracket}”没有对应的“{closing}”",
                      "unclosed bracket: the '{bracket}' that starts here has no '{closing}'"),
    "unclosed_flow_hint": ("请补上“{closing}”，并用半角逗号“,”分隔各项。",
                           "Please add the '{closing}' and separate the entries with commas."),
    "missing_colon": ("这一行缺少冒号“:”", "this line has no ':'"),
    "missing_colon_hint": ("请在键名后加上“: ”（半角冒号和一个空格），例如 method: 实地检查；"
                           "如果这一行是上一行的延续，请检查缩进。",
                           "Please write the key followed by ': ' (a colon and a space), e.g. "
                           "method: 实地检查; if the line continues the previous one, check "
                           "its indentation."),
    "fullwidth_colon": ("这一行使用了全角冒号“：”，YAML 只认半角冒号“:”",
                        "this line uses the full-width colon '：'; YAML needs the ASCII colon ':'"),
    "fullwidth_colon_hint": ("请把“：”改为半角冒号“:”并在其后加一个空格，例如 method: 实地检查。",
                             "Please replace '：' with ':' followed by a space, e.g. "
                             "method: 实地检查."),
    "tab": ("这一行用制表符（Tab）缩进，YAML 只允许用空格缩进",
            "this line is indented with a tab; YAML allows only spaces for indentation"),
    "tab_hint": ("请把制表符换成空格（每级缩进两个空格）。",
                 "Please replace the tab with spaces (two per level)."),
    "mapping_value": ("此处不能出现“: ”", "': ' is not allowed here"),
    "mapping_value_hint": ("如果值本身含有“: ”，请给整个值加上引号；否则请检查上一行的缩进。",
                           "If the value itself contains ': ', quote the whole value; otherwise "
                           "check the indentation of the line above."),
    "indent": ("缩进不一致：这一行与同级的键没有对齐", "inconsistent indentation: this line "
               "is not aligned with the keys at its level"),
    "indent_list": ("缩进不一致：列表中的每一项都应以“- ”开头并对齐",
                    "inconsistent indentation: each entry of the list should start with '- ' "
                    "and be aligned"),
    "indent_hint": ("请让同一级的键（或列表项）使用相同的缩进。",
                    "Please indent keys (or list entries) of one level by the same amount."),
    "other": ("{detail}", "{detail}"),
    "bad_number": ("“{value}”按 YAML 的规则是数字，却不是有效的数；如果它是文字，请给它加上引号",
                   "'{value}' is a number by the rules of YAML but not a valid one; if it is "
                   "text, please quote it"),
})


def _line_at(text: str, mark: Any) -> str:
    lines = text.splitlines()
    return lines[mark.line] if mark is not None and 0 <= mark.line < len(lines) else ""


def _fullwidth_key(text: str, mark: Any) -> Any:
    """The mark of a ``key：`` written with a full-width colon on the line of *mark* or the
    line above, or ``None``."""
    if mark is None:
        return None
    lines = text.splitlines()
    for n in (mark.line, mark.line - 1):
        if 0 <= n < len(lines):
            head, colon, _rest = lines[n].partition("：")
            if colon and ":" not in head and head.strip():
                return yaml.Mark(mark.name, 0, n, len(head) - len(head.lstrip()), None, 0)
    return None


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """JC101 for a YAML syntax error, located at its cause (where an unclosed quote or
    bracket opens, the line without a colon), in the user's language, with a hint for the
    usual slips: a full-width colon ``：``, a tab, a missing ``:``."""
    context, what = exc.context or "", exc.problem or ""
    mark, key, hint, params = exc.problem_mark or exc.context_mark, None, None, {}
    problem_line = _line_at(text, exc.problem_mark)
    if "tab" in what or (exc.problem_mark is not None and "\t" in problem_line
                         and "cannot start any token" in what):
        key = "tab"
        if "\t" in problem_line:
            mark = exc.problem_mark
    elif context.startswith("while scanning a quoted scalar"):
        mark, key = exc.context_mark, "unclosed_quote"
        opening = _line_at(text, mark)[mark.column:mark.column + 1] if mark else '"'
        params = {"quote": opening or '"'}
    elif context.startswith("while parsing a flow") and exc.context_mark is not None:
        mark, key = exc.context_mark, "unclosed_flow"
        bracket = _line_at(text, mark)[mark.column:mark.column + 1] or "["
        params = {"bracket": bracket, "closing": "]" if bracket == "[" else "}"}
    elif context.startswith("while scanning a simple key") and exc.context_mark is not None:
        mark = exc.context_mark
        key = "fullwidth_colon" if "：" in _line_at(text, mark) else "missing_colon"
    elif "mapping values are not allowed" in what:
        key = "mapping_value"
        colon = _fullwidth_key(text, exc.problem_mark)  # `campaign：` swallowed the next line
        if colon is not None:
            mark, key = colon, "fullwidth_colon"
    elif "did not find expected key" in what:
        key = "indent"
    elif "did not find expected '-' indicator" in what:
        key, hint = "indent_list", "indent_hint"
    if key is None:
        message = _("other", detail=" ".join(x for x in (context, what) if x) or str(exc))
    else:
        message = _(key, **params)
        hint = hint or _SYNTAX_HINTS.get(key)
        if key not in ("fullwidth_colon", "tab") and "：" in _line_at(text, mark):
            hint = "fullwidth_colon_hint"  # e.g. `id：abc` swallowed into a scalar above
    return problem("JC101", file=file, line=mark.line + 1 if mark else None,
                   column=mark.column + 1 if mark else None, detail=message,
                   hint=_(hint, **params) if hint else None)


_SYNTAX_HINTS = {"unclosed_quote": "unclosed_quote_hint", "unclosed_flow": "unclosed_flow_hint",
                 "missing_colon": "missing_colon_hint", "fullwidth_colon": "fullwidth_colon_hint",
                 "tab": "tab_hint", "mapping_value": "mapping_value_hint",
                 "indent": "indent_hint"}


def _compose(text: str, file: str) -> _Builder:
    """PyYAML's reading of *text*: its data and every value's position, or ConfigError."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([syntax_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([problem("JC101", file=file, detail=str(exc))]) from None
    if node is None:
        raise ConfigError([problem("JC105", file=file, line=1, column=1)])
    builder = _Builder(file)
    builder.data = builder.build(node, ())
    if builder.problems:
        raise ConfigError(builder.problems)
    return builder


# -- the fast loader ---------------------------------------------------------------------
#
# ryaml reads with serde_yaml, whose parser is unsafe-libyaml, a line-by-line Rust port of
# libyaml 0.2.5, the parser under PyYAML's CSafeLoader: the same documents are accepted and
# every scalar has the same text. What differs is what comes after the parser: which type a
# plain (unquoted) scalar gets (PyYAML follows YAML 1.1: yes/no/on/off are booleans, 0123
# is octal, 1:20 is 80, 1_000 is 1000, 1e3 is text; serde_yaml does not) and how tags,
# anchors, merge keys and non-text keys are treated (this loader refuses tags and merge keys
# with JC107 and turns a null or float key into text). So a document goes to ryaml only when
# its text shows none of these: every plain scalar that either could type differently starts
# where a plain scalar can start and ends where one can end, so it would be found below.
# Anything found sends the document to PyYAML, which is only slower. tests/test_yaml_fast.py
# compares both readings over every YAML file of the project and the quirks of YAML 1.1.

# The search is one pass of one pattern over the text with a line break put in front. It
# opens with one set of characters, which lets the pattern engine skip most of the text
# (Chinese prose) at once; what follows depends on which one it found. A plain scalar starts
# after a line break and its indentation, after ``:`` (a mapping's value), ``- `` (a sequence
# entry) or ``[ { ,`` (flow collections), and ends at white space, ``, ] }`` or ``:``; a
# line's continuation or a colon inside a scalar only makes the search find more than it must.
_NOT_FAST = re.compile(
    r"[\t!&*%<=?\ufeff\x85\u2028\u2029\r\]}#\n:\-\[{,](?:"
    # where a plain scalar starts (most often: first), and only what could matter in it
    r"(?:(?<=[\n:\[{,])[ \t]*|(?<=-)[ \t]+)(?=[ynotf~:.0-9+-])(?:"
    r"(?P<bool>yes|no|on|off)(?=$|[\s,\]}:])"  # YAML 1.1 booleans: text for serde_yaml
    # a null, boolean or empty key: turned into text here (and 1 and true are one key here)
    r"|(?P<key>(?:~|null|true|false)?[ \t]*:)(?=$|[\s,\[\]{}?])"
    # anything either could read as a number: checked by _same_number
    r"|(?P<number>[-+]?[.0-9][0-9a-z_.:+-]*+)(?=$|[\s,\]}]))"
    r"|(?<=[\t!&*%<=?\ufeff])(?P<refused>)"  # tags, anchors, aliases, directives, << =, ? keys
    # line breaks other than LF and CRLF (libyaml also breaks lines at CR, NEL, LS and PS)
    r"|(?<=[\x85\u2028\u2029])(?P<break>)|(?<=\r)(?!\n)(?P<lone_cr>)"
    r"|(?<=[\]}])(?P<complex>[ \t]*:)"  # a flow collection as a key
    r"|(?<=#)(?<![^ \t\n]#)(?P<comment>)"  # a comment: skipped by fast_loadable
    r"|(?<=\n)(?P<marker>---|\.\.\.))",  # document markers: several documents
    re.IGNORECASE)
_OTHER_BREAK = re.compile(r"[\r\x85\u2028\u2029]")
_KEY_COLON = re.compile(r"[ \t]*:(?=$|[\s,\[\]{}?])")
# What both read alike: plain decimals, and dates (kept as text). At most 38 digits before
# the point: ryaml holds an integer in 128 bits (a longer one becomes a float there, or text
# once it overflows one), PyYAML's is exact.
_SAME_NUMBER = re.compile(
    r"[-+]?(?:0|[1-9][0-9]{0,37})|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|(?P<float>[-+]?(?:0|[1-9][0-9]{0,37})\.[0-9]+)")


def _same_number(token: str, key: bool) -> bool:
    """Whether both loaders read the plain scalar *token* alike (*key*: as a mapping's key,
    where a float becomes text here)."""
    if token.endswith(":"):
        token, key = token[:-1], True
    same = _SAME_NUMBER.fullmatch(token)
    return same is not None and not (key and same.group("float"))


def fast_loadable(text: str) -> bool:
    """Whether the fast loader reads *text* exactly as PyYAML (and this module) would."""
    if _ryaml is None or _Loader is not getattr(yaml, "CSafeLoader", None):
        return False
    text = "\n" + text
    pos = 0
    while (found := _NOT_FAST.search(text, pos)) is not None:
        kind, pos = found.lastgroup, found.end()
        if kind == "number" and _same_number(
                found["number"], _KEY_COLON.match(text, pos) is not None):
            pos = found.start("number") + 1  # its last character may open the next scalar
            continue
        if kind == "comment":
            # Comments say nothing to either loader and may be prose ("no law is cited"):
            # a '#' after a space opens one, unless it is inside a quoted or block scalar,
            # which neither loader types; on a line without quotes, what follows it is never
            # a plain scalar. (A line with a quote could close a quoted scalar and go on.)
            # (The comment ends at the LF: another line break inside is searched.)
            start, end = text.rfind("\n", 0, pos) + 1, text.find("\n", pos)
            end = end if end >= 0 else len(text)
            line = text[start:end]
            if '"' not in line and "'" not in line \
                    and not _OTHER_BREAK.search(text, pos, end - (text[end - 1] == "\r")):
                pos = end
            continue
        return False
    return True


def _fast(text: str, file: str) -> Document | None:
    """*text* read by the fast loader, or ``None`` where PyYAML must read it (it could read
    it differently, or it has an error to locate)."""
    if not fast_loadable(text):
        return None
    try:
        data = _ryaml.loads(text)
    except Exception:  # noqa: BLE001 - any refusal: PyYAML reads it again and locates it
        return None
    if data is None:
        return None  # an empty document: PyYAML says so (JC105)
    return Document(data=data, file=file, text=text)


def loads(text: str, file: str = "<string>", *, fast: bool = True) -> Document:
    """Parse YAML (JSON is YAML) text into a :class:`Document`, or raise :class:`ConfigError`
    (*fast*: by the fast loader where it reads the text alike, else always by PyYAML)."""
    doc = _fast(text, file) if fast else None
    if doc is not None:
        return doc
    builder = _compose(text, file)
    return Document(data=builder.data, file=file, positions=builder.positions,
                    key_positions=builder.key_positions)


# -- parse cache -------------------------------------------------------------------------
#
# Parsing is the slowest step of loading many declarations (libyaml builds a Python node per
# value). A parsed document depends only on the file's bytes, so it is cached under the
# SHA-256 of those bytes (plus this loader's version): a changed file is a new key, and a
# damaged or unreadable cache entry is simply ignored. Documents with errors are never
# cached. JOINTCHECK_CACHE_DIR moves the cache; JOINTCHECK_NO_CACHE=1 turns it off.

# 2: positions may be None (fast loader); 3: integers of 39+ digits no longer read by it
_CACHE_VERSION = b"jc-yaml-3"


def cache_dir() -> Path | None:
    """Where parsed documents are cached, or ``None`` when caching is off."""
    if os.environ.get("JOINTCHECK_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("JOINTCHECK_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "jointcheck" / "yaml"


def _cache_get(path: Path, name: str, raw: bytes) -> Document | None:
    try:
        data, positions, key_positions = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if positions is None:  # read by the fast loader: located when asked, from the file's text
        return Document(data=data, file=name, text=decode(raw, name))
    return Document(data=data, file=name, positions=positions, key_positions=key_positions)


_made_dirs: set[Path] = set()


def _cache_put(path: Path, doc: Document) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.parent not in _made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            _made_dirs.add(path.parent)
        located = doc.located
        tmp.write_bytes(marshal.dumps((doc.data, doc.positions if located else None,
                                       doc.key_positions if located else None)))
        os.replace(tmp, path)  # atomic: readers see no entry or a whole one
    except (OSError, ValueError):
        pass  # an unwritable cache only costs speed


def load_file(path: str | Path, display: str | None = None) -> Document:
    """Read and parse a YAML/JSON file; every failure is a :class:`ConfigError`."""
    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([problem("JC104", file=name, detail=os_detail(exc, str(path)))]
                          ) from None
    root = cache_dir()
    entry = None
    if root is not None:
        key = hashlib.sha256(_CACHE_VERSION + raw).hexdigest()
        entry = root / f"{key}.marshal"
        cached = _cache_get(entry, name, raw)
        if cached is not None:
            return cached
    doc = loads(decode(raw, name), name)
    if entry is not None:
        _cache_put(entry, doc)
    return doc


# Parsing many files at once (a city with 200 department plugins): on a multi-core machine
# where forking is safe (core.forking: no other thread running, not switched off), a forked
# child parses every other file into the cache while this process parses the rest; loading
# then reads the child's share from the cache. Only where the cache is on; a failed child
# only means those files are parsed again.
PREFETCH_MIN_FILES = 16


def _cache_files(paths: list[Path]) -> None:
    """Parse *paths* into the parse cache (the prefetch child's share)."""
    for path in paths:
        with contextlib.suppress(ConfigError):
            load_file(path)


def prefetch(paths: list[Path]) -> dict[Path, Document]:
    """Parse *paths* using two processes (best effort): the child's share lands in the parse
    cache, this process's share is returned (documents with errors are left out)."""
    if cache_dir() is None or len(paths) < PREFETCH_MIN_FILES or not fork_worthwhile():
        return {}
    cached = beside(_cache_files, paths[1::2])
    parsed: dict[Path, Document] = {}
    try:
        for path in paths[0::2]:
            with contextlib.suppress(ConfigError):
                parsed[path] = load_file(path)
    finally:
        cached()  # always wait for the child
    return parsed
