"""The fast YAML loader (ryaml, core/yamlload.py) reads every document exactly as PyYAML.

ryaml's parser is a port of libyaml, the parser under PyYAML's C loader, but it types plain
scalars by other rules than PyYAML's YAML 1.1 (yes/no/on/off, 0123, 1:20, 1_000, 1e3...)
and treats tags, merge keys and non-text keys otherwise. Every document that could read
differently must go to PyYAML: these tests compare the two readings (data with its exact
types, or the located errors) over the quirks of YAML 1.1 in every place a scalar can
stand, over every YAML file of the project, and over generated documents.
"""

from __future__ import annotations

import copy
import math
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jointcheck.core import yamlload
from jointcheck.core.config import load_configuration
from jointcheck.core.errors import ConfigError
from jointcheck.core.yamlload import fast_loadable, loads

ROOT = Path(__file__).resolve().parents[1]


def exact(value: Any) -> Any:
    """*value* with every type spelt out (True is not 1, 1.0 is not 1, key order counts)."""
    if isinstance(value, dict):
        return ("dict", [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [exact(v) for v in value])
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    return (type(value).__name__, value)


def reading(text: str, *, fast: bool) -> Any:
    """What this module makes of *text*: its exact data, or its located problems."""
    try:
        doc = loads(text, "doc.yaml", fast=fast)
    except ConfigError as exc:
        return ("problems", [(p.code, p.line, p.column, p.message) for p in exc.problems])
    assert fast or doc.located, "fast=False: read by PyYAML, the reading compared against"
    return ("data", exact(doc.data))


def same_reading(text: str) -> None:
    assert reading(text, fast=True) == reading(text, fast=False), text


QUIRKS = [
    # YAML 1.1 booleans and what only looks like one
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n",
    "true", "True", "TRUE", "tRue", "false", "False", "nob", "online",
    # null
    "~", "null", "Null", "NULL", "nULL", "",
    # integers: octal, hexadecimal, binary, underscores, sexagesimal, leading zeros, signs
    "0123", "0o17", "0x1F", "-0x1F", "0b101", "0b", "1_000", "1__0", "0x_1", "1:20",
    "190:20:30", "12:30:00", "+12", "-0", "+0", "00", "08", "0", "7", "-1",
    "123456789012345678901234567890", "9007199254740993", "18446744073709551615",
    "18446744073709551616", "-9223372036854775808", "-9223372036854775809",
    # beyond 128 bits: a float for ryaml (text once it overflows one), an exact int for PyYAML
    "9" * 38, "-" + "9" * 38, "9" * 39, "-" + "9" * 39, "340282366920938463463374607431768211456",
    "9" * 38 + ".5", "9" * 39 + ".5", "9" * 400 + ".0",
    # floats
    "1:20.5", "1e3", "1E3", "1.5e3", "1.5e+3", "1.5E-3", "6.02e+23", "-.5", "+.5", ".5", "1.",
    "0.", "09.5", "0e0", "1.0", "-0.0", "0.1", "3.14159265358979323846", "1.5.2",
    ".inf", "-.inf", "+.inf", ".Inf", ".nan", ".NaN", "inf", "nan", "NaN", "infinity",
    # dates and times (kept as text)
    "2020-07-20", "2020-7-20", "2020-07-20T10:00:00Z", "2001-12-14 21:59:43.10 -5",
    # merge, value, tags, anchors and aliases
    "=", "<<", "!!str 1", "!!int 1", "!foo x", "!!binary aGk=", "&a 1", "*a",
    # ordinary text
    "第0组", "item_001", "中华人民共和国安全生产法", "a b", "a: b", "x#y", "-", "--", "---", "...",
]

PLACES = [
    "a: {}\n", "{}: a\n", "- {}\n", "a: [{}, x]\n", "a: {{k: {}}}\n", "{{{}: v}}\n",
    "a:\n  - {}\n", "a: '{}'\n", 'a: "{}"\n', "a: {} # comment: yes\n", "# {}\na: b\n",
    "{}: a\n1: b\n", "{}: a\ntrue: b\n", "{}: a\n{}: b\n", "a: b\n  {}\n", "{}\n",
    "items:\n  - id: {}\n    title: 甲\n",
]


@pytest.mark.parametrize("place", PLACES)
def test_every_quirk_in_every_place_reads_as_pyyaml_reads_it(place):
    for quirk in QUIRKS:
        same_reading(place.format(quirk, quirk))


def test_the_quirks_do_go_to_pyyaml():
    """Without the check, ryaml would read these differently: the check must see them."""
    import ryaml

    for text in ["a: yes", "a: 0123", "a: 0o17", "a: 1:20", "a: 1_000", "a: 1e3", "a: -.5",
                 "a: =", "<<: {b: 1}", "a: !foo x", "1.0: a\n1: b", "null: 1", "yes: a\ntrue: b",
                 "? [a]\n: 1", "---\na: 1\n---\nb: 2", "a: " + "9" * 39,
                 "a: -" + "9" * 39, "a: " + "9" * 400 + ".0", "9" * 39 + ": a"]:
        assert not fast_loadable(text), text
        try:
            alone = ("data", exact(ryaml.loads(text)))
        except Exception as exc:  # noqa: BLE001 - ryaml refuses it: also a difference
            alone = ("refused", str(exc))
        assert alone != reading(text, fast=False), text


def test_plain_declarations_take_the_fast_path():
    """The generated and the scaffolded declarations (what a city installs by the hundred)
    are read by the fast loader, and the same as by PyYAML."""
    text = (ROOT / "plugins" / "market_supervision" / "department.yaml").read_text("utf-8")
    assert fast_loadable(text)
    same_reading(text)
    bench = (
        "department:\n  code: d001\n  name: 测试部门001\nitems:\n"
        "  - id: item_000\n    title: 是否按规定建立第0项安全管理制度并有记录\n    group: 第0组\n"
        "    legal_basis:\n      duty:\n        - {law: 中华人民共和国安全生产法, edition: "
        "2021年修正, article: 第四十一条, clause: 第二款}\n"
        "    applicability: {attribute: uses_special_equipment, equals: true}\n"
        "    noncompliance: {result: 8, dispositions: [责令改正, 立案处理], refer_to: d002}\n"
        "    editions:\n      - {law: 某法, edition: 2021年修正, in_force: {from: 2021-09-01}}\n")
    assert fast_loadable(bench)
    same_reading(bench)


def project_yaml_files() -> list[Path]:
    found = [p for p in ROOT.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".tmpl")
             and ".venv" not in p.parts and "__snapshots__" not in p.parts
             and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]
    return sorted(p for p in found if p.suffix != ".tmpl" or p.name.endswith(".yaml.tmpl"))


