"""The store's revision is read without importing Alembic (startup cost), and agrees
with Alembic's own answer on both engines."""

from __future__ import annotations

import subprocess
import sys

from jointcheck.core import store


def test_head_from_the_migration_files_is_alembics_head():
    assert store.head_revision() == store._alembic_head()


def test_current_revision_agrees_with_alembic(db_url):
    from alembic.runtime.migration import MigrationContext

    engine = store.create_engine_for(db_url)
    try:
        with engine.connect() as conn:
            assert store.current_revision(conn) is None
        store.upgrade(db_url)
        with engine.connect() as conn:
            theirs = MigrationContext.configure(conn).get_current_revision()
            assert store.current_revision(conn) == theirs == store.head_revision()
    finally:
        engine.dispose()


def test_opening_the_store_does_not_import_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'j.db'}"
    store.upgrade(url)
    probe = ("import sys; from jointcheck.core.store import open_store; "
             f"open_store({url!r}).dispose(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
