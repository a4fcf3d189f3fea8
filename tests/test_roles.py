"""Named logins and who may do what, enforced by PostgreSQL itself (docs/deployment.md):
every role's allowed and refused actions through the CLI and through raw SQL, on the real
PostgreSQL. The logins are cluster-wide roles: each test makes its own, with a unique
name, and tests/conftest.py drops them (and the store's group roles) afterwards."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from jointcheck.core.cli import main
from jointcheck.core.store import access
from jointcheck.core.store.models import audit_log, record_versions, task_answers, tasks
from tests.recordsupport import CAMPAIGN_ID, drawn_store, record_file, submit_task

PASSWORD = "s3cret-密码"

def cli(url: str, *args: str, stdin: str | None = None, env: dict | None = None):
    return CliRunner().invoke(main, ["--db", url, *args], input=stdin, env=env)


def login_url(url: str, login: str, password: str | None = PASSWORD) -> str:
    """*url* (the store's schema) as *login* (*password* None: none in the URL)."""
    return make_url(url)._replace(username=login, password=password).render_as_string(
        hide_password=False)


def unique(role: str) -> str:
    return f"{role}_{uuid.uuid4().hex[:10]}"


def add_user(url: str, role: str, *extra: str, as_url: str | None = None) -> str:
    """``users add`` (password on stdin) run by the owner (or *as_url*): the new login."""
    login = unique(role)
    out = cli(as_url or url, "users", "add", login, "--role", role, *extra,
              stdin=PASSWORD + "\n")
    assert out.exit_code == 0, out.output
    return login


def refused(out, code: str, *words: str) -> None:
    """Exit 1 with *code*, the user's language, no traceback nor driver words."""
    assert out.exit_code == 1, out.output
    assert code in out.output, out.output
    for word in words:
        assert word in out.output, out.output
    assert "Traceback" not in out.output and "JC901" not in out.output
    if code in ("JC760", "JC761"):  # the user's language, not the driver's
        assert "permission denied" not in out.output and "psycopg.errors" not in out.output


def team_of(drawn, task_id: str) -> set[str]:
    with drawn.engine.connect() as conn:
        team = conn.execute(sa.select(tasks.c.team).where(tasks.c.id == task_id)).scalar_one()
    return {m["cert_no"] for m in team}


@pytest.fixture
def server(pg_store_url, tmp_path):
    """A drawn store on PostgreSQL (4 tasks) and an inspector of the first task's team
    who was not drawn for another: (drawn, url, inspector login, its 执法证号, own
    task, other task)."""
    store_url = pg_store_url
    drawn = drawn_store(store_url, tmp_path, count=4)
    ids = drawn.task_ids
    own = ids[0]
    other = next(t for t in ids[1:] if team_of(drawn, own) - team_of(drawn, t))
    cert = sorted(team_of(drawn, own) - team_of(drawn, other))[0]
    login = add_user(store_url, "inspector", "--officer", cert)
    yield drawn, store_url, login, cert, own, other
    drawn.engine.dispose()


def raw(url: str):
    """An engine that keeps no connection open (nothing to dispose of)."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def refused_sql(url: str, statements, match: str, **params) -> None:
    """Each of *statements*, as the login of *url*, raises a driver error matching
    *match* (and changes nothing: its transaction rolls back)."""
    engine = raw(url)
    for statement in statements:
        with pytest.raises(sa.exc.DBAPIError, match=match), engine.begin() as conn:
            conn.execute(sa.text(statement), params)


# --------------------------------------------------------------------------- the acceptance


def test_inspector_submits_own_record_and_is_refused_the_rest(server, tmp_path):
    drawn, url, login, cert, own, other = server
    me = login_url(url, login)
    own_file = record_file(drawn, tmp_path, own)
    other_file = record_file(drawn, tmp_path, other)

    out = cli(me, "record", "submit", own, "--findings", own_file)
    assert out.exit_code == 0, out.output
    # the audit entry of the submission names the login and the 执法证号
    with drawn.engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()
        version = conn.execute(sa.select(record_versions)
                               .where(record_versions.c.task_id == own)).one()
    assert entry.action == "record.submit" and entry.payload["task_id"] == own
    assert entry.actor == f"{login} (执法证号 {cert})" == version.submitted_by

    out = cli(me, "record", "submit", other, "--findings", other_file)
    refused(out, "JC761", "您没有权限", other, cert)
    out = cli(me, "results", "settle", CAMPAIGN_ID)
    refused(out, "JC760", "您没有权限", "results settle", "联合抽查领导小组办公室", login)
    targets = tmp_path / "libs" / "targets.csv"
    assert targets.exists()
    out = cli(me, "targets", "import", str(targets))
    refused(out, "JC760", "targets import")
    out = cli(me, "--lang", "en", "results", "settle", CAMPAIGN_ID)
    refused(out, "JC760", "you are not allowed", "results settle")
    # field bundles are the office's: an inspector neither exports one nor imports one
    bundle = tmp_path / "team.jcb"
    refused(cli(me, "bundle", "export", "--draw", str(drawn.draw.id), "--officer", cert,
                "-o", str(bundle)), "JC760", "bundle export")
    assert not bundle.exists()
    out = cli(url, "bundle", "export", "--draw", str(drawn.draw.id), "--officer", cert,
              "-o", str(bundle))
    assert out.exit_code == 0, out.output
    refused(cli(me, "bundle", "import", str(bundle)), "JC760", "bundle import")
    with drawn.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(record_versions)).scalar() == 1


def test_inspector_lists_only_own_tasks(server):
    drawn, url, login, cert, own, other = server
    out = cli(login_url(url, login), "tasks", "list", "--format", "json")
    assert out.exit_code == 0, out.output
    assert own in out.output and other not in out.output
    mine = [t for t in drawn.task_ids if cert in team_of(drawn, t)]
    assert sorted(t["id"] for t in json.loads(out.output)) == sorted(mine)


def test_raw_sql_as_an_inspector_changes_nothing_of_another_team(server):
    drawn, url, login, cert, own, other = server
    submit_task(drawn, other)  # as the owner: another team's record exists
    engine = raw(login_url(url, login))
    mine = {t for t in drawn.task_ids if cert in team_of(drawn, t)}
    with engine.begin() as conn:
        seen = {r[0] for r in conn.execute(sa.text("SELECT id FROM tasks"))}
        assert seen == mine
        assert conn.execute(sa.text("SELECT count(*) FROM task_answers WHERE task_id = :t"),
                            {"t": other}).scalar() == 0
        # an UPDATE of every task touches only the team's own
        changed = conn.execute(sa.text("UPDATE tasks SET updated_at = now()")).rowcount
        assert changed == len(mine)
        assert conn.execute(sa.text("UPDATE task_answers SET version = version + 1 "
                                    "WHERE task_id = :t"), {"t": other}).rowcount == 0
        assert conn.execute(sa.text("DELETE FROM task_answers WHERE task_id = :t"),
                            {"t": other}).rowcount == 0
    forbidden = [
        ("INSERT INTO task_answers (task_id, key, value, version, updated_at, updated_by) "
         "VALUES (:t, 'field:opinion', '\"x\"', 1, now(), jc_actor())", "row-level security"),
        # nor an answer of the team's own task under another name
        ("INSERT INTO task_answers (task_id, key, value, version, updated_at, updated_by) "
         "VALUES (:o, 'field:opinion', '\"x\"', 1, now(), '周国斌')", "row-level security"),
        ("UPDATE tasks SET team = '[]' WHERE id = :o", "permission denied"),
        ("UPDATE record_versions SET digest = 'x'", "permission denied"),
        ("DELETE FROM record_versions", "permission denied"),
        ("UPDATE targets SET name = 'x'", "permission denied"),
        ("DELETE FROM officers", "permission denied"),
        ("INSERT INTO targets (credit_code) VALUES ('x')", "permission denied"),
        ("UPDATE result_settlements SET results = '{}'", "permission denied"),
        ("UPDATE audit_log SET actor = 'x'", "permission denied"),
        ("DELETE FROM audit_log", "permission denied"),
        ("SELECT jc_user_add('x', 'office', NULL, NULL, 'x')", "permission denied"),
    ]
    for statement, why in forbidden:
        refused_sql(login_url(url, login), [statement], why, t=other, o=own)
    # becoming the group role grants nothing more: the policies know only logins
    with drawn.engine.connect() as conn:
        group = access.role_prefix(conn) + "inspector"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'SET ROLE "{group}"')
        assert conn.execute(sa.text("SELECT count(*) FROM tasks")).scalar() == 0
    with drawn.engine.connect() as conn:  # the owner sees the other team's record intact
        assert conn.execute(sa.select(sa.func.count()).select_from(record_versions)
                            .where(record_versions.c.task_id == other)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(task_answers)
                            .where(task_answers.c.task_id == other)).scalar() > 0


def test_no_role_can_change_or_delete_audit_entries(server):
    drawn, url, login, cert, own, other = server
    submit_task(drawn, other)
    office = add_user(url, "office")
    auditor = add_user(url, "auditor")
    department = add_user(url, "department", "--department", "emergency_mgmt")
    for who in (office, auditor, department, login, None):  # None: the owner itself
        refused_sql(login_url(url, who) if who else url,
                    ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                     "TRUNCATE audit_log"), "permission denied|append-only")
    # nor write an entry under another name
    refused_sql(login_url(url, office), [
        "INSERT INTO audit_log (seq, at, actor, action, payload, payload_digest, prev_hash, "
        "hash) VALUES (999, now(), 'somebody else', 'x', '{}', '0', '0', :h)"],
        "is not the login", h="f" * 64)
    out = cli(url, "audit", "verify")
    assert out.exit_code == 0, out.output


# --------------------------------------------------------------------------- other roles


def test_office_runs_the_campaign_and_manages_users(server, tmp_path):
    drawn, url, login, cert, own, other = server
    office = add_user(url, "office")
    me = login_url(url, office)
    for tid in drawn.task_ids:
        submit_task(drawn, tid)
    out = cli(me, "results", "settle", CAMPAIGN_ID)
    assert out.exit_code == 0, out.output
    out = cli(me, "targets", "import", str(tmp_path / "libs" / "targets.csv"))
    assert out.exit_code == 0, out.output
    # the office adds and removes logins; the entry names who did it
    auditor = add_user(url, "auditor", as_url=me)
    out = cli(me, "users", "list", "--format", "json")
    assert out.exit_code == 0 and auditor in out.output and login in out.output
    out = cli(me, "users", "remove", auditor)
    assert out.exit_code == 0, out.output
    with drawn.engine.connect() as conn:
        entry = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()
    assert (entry.action, entry.actor, entry.payload) == ("users.remove", office,
                                                         {"login": auditor})
    out = cli(login_url(url, auditor), "tasks", "list")
    refused(out, "JC702")  # that login is gone


def test_auditor_reads_everything_and_writes_nothing(server):
    drawn, url, login, cert, own, other = server
    submit_task(drawn, own)
    auditor = add_user(url, "auditor")
    me = login_url(url, auditor)
    out = cli(me, "tasks", "list", "--format", "json")
    assert out.exit_code == 0 and all(t in out.output for t in drawn.task_ids)
    out = cli(me, "audit", "verify")
    assert out.exit_code == 0, out.output
    refused(cli(me, "results", "settle", CAMPAIGN_ID), "JC760", "results settle")
    refused_sql(me, ("UPDATE tasks SET status = 'draft'", "DELETE FROM task_answers",
                     "INSERT INTO audit_log (seq) VALUES (1)"), "permission denied")


def test_department_reads_its_referrals_and_results_and_records_steps(pg_store_url, tmp_path):
    from datetime import date

    from jointcheck.core import referrals
    from jointcheck.core.store.models import referrals as referral_table
    from jointcheck.core.store.models import result_settlements
    from tests.recordsupport import settled_store

    store_url = pg_store_url
    settled = settled_store(store_url, tmp_path)

    referrals.draft(settled.engine, CAMPAIGN_ID, date(2020, 8, 1))
    with settled.engine.connect() as conn:
        rows = conn.execute(sa.select(referral_table)).all()
        settlements = conn.execute(sa.select(result_settlements)).all()
    receivers = {r.refer_to for r in rows}
    assert rows, "the settled store must have a problem to refer"
    dept = sorted(receivers)[0]
    theirs = [r for r in rows if r.refer_to == dept]
    others = [r for r in rows if r.refer_to != dept]
    login = add_user(store_url, "department", "--department", dept)
    me = login_url(store_url, login)
    with raw(me).connect() as conn:
        seen = {r[0] for r in conn.execute(sa.text("SELECT id FROM referrals"))}
        assert seen == {r.id for r in theirs}
        results = {r[0] for r in conn.execute(sa.text("SELECT task_id FROM result_settlements"))}
        assert results == {s.task_id for s in settlements
                           if dept in (s.results.get("departments") or {})}
        refused_sql(me, ("UPDATE result_settlements SET results = '{}'",
                         "DELETE FROM referrals", "UPDATE referrals SET refer_to = 'x'"),
                    "permission denied")
        if others:
            assert conn.execute(sa.text("UPDATE referrals SET case_no = 'x' WHERE id = :i"),
                                {"i": others[0].id}).rowcount == 0
    # its steps through the CLI: sent by the office first, then received by the department
    office = add_user(store_url, "office")
    rid = theirs[0].id
    out = cli(login_url(store_url, office), "referrals", "update", str(rid), "--status",
              "sent", "--date", "2020-08-02")
    assert out.exit_code == 0, out.output
    out = cli(me, "referrals", "update", str(rid), "--status", "received", "--date", "2020-08-03")
    assert out.exit_code == 0, out.output
    refused(cli(me, "results", "settle", CAMPAIGN_ID), "JC760", "results settle")
    with settled.engine.connect() as conn:
        row = conn.execute(sa.select(referral_table).where(referral_table.c.id == rid)).one()
        entry = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()
    assert row.status == "received" and entry.actor == login
    # a step's date corrected by the office names its login, in the history as in the log
    out = cli(login_url(store_url, office), "referrals", "redate", str(rid), "--status", "sent",
              "--date", "2020-08-01", "--reason", "录入有误")
    assert out.exit_code == 0, out.output
    with settled.engine.connect() as conn:
        history = conn.execute(sa.select(referral_table.c.history)
                               .where(referral_table.c.id == rid)).scalar_one()
        entry = conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc())).first()
    assert (entry.action, entry.actor) == ("referral.redate", office)
    assert history[-1]["redated"] and history[-1]["by"] == office
    settled.engine.dispose()


# --------------------------------------------------------------------------- users


def test_users_add_checks_what_it_is_given(server):
    drawn, url, login, cert, own, other = server
    out = cli(url, "users", "add", unique("i"), "--role", "inspector", stdin=PASSWORD + "\n")
    refused(out, "JC763", "--officer")
    out = cli(url, "users", "add", unique("d"), "--role", "department", stdin=PASSWORD + "\n")
    refused(out, "JC763", "--department")
    out = cli(url, "users", "add", unique("i"), "--role", "inspector", "--officer", "NOPE",
              stdin=PASSWORD + "\n")
    refused(out, "JC764", "NOPE")
    out = cli(url, "users", "add", login, "--role", "auditor", stdin=PASSWORD + "\n")
    refused(out, "JC762", login)
    out = cli(url, "users", "add", "Bad Name", "--role", "auditor", stdin=PASSWORD + "\n")
    refused(out, "JC762")
    out = cli(url, "users", "add", unique("a"), "--role", "auditor", stdin="\n")
    refused(out, "JC767")
    out = cli(url, "users", "remove", "nobody_" + uuid.uuid4().hex[:6])
    refused(out, "JC765")
    # only the office manages users
    out = cli(login_url(url, login), "users", "add", unique("a"), "--role", "office",
              stdin=PASSWORD + "\n")
    refused(out, "JC760", "users add")
    out = cli(url, "users", "list")
    assert out.exit_code == 0 and login in out.output and cert in out.output


def test_users_add_asks_for_the_password_only_when_it_can_add(server, monkeypatch):
    """Every refusal that needs no password comes before the password prompt."""
    from jointcheck.core.cli import users as users_cli

    drawn, url, login, cert, own, other = server
    asked = []

    def read_password(name: str) -> str:
        asked.append(name)
        return PASSWORD

    monkeypatch.setattr(users_cli, "_read_password", read_password)
    for args, code in (((unique("i"), "--role", "inspector"), "JC763"),
                       ((unique("d"), "--role", "department"), "JC763"),
                       ((unique("i"), "--role", "inspector", "--officer", "NOPE"), "JC764"),
                       ((login, "--role", "auditor"), "JC762"),
                       (("Bad Name", "--role", "auditor"), "JC762")):
        refused(cli(url, "users", "add", *args), code)
    refused(cli(login_url(url, login), "users", "add", unique("a"), "--role", "office"),
            "JC760")
    assert asked == []
    new = unique("a")
    out = cli(url, "users", "add", new, "--role", "auditor")
    assert out.exit_code == 0, out.output
    assert asked == [new]


def _plan(engine, statement: str, params=None) -> str:
    """PostgreSQL's plan of *statement*, sequential scans discouraged (a table of four
    tasks would be read whole whatever its indexes): an index in the plan is one that can
    answer the statement."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))


