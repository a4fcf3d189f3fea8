"""Connections a PostgreSQL server can afford (docs/store.md#connections): a mark is one
round trip, an engine holds at most two connections and none once idle, and the store
works unchanged through PgBouncer in transaction mode.

PostgreSQL only (JOINTCHECK_TEST_PG_URL); the PgBouncer cases also need the ``pgbouncer``
binary (Debian package ``pgbouncer``, installed by ``.ci/run``). Each PgBouncer case gets a
database of its own: PgBouncer does not pass the ``options=-csearch_path=…`` startup
parameter the other fixtures select their schema with.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from jointcheck.core.records import service as R
from jointcheck.core.store import PG_POOL_OVERFLOW, open_store, release_idle, upgrade
from tests import pgbouncer
from tests.conftest import PG_ENV, pg_base_url, pg_database, pg_schema_url
from tests.recordsupport import drawn_store

pytestmark = pytest.mark.skipif(not os.environ.get(PG_ENV, "").strip(),
                                reason=f"PostgreSQL: {PG_ENV} is not set")


def _with_app_name(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).update_query_dict({"application_name": name}).render_as_string(
        hide_password=False)


def _connections_soon(app_name: str, expected: int, seconds: float = 5.0) -> int:
    """:func:`_connections`, asked again for up to *seconds* until it is *expected*: a
    server process leaves pg_stat_activity a moment after its client closed the socket."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        found = _connections(app_name)
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _connections(app_name: str) -> int:
    """Server connections open now under *app_name* (pg_stat_activity)."""
    engine = sa.create_engine(pg_base_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :n"),
                {"n": app_name}).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def app_name() -> str:
    return f"jc-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pg_drawn(tmp_path, app_name) -> Iterator:
    """A drawn store in a fresh schema, opened under its own application_name."""
    with pg_schema_url() as base:
        url = _with_app_name(base, app_name)
        upgrade(url)
        drawn = drawn_store(url, tmp_path, count=6)
        yield drawn
        drawn.engine.dispose()


class _Trace:
    """libpq's protocol trace of the connections an engine checks out: counts the
    ReadyForQuery messages, one per round trip (a simple query or an extended-protocol
    Sync)."""

    def __init__(self, engine):
        from psycopg import pq

        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the test's objects
        self.on = False

        @sa.event.listens_for(engine, "checkout")
        def _checkout(dbapi_conn, record, proxy):
            if self.on:
                dbapi_conn.pgconn.trace(self.file.fileno())
                dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

        @sa.event.listens_for(engine, "checkin")
        def _checkin(dbapi_conn, record):
            if dbapi_conn is not None and not dbapi_conn.closed:
                dbapi_conn.pgconn.untrace()

    def round_trips(self, action) -> int:
        self.file.seek(0)
        self.file.truncate()
        self.on = True
        try:
            action()
        finally:
            self.on = False
        self.file.seek(0)
        return sum(1 for line in self.file.read().decode(errors="replace").splitlines()
                   if line.split("\t")[:1] == ["B"] and "ReadyForQuery" in line)


def test_a_mark_is_one_round_trip_and_a_stale_one_still_a_conflict(pg_drawn):
    drawn = pg_drawn
    tid = drawn.task_ids[0]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    key = R.item_key(draft.items[0])
    trace = _Trace(drawn.engine)
    with drawn.engine.connect():  # a connection in the pool already, as in a running app
        pass

    def mark(value, expected):
        return R.save_answer(drawn.engine, tid, key, {"result": value}, expected=expected,
                             checklist=draft.checklist, actor="周国斌")

    # the first mark of a task turns it from 待检查 into 草稿 in the same statement
    assert trace.round_trips(lambda: mark("compliant", 0)) == 1
    assert trace.round_trips(lambda: mark("noncompliant", 1)) == 1
    again = R.load_draft(drawn.engine, tid, host=drawn.host)
    assert again.task.status == "draft"
    assert again.item_answer(draft.items[0]) == {"result": "noncompliant"}
    assert again.answers[key].version == 2 and again.answers[key].updated_by == "周国斌"

    # a stale version (and a second first mark) change nothing and say whose answer won
    with pytest.raises(R.AnswerConflict) as stale:
        mark("compliant", 1)
    assert stale.value.theirs.version == 2 and stale.value.theirs.updated_by == "周国斌"
    with pytest.raises(R.AnswerConflict):
        mark("compliant", 0)
    assert R.load_draft(drawn.engine, tid).answers[key].version == 2

    # a missing task and a submitted record are refused as before
    with pytest.raises(R.RecordError) as missing:
        R.save_answer(drawn.engine, "99-1", key, {"result": "compliant"}, expected=0,
                      checklist=draft.checklist)
    assert missing.value.problems[0].code == "JC801"
    from tests.recordsupport import answer_all

    done = drawn.task_ids[4]
    answer_all(drawn, done)
    R.submit(drawn.engine, done, host=drawn.host)
    with pytest.raises(R.RecordError) as submitted:
        R.save_answer(drawn.engine, done, key, {"result": "compliant"},
                      expected=R.load_draft(drawn.engine, done).answers[key].version,
                      checklist=draft.checklist)
    assert submitted.value.problems[0].code == "JC802"


