"""One problem type for every error and warning: it keeps its code and parameters, so a
problem found in one language can be shown again in the other, and one exception base."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from test_import_support import code

from jointcheck.core.draw.algorithm import DrawError
from jointcheck.core.errors import (
    ConfigError,
    JointcheckError,
    Problem,
    did_you_mean,
    problem,
    row_problem,
)
from jointcheck.core.i18n import set_lang
from jointcheck.core.libraries.messages import LibraryError
from jointcheck.core.libraries.reader import iter_rows
from jointcheck.core.records.service import RecordError
from jointcheck.core.store import StoreError, open_store


def test_a_problem_found_in_chinese_renders_again_in_english():
    set_lang("zh")
    p = problem("JC202", file="campaign.yaml", line=3, column=5, path="/campaign", key="period")
    assert p.format() == ("campaign.yaml:3:5: JC202 缺少必填的键“period” [/campaign] — 请添加该键。")
    assert p.params == {"key": "period"}
    assert p.format(lang="en") == ("campaign.yaml:3:5: JC202 missing required key 'period' "
                                   "[/campaign] — Please add the key.")
    assert p.to_json(lang="en")["message"] == "missing required key 'period'"
    set_lang("en")  # rendered when read: the same object follows the active language
    assert p.message == "missing required key 'period'"
    assert p.hint == "Please add the key."


def test_a_did_you_mean_hint_renders_again_in_the_other_language():
    set_lang("zh")
    p = problem("JC304", department="emergency_mgmnt",
                hint=did_you_mean("emergency_mgmnt", ["emergency_mgmt", "market_supervision"]))
    assert p.hint == "您是不是想写“emergency_mgmt”？"
    assert p.hint_in("en") == "Did you mean 'emergency_mgmt'?"
    again = pickle.loads(pickle.dumps(p))  # a stored problem keeps both languages
    assert again == p and again.hint_in("en") == "Did you mean 'emergency_mgmt'?"


def test_a_row_problem_is_a_problem_located_by_row_and_header(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_text(f"统一社会信用代码,市场主体名称,登记状态\n{code(1)},甲公司,歇业中\n",
                    encoding="utf-8")
    set_lang("zh")
    (result,) = list(iter_rows("targets", path))
    (p,) = result.problems
    assert type(p) is Problem
    assert (p.code, p.row, p.column, p.column_index) == ("JC618", 2, "登记状态", 3)
    assert p.format(with_hint=False).startswith(f"{path}:2:登记状态: JC618 取值“歇业中”无效")
    assert p.message_in("en").startswith("invalid value '歇业中'; expected one of:")
    assert p.to_json(lang="en")["row"] == 2
    assert pickle.loads(pickle.dumps(p)).format() == p.format()  # crosses the reader process


def test_a_plugin_problem_outside_the_catalogue_keeps_its_text():
    p = Problem(code="X001", message="事项过多", file="policy", severity="warning")
    assert p.format() == "policy: X001 事项过多"
    assert p.message_in("en") == "事项过多"
    assert dataclasses.replace(p, plugin="checks").to_json()["plugin"] == "checks"


def test_a_changed_plugin_name_does_not_change_a_rendered_message():
    p = problem("JC401", plugin="broken", detail="boom")
    assert "“broken”" in dataclasses.replace(p, plugin=None).message


def test_problems_compare_and_hash_by_what_they_say():
    a = row_problem("JC610", file="t.csv", row=4, column="市场主体名称", column_index=2)
    b = row_problem("JC610", file="t.csv", row=4, column="市场主体名称", column_index=2)
    assert a == b and len({a, b}) == 1
    assert a != dataclasses.replace(a, line=5)


@pytest.mark.parametrize("make", [
    lambda ps: ConfigError(ps),
    lambda ps: LibraryError(ps),
    lambda ps: DrawError(ps),
    lambda ps: StoreError(ps[0]),
    lambda ps: RecordError(ps),
])
def test_every_error_is_a_jointcheck_error_carrying_its_problems(make):
    ps = [problem("JC104", file="x.yaml", detail="gone")]
    exc = make(ps)
    with pytest.raises(JointcheckError) as caught:
        raise exc
    assert caught.value.problems == ps
    assert str(caught.value) == ps[0].format()


def test_a_store_error_names_its_one_problem(tmp_path):
    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite:///{tmp_path}/missing.db")
    assert caught.value.problem is caught.value.problems[0]
    assert caught.value.code == caught.value.problem.code
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.problems == caught.value.problems


def test_a_hint_and_a_detail_from_a_catalogue_render_again_in_the_other_language(tmp_path):
    from jointcheck.core.config import load_configuration

    path = tmp_path / "d.yaml"
    path.write_text("department:\n  code: fire\n  name: 消防\nitems:\n"
                    "  - {id: a, title: 甲, methd: 实地检查}\n", encoding="utf-8")
    set_lang("zh")
    (p,) = load_configuration([path], plugins=False).errors
    assert p.code == "JC201"
    assert p.hint == "您是不是想写“method”？"
    assert p.hint_in("en") == "Did you mean 'method'?"
    path.write_text("department:\n  code: fire\n  name: 消防\nitems: []\n", encoding="utf-8")
    (p,) = load_configuration([path], plugins=False).errors
    assert p.format(lang="en").endswith("JC207 list is not valid: needs at least 1 entries [/items]")
