"""Every configuration error code, located at file:line:column, with a hint where useful."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from jointcheck.core.cli import main
from jointcheck.core.config import load_configuration
from jointcheck.core.errors import CODES, ConfigError
from jointcheck.core.i18n import set_lang
from jointcheck.core.yamlload import load_file, loads

GOOD_ITEM = """\
  - id: first
    title: 第一项
    legal_basis:
      duty: [{law: 中华人民共和国安全生产法, article: 第四条}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes_at(config, name: str) -> list[tuple[str, int | None, int | None]]:
    return [(p.code, p.line, p.column) for p in config.problems if p.file and p.file.endswith(name)]


def dept(code: str = "fire", items: str = GOOD_ITEM) -> str:
    return f"department:\n  code: {code}\n  name: 消防救援支队\nitems:\n{items}"


# -- JC1xx: files and YAML ---------------------------------------------------------------

def test_yaml_syntax_error_is_located():
    with pytest.raises(ConfigError) as exc:
        loads("department:\n  code: [a\n", "d.yaml")
    (p,) = exc.value.problems
    assert (p.code, p.file, p.line, p.column) == ("JC101", "d.yaml", 2, 9)  # where "[" opens
    assert p.hint


def _syntax(text: str):
    with pytest.raises(ConfigError) as exc:
        loads(text, "d.yaml")
    (p,) = exc.value.problems
    assert p.code == "JC101"
    return p


# (YAML text, line and column of the cause, words of the Chinese message, of the hint)
SYNTAX_SLIPS = {
    # the quote opens on line 2 and is never closed: PyYAML reports the end of the file
    "unclosed quote": ('campaign:\n  id: "abc\n  kind: x\n  title: y\n', (2, 7), "引号没有闭合", '"'),
    "unclosed single quote": ("a: 'abc\nb: 1\n", (1, 4), "引号没有闭合", "'"),
    # the line without a colon is line 3: PyYAML reports line 4
    "missing colon": ("campaign:\n  id: abc\n  kind x\n  title: y\n", (3, 3), "缺少冒号", "method: 实地检查"),
    "full-width colon": ("campaign:\n  id: abc\n  method：实地检查\n", (3, 3), "全角冒号", "半角冒号"),
    "full-width colon on a mapping key": ("campaign：\n  id: a\n", (1, 1), "全角冒号", "半角冒号"),
    "tab": ("campaign:\n\tid: abc\n", (2, 1), "制表符", "空格"),
    "tab after spaces": ("campaign:\n  id: abc\n\tx: 1\n", (3, 1), "制表符", "空格"),
    "value with colon": ("a: b: c\n", (1, 5), "不能出现", "引号"),
    "bad indentation": ("a:\n  b: 1\n c: 2\n", (3, 2), "缩进不一致", "缩进"),
}


@pytest.mark.parametrize("slip", list(SYNTAX_SLIPS))
def test_yaml_slips_point_at_the_cause_in_chinese(slip):
    text, where, message, hint = SYNTAX_SLIPS[slip]
    p = _syntax(text)
    assert (p.line, p.column) == where
    assert message in p.message and hint in p.hint
    assert "while scanning" not in p.message and "found" not in p.message


def test_yaml_slips_in_english():
    set_lang("en")
    colon = _syntax("campaign:\n  id: abc\n  method：实地检查\n")
    tab = _syntax("campaign:\n\tid: abc\n")
    assert (colon.line, colon.column) == (3, 3)
    assert "full-width colon" in colon.message and "':'" in colon.hint
    assert "tab" in tab.message and "spaces" in tab.hint


def test_full_width_colon_read_as_a_string_gets_a_hint(tmp_path):
    path = write(tmp_path, "c.yaml", "campaign:\n  method：实地检查\n")
    config = load_configuration([path], plugins=False)
    (p,) = [p for p in config.problems if p.code == "JC203"]
    assert "全角冒号" in p.hint


def test_one_error_per_missing_key(tmp_path):
    campaign = write(tmp_path, "c.yaml", "campaign:\n  id: abc\n  kind: x\n  title: y\n")
    policy = write(tmp_path, "p.yaml", "policy:\n  id: p\n")
    config = load_configuration([campaign, policy], plugins=False)
    missing = sorted((Path(p.file).name, p.message) for p in config.problems if p.code == "JC202")
    assert missing == sorted(
        [("c.yaml", f"缺少必填的键“{k}”") for k in ("lead_department", "departments", "sample")]
        + [("p.yaml", f"缺少必填的键“{k}”") for k in ("results", "dispositions", "rules",
                                                     "joint_order")])


def test_duplicate_key_names_both_lines():
    with pytest.raises(ConfigError) as exc:
        loads("a: 1\nb:\n  c: 1\n  c: 2\n", "d.yaml")
    (p,) = exc.value.problems
    assert (p.code, p.line, p.column, p.path) == ("JC102", 4, 3, "/b/c")
    assert "3" in p.message  # first definition


def test_wrong_encoding_is_reported_with_position(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("department:\n  name: 应急管理局\n".encode("gb18030"))
    with pytest.raises(ConfigError) as exc:
        load_file(path)
    (p,) = exc.value.problems
    assert (p.code, p.line) == ("JC103", 2)
    assert p.column == 11  # byte column of the first byte that is not UTF-8
    assert "0xbc" in p.message


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 应急\n".encode())
    assert load_file(path).data == {"a": "应急"}


def test_missing_file_and_empty_document(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_file(tmp_path / "nope.yaml")
    assert exc.value.problems[0].code == "JC104"
    with pytest.raises(ConfigError) as exc:
        loads("# only a comment\n", "e.yaml")
    assert exc.value.problems[0].code == "JC105"


def test_unknown_document_kind(tmp_path):
    path = write(tmp_path, "x.yaml", "something: else\n")
    config = load_configuration([path], plugins=False)
    assert codes_at(config, "x.yaml") == [("JC106", 1, 1)]


def test_python_tags_are_refused():
    with pytest.raises(ConfigError) as exc:
        loads("a: !!python/object/apply:os.system [echo hi]\n", "t.yaml")
    assert exc.value.problems[0].code == "JC107"
    assert exc.value.problems[0].line == 1


def test_dates_stay_text():
    assert loads("d: 2020-07-01\n").data == {"d": "2020-07-01"}


# -- JC2xx: schema ------------------------------------------------------------------------

def test_misspelt_key_gets_did_you_mean(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items="""\
  - id: first
    title: 第一项
    legal_bassis:
      duty: [{law: 法, article: 第四条}]
"""))
    config = load_configuration([path], plugins=False)
    (p,) = [p for p in config.problems if p.code == "JC201"]
    assert (p.line, p.column, p.path) == (7, 5, "/items/0/legal_bassis")
    assert "legal_basis" in p.hint


@pytest.mark.parametrize(("snippet", "code", "line", "col"), [
    ("  - title: 无编号\n    legal_basis: {duty: [{law: 法, article: 第四条}]}\n", "JC202", 5, 5),
    ("  - id: 5\n    title: 类型错\n", "JC203", 5, 9),
    ("  - id: a\n    title: t\n    noncompliance: {dispositions: [x, x]}\n", "JC207", 7, 35),
    ("  - id: a\n    title: t\n    legal_basis: {duty: [{law: 法, article: 四条}]}\n", "JC205", 7, 44),
    ("  - id: a\n    title: t\n    noncompliance: {result: 0}\n", "JC206", 7, 29),
])
def test_schema_error_codes_are_located(tmp_path, snippet, code, line, col):
    path = write(tmp_path, "d.yaml", dept(items=snippet))
    config = load_configuration([path], plugins=False)
    assert (code, line, col) in codes_at(config, "d.yaml"), config.problems


def test_enum_error_suggests_value(tmp_path):
    path = write(tmp_path, "c.yaml", """\
        campaign:
          id: c1
          title: 测试
          lead_department: emergency_mgmt
          departments: [emergency_mgmt]
          sample: {count: 1}
          deadlines:
            - {id: d1, title: 移交, days: 10, unit: calendar_day, from: inspection_end}
        """)
    config = load_configuration([path])
    (p,) = [p for p in config.problems if p.code == "JC204"]
    assert (p.line, p.column) == (8, 43)
    assert "calendar_days" in p.hint


def test_sample_needs_count_or_ratio(tmp_path):
    path = write(tmp_path, "c.yaml", """\
        campaign:
          id: c1
          title: 测试
          lead_department: emergency_mgmt
          departments: [emergency_mgmt]
          sample: {count: 1, ratio: 0.1}
        """)
    config = load_configuration([path])
    (p,) = config.errors
    assert (p.code, p.line, p.path) == ("JC299", 6, "/campaign/sample")


# -- JC3xx: cross-document ----------------------------------------------------------------

def test_duplicate_item_id(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items=GOOD_ITEM + GOOD_ITEM))
    config = load_configuration([path], plugins=False)
    assert codes_at(config, "d.yaml") == [("JC301", 9, 9)]


def test_campaign_unknown_department_and_item(tmp_path):
    path = write(tmp_path, "c.yaml", """\
        campaign:
          id: c1
          title: 测试
          lead_department: emergency_mgmt
          departments: [emergency_mgmt, fire_rescue]
          sample: {count: 1}
          selection:
            emergency_mgmt: {exclude: [risk_contrl]}
        """)
    config = load_configuration([path])
    got = codes_at(config, "c.yaml")
    assert ("JC302", 5, 33) in got
    assert ("JC303", 8, 32) in got
    hints = {p.code: p.hint for p in config.problems}
    assert "emergency_mgmt" not in (hints["JC302"] or "")  # fire_rescue is nothing like it
    assert "risk_control" in hints["JC303"]


def test_referral_to_unknown_department_and_missing_legal_basis(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items="""\
  - id: a
    title: 无依据
    noncompliance: {refer_to: tax_bureau}
"""))
    config = load_configuration([path], plugins=False)
    got = codes_at(config, "d.yaml")
    assert ("JC305", 5, 5) in got
    assert ("JC304", 7, 31) in got


