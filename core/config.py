"""Loading and validating the configuration: departments, campaigns and policies.

Sources are the installed plugins (each contributes a department declaration through the
``jointcheck_department`` hook) and any files or directories an administrator names. Every
document is schema-checked with located errors (core.schema_check), then the whole set is
cross-checked: duplicate item ids, unknown departments and items, referrals to unknown
departments, items without legal basis, two plugins claiming one department code...

Problems that come from an installed plugin are errors of that plugin: it is left out
(its department is not available and none of its hooks is called), the others still load,
and the problems are reported as warnings unless ``strict`` is set, which makes them errors.
"""

from __future__ import annotations

import dataclasses
import marshal
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .attributes import condition_problems, known_attributes
from .errors import ConfigError, Problem, did_you_mean, problem, register
from .gcpause import gc_paused
from .i18n import translator
from .legal import declared_editions
from .model import Campaign, Department, Item, Policy, Source
from .plugins import PluginHost, load_plugins
from .schema_check import validate_document
from .yamlload import Document, load_file, prefetch

DOC_EXTENSIONS = (".yaml", ".yml", ".json")
# top-level key that identifies each kind of document
KIND_KEYS = {"department": "department", "campaign": "campaign", "policy": "policy",
             "findings": "outcome"}
DEFAULT_POLICY_ID = "default"
# a plugin's package that cannot be imported: its declaration and hooks are never read, so
# ``jointcheck validate`` keeps it a warning (``--strict`` makes it an error)
IMPORT_FAILURES = frozenset({"JC401"})
# what the scaffold (``jointcheck plugin new``) leaves for the author to replace
PLACEHOLDER_PREFIX = "待替换"
EXAMPLE_TITLE_PREFIX = "（示例）"

register({
    "JC322": ("“{value}”是 jointcheck plugin new 生成的占位内容，尚未替换",
              "'{value}' is a placeholder left by jointcheck plugin new"),
}, {
    "JC322": ("请换成真实的内容（法律法规全称、版本、条款，或本部门的抽查事项）：占位内容会印在移交函和公示结果上。",
              "Please replace it with the real content (the law's full title, edition and "
              "article, or the department's own item): placeholders would be printed on "
              "referral letters and published results."),
})

_ = translator({
    "disabled": ("插件“{plugin}”已被 JOINTCHECK_DISABLE_PLUGINS 停用。",
                 "Plugin '{plugin}' is disabled by JOINTCHECK_DISABLE_PLUGINS."),
    "left_out": ("插件“{plugin}”因错误未被加载，请运行 jointcheck plugins 查看原因。",
                 "Plugin '{plugin}' was left out because of errors: run jointcheck plugins to "
                 "see why."),
})


def default_policy_path() -> Path:
    return Path(__file__).with_name("data") / "default-policy.yaml"


def detect_kind(doc: Document) -> str | None:
    if not isinstance(doc.data, Mapping):
        return None
    for kind, key in KIND_KEYS.items():
        if key in doc.data:
            return kind
    return None


