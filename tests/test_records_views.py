"""Records service reads used by the app: applicable items and check dates per task,
and a submitted version shown as a read-only draft."""

from __future__ import annotations

import sys
from pathlib import Path

from jointcheck.core.plugins import load_plugins
from jointcheck.core.records import service as S
from jointcheck.core.store import open_store

sys.path.insert(0, str(Path(__file__).parent))
from tui_support import build_store, copy_store, pick_tasks  # noqa: E402


def test_counts_dates_and_a_version_as_a_draft(tmp_path):
    engine = open_store(copy_store(build_store(tmp_path / "t"), tmp_path))
    try:
        host = load_plugins()
        ids = pick_tasks(engine)
        tasks = S.list_tasks(engine)
        counts = S.applicable_counts(engine, tasks, host)
        assert counts[ids["special"]] == 12 and counts[ids["plain"]] == 4
        task = ids["plain"]
        draft = S.load_draft(engine, task, host=host)
        for item in draft.items:
            if draft.applies(item):
                S.save_answer(engine, task, S.item_key(item), {"result": "compliant"},
                              expected=0, checklist=draft.checklist)
        assert S.check_dates(engine, [task]) == {}
        S.save_answer(engine, task, S.field_key("inspected_on"), "2020-07-15", expected=0,
                      checklist=draft.checklist)
        assert S.check_dates(engine, [t.id for t in tasks]) == {task: "2020-07-15"}
        S.submit(engine, task, host=host)
        shown, rv = S.version_draft(engine, task, host=host)
        assert rv.version == 1
        live = S.load_draft(engine, task, host=host)
        assert shown.findings()["departments"] == live.findings()["departments"]
        assert shown.field("inspected_on") == "2020-07-15"
        assert shown.classify().to_json() == rv.results
    finally:
        engine.dispose()
