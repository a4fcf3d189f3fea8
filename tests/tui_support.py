"""A store for the app's tests, built with the CLI's own services: the sample libraries
imported, the example campaign (drawing six enterprises instead of one) committed and
drawn. Built once per session and copied per test (SQLite file)."""

from __future__ import annotations

import shutil
from pathlib import Path

SEED = "tui-tests"


def build_store(directory: Path) -> Path:
    from jointcheck.core.config import open_campaign
    from jointcheck.core.draw.service import commit, run_draw
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.merge import merge
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
        config, camp = open_campaign(campaign)
        checklist = merge(config, camp)
        commit(engine, camp, SEED, weak_seed=True)  # a fixed test seed
        run_draw(engine, camp, SEED, checklist=checklist)
    finally:
        engine.dispose()
    return path


def copy_store(template: Path, directory: Path) -> str:
    target = directory / "jointcheck.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def pick_tasks(engine) -> dict[str, str]:
    """The id of a drawn task whose enterprise uses special equipment (``special``) and of
    one that does not (``plain``)."""
    from jointcheck.core.records.service import list_tasks

    out: dict[str, str] = {}
    for task in list_tasks(engine):
        special = bool((task.target.get("attributes") or {}).get("uses_special_equipment"))
        out.setdefault("special" if special else "plain", task.id)
    return out