@dataclass
class Configuration:
    """Everything loaded, with the problems found on the way."""

    departments: dict[str, Department] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    host: PluginHost | None = None
    strict: bool = False
    # ``jointcheck validate``: what is wrong in an installed plugin's declaration or code
    # (not merely a package that fails to import, JC401) is an error, as it would be in a
    # file named on the command line; other commands leave the plugin out with a warning
    validating: bool = False
    # department code -> the plugin that declared it and was left out for its errors
    left_out: dict[str, str] = field(default_factory=dict)
    _problems: list[Problem] = field(default_factory=list)

    def add(self, problems: Iterable[Problem], plugin: str | None = None) -> None:
        for p in problems:
            if plugin and not p.plugin:
                p = dataclasses.replace(p, plugin=plugin)
            self._problems.append(p)

    @property
    def problems(self) -> list[Problem]:
        """All problems; plugin problems are warnings unless strict."""
        found = list(self._problems)
        if self.host:
            found = list(self.host.problems) + found
        out = []
        for p in found:
            if (p.plugin and p.severity == "error" and not self.strict and not p.reported_by
                    and not (self.validating and p.code not in IMPORT_FAILURES)):
                p = dataclasses.replace(p, severity="warning")
            out.append(p)
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def stand_in(self, departments: Iterable[Department]) -> None:
        """Use *departments* (a campaign's stored snapshot) for the departments no loaded
        plugin declares: what the campaign reads needs no plugin (core.campaign). The
        cross-document checks are made again with them known, so that nothing is said of
        them being unknown (JC302) or of an attribute only they declare (JC314, e.g. in the
        campaign's scope filter); their own declarations are not checked again: the
        snapshot is what the campaign was drawn and recorded with."""
        stale = cross_check(self)
        plugins = set()
        for dept in departments:
            self.departments.setdefault(dept.code, dept)
            plugins.add(dept.source.plugin)
        fresh = [p for p in cross_check(self) if p.plugin not in plugins]
        self._problems = [p for p in self._problems if p not in stale] + fresh

    def absent(self, found: Mapping[str, Problem]) -> None:
        """Say why the departments of *found* are unknown: each JC302 about one of them
        becomes its JC412 (which plugin, not installed or disabled), at the same place."""
        self._problems = [
            dataclasses.replace(found[p.params["department"]], file=p.file, line=p.line,
                                column=p.column, path=p.path)
            if p.code == "JC302" and p.params.get("department") in found else p
            for p in self._problems]

    def plugin_failed(self, plugin: str, problems: list[Problem],
                      departments: Iterable[str] = ()) -> None:
        """Record *problems* as failures of installed *plugin* and leave it out: its
        *departments* are dropped and none of its hooks is called again."""
        problems = [p if p.plugin else dataclasses.replace(p, plugin=plugin) for p in problems]
        codes = sorted(set(departments))
        for code in codes:
            dept = self.departments.get(code)
            if dept is not None and dept.source.plugin == plugin:
                del self.departments[code]
            self.left_out[code] = plugin
        problems.append(problem("JC406", plugin=plugin, departments="、".join(codes) or "-"))
        if self.host is None:
            self.add(problems)
            return
        for p in problems:
            self.host.fail(plugin, p)
        self.host.leave_out(plugin)

    def at(self, file: str | None, path: tuple[Any, ...], code: str, *, at_key: bool = False,
           plugin: str | None = None, **params: Any) -> Problem:
        """A problem located at *path* of the document loaded from *file*."""
        doc = self.documents.get(file or "")
        if doc is None:
            return problem(code, file=file, plugin=plugin, **params)
        p = doc.problem(code, path, at_key=at_key, **params)
        return dataclasses.replace(p, plugin=plugin) if plugin else p

    def policy(self, ref: str = DEFAULT_POLICY_ID) -> Policy:
        return self.policies[ref]


# -- parsing single documents ------------------------------------------------------------

def _read(path: Path, display: str | None = None,
          parsed: dict[Path, Document] | None = None) -> tuple[Document | None, list[Problem]]:
    if parsed and display is None and path in parsed:
        return parsed[path], []
    try:
        return load_file(path, display), []
    except ConfigError as exc:
        return None, exc.problems


def parse_department(doc: Document, plugin: str | None = None) -> tuple[Department | None, list[Problem]]:
    problems = validate_document(doc, "department")
    if problems:
        return None, problems
    data = doc.data
    code = data["department"]["code"]
    items = tuple(
        Item(department=code, id=raw["id"], title=raw["title"], data=raw,
             source=Source(plugin, doc.file, _line(doc, ("items", i))), declared_index=i)
        for i, raw in enumerate(data["items"])
    )
    return Department(code=code, name=data["department"]["name"], data=data, items=items,
                      source=Source(plugin, doc.file, _line(doc, ("department",)))), []


def _line(doc: Document, path: tuple[Any, ...]) -> int | None | Callable[[], int | None]:
    """The line of *path* in *doc*, or a function finding it when *doc* is not located yet
    (core.yamlload: a document read by the fast loader is parsed for positions only when
    one is asked for, such as an item's line in a checklist's provenance)."""
    if doc.located:
        return doc.where(path)[0]
    return lambda: doc.where(path)[0]


