"""The campaign room (core/campaign.py): one way to open a campaign, merged once, and a
campaign drawn before named by its id from the store."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from jointcheck.core import merge as merge_module
from jointcheck.core.campaign import open_campaign
from jointcheck.core.cli import main
from jointcheck.core.errors import ConfigError
from jointcheck.examples import example_path


def test_opening_merges_the_checklist_once_and_holds_everything(monkeypatch):
    calls = []
    real = merge_module.merge

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr("jointcheck.core.campaign.merge", counting)
    opened = open_campaign(example_path())
    assert len(calls) == 1
    assert opened.id == "hebi-2020-industrial-safety" and not opened.stored
    assert opened.host is opened.config.host and opened.host is not None
    assert [d.code for d in opened.checklist.departments] == ["emergency_mgmt",
                                                              "market_supervision"]
    assert opened.checklist.fingerprint == real(opened.config, opened.campaign).fingerprint
    assert opened.department_names["emergency_mgmt"] == "应急管理局"
    # the working-day calendar: the day after 2020-09-30 that is a working day, 国庆节 over
    assert opened.calendar.due(date(2020, 9, 30), 1, "working_days").date == date(2020, 10, 9)


def test_a_shipped_example_opens_by_id_and_an_unknown_name_is_jc122(tmp_path):
    assert open_campaign("hebi-2020-industrial-safety").campaign.source.file \
        == str(example_path())
    with pytest.raises(ConfigError) as exc:
        open_campaign("no-such-campaign")
    assert [p.code for p in exc.value.problems] == ["JC122"]
    with pytest.raises(ConfigError) as exc:
        open_campaign(tmp_path)
    assert [p.code for p in exc.value.problems] == ["JC120"]


@pytest.fixture
def stored_campaign(store_url, tmp_path):
    """A store with one draw of a campaign ``stored-2020`` whose file is then deleted."""
    from recordsupport import campaign_copy

    from jointcheck.core.draw.service import run_draw
    from jointcheck.core.libraries.importer import import_file
    from jointcheck.core.libraries.sample import write_sample
    from jointcheck.core.store import open_store

    engine = open_store(store_url)
    try:
        tpath, opath = write_sample(tmp_path / "libs", targets=60, officers=20, seed=2020)
        import_file(engine, "targets", tpath)
        import_file(engine, "officers", opath)
        path = campaign_copy(tmp_path, 2, id="stored-2020")
        opened = open_campaign(path)
        run_draw(engine, opened.campaign, "stored seed", commitment_required=False,
                 checklist=opened.checklist, weak_seed=True)
    finally:
        engine.dispose()
    path.unlink()
    return store_url, opened.checklist


def test_a_drawn_campaign_is_named_by_its_id_once_its_file_is_gone(stored_campaign):
    url, checklist = stored_campaign
    from jointcheck.core.store import open_store

    with pytest.raises(ConfigError) as exc:  # without a store, the id names nothing
        open_campaign("stored-2020")
    assert [p.code for p in exc.value.problems] == ["JC122"]
    engine = open_store(url)
    try:
        opened = open_campaign("stored-2020", store=engine)
    finally:
        engine.dispose()
    assert opened.stored and opened.id == "stored-2020"
    assert opened.checklist.fingerprint == checklist.fingerprint  # the snapshot, not re-merged
    assert opened.campaign.data["sample"] == {"count": 2}
    assert opened.host is not None  # today's plugins take part in its hooks
    opened = open_campaign("stored-2020", store=lambda: open_store(url))  # opened on demand
    assert opened.checklist.fingerprint == checklist.fingerprint


def test_commands_take_a_stored_campaigns_id(stored_campaign):
    url, checklist = stored_campaign
    runner = CliRunner()
    out = runner.invoke(main, ["--db", url, "status", "stored-2020", "--as-of", "2020-07-20",
                               "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["campaign_id"] == "stored-2020"
    out = runner.invoke(main, ["--db", url, "checklist", "stored-2020", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["fingerprint"] == checklist.fingerprint
    out = runner.invoke(main, ["--db", url, "status", "never-drawn"])
    assert out.exit_code == 1 and "JC122" in out.stderr and "never-drawn" in out.stderr


def test_validate_with_a_store_checks_it_too(store_url, tmp_path):
    out = CliRunner().invoke(main, ["--db", store_url, "validate"])
    assert out.exit_code == 0, out.output
    assert "校验通过" in out.stdout
    # --db on the command line opens the store (the drift check): one not created is JC701
    missing = f"sqlite:///{tmp_path}/none.db"
    out = CliRunner().invoke(main, ["--db", missing, "validate"])
    assert out.exit_code == 1 and "JC701" in out.stderr
    # JOINTCHECK_DB alone, set for the other commands, does not: validate stays light
    out = CliRunner().invoke(main, ["validate"], env={"JOINTCHECK_DB": missing})
    assert out.exit_code == 0 and "校验通过" in out.stdout, out.output
    assert not (tmp_path / "none.db").exists()
