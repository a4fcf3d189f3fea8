"""``jointcheck plugin new``: the scaffolded department plugin package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from distutil import make_dist
from jsonschema import Draft202012Validator

from jointcheck.core.cli import main
from jointcheck.core.yamlload import load_file
from jointcheck.schemas import load_schema

CODE = "fire_safety"
NAME = "市消防救援支队"
MODULE = f"jointcheck_{CODE}"


def _new(tmp_path: Path, *args: str, code: str = CODE, name: str | None = NAME):
    argv = ["plugin", "new", code]
    if name is not None:
        argv += ["--name", name]
    return CliRunner().invoke(main, [*args, *argv, "--dir", str(tmp_path)])


@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    result = _new(tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path / f"jointcheck-{CODE}"


def _schema_errors(data: dict) -> list[str]:
    validator = Draft202012Validator(load_schema("department"))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def test_plugin_new_writes_a_pip_installable_package(tmp_path: Path):
    result = _new(tmp_path)
    assert result.exit_code == 0, result.output
    root = tmp_path / f"jointcheck-{CODE}"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        ".gitignore", "README.md", f"{MODULE}/__init__.py", f"{MODULE}/department.yaml",
        "pyproject.toml", "tests/cases/example.yaml", "tests/test_cases.py",
        "tests/test_department.py"]
    assert "已创建部门插件" in result.output
    assert f"jointcheck validate {root / MODULE / 'department.yaml'}" in result.output

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert project["project"]["name"] == "jointcheck-fire-safety"
    assert project["project"]["entry-points"]["jointcheck"] == {CODE: MODULE}
    assert project["tool"]["setuptools"]["packages"] == [MODULE]
    assert project["tool"]["setuptools"]["package-data"] == {MODULE: ["department.yaml"]}
    assert any(d.startswith("jointcheck") for d in project["project"]["dependencies"])

    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "## 中文说明" in readme and "## English" in readme
    module = (root / MODULE / "__init__.py").read_text(encoding="utf-8")
    assert "@hookimpl" in module and "def jointcheck_department()" in module


def test_the_generated_declaration_validates_against_the_schema(scaffold: Path):
    doc = load_file(scaffold / MODULE / "department.yaml")
    assert _schema_errors(doc.data) == []
    assert doc.data["department"] == {"code": CODE, "name": NAME}
    [item] = doc.data["items"]
    assert item["legal_basis"]["duty"], "the example item carries a (placeholder) duty citation"
    assert item["noncompliance"]["refer_to"] == CODE
    # the placeholder is plain to see, in the data and in a comment
    assert "待替换" in item["legal_basis"]["duty"][0]["law"]
    assert "PLACEHOLDER" in (scaffold / MODULE / "department.yaml").read_text(encoding="utf-8")


def test_the_generated_declaration_passes_jointcheck_validate(scaffold: Path):
    declaration = scaffold / MODULE / "department.yaml"
    result = CliRunner().invoke(main, ["validate", "--strict", "--format", "json",
                                       str(declaration)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True


@pytest.mark.slow
def test_the_generated_tests_pass(scaffold: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCHECK_")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=scaffold, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout  # the declaration's three and the example case
    # a case that does not hold fails by name, with expected and actual
    case = scaffold / "tests" / "cases" / "example.yaml"
    case.with_name("wrong.yaml").write_text(
        case.read_text(encoding="utf-8").replace("result: 8 ", "result: 5 "), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=scaffold, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "test_case[wrong.yaml]" in proc.stdout
    assert f"{CODE}.result: expected 5, got 8" in proc.stdout


def test_the_generated_case_passes_plugin_test(scaffold: Path, monkeypatch: pytest.MonkeyPatch):
    """`jointcheck plugin test DIR` runs the scaffold's case before it is even installed."""
    from distutil import forget_modules

    monkeypatch.setattr(sys, "path", list(sys.path))  # plugin test imports from DIR
    try:
        result = CliRunner().invoke(main, ["--lang", "en", "plugin", "test", str(scaffold)])
    finally:
        forget_modules(MODULE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["passed  example.yaml",
                                          "1 case(s): 1 passed, 0 failed"]


def test_a_name_with_quotes_survives_yaml_and_toml(tmp_path: Path):
    name = '市"特种"\\局：甲'
    result = _new(tmp_path, code="odd_name", name=name)
    assert result.exit_code == 0, result.output
    root = tmp_path / "jointcheck-odd_name"
    assert load_file(root / "jointcheck_odd_name" / "department.yaml").data["department"]["name"] == name
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert name in project["project"]["description"]


@pytest.mark.parametrize("code", ["Fire", "1fire", "fire-safety", "fire safety", "消防", "_fire",
                                  "", "a" * 65])
def test_a_bad_code_is_a_usage_error(tmp_path: Path, code: str):
    result = _new(tmp_path, code=code)
    assert result.exit_code == 2
    assert "部门代码" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_bad_code_in_english(tmp_path: Path):
    result = _new(tmp_path, "--lang", "en", code="Fire")
    assert result.exit_code == 2
    assert "invalid department code 'Fire'" in result.stderr
    assert "lowercase" in result.stderr


@pytest.mark.parametrize("name", ["   ", "市消防\n支队"])
def test_an_unusable_name_is_a_usage_error(tmp_path: Path, name: str):
    result = _new(tmp_path, name=name)
    assert result.exit_code == 2
    assert "部门名称" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_missing_name_is_a_usage_error(tmp_path: Path):
    result = _new(tmp_path, name=None)
    assert result.exit_code == 2
    assert "--name" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("empty", [True, False])
def test_an_existing_directory_is_never_overwritten(tmp_path: Path, empty: bool):
    root = tmp_path / f"jointcheck-{CODE}"
    root.mkdir()
    if not empty:
        (root / "mine.txt").write_text("keep me", encoding="utf-8")
    result = _new(tmp_path)
    assert result.exit_code == 1
    assert "已存在" in result.stderr
    assert [p.name for p in root.iterdir()] == ([] if empty else ["mine.txt"])
    if not empty:
        assert (root / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == [root.name]  # no staging directory left


def test_an_existing_directory_in_english(tmp_path: Path, scaffold: Path):
    result = _new(tmp_path, "--lang", "en")
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_a_write_failure_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real_write = Path.write_text
    calls = []

    def failing_write(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write)
    result = _new(tmp_path)
    assert result.exit_code == 1
    assert "磁盘空间不足" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_installed_scaffold_is_discovered_through_its_entry_point(
        scaffold: Path, monkeypatch: pytest.MonkeyPatch):
    """What `pip install` of the generated package provides, without pip: a dist-info with
    the package's entry points, next to the module, on sys.path."""
    project = tomllib.loads((scaffold / "pyproject.toml").read_text(encoding="utf-8"))
    make_dist(scaffold, project["project"]["name"], project["project"]["entry-points"]["jointcheck"],
              {}, version="0.1.0")
    monkeypatch.syspath_prepend(str(scaffold))
    try:
        result = CliRunner().invoke(main, ["plugins", "--format", "json"])
        assert result.exit_code == 0, result.output
        plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
        mine = plugins[CODE]
        assert mine["loaded"] is True
        assert mine["builtin"] is False
        assert mine["distribution"] == "jointcheck-fire-safety"
        assert mine["hooks"] == ["jointcheck_department"]
        assert mine["departments"] == [{"code": CODE, "name": NAME, "items": 1}]
        assert {"emergency_mgmt", "market_supervision"} <= set(plugins)

        # installed and named on the command line: one department, no conflict
        result = CliRunner().invoke(main, ["validate", "--strict", "--format", "json",
                                           str(scaffold / MODULE / "department.yaml")])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        assert (out["valid"], out["errors"]) == (True, [])
        # no conflict; only the placeholders the author has still to replace
        assert [(w["code"], w["path"]) for w in out["warnings"]] == [
            ("JC322", "/editions/0"), ("JC322", "/items/0/title"),
            ("JC322", "/items/0/legal_basis/duty/0")]
    finally:
        sys.modules.pop(MODULE, None)


def test_a_code_already_installed_is_refused(tmp_path: Path):
    result = _new(tmp_path, code="market_supervision", name="市场监管")
    assert result.exit_code == 1
    assert "“market_supervision”已被已安装的插件“market_supervision”使用" in result.stderr
    assert list(tmp_path.iterdir()) == []
