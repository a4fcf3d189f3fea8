"""core.present: pure presentation shared by the CLI, the app and the reports."""

from __future__ import annotations

import pytest

from jointcheck.core.i18n import set_lang
from jointcheck.core.present.conditions import describe_condition

SPECIAL = {"attribute": "uses_special_equipment", "equals": True}
OPEN = {"attribute": "status", "in": ["存续", "在业"]}
GRADE = {"attribute": "risk_grade", "equals": "D"}
KNOWN = {"attribute": "industry", "present": True}


@pytest.mark.parametrize(("cond", "zh", "en"), [
    ({"all": [{"any": [SPECIAL, GRADE]}, OPEN]},
     "(使用特种设备 = 是 或 信用风险等级 = D) 且 登记状态 ∈ 存续、在业",
     "(使用特种设备 = yes or 信用风险等级 = D) and 登记状态 ∈ 存续、在业"),
    ({"any": [{"all": [SPECIAL, OPEN]}, GRADE]},
     "(使用特种设备 = 是 且 登记状态 ∈ 存续、在业) 或 信用风险等级 = D",
     "(使用特种设备 = yes and 登记状态 ∈ 存续、在业) or 信用风险等级 = D"),
    ({"not": {"any": [SPECIAL, GRADE]}},
     "非（使用特种设备 = 是 或 信用风险等级 = D）",
     "not (使用特种设备 = yes or 信用风险等级 = D)"),
    ({"all": [{"not": {"all": [SPECIAL, KNOWN]}}, {"any": [GRADE, {"all": [OPEN, KNOWN]}]}]},
     "非（使用特种设备 = 是 且 行业 已知） 且 (信用风险等级 = D 或 (登记状态 ∈ 存续、在业 且 行业 已知))",
     "not (使用特种设备 = yes and 行业 known) and (信用风险等级 = D or (登记状态 ∈ 存续、在业 and 行业 known))"),
    ({"all": [{"any": [SPECIAL]}, OPEN]},  # a lone child needs no brackets
     "使用特种设备 = 是 且 登记状态 ∈ 存续、在业",
     "使用特种设备 = yes and 登记状态 ∈ 存续、在业"),
    ({"all": [SPECIAL, {"not": OPEN}]},
     "使用特种设备 = 是 且 非（登记状态 ∈ 存续、在业）",
     "使用特种设备 = yes and not (登记状态 ∈ 存续、在业)"),
    (None, "均适用", "always"),
])
def test_conditions_keep_their_grouping(cond, zh, en):
    set_lang("zh")
    assert describe_condition(cond) == zh
    set_lang("en")
    assert describe_condition(cond) == en
