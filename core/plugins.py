"""Plugin discovery and safe hook calls.

Plugins register through the ``jointcheck`` entry-point group, the built-in departments
included. Entry points are loaded one by one (pluggy's ``load_setuptools_entrypoints``
stops at the first failure): a plugin that fails to import, fails to register, or raises
in a hook is reported with its name, file, line and cause, and the others still load.

Hooks are called implementation by implementation, in plugin-name order, so that a
failure is attributed to its plugin and no result depends on registration order. An
implementation that raises (or returns a value of the wrong type) is reported once, naming
plugin, hook, file and line, and is not called again by that host. A hook name no hook
specification declares (``jointcheck_departmnet``) is an error of its plugin, with a "did
you mean". ``JOINTCHECK_DISABLE_PLUGINS=name,…`` blocks plugins without uninstalling them.

A plugin left out (it failed to import or register, or the configuration found errors in
what it declares) is unregistered: none of its hooks is called.
"""

from __future__ import annotations

import importlib
import inspect
import linecache
import os
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import hookspecs
from .errors import Problem, did_you_mean, problem, register
from .i18n import Localized

GROUP = hookspecs.PROJECT
BUILTIN_PREFIX = "jointcheck.plugins."
DISABLE_ENV = "JOINTCHECK_DISABLE_PLUGINS"

register({
    "JC405": ("插件“{plugin}”实现了未知的钩子 {hook}", "plugin '{plugin}' implements an unknown hook {hook}"),
    "JC406": ("插件“{plugin}”因上述错误未被加载：它声明的部门 {departments} 不可用",
              "plugin '{plugin}' was left out because of the errors above: its department(s) "
              "{departments} are not available"),
    "JC407": ("{env} 中的插件“{name}”没有安装", "plugin '{name}' named in {env} is not installed"),
    "JC412": ("部门“{department}”由插件“{plugin}”提供，该插件{state}：本实施方案新的抽取、检查记录和修改需要它",
              "department '{department}' comes from plugin '{plugin}', which {state}: a new "
              "draw, record or amendment of this campaign needs it"),
    "JC408": ("插件“{plugin}”的钩子 {hook} 的参数与规范不符：{detail}",
              "plugin '{plugin}' implements hook {hook} with arguments the specification does "
              "not have: {detail}"),
}, {
    "JC412": ("请重新安装该插件（pip install），或从 JOINTCHECK_DISABLE_PLUGINS 中去掉它；本实施方案已有的"
              "检查记录、结果、问题线索移交、进度和报表不需要它，仍可查看。",
              "Please install the plugin again (pip install), or take it out of "
              "JOINTCHECK_DISABLE_PLUGINS; the campaign's existing records, results, "
              "referrals, status and reports do not need it and can still be read."),
    "JC408": ("钩子 {hook} 只能取这些参数（可取其中任意几个）：{expected}；见 docs/hooks.md。该插件未被加载。",
              "Hook {hook} takes only these arguments (any of them): {expected}; see "
              "docs/hooks.md. The plugin was not loaded."),
    "JC402": ("该钩子实现已停用，本次不再调用；请修复插件，或用 JOINTCHECK_DISABLE_PLUGINS={plugin} 停用该插件。",
              "The implementation is disabled for this run; please fix the plugin, or block it "
              "with JOINTCHECK_DISABLE_PLUGINS={plugin}."),
    "JC404": ("请让该钩子返回文档所述类型的值（jointcheck 文档 docs/hooks.md）；该钩子实现已停用。",
              "Please return the type docs/hooks.md describes; the implementation is disabled."),
    "JC405": ("钩子名称必须是 docs/hooks.md 列出的名称之一；该插件未被加载。",
              "Hook names must be those listed in docs/hooks.md; the plugin was not loaded."),
    "JC406": ("请修复上面列出的错误，或用 JOINTCHECK_DISABLE_PLUGINS={plugin} 停用该插件。",
              "Please fix the errors listed above, or block the plugin with "
              "JOINTCHECK_DISABLE_PLUGINS={plugin}."),
})