def test_every_yaml_file_of_the_project_reads_the_same():
    files = project_yaml_files()
    assert len(files) >= 10
    for path in files:
        same_reading(path.read_text("utf-8"))


def test_a_valid_declaration_is_parsed_once(tmp_path, monkeypatch):
    """Loading a valid declaration read by the fast loader does not parse it again with
    PyYAML (the fast path's whole point); an item's line is found when first asked for,
    where PyYAML puts it."""
    monkeypatch.setenv("JOINTCHECK_NO_CACHE", "1")
    text = (ROOT / "plugins" / "market_supervision" / "department.yaml").read_text("utf-8")
    dept = text.replace("market_supervision", "fast_dept")
    path = tmp_path / "dept.yaml"
    path.write_text(dept, encoding="utf-8")
    config = load_configuration([path], plugins=False)
    doc = config.documents[str(path)]
    assert config.errors == [] and not doc.located
    source = config.departments["fast_dept"].items[3].source
    assert not doc.located
    assert source.line == loads(dept, fast=False).where(("items", 3))[0] > 1
    assert doc.located


def test_pyyaml_reads_everything_without_ryaml_or_when_it_fails(monkeypatch):
    """The fallback: where ryaml is not installed, or refuses a document the check let
    through, PyYAML reads it (located at once) and the data are the same."""
    text = (ROOT / "plugins" / "market_supervision" / "department.yaml").read_text("utf-8")
    fast = loads(text)
    assert not fast.located  # read by ryaml

    class Failing:
        @staticmethod
        def loads(_text: str) -> Any:
            raise ValueError("refused")

    for stand_in in (None, Failing):
        monkeypatch.setattr(yamlload, "_ryaml", stand_in)
        slow = loads(text)
        assert slow.located and exact(slow.data) == exact(fast.data), stand_in


BROKEN = [
    "a: 'x\nb: c\n", 'a: "x\n', "a: [1, 2\n", "a: {b: 1\n", "a:\n\tb: c\n", "a: b\n\tc: d\n",
    "campaign：\n  id: x\n", "a: b: c\n", "- a\nb: c\n", "a:\n  b: 1\n c: 2\n", "a: 1\na: 2\n",
    "a: !!python/object:os.system x\n", "", "# nothing\n", "a: \x01\n", "a: \"\\q\"\n",
    "a: 1\n---\nb: 2\n", "a:\n- b\n  - c\n", "key without colon\nb: c\n", "a: b\nc\n",
    "a: 1\nb: 0b_\n", "a: [0x_]\n",
    # duplicate keys (JC102), and keys that only the types make one or two
    "1: a\n+1: b\n", "0: a\n-0: b\n", '"a": 1\na: 2\n', "a:\n  b: 1\n  b: 2\n",
    "- {a: 1, a: 2}\n", "1: a\ntrue: b\n", "1.0: a\n1: b\n", "null: a\nNone: b\n",
]

