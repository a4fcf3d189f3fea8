"""A third-party department in a campaign, end to end through the command line: its
officers from ``sample-data --campaign``, its attribute imported by its label, its hook's
result named wherever a person reads it and referred like a computed 8 (docs/plugin-guide.md,
docs/hooks.md). Store tests: SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from kitsupport import CAMPAIGN_ID, CODE, install_fire, write_campaign
from recordsupport import run_cli

SEED = "kit-test-seed-0123456789abcdef0123456789abcdef"


def _csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def setup_campaign(url: str, tmp_path, count: int = 3, **options):
    """Libraries from ``sample-data --campaign``, imported, and one draw: the task ids
    (*options*: kitsupport.write_campaign's)."""
    campaign = write_campaign(tmp_path, count, **options)
    libs = tmp_path / "libs"
    made = run_cli(url, "sample-data", "--campaign", str(campaign), "-o", str(libs),
                   "--targets", "400", "--officers", "90")
    assert made.exit_code == 0, made.output
    for kind in ("targets", "officers"):
        done = run_cli(url, kind, "import", str(libs / f"{kind}.csv"))
        assert done.exit_code == 0, done.output
        assert "JC650" not in done.output  # every column recognised, 消防安全重点单位 too
    drawn = run_cli(url, "draw", "run", str(campaign), "--seed", SEED, "--no-commitment",
                    "--weak-seed")
    assert drawn.exit_code == 0, drawn.output
    listed = run_cli(url, "tasks", "list", "--campaign", CAMPAIGN_ID, "--format", "json")
    return campaign, [t["id"] for t in json.loads(listed.stdout)]


def record_file(tmp_path, *, key_unit: bool = True, corrected: bool = True):
    """A record: 应急 all compliant, no special equipment (市场监管 7), 消防 a problem
    corrected on the spot at a 消防安全重点单位."""
    data = {"outcome": "inspected", "inspected_on": "2020-07-15",
            "target": {"uses_special_equipment": False, "fire_key_unit": key_unit},
            "departments": {
                "emergency_mgmt": {"items": {i: {"result": "compliant"} for i in (
                    "risk_control", "equipment_maintenance", "responsibility_system",
                    "safety_organization")}},
                CODE: {"items": {
                    "fire_facilities": {"result": "noncompliant", "corrected_on_site": corrected,
                                        "note": "灭火器过期"}}}}}
    if key_unit:  # 安全出口 applies to a 消防安全重点单位 only
        data["departments"][CODE]["items"]["fire_exits"] = {"result": "compliant"}
    path = tmp_path / f"record-{key_unit}-{corrected}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_sample_data_for_a_campaign_makes_every_departments_officers(site, tmp_path):
    install_fire(site)
    campaign = write_campaign(tmp_path)
    result = run_cli(f"sqlite:///{tmp_path}/x.db", "sample-data", "--campaign", str(campaign),
                     "-o", str(tmp_path / "libs"), "--targets", "50", "--officers", "30")
    assert result.exit_code == 0, result.output
    officers = _csv(tmp_path / "libs" / "officers.csv")
    fire = [o for o in officers if o["部门"] == "市消防救援支队"]
    assert len(fire) == 10  # a third of them, in turn
    assert sum("消防监督检查" in o["资格"] for o in fire) >= 8  # what the campaign asks
    assert {o["部门"] for o in officers} == {"应急管理局", "市场监管局", "市消防救援支队"}
    targets = _csv(tmp_path / "libs" / "targets.csv")
    assert {t["消防安全重点单位"] for t in targets} == {"是", "否"}
    # without --campaign: the built-in two, as before
    plain = run_cli(f"sqlite:///{tmp_path}/x.db", "sample-data", "-o", str(tmp_path / "plain"),
                    "--targets", "50", "--officers", "30")
    assert plain.exit_code == 0
    assert "消防安全重点单位" not in (tmp_path / "plain" / "targets.csv").read_text(
        encoding="utf-8-sig").splitlines()[0]
    assert {o["部门"] for o in _csv(tmp_path / "plain" / "officers.csv")} == {
        "应急管理局", "市场监管局"}


def test_a_declared_attribute_imports_by_its_label_and_aliases(site, tmp_path, store_url):
    install_fire(site)
    path = tmp_path / "t.csv"
    path.write_text("统一社会信用代码,市场主体名称,登记状态,消防安全重点单位\n"
                    "91410603930002862H,甲公司,存续,是\n", encoding="utf-8")
    alias = tmp_path / "t2.csv"
    alias.write_text("统一社会信用代码,市场主体名称,登记状态,是否消防安全重点单位\n"
                     "91410603930002862H,甲公司,存续,否\n", encoding="utf-8")
    from jointcheck.core.libraries.reader import open_library

    for file, value in ((path, True), (alias, False)):
        lib = open_library("targets", file)
        assert lib.warnings == []  # no JC650
        (row,) = [r.data for r in lib]
        assert row["attributes"] == {"fire_key_unit": value}
    result = run_cli(store_url, "targets", "import", str(path))
    assert result.exit_code == 0 and "JC650" not in result.output


def test_a_hooks_override_is_named_and_referred(site, tmp_path, store_url):
    install_fire(site)
    campaign, tasks = setup_campaign(store_url, tmp_path)
    task = tasks[0]
    done = run_cli(store_url, "record", "submit", task, "--findings", str(record_file(tmp_path)))
    assert done.exit_code == 0, done.output
    note = "插件“fire_safety”改判：5→8"
    assert note in done.stdout

    shown = run_cli(store_url, "record", "show", task)
    assert shown.exit_code == 0, shown.output
    (line,) = [x for x in shown.stdout.splitlines() if x.startswith("市消防救援支队：")]
    assert line.startswith("市消防救援支队：8. 发现问题待后续处理") and note in line

    listed = run_cli(store_url, "results", "list", CAMPAIGN_ID)
    assert listed.exit_code == 0
    row = next(x for x in listed.stdout.splitlines() if x.startswith(task))
    assert "5⇒8" in row
    assert f"{task} 市消防救援支队：{note}" in listed.stdout.splitlines()

    # a hook's 8 refers the problem as a computed 8 does, though corrected on the spot
    drafted = run_cli(store_url, "referrals", "draft", str(campaign), "--date", "2020-07-20")
    assert drafted.exit_code == 0, drafted.output
    refs = json.loads(run_cli(store_url, "referrals", "list", str(campaign), "--format",
                              "json", "--as-of", "2020-07-21").stdout)
    assert [(r["task"], r["department"], r["item"]) for r in refs] == [
        (task, CODE, "fire_facilities")]

    # 附件4 says it too, in Chinese
    for other in tasks[1:]:
        assert run_cli(store_url, "record", "submit", other, "--findings",
                       str(record_file(tmp_path, key_unit=False))).exit_code == 0
    assert run_cli(store_url, "results", "settle", CAMPAIGN_ID).exit_code == 0
    out = tmp_path / "a4.json"
    report = run_cli(store_url, "report", "record", CAMPAIGN_ID, "--task", task,
                     "--format", "json", "-o", str(out))
    assert report.exit_code == 0, report.output
    assert "市消防救援支队：8. 发现问题待后续处理（插件“fire_safety”改判，原为 5）" in \
        out.read_text(encoding="utf-8")
    # without the hook's condition the policy's 5 stands: nothing named, nothing referred
    plain = run_cli(store_url, "record", "show", tasks[1])
    assert "改判" not in plain.stdout and "市消防救援支队：5. 发现问题已责令改正" in plain.stdout
    # the app's review (tui/screens/review.py) reads the same rows and blocks
    from jointcheck.core.present.consolidation import results_row, target_blocks
    from jointcheck.core.records.results import load
    from jointcheck.core.store import open_store

    engine = open_store(store_url)
    try:
        (row,) = [r for r in load(engine, CAMPAIGN_ID, with_record=True) if r.task.id == task]
    finally:
        engine.dispose()
    names = {"emergency_mgmt": "应急管理局", "market_supervision": "市市场监管局",
             CODE: "市消防救援支队"}
    assert "5⇒8" in results_row(row, list(names.items()), review=True)
    fire = dict(target_blocks(row, names))[CODE]
    assert fire[:2] == ["市消防救援支队", f"  {note}"]
    english = run_cli(store_url, "--lang", "en", "record", "show", task)
    assert "changed by plugin 'fire_safety': 5→8" in english.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_result_a_hook_decided_is_named_by_classify(site, tmp_path, lang):
    install_fire(site)
    campaign = write_campaign(tmp_path)
    findings = record_file(tmp_path)
    data = yaml.safe_load(findings.read_text(encoding="utf-8"))
    data.pop("inspected_on")
    findings.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    result = CliRunner().invoke(main, ["--lang", lang, "classify", str(findings), "--campaign",
                                       str(campaign)])
    assert result.exit_code == 0, result.output
    assert ("插件“fire_safety”改判：5→8" if lang == "zh"
            else "changed by plugin 'fire_safety': 5→8") in result.stdout


def _uninstall(site) -> None:
    """What ``pip uninstall`` leaves: neither the module nor its entry point."""
    import shutil

    from distutil import forget_modules

    for path in site.iterdir():
        shutil.rmtree(path)
    forget_modules("jc_fire")


def test_a_campaign_outlives_its_plugin(site, tmp_path, store_url, monkeypatch):
    install_fire(site)
    campaign, tasks = setup_campaign(store_url, tmp_path)
    assert run_cli(store_url, "record", "submit", tasks[0], "--findings",
                   str(record_file(tmp_path))).exit_code == 0
    for other in tasks[1:]:
        assert run_cli(store_url, "record", "submit", other, "--findings",
                       str(record_file(tmp_path, key_unit=False))).exit_code == 0
    assert run_cli(store_url, "referrals", "draft", str(campaign), "--date",
                   "2020-07-20").exit_code == 0
    assert run_cli(store_url, "results", "settle", CAMPAIGN_ID).exit_code == 0
    before = {args: run_cli(store_url, *args).stdout for args in (
        ("record", "show", tasks[0]), ("results", "list", CAMPAIGN_ID))}
    amended = record_file(tmp_path, corrected=False)

    for state, gone in (("已被 JOINTCHECK_DISABLE_PLUGINS 停用", "disabled"),
                        ("没有安装", "uninstalled")):
        if gone == "disabled":
            monkeypatch.setenv("JOINTCHECK_DISABLE_PLUGINS", CODE)
        else:
            monkeypatch.delenv("JOINTCHECK_DISABLE_PLUGINS")
            _uninstall(site)
        # what the campaign made reads the stored snapshots: the same as before
        for args, text in before.items():
            again = run_cli(store_url, *args)
            assert again.exit_code == 0, (gone, again.output)
            assert again.stdout == text, gone
        with_file = run_cli(store_url, "record", "show", tasks[0], "--campaign", str(campaign))
        assert with_file.exit_code == 0, (gone, with_file.output)
        assert with_file.stdout == before[("record", "show", tasks[0])]
        listed = run_cli(store_url, "referrals", "list", str(campaign), "--as-of", "2020-07-21",
                         "--format", "json")
        assert listed.exit_code == 0, (gone, listed.output)
        assert [r["department"] for r in json.loads(listed.stdout)] == [CODE]
        status = run_cli(store_url, "status", str(campaign), "--as-of", "2020-07-21")
        assert status.exit_code == 0, (gone, status.output)
        letters = tmp_path / f"letters-{gone}"
        letter = run_cli(store_url, "referrals", "letter", str(campaign), "--format", "md",
                         "-o", str(letters), "--date", "2020-07-21")
        assert letter.exit_code == 0, (gone, letter.output)
        (written,) = letters.iterdir()
        assert "消防设施、器材是否完好有效" in written.read_text(encoding="utf-8")
        report = run_cli(store_url, "report", "record", CAMPAIGN_ID, "--task", tasks[0],
                         "--format", "json", "-o", str(tmp_path / f"a4-{gone}.json"))
        assert report.exit_code == 0, (gone, report.output)

        # new work needs the plugin: refused naming it, nothing re-classified
        refused = run_cli(store_url, "record", "amend", tasks[0], "--findings", str(amended),
                          "--reason", "复核")
        assert refused.exit_code == 1, gone
        (line,) = [x for x in refused.stderr.splitlines() if "JC412" in x]
        assert f"插件“{CODE}”提供，该插件{state}" in line and "pip install" in line
        assert run_cli(store_url, "record", "show", tasks[0]).stdout == before[
            ("record", "show", tasks[0])]
        drawn = run_cli(store_url, "draw", "run", str(campaign), "--seed", SEED + "x",
                        "--no-commitment", "--weak-seed")
        assert drawn.exit_code == 1, gone
        assert "JC412" in drawn.stderr, (gone, drawn.stderr)
        assert f"插件“{CODE}”" in drawn.stderr


def test_a_campaign_scoped_by_a_plugins_attribute_outlives_the_plugin(site, tmp_path,
                                                                        store_url, monkeypatch):
    """Its scope filter names 消防安全重点单位, which only the plugin declares: read from the
    snapshot, the campaign still opens (no JC314 for an attribute no loaded plugin has)."""
    install_fire(site)
    campaign, tasks = setup_campaign(store_url, tmp_path, count=2, key_units_only=True)
    assert run_cli(store_url, "record", "submit", tasks[0], "--findings",
                   str(record_file(tmp_path))).exit_code == 0
    before = run_cli(store_url, "status", str(campaign), "--as-of", "2020-07-21")
    assert before.exit_code == 0, before.output
    monkeypatch.setenv("JOINTCHECK_DISABLE_PLUGINS", CODE)
    after = run_cli(store_url, "status", str(campaign), "--as-of", "2020-07-21")
    assert after.exit_code == 0, after.output
    assert after.stdout == before.stdout
    shown = run_cli(store_url, "record", "show", tasks[0], "--campaign", str(campaign))
    assert shown.exit_code == 0, shown.output
    assert "插件“fire_safety”改判：5→8" in shown.stdout
    # new work still needs the plugin, and says so
    drawn = run_cli(store_url, "draw", "run", str(campaign), "--seed", SEED + "x",
                    "--no-commitment", "--weak-seed")
    assert drawn.exit_code == 1 and "JC412" in drawn.stderr


def test_validate_given_the_store_warns_of_items_changed_under_records(site, tmp_path,
                                                                        store_url):
    install_fire(site)
    _campaign, tasks = setup_campaign(store_url, tmp_path, count=2)
    for task in tasks:
        assert run_cli(store_url, "record", "submit", task, "--findings",
                       str(record_file(tmp_path, key_unit=False))).exit_code == 0
    same = run_cli(store_url, "validate", "--format", "json")
    assert same.exit_code == 0 and json.loads(same.stdout)["warnings"] == []
    declaration = site / "jc_fire_safety" / "department.yaml"
    declaration.write_text(declaration.read_text(encoding="utf-8").replace(
        "消防设施、器材是否完好有效", "消防设施、器材是否完好"), encoding="utf-8")
    result = run_cli(store_url, "validate", "--format", "json")
    assert result.exit_code == 0, result.output  # a warning: the records are not wrong
    (w,) = json.loads(result.stdout)["warnings"]
    assert (w["code"], w["plugin"], w["line"], w["path"]) == (
        "JC323", CODE, 10, "/items/0/title")
    assert CAMPAIGN_ID in w["message"] and "、".join(sorted(tasks)) in w["message"]
    assert "fire_facilities" in w["message"] and "标题" in w["message"]
    # without the store there is nothing to compare with
    from click.testing import CliRunner

    from jointcheck.core.cli import main

    plain = CliRunner().invoke(main, ["validate", "--format", "json"])
    assert plain.exit_code == 0 and json.loads(plain.stdout)["warnings"] == []


# -- the "Done when" of the department authors' kit, with a real package ---------------------

def _venv(tmp_path):
    """A virtual environment that sees this jointcheck (through a .pth: no copy, no network)
    and where a plugin package is pip-installed for real: (python, run(*args))."""
    import subprocess
    import sys
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True,
                             text=True).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    __import__("pathlib").Path(purelib).mkdir(parents=True, exist_ok=True)
    with open(f"{purelib}/jointcheck-dev.pth", "w", encoding="utf-8") as f:
        f.write(f"import site; site.addsitedir({ours!r})\n")

    def run(*args: str, check: bool = False):
        env = {k: v for k, v in __import__("os").environ.items()
               if not k.startswith(("JOINTCHECK_", "PYTHON"))}
        done = subprocess.run([str(python), *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    return python, run


@pytest.mark.slow
def test_done_when_a_third_party_plugin_is_installed_from_its_own_package(tmp_path, store_url):
    from kitsupport import DEPARTMENT_YAML, write_package

    package = write_package(tmp_path / "jointcheck-fire-safety")
    broken = write_package(tmp_path / "broken" / "jointcheck-fire-safety", DEPARTMENT_YAML + (
        "  - id: fire_exits\n    title: 重复的编号\n"
        "    legal_basis: {duty: [{law: 中华人民共和国消防法, article: 第十六条}]}\n"))
    campaign = write_campaign(tmp_path)
    _python, run = _venv(tmp_path)

    def pip(*args: str) -> None:
        run("-m", "pip", "--disable-pip-version-check", "--no-input", *args, check=True)

    def jc(*args: str):
        return run("-c", "import sys; from jointcheck.core.cli import main; sys.exit(main())",
                   "--db", store_url, *args)

    def install(folder) -> None:
        pip("install", "--no-deps", "--no-build-isolation", "--no-index", "--force-reinstall",
            str(folder))

    # a repeated item id fails validate, with and without a campaign
    install(broken)
    for args in ((), (str(campaign),)):
        bad = jc("validate", *args)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        (line,) = [x for x in bad.stdout.splitlines() if "JC301" in x]
        assert "jointcheck_fire_safety/department.yaml:20:" in line and "fire_exits" in line
    install(package)
    ok = jc("validate", str(campaign))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    # plugin test passes a right case and fails a wrong one by name
    assert jc("plugin", "test", str(package)).returncode == 0
    wrong = package / "tests" / "cases" / "wrong.yaml"
    wrong.write_text((package / "tests" / "cases" / "key_unit_escalated.yaml").read_text(
        encoding="utf-8").replace("result: 8", "result: 5"), encoding="utf-8")
    failed = jc("--lang", "en", "plugin", "test", str(package))
    assert failed.returncode == 1
    assert "FAILED  wrong.yaml" in failed.stdout
    assert "fire_safety result: expected 5, got 8" in failed.stdout
    wrong.unlink()

    # sample-data --campaign yields its officers; its attribute imports by label
    libs = tmp_path / "libs"
    assert jc("sample-data", "--campaign", str(campaign), "-o", str(libs), "--targets", "400",
              "--officers", "90").returncode == 0
    assert sum(o["部门"] == "市消防救援支队" for o in _csv(libs / "officers.csv")) == 30
    for kind in ("targets", "officers"):
        done = jc(kind, "import", str(libs / f"{kind}.csv"))
        assert done.returncode == 0 and "JC650" not in done.stdout + done.stderr, done.stderr
    shown = jc("targets", "list", "--format", "json", "--limit", "0").stdout
    assert '"fire_key_unit": true' in shown and '"fire_key_unit": false' in shown

    # its hook's override is named in record show
    assert jc("draw", "run", str(campaign), "--seed", SEED, "--no-commitment",
              "--weak-seed").returncode == 0
    tasks = [t["id"] for t in json.loads(jc("tasks", "list", "--campaign", CAMPAIGN_ID,
                                            "--format", "json").stdout)]
    assert jc("record", "submit", tasks[0], "--findings",
              str(record_file(tmp_path))).returncode == 0
    for other in tasks[1:]:
        assert jc("record", "submit", other, "--findings",
                  str(record_file(tmp_path, key_unit=False))).returncode == 0
    assert "插件“fire_safety”改判：5→8" in jc("record", "show", tasks[0]).stdout
    assert jc("referrals", "draft", str(campaign), "--date", "2020-07-20").returncode == 0
    assert jc("results", "settle", CAMPAIGN_ID).returncode == 0

    # after pip uninstall: referrals list, status and report record still work
    pip("uninstall", "-y", "jointcheck-fire-safety")
    assert "fire_safety" not in jc("plugins").stdout
    listed = jc("referrals", "list", str(campaign), "--as-of", "2020-07-21", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [r["department"] for r in json.loads(listed.stdout)] == ["fire_safety"]
    status = jc("status", str(campaign), "--as-of", "2020-07-21")
    assert status.returncode == 0, status.stderr
    report = jc("report", "record", CAMPAIGN_ID, "--format", "json", "-o",
                str(tmp_path / "a4.json"))
    assert report.returncode == 0, report.stderr
    assert "市消防救援支队" in (tmp_path / "a4.json").read_text(encoding="utf-8")
    refused = jc("record", "amend", tasks[0], "--findings", str(record_file(tmp_path)),
                 "--reason", "复核")
    assert refused.returncode == 1 and "JC412" in refused.stderr and "没有安装" in refused.stderr