# The plugin listings of the last hosts load_plugins() made in this process, so that the
# command line can print a one-line summary of the plugins that failed once a command is
# done (see core.cli); the configuration adds its findings to these same listings.
LOADED: deque[dict[str, PluginInfo]] = deque(maxlen=8)


def disabled_names() -> set[str]:
    """Plugin names blocked by ``JOINTCHECK_DISABLE_PLUGINS`` (comma-separated)."""
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


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
    # every failure of this plugin: import, registration, hooks, invalid declarations
    problems: list[Problem] = field(default_factory=list)
    disabled: bool = False  # blocked by JOINTCHECK_DISABLE_PLUGINS
    left_out: bool = False  # unregistered: none of its hooks is called

    @property
    def builtin(self) -> bool:
        return bool(self.module and self.module.startswith(BUILTIN_PREFIX))

    @property
    def error(self) -> Problem | None:
        """The first failure, if any."""
        return self.problems[0] if self.problems else None

    @property
    def loaded(self) -> bool:
        return not self.disabled and not self.left_out and not self.problems

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
            "loaded": self.loaded,
            "disabled": self.disabled,
            "error": self.error.to_json() if self.error else None,
            "problems": [p.to_json() for p in self.problems],
        }


_ABSENCE = {
    "missing": Localized("没有安装", "is not installed"),
    "disabled": Localized("已被 JOINTCHECK_DISABLE_PLUGINS 停用", "is disabled by JOINTCHECK_DISABLE_PLUGINS"),
    "left_out": Localized("因错误未被加载（见 jointcheck plugins）",
                          "was left out for its errors (see jointcheck plugins)"),
}


def absent_plugins(host: PluginHost | None,
                   departments: Iterable[tuple[str, str | None]]) -> list[Problem]:
    """JC412 for each (department code, plugin) whose plugin *host* does not have loaded:
    what a campaign's new work (a draw, a record, an amendment) needs and is refused
    without, rather than done differently (docs/records.md)."""
    if host is None:
        return []
    found = []
    for code, plugin in departments:
        if not plugin:
            continue
        info = host.infos.get(plugin)
        state = ("missing" if info is None else "disabled" if info.disabled
                 else "left_out" if info.left_out else None)
        if state is not None:  # an error of the work asked for, not of a plugin (never softened)
            found.append(Problem("JC412", params={"department": code, "plugin": plugin,
                                                  "state": _ABSENCE[state]}))
    return found


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
    outside = [f for f in frames if "importlib" not in f.filename]
    if outside:
        return outside[-1].filename, outside[-1].lineno
    return None, None