def parse_campaign(doc: Document) -> tuple[Campaign | None, list[Problem]]:
    problems = validate_document(doc, "campaign")
    if problems:
        return None, problems
    return Campaign(data=doc.data["campaign"],
                    source=Source(None, doc.file, _line(doc, ("campaign",)))), []


def parse_policy(doc: Document) -> tuple[Policy | None, list[Problem]]:
    problems = validate_document(doc, "policy")
    if problems:
        return None, problems
    policy = Policy(id=doc.data["policy"]["id"], data=doc.data,
                    source=Source(None, doc.file, _line(doc, ("policy",))))
    return policy, _check_policy(doc, policy)


def _check_policy(doc: Document, policy: Policy) -> list[Problem]:
    codes = set(policy.results)
    problems = []
    for i, rule in enumerate(policy.rules):
        if rule["result"] not in codes:
            problems.append(doc.problem("JC309", ("rules", i, "result"), result=rule["result"]))
        declared = rule["when"].get("noncompliant_declared")
        if declared is not None and declared not in codes:
            problems.append(doc.problem("JC309", ("rules", i, "when", "noncompliant_declared"),
                                        result=declared))
        for j, d in enumerate(rule.get("add_dispositions", [])):
            if d not in policy.dispositions:
                problems.append(doc.problem("JC310", ("rules", i, "add_dispositions", j),
                                            disposition=d))
    for i, c in enumerate(policy.joint_order):
        if c not in codes:
            problems.append(doc.problem("JC309", ("joint_order", i), result=c))
    for c in sorted(codes - set(policy.joint_order)):
        problems.append(doc.problem("JC309", ("joint_order",), result=c))
    return problems


# -- loading the whole configuration ----------------------------------------------------

def iter_document_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and YAML/JSON files found under directories named, in sorted order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.suffix.lower() in DOC_EXTENSIONS and p.is_file()
                                and not any(part.startswith(".") for part in p.parts)))
        else:
            found.append(path)
    return found


def load_configuration(paths: Iterable[str | Path] = (), *, plugins: bool = True,
                       host: PluginHost | None = None, strict: bool = False,
                       validating: bool = False) -> Configuration:
    """Load the installed plugins' departments, the default policy and the given files
    (*validating*: for ``jointcheck validate``, see :attr:`Configuration.validating`)."""
    with gc_paused():  # many parsed documents, no cycles: see core/gcpause.py
        return _load_configuration(paths, plugins=plugins, host=host, strict=strict,
                                   validating=validating)


def _load_configuration(paths: Iterable[str | Path], *, plugins: bool,
                        host: PluginHost | None, strict: bool,
                        validating: bool = False) -> Configuration:
    config = Configuration(strict=strict, validating=validating)
    config.host = host if host is not None else (load_plugins() if plugins else None)

    policy_doc, probs = _read(default_policy_path())
    config.add(probs)
    if policy_doc is not None:
        config.documents[policy_doc.file] = policy_doc
        policy, probs = parse_policy(policy_doc)
        config.add(probs)
        if policy:
            config.policies[policy.id] = policy

    # departments contributed by plugins, in plugin-name order
    claimed: dict[str, list[Department]] = {}
    files = iter_document_files(paths)
    declared = config.host.call_each("jointcheck_department") if config.host else []
    parsed = prefetch([Path(v) for _p, v in declared if isinstance(v, str | Path)] + files)
    if config.host is not None:
        for plugin, value in declared:
            dept = _department_from_hook(config, plugin, value, parsed)
            if dept is not None:
                claimed.setdefault(dept.code, []).append(dept)
    for code, depts in claimed.items():
        # a built-in department keeps its code, else the first plugin by name: loading
        # order never decides; the others are left out
        depts.sort(key=lambda d: not _builtin(config, d.source.plugin))
        config.departments[code] = depts[0]
        if len(depts) > 1:
            sources = ", ".join(f"{d.source.plugin} ({d.source.file})" for d in depts)
            for d in depts[1:]:
                assert d.source.plugin is not None
                config.plugin_failed(d.source.plugin, [config.at(
                    d.source.file, ("department", "code"), "JC306", plugin=d.source.plugin,
                    department=code, sources=sources)])

    # files named on the command line
    plugin_files = {str(Path(d.source.file).resolve()) for ds in claimed.values() for d in ds
                    if d.source.file}
    given: dict[str, Department] = {}
    for path in files:
        if str(path.resolve()) in plugin_files:
            continue  # an installed plugin's own declaration, already loaded
        doc, probs = _read(path, parsed=parsed)
        config.add(probs)
        if doc is None:
            continue
        config.documents[doc.file] = doc
        kind = detect_kind(doc)
        if kind == "department":
            dept, probs = parse_department(doc)
            config.add(probs)
            if dept is None:
                continue
            if dept.code in given:
                config.add([doc.problem("JC306", ("department", "code"), department=dept.code,
                                        sources=f"{given[dept.code].source.file}, {doc.file}")])
                continue
            if dept.code in config.departments:
                old = config.departments[dept.code]
                config.add([dataclasses.replace(
                    doc.problem("JC306", ("department", "code"), department=dept.code,
                                sources=f"{old.source.plugin} ({old.source.file}), {doc.file}"),
                    severity="warning")])
            given[dept.code] = dept
            config.departments[dept.code] = dept
        elif kind == "campaign":
            campaign, probs = parse_campaign(doc)
            config.add(probs)
            if campaign:
                config.campaigns.append(campaign)
        elif kind == "policy":
            policy, probs = parse_policy(doc)
            config.add(probs)
            if policy:
                config.policies[policy.id] = policy
        elif kind == "findings":
            continue  # findings are checked by `jointcheck classify`
        else:
            config.add([doc.problem("JC106", expected="department, campaign, policy")])

    _leave_out_failing_plugins(config)
    config.add(cross_check(config))
    return config


