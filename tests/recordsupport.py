"""A store with sample libraries and one draw of the example campaign, for the records and
app tests: ``drawn_store(url, tmp_path, count=3)``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jointcheck.core.campaign import open_campaign
from jointcheck.core.config import Configuration
from jointcheck.core.model import Checklist


@dataclass
class Drawn:
    engine: Any
    config: Configuration
    checklist: Checklist
    draw: Any
    campaign_path: Path

    @property
    def host(self):
        return self.config.host

    @property
    def task_ids(self) -> list[str]:
        return [f"{self.draw.id}-{t['seq']}" for t in self.draw.result["targets"]]

    def target(self, task_id: str) -> dict:
        from jointcheck.core.records.service import load_draft

        return load_draft(self.engine, task_id, host=self.host).task.target


def campaign_copy(tmp_path: Path, count: int = 3, **changes: Any) -> Path:
    """The example campaign with another sample size (and other changes)."""
    from jointcheck.examples import example_path

    data = yaml.safe_load(example_path().read_text(encoding="utf-8"))
    data["campaign"]["sample"] = {"count": count}
    data["campaign"].update(changes)
    path = tmp_path / "campaign.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def drawn_store(url: str, tmp_path: Path, count: int = 3, *, targets: int = 300,
                officers: int = 40, seed: str = "records-test-seed") -> Drawn:
    from jointcheck.core.draw.service import run_draw
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import open_store

    engine = open_store(url)
    tpath, opath = write_sample(tmp_path / "libs", targets=targets, officers=officers, seed=2020)
    import_file(engine, "targets", tpath)
    import_file(engine, "officers", opath)
    path = campaign_copy(tmp_path, count)
    opened = open_campaign(path)
    config, campaign = opened.config, opened.campaign
    checklist = opened.checklist
    draw = run_draw(engine, campaign, seed, commitment_required=False, checklist=checklist,
                    weak_seed=True)
    return Drawn(engine=engine, config=config, checklist=checklist, draw=draw,
                 campaign_path=path)


def answer_all(drawn: Drawn, task_id: str, *, result: str = "compliant",
               inspected_on: str = "2020-07-15") -> None:
    """Answer every applicable item of a task (through the records service)."""
    from jointcheck.core.records.service import field_key, item_key, load_draft, save_answer

    draft = load_draft(drawn.engine, task_id, host=drawn.host)
    for item in draft.items:
        if draft.applies(item):
            save_answer(drawn.engine, task_id, item_key(item), {"result": result},
                        expected=draft.version_of(item_key(item)), checklist=draft.checklist)
    save_answer(drawn.engine, task_id, field_key("inspected_on"), inspected_on,
                expected=draft.version_of(field_key("inspected_on")), checklist=draft.checklist)


def submit_task(drawn: Drawn, task_id: str, *, noncompliant: int = 0, corrected: bool = False,
                inspected_on: str = "2020-07-15"):
    """Answer every applicable item (the first *noncompliant* of each department not
    compliant, with a note) and submit the record; returns the RecordVersion."""
    from jointcheck.core.records.service import item_key, load_draft, save_answer, submit

    answer_all(drawn, task_id, inspected_on=inspected_on)
    draft = load_draft(drawn.engine, task_id, host=drawn.host)
    for dept in draft.checklist.departments:
        applicable = [i for i in draft.checklist.items_of(dept.code) if draft.applies(i)]
        for item in applicable[:noncompliant]:
            save_answer(drawn.engine, task_id, item_key(item),
                        {"result": "noncompliant", "corrected_on_site": corrected,
                         "note": "现场发现台账记录不全"},
                        expected=draft.version_of(item_key(item)), checklist=draft.checklist)
    return submit(drawn.engine, task_id, host=drawn.host)


CAMPAIGN_ID = "hebi-2020-industrial-safety"


def settled_store(url: str, tmp_path: Path, count: int = 4) -> Drawn:
    """*count* submitted records (one with a problem left for follow-up, one corrected on
    the spot, one with an office override, the rest compliant), all settled."""
    from jointcheck.core.records import results

    d = drawn_store(url, tmp_path, count=count)
    ids = d.task_ids
    submit_task(d, ids[0], noncompliant=1)
    if count > 1:
        submit_task(d, ids[1], noncompliant=1, corrected=True)
    for tid in ids[2:]:
        submit_task(d, tid)
    if count > 2:
        results.set_result(d.engine, ids[2], department="emergency_mgmt", result=2,
                           reason="未按规定公示", add=["责令改正"])
    results.settle(d.engine, CAMPAIGN_ID)
    return d


RECORD = """\
outcome: inspected
inspected_on: 2020-07-15
escort: {name: 李明, position: 安全科长}
remarks: 企业负责人在场。
departments:
  emergency_mgmt:
    items:
%(em)s
  market_supervision:
    items:
%(ms)s
"""


def record_file(drawn: Drawn, tmp_path: Path, tid: str, *, bad_note: bool = False) -> str:
    """A record file (YAML) for task *tid* that passes the checks of a submission (with
    *bad_note*: a non-compliant item without its note, JC811), for `record submit`."""
    from jointcheck.core.records.service import load_draft

    draft = load_draft(drawn.engine, tid, host=drawn.host)

    def lines(dept):
        out = []
        for n, item in enumerate(drawn.checklist.items_of(dept)):
            if not draft.applies(item):
                out.append(f"      {item.id}: {{result: not_applicable}}")
            elif n == 1 and dept == "emergency_mgmt":
                note = "" if bad_note else ", note: 两台灭火器压力不足，已当场更换。"
                out.append(f"      {item.id}: {{result: noncompliant, corrected_on_site: true{note}}}")
            else:
                out.append(f"      {item.id}: {{result: compliant}}")
        return "\n".join(out)

    path = tmp_path / f"record-{tid}.yaml"
    path.write_text(RECORD % {"em": lines("emergency_mgmt"), "ms": lines("market_supervision")}, encoding="utf-8")
    return str(path)


def run_cli(url: str, *args: str):
    """``jointcheck --db URL ARGS…`` through click's test runner."""
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    return CliRunner().invoke(main, ["--db", url, *args])