def test_an_officers_tasks_are_found_through_the_team_index(server):
    """"The tasks of this officer" is answered by ix_tasks_team_members (migration 0010),
    not by reading every task's team, whose cost grows with the store: for a named
    inspector's every statement on tasks (the row-level security), and for the task list
    of one officer (the app's first screen, ``tasks --officer``)."""
    from jointcheck.core.records.service import list_tasks

    drawn, url, login, cert, own, other = server
    assert "ix_tasks_team_members" in _plan(raw(login_url(url, login)), "SELECT id FROM tasks")

    engine = raw(url)
    statements = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM tasks" in statement and "@>" in statement:
            statements.append((statement, parameters))

    # which tasks it finds, for every officer and odd numbers, is tests/test_records.py's
    assert own in {t.id for t in list_tasks(engine, officer=cert)}
    assert statements
    statement, params = statements[0]
    assert "ix_tasks_team_members" in _plan(engine, statement, params)


def _department_sees(url: str) -> tuple[set[str], set[str]]:
    """(the tasks, the settlements' tasks) the login of *url* can read."""
    with raw(url).connect() as conn:
        return ({r[0] for r in conn.execute(sa.text("SELECT id FROM tasks"))},
                {r[0] for r in conn.execute(sa.text("SELECT task_id FROM result_settlements"))})


