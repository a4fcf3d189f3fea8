"""A store for the app's tests, built with the CLI's own services: the sample libraries
imported, the example campaign (drawing six enterprises instead of one) committed and
drawn. Built once by each test file (a module- or session-scoped fixture, half a second)
and copied per test (SQLite file): ``yield from opened_copy(template, tmp_path)``."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SEED = "tui-tests"


def build_store(directory: Path) -> Path:
    from jointcheck.core.campaign import open_campaign
    from jointcheck.core.draw.service import commit, run_draw
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import open_store, upgrade
    from jointcheck.examples import example_path

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "store.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = open_store(url)
    try:
        targets, officers = write_sample(directory / "libs", targets=600, officers=60, seed=2020)
        import_file(engine, "targets", targets)
        import_file(engine, "officers", officers)
        campaign = directory / "campaign.yaml"
        text = example_path().read_text(encoding="utf-8")
        campaign.write_text(text.replace("    count: 1\n", "    count: 6\n"), encoding="utf-8")
        opened = open_campaign(campaign)
        camp = opened.campaign
        checklist = opened.checklist
        commit(engine, camp, SEED, weak_seed=True)  # a fixed test seed
        run_draw(engine, camp, SEED, checklist=checklist)
    finally:
        engine.dispose()
    return path


def copy_store(template: Path, directory: Path) -> str:
    target = directory / "jointcheck.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def opened_copy(template: Path, directory: Path) -> Iterator[Any]:
    """An Engine on a copy of *template* in *directory*, disposed after: a test file's
    ``engine`` fixture is ``yield from opened_copy(template, tmp_path)``."""
    from jointcheck.core.store import open_store

    engine = open_store(copy_store(template, directory))
    try:
        yield engine
    finally:
        engine.dispose()


def make_app(engine, task_id: str | None = None, actor: str = "tester", **kw: Any) -> Any:
    """The inspectors' app on *engine*, opened on *task_id*'s record (else the task list)."""
    from jointcheck.core.plugins import load_plugins
    from jointcheck.tui.app import InspectApp, load_record

    host = load_plugins()
    loaded = load_record(engine, task_id, host, None) if task_id else None
    return InspectApp(engine, host=host, task_id=task_id, loaded=loaded, actor=actor, **kw)


def pick_tasks(engine) -> dict[str, str]:
    """The id of a drawn task whose enterprise uses special equipment (``special``) and of
    one that does not (``plain``)."""
    from jointcheck.core.records.service import list_tasks

    out: dict[str, str] = {}
    for task in list_tasks(engine):
        special = bool((task.target.get("attributes") or {}).get("uses_special_equipment"))
        out.setdefault("special" if special else "plain", task.id)
    return out


def submit_for_review(engine, host, count: int = 4) -> list[str]:
    """Answer and submit the first *count* tasks (检查日期 2020-07-15): the first item 不符合
    on the first task (a note, left for follow-up) and on the third (corrected on the spot),
    everything else 符合 where it applies. Returns the submitted task ids."""
    from jointcheck.core.records import service as R

    done = []
    for n, task in enumerate(R.list_tasks(engine)[:count]):
        draft = R.load_draft(engine, task.id, host=host)
        date_key = R.field_key("inspected_on")
        R.save_answer(engine, task.id, date_key, "2020-07-15",
                      expected=draft.version_of(date_key), checklist=draft.checklist)
        for i, item in enumerate(draft.checklist.items):
            key = R.item_key(item)
            if not draft.applies(item):
                value = {"result": "not_applicable"}
            elif i == 0 and n in (0, 2):
                value = {"result": "noncompliant", "note": "隐患排查治理台账缺失，未记录整改情况",
                         "corrected_on_site": n == 2}
            else:
                value = {"result": "compliant"}
            R.save_answer(engine, task.id, key, value, expected=draft.version_of(key),
                          checklist=draft.checklist)
        R.submit(engine, task.id, host=host)
        done.append(task.id)
    return done


async def until(pilot, condition, timeout: float = 15.0) -> None:
    """Let the app run until *condition()* holds (AssertionError after *timeout* s)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def settled(pilot) -> Any:
    """The inspection screen once everything typed is stored."""
    from jointcheck.tui.screens.inspection import InspectionScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, InspectionScreen))
    screen = pilot.app.screen
    await until(pilot, lambda: screen.saver is None
                or (screen.saver.pending == 0 and screen.save_state == "saved"))
    return screen
