"""The parse cache: same answers as a fresh parse, never stale, never fatal."""

from __future__ import annotations

import pytest

from jointcheck.core.errors import ConfigError
from jointcheck.core.yamlload import cache_dir, load_file

TEXT = "department:\n  code: fire\n  name: 消防\nitems:\n  - {id: a, title: 甲}\n"


def entries(root):
    return sorted(p for p in root.rglob("*.marshal"))


def test_cached_document_equals_fresh_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "d.yaml"
    path.write_text(TEXT, encoding="utf-8")
    first = load_file(path)
    assert len(entries(tmp_path / "cache")) == 1
    second = load_file(path, display="shown.yaml")
    assert second.data == first.data and second.positions == first.positions
    assert second.file == "shown.yaml"  # the name is the caller's, not the cache's
    assert second.where(("items", 0, "title")) == (5, 20)


def test_changed_file_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "d.yaml"
    path.write_text(TEXT, encoding="utf-8")
    load_file(path)
    path.write_text(TEXT.replace("甲", "乙"), encoding="utf-8")
    assert load_file(path).data["items"][0]["title"] == "乙"


def test_damaged_cache_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "d.yaml"
    path.write_text(TEXT, encoding="utf-8")
    load_file(path)
    (entry,) = entries(tmp_path / "cache")
    entry.write_bytes(b"\x00garbage")
    assert load_file(path).data["department"]["code"] == "fire"


def test_errors_are_not_cached_and_unwritable_cache_is_harmless(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(blocker / "cache"))
    path = tmp_path / "d.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert load_file(path).data["items"][0]["id"] == "a"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(ConfigError):
        load_file(path)
    assert entries(tmp_path / "cache") == []


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("JOINTCHECK_NO_CACHE", "1")
    assert cache_dir() is None


def test_many_files_are_parsed_by_two_processes_with_the_same_results(tmp_path, monkeypatch):
    from jointcheck.core.config import load_configuration
    from jointcheck.core.yamlload import PREFETCH_MIN_FILES

    monkeypatch.setenv("JOINTCHECK_CACHE_DIR", str(tmp_path / "cache"))
    conf = tmp_path / "conf"
    conf.mkdir()
    n = PREFETCH_MIN_FILES + 4
    for i in range(n):
        (conf / f"d{i:02d}.yaml").write_text(TEXT.replace("fire", f"fire{i:02d}"), encoding="utf-8")
    (conf / "d07.yaml").write_text(TEXT.replace("fire", "fire07") + "  - {id: a, title: 重}\n",
                                   encoding="utf-8")
    config = load_configuration([conf], plugins=False)
    assert len(config.departments) == n
    # every file was parsed once (by this process or the child) into the cache, and so
    # was the built-in default policy
    assert len(entries(tmp_path / "cache")) == n + 1
    (dup,) = [p for p in config.problems if p.code == "JC301"]  # the duplicate id of d07 is found and located all the same
    assert (dup.code, dup.file.endswith("d07.yaml"), dup.line) == ("JC301", True, 6)
    fresh = load_configuration([conf], plugins=False)
    assert {c: [i.data for i in d.items] for c, d in fresh.departments.items()} == {
        c: [i.data for i in d.items] for c, d in config.departments.items()}
