"""Legal basis is reference material of the plugins, and cites the law in force (issue 8).

The 实施方案 cites no legal basis (docs/architecture.md#domain-checklist): every output that shows the plugins'
legal basis, groups or guidance says so, and names each law's edition; a campaign's
checklist cites the edition in force on its first day.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from jointcheck.core.cli import main
from jointcheck.core.yamlload import load_file
from jointcheck.examples import example_path

ROOT = Path(__file__).resolve().parent.parent
LABEL = "法律依据（参考，非实施方案原文）"
NOTE = "不是实施方案原文"


def _shipped_yaml() -> list[Path]:
    found = [p for folder in ("core", "plugins", "examples")
             for p in (ROOT / folder).rglob("*.yaml")]
    found += list((ROOT / "core" / "scaffold" / "templates").glob("*.yaml.tmpl"))
    return sorted(found)


def _citations(node, path=()):
    """Every mapping that names a law (a citation or an edition), with where it is."""
    if isinstance(node, dict):
        if "law" in node:
            yield path, node
        for k, v in node.items():
            yield from _citations(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _citations(v, path + (i,))


def test_the_shipped_yaml_files_are_found():
    names = {p.name for p in _shipped_yaml()}
    assert {"department.yaml", "hebi-2020-industrial-safety.yaml", "default-policy.yaml",
            "department.yaml.tmpl"} <= names


@pytest.mark.parametrize("path", _shipped_yaml(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_legal_basis_names_its_edition(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".tmpl":  # the scaffold's placeholders are not YAML yet
        text = re.sub(r"\$\w+", "x", text)
    data = yaml.safe_load(text)
    found = list(_citations(data))
    missing = [p for p, c in found if not str(c.get("edition") or "").strip()]
    assert missing == [], f"{path}: citations without an edition at {missing}"
    if isinstance(data, dict) and "department" in data and "editions" in data:
        declared = {(e["law"], e["edition"]) for e in data["editions"]}
        undeclared = [p for p, c in found if "article" in c
                      and (c["law"], c["edition"]) not in declared]
        assert undeclared == [], f"{path}: editions not declared under editions: {undeclared}"


def _campaign(tmp_path: Path, start: str, end: str) -> Path:
    text = example_path().read_text(encoding="utf-8")
    text = text.replace("start: 2020-07-01", f"start: {start}").replace(
        "end: 2020-07-31", f"end: {end}")
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", ["table", "json", "yaml", "markdown"])
def test_every_checklist_format_labels_the_reference_material_and_its_edition(fmt):
    out = _run("checklist", "--format", fmt)
    if fmt in ("json", "yaml"):
        data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
        ref = data["reference"]
        assert ref["fields"]["legal_basis"] == LABEL
        assert NOTE in ref["note"]
        assert ref["as_of"] == "2020-07-01"
        assert {(e["law"], e["edition"]) for e in ref["editions"]} == {
            ("中华人民共和国安全生产法", "2014年修正"), ("中华人民共和国特种设备安全法", "2013"),
            ("特种设备安全监察条例", "2009年修订")}
        # the items cite the edition in force in July 2020 only
        editions = {c["edition"] for i in data["items"] for kind in ("duty", "penalty")
                    for c in i["legal_basis"].get(kind, [])
                    if c["law"] == "中华人民共和国安全生产法"}
        assert editions == {"2014年修正"}
    else:
        assert NOTE in out
        assert "按抽查开始日（2020-07-01）施行的版本引用" in out
        assert "《中华人民共和国安全生产法》（2014年修正，2014-12-01至2021-08-31施行）" in out
    if fmt == "markdown":
        assert out.count(LABEL) == 12  # one per item
        assert out.count("检查指引（参考，非实施方案原文）") == 12
        assert "《中华人民共和国安全生产法》（2014年修正）第三十八条" in out
        assert "2021年修正" not in out
        # an article not checked against the 2014 text says so
        assert "第九十六条第二项（条文未核实）" in out


def test_labels_follow_the_interface_language():
    out = _run("--lang", "en", "checklist", "--format", "markdown")
    assert "Legal basis (reference, not in the 实施方案)" in out
    assert "Citations follow the editions in force on the campaign's first day (2020-07-01)" in out


def test_a_later_campaign_cites_the_2021_text(tmp_path):
    path = _campaign(tmp_path, "2022-03-01", "2022-03-31")
    data = json.loads(_run("checklist", str(path), "--format", "json"))
    first = data["items"][0]
    assert first["id"] == "risk_control"
    assert [(c["edition"], c["article"]) for c in first["legal_basis"]["duty"]] == [
        ("2021年修正", "第四十一条"), ("2021年修正", "第四条"), ("2021年修正", "第二十一条")]
    assert data["reference"]["as_of"] == "2022-03-01"
    assert ("中华人民共和国安全生产法", "2021年修正") in {
        (e["law"], e["edition"]) for e in data["reference"]["editions"]}


def test_a_campaign_across_the_change_of_edition_cites_its_first_days_and_says_so(tmp_path):
    path = _campaign(tmp_path, "2021-08-16", "2021-09-15")
    md = _run("checklist", str(path), "--format", "markdown")
    assert "（2014年修正）第三十八条" in md and "（2021年修正）第" not in md
    assert "抽查期间自2021-09-01起施行2021年修正，本表仍按开始日引用" in md
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    assert json.loads(result.stdout)["warnings"] == []  # both days fall in a declared edition


def test_validate_warns_when_a_campaign_falls_outside_every_declared_edition(tmp_path):
    path = _campaign(tmp_path, "2014-07-01", "2014-07-31")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output  # a warning, not an error
    warnings = json.loads(result.stdout)["warnings"]
    jc320 = [w for w in warnings if w["code"] == "JC320"]
    assert len(jc320) == 1
    w = jc320[0]
    assert "中华人民共和国安全生产法" in w["message"] and "emergency_mgmt" in w["message"]
    assert w["path"] == "/campaign/period/start"
    assert w["line"] == _line_of(path, "start: 2014-07-01")
    # the checklist then cites every declared edition rather than dropping any
    md = _run("checklist", str(path), "--format", "markdown")
    assert "2014-07-01 无已声明的施行版本" in md
    assert "（2014年修正）第三十八条" in md and "（2021年修正）第四十一条" in md


def test_the_shipped_example_raises_no_edition_warning():
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(example_path())])
    assert "JC320" not in result.stdout


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_an_edition_in_force_to_before_its_start_is_a_located_error(tmp_path):
    from jointcheck.plugins import emergency_mgmt

    source = Path(emergency_mgmt.jointcheck_department()).read_text(encoding="utf-8")
    bad = source.replace("in_force: {from: 2021-09-01}",
                         "in_force: {from: 2021-09-01, to: 2021-01-01}")
    path = tmp_path / "department.yaml"
    path.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(path)])
    found = json.loads(result.stdout)
    jc321 = [p for p in found["errors"] + found["warnings"] if p["code"] == "JC321"]
    assert len(jc321) == 1
    assert jc321[0]["path"] == "/editions/1/in_force/to"
    assert jc321[0]["line"] == _line_of(path, "to: 2021-01-01")


def test_the_declared_editions_parse_as_dates():
    from jointcheck.core.legal import declared_editions, edition_in_force
    from jointcheck.plugins import emergency_mgmt

    data = load_file(Path(emergency_mgmt.jointcheck_department())).data
    editions = declared_editions(data)
    law = "中华人民共和国安全生产法"
    assert edition_in_force(editions, law, date(2021, 8, 31)).edition == "2014年修正"
    assert edition_in_force(editions, law, date(2021, 9, 1)).edition == "2021年修正"
    assert edition_in_force(editions, law, date(2014, 11, 30)) is None


def test_the_apps_legal_panel_is_labelled_cites_the_edition_in_force_and_lists_methods():
    import dataclasses

    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.present.inspection import legal_sections

    opened = open_campaign()
    checklist = opened.checklist
    item = next(i for i in checklist.items if i.id == "equipment_maintenance")
    item = dataclasses.replace(item, data={**item.data, "method": ["实地检查", "其他检查方式"]})
    sections = dict(legal_sections(item, checklist))
    assert sections[LABEL] == "《中华人民共和国安全生产法》（2014年修正）第三十三条第二款"
    assert "第九十六条第二项（条文未核实）" in sections["处罚依据（参考，非实施方案原文）"]
    assert "检查指引（参考，非实施方案原文）" in sections
    assert "检查方法：实地检查、其他检查方式" in sections