# libyaml breaks lines at CR, NEL, LS and PS too: a key or a value may start after them
LINE_BREAKS = ["a: 1\ryes: 2\r", "a: 1\u2028yes: 2\n", "a: 1\x85yes: 2\n",
               "a: 1\u2029- 0123\n", "a: [1,\r0123]", "a: 1 # c\ryes: 2\n",
               "a: 1\r\nyes: 2\r\n", "a: 1\r\nb: 0123\r\n"]


@pytest.mark.parametrize("text", LINE_BREAKS)
def test_every_line_break_of_libyaml_is_one(text):
    same_reading(text)
    assert not fast_loadable(text)


@pytest.mark.parametrize("text", BROKEN)
def test_broken_yaml_keeps_its_located_error(text):
    """A document with an error is located by PyYAML, with the fast loader on or not."""
    same_reading(text)


def test_a_number_python_cannot_read_is_a_located_error():
    """YAML 1.1 calls `0b_` a binary number; reading it was a ValueError (a traceback)."""
    problems = reading("a: 1\nb: 0b_\n", fast=False)
    assert problems[0] == "problems" and problems[1][0][:3] == ("JC101", 2, 4)
    assert "0b_" in problems[1][0][3]


# the quirks; tokens of what numbers, booleans and keys are made of (mostly read by ryaml);
# and tokens with every indicator (mostly sent to PyYAML)
TOKENS = st.sampled_from(QUIRKS) | st.text(
    alphabet="0123456789.-+:_eEoxbyYesnNofaltru甲 ", min_size=0, max_size=6) | st.text(
    alphabet="0123456789.-+:_eEoxbyYesnNofaltru~ #'\"[]{},!&*=<?甲乙\r\n\u2028", min_size=0,
    max_size=6)


@st.composite
def documents(draw: Any) -> str:
    """A block mapping, a block sequence, nested ones or flow collections of tokens."""
    n = draw(st.integers(1, 5))
    keys, values = draw(st.lists(TOKENS, min_size=n, max_size=n)), draw(
        st.lists(TOKENS, min_size=n, max_size=n))
    shape = draw(st.sampled_from(["map", "seq", "nested", "flow", "mixed"]))
    if shape == "map":
        lines = [f"{k}: {v}" for k, v in zip(keys, values, strict=True)]
    elif shape == "seq":
        lines = [f"- {v}" for v in values]
    elif shape == "nested":
        lines = [f"{keys[0]}:"] + [f"  - {v}" for v in values] + [f"k{i}:\n  {k}: {v}" for i, (k, v)
                                                                 in enumerate(zip(keys, values, strict=True))]
    elif shape == "flow":
        pairs = ", ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
        lines = [f"{{{pairs}}}" if draw(st.booleans()) else f"a: [{', '.join(values)}]"]
    else:
        lines = [f"{k}: {v} # {v}" if i % 2 else f"{k}: [{v}, {k}]"
                 for i, (k, v) in enumerate(zip(keys, values, strict=True))]
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n"]))


@settings(max_examples=500, deadline=None)
@given(documents())
def test_generated_documents_read_the_same(text):
    same_reading(text)


def test_lines_of_a_fast_document_are_found_when_asked(tmp_path, monkeypatch):
    """Items' lines (provenance) and the problems' positions are those PyYAML would give,
    found only when asked for."""
    monkeypatch.setenv("JOINTCHECK_NO_CACHE", "1")
    text = (ROOT / "plugins" / "market_supervision" / "department.yaml").read_text("utf-8")
    dept = text.replace("code: market_supervision", "code: fast_dept")
    first = dept.index("\n  - id:")
    dept = dept + dept[first:dept.index("\n  - id:", first + 1)]  # the first item again: JC301
    (tmp_path / "dept.yaml").write_text(dept, encoding="utf-8")
    assert fast_loadable(dept)

    def read() -> tuple[list[Any], list[Any]]:
        config = load_configuration([tmp_path / "dept.yaml"], plugins=False)
        items = config.departments["fast_dept"].items
        return ([(p.code, p.line, p.column, p.message) for p in config.problems],
                [i.source.to_json() for i in items])

    fast = read()
    config = load_configuration([tmp_path / "dept.yaml"], plugins=False)
    source = config.departments["fast_dept"].items[1].source
    copied = copy.deepcopy(source)  # found when copied (a function cannot be pickled)
    assert copied == source == pickle.loads(pickle.dumps(source)) and copied.line > 1
    monkeypatch.setattr(yamlload, "_ryaml", None)
    slow = read()
    assert fast == slow
    assert any(code == "JC301" for code, *_rest in fast[0])
    assert all(s["line"] and s["line"] > 1 for s in fast[1])