def _naming(engine, dept: str) -> tuple[set[str], set[str]]:
    """What a department login of *dept* should read, as the owner finds it in Python: the
    tasks of its referrals or of the settlements naming it; those settlements' tasks."""
    from jointcheck.core.store.models import referrals as referral_table
    from jointcheck.core.store.models import result_settlements

    with engine.connect() as conn:
        referred = {r.task_id for r in conn.execute(sa.select(referral_table))
                    if r.refer_to == dept}
        named = {r.task_id for r in conn.execute(sa.select(result_settlements))
                 if dept in (r.results.get("departments") or {})}
    return referred | named, named


def test_a_departments_rows_follow_its_settled_results(pg_store_url, tmp_path):
    """A department reads the settlements that name it and the tasks of those and of its
    referrals; which settlements name it is kept by PostgreSQL from the results themselves
    (migration 0011), so a result changed by the office changes what the department sees at
    once, and the policy reads that list, not each settlement's JSON. Migration 0011 undone
    and made again, the department sees the same rows each time."""
    from datetime import date

    from alembic import command

    from jointcheck.core import referrals
    from jointcheck.core.store import alembic_config, begin_write, upgrade
    from jointcheck.core.store.models import result_settlements
    from tests.recordsupport import settled_store

    settled = settled_store(pg_store_url, tmp_path)
    referrals.draft(settled.engine, CAMPAIGN_ID, date(2020, 8, 1))
    engine = settled.engine
    me = {}
    for dept in ("emergency_mgmt", "market_supervision"):
        me[dept] = login_url(pg_store_url, add_user(pg_store_url, "department",
                                                    "--department", dept))
        expected = _naming(engine, dept)
        assert expected[1], "every settlement names both departments"
        assert _department_sees(me[dept]) == expected
    plan = _plan(raw(me["emergency_mgmt"]), "SELECT task_id FROM result_settlements")
    assert "departments" in plan and "results" not in plan, plan

    # the office takes market_supervision out of one settlement's results (no referral of
    # that task goes to it): the department loses that settlement and its task, and the
    # other department sees what it saw
    with engine.connect() as conn:
        rows = {r.task_id: r for r in conn.execute(sa.select(result_settlements))}
        referred = {r[0] for r in conn.execute(sa.text(
            "SELECT task_id FROM referrals WHERE refer_to = 'market_supervision'"))}
    tid = sorted(set(rows) - referred)[0]
    results = dict(rows[tid].results)
    results["departments"] = {k: v for k, v in results["departments"].items()
                              if k != "market_supervision"}
    before = _department_sees(me["emergency_mgmt"])
    with begin_write(engine) as conn:
        conn.execute(sa.update(result_settlements).where(result_settlements.c.task_id == tid)
                     .values(results=results))
    tasks_seen, settled_seen = _department_sees(me["market_supervision"])
    assert tid not in tasks_seen and tid not in settled_seen
    assert (tasks_seen, settled_seen) == _naming(engine, "market_supervision")
    assert _department_sees(me["emergency_mgmt"]) == before

    # 0011 undone (0007's policies, reading the JSON) and made again: the same rows
    seen = {dept: _department_sees(url) for dept, url in me.items()}
    with begin_write(engine) as conn:
        cfg = alembic_config(pg_store_url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("result_settlements")}
    assert "departments" not in columns
    assert {dept: _department_sees(url) for dept, url in me.items()} == seen
    assert upgrade(pg_store_url) == ["0011"]
    assert {dept: _department_sees(url) for dept, url in me.items()} == seen
    engine.dispose()


