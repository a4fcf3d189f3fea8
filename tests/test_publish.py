"""Publication (一公开) on every engine: results.csv/json and upload.csv for settled results
only, no personal data in any byte written, records marked published (是否公示), and the
page index.html in a real headless Chromium: search by name and code, no console error,
no network request, screenshots at phone and desktop width (build/artifacts/)."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from jointcheck.core.draw.service import load_draw
from jointcheck.core.records import results as RS
from jointcheck.core.store.models import officers, targets
from tests.browser import Browser, chromium_path
from tests.recordsupport import CAMPAIGN_ID, drawn_store, run_cli, submit_task

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "artifacts"
HEADER = ["市场主体名称", "统一社会信用代码", "检查部门", "检查日期", "抽查结果", "各部门抽查结果"]


def _publish(url, out, *extra):
    result = run_cli(url, "publish", CAMPAIGN_ID, "-o", str(out), "--date", "2020-08-03",
                     *extra)
    assert result.exit_code == 0, result.output
    return result


def _personal(engine, *, roster: bool = True) -> set[str]:
    """Every personal value in the store: officers' phones, ID numbers and row digests
    (and, with *roster*, their names and certificate numbers, which the draws' officer
    lists publish as the 行政执法公示 rules do); 法定代表人 and the enterprises' phones."""
    values: set[str] = set()
    with engine.connect() as conn:
        for r in conn.execute(sa.select(officers)):
            values |= {v for v in (r.phone, r.id_number, r.row_digest) if v}
            if roster:
                values |= {v for v in (r.name, r.cert_no) if v}
        for r in conn.execute(sa.select(targets.c.legal_rep, targets.c.phone)):
            values |= {v for v in (r.legal_rep, r.phone) if v}
    return {v for v in values if len(v) >= 2}


def test_publication_files_hold_settled_results_and_nothing_personal(settled, store_url,
                                                                     tmp_path):
    mapping = tmp_path / "columns.yaml"
    mapping.write_text("企业名称: name\n统一社会信用代码: credit_code\n检查结果: result\n",
                       encoding="utf-8")
    out = tmp_path / "pub"
    result = _publish(store_url, out, "--columns", str(mapping))
    assert "已公示 4 户企业" in result.output and "index.html" in result.output
    raw = (out / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == HEADER and len(lines) == 5
    rows = {r.task.credit_code: r for r in RS.load(settled.engine, CAMPAIGN_ID)}
    first = lines[1]
    assert first[0] == rows[first[1]].task.name
    assert first[2] == "应急管理局、市市场监管局" and first[3] == "2020-07-15"
    assert first[4] == "发现问题待后续处理"
    assert "未按规定公示应当公示的信息" in [line[4] for line in lines[1:]]  # the override
    upload = list(csv.reader((out / "upload.csv").read_text("utf-8-sig").splitlines()))
    assert upload[0] == ["企业名称", "统一社会信用代码", "检查结果"]
    assert upload[1] == [first[0], first[1], first[4]]
    data = json.loads((out / "results.json").read_text("utf-8"))
    assert data["campaign"]["published_on"] == "2020-08-03"
    assert [c["label"] for c in data["columns"]] == HEADER and len(data["results"]) == 4
    # every byte of every file written: the draws' lists (draws/) hold the officers'
    # names and 执法证号 and nothing else personal; the other files not even those
    personal, public = _personal(settled.engine), _personal(settled.engine, roster=False)
    assert personal
    assert {p.parent.name for p in out.rglob("*.csv")} == {"pub", "draws"}
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8-sig")
            leaked = [v for v in (public if path.parent.name == "draws" else personal)
                      if v in text]
            assert not leaked, (path.name, leaked[:3])
    # the draw's time in Beijing time, as a reader writes it; no stored UTC stamp
    at = load_draw(settled.engine, settled.draw.id).created_at
    at = (at.replace(tzinfo=UTC) if at.tzinfo is None else at).astimezone(
        timezone(timedelta(hours=8)))
    page = (out / "index.html").read_text("utf-8")
    assert f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}" in page
    assert "抽取时间（北京时间）" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page)
    # 是否公示 in 附件2
    stats = tmp_path / "s.csv"
    run_cli(store_url, "report", "statistics", CAMPAIGN_ID, "--format", "csv", "-o", str(stats))
    cells = list(csv.reader(stats.read_text("utf-8-sig").splitlines()))
    assert [line[12] for line in cells[1:]] == ["是"] * 4
    assert all(r.published_on.isoformat() == "2020-08-03"
               for r in RS.load(settled.engine, CAMPAIGN_ID))