def _builtin(config: Configuration, plugin: str | None) -> bool:
    info = config.host.infos.get(plugin or "") if config.host is not None else None
    return bool(info and info.builtin)


def _leave_out_failing_plugins(config: Configuration) -> None:
    """Leave out every installed plugin whose declaration has cross-document errors
    (duplicate item ids, referrals to unknown departments, no legal basis, unknown
    dispositions...), again until none is left: leaving one out can break another's
    referral."""
    if config.host is None:
        return
    while True:
        by_plugin: dict[str, list[Problem]] = {}
        for p in cross_check(config, leaving_out=True):
            if p.plugin and p.is_error and p.plugin in config.host.infos:
                by_plugin.setdefault(p.plugin, []).append(p)
        if not by_plugin:
            return
        for plugin, problems in sorted(by_plugin.items()):
            config.plugin_failed(plugin, problems, [
                code for code, d in config.departments.items() if d.source.plugin == plugin])


def _department_from_hook(config: Configuration, plugin: str, value: Any,
                          parsed: dict[Path, Document] | None = None) -> Department | None:
    if value is None:
        return None
    if isinstance(value, str | Path):
        doc, probs = _read(Path(value), parsed=parsed)
        if doc is None:
            config.plugin_failed(plugin, probs)
            return None
    elif isinstance(value, Mapping):
        info = config.host.infos.get(plugin) if config.host else None
        doc = Document(data=dict(value), file=(info.file if info else None) or f"<{plugin}>")
    else:
        config.plugin_failed(plugin, [problem("JC404", plugin=plugin, hook="jointcheck_department",
                                              detail=type(value).__name__)])
        return None
    config.documents[doc.file] = doc
    dept, probs = parse_department(doc, plugin=plugin)
    if probs:
        declared = doc.data.get("department") if isinstance(doc.data, Mapping) else None
        code = declared.get("code") if isinstance(declared, Mapping) else None
        config.plugin_failed(plugin, [problem("JC403", file=doc.file, plugin=plugin)] + probs,
                             [code] if isinstance(code, str) else [])
    if dept is not None and config.host is not None and plugin in config.host.infos:
        config.host.infos[plugin].departments.append((dept.code, dept.name, len(dept.items)))
    return dept


# -- cross-document checks -----------------------------------------------------------------