def test_users_on_sqlite_say_it_is_single_user(sqlite_url):
    from jointcheck.core.store import upgrade

    upgrade(sqlite_url)
    store_url = sqlite_url
    out = cli(store_url, "users", "add", "zhang", "--role", "office", stdin=PASSWORD + "\n")
    refused(out, "JC766")
    refused(cli(store_url, "users", "list"), "JC766")


# --------------------------------------------------------------------------- connecting


def test_pgpassword_and_pgpass_work_as_postgresql_users_expect(server, tmp_path, monkeypatch):
    drawn, url, login, cert, own, other = server
    bare = login_url(url, login, None)  # no password in the URL
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    out = cli(bare, "tasks", "list")
    assert out.exit_code == 0 and own in out.output, out.output
    monkeypatch.delenv("PGPASSWORD")
    u = make_url(url)
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{u.host}:{u.port or 5432}:{u.database}:{login}:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    out = cli(bare, "tasks", "list")
    assert out.exit_code == 0 and own in out.output, out.output
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    refused(cli(bare, "tasks", "list"), "JC702")


def test_an_inspectors_marks_carry_their_login_whatever_the_app_says(server):
    """The app passes its own idea of the actor; a named login's marks carry the login."""
    from jointcheck.core.records import service as R
    from jointcheck.core.store import open_store

    drawn, url, login, cert, own, other = server
    engine = open_store(login_url(url, login))
    try:
        draft = R.load_draft(engine, own, host=drawn.host)
        key = R.item_key(draft.items[0])
        saved = R.save_answer(engine, own, key, {"result": "compliant"}, expected=0,
                              checklist=draft.checklist, actor="someone else")
        assert saved.updated_by == f"{login} (执法证号 {cert})"
        with pytest.raises(R.RecordError) as info:
            R.save_answer(engine, other, key, {"result": "compliant"}, expected=0,
                          checklist=draft.checklist)
        assert info.value.problems[0].code == "JC761"
    finally:
        engine.dispose()
    with drawn.engine.connect() as conn:
        assert conn.execute(sa.select(task_answers.c.updated_by).where(
            task_answers.c.task_id == own)).scalar_one() == f"{login} (执法证号 {cert})"


