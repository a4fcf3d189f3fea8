"""Safe YAML loading that remembers where every value came from.

Only the safe subset of YAML is accepted (no Python tags). Duplicate keys are errors
(ComplianceAsCode style), as are undecodable bytes. Every value's position is kept, keyed
by its path inside the document, so that schema and cross-document errors can name
``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem, problem

try:  # libyaml is much faster when present
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the pyyaml build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS = {_STR, _TIMESTAMP} | {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null")}


@dataclass
class Document:
    """A loaded YAML (or JSON) document with the positions of its nodes."""

    data: Any
    file: str
    # path -> (line, column), both 1-based: where the value at that path starts
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # path -> (line, column) of the *key* naming that path (mappings only)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

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
        return construct(self._constructor, node)

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


def loads(text: str, file: str = "<string>") -> Document:
    """Parse YAML (JSON is YAML) text into a :class:`Document`, or raise :class:`ConfigError`."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ConfigError([problem(
            "JC101", file=file, line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None, detail=detail or str(exc))]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([problem("JC101", file=file, detail=str(exc))]) from None
    if node is None:
        raise ConfigError([problem("JC105", file=file, line=1, column=1)])
    builder = _Builder(file)
    data = builder.build(node, ())
    if builder.problems:
        raise ConfigError(builder.problems)
    return Document(data=data, file=file, positions=builder.positions,
                    key_positions=builder.key_positions)


# -- parse cache -------------------------------------------------------------------------
#
# Parsing is the slowest step of loading many declarations (libyaml builds a Python node per
# value). A parsed document depends only on the file's bytes, so it is cached under the
# SHA-256 of those bytes (plus this loader's version): a changed file is a new key, and a
# damaged or unreadable cache entry is simply ignored. Documents with errors are never
# cached. JOINTCHECK_CACHE_DIR moves the cache; JOINTCHECK_NO_CACHE=1 turns it off.

_CACHE_VERSION = b"jc-yaml-1"


def cache_dir() -> Path | None:
    """Where parsed documents are cached, or ``None`` when caching is off."""
    import os

    if os.environ.get("JOINTCHECK_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("JOINTCHECK_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "jointcheck" / "yaml"


def _cache_get(path: Path, name: str) -> Document | None:
    import marshal

    try:
        data, positions, key_positions = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return Document(data=data, file=name, positions=positions, key_positions=key_positions)


_made_dirs: set[Path] = set()


def _cache_put(path: Path, doc: Document) -> None:
    import marshal
    import os

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if path.parent not in _made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            _made_dirs.add(path.parent)
        tmp.write_bytes(marshal.dumps((doc.data, doc.positions, doc.key_positions)))
        os.replace(tmp, path)  # atomic: readers see no entry or a whole one
    except (OSError, ValueError):
        pass  # an unwritable cache only costs speed


def load_file(path: str | Path, display: str | None = None) -> Document:
    """Read and parse a YAML/JSON file; every failure is a :class:`ConfigError`."""
    import hashlib

    name = display or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError([problem("JC104", file=name, detail=exc.strerror or str(exc))]) from None
    root = cache_dir()
    entry = None
    if root is not None:
        key = hashlib.sha256(_CACHE_VERSION + raw).hexdigest()
        entry = root / f"{key}.marshal"
        cached = _cache_get(entry, name)
        if cached is not None:
            return cached
    doc = loads(decode(raw, name), name)
    if entry is not None:
        _cache_put(entry, doc)
    return doc


# Parsing many files at once (a city with 200 department plugins): on a multi-core machine
# with no other threads running, a forked child parses every other file into the cache
# while this process parses the rest; loading then reads the child's share from the cache.
# Only where the cache is on and fork exists; a failed child only means those files are
# parsed again.
PREFETCH_MIN_FILES = 16


def prefetch(paths: list[Path]) -> dict[Path, Document]:
    """Parse *paths* using two processes (best effort): the child's share lands in the parse
    cache, this process's share is returned (documents with errors are left out)."""
    import contextlib
    import os
    import threading

    if (cache_dir() is None or len(paths) < PREFETCH_MIN_FILES or not hasattr(os, "fork")
            or (os.cpu_count() or 1) < 2 or threading.active_count() > 1):
        return {}  # forking a process that runs threads (e.g. a Textual app) is unsafe
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: its share into the cache, then leave without cleanup
        try:
            for path in paths[1::2]:
                with contextlib.suppress(ConfigError):
                    load_file(path)
        finally:
            os._exit(0)
    parsed: dict[Path, Document] = {}
    for path in paths[0::2]:
        with contextlib.suppress(ConfigError):
            parsed[path] = load_file(path)
    os.waitpid(pid, 0)
    return parsed

