"""One behaviour per situation, and reading that writes nothing (issue 18).

- an unknown campaign is JC122 and exit 1 in every command, whether it reads campaign
  files (status, draw, referrals, checklist, calendar) or the store (report, publish,
  results, tasks list --campaign, draw list --campaign, inspect --review);
- reading commands create and change no file: the store's bytes and time stamps stay, no
  journal is left beside it, a store that does not exist is an error and stays missing,
  and an empty file, a random file or another program's database are named for what they
  are and left byte for byte as they were;
- ``report -o`` takes its format from the file's suffix and refuses one that contradicts
  it; ``-o DIR/`` makes the folder.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from recordsupport import CAMPAIGN_ID, run_cli, settled_store

C = CAMPAIGN_ID

UNKNOWN_CAMPAIGN = [
    ["status", "nosuch"],
    ["draw", "commit", "nosuch"],
    ["draw", "run", "nosuch", "--seed", "x" * 40],
    ["draw", "list", "--campaign", "nosuch"],
    ["referrals", "list", "nosuch"],
    ["referrals", "draft", "nosuch"],
    ["referrals", "letter", "nosuch", "--format", "docx", "-o", "letters"],
    ["report", "statistics", "nosuch", "-o", "a.xlsx"],
    ["report", "summary", "nosuch"],
    ["report", "record", "nosuch"],
    ["report", "officers", "nosuch"],
    ["publish", "nosuch", "-o", "pub"],
    ["results", "settle", "nosuch"],
    ["results", "list", "nosuch"],
    ["results", "list", "nosuch", "--format", "json"],
    ["tasks", "list", "--campaign", "nosuch"],
    ["tasks", "list", "--campaign", "nosuch", "--format", "json"],
    ["status", "nosuch", "--format", "json"],
    ["checklist", "nosuch"],
    ["calendar", "deadlines", "nosuch"],
    ["inspect", "--review", "--campaign", "nosuch"],
]


def codes(text: str) -> list[str]:
    return re.findall(r"\bJC\d{3}\b", text)


@pytest.fixture
def settled(store_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return settled_store(store_url, tmp_path / "work")


def test_an_unknown_campaign_is_one_code_and_exit_1_everywhere(settled, store_url, tmp_path):
    lines = set()
    for args in UNKNOWN_CAMPAIGN:
        done = run_cli(store_url, *args)
        assert done.exit_code == 1, (args, done.output)
        assert codes(done.output) == ["JC122"], (args, done.output)
        if "json" in args:  # the problem as JSON, where JSON was asked for
            assert [e["code"] for e in json.loads(done.output)["errors"]] == ["JC122"]
        else:
            lines.add(done.output.strip())
    assert len(lines) == 1  # the same words, whichever command
    (line,) = lines
    assert line.startswith("nosuch: JC122") and "jointcheck draw list" in line
    written = [p.name for p in tmp_path.iterdir() if not p.name.startswith("jointcheck.db")]
    assert written == ["work"]  # no report, letter or page written


def test_a_known_campaign_is_taken_by_id_or_file(settled, store_url):
    """The campaign the store knows is taken by its id by every command, and its file by
    the commands that read the store too (the id inside it)."""
    for args in (["results", "list", C], ["tasks", "list", "--campaign", C],
                 ["draw", "list", "--campaign", C],
                 ["tasks", "list", "--campaign", str(settled.campaign_path)],
                 ["results", "list", str(settled.campaign_path)]):
        done = run_cli(store_url, *args)
        assert done.exit_code == 0, (args, done.output)
        # tasks and results list task 1-1; draw list names the campaign of draw 1
        assert ("hebi-2020" if args[0] == "draw" else "1-1") in done.output, (args, done.output)
    other = settled.campaign_path.with_name("missing.yaml")
    done = run_cli(store_url, "tasks", "list", "--campaign", str(other))
    assert done.exit_code == 1 and codes(done.output) == ["JC122"]


def test_a_campaign_not_drawn_yet_says_so(store_url, tmp_path, monkeypatch):
    """Known but without tasks (the shipped example in an empty store): JC848 names the
    draw as the next step; listing its tasks lists none."""
    monkeypatch.chdir(tmp_path)
    for args in (["report", "statistics", C], ["results", "settle", C], ["publish", C, "-o", "p"]):
        done = run_cli(store_url, *args)
        assert done.exit_code == 1 and codes(done.output) == ["JC848"], (args, done.output)
        assert "draw run" in done.output
    done = run_cli(store_url, "tasks", "list", "--campaign", C)
    assert done.exit_code == 0 and codes(done.output) == []


# --- reading writes nothing ---------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def reading_commands(settled) -> list[list[str]]:
    code = settled.target(settled.task_ids[0])["credit_code"]
    return [
        ["tasks", "list"], ["tasks", "list", "--format", "json"], ["tasks", "list", "--campaign", C],
        ["status", C], ["status", C, "--format", "json"], ["results", "list", C],
        ["record", "show", settled.task_ids[0]], ["targets", "list"], ["targets", "show", code],
        ["officers", "list"], ["draw", "list"], ["draw", "show", "1"], ["draw", "verify", "1"],
        ["audit", "verify"], ["audit", "list"], ["audit", "head"], ["db", "status"],
        ["referrals", "list", C], ["bundle", "conflicts"], ["checklist", C],
        ["calendar", "deadlines", C],
    ]


def test_reading_commands_change_no_file(sqlite_url, tmp_path, monkeypatch):
    from jointcheck.core.store import upgrade

    monkeypatch.chdir(tmp_path)
    upgrade(sqlite_url)
    settled = settled_store(sqlite_url, tmp_path / "work")
    commands = reading_commands(settled)
    settled.engine.dispose()
    before = snapshot(tmp_path)
    assert "jointcheck.db" in before and not any(k.endswith(("-wal", "-shm")) for k in before)
    for args in commands:
        done = run_cli(sqlite_url, *args)
        assert done.exit_code == 0, (args, done.output)
        assert snapshot(tmp_path) == before, args


READERS = [["tasks", "list"], ["status", C], ["results", "list", C], ["record", "show", "1-1"],
           ["targets", "list"], ["draw", "list"], ["audit", "verify"], ["referrals", "list", C],
           ["report", "statistics", C, "-o", "r.xlsx"], ["db", "status"]]


def test_a_store_that_does_not_exist_is_an_error_and_is_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for path in (tmp_path / "none.db", tmp_path / "no-dir" / "none.db"):
        for args in READERS:
            done = run_cli(f"sqlite:///{path}", *args)
            assert done.exit_code == 1 and "JC701" in done.output, (args, done.output)
            assert "jointcheck db upgrade" in done.output
            assert "Traceback" not in done.output
        assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert run_cli(f"sqlite:///{tmp_path / 'none.db'}", "db", "upgrade").exit_code == 0
    assert (tmp_path / "none.db").is_file()  # db upgrade is the one command that creates it


def _foreign(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    con.commit()
    con.close()


@pytest.mark.parametrize(("kind", "code"), [("empty", "JC703"), ("random", "JC706"),
                                            ("foreign", "JC720"), ("folder", "JC706")])
def test_a_store_that_is_not_one_is_named_and_left_as_it_was(tmp_path, monkeypatch, kind, code):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "store.db"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(os.urandom(8192))
    elif kind == "folder":
        path.mkdir()
    else:
        _foreign(path)
    before = snapshot(tmp_path)
    outputs = set()
    for args in [*READERS, *([["bundle", "show", str(path)]] if kind != "folder" else [])]:
        done = run_cli(f"sqlite:///{path}", *args)
        assert done.exit_code == 1, (args, done.output)
        assert "Traceback" not in done.output
        if args[0] != "bundle":
            assert codes(done.output) == [code], (args, done.output)
            outputs.add(done.output.strip().splitlines()[-1])  # db status: a table first
        assert snapshot(tmp_path) == before, args
    assert len(outputs) == 1
    if kind == "folder":
        assert "这是一个文件夹，不是数据库文件" in outputs.pop()
        assert run_cli(f"sqlite:///{path}/", "db", "upgrade").exit_code == 1
        assert list(path.iterdir()) == []
        return
    upgraded = run_cli(f"sqlite:///{path}", "db", "upgrade")
    if kind == "empty":  # an empty file is where db upgrade makes a store
        assert upgraded.exit_code == 0
    else:  # the same words as every other command, and the file untouched
        assert upgraded.exit_code == 1 and upgraded.output.strip() in outputs
        assert snapshot(tmp_path) == before


# --- report -o: the suffix is the format; DIR/ is a folder -----------------------------------

def test_report_output_suffix_and_folder(settled, store_url, tmp_path):
    for args in (["-o", "a.txt"], ["--format", "xlsx", "-o", "a.txt"], ["-o", "annex"],
                 ["--format", "csv", "-o", "b.xlsx"]):
        done = run_cli(store_url, "report", "statistics", C, *args)
        assert done.exit_code == 2, (args, done.output)
        assert "扩展名" in done.output
    assert not any((tmp_path / n).exists() for n in ("a.txt", "annex", "b.xlsx"))
    done = run_cli(store_url, "report", "statistics", C, "-o", "b.csv")
    assert done.exit_code == 0 and (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    done = run_cli(store_url, "report", "statistics", C, "-o", "new/sub/")
    assert done.exit_code == 0, done.output
    assert [p.name for p in (tmp_path / "new" / "sub").iterdir()] == ["附件2_联合抽查统计表.xlsx"]
    (tmp_path / "existing").mkdir()
    done = run_cli(store_url, "report", "summary", C, "--format", "csv", "-o", "existing")
    assert done.exit_code == 0
    assert [p.name for p in (tmp_path / "existing").iterdir()] == ["附件3_联合抽查汇总表.csv"]
    english = run_cli(store_url, "--lang", "en", "report", "statistics", C, "-o", "a.txt")
    assert "must end in .xlsx, .csv or .json (e.g. a.xlsx)" in english.output



def test_an_unknown_draw_is_one_code_and_exit_1_everywhere(settled, store_url, tmp_path):
    outputs = set()
    for args in (["draw", "show", "99"], ["draw", "verify", "99"], ["draw", "export", "99"],
                 ["tasks", "list", "--draw", "99"],
                 ["bundle", "export", "--draw", "99", "-o", str(tmp_path / "b.jcb")]):
        done = run_cli(store_url, *args)
        assert done.exit_code == 1 and codes(done.output) == ["JC734"], (args, done.output)
        outputs.add(done.output.strip())
    assert len(outputs) == 1
    assert not list(tmp_path.glob("*b.jcb*"))  # nor a half bundle


# --- hostile files: a 0-byte file, random bytes --------------------------------------------

def test_an_empty_or_random_file_is_named_in_the_users_language(settled, store_url, tmp_path):
    empty, rand = tmp_path / "empty.xlsx", tmp_path / "random.xlsx"
    empty.write_bytes(b"")
    rand.write_bytes(bytes(range(256)) * 8)
    said = {}
    for path in (empty, rand):
        done = run_cli(store_url, "targets", "import", str(path))
        assert done.exit_code == 1 and codes(done.output) == ["JC609"], done.output
        said[path.name] = done.output
    assert "文件为空（0 字节）" in said["empty.xlsx"]
    assert "不是 .xlsx 工作簿" in said["random.xlsx"] and "zip file" not in said["random.xlsx"]
    columns = tmp_path / "columns.yaml"
    columns.write_bytes(b"\xff\xfe" + bytes(range(128, 256)))
    done = run_cli(store_url, "publish", C, "-o", str(tmp_path / "pub"), "--columns", str(columns))
    assert done.exit_code == 1 and codes(done.output) == ["JC850"]
    assert "不是 UTF-8 编码" in done.output and "codec" not in done.output
    columns.write_bytes(b"")
    done = run_cli(store_url, "publish", C, "-o", str(tmp_path / "pub"), "--columns", str(columns))
    assert done.exit_code == 1 and "应为“平台列名: 字段”的映射" in done.output


def test_a_store_on_read_only_media_is_read_and_not_written(sqlite_url, tmp_path, monkeypatch):
    """SQLite cannot make its -shm file in a folder nothing may be written to: the store is
    then read read-only (reading commands work), and a command that writes is JC708."""
    import shutil
    import subprocess

    from jointcheck.core.store import upgrade

    monkeypatch.chdir(tmp_path)
    upgrade(sqlite_url)
    settled = settled_store(sqlite_url, tmp_path / "work")
    settled.engine.dispose()
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(sqlite_path_of(sqlite_url), media / "jc.db")
    if os.geteuid() == 0:  # root ignores permissions: make the folder immutable
        locked = subprocess.run(["chattr", "+i", str(media)], capture_output=True)
        if locked.returncode != 0:
            pytest.skip(f"cannot make a read-only folder here: {locked.stderr!r}")
    else:
        media.chmod(0o555)
    url = f"sqlite:///{media / 'jc.db'}"
    try:
        before = snapshot(media)
        for args in (["tasks", "list"], ["status", C], ["results", "list", C],
                     ["record", "show", "1-1"]):
            done = run_cli(url, *args)
            assert done.exit_code == 0, (args, done.output)
        done = run_cli(url, "results", "set", "1-1", "--department", "emergency_mgmt",
                       "--result", "2", "--reason", "复核")
        assert done.exit_code == 1 and codes(done.output) == ["JC708"], done.output
        assert snapshot(media) == before
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(media)], check=True)
        media.chmod(0o755)


def sqlite_path_of(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))