# --------------------------------------------------------------------------- the app's login


def test_the_app_asks_for_the_login_when_no_password_is_configured(server, tmp_path,
                                                                   monkeypatch):
    """No password in the URL, no PGPASSWORD, no .pgpass: the app opens on a login
    dialog; a wrong password is said and asked again; the right one opens the task list
    as that login (the inspector sees the team's tasks only)."""
    import asyncio

    from textual.widgets import Input

    from jointcheck.core.store import StoreError, open_store
    from jointcheck.core.store.access import password_needed
    from jointcheck.tui.app import InspectApp
    from jointcheck.tui.modals.login import LoginModal
    from jointcheck.tui.screens.tasks import TaskListScreen
    from tests.tui_support import until

    drawn, url, login, cert, own, other = server
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    bare = login_url(url, login, None)
    with pytest.raises(StoreError) as info:
        open_store(bare)
    assert password_needed(info.value.problem)  # what `jointcheck inspect` checks

    async def run():
        app = InspectApp(None, host=drawn.host, login_url=bare)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, LoginModal))
            assert app.screen.query_one("#login-user", Input).value == login
            app.screen.query_one("#login-password", Input).value = "wrong"
            await pilot.press("enter")
            await until(pilot, lambda: "password authentication failed"
                        in str(app.screen.query_one("#form-error").render()))
            assert isinstance(app.screen, LoginModal)
            app.screen.query_one("#login-password", Input).value = PASSWORD
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen))
            await until(pilot, lambda: app.screen.query("DataTable") and
                        app.screen.query_one("DataTable").row_count > 0)
            table = app.screen.query_one("DataTable")
            shown = {str(k.value) for k in table.rows}
            assert own in shown and other not in shown
            engine = app.engine
        engine.dispose()

    asyncio.run(run())