def test_lead_department_must_participate_and_period_order(tmp_path):
    path = write(tmp_path, "c.yaml", """\
        campaign:
          id: c1
          title: 测试
          lead_department: market_supervision
          departments: [emergency_mgmt]
          period: {start: 2020-07-31, end: 2020-07-01}
          sample: {count: 1}
          policy: nonexistent
        """)
    got = codes_at(load_configuration([path]), "c.yaml")
    assert ("JC308", 4, 20) in got
    assert ("JC312", 6, 36) in got
    assert ("JC311", 8, 11) in got


def test_fewer_than_two_officers_per_department(tmp_path):
    path = write(tmp_path, "c.yaml", """\
        campaign:
          id: c1
          title: 测试
          lead_department: emergency_mgmt
          departments: [emergency_mgmt]
          sample: {count: 1}
          officers:
            emergency_mgmt: {count: 1}
        """)
    (p,) = load_configuration([path]).errors
    assert (p.code, p.line, p.column) == ("JC313", 8, 29)
    assert "officers.emergency_mgmt.count" in p.hint


def test_related_item_must_exist(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items=GOOD_ITEM + "    related: [emergency_mgmt.nothing]\n"))
    got = codes_at(load_configuration([path]), "d.yaml")
    assert got == [("JC307", 9, 15)]