def test_publication_refuses_without_settled_results_and_bad_mappings(store_url, tmp_path):
    d = drawn_store(store_url, tmp_path, count=2)
    try:
        submit_task(d, d.task_ids[0])
        out = run_cli(store_url, "publish", CAMPAIGN_ID, "-o", str(tmp_path / "p"))
        assert out.exit_code == 1 and "JC849" in out.output
        assert not (tmp_path / "p").exists()
        RS.settle(d.engine, CAMPAIGN_ID, allow_missing=True)
        blocker = tmp_path / "a-file"
        blocker.write_text("", encoding="utf-8")
        out = run_cli(store_url, "publish", CAMPAIGN_ID, "-o", str(blocker / "p"))
        assert out.exit_code == 1 and "JC851" in out.output and "不是目录" in out.output
        bad = tmp_path / "bad.yaml"
        bad.write_text("企业名称: name\n法定代表人: legal_rep\n", encoding="utf-8")
        out = run_cli(store_url, "publish", CAMPAIGN_ID, "-o", str(tmp_path / "p"),
                      "--columns", str(bad))
        assert out.exit_code == 1 and "JC850" in out.output
        assert f"{bad}:2:" in out.output and "Traceback" not in out.output
        ok = run_cli(store_url, "publish", CAMPAIGN_ID, "-o", str(tmp_path / "p"))
        assert ok.exit_code == 0 and "已公示 1 户企业" in ok.output and "尚未确认" in ok.output
    finally:
        d.engine.dispose()


def _search(b: Browser, text: str) -> list[str]:
    b.eval(f"""(function () {{ var q = document.getElementById('q');
        q.value = {json.dumps(text)}; q.dispatchEvent(new Event('input')); }})()""")
    return b.eval("Array.from(document.querySelectorAll('#rows tr')).map(r => r.innerText)")


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium package is not installed (.ci/run installs it)")
def test_index_html_in_a_real_browser(settled, store_url, tmp_path):
    out = tmp_path / "pub"
    _publish(store_url, out)
    index = (out / "index.html").resolve()
    url = index.as_uri()
    rows = RS.load(settled.engine, CAMPAIGN_ID)
    with Browser() as b:
        b.open(url, 1280, 900)
        b.drain()
        assert b.eval("document.querySelectorAll('#rows tr').length") == 4
        assert "事项公开" in b.eval("document.body.innerText")
        assert "jointcheck draw verify" in b.eval("document.body.innerText")
        name = rows[1].task.name
        found = _search(b, name)
        assert len(found) == 1 and name in found[0]
        by_code = _search(b, rows[2].task.credit_code.lower())
        assert len(by_code) == 1 and rows[2].task.credit_code in by_code[0]
        assert _search(b, "不存在的企业") == []
        _search(b, "")
        b.screenshot(ARTIFACTS / "publication-desktop.png")
        b.open(url, 390, 844, mobile=True)
        b.drain()
        assert b.eval("document.documentElement.scrollWidth <= window.innerWidth + 1")
        b.screenshot(ARTIFACTS / "publication-phone.png")
        assert b.console_errors() == []
        assert set(b.requests()) == {url}, b.requests()


@pytest.mark.skipif(chromium_path() is None,
                    reason="Debian's chromium package is not installed (.ci/run installs it)")
def test_paged_index_loads_every_page_from_local_files(settled, tmp_path):
    from jointcheck.core.reports.publish import publish

    out = tmp_path / "paged"
    publish(settled.engine, CAMPAIGN_ID, out, page_rows=1)
    assert len(list((out / "data").glob("results-*.js"))) == 4
    url = (out / "index.html").resolve().as_uri()
    last = RS.load(settled.engine, CAMPAIGN_ID)[-1].task.name
    with Browser() as b:
        b.open(url)
        for _ in range(50):
            if b.eval("document.getElementById('count').textContent").startswith("找到 4 户"):
                break
            b.drain(0.1)
        assert b.eval("document.getElementById('count').textContent") == "找到 4 户"
        assert any(last in r for r in _search(b, last))
        b.drain()
        assert b.console_errors() == []
        assert all(u.startswith("file://") for u in b.requests()), b.requests()