def test_downgrade_below_the_roles_and_upgrade_again(pg_store_url):
    """Migration 0007 undone: policies, triggers, functions and group roles gone (the
    audit log can be appended to as before), then made again."""
    from alembic import command

    from jointcheck.core.store import alembic_config, begin_write, upgrade

    url = pg_store_url
    login = add_user(url, "auditor")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            prefix = access.role_prefix(conn)
        assert prefix
        with begin_write(engine) as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        with engine.connect() as conn:
            groups = conn.execute(sa.text("SELECT count(*) FROM pg_roles WHERE "
                                          "starts_with(rolname, :p)"), {"p": prefix}).scalar()
            assert groups == 0
            assert not sa.inspect(conn).has_table("logins")
            # and the mark's function of 0008 (a mark then fails loudly, not silently)
            assert conn.execute(sa.text("SELECT to_regproc('jc_mark')")).scalar() is None
        assert upgrade(url)[0] == "0007"
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT to_regproc('jc_mark')")).scalar() is not None
        out = cli(url, "users", "list", "--format", "json")
        assert out.exit_code == 0 and login not in out.output
    finally:
        with engine.connect() as conn:  # the login outlived its group
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')
            conn.commit()
        engine.dispose()


def test_the_app_says_a_refusal_instead_of_crashing(server):
    """A refusal that reaches the app (e.g. the office's review opened by an inspector)
    is a notification naming it (JC760), and the app goes on."""
    import asyncio

    from jointcheck.core.store import open_store
    from jointcheck.tui.app import InspectApp
    from jointcheck.tui.screens.tasks import TaskListScreen
    from tests.tui_support import until

    drawn, url, login, cert, own, other = server
    engine = open_store(login_url(url, login))
    with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as conn:
        conn.exec_driver_sql("UPDATE result_settlements SET results = '{}'")

    async def run():
        app = InspectApp(engine, host=drawn.host)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, TaskListScreen))
            app._handle_exception(info.value)
            await pilot.pause(0.1)
            (note,) = [n for n in app._notifications if "JC760" in n.message
                       or "您没有权限" in n.message]
            assert "inspect" in note.message and "result_settlements" in note.message
            assert app.is_running and isinstance(app.screen, TaskListScreen)

    try:
        asyncio.run(run())
    finally:
        engine.dispose()


def test_dropping_a_stores_roles_leaves_another_stores_alone(pg_store_url):
    """The roles of the store of the schema public of a database (``jc_db_``) are not
    those of a store in another schema of it (``jc_db_city_``), nor their logins."""
    from jointcheck.core.store import access

    prefix = f"jc_t{uuid.uuid4().hex[:8]}_"
    mine, theirs = prefix + "office", prefix + "city_office"
    engine = sa.create_engine(pg_store_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for group in (mine, theirs):
                conn.exec_driver_sql(f'CREATE ROLE "{group}" NOLOGIN')
                conn.exec_driver_sql(f'CREATE ROLE "{group}_login" LOGIN IN ROLE "{group}"')
            try:
                assert sorted(access.drop_roles(conn, prefix)) == [mine, mine + "_login"]
                left = {r[0] for r in conn.execute(sa.text(
                    "SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"),
                    {"p": prefix})}
                assert left == {theirs, theirs + "_login"}
            finally:
                for role in (mine + "_login", theirs + "_login", mine, theirs):
                    conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
    finally:
        engine.dispose()
