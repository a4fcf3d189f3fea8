"""Every command and subcommand, given hostile arguments, answers without a traceback.

The commands are found by walking the click groups from ``jointcheck.core.cli.COMMANDS``,
so a new command is covered without touching this file. Each one is run with missing and
unwritable paths, a file where a directory is expected, a directory where a file is
expected, a 0-byte file, random bytes, another program's SQLite database, huge and
negative integers, empty and wildcard text, against a nonexistent store and an empty one
(on each engine), and with such files as the store. Any traceback — or the safety net's JC901, which
would hide one — fails the test, as does an exit status other than 0, 1 or 2.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from jointcheck.core.cli import COMMANDS, main

HUGE = "99999999999999999999"


def commands() -> list[tuple[list[str], click.Command]]:
    """(path, command) for every leaf command under ``jointcheck``."""
    out: list[tuple[list[str], click.Command]] = []
    ctx = click.Context(main)

    def walk(path: list[str], cmd: click.Command) -> None:
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                walk([*path, name], cmd.get_command(ctx, name))
        else:
            out.append((path, cmd))

    for name in sorted(COMMANDS):
        walk([name], main.get_command(ctx, name))
    return out


def hostile_values(param: click.Parameter, paths: dict[str, str]) -> list[str]:
    """Values of one parameter that a careless or hostile user might give."""
    t = param.type
    if isinstance(t, click.Path):
        return [paths["missing"], paths["file_as_dir"], paths["dir"], paths["file"],
                paths["unwritable"], paths["empty"], paths["binary"], paths["foreign"]]
    if isinstance(t, click.types.IntParamType):
        # arguments (ids) get a number beyond 64 bits; counts a negative one (a huge count
        # would be honoured, slowly)
        return [HUGE, "-1", "0"] if isinstance(param, click.Argument) else ["-1", "abc"]
    if isinstance(t, click.Choice):
        return [str(t.choices[0]), "nonsense"]
    if getattr(param, "is_flag", False):
        return []
    return [paths["missing"], paths["file_as_dir"], paths["dir"], "", "%", "   ", HUGE]


def variants(cmd: click.Command, paths: dict[str, str]) -> list[list[str]]:
    """Argument lists: every required parameter filled with each hostile value in turn,
    then each optional option given a hostile value on top of that."""
    required = [p for p in cmd.params if p.required or isinstance(p, click.Argument)]
    optional = [p for p in cmd.params if isinstance(p, click.Option) and not p.required
                and p.name not in ("help",)]

    def args_for(param: click.Parameter, value: str) -> list[str]:
        if isinstance(param, click.Argument):
            return [value]
        return [param.opts[0], value]

    runs: list[list[str]] = []
    width = max([len(hostile_values(p, paths)) for p in required] or [1])
    for i in range(width):
        base: list[str] = []
        for p in required:
            values = hostile_values(p, paths) or [paths["missing"]]
            base += args_for(p, values[i % len(values)])
        runs.append(base)
    base = runs[0]
    for p in optional:
        for value in hostile_values(p, paths)[:4]:
            runs.append([*base, *args_for(p, value)])
    return runs


@pytest.fixture
def hostile_paths(tmp_path):
    a_file = tmp_path / "FILE"
    a_file.write_text("not a library, not YAML: \x00\n", encoding="utf-8")
    a_dir = tmp_path / "adir"
    a_dir.mkdir()
    (a_dir / "campaign.yaml").write_text("campaign: [\n", encoding="utf-8")
    empty = tmp_path / "empty.yaml"  # a 0-byte file, with a suffix commands look at
    empty.write_bytes(b"")
    binary = tmp_path / "random.xlsx"  # random bytes under a name that promises a format
    binary.write_bytes(bytes(random.Random(18).randrange(256) for _ in range(4096)))
    foreign = tmp_path / "other.db"  # another program's SQLite database
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    return {"missing": str(tmp_path / "no" / "such" / "x.csv"),
            "file_as_dir": str(a_file / "sub" / "x.json"), "dir": str(a_dir),
            "file": str(a_file), "unwritable": "/proc/version/x.json", "empty": str(empty),
            "binary": str(binary), "foreign": str(foreign)}


def run_all(url: str, hostile_paths: dict[str, str]) -> list[str]:
    runner = CliRunner()
    failures = []
    for path, cmd in commands():
        if path in (["demo"], ["inspect"], ["serve"]):  # these run a whole demo, open the
            continue  # terminal app or serve until stopped when their arguments are fine:
            # see their own tests below
        for args in variants(cmd, hostile_paths):
            result = runner.invoke(main, ["--db", url, *path, *args])
            text = result.output + (result.stderr if result.stderr_bytes is not None else "")
            bad = ("Traceback" in text or "JC901" in text or result.exit_code not in (0, 1, 2)
                   or (result.exception is not None
                       and not isinstance(result.exception, SystemExit)))
            if bad:
                failures.append(f"jointcheck {' '.join(path + args)} -> {result.exit_code}: "
                                f"{result.exception!r} {text[-400:]}")
    return failures


def test_the_walk_finds_every_command():
    names = {" ".join(p) for p, _c in commands()}
    assert {"validate", "draw export", "draw verify", "targets import", "officers list",
            "db upgrade", "audit verify", "plugin new", "sample-data", "demo"} <= names


def test_no_command_shows_a_traceback_on_an_empty_store(store_url, hostile_paths, tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    assert run_all(store_url, hostile_paths) == []
    assert not (tmp_path / "logs").exists()


def test_no_command_shows_a_traceback_without_a_store(hostile_paths, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'none.db'}"
    assert run_all(url, hostile_paths) == []
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize("args", [["--dir", "FILE/x"], ["--dir", "/proc/version/x"],
                                  ["--targets", "0"], ["--officers", "1"]])
def test_demo_with_hostile_arguments(sqlite_url, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", sqlite_url, "demo", *args])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
    if args[0] == "--dir":
        assert "JC121" in result.output and args[1] in result.output


def test_the_reported_tracebacks_are_gone(store_url, tmp_path, monkeypatch):
    """The four commands the issue found, named exactly."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x", encoding="utf-8")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", store_url, *args])

    for sub in ("verify", "show", "export"):
        res = run("draw", sub, HUGE)
        assert res.exit_code == 1 and "JC734" in res.output and HUGE in res.output
        assert not res.output.startswith("<unknown>")
    res = run("sample-data", "-o", "FILE/sub")
    assert res.exit_code == 1 and "FILE/sub: JC121" in res.output
    assert "Not a directory" not in res.output  # the OS's English, in the Chinese UI


