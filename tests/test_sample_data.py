"""``jointcheck sample-data``: realistic, valid, deterministic synthetic libraries."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from click.testing import CliRunner

from jointcheck.core.cli import main
from jointcheck.core.libraries.codes import credit_code_valid, id_number_valid
from jointcheck.core.libraries.reader import iter_rows
from jointcheck.core.libraries.sample import write_sample

N_TARGETS = 4000
N_OFFICERS = 300


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    targets, officers = write_sample(out, targets=N_TARGETS, officers=N_OFFICERS, seed=42)
    t = list(iter_rows("targets", targets))
    o = list(iter_rows("officers", officers))
    return targets, officers, t, o


def test_every_row_is_valid(sample):
    _t, _o, targets, officers = sample
    assert len(targets) == N_TARGETS and len(officers) == N_OFFICERS
    assert [p for r in targets + officers for p in r.problems] == []


def test_codes_are_valid_and_distinct(sample):
    _t, _o, targets, officers = sample
    codes = [r.data["credit_code"] for r in targets]
    assert len(set(codes)) == N_TARGETS
    overridden = [r.data for r in targets if r.data["check_override"]]
    # overridden: pilot-era codes (failing check) and genuine codes ending in 000 (JC634)
    pilot = [d for d in overridden if not credit_code_valid(d["credit_code"])]
    assert all(d["credit_code"].endswith("000") for d in overridden if d not in pilot)
    assert sum(credit_code_valid(c) for c in codes) == N_TARGETS - len(pilot)
    assert all(id_number_valid(r.data["id_number"]) for r in officers)
    # the 17th digit of an ID number is odd for men, even for women
    assert all((int(r.data["id_number"][16]) % 2 == 1) == (r.data["gender"] == "男")
               for r in officers)


def test_targets_look_like_hebi(sample):
    _t, _o, targets, _officers = sample
    data = [r.data for r in targets]
    districts = Counter(d["jurisdiction"] for d in data)
    assert {"淇滨区", "山城区", "鹤山区", "浚县", "淇县"} <= set(districts)
    assert all(d["address"].startswith("河南省鹤壁") for d in data)
    assert not any("鹤壁市鹤壁" in d["address"] + d["region"] for d in data)
    assert all(d["name"].endswith(("公司", "厂", "合作社", "经营部", "（普通合伙）")) for d in data)
    assert all(d["legal_rep"] and 2 <= len(d["legal_rep"]) <= 3 for d in data)
    statuses = Counter(d["status"] for d in data)
    assert set(statuses) == {"存续", "在业", "吊销", "注销", "迁出"}
    assert (statuses["存续"] + statuses["在业"]) / N_TARGETS > 0.8
    grades = Counter(d["risk_grade"] for d in data)
    assert grades["A"] > grades["B"] > grades["C"] > grades["D"] > 0
    special = sum(d["attributes"]["uses_special_equipment"] for d in data) / N_TARGETS
    assert 0.25 < special < 0.35
    industries = Counter(d["industry"] for d in data)
    assert industries.most_common(1)[0][0] == "工业"  # the example campaign's scope
    assert all(dt.date(1995, 1, 1) <= d["established"] <= dt.date(2020, 6, 30) for d in data)


def test_officers_cover_both_departments(sample):
    _t, _o, targets, officers = sample
    data = [r.data for r in officers]
    by_dept = Counter(d["department"] for d in data)
    assert set(by_dept) == {"emergency_mgmt", "market_supervision"}
    market = [d for d in data if d["department"] == "market_supervision"]
    qualified = sum("特种设备安全监察" in d["qualifications"] for d in market) / len(market)
    assert qualified > 0.7
    assert 0 < sum(not d["active"] for d in data) < len(data) * 0.15
    expired = sum(d["cert_expiry"] < dt.date(2020, 7, 1) for d in data)
    assert 0 < expired < len(data) * 0.25
    codes = {r.data["credit_code"] for r in targets}
    conflicted = [d for d in data if d["conflicts"]]
    assert conflicted and all(set(d["conflicts"]) <= codes for d in conflicted)
    assert len({d["cert_no"] for d in data}) == N_OFFICERS


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = write_sample(tmp_path / "a", targets=300, officers=20, seed=7)
    b = write_sample(tmp_path / "b", targets=300, officers=20, seed=7)
    c = write_sample(tmp_path / "c", targets=300, officers=20, seed=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes() and a[1].read_bytes() != c[1].read_bytes()


def test_global_random_state_is_untouched(tmp_path):
    import random

    random.seed(123)
    expected = random.random()
    random.seed(123)
    write_sample(tmp_path, targets=50, officers=5, seed=1)
    assert random.random() == expected


def test_zero_rows(tmp_path):
    targets, officers = write_sample(tmp_path, targets=0, officers=0)
    assert list(iter_rows("targets", targets)) == [] and list(iter_rows("officers", officers)) == []


def test_cli(tmp_path, store_url):
    out = tmp_path / "libs"
    result = CliRunner().invoke(main, ["sample-data", "--targets", "120", "--officers", "10",
                                       "--seed", "s1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "120 户检查对象" in result.stdout and "10 名执法检查人员" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["officers.csv", "targets.csv"]
    imported = CliRunner().invoke(main, ["--db", store_url, "targets", "import",
                                         str(out / "targets.csv")])
    assert imported.exit_code == 0 and "新增 120" in imported.stdout


def test_the_example_campaign_draws_from_the_urban_districts_only(store_url, tmp_path):
    """The plan's scope is 市区: a 40-target draw of the example campaign on the sample
    libraries (which carry the districts in 行政区划) takes none from 浚县 or 淇县 nor from
    the two functional zones, though the library holds many there."""
    import sqlalchemy as sa

    from jointcheck.core.store.models import targets
    from tests.recordsupport import drawn_store

    d = drawn_store(store_url, tmp_path, count=40, targets=1000, officers=60)
    try:
        codes = [t["credit_code"] for t in d.draw.result["targets"]]
        assert len(codes) == 40
        with d.engine.connect() as conn:
            regions = dict(conn.execute(sa.select(targets.c.credit_code, targets.c.region)).all())
        assert {regions[c] for c in codes} <= {"淇滨区", "山城区", "鹤山区"}
        elsewhere = Counter(r for r in regions.values()
                            if r not in ("淇滨区", "山城区", "鹤山区"))
        assert elsewhere["浚县"] > 100 and elsewhere["淇县"] > 80
    finally:
        d.engine.dispose()
