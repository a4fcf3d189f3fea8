"""A third-party department plugin as its author writes it (市消防救援支队: items, a target
attribute, a referral rule, a classify hook), for the department authors' kit tests: as
files of a pip-installable package (``write_package``) or 'installed' into a test site
(``install_fire``, tests/distutil.py), and a three-department campaign using it."""

from __future__ import annotations

from pathlib import Path

import yaml

CODE = "fire_safety"
MODULE = "jointcheck_fire_safety"

DEPARTMENT_YAML = """\
schema_version: 1
department:
  code: fire_safety
  name: 市消防救援支队
  full_name: 鹤壁市消防救援支队
attributes:
  - {name: fire_key_unit, type: boolean, label: 消防安全重点单位, aliases: [是否消防安全重点单位]}
items:
  - id: fire_facilities
    title: 消防设施、器材是否完好有效
    legal_basis:
      duty: [{law: 中华人民共和国消防法, article: 第十六条}]
    noncompliance: {dispositions: [责令改正, 立案处理], refer_to: fire_safety}
  - id: fire_exits
    title: 安全出口、疏散通道是否畅通
    applicability: {attribute: fire_key_unit, equals: true}
    legal_basis:
      duty: [{law: 中华人民共和国消防法, article: 第二十八条}]
    noncompliance: {dispositions: [责令改正], refer_to: fire_safety}
"""

# the module: its declaration (DECLARES), then its classify hook
DECLARES = """\
from pathlib import Path

from jointcheck.core.hookspecs import hookimpl
from jointcheck.core.model import DepartmentResult


@hookimpl
def jointcheck_department():
    return Path(__file__).with_name("department.yaml")
"""
PLUGIN = DECLARES + """

@hookimpl
def jointcheck_classify_department(department, findings, default):
    # a 消防安全重点单位 with a problem is followed up even when corrected on the spot
    if department == "fire_safety" and findings.target.get("fire_key_unit") and default.code == 5:
        return DepartmentResult(8, "", default.dispositions)
    return None
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "jointcheck-fire-safety"
version = "0.1.0"

[project.entry-points.jointcheck]
fire_safety = "jointcheck_fire_safety"

[tool.setuptools]
packages = ["jointcheck_fire_safety"]

[tool.setuptools.package-data]
jointcheck_fire_safety = ["department.yaml"]
"""

CASE = """\
description: 消防安全重点单位的问题即使当场整改，也待后续处理
findings:
  outcome: inspected
  target: {fire_key_unit: true}
  departments:
    fire_safety:
      items:
        fire_facilities: {result: noncompliant, corrected_on_site: true}
        fire_exits: {result: compliant}
expect:
  fire_safety:
    result: 8
    dispositions: [责令改正]
    referrals: [fire_safety]
    overridden_by: fire_safety
"""

CAMPAIGN_ID = "kit-2020-fire"


def write_package(root: Path, department_yaml: str = DEPARTMENT_YAML) -> Path:
    """The plugin as its own package folder (pyproject, module, declaration, one case)."""
    files = {"pyproject.toml": PYPROJECT, f"{MODULE}/__init__.py": PLUGIN,
             f"{MODULE}/department.yaml": department_yaml,
             "tests/cases/key_unit_escalated.yaml": CASE}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def install_fire(site: Path, plugin: str = PLUGIN,
                 department_yaml: str = DEPARTMENT_YAML) -> None:
    """'pip install' the plugin (or another *plugin* module, *department_yaml*) into a test
    site (tests/distutil.py)."""
    from distutil import make_dist

    module = "jc_fire_safety"  # jc_*: forgotten after each test (conftest.py's site)
    make_dist(site, "jointcheck-fire-safety", {CODE: module},
              {f"{module}/__init__.py": plugin, f"{module}/department.yaml": department_yaml})


def write_campaign(tmp_path: Path, count: int = 3, *, key_units_only: bool = False) -> Path:
    """The example campaign with 市消防救援支队 as a third department (its officers must
    hold 消防监督检查), drawing *count* enterprises (*key_units_only*: only
    消防安全重点单位, a scope filter on the plugin's attribute)."""
    from jointcheck.examples import example_path

    data = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    c = data["campaign"]
    c["id"] = CAMPAIGN_ID
    c["departments"] = ["emergency_mgmt", "market_supervision", CODE]
    c["sample"] = {"count": count}
    c.setdefault("officers", {})[CODE] = {"count": 2, "qualifications": ["消防监督检查"]}
    if key_units_only:
        c["scope"]["filter"]["all"].append({"attribute": "fire_key_unit", "equals": True})
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