def test_a_mark_on_a_lost_connection_is_retried_on_a_new_one(pg_drawn, app_name):
    """The server (or the pooler) dropped the app's idle connection: the next mark fails
    as a lost connection, which the app's writer retries (tui/saving.is_busy), nothing is
    stored by it, and the retry stores the mark on a new connection. A connection a mark
    used goes back to the pool out of autocommit, so the next transaction is one."""
    from jointcheck.tui.saving import is_busy

    drawn = pg_drawn
    tid = drawn.task_ids[1]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    key = R.item_key(draft.items[0])

    def mark(value, expected):
        return R.save_answer(drawn.engine, tid, key, {"result": value}, expected=expected,
                             checklist=draft.checklist)

    assert mark("compliant", 0).version == 1
    with drawn.engine.connect() as conn:
        assert conn.connection.driver_connection.autocommit is False
    admin = sa.create_engine(pg_base_url(), poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            killed = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :n"), {"n": app_name}).scalar_one()
    finally:
        admin.dispose()
    assert killed == 1
    with pytest.raises(sa.exc.DBAPIError) as lost:
        mark("noncompliant", 1)
    assert is_busy(lost.value) and lost.value.connection_invalidated
    assert R.load_draft(drawn.engine, tid).answers[key].version == 1
    assert mark("noncompliant", 1).version == 2  # the retry, on a new connection
    assert R.load_draft(drawn.engine, tid).item_answer(draft.items[0]) == {
        "result": "noncompliant"}
    with drawn.engine.connect() as conn:
        assert conn.connection.driver_connection.autocommit is False


def test_a_mark_never_lands_after_the_submit(pg_drawn):
    """Marks racing a submit either make it into version 1 or are refused (JC802)."""
    from tests.recordsupport import answer_all

    drawn = pg_drawn
    tid = drawn.task_ids[1]
    answer_all(drawn, tid)
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    key = R.field_key("remarks")
    outcomes: list[object] = []

    def marker():
        expected = 0
        for n in range(40):
            try:
                a = R.save_answer(drawn.engine, tid, key, f"备注{n}", expected=expected,
                                  checklist=draft.checklist)
                expected = a.version
                outcomes.append(a)
            except R.RecordError as exc:
                outcomes.append(exc.problems[0].code)
                return

    thread = threading.Thread(target=marker)
    thread.start()
    version = R.submit(drawn.engine, tid, host=drawn.host)
    thread.join()
    stored = R.load_draft(drawn.engine, tid).answers.get(key)
    if stored is not None:  # the last mark stored is the one the record was made of
        assert version.record["remarks"] == stored.value
    assert all(o == "JC802" for o in outcomes if isinstance(o, str))


def test_a_mark_in_flight_holds_back_a_submit_but_not_the_teams_other_marks(pg_drawn):
    """Migration 0009: a mark on a draft locks the task's row FOR KEY SHARE instead of
    rewriting it. While one inspector's mark is in flight (its transaction held open
    here), the submit's FOR UPDATE must wait, a teammate's mark on another item must not,
    and neither mark makes a new version of the task's row."""
    import psycopg

    drawn = pg_drawn
    tid = drawn.task_ids[3]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    first, second = (R.item_key(i) for i in draft.items[:2])
    R.save_answer(drawn.engine, tid, first, {"result": "compliant"}, expected=0,
                  checklist=draft.checklist)  # 待检查 -> 草稿
    dsn = drawn.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    mark = "SELECT jc_mark(%s, %s, %s::json, %s, now(), 'x')"
    row = "SELECT status, xmin::text FROM tasks WHERE id = %s"
    with psycopg.connect(dsn) as held, psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SET lock_timeout = '2s'")
        status, version = other.execute(row, (tid,)).fetchone()
        assert status == "draft"
        # the mark in flight: its transaction not yet committed
        assert held.execute(mark, (tid, first, '{"result": "noncompliant"}', 1)).fetchone()[0]
        with pytest.raises(psycopg.errors.LockNotAvailable):  # the submit's lock waits
            other.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE NOWAIT", (tid,))
        # a teammate's mark on another item goes through at once (no lock_timeout hit)
        assert other.execute(mark, (tid, second, '{"result": "compliant"}', 0)).fetchone()[0]
        held.commit()
        assert other.execute(row, (tid,)).fetchone() == (status, version)  # not rewritten
    stored = R.load_draft(drawn.engine, tid).answers
    assert (stored[first].version, stored[first].value) == (2, {"result": "noncompliant"})
    assert (stored[second].version, stored[second].value) == (1, {"result": "compliant"})


def test_an_idle_engine_holds_no_connection(pg_drawn, app_name):
    drawn = pg_drawn
    tid = drawn.task_ids[2]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    key = R.item_key(draft.items[0])
    R.save_answer(drawn.engine, tid, key, {"result": "compliant"}, expected=0,
                  checklist=draft.checklist)
    assert _connections(app_name) == 1  # kept for the next mark
    assert release_idle(drawn.engine, idle_seconds=3600) is False  # not idle long enough
    assert _connections(app_name) == 1
    assert release_idle(drawn.engine, idle_seconds=0) is True
    assert _connections_soon(app_name, 0) == 0
    assert release_idle(drawn.engine, idle_seconds=0) is False  # nothing left to close
    # the next mark opens a connection again
    R.save_answer(drawn.engine, tid, key, {"result": "noncompliant", "note": "再次"},
                  expected=1, checklist=draft.checklist)
    assert _connections(app_name) == 1


def test_an_engine_never_holds_more_connections_than_one_person_needs(pg_drawn, app_name):
    drawn = pg_drawn
    drafts = [R.load_draft(drawn.engine, t, host=drawn.host) for t in drawn.task_ids]
    drawn.engine.dispose()
    lock = threading.Lock()
    open_now, most = [0], [0]

    @sa.event.listens_for(drawn.engine, "connect")
    def _opened(dbapi_conn, record):
        with lock:
            open_now[0] += 1
            most[0] = max(most[0], open_now[0])

    @sa.event.listens_for(drawn.engine, "close")
    def _closed(dbapi_conn, record):
        with lock:
            open_now[0] -= 1

    def mark(draft):
        for item in draft.items[:6]:
            R.save_answer(drawn.engine, draft.task.id, R.item_key(item),
                          {"result": "compliant"}, expected=0, checklist=draft.checklist)

    workers = [threading.Thread(target=mark, args=(d,)) for d in drafts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # six threads marking at once never had more than two connections open at a time
    assert 1 <= most[0] <= 1 + PG_POOL_OVERFLOW
    assert _connections_soon(app_name, 1) == 1  # the server's view: one kept for the next
    for d in drafts:  # every mark of every thread was stored
        stored = R.load_draft(drawn.engine, d.task.id).answers
        assert all(stored[R.item_key(i)].version == 1 for i in d.items[:6])


# --------------------------------------------------------------------------- PgBouncer


@pytest.fixture(scope="module")
def bouncer() -> Iterator[pgbouncer.Bouncer]:
    if pgbouncer.binary() is None:
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")
    # two server connections: consecutive transactions of one client land on either
    with pgbouncer.bouncer(pg_base_url(), pool_size=2, max_clients=50) as b:
        yield b


@pytest.fixture
def bouncer_db(bouncer) -> Iterator[str]:
    """A fresh database, reached through PgBouncer."""
    name = f"jc_test_{uuid.uuid4().hex[:12]}"
    with pg_database(name):
        yield bouncer.url(name)


def test_the_store_works_through_pgbouncer_in_transaction_mode(bouncer_db, tmp_path):
    """Upgrade, import, draw, marks of two apps at once, submit and verify, all through
    PgBouncer with two server connections: no session state (prepared statements, SET,
    session locks) may be expected to survive from one transaction to the next."""
    from jointcheck.core.draw.service import verify_stored
    from tests.recordsupport import answer_all

    assert upgrade(bouncer_db)[-1]
    drawn = drawn_store(bouncer_db, tmp_path, count=3)
    other = open_store(bouncer_db)  # a second inspector's app
    try:
        tid = drawn.task_ids[0]
        draft = R.load_draft(other, tid, host=drawn.host)
        items = [i for i in draft.items if draft.applies(i)]
        errors: list[BaseException] = []

        def second_inspector():
            try:
                for item in items[1::2]:
                    R.save_answer(other, tid, R.item_key(item), {"result": "compliant"},
                                  expected=0, checklist=draft.checklist)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=second_inspector)
        thread.start()
        for item in items[0::2]:
            R.save_answer(drawn.engine, tid, R.item_key(item), {"result": "compliant"},
                          expected=0, checklist=draft.checklist)
        thread.join()
        assert not errors, errors
        answer_all(drawn, tid)  # repeats each statement far past psycopg's prepare threshold
        version = R.submit(drawn.engine, tid, host=drawn.host)
        assert version.version == 1
        stored = R.load_draft(other, tid).answers
        assert all(stored[R.item_key(i)].value == {"result": "compliant"} for i in items)
        assert verify_stored(other, drawn.draw.id).ok
    finally:
        other.dispose()
        drawn.engine.dispose()


def test_named_logins_through_pgbouncer_keep_their_rights(tmp_path):
    """docs/store.md: with a named login per inspector, PgBouncer keeps a pool per login
    (the configuration for that: at most one server connection per login, no cap per
    database). Three inspectors of different teams mark in turn and all at once through
    it: every mark goes through and carries its own login -- PgBouncer never lends one
    login's server connection to another, so the server's ``current_user`` is always the
    app's login -- and a mark on another team's task is refused (JC761)."""
    from tests.test_roles import PASSWORD, add_user, login_url, team_of

    if pgbouncer.binary() is None:
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")
    name = f"jc_test_{uuid.uuid4().hex[:12]}"
    with pg_database(name), \
            pgbouncer.bouncer(pg_base_url(), pool_size=1, max_clients=50,
                              named_logins=True) as b:
        url = b.url(name)
        upgrade(url)
        drawn = drawn_store(url, tmp_path, count=6)
        engines = []
        try:
            # three tasks, each with a member on no other of the three
            chosen: list[tuple[str, str]] = []
            for tid in drawn.task_ids:
                others = set().union(*(team_of(drawn, t) for t in drawn.task_ids if t != tid))
                own = sorted(team_of(drawn, tid) - others)
                if own:
                    chosen.append((tid, own[0]))
            assert len(chosen) >= 3, chosen
            chosen = chosen[:3]
            logins = [add_user(url, "inspector", "--officer", cert) for _tid, cert in chosen]
            b.add_logins(dict.fromkeys(logins, PASSWORD))
            engines = [open_store(login_url(url, login)) for login in logins]
            drafts = [R.load_draft(e, tid, host=drawn.host)
                      for e, (tid, _cert) in zip(engines, chosen, strict=True)]

            def mark(n: int, k: int) -> R.Answer:
                item = drafts[n].items[k]
                return R.save_answer(engines[n], chosen[n][0], R.item_key(item),
                                     {"result": "compliant"}, expected=0,
                                     checklist=drafts[n].checklist)

            for n in range(3):  # in turn: each login's pool gets a server connection
                assert mark(n, 0).updated_by == f"{logins[n]} (执法证号 {chosen[n][1]})"
            results: dict[int, object] = {}

            def at_once(n: int) -> None:
                try:
                    results[n] = mark(n, 1).updated_by
                except BaseException as exc:  # noqa: BLE001 - asserted below
                    results[n] = exc

            threads = [threading.Thread(target=at_once, args=(n,)) for n in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert results == {n: f"{logins[n]} (执法证号 {chosen[n][1]})" for n in range(3)}
            with pytest.raises(R.RecordError) as other_team:
                R.save_answer(engines[0], chosen[1][0], R.item_key(drafts[1].items[2]),
                              {"result": "compliant"}, expected=0,
                              checklist=drafts[1].checklist)
            assert other_team.value.problems[0].code == "JC761"
        finally:
            for e in engines:
                e.dispose()
            drawn.engine.dispose()


def test_a_schema_in_the_url_is_refused_through_pgbouncer(bouncer, bouncer_db):
    """PgBouncer refuses the ``options`` startup parameter: the store says it cannot
    connect (JC702) instead of silently using another schema."""
    from jointcheck.core.store import StoreError

    with pytest.raises(StoreError) as refused:
        open_store(bouncer.url(bouncer_db.rsplit("/", 1)[1].split("?")[0],
                               options="-csearch_path=city_a"))
    assert refused.value.code == "JC702"
    assert "options" in refused.value.problem.format()


# --------------------------------------------------------------------------- bench/load.py


def _load_bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "load.py"
    spec = importlib.util.spec_from_file_location("bench_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_load_bench_counts_a_mark_lost_unless_read_back(pg_drawn):
    """bench/load.py's read-back: every acknowledged write of an answer must show in its
    version, and the last acknowledged value must be the stored one."""
    drawn = pg_drawn
    tid = drawn.task_ids[3]
    draft = R.load_draft(drawn.engine, tid, host=drawn.host)
    a, b = (R.item_key(i) for i in draft.items[:2])
    for n, value in enumerate(({"result": "compliant"}, {"result": "noncompliant"})):
        R.save_answer(drawn.engine, tid, a, value, expected=n, checklist=draft.checklist)
    R.save_answer(drawn.engine, tid, b, {"result": "compliant"}, expected=0,
                  checklist=draft.checklist)
    url = drawn.engine.url.render_as_string(hide_password=False)
    read_back = _load_bench().read_back
    assert read_back(url, {tid: {a: [2, {"result": "noncompliant"}],
                                 b: [1, {"result": "compliant"}]}}) == (3, 0)
    # three acknowledged writes of a, two stored: one lost
    assert read_back(url, {tid: {a: [3, {"result": "noncompliant"}]}}) == (3, 1)
    # the last acknowledged value is not the stored one: all of them count as lost
    assert read_back(url, {tid: {b: [1, {"result": "not_applicable"}]}}) == (1, 1)
    # an acknowledged mark of an answer that is not stored at all
    assert read_back(url, {tid: {R.item_key(draft.items[2]): [1, {"result": "compliant"}]}}
                     ) == (1, 1)


@pytest.mark.slow
@pytest.mark.parametrize("logins", [["--pool", "2"], ["--named-logins"]],
                         ids=["one login", "named"])
def test_the_load_bench_runs_through_pgbouncer_and_loses_nothing(logins):
    import re
    import subprocess
    import sys
    from pathlib import Path

    if pgbouncer.binary() is None:
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "bench" / "load.py"), "--inspectors", "6",
                          "--seconds", "4", "--mean", "1", "--processes", "1",
                          "--pg", pg_base_url(), *logins], capture_output=True, text=True,
                         timeout=120, cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    last = out.stdout.strip().splitlines()[-1]
    found = re.fullmatch(r"inspectors=6 marks=(\d+) lost=0 refused=0 p50=[\d.]+ p95=[\d.]+ "
                         r"p99=[\d.]+ ms", last)
    assert found, last
    assert int(found.group(1)) >= 6  # at least the burst, one mark each
    made = re.search(r"(\d+) named logins", out.stdout)
    assert bool(made) == ("--named-logins" in logins), out.stdout
    if made:
        assert 1 <= int(made.group(1)) <= 6
    # it cleaned up: the database it made is gone
    name = re.search(r"database (jc_load_[0-9a-f]+)", out.stdout)
    assert name, out.stdout
    engine = sa.create_engine(pg_base_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            left = conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                                {"n": name.group(1)}).scalar_one()
            # and the cluster-wide roles: the store's groups and the named logins in them
            roles = conn.execute(sa.text(
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE :g OR rolname LIKE :i"),
                {"g": f"jc_{name.group(1)}\\_%",
                 "i": f"insp\\_{name.group(1).rsplit('_', 1)[1]}\\_%"}).scalar_one()
    finally:
        engine.dispose()
    assert (left, roles) == (0, 0)
