"""The hash-chained audit log: append, verify, tampering, concurrent writers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from jointcheck.core.cli import main
from jointcheck.core.store import audit, begin_write, open_store
from jointcheck.core.store.models import audit_log


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def engine(store_url):
    eng = open_store(store_url)
    yield eng
    eng.dispose()


def append_entries(engine, n: int, actor: str | None = None) -> list[int]:
    seqs = []
    for i in range(n):
        with begin_write(engine) as conn:
            seqs.append(audit.append(conn, "test.step", {"i": i, "企业": f"某某公司{i}"},
                                     actor=actor))
    return seqs


def tamper(engine, sql: str, **params) -> None:
    """Edit the table behind the software's back (what an attacker would do). On
    PostgreSQL only the table's owner (or a superuser) can, by first switching off the
    append-only triggers (docs/deployment.md); verify must still find it."""
    with engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        if pg:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        conn.execute(sa.text(sql), params)
        if pg:
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def verify(engine, anchors=None):
    with engine.connect() as conn:
        return audit.verify(conn, anchors)


def head(engine):
    with engine.connect() as conn:
        return audit.head(conn)


# --------------------------------------------------------------------------- appending


def test_append_builds_a_linked_chain(engine, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_ACTOR", "王科长")
    assert append_entries(engine, 3) == [1, 2, 3]
    with engine.connect() as conn:
        rows = list(audit.entries(conn))
    assert [r["actor"] for r in rows] == ["王科长"] * 3
    assert rows[0]["prev_hash"] == "0" * 64
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    assert rows[2]["prev_hash"] == rows[1]["hash"]
    assert rows[2]["payload"] == {"i": 2, "企业": "某某公司2"}
    assert verify(engine) == []


def test_explicit_actor_and_authenticated_default(engine):
    """Without a name given: the login PostgreSQL authenticated, the OS user on SQLite."""
    import getpass

    with begin_write(engine) as conn:
        audit.append(conn, "draw.run", {"draw": 1}, actor="李四")
        audit.append(conn, "draw.run", {"draw": 2})
    with engine.connect() as conn:
        rows = list(audit.entries(conn))
    assert rows[0]["actor"] == "李四"
    expected = (engine.url.username if engine.dialect.name == "postgresql"
                else getpass.getuser())
    assert rows[1]["actor"] == audit.actor(engine) == expected


def test_append_many_continues_the_chain_as_single_appends_would(engine, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_ACTOR", "王科长")
    append_entries(engine, 2)
    with begin_write(engine) as conn:
        seqs = audit.append_many(conn, [("record.submit", {"task_id": "1-1"}, "张三"),
                                        ("record.amend", {"task_id": "1-1"}, None),
                                        ("bundle.import", {"bundle": "x"}, "李四")])
        assert audit.append_many(conn, []) == []
    assert seqs == [3, 4, 5]
    with engine.connect() as conn:
        rows = list(audit.entries(conn))
    assert [r["actor"] for r in rows[2:]] == ["张三", "王科长", "李四"]
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert verify(engine) == []
    with pytest.raises(TypeError), begin_write(engine) as conn:
        audit.append_many(conn, [("a", {"ok": 1}, None), ("b", ["not", "a", "dict"], None)])
    assert head(engine)[0] == 5


def test_entry_hashes_follow_the_documented_canonical_form(engine):
    """A third party with only hashlib and json (docs/audit.md) reproduces every hash."""
    with begin_write(engine) as conn:
        audit.append(conn, "targets.import", {"file": "名录.csv", "added": 3, "rate": 0.5,
                                              "nested": {"b": [1, None, True], "a": "x"}})
        audit.append(conn, "targets.import", {})
    with engine.connect() as conn:
        rows = list(audit.entries(conn))
    prev = "0" * 64
    for r in rows:
        def canon(v):
            return json.dumps(v, ensure_ascii=False, sort_keys=True,
                              separators=(",", ":")).encode("utf-8")
        digest = hashlib.sha256(canon(r["payload"])).hexdigest()
        assert digest == r["payload_digest"]
        assert r["at"].endswith("Z") and len(r["at"]) == len("2020-07-01T08:00:00.000000Z")
        own = hashlib.sha256(canon([r["seq"], r["at"], r["actor"], r["action"], digest,
                                    prev])).hexdigest()
        assert own == r["hash"]
        prev = own


def test_non_json_payload_values_are_stored_as_hashed(engine):
    with begin_write(engine) as conn:
        audit.append(conn, "draw.run", {"day": date(2020, 7, 1), "codes": {"b", "a"}})
    with engine.connect() as conn:
        (row,) = list(audit.entries(conn))
    assert row["payload"] == {"day": "2020-07-01", "codes": ["a", "b"]}
    assert verify(engine) == []


def test_nan_is_refused_and_nothing_is_written(engine):
    with pytest.raises(ValueError), begin_write(engine) as conn:
        audit.append(conn, "bad", {"x": float("nan")})
    assert head(engine) is None


def test_append_outside_begin_write_is_refused(engine):
    with engine.begin() as conn, pytest.raises(RuntimeError, match="begin_write"):
        audit.append(conn, "x", {})


def test_entry_rolls_back_with_the_change_it_records(engine):
    append_entries(engine, 1)
    with pytest.raises(KeyError), begin_write(engine) as conn:
        audit.append(conn, "targets.import", {"added": 5})
        raise KeyError("import failed halfway")
    assert head(engine)[0] == 1
    assert verify(engine) == []


# --------------------------------------------------------------------------- tampering


def first_bad(problems) -> int:
    return problems[0].extra["seq"]


def test_edited_payload_is_found(engine):
    append_entries(engine, 4)
    with engine.connect() as conn:
        payload = list(audit.entries(conn))[1]["payload"]
    payload["企业"] = "另一家公司"
    tamper(engine, "UPDATE audit_log SET payload = :p WHERE seq = 2",
           p=json.dumps(payload, ensure_ascii=False))
    problems = verify(engine)
    assert first_bad(problems) == 2
    assert [p.code for p in problems] == ["JC711"]


def test_edited_payload_with_recomputed_digest_is_found(engine):
    append_entries(engine, 3)
    new_payload = {"i": 1, "企业": "另一家公司"}
    tamper(engine, "UPDATE audit_log SET payload = :p, payload_digest = :d WHERE seq = 2",
           p=json.dumps(new_payload, ensure_ascii=False), d=audit.payload_digest(new_payload))
    problems = verify(engine)
    assert first_bad(problems) == 2
    assert problems[0].code == "JC712"


def test_edited_hash_is_found(engine):
    append_entries(engine, 3)
    tamper(engine, "UPDATE audit_log SET hash = :h WHERE seq = 2", h="f" * 64)
    problems = verify(engine)
    assert first_bad(problems) == 2
    assert ("JC712", 2) in {(p.code, p.extra["seq"]) for p in problems}
    assert ("JC714", 3) in {(p.code, p.extra["seq"]) for p in problems}


def test_edited_actor_is_found(engine):
    append_entries(engine, 3, actor="张三")
    tamper(engine, "UPDATE audit_log SET actor = '李四' WHERE seq = 3")
    problems = verify(engine)
    assert first_bad(problems) == 3
    assert problems[0].code == "JC712"


def test_deleted_middle_entry_is_found(engine):
    append_entries(engine, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 3")
    problems = verify(engine)
    assert first_bad(problems) == 3
    assert problems[0].code == "JC713"


def test_deleted_middle_entry_with_renumbering_is_found(engine):
    append_entries(engine, 4)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 2")
    tamper(engine, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2")
    problems = verify(engine)
    assert first_bad(problems) == 2
    assert {p.code for p in problems} >= {"JC714", "JC712"}


def test_reordered_entries_are_found(engine):
    append_entries(engine, 4)
    tamper(engine, "UPDATE audit_log SET seq = 100 WHERE seq = 2")
    tamper(engine, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
    tamper(engine, "UPDATE audit_log SET seq = 3 WHERE seq = 100")
    problems = verify(engine)
    assert first_bad(problems) == 2


def test_deleted_first_entry_is_found(engine):
    append_entries(engine, 3)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 1")
    problems = verify(engine)
    assert first_bad(problems) == 1
    assert problems[0].code == "JC713"


def test_deleted_last_entry_needs_an_anchor(engine):
    """Truncating the tail leaves a consistent chain: the limitation docs/audit.md states.

    A head recorded outside the database (``audit head``) detects it.
    """
    append_entries(engine, 3)
    anchor = head(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 3")
    assert verify(engine) == []  # the chain alone cannot tell
    problems = verify(engine, [anchor])
    assert [p.code for p in problems] == ["JC715"]
    assert first_bad(problems) == 3


def test_anchor_detects_a_rewritten_tail(engine):
    append_entries(engine, 2)
    anchor = head(engine)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 2")
    with begin_write(engine) as conn:  # a forged replacement, correctly chained
        audit.append(conn, "test.step", {"i": 99})
    assert verify(engine) == []
    problems = verify(engine, [anchor])
    assert [(p.code, p.extra["seq"]) for p in problems] == [("JC716", 2)]


# --------------------------------------------------------------------------- CLI


def test_cli_verify_intact_and_broken(store_url, engine):
    append_entries(engine, 3)
    ok = run_cli("--db", store_url, "audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert "审计日志完整" in ok.output and "3" in ok.output

    tamper(engine, "DELETE FROM audit_log WHERE seq = 2")
    bad = run_cli("--db", store_url, "audit", "verify")
    assert bad.exit_code == 1
    assert "第一个有问题的条目是第 2 条" in bad.output
    assert "JC713" in bad.output
    assert "Traceback" not in bad.output

    en = run_cli("--lang", "en", "--db", store_url, "audit", "verify", "--format", "json")
    assert en.exit_code == 1
    data = json.loads(en.output)
    assert data["intact"] is False and data["first_bad_seq"] == 2
    assert "missing (deleted)" in data["problems"][0]["message"]


def test_cli_head_and_anchor(store_url, engine):
    append_entries(engine, 2)
    printed = run_cli("--db", store_url, "audit", "head")
    assert printed.exit_code == 0
    anchor = printed.output.strip()
    assert anchor.startswith("2:") and len(anchor) == 66
    assert run_cli("--db", store_url, "audit", "verify", "--anchor", anchor).exit_code == 0
    tamper(engine, "DELETE FROM audit_log WHERE seq = 2")
    truncated = run_cli("--db", store_url, "audit", "verify", "--anchor", anchor)
    assert truncated.exit_code == 1
    assert "JC715" in truncated.output
    malformed = run_cli("--db", store_url, "audit", "verify", "--anchor", "2-abc")
    assert malformed.exit_code == 2
    assert "JC717" in malformed.output


def test_cli_list_newest_first_with_limit(store_url, engine):
    append_entries(engine, 5, actor="赵六")
    table = run_cli("--db", store_url, "audit", "list", "--limit", "2")
    assert table.exit_code == 0, table.output
    lines = table.output.strip().splitlines()
    assert len(lines) == 3  # header + 2
    assert lines[1].split()[0] == "5" and lines[2].split()[0] == "4"
    assert "赵六" in lines[1]
    js = run_cli("--db", store_url, "audit", "list", "--format", "json")
    rows = json.loads(js.output)
    assert [r["seq"] for r in rows] == [5, 4, 3, 2, 1]
    assert rows[0]["payload"]["企业"] == "某某公司4"


def test_cli_list_empty_log(store_url):
    result = run_cli("--db", store_url, "audit", "list")
    assert result.exit_code == 0
    assert "审计日志为空" in result.output


# --------------------------------------------------------------------------- concurrency


WRITER = textwrap.dedent("""
    import sys
    from jointcheck.core.store import audit, begin_write, open_store
    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = open_store(url)
    for i in range(n):
        with begin_write(engine) as conn:
            audit.append(conn, "test.concurrent", {"writer": name, "i": i}, actor=name)
    engine.dispose()
""")


@pytest.mark.slow
def test_two_processes_appending_at_once_keep_an_intact_chain(store_url, engine):
    n = 40
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, name, str(n)],
                              stderr=subprocess.PIPE, text=True)
             for name in ("甲", "乙")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with engine.connect() as conn:
        rows = list(audit.entries(conn))
        count = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar()
    assert count == 2 * n
    assert [r["seq"] for r in rows] == list(range(1, 2 * n + 1))
    for name in ("甲", "乙"):  # no lost entries, each writer's in its own order
        assert [r["payload"]["i"] for r in rows if r["actor"] == name] == list(range(n))
    assert verify(engine) == []