def test_policy_with_undefined_result_and_disposition(tmp_path):
    path = write(tmp_path, "p.yaml", """\
        policy: {id: strict}
        results: [{code: 1, text: 未发现问题}]
        dispositions: [责令改正]
        rules:
          - {id: a, when: {always: true}, result: 9, add_dispositions: [罚款]}
        joint_order: [1]
        """)
    got = codes_at(load_configuration([path], plugins=False), "p.yaml")
    assert ("JC309", 5, 43) in got
    assert ("JC310", 5, 65) in got


def test_item_disposition_must_exist_in_policy(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items=GOOD_ITEM + "    noncompliance: {dispositions: [罚款]}\n"))
    got = codes_at(load_configuration([path], plugins=False), "d.yaml")
    assert got == [("JC310", 9, 36)]


def test_two_files_claiming_one_department(tmp_path):
    a = write(tmp_path, "a.yaml", dept())
    b = write(tmp_path, "b.yaml", dept())
    config = load_configuration([a, b], plugins=False)
    assert [(p.code, p.file.endswith("b.yaml"), p.is_error) for p in config.problems] == [
        ("JC306", True, True)]


def test_a_file_overriding_an_installed_department_is_a_warning(tmp_path):
    path = write(tmp_path, "em.yaml", dept(code="emergency_mgmt"))
    config = load_configuration([path])
    (p,) = [p for p in config.problems if p.code == "JC306"]
    assert (p.code, p.severity, p.line) == ("JC306", "warning", 2)
    assert not config.errors
    assert [i.id for i in config.departments["emergency_mgmt"].items] == ["first"]


def test_every_code_has_both_languages():
    for code, (zh, en) in CODES.items():
        assert code.startswith("JC") and zh and en, code


# -- through the CLI ------------------------------------------------------------------------

def test_validate_text_lines_and_exit_code(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items=GOOD_ITEM + GOOD_ITEM))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}:9:9: JC301 " in result.output


def test_validate_json_shape(tmp_path):
    path = write(tmp_path, "d.yaml", dept(items=GOOD_ITEM.replace("title", "titel")))
    result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False and data["warnings"] == []
    codes = {(e["code"], e["line"], e["column"], e["path"]) for e in data["errors"]}
    assert ("JC201", 6, 5, "/items/0/titel") in codes
    assert set(data["errors"][0]) >= {"file", "line", "column", "code", "path", "message"}


def test_validate_directory_of_good_files_in_english(tmp_path):
    write(tmp_path / "conf", "fire.yaml", dept())
    result = CliRunner().invoke(main, ["--lang", "en", "validate", str(tmp_path / "conf")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: 2 plugins, 3 departments, 13 items")


def test_validate_installed_only_in_chinese():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0
    assert "校验通过" in result.output and "12 个检查事项" in result.output


def test_usage_error_exit_code():
    result = CliRunner().invoke(main, ["validate", "--format", "xml"])
    assert result.exit_code == 2