def _defined_at(function: Any, fallback: str | None = None) -> tuple[str | None, int | None]:
    """File and line of a hook implementation's ``def`` (past its decorators)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return fallback, None
    line = code.co_firstlineno
    while linecache.getline(code.co_filename, line).lstrip().startswith("@"):
        line += 1
    return code.co_filename, line


def _wrong_signatures(plugin: str, obj: object, file: str | None) -> list[Problem]:
    """JC408 for each hook implementation of *obj* taking an argument its specification
    does not have (pluggy refuses the whole plugin with a bare message)."""
    found = []
    for attr in sorted(dir(obj)):
        if not attr.startswith("jointcheck_"):
            continue
        function = getattr(obj, attr, None)
        spec = getattr(hookspecs, attr, None)
        if not callable(function) or spec is None or not hasattr(function, f"{GROUP}_impl"):
            continue
        try:
            given = list(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            continue
        expected = list(inspect.signature(spec).parameters)
        extra = [a for a in given if a not in expected]
        if extra:
            at, line = _defined_at(function, file)
            found.append(problem("JC408", file=at, line=line, plugin=plugin, hook=attr,
                                 detail=", ".join(extra), expected=", ".join(expected) or "-"))
    return found


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class PluginHost:
    """The plugin manager with the loading report."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.problems: list[Problem] = []
        # (plugin, hook) -> the failure that disabled that implementation
        self._disabled: dict[tuple[str, str], Problem] = {}

    # -- loading -------------------------------------------------------------------

    def load_entry_points(self) -> None:
        # principle 8: importlib.metadata is heavy; loaded only when this runs
        from importlib.metadata import entry_points

        blocked = disabled_names()
        seen: set[str] = set()
        for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(ep.name)
            dist = getattr(ep, "dist", None)
            info = self._listed(PluginInfo(name=ep.name, module=ep.module,
                                           distribution=dist.name if dist else None,
                                           version=dist.version if dist else None), blocked)
            if info is not None:
                self._load(ep.name, ep.load, info)
        for name in sorted(blocked - seen):
            self.problems.append(problem("JC407", severity="warning", file=DISABLE_ENV,
                                         env=DISABLE_ENV, name=name,
                                         hint=did_you_mean(name, sorted(seen))))

    def _load(self, name: str, load: Callable[[], object], info: PluginInfo) -> None:
        """Import a plugin with *load* and register it; a failure is its JC401."""
        try:
            obj = load()
        except (Exception, SystemExit) as exc:  # any failure is the plugin's
            file, line = _where(exc)
            self.fail(name, problem("JC401", file=file, line=line, plugin=name,
                                    detail=_describe(exc)))
            info.left_out = True
            return
        self._register(name, obj, info)

    def _listed(self, info: PluginInfo, blocked: set[str] | None = None) -> PluginInfo | None:
        """List *info* in :attr:`infos`; ``None`` when JOINTCHECK_DISABLE_PLUGINS (or
        *blocked*, the names read from it) blocks it: then it is not even imported."""
        self.infos[info.name] = info
        if info.name in (blocked if blocked is not None else disabled_names()):
            info.disabled = True
            return None
        return info

    def load_module(self, name: str, module: str) -> None:
        """Import and register plugin *name* from *module* (``jointcheck plugin test`` of a
        package folder not installed), as its entry point would."""
        info = self._listed(PluginInfo(name=name, module=module))
        if info is not None:
            self._load(name, lambda: importlib.import_module(module), info)

    def register(self, name: str, obj: object) -> None:
        """Register an in-process plugin (tests, benchmarks, embedding applications)."""
        info = self._listed(PluginInfo(name=name,
                                       module=getattr(obj, "__name__", type(obj).__name__)))
        if info is not None:
            self._register(name, obj, info)

    def _register(self, name: str, obj: object, info: PluginInfo) -> None:
        module = sys.modules.get(getattr(obj, "__name__", "")) if hasattr(obj, "__name__") else None
        file = getattr(module or obj, "__file__", None)
        info.file = file
        wrong = _wrong_signatures(name, obj, file)
        if wrong:  # what pluggy would refuse, said per hook and located at its ``def``
            for p in wrong:
                self.fail(name, p)
            info.left_out = True
            return
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:  # pluggy.PluginValidationError, duplicate names...
            self.fail(name, problem("JC401", file=file, plugin=name, detail=_describe(exc)))
            info.left_out = True
            return
        callers = self.pm.get_hookcallers(obj) or []
        info.hooks = sorted(h.name for h in callers if h.name.startswith("jointcheck_"))
        unknown = [h for h in callers if not h.has_spec()]
        if unknown:  # pluggy's check_pending(), per plugin and located
            known = sorted(n for n in dir(hookspecs) if n.startswith("jointcheck_"))
            for caller in unknown:
                impl = next(i for i in caller.get_hookimpls() if i.plugin_name == name)
                at, line = _defined_at(impl.function, file)
                self.fail(name, problem("JC405", plugin=name, hook=caller.name, file=at,
                                        line=line, hint=did_you_mean(caller.name, known)))
            self.leave_out(name)

    def fail(self, name: str, p: Problem) -> None:
        """Record a failure of plugin *name*."""
        self.problems.append(p)
        info = self.infos.get(name)
        if info is not None:
            info.problems.append(p)

    def leave_out(self, name: str) -> None:
        """Unregister plugin *name*: none of its hooks is called any more."""
        info = self.infos.get(name)
        if info is not None:
            info.left_out = True
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    def failed(self) -> list[PluginInfo]:
        """The plugins that failed, by name."""
        return [i for _n, i in sorted(self.infos.items()) if i.problems]

    # -- calling -------------------------------------------------------------------

    def _impls(self, hook_name: str) -> list[Any]:
        hook = getattr(self.pm.hook, hook_name)
        return sorted((i for i in hook.get_hookimpls()
                       if (i.plugin_name, hook_name) not in self._disabled),
                      key=lambda i: i.plugin_name)

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook; return ``(plugin, result)`` pairs for the
        ones that succeeded and record a JC402 problem for each that raised."""
        results = []
        for impl in self._impls(hook_name):
            ok, value = self._call(impl, hook_name, kwargs)
            if ok:
                results.append((impl.plugin_name, value))
        return results

    def call_first(self, hook_name: str, *, returns: type | tuple[type, ...] | None = None,
                   **kwargs: Any) -> tuple[str | None, Any]:
        """Call implementations in plugin-name order until one returns non-``None``.

        With *returns*, a value of another type is a JC404 problem of that implementation
        (which is then disabled), never taken for a decision: ``"no"`` is not ``True``."""
        for impl in self._impls(hook_name):
            ok, value = self._call(impl, hook_name, kwargs)
            if not ok or value is None:
                continue
            if returns is not None and not isinstance(value, returns):
                self.reject(impl, hook_name, repr(value))
                continue
            return impl.plugin_name, value
        return None, None

    def invalid(self, plugin: str, hook_name: str, detail: str) -> None:
        """Report *plugin*'s invalid return value from *hook_name* (see :meth:`reject`)."""
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():
            if impl.plugin_name == plugin:
                self.reject(impl, hook_name, detail)
                return
        self.fail(plugin, problem("JC404", plugin=plugin, hook=hook_name, detail=detail))

    def reject(self, impl: Any, hook_name: str, detail: str) -> None:
        """Report an implementation's invalid return value (JC404, at the hook's ``def``)
        and disable it."""
        file, line = _defined_at(impl.function)
        self._disable(impl.plugin_name, hook_name, problem(
            "JC404", file=file, line=line, plugin=impl.plugin_name, hook=hook_name,
            detail=detail))

    def _disable(self, plugin: str, hook_name: str, p: Problem) -> None:
        self._disabled[(plugin, hook_name)] = p
        self.fail(plugin, p)

    def disabled(self, *hook_names: str) -> list[Problem]:
        """The failures that disabled implementations of *hook_names*, by plugin: a result
        computed without them is not the result, so every later call reports them again."""
        return [p for (plugin, hook), p in sorted(self._disabled.items(), key=lambda kv: kv[0])
                if hook in hook_names]

    def _call(self, impl: Any, hook_name: str, kwargs: dict[str, Any]) -> tuple[bool, Any]:
        args = {k: kwargs[k] for k in impl.argnames}
        try:
            return True, impl.function(**args)
        except Exception as exc:
            info = self.infos.get(impl.plugin_name)
            prefer = str(Path(info.file).parent) if info and info.file else None
            file, line = _where(exc, prefer)
            # one problem: a failing implementation is not called again by this host
            self._disable(impl.plugin_name, hook_name, problem(
                "JC402", file=file, line=line, plugin=impl.plugin_name, hook=hook_name,
                detail=_describe(exc)))
            return False, None


def load_plugins(*, entry_points: bool = True,
                 extra: Iterable[tuple[str, object]] = ()) -> PluginHost:
    """A :class:`PluginHost` with the installed plugins (and *extra* in-process ones)."""
    host = PluginHost()
    if entry_points:
        host.load_entry_points()
        LOADED.append(host.infos)
    for name, obj in extra:
        host.register(name, obj)
    return host

