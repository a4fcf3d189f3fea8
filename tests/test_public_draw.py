"""A draw the public can verify from the publication folder alone (core/draw/public.py):
``jointcheck publish`` writes each draw's record, its eligible targets and the officers who
could be drawn; ``jointcheck draw verify --public DIR`` replays every draw from those files
and nothing else, on every engine."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
import sqlalchemy as sa

from jointcheck.core.store import begin_write
from jointcheck.core.store.models import officers, targets
from tests.recordsupport import CAMPAIGN_ID, run_cli


def _publish(url, out):
    result = run_cli(url, "publish", CAMPAIGN_ID, "-o", str(out), "--date", "2020-08-03")
    assert result.exit_code == 0, result.output
    return result


def _verify(folder, *extra):
    # no --db: the replay reads nothing but the folder
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    return CliRunner().invoke(main, ["--db", "sqlite:////nonexistent/none.db", "draw",
                                     "verify", "--public", str(folder), *extra])


def test_the_publication_folder_alone_replays_the_draw(settled, store_url, tmp_path):
    out = tmp_path / "pub"
    result = _publish(store_url, out)
    assert f"jointcheck draw verify --public {out}" in result.output
    draw_id = settled.draw.id
    files = sorted(p.name for p in (out / "draws").iterdir())
    assert files == [f"draw-{draw_id}-officers.csv", f"draw-{draw_id}-targets.csv",
                     f"draw-{draw_id}.json"]
    # moved elsewhere, away from any database: it still replays
    moved = shutil.copytree(out, tmp_path / "downloaded")
    check = _verify(moved)
    assert check.exit_code == 0, check.output
    assert "一致" in check.output and "不一致" not in check.output
    data = json.loads(_verify(moved, "--format", "json").output)
    assert data["consistent"] and data["draws"][0]["draw_id"] == draw_id
    # the eligible list is the draw's eligible set, with public registration data only
    rows = list(csv.reader((moved / "draws" / f"draw-{draw_id}-targets.csv")
                           .read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["统一社会信用代码", "市场主体名称", "行政区划", "管辖单位", "行摘要"]
    assert len(rows) - 1 == settled.draw.result["eligible"]
    roster = list(csv.reader((moved / "draws" / f"draw-{draw_id}-officers.csv")
                             .read_text("utf-8-sig").splitlines()))
    assert roster[0] == ["部门代码", "部门", "执法证号", "姓名", "单位", "管辖单位", "回避对象"]
    # every team member is listed under the name and unit the library holds
    listed = {r[2]: (r[3], r[4]) for r in roster[1:]}
    certs = {m["cert_no"] for t in settled.draw.result["targets"] for m in t["team"]}
    with settled.engine.connect() as conn:
        held = {r.cert_no: (r.name, r.unit or "") for r in conn.execute(
            sa.select(officers.c.cert_no, officers.c.name, officers.c.unit)
            .where(officers.c.cert_no.in_(sorted(certs))))}
    assert certs and all(listed[c] == held[c] and held[c][0] for c in certs)
    page = (out / "index.html").read_text("utf-8")
    assert "jointcheck draw verify --public ." in page and "如何自行复核" in page
    assert f"draws/draw-{draw_id}-targets.csv" in page


def test_a_tampered_list_does_not_replay(settled, store_url, tmp_path):
    out = tmp_path / "pub"
    _publish(store_url, out)
    path = out / "draws" / f"draw-{settled.draw.id}-targets.csv"
    lines = path.read_text("utf-8-sig").splitlines()
    drawn = {t["credit_code"] for t in settled.draw.result["targets"]}
    # leave out one enterprise that was drawn: the set and the result both change
    kept = [ln for ln in lines if ln.split(",")[0] != sorted(drawn)[0]]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8-sig")
    check = _verify(out)
    assert check.exit_code == 1 and "不一致" in check.output
    assert "检查对象名录库已变化" in check.output
    # a file re-saved without its columns: located, no traceback
    path.write_text("名称\n某公司\n", encoding="utf-8-sig")
    check = _verify(out)
    assert check.exit_code == 1 and "JC738" in check.output and str(path) in check.output
    assert "Traceback" not in check.output


@pytest.mark.parametrize("library", ["targets", "officers"])
def test_no_replay_files_when_the_libraries_changed_since_the_draw(settled, store_url,
                                                                  tmp_path, library):
    first = settled.draw.result["targets"][0]
    if library == "targets":
        change = (sa.update(targets).where(targets.c.credit_code == first["credit_code"]))
    else:  # a drawn team member
        change = (sa.update(officers).where(officers.c.cert_no == first["team"][0]["cert_no"]))
    with begin_write(settled.engine) as conn:
        conn.execute(change.values(row_digest="0" * 64))
    out = tmp_path / "pub"
    result = _publish(store_url, out)
    assert f"第 {settled.draw.id} 次抽取后名录库已更新" in result.output
    assert not (out / "draws").exists()
    assert "无法凭本页的文件复核" in (out / "index.html").read_text("utf-8")
    check = _verify(out)
    assert check.exit_code == 1 and "JC737" in check.output


def test_a_draw_with_history_exclusion_replays_from_the_public_files(store_url, tmp_path):
    """jc-draw-2: enterprises inspected within the campaign's limits are left out before
    sampling; the public files (the record carries the history as codes and dates, the
    eligible list is the set after every exclusion) replay it."""
    from jointcheck.core.draw import service as S
    from jointcheck.core.draw.public import public_draw_files, verify_public, write_public
    from jointcheck.core.store import open_store
    from tests.test_draw_store import insert_libraries
    from tests.test_history import campaign, code, drawn, history_csv, in_scope_rows
    from tests.test_history import run_cli as history_cli

    engine = open_store(store_url)
    try:
        insert_libraries(engine, in_scope_rows(220))
        first = S.run_draw(engine, campaign(tmp_path, "first"), "seed one",
                           commitment_required=False, weak_seed=True)
        others = sorted({code(i) for i in range(220)} - drawn(first))[:40]
        assert history_cli(store_url, "history", "import",
                           history_csv(tmp_path, others)).exit_code == 0
        limited = campaign(tmp_path, "limited", sample={"count": 120},
                           period={"start": "2020-09-01", "end": "2020-09-30"},
                           inspection_limits={"exclude_within_days": 365})
        second = S.run_draw(engine, limited, "seed two", commitment_required=False,
                            weak_seed=True)
        folder = tmp_path / "pub"
        with engine.connect() as conn:
            public = write_public(conn, second, folder)
        assert public.unavailable is None and public.eligible == 140
        listed = (folder / "draws" / f"draw-{second.id}-targets.csv").read_text("utf-8-sig")
        assert not any(c in listed for c in drawn(first) | set(others))
        (path,) = public_draw_files(folder)
        report = verify_public(path)
        assert report.ok, report.differences
        # the history the limits read is fingerprinted in the record: tampering shows
        data = json.loads(path.read_text("utf-8"))
        data["parameters"]["history"] = data["parameters"]["history"][1:]
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        check = _verify(folder)
        assert check.exit_code == 1 and "检查历史" in check.output
    finally:
        engine.dispose()


@pytest.mark.parametrize("damage", ["version", "parameters"])
def test_a_draw_record_that_cannot_be_replayed_does_not_stop_the_publication(
        settled, store_url, tmp_path, damage):
    from jointcheck.core.store.models import draws

    change = ({"algorithm_version": "jc-draw-99"} if damage == "version"
              else {"parameters": {"campaign_id": CAMPAIGN_ID}})  # JC731: no sample, ...
    with begin_write(settled.engine) as conn:
        conn.execute(sa.update(draws).values(**change))
    out = tmp_path / "pub"
    _publish(store_url, out)
    assert "无法由本软件重放" in (out / "index.html").read_text("utf-8")
    assert not (out / "draws").exists()
