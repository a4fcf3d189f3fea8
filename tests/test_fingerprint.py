"""The checklist fingerprint jc-checklist-1 is what docs/checklist-fingerprint.md says."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from pathlib import Path

import yaml

from jointcheck.core.config import load_configuration, parse_department, parse_policy
from jointcheck.core.merge import merge
from jointcheck.core.model import Campaign, Source
from jointcheck.core.yamlload import loads

DOC = Path(__file__).resolve().parents[1] / "docs" / "checklist-fingerprint.md"


def worked_example() -> tuple[str, str, str, str]:
    """(department YAML, policy YAML, canonical text, fingerprint) as the page shows them."""
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example"):]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", example, re.S | re.M)
    (_, department), (_, policy) = [b for b in blocks if b[0] == "yaml"]
    canonical, digest = [b[1].strip() for b in blocks if b[0] == ""][:2]
    return department, policy, canonical, digest


def test_the_worked_example_recomputes_without_jointcheck():
    department, policy, canonical, digest = worked_example()
    dept, pol = yaml.safe_load(department), yaml.safe_load(policy)
    content = {
        "version": "jc-checklist-1",
        "campaign": "demo-2026",
        "departments": [{"code": dept["department"]["code"], "name": dept["department"]["name"],
                         "items": dept["items"]}],
        "policy": pol,
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False)
    assert text == canonical
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest


def test_jointcheck_gives_the_worked_example_fingerprint():
    from jointcheck.core.merge import fingerprint

    department, policy, _canonical, digest = worked_example()
    dept, problems = parse_department(loads(department, "fire_safety.yaml"))
    assert not problems and dept is not None
    pol, problems = parse_policy(loads(policy, "minimal.yaml"))
    assert not problems and pol is not None
    campaign = Campaign(data={"id": "demo-2026", "departments": ["fire_safety"]},
                        source=Source(None, None, None))
    assert fingerprint([dept], list(dept.items), pol, campaign) == digest


def _fingerprint_of(tmp_path: Path, name: str, department: str) -> str:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "fire_safety.yaml").write_text(department, encoding="utf-8")
    config = load_configuration([folder / "fire_safety.yaml"], plugins=False)
    assert not config.errors
    return merge(config).fingerprint


def test_the_fingerprint_follows_the_content_not_the_file(tmp_path):
    department = worked_example()[0]
    first = _fingerprint_of(tmp_path, "a", department)
    assert _fingerprint_of(tmp_path, "b", "# moved and commented\n" + department) == first
    assert _fingerprint_of(tmp_path, "c", department.replace("full_name: 市消防救援支队",
                                                             "full_name: 消防救援支队")) == first
    reworded = department.replace("消防器材配置情况的检查", "消防器材配置情况检查")
    assert _fingerprint_of(tmp_path, "d", reworded) != first


def test_a_number_without_json_form_is_refused_not_fingerprinted(tmp_path):
    department = worked_example()[0].replace("equals: true", "equals: .nan")
    path = tmp_path / "fire_safety.yaml"
    path.write_text(department, encoding="utf-8")
    config = load_configuration([path], plugins=False)
    assert [(p.code, p.path) for p in config.errors] == [
        ("JC208", "/items/1/applicability/equals")]
    assert config.errors[0].format(with_hint=False, lang="en").endswith(
        "JC208 value nan is not a finite number [/items/1/applicability/equals]")


def test_the_policy_document_is_fingerprinted_whole(tmp_path):
    department, policy = worked_example()[:2]
    (tmp_path / "fire_safety.yaml").write_text(department, encoding="utf-8")
    base = load_configuration([tmp_path / "fire_safety.yaml"], plugins=False)
    changed = textwrap.dedent(policy).replace("version: 1}", "version: 2}")
    dept, _ = parse_department(loads(department, "fire_safety.yaml"))
    p1, _ = parse_policy(loads(policy, "p.yaml"))
    p2, _ = parse_policy(loads(changed, "p.yaml"))
    from jointcheck.core.merge import fingerprint

    assert dept is not None and p1 is not None and p2 is not None
    assert fingerprint([dept], list(dept.items), p1, None) != fingerprint(
        [dept], list(dept.items), p2, None)
    assert merge(base).fingerprint == fingerprint(
        [dept], list(dept.items), base.policy(), None)
