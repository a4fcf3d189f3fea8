"""Library headers follow the source's annexes (附件1, 附件2)."""

from __future__ import annotations

import csv

from jointcheck.core.libraries.fields import field_for
from jointcheck.core.libraries.sample import OFFICER_HEADERS, TARGET_HEADERS, write_sample

ANNEX1 = ("序号", "姓名", "性别", "单位", "职务", "执法证号", "手机号码", "身份证号")


def test_the_officer_sample_follows_annex_1_column_order(tmp_path):
    assert OFFICER_HEADERS[:8] == ANNEX1
    assert OFFICER_HEADERS[8] == "部门"  # what the library adds comes after 附件1's columns
    _targets, officers = write_sample(tmp_path, targets=5, officers=4, seed=1)
    with open(officers, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == OFFICER_HEADERS
    by_header = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert {r["部门"] for r in by_header} <= {"应急管理局", "市场监管局"}
    assert all(r["身份证号"][:6].isdigit() and len(r["身份证号"]) == 18 for r in by_header)


def test_annex_2_says_登记单位_and_登记机关_is_accepted():
    assert "登记单位" in TARGET_HEADERS and "登记机关" not in TARGET_HEADERS
    field = field_for("targets", "登记单位")
    assert field is not None and field.header == "登记单位"
    assert field_for("targets", "登记机关") is field
