"""Plugin discovery and safe hook calls.

Plugins register through the ``jointcheck`` entry-point group, the built-in departments
included. Entry points are loaded one by one (pluggy's ``load_setuptools_entrypoints``
stops at the first failure): a plugin that fails to import, fails to register, or raises
in a hook is reported with its name, file, line and cause, and the others still load.

Hooks are called implementation by implementation, in plugin-name order, so that a
failure is attributed to its plugin and no result depends on registration order.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .errors import Problem, problem

GROUP = hookspecs.PROJECT
BUILTIN_PREFIX = "jointcheck.plugins."


@dataclass
class PluginInfo:
    """What ``jointcheck plugins`` shows about one plugin."""

    name: str
    module: str | None = None
    file: str | None = None
    distribution: str | None = None
    version: str | None = None
    hooks: list[str] = field(default_factory=list)
    departments: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, items
    error: Problem | None = None

    @property
    def builtin(self) -> bool:
        return bool(self.module and self.module.startswith(BUILTIN_PREFIX))

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "distribution": self.distribution,
            "module": self.module,
            "file": self.file,
            "builtin": self.builtin,
            "hooks": self.hooks,
            "departments": [{"code": c, "name": n, "items": k} for c, n, k in self.departments],
            "loaded": self.error is None,
            "error": self.error.to_json() if self.error else None,
        }


def _where(exc: BaseException, prefer: str | None = None) -> tuple[str | None, int | None]:
    """File and line of an exception: a SyntaxError's own, else the innermost frame in the
    plugin's files (*prefer*: a path prefix), else the innermost frame."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    frames = traceback.extract_tb(exc.__traceback__)
    if prefer:
        own = [f for f in frames if f.filename.startswith(prefer)]
        if own:
            return own[-1].filename, own[-1].lineno
    frames = [f for f in frames if "importlib" not in f.filename]
    if frames:
        return frames[-1].filename, frames[-1].lineno
    return None, None


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class PluginHost:
    """The plugin manager with the loading report."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.problems: list[Problem] = []

    # -- loading -------------------------------------------------------------------

    def load_entry_points(self) -> None:
        from importlib.metadata import entry_points

        seen: set[str] = set()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(ep.name)
            dist = getattr(ep, "dist", None)
            info = PluginInfo(name=ep.name, module=ep.module,
                              distribution=dist.name if dist else None,
                              version=dist.version if dist else None)
            self.infos[ep.name] = info
            try:
                obj = ep.load()
            except (Exception, SystemExit) as exc:  # any failure is the plugin's
                file, line = _where(exc)
                info.error = problem("JC401", file=file, line=line, plugin=ep.name,
                                     detail=_describe(exc))
                self.problems.append(info.error)
                continue
            self._register(ep.name, obj, info)

    def register(self, name: str, obj: object) -> None:
        """Register an in-process plugin (tests, benchmarks, embedding applications)."""
        info = PluginInfo(name=name, module=getattr(obj, "__name__", type(obj).__name__))
        self.infos[name] = info
        self._register(name, obj, info)

    def _register(self, name: str, obj: object, info: PluginInfo) -> None:
        module = sys.modules.get(getattr(obj, "__name__", "")) if hasattr(obj, "__name__") else None
        file = getattr(module or obj, "__file__", None)
        info.file = file
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:  # pluggy.PluginValidationError, duplicate names...
            info.error = problem("JC401", file=file, plugin=name, detail=_describe(exc))
            self.problems.append(info.error)
            return
        info.hooks = sorted(
            h.name for h in self.pm.get_hookcallers(obj) or [] if h.name.startswith("jointcheck_")
        )

    # -- calling -------------------------------------------------------------------

    def _impls(self, hook_name: str) -> list[Any]:
        hook = getattr(self.pm.hook, hook_name)
        return sorted(hook.get_hookimpls(), key=lambda i: i.plugin_name)

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook; return ``(plugin, result)`` pairs for the
        ones that succeeded and record a JC402 problem for each that raised."""
        results = []
        for impl in self._impls(hook_name):
            ok, value = self._call(impl, hook_name, kwargs)
            if ok:
                results.append((impl.plugin_name, value))
        return results

    def call_first(self, hook_name: str, **kwargs: Any) -> tuple[str | None, Any]:
        """Call implementations in plugin-name order until one returns non-``None``."""
        for impl in self._impls(hook_name):
            ok, value = self._call(impl, hook_name, kwargs)
            if ok and value is not None:
                return impl.plugin_name, value
        return None, None

    def _call(self, impl: Any, hook_name: str, kwargs: dict[str, Any]) -> tuple[bool, Any]:
        args = {k: kwargs[k] for k in impl.argnames}
        try:
            return True, impl.function(**args)
        except Exception as exc:
            info = self.infos.get(impl.plugin_name)
            prefer = str(Path(info.file).parent) if info and info.file else None
            file, line = _where(exc, prefer)
            p = problem("JC402", file=file, line=line, plugin=impl.plugin_name,
                        hook=hook_name, detail=_describe(exc))
            self.problems.append(p)
            if info and info.error is None:
                info.error = p
            return False, None


def load_plugins(*, entry_points: bool = True,
                 extra: Iterable[tuple[str, object]] = ()) -> PluginHost:
    """A :class:`PluginHost` with the installed plugins (and *extra* in-process ones)."""
    host = PluginHost()
    if entry_points:
        host.load_entry_points()
    for name, obj in extra:
        host.register(name, obj)
    return host