def cross_check(config: Configuration, *, leaving_out: bool = False) -> list[Problem]:
    """The checks across documents. *leaving_out*: only what leaves an installed plugin
    out (its departments' problems), without the campaigns' and the scaffold's
    placeholders (warnings, looked for once, in the last pass)."""
    problems: list[Problem] = []
    known = config.departments
    attributes = known_attributes(known.values())
    default = config.policies.get(DEFAULT_POLICY_ID)
    for dept in known.values():
        plugin = dept.source.plugin
        problems.extend(_edition_problems(config, dept))
        if not leaving_out:
            problems.extend(placeholder_problems(config, dept))
        seen: dict[str, Item] = {}
        for item in dept.items:
            file, i = item.source.file, item.declared_index
            problems.extend(condition_problems(
                item.applicability, attributes,
                lambda sub, code, file=file, i=i, plugin=plugin, **kw: config.at(
                    file, ("items", i, "applicability") + sub, code, plugin=plugin, **kw)))
            if item.id in seen:
                problems.append(config.at(file, ("items", i, "id"), "JC301", plugin=plugin,
                                          item=item.id, other=f"{file}:{seen[item.id].source.line}"))
            else:
                seen[item.id] = item
            if not item.legal_basis.get("duty") and not item.legal_basis.get("penalty"):
                problems.append(config.at(file, ("items", i), "JC305", plugin=plugin,
                                          item=item.key))
            refer = item.noncompliance.get("refer_to")
            if refer and refer not in known:
                problems.append(config.at(file, ("items", i, "noncompliance", "refer_to"),
                                          "JC304", plugin=plugin, department=refer,
                                          hint=did_you_mean(refer, list(known))))
            for j, ref in enumerate(item.data.get("related", [])):
                d, _sep, other = ref.partition(".")
                if d in known and not any(x.id == other for x in known[d].items):
                    problems.append(config.at(file, ("items", i, "related", j), "JC307",
                                              plugin=plugin, ref=ref))
            if default is not None:
                problems.extend(_item_policy_problems(config, item, default))
    for campaign in () if leaving_out else config.campaigns:
        problems.extend(_campaign_problems(config, campaign))
        problems.extend(condition_problems(
            (campaign.data.get("scope") or {}).get("filter"), attributes,
            lambda sub, code, file=campaign.source.file, **kw: config.at(
                file, ("campaign", "scope", "filter") + sub, code, **kw)))
    return problems


def placeholder_problems(config: Configuration, dept: Department) -> list[Problem]:
    """JC322 (warning): what the scaffold left to replace — a ``待替换`` law or edition (one
    warning per citation or edition), the example item's ``（示例）`` title."""
    if not _may_hold_placeholders(dept.data):
        return []  # the usual case, found without building a path per node
    out = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, Mapping):
            left = [v for v in node.values() if isinstance(v, str)
                    and v.startswith(PLACEHOLDER_PREFIX)]
            if left:
                out.append(dataclasses.replace(config.at(
                    dept.source.file, path, "JC322", plugin=dept.source.plugin, value=left[0]),
                    severity="warning"))
            if len(path) == 2 and path[0] == "items":
                title = node.get("title")
                if isinstance(title, str) and title.startswith(EXAMPLE_TITLE_PREFIX):
                    out.append(dataclasses.replace(config.at(
                        dept.source.file, path + ("title",), "JC322", plugin=dept.source.plugin,
                        value=title), severity="warning"))
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))

    walk(dept.data, ())
    return out


_PLACEHOLDERS = (PLACEHOLDER_PREFIX, EXAMPLE_TITLE_PREFIX)


def _may_hold_placeholders(data: Any) -> bool:
    """Whether a string in *data* may start with a placeholder. Every string is written in
    UTF-8 into *data* marshalled (in C, many times faster than a walk in Python), so where
    neither prefix is found there, no string starts with one."""
    try:
        raw = marshal.dumps(data)
    except ValueError:  # a value marshal cannot write (from a plugin's hook): walk it
        return any(s.startswith(_PLACEHOLDERS) for s in _strings(data))
    return any(prefix in raw for prefix in _PLACEHOLDER_BYTES)


_PLACEHOLDER_BYTES = tuple(p.encode() for p in _PLACEHOLDERS)


