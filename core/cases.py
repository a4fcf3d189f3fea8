"""A department plugin's own test cases (``jointcheck plugin test``), run through the real
classification with the plugin's hooks loaded.

A case is a YAML file under the plugin's ``tests/cases/`` (schema ``case``): ``findings:``
(one enterprise's findings, schema ``findings``) and ``expect:`` — per department code its
``result`` (抽查结果 1–8) and, optionally, ``dispositions`` (处理结果), ``referrals`` (the
receiving department of each problem its items refer) and ``overridden_by`` (the plugin
whose hook decided the result). The joint checklist of a case is made of the departments
it names (``departments:``, else those its findings answer for, else those of
``expect``), merged as a campaign would merge them, with the default policy.

This module returns data (outcomes with their expected and actual values, and located
problems); the wording is the command's. :func:`check_case` is the pytest helper: it raises
``AssertionError`` with the same expected-versus-actual lines.
"""

from __future__ import annotations

import dataclasses
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .classify import check_findings, classify
from .config import load_configuration
from .errors import ConfigError, Problem, problem, register
from .merge import merge
from .model import Campaign, Source
from .plugins import load_plugins
from .records.service import problems_of
from .schema_check import validate_document
from .yamlload import Document, load_file

if TYPE_CHECKING:  # pragma: no cover
    from .config import Configuration
    from .plugins import PluginHost

CASES_DIR = Path("tests") / "cases"
FIELDS = ("result", "dispositions", "referrals", "overridden_by")

register({
    "JC410": ("没有找到测试用例：{folder} 下没有 .yaml 文件", "no test cases: there is no .yaml file under {folder}"),
    "JC411": ("测试用例引用了没有加载的部门“{department}”",
              "the case names department '{department}', which no loaded plugin declares"),
}, {
    "JC410": ("请在插件的 tests/cases/ 下写测试用例（见 docs/plugin-guide.md“测试用例”一节），"
              "或给出插件目录：jointcheck plugin test 目录。",
              "Please write cases under the plugin's tests/cases/ (docs/plugin-guide.md, "
              "'Test cases'), or name the plugin's folder: jointcheck plugin test DIR."),
    "JC411": ("请安装声明该部门的插件（pip install -e 插件目录），或改正部门代码。",
              "Please install the plugin that declares it (pip install -e DIR), or correct "
              "the code."),
})


@dataclass
class Mismatch:
    """One expectation a case did not meet."""

    department: str
    field: str  # result | dispositions | referrals | overridden_by
    expected: Any
    actual: Any


@dataclass
class CaseOutcome:
    """What running one case gave: passed, or its mismatches, or the problems that kept it
    from running (an invalid case, findings the checklist refuses, a hook that raised)."""

    file: Path
    mismatches: list[Mismatch] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    actual: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.mismatches and not any(p.is_error for p in self.problems)

    @property
    def name(self) -> str:
        return self.file.name

    def to_json(self) -> dict[str, Any]:
        return {"case": self.name, "file": str(self.file), "passed": self.passed,
                "mismatches": [dataclasses.asdict(m) for m in self.mismatches],
                "problems": [p.to_json() for p in self.problems], "actual": self.actual}


@dataclass
class CaseRun:
    """What ``jointcheck plugin test`` found: each case's outcome, or the problems that
    kept every case from running (no case; the configuration's errors)."""

    outcomes: list[CaseOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def passed(self) -> bool:
        return not self.problems and not self.failed

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "problems": [p.to_json() for p in self.problems],
                "cases": [o.to_json() for o in self.outcomes]}


def cases_dir(directory: str | Path) -> Path:
    """Where a plugin's cases are: *directory*/tests/cases (or *directory* itself when it
    holds the cases)."""
    root = Path(directory)
    return root / CASES_DIR if (root / CASES_DIR).is_dir() else root


def case_files(directory: str | Path) -> list[Path]:
    """The case files of a plugin folder (or of a cases folder), sorted by name."""
    where = cases_dir(directory)
    return sorted(p for p in where.glob("*.y*ml") if p.is_file())