def test_an_unexpected_exception_is_logged_not_shown(tmp_path, monkeypatch):
    """The safety net: one line naming the crash log, exit 1, the traceback in the log."""
    import jointcheck.schemas

    def boom(*_a, **_k):
        raise RuntimeError("a defect")

    monkeypatch.setattr(jointcheck.schemas, "schema_text", boom)
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    result = CliRunner().invoke(main, ["schema", "campaign"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "JC901" in result.output
    (log,) = (tmp_path / "logs").iterdir()
    assert str(log) in result.output
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: a defect" in text


@pytest.mark.parametrize("store", ["file", "dir", "empty", "foreign"])
def test_no_command_shows_a_traceback_on_a_store_that_is_not_one(store, hostile_paths,
                                                                  tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    target = Path(hostile_paths[store])
    before = target.read_bytes() if target.is_file() else None
    assert run_all(f"sqlite:///{target}", hostile_paths) == []
    if store != "empty":  # db upgrade makes a store of an empty file, as it should
        assert (target.read_bytes() if target.is_file() else None) == before


@pytest.mark.parametrize("args", [["99999999999999999999"], ["no-such-task"],
                                  ["--campaign", "adir"], ["--campaign", "no/such.yaml"]])
def test_inspect_with_hostile_arguments(store_url, hostile_paths, tmp_path, monkeypatch, args):
    """Arguments that stop the app before it opens (it would wait for a terminal)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINTCHECK_LOG_DIR", str(tmp_path / "logs"))
    args = [hostile_paths["dir"] if a == "adir" else a for a in args]
    result = CliRunner().invoke(main, ["--db", store_url, "inspect", *args])
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "JC901" not in result.output


@pytest.mark.parametrize("args", [["--host", "%"], ["--host", "no/such/x.csv"],
                                  ["--host", ""], ["--port", "0"], ["--port", "abc"],
                                  ["--font-size", "-1"], ["--public-url"]])
def test_serve_with_hostile_arguments(store_url, tmp_path, args):
    """Arguments that stop serve before it listens (it would serve until stopped). Run as
    a process: serve sets the environment its app processes inherit."""
    pytest.importorskip("textual_serve")
    env = {**os.environ, "JOINTCHECK_LOG_DIR": str(tmp_path / "logs")}
    out = subprocess.run([str(Path(sys.executable).with_name("jointcheck")), "--db",
                          store_url, "serve", *args], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path, env=env)
    assert out.returncode in (1, 2), out.stderr
    assert "Traceback" not in out.stderr and "JC901" not in out.stderr
    if args[0] == "--host":  # a name that does not resolve; a blank one (every interface)
        assert ("JC781" in out.stderr and args[1] in out.stderr and "--host" in out.stderr
                if args[1]
                else out.returncode == 2 and "--host" in out.stderr)
    assert not (tmp_path / "logs").exists()
