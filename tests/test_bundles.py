"""Field bundles (docs/bundles.md): export a team's tasks to one SQLite file, inspect with
nothing but that file, merge the records back — on both office engines."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from recordsupport import answer_all, drawn_store

from jointcheck.core.cli import main
from jointcheck.core.plugins import load_plugins
from jointcheck.core.records.service import (
    amend,
    field_key,
    item_key,
    list_tasks,
    load_draft,
    submit,
    versions,
)
from jointcheck.core.store import audit, open_store, upgrade


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def export(url: str, draw: int, path: Path, *tasks: str) -> str:
    args = ["--db", url, "bundle", "export", "--draw", str(draw), "-o", str(path)]
    for t in tasks:
        args += ["--task", t]
    done = run(*args)
    assert done.exit_code == 0, done.output
    with sqlite3.connect(path) as con:
        return con.execute("SELECT value FROM store_meta WHERE key = 'bundle_id'").fetchone()[0]


def answers_for(engine, task_id: str, result: str = "compliant", when: str = "2020-07-15"):
    draft = load_draft(engine, task_id, host=load_plugins())
    answers = {field_key("outcome"): "inspected", field_key("inspected_on"): when}
    for item in draft.items:
        if draft.applies(item):
            answers[item_key(item)] = ({"result": result} if result != "noncompliant"
                                       else {"result": result, "note": "灭火器过期"})
    return answers


def submit_in(engine, task_id: str, **kw):
    return submit(engine, task_id, host=load_plugins(), answers=answers_for(engine, task_id, **kw))


def bundle_engine(path: Path):
    return open_store(f"sqlite:///{path}")


def audit_count(engine) -> int:
    with engine.connect() as conn:
        return len(list(audit.entries(conn)))


def test_round_trip_two_teams(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=6)
    office, ids, draw = drawn.engine, drawn.task_ids, drawn.draw.id
    path_a, path_b = tmp_path / "team-a.jcb", tmp_path / "team-b.jcb"
    a = export(store_url, draw, path_a, *ids[:3])
    b = export(store_url, draw, path_b, *ids[3:])

    listed = {t.id: t for t in list_tasks(office)}
    assert {listed[t].bundle for t in ids} == {a, b}
    table = run("--db", store_url, "tasks", "list")
    assert f"外带中 {a[:8]}" in table.output and f"外带中 {b[:8]}" in table.output

    # team A: two records (one amended in the field), one draft, all with the file alone
    eng_a = bundle_engine(path_a)
    submit_in(eng_a, ids[0])
    amend(eng_a, ids[0], answers_for(eng_a, ids[0], when="2020-07-16"), "日期写错",
          host=load_plugins())
    submit_in(eng_a, ids[1], result="noncompliant")
    answer_all(type(drawn)(eng_a, drawn.config, drawn.checklist, drawn.draw,
                           drawn.campaign_path), ids[2])
    eng_a.dispose()
    # team B: a record submitted from a file with `record submit --db sqlite:///FILE`
    eng_b = bundle_engine(path_b)
    record = tmp_path / "record.json"
    draft = load_draft(eng_b, ids[3], host=load_plugins())
    departments: dict = {}
    for item in draft.items:
        if draft.applies(item):
            departments.setdefault(item.department, {"items": {}})["items"][item.id] = {
                "result": "compliant"}
    record.write_text(json.dumps({"outcome": "inspected", "inspected_on": "2020-07-15",
                                  "departments": departments}, ensure_ascii=False))
    eng_b.dispose()
    done = run("--db", f"sqlite:///{path_b}", "record", "submit", ids[3], "--findings", str(record))
    assert done.exit_code == 0, done.output
    eng_a, eng_b = bundle_engine(path_a), bundle_engine(path_b)
    field_versions = {t: [v.digest for v in versions(eng, t)]
                      for eng, group in ((eng_a, ids[:3]), (eng_b, ids[3:])) for t in group}
    field_draft = load_draft(eng_a, ids[2]).answers
    eng_a.dispose()
    eng_b.dispose()

    shown = run("bundle", "show", str(path_a))
    assert a in shown.output and "与内容相符" in shown.output
    # when it was exported, as people read a time (local, to the minute; not UTC ISO)
    assert re.search(r"导出\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", shown.output), shown.output
    assert "共 3 项任务，其中 3 项在外带包中有改动" in shown.output

    before = audit_count(office)
    for path in (path_a, path_b):
        done = run("--db", store_url, "bundle", "import", str(path))
        assert done.exit_code == 0, done.output
    assert "0 项冲突" in done.output
    # every record present once, with its versions, exactly as submitted in the field
    for t in ids:
        assert [v.digest for v in versions(office, t)] == field_versions[t]
    assert [v.version for v in versions(office, ids[0])] == [1, 2]
    assert versions(office, ids[0])[1].reason == "日期写错"
    assert versions(office, ids[0])[0].submitted_by == versions(office, ids[1])[0].submitted_by
    office_draft = load_draft(office, ids[2]).answers
    assert {k: a.value for k, a in office_draft.items()} == \
        {k: a.value for k, a in field_draft.items()}
    assert load_draft(office, ids[2]).task.status == "draft"
    assert {t.id: t.bundle for t in list_tasks(office)} == {t: None for t in ids}
    with office.connect() as conn:
        assert audit.verify(conn) == []
        actions = [e["action"] for e in audit.entries(conn)][before:]
    assert actions.count("bundle.import") == 2 and actions.count("record.amend") == 1

    # importing the same bundle again changes nothing and says so
    count = audit_count(office)
    again = run("--db", store_url, "bundle", "import", str(path_a))
    assert again.exit_code == 0 and "已导入过，本次没有任何改动" in again.output
    assert audit_count(office) == count
    assert [v.digest for v in versions(office, ids[0])] == field_versions[ids[0]]


def test_bundle_holds_no_officer_phone_or_id_number(store_url, tmp_path):
    import sqlalchemy as sa

    from jointcheck.core.store.models import officers

    drawn = drawn_store(store_url, tmp_path, count=4)
    path = tmp_path / "b.jcb"
    export(store_url, drawn.draw.id, path, *drawn.task_ids)
    team = {m["cert_no"] for t in drawn.draw.result["targets"] for m in t["team"]}
    with drawn.engine.connect() as conn:
        rows = list(conn.execute(sa.select(officers.c.cert_no, officers.c.name, officers.c.phone,
                                           officers.c.id_number)
                                 .where(officers.c.cert_no.in_(sorted(team)))))
    secrets = [v for r in rows for v in (r.phone, r.id_number) if v]
    assert len(secrets) >= len(rows)  # the sample officers have them
    data = path.read_bytes()
    for secret in secrets:
        assert secret.encode() not in data
        assert secret.encode("utf-16-le") not in data
    # names and certificates are there (the record needs them)
    assert all(r.cert_no.encode() in data for r in rows)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM officers WHERE phone IS NOT NULL "
                           "OR id_number IS NOT NULL").fetchone() == (0,)
    assert not Path(f"{path}-wal").exists()


def test_a_bundle_from_another_store_is_refused(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path / "office", count=2)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = drawn_store(other_url, tmp_path / "other", count=2)
    path = tmp_path / "foreign.jcb"
    export(other_url, other.draw.id, path, *other.task_ids)
    submit_in(eng := bundle_engine(path), other.task_ids[0])
    eng.dispose()
    before = audit_count(drawn.engine)
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 1
    assert "JC865" in done.output and "来自另一个数据库" in done.output
    assert audit_count(drawn.engine) == before
    assert versions(drawn.engine, drawn.task_ids[0]) == []
    english = run("--lang", "en", "--db", store_url, "bundle", "import", str(path))
    assert "comes from another store" in english.output


def test_a_tampered_bundle_is_refused(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=2)
    path = tmp_path / "b.jcb"
    export(store_url, drawn.draw.id, path, *drawn.task_ids)
    eng = bundle_engine(path)
    submit_in(eng, drawn.task_ids[0])  # records may change...
    eng.dispose()
    with sqlite3.connect(path) as con:  # ...nothing else may
        con.execute("UPDATE targets SET name = name || '（改）'")
    shown = run("bundle", "show", str(path))
    assert "与内容不符" in shown.output and "与内容相符" not in shown.output
    assert shown.exit_code == 1 and "JC868" in shown.output
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 1 and "JC868" in done.output
    assert versions(drawn.engine, drawn.task_ids[0]) == []
    # a record altered in the file does not match what its answers give
    path2 = tmp_path / "b2.jcb"
    export(store_url, drawn.draw.id, path2, drawn.task_ids[1])
    eng = bundle_engine(path2)
    submit_in(eng, drawn.task_ids[1])
    eng.dispose()
    with sqlite3.connect(path2) as con:
        record = json.loads(con.execute("SELECT record FROM record_versions").fetchone()[0])
        record["opinion"] = "无问题"
        con.execute("UPDATE record_versions SET record = ?", (json.dumps(record),))
    done = run("--db", store_url, "bundle", "import", str(path2))
    assert done.exit_code == 1 and "JC870" in done.output
    assert versions(drawn.engine, drawn.task_ids[1]) == []
    # bundle show makes the same checks: it says what import would refuse, and exits 1
    shown = run("--db", store_url, "bundle", "show", str(path2))
    assert shown.exit_code == 1 and "JC870" in shown.output, shown.output


def test_a_tampered_bundle_with_its_digest_recomputed_is_not_shown_as_matching(store_url,
                                                                               tmp_path):
    """Whoever edits a bundle can recompute its digest too: `bundle show` then checks it
    against the digest the office recorded at the export, as `bundle import` does."""
    from sqlalchemy import update

    from jointcheck.core.records.bundle import content_digest
    from jointcheck.core.store.models import bundles

    drawn = drawn_store(store_url, tmp_path, count=1)
    path = tmp_path / "b.jcb"
    export(store_url, drawn.draw.id, path, *drawn.task_ids)
    eng = bundle_engine(path)
    with eng.begin() as conn:
        conn.exec_driver_sql("UPDATE targets SET name = name || '（改）'")
        conn.execute(update(bundles).values(content_digest=content_digest(conn)))
    eng.dispose()
    alone = run("bundle", "show", str(path))  # no office store to check against
    assert alone.exit_code == 0 and "未能与导出时的记录核对" in alone.output
    for args in (["bundle", "show", str(path)], ["bundle", "show", "--format", "json",
                                                  str(path)]):
        shown = run("--db", store_url, *args)
        assert shown.exit_code == 1 and "JC868" in shown.output, shown.output
    assert "与内容不符" in run("--db", store_url, "bundle", "show", str(path)).output
    assert '"digest_ok": false' in shown.output
    # the JSON names the refusal that makes the exit status 1
    assert [p["code"] for p in json.loads(shown.output)["office"]["refused"]] == ["JC868"]
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 1 and "JC868" in done.output


def test_reading_a_bundle_changes_no_byte(store_url, tmp_path):
    """`bundle show` opens a bundle read-only: neither a real bundle nor an empty file, a
    random file or another program's SQLite file is changed, and nothing appears beside."""
    import os

    _drawn, path = one_record_out(store_url, tmp_path)
    folder = tmp_path / "usb"
    folder.mkdir()
    files = {"b.jcb": path.read_bytes(), "empty.jcb": b"", "random.jcb": os.urandom(5000)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with sqlite3.connect(folder / "other.jcb") as con:
        con.execute("CREATE TABLE notes (text)")
    con.close()
    files["other.jcb"] = (folder / "other.jcb").read_bytes()
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    codes: dict[str, set[tuple[object, ...]]] = {}
    for name in files:
        for args in (["bundle", "show"], ["bundle", "show", "--format", "json"],
                     ["bundle", "import"]):
            done = run("--db", store_url, *args, str(folder / name))
            assert "Traceback" not in done.output
            codes.setdefault(name, set()).add(
                (done.exit_code, *re.findall(r"JC\d{3}", done.output)[:1]))
    # show (text and JSON) and import say the same of each file
    assert codes == {"b.jcb": {(0,)}, "empty.jcb": {(1, "JC864")},
                     "random.jcb": {(1, "JC873")}, "other.jcb": {(1, "JC864")}}
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps


def test_not_a_bundle(tmp_path, sqlite_url):
    upgrade(sqlite_url)
    plain = sqlite_url.removeprefix("sqlite:///")
    done = run("bundle", "show", plain)
    assert done.exit_code == 1 and "JC864" in done.output
    done = run("bundle", "show", str(tmp_path / "missing.jcb"))
    assert done.exit_code == 1 and f"{tmp_path / 'missing.jcb'}: JC872" in done.output


def line_of(output: str, task: str) -> str:
    return next(line for line in output.splitlines() if line.split()[:1] == [task])


def test_show_compares_the_bundle_with_the_store_it_came_from(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=5)
    office, ids = drawn.engine, drawn.task_ids
    path = tmp_path / "b.jcb"
    bid = export(store_url, drawn.draw.id, path, *ids[:4])
    eng = bundle_engine(path)
    submit_in(eng, ids[0])
    amend(eng, ids[0], answers_for(eng, ids[0], when="2020-07-16"), "日期写错",
          host=load_plugins())
    submit_in(eng, ids[1])
    answer_all(type(drawn)(eng, drawn.config, drawn.checklist, drawn.draw,
                           drawn.campaign_path), ids[3])
    eng.dispose()
    submit_in(office, ids[1], result="noncompliant")  # the office changed it too

    shown = run("--db", store_url, "bundle", "show", str(path))
    assert shown.exit_code == 0, shown.output
    assert "导出该外带包的数据库" in shown.output and "尚未导入" in shown.output
    assert "带回：新增 2 个记录版本" in line_of(shown.output, ids[0])
    assert "冲突：两边都有改动" in line_of(shown.output, ids[1])
    assert "（已列出" not in line_of(shown.output, ids[1])
    assert "与本数据库一致" in line_of(shown.output, ids[2])
    assert "带回：草稿" in line_of(shown.output, ids[3])
    assert "共 4 项任务：2 项将带回（新增 2 个记录版本），1 项冲突，1 项与本数据库一致" in shown.output
    data = json.loads(run("--db", store_url, "bundle", "show", str(path),
                          "--format", "json").output)
    assert data["office"]["compared"] is True and data["office"]["imported_at"] is None
    assert {t: v["verdict"] for t, v in data["office"]["tasks"].items()} == {
        ids[0]: "newer", ids[1]: "conflict", ids[2]: "same", ids[3]: "newer"}
    assert data["office"]["tasks"][ids[0]]["new_versions"] == 2

    assert run("--db", store_url, "bundle", "import", str(path)).exit_code == 0
    after = run("--db", store_url, "bundle", "show", str(path))
    assert "上次导入于" in after.output
    assert "与本数据库一致" in line_of(after.output, ids[0])
    assert "冲突：两边都有改动（已列出，待处理）" in line_of(after.output, ids[1])
    assert "已导入过" not in after.output  # a conflict is still open
    assert run("--db", store_url, "bundle", "resolve", bid[:8], ids[1],
               "--keep", "office").exit_code == 0
    settled = run("--db", store_url, "bundle", "show", str(path))
    assert "外带包未改动" in line_of(settled.output, ids[1])
    assert f"外带包 {bid[:8]} 已导入过，没有本数据库没有的内容。" in settled.output
    # the team goes on in the bundle after the import: show sees the new draft
    eng = bundle_engine(path)
    answer_all(type(drawn)(eng, drawn.config, drawn.checklist, drawn.draw,
                           drawn.campaign_path), ids[2], inspected_on="2020-07-17")
    eng.dispose()
    later = run("--db", store_url, "bundle", "show", str(path))
    assert "带回：草稿" in line_of(later.output, ids[2]) and "已导入过" not in later.output
    english = run("--lang", "en", "--db", store_url, "bundle", "show", str(path))
    assert "brought back: the draft" in line_of(english.output, ids[2])
    assert "last imported at" in english.output


def one_record_out(store_url: str, tmp_path: Path):
    """A store of two tasks, both out in bundle b.jcb, the first submitted in it."""
    drawn = drawn_store(store_url, tmp_path / "office", count=2)
    path = tmp_path / "b.jcb"
    export(store_url, drawn.draw.id, path, *drawn.task_ids)
    eng = bundle_engine(path)
    submit_in(eng, drawn.task_ids[0])
    eng.dispose()
    return drawn, path


def test_show_without_the_store_it_came_from_says_so(store_url, tmp_path):
    _drawn, path = one_record_out(store_url, tmp_path)
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    cases = {
        f"sqlite:///{tmp_path / 'none.db'}": "none.db（数据库不存在）",
        other_url: "来自另一个数据库",
        f"sqlite:///{path}": "就是该外带包本身",
    }
    for url, why in cases.items():
        shown = run("--db", url, "bundle", "show", str(path))
        assert shown.exit_code == 0, shown.output
        assert why in shown.output and "下面只列出外带包本身的内容" in shown.output
        assert "导出后在外带包中有改动" in shown.output
        assert "共 2 项任务，其中 1 项在外带包中有改动" in shown.output
        assert "将带回" not in shown.output
        data = json.loads(run("--db", url, "bundle", "show", str(path), "--format",
                              "json").output)
        assert data["office"]["compared"] is False and data["office"]["reason"]
    assert not (tmp_path / "none.db").exists()
    english = run("--lang", "en", "--db", other_url, "bundle", "show", str(path))
    assert "cannot be compared with the bundle" in english.output
    assert "comes from another store" in english.output


def damaged_copies(path: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Hostile stand-ins for a bundle, each with the code that must refuse it."""
    import zipfile

    folder.mkdir()
    out: dict[str, tuple[Path, str]] = {}

    def make(name: str, code: str, data: bytes | None = None) -> Path:
        target = folder / f"{name}.jcb"
        target.write_bytes(path.read_bytes() if data is None else data)
        out[name] = (target, code)
        return target

    data = path.read_bytes()
    make("text", "JC873", "任务,结果\n1-1,合格\n".encode())
    make("empty", "JC864", b"")
    make("truncated", "JC873", data[: len(data) // 3])
    make("damaged", "JC873", data[:4096] + b"\xff" * (len(data) - 8192) + data[-4096:])
    excel = folder / "excel.jcb"
    with zipfile.ZipFile(excel, "w") as z:  # what Excel saves: a zip
        z.writestr("[Content_Types].xml", "<Types/>")
    out["excel"] = (excel, "JC873")
    with sqlite3.connect(make("old", "JC874")) as con:
        con.execute("UPDATE alembic_version SET version_num = '0002'")
    with sqlite3.connect(make("unbundled", "JC868")) as con:
        con.execute("DELETE FROM bundles")
    with sqlite3.connect(make("no_task_list", "JC868")) as con:
        con.execute("DROP TABLE bundle_tasks")
    with sqlite3.connect(make("garbled", "JC868")) as con:
        con.execute("UPDATE tasks SET team = '{{not json'")
    return out


def test_hostile_files_are_refused_clearly_and_change_nothing(store_url, tmp_path):
    drawn, path = one_record_out(store_url, tmp_path)
    before = audit_count(drawn.engine)
    cases = damaged_copies(path, tmp_path / "hostile")
    cases["missing"] = (tmp_path / "missing.jcb", "JC872")
    cases["a store"] = (Path(drawn.engine.url.database or "") if store_url.startswith("sqlite")
                        else path.with_name("plain.db"), "JC864")
    if not store_url.startswith("sqlite"):
        upgrade(f"sqlite:///{path.with_name('plain.db')}")
    for name, (target, code) in cases.items():
        for command in ("show", "import"):
            done = run("--db", store_url, "bundle", command, str(target))
            assert done.exit_code == 1, (name, command, done.output)
            located = code == "JC868" or f"{target}: {code}" in done.output  # 868: no file
            assert code in done.output and located, (name, done.output)
            assert "JC901" not in done.output
    assert f"{cases['damaged'][0]}: JC873" in run("bundle", "show", str(cases["damaged"][0])).output
    assert not list((tmp_path / "hostile").glob("*-wal"))
    assert audit_count(drawn.engine) == before
    assert versions(drawn.engine, drawn.task_ids[0]) == []
    folder = run("--db", store_url, "bundle", "import", str(tmp_path))
    assert folder.exit_code == 2 and "是目录" in folder.output
    english = run("--lang", "en", "bundle", "show", str(cases["excel"][0]))
    assert "damaged or not a SQLite database" in english.output
    assert "must not be opened and saved with Excel" in english.output


def test_a_bundle_in_a_read_only_folder_is_shown_and_imported(store_url, tmp_path):
    """A bundle is opened read-only: a USB stick mounted read-only (or a folder nothing may
    be written to) is no obstacle, and neither command changes the file or its folder."""
    import os
    import shutil
    import subprocess

    _drawn, path = one_record_out(store_url, tmp_path)
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(path, media / "b.jcb")
    before = (media / "b.jcb").read_bytes(), (media / "b.jcb").stat().st_mtime_ns
    # a folder nothing can be written to (root ignores permissions: make it immutable)
    if os.geteuid() == 0:
        locked = subprocess.run(["chattr", "+i", str(media)], capture_output=True)
        if locked.returncode != 0:
            pytest.skip(f"cannot make a read-only folder here: {locked.stderr!r}")
    else:
        media.chmod(0o555)
    try:
        shown = run("--db", store_url, "bundle", "show", str(media / "b.jcb"))
        done = run("--db", store_url, "bundle", "import", str(media / "b.jcb"))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(media)], check=True)
        media.chmod(0o755)
    assert shown.exit_code == 0, shown.output
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in media.iterdir()) == ["b.jcb"]
    assert ((media / "b.jcb").read_bytes(), (media / "b.jcb").stat().st_mtime_ns) == before


def test_a_bundle_of_an_older_schema_imports_once_upgraded_as_the_hint_says(store_url, tmp_path):
    from alembic import command

    from jointcheck.core.store import alembic_config

    drawn, path = one_record_out(store_url, tmp_path)
    command.downgrade(alembic_config(f"sqlite:///{path}"), "0003")  # bundles came in 0003
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 1 and f"{path}: JC874" in done.output
    assert "db upgrade" in done.output and versions(drawn.engine, drawn.task_ids[0]) == []
    assert run("--db", f"sqlite:///{path}", "db", "upgrade").exit_code == 0
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 0, done.output
    assert len(versions(drawn.engine, drawn.task_ids[0])) == 1


def test_import_refuses_drafts_and_records_altered_in_the_file(store_url, tmp_path):
    from jointcheck.core.records.service import record_digest

    drawn = drawn_store(store_url, tmp_path, count=2)
    office, ids = drawn.engine, drawn.task_ids
    path = tmp_path / "b.jcb"
    export(store_url, drawn.draw.id, path, *ids)
    eng = bundle_engine(path)
    submit_in(eng, ids[0])
    answer_all(type(drawn)(eng, drawn.config, drawn.checklist, drawn.draw,
                           drawn.campaign_path), ids[1])
    eng.dispose()
    draft = tmp_path / "draft.jcb"
    draft.write_bytes(path.read_bytes())
    with sqlite3.connect(draft) as con:  # drafts are not under the digest: checked instead
        con.execute("UPDATE task_answers SET value = '{\"result\": \"也许\"}' "
                    "WHERE task_id = ? AND key LIKE 'item:%'", (ids[1],))
    done = run("--db", store_url, "bundle", "import", str(draft))
    assert done.exit_code == 1 and "JC875" in done.output and "JC805" in done.output
    record = tmp_path / "record.jcb"
    record.write_bytes(path.read_bytes())
    with sqlite3.connect(record) as con:  # a record that is no record, digest recomputed
        fp, results = con.execute("SELECT checklist_fingerprint, results FROM record_versions "
                                  "WHERE task_id = ?", (ids[0],)).fetchone()
        digest = record_digest(ids[0], 1, fp, [1, 2], json.loads(results))
        con.execute("UPDATE record_versions SET record = '[1, 2]', digest = ? "
                    "WHERE task_id = ?", (digest, ids[0]))
    done = run("--db", store_url, "bundle", "import", str(record))
    assert done.exit_code == 1 and "JC870" in done.output and "JC901" not in done.output
    assert versions(office, ids[0]) == [] and load_draft(office, ids[1]).answers == {}
    # the bundle itself still comes in whole
    assert run("--db", store_url, "bundle", "import", str(path)).exit_code == 0
    assert len(versions(office, ids[0])) == 1


def test_export_to_a_place_that_cannot_be_written(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=2)
    (tmp_path / "file.txt").write_text("x")
    before = audit_count(drawn.engine)
    for target in (tmp_path / "nowhere" / "b.jcb", tmp_path / "file.txt" / "b.jcb"):
        done = run("--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id),
                   "-o", str(target))
        assert done.exit_code == 1 and f"{target}: JC121" in done.output, done.output
    assert audit_count(drawn.engine) == before
    assert {t.bundle for t in list_tasks(drawn.engine)} == {None}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# seconds of work in a subprocess, killed while it runs (it must still be running)
@pytest.mark.slow
def test_export_killed_midway_leaves_no_file_under_its_name(store_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    drawn = drawn_store(store_url, tmp_path / "office", count=150, targets=1000, officers=80)
    out = tmp_path / "out"
    out.mkdir()
    path = out / "team.jcb"
    cmd = [sys.executable, "-c", "from jointcheck.core.cli import main; main()",
           "--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id), "-o", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    # kill once the bundle is being written (its journal beside the hidden .part file)
    while time.monotonic() < deadline and not list(out.glob(".team.jcb.*.part-wal")):
        time.sleep(0.001)
    assert proc.poll() is None, "the export finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not path.exists()
    with drawn.engine.connect() as conn:
        assert audit.verify(conn) == []
    done = run("--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id),
               "-o", str(path))
    assert done.exit_code == 0, done.output
    shown = run("--db", store_url, "bundle", "show", str(path))  # a whole bundle now
    assert shown.exit_code == 0 and "与内容相符" in shown.output and "尚未导入" in shown.output


def test_conflicts_are_listed_and_resolved_both_ways(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=4)
    office, ids, draw = drawn.engine, drawn.task_ids, drawn.draw.id
    path = tmp_path / "b.jcb"
    bid = export(store_url, draw, path, *ids[:3])
    eng = bundle_engine(path)
    for t in ids[:3]:
        submit_in(eng, t)
    eng.dispose()
    # meanwhile in the office: two of the same tasks change too
    submit_in(office, ids[0], result="noncompliant")
    answer_all(drawn, ids[1], inspected_on="2020-07-20")
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 0, done.output
    assert "2 项冲突" in done.output and f"bundle resolve {bid[:8]} {ids[0]}" in done.output
    assert [v.version for v in versions(office, ids[2])] == [1]  # no conflict: taken
    office_v1 = versions(office, ids[0])
    listed = run("--db", store_url, "bundle", "conflicts")
    assert ids[0] in listed.output and ids[1] in listed.output
    assert {t.id: t.bundle_state for t in list_tasks(office)}[ids[0]] == "conflict"
    # nothing was overwritten; importing again lists the same conflicts, adds nothing
    count = audit_count(office)
    again = run("--db", store_url, "bundle", "import", str(path))
    assert "没有任何改动" in again.output and audit_count(office) == count

    kept = run("--db", store_url, "bundle", "resolve", bid[:8], ids[0], "--keep", "office")
    assert kept.exit_code == 0, kept.output
    assert versions(office, ids[0]) == office_v1
    took = run("--db", store_url, "bundle", "resolve", bid[:8], ids[1], "--keep", "bundle")
    assert took.exit_code == 0, took.output
    got = versions(office, ids[1])
    assert [v.version for v in got] == [1]
    assert got[0].record["findings"]["inspected_on"] == "2020-07-15"  # the bundle's
    assert load_draft(office, ids[1]).task.status == "submitted"
    assert run("--db", store_url, "bundle", "conflicts").output.strip() == "没有待处理的外带冲突。"
    missing = run("--db", store_url, "bundle", "resolve", bid[:8], ids[1], "--keep", "office")
    assert missing.exit_code == 1 and "JC871" in missing.output
    final = run("--db", store_url, "bundle", "import", str(path))
    assert "没有任何改动" in final.output
    with office.connect() as conn:
        assert audit.verify(conn) == []


def test_the_same_task_changed_in_two_bundles_is_a_conflict(store_url, tmp_path):
    drawn = drawn_store(store_url, tmp_path, count=2)
    office, task = drawn.engine, drawn.task_ids[0]
    one, two = tmp_path / "one.jcb", tmp_path / "two.jcb"
    export(store_url, drawn.draw.id, one, task)
    second = export(store_url, drawn.draw.id, two, task)
    for path, result in ((one, "compliant"), (two, "noncompliant")):
        eng = bundle_engine(path)
        submit_in(eng, task, result=result)
        eng.dispose()
    assert "0 项冲突" in run("--db", store_url, "bundle", "import", str(one)).output
    done = run("--db", store_url, "bundle", "import", str(two))
    assert "1 项冲突" in done.output
    took = run("--db", store_url, "bundle", "resolve", second, task, "--keep", "bundle")
    assert took.exit_code == 0, took.output
    got = versions(office, task)
    # the first bundle's record stays version 1; the second's is version 2, never in place
    assert [v.version for v in got] == [1, 2]
    assert got[1].results["joint"]["code"] != got[0].results["joint"]["code"]


@pytest.mark.parametrize("missing", ["--draw"])
def test_export_errors_are_clear(store_url, tmp_path, missing):
    drawn = drawn_store(store_url, tmp_path, count=2)
    path = tmp_path / "b.jcb"
    done = run("--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id),
               "--task", "99-99", "-o", str(path))
    assert done.exit_code == 1 and "JC862" in done.output and not path.exists()
    for nobody in ("nobody", ""):
        done = run("--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id),
                   "--officer", nobody, "-o", str(path))
        assert done.exit_code == 1 and "JC861" in done.output and not path.exists()
    export(store_url, drawn.draw.id, path)
    done = run("--db", store_url, "bundle", "export", "--draw", str(drawn.draw.id),
               "-o", str(path))
    assert done.exit_code == 1 and "JC860" in done.output
    assert list(tmp_path.glob(".*.part*")) == []


# seconds of work in a subprocess, killed while it runs (it must still be running)
@pytest.mark.slow
def test_import_killed_midway_leaves_the_store_unchanged(store_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from jointcheck.core.records.bundle import task_states

    drawn = drawn_store(store_url, tmp_path, count=150, targets=1000, officers=80)
    office, ids = drawn.engine, drawn.task_ids
    path = tmp_path / "big.jcb"
    export(store_url, drawn.draw.id, path, *ids)
    eng = bundle_engine(path)
    for t in ids:
        submit_in(eng, t)
    eng.dispose()
    with office.connect() as conn:
        before = task_states(conn, ids)
    entries = audit_count(office)

    cmd = [sys.executable, "-c", "from jointcheck.core.cli import main; main()",
           "--db", store_url, "bundle", "import", str(path), "--progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    seen = b""
    while time.monotonic() < deadline and b"%" not in seen:
        chunk = os.read(proc.stderr.fileno(), 256)
        if not chunk:
            break
        seen += chunk
    assert proc.poll() is None, "the import finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    with office.connect() as conn:
        assert task_states(conn, ids) == before
        assert audit.verify(conn) == []
    assert audit_count(office) == entries
    assert {t.bundle for t in list_tasks(office)} != {None}  # still out
    # the lock died with the process: the same import runs to the end
    done = subprocess.run(cmd[:-1], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert all([v.version for v in versions(office, t)] == [1] for t in ids)


def test_a_record_submitted_in_the_app_on_a_bundle_comes_back(store_url, tmp_path):
    import asyncio

    from test_tui_app import InspectionScreen, make_app, settled, until

    drawn = drawn_store(store_url, tmp_path, count=2)
    task = drawn.task_ids[0]
    path = tmp_path / "app.jcb"
    export(store_url, drawn.draw.id, path, task)
    eng = bundle_engine(path)
    answer_all(type(drawn)(eng, drawn.config, drawn.checklist, drawn.draw, drawn.campaign_path),
               task)

    async def drive():
        app = make_app(eng, task)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.screen.query("#submit"))
            await pilot.click("#submit")
            await until(pilot, lambda: isinstance(app.screen, InspectionScreen)
                        and app.screen.readonly)

    asyncio.run(drive())
    field = [v.digest for v in versions(eng, task)]
    eng.dispose()
    assert len(field) == 1
    done = run("--db", store_url, "bundle", "import", str(path))
    assert done.exit_code == 0, done.output
    assert [v.digest for v in versions(drawn.engine, task)] == field


def test_show_refuses_what_import_refuses_as_not_this_stores_bundle(store_url, tmp_path):
    """A bundle naming this store that this store never exported (a forged or restored
    id) is refused by show as by import, with the same code, exit 1."""
    from sqlalchemy import delete

    from jointcheck.core.store.models import bundle_tasks, bundles

    drawn, path = one_record_out(store_url, tmp_path)
    with drawn.engine.begin() as conn:
        conn.execute(delete(bundle_tasks))
        conn.execute(delete(bundles))
    for args in (["bundle", "show"], ["bundle", "import"]):
        done = run("--db", store_url, *args, str(path))
        assert done.exit_code == 1 and "JC866" in done.output, (args, done.output)