def plugin_root(start: str | Path) -> Path | None:
    """The plugin package folder at or above *start* (the one with a ``pyproject.toml``)."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def _declared_entry_points(root: Path) -> dict[str, str]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return dict(((project.get("project") or {}).get("entry-points") or {}).get("jointcheck") or {})


def load_host(root: Path | None = None) -> PluginHost:
    """The installed plugins, plus the plugins a package folder *root* declares and that are
    not installed (imported from *root*, as ``pip install -e`` would make them)."""
    host: PluginHost = load_plugins()
    if root is None:
        return host
    for name, module in sorted(_declared_entry_points(root).items()):
        if name in host.infos:  # installed (pip install -e DIR): as installed
            continue
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        host.load_module(name, module.partition(":")[0])
    return host


def load_config(host: PluginHost) -> Configuration:
    """The configuration with *host*'s plugins, their declaration errors as errors (as
    ``jointcheck validate`` reports them)."""
    return load_configuration(host=host, validating=True)


def _part(doc: Document, key: str) -> Document:
    """The document under *key* of *doc*, located in the same file."""
    return Document(data=doc.data[key], file=doc.file,
                    positions={p[1:]: v for p, v in doc.positions.items() if p[:1] == (key,)},
                    key_positions={p[1:]: v for p, v in doc.key_positions.items()
                                   if p[:1] == (key,)})


def run_case(path: str | Path, config: Configuration) -> CaseOutcome:
    """Run one case file against *config* (and its plugin host)."""
    path = Path(path)
    outcome = CaseOutcome(file=path)
    try:
        doc = load_file(path)
    except ConfigError as exc:
        outcome.problems = exc.problems
        return outcome
    outcome.problems = validate_document(doc, "case")
    if outcome.problems:
        return outcome
    data = doc.data
    findings = data["findings"]
    codes = list(data.get("departments") or findings.get("departments") or data["expect"])
    def where(code: str) -> tuple[tuple[Any, ...], bool]:
        if data.get("departments"):
            return ("departments", codes.index(code)), False
        if findings.get("departments"):
            return ("findings", "departments", code), True
        return ("expect", code), True

    outcome.problems = [doc.problem("JC411", where(c)[0], at_key=where(c)[1], department=c)
                        for c in codes if c not in config.departments]
    if outcome.problems:
        return outcome
    campaign = Campaign(data={"id": f"case-{path.stem}", "kind": "plugin-test",
                              "title": data.get("description") or path.stem,
                              "departments": codes, "lead_department": codes[0],
                              "sample": {"count": 1}},
                        source=Source(None, doc.file, None))
    checklist = merge(config, campaign)
    part = _part(doc, "findings")
    found = check_findings(part, checklist, config.host)
    outcome.problems = [dataclasses.replace(p, path="/findings" + p.path) for p in found]
    if any(p.is_error for p in outcome.problems):
        return outcome
    result = classify(findings, checklist, config.host)
    if result.problems:
        outcome.problems.extend(result.problems)
        return outcome
    results = result.to_json()
    referred: dict[str, list[str]] = {}
    for p in problems_of(checklist, findings, results):
        if not p["corrected_on_site"]:
            referred.setdefault(p["department"], []).append(p["refer_to"])
    for code, dept in result.departments.items():
        outcome.actual[code] = {"result": dept.code, "dispositions": sorted(dept.dispositions),
                                "referrals": sorted(referred.get(code, [])),
                                "overridden_by": dept.overridden_by,
                                "overridden_from": dept.overridden_from}
    for code, expected in data["expect"].items():
        actual = outcome.actual.get(code)
        if actual is None:  # a department the case's checklist does not have
            outcome.problems.append(doc.problem("JC411", ("expect", code), at_key=True,
                                                department=code))
            continue
        for name in FIELDS:
            if name not in expected:
                continue
            want = expected[name]
            if isinstance(want, list):
                want = sorted(want)
            if want != actual[name]:
                outcome.mismatches.append(Mismatch(code, name, want, actual[name]))
    return outcome


def run_cases(directory: str | Path, *, host: PluginHost | None = None) -> CaseRun:
    """Run every case of the plugin folder *directory*."""
    files = case_files(directory)
    if not files:
        folder = str(cases_dir(directory))
        return CaseRun(problems=[problem("JC410", file=folder, folder=folder)])
    host = host if host is not None else load_host(plugin_root(directory))
    config = load_config(host)
    if config.errors:
        return CaseRun(problems=config.errors)
    return CaseRun(outcomes=[run_case(f, config) for f in files])


def describe(outcome: CaseOutcome) -> list[str]:
    """Plain expected-versus-actual lines (English: the pytest helper's message)."""
    lines = [p.format(lang="en") for p in outcome.problems if p.is_error]
    lines += [f"{m.department}.{m.field}: expected {m.expected!r}, got {m.actual!r}"
              for m in outcome.mismatches]
    return lines


_CONFIGS: dict[Path | None, Configuration] = {}


def check_case(path: str | Path) -> None:
    """The pytest helper: run the case file *path* (with the installed plugins, plus the
    plugin package it belongs to when that is not installed) and raise ``AssertionError``
    naming each expectation it did not meet, with expected and actual::

        import pytest
        from jointcheck.core.cases import case_files, check_case

        @pytest.mark.parametrize("case", case_files(Path(__file__).parent), ids=str)
        def test_case(case):
            check_case(case)
    """
    root = plugin_root(Path(path).parent)
    config = _CONFIGS.get(root)
    if config is None:
        config = _CONFIGS[root] = load_config(load_host(root))
    if config.errors:
        raise AssertionError("\n".join(p.format(lang="en") for p in config.errors))
    outcome = run_case(path, config)
    if not outcome.passed:
        raise AssertionError(f"{outcome.name}:\n  " + "\n  ".join(describe(outcome)))