def _strings(node: Any) -> Iterator[str]:
    """Every string in a parsed document (mappings' values, lists' elements)."""
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _edition_problems(config: Configuration, dept: Department) -> list[Problem]:
    """JC321: an edition in force "to" a day before it came into force."""
    out = []
    for i, e in enumerate(declared_editions(dept.data)):
        if e.start and e.end and e.end < e.start:
            out.append(config.at(dept.source.file, ("editions", i, "in_force", "to"), "JC321",
                                 plugin=dept.source.plugin, law=e.law, edition=e.edition,
                                 start=e.start, end=e.end))
    return out


def _item_policy_problems(config: Configuration, item: Item, policy: Policy) -> list[Problem]:
    out = []
    file, i, plugin = item.source.file, item.declared_index, item.source.plugin
    if item.declared_result not in policy.results:
        out.append(config.at(file, ("items", i, "noncompliance", "result"), "JC309",
                             plugin=plugin, result=item.declared_result))
    for j, d in enumerate(item.dispositions):
        if d not in policy.dispositions:
            out.append(config.at(file, ("items", i, "noncompliance", "dispositions", j),
                                 "JC310", plugin=plugin, disposition=d))
    return out


def _campaign_problems(config: Configuration, campaign: Campaign) -> list[Problem]:
    file = campaign.source.file
    data = campaign.data
    known = config.departments
    out = []

    def unknown(path: tuple[Any, ...], code: str, at_key: bool = False) -> None:
        if code in known:
            return
        hint = did_you_mean(code, list(known))
        if code in config.left_out:
            hint = _("left_out", plugin=config.left_out[code])
        elif config.host is not None and getattr(config.host.infos.get(code), "disabled", False):
            hint = _("disabled", plugin=code)  # a plugin is usually named after its code
        out.append(config.at(file, ("campaign",) + path, "JC302", at_key=at_key,
                             department=code, hint=hint))

    for i, code in enumerate(campaign.departments):
        unknown(("departments", i), code)
    unknown(("lead_department",), campaign.lead_department)
    if campaign.lead_department not in campaign.departments:
        out.append(config.at(file, ("campaign", "lead_department"), "JC308",
                             department=campaign.lead_department))
    leader = (data.get("team") or {}).get("leader_from")
    if leader:
        unknown(("team", "leader_from"), leader)
    for code, spec in (data.get("officers") or {}).items():
        unknown(("officers", code), code, at_key=True)
        count = (spec or {}).get("count", 2)
        if count < 2:
            out.append(config.at(file, ("campaign", "officers", code, "count"), "JC313",
                                 department=code, count=count))
    for code, sel in (data.get("selection") or {}).items():
        unknown(("selection", code), code, at_key=True)
        if code not in known:
            continue
        ids = {item.id for item in known[code].items}
        for key in ("include", "exclude"):
            values = sel.get(key)
            if not isinstance(values, list):
                continue
            for j, item_id in enumerate(values):
                if item_id not in ids:
                    out.append(config.at(file, ("campaign", "selection", code, key, j), "JC303",
                                         department=code, item=item_id,
                                         hint=did_you_mean(item_id, sorted(ids))))
    ref = campaign.policy_ref
    if ref not in config.policies and not _policy_path(campaign).is_file():
        out.append(config.at(file, ("campaign", "policy"), "JC311", policy=ref))
    period = data.get("period")
    if period:
        try:
            start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
        except ValueError as exc:
            out.append(config.at(file, ("campaign", "period"), "JC205",
                                 value=f"{period['start']}..{period['end']}", detail=str(exc)))
        else:
            if end < start:
                out.append(config.at(file, ("campaign", "period", "end"), "JC312",
                                     start=start, end=end))
    return out


def _policy_path(campaign: Campaign) -> Path:
    base = Path(campaign.source.file).parent if campaign.source.file else Path.cwd()
    return base / campaign.policy_ref


def policy_for(config: Configuration, campaign: Campaign | None) -> Policy:
    """The classification policy a campaign names (the default one without a campaign)."""
    ref = campaign.policy_ref if campaign else DEFAULT_POLICY_ID
    if ref in config.policies:
        return config.policies[ref]
    assert campaign is not None
    doc = load_file(_policy_path(campaign))
    config.documents[doc.file] = doc
    policy, problems = parse_policy(doc)
    if problems or policy is None:
        raise ConfigError(problems)
    config.policies[ref] = policy
    return policy
