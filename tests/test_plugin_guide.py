"""docs/plugin-guide.md: its examples are valid, so that copying them works."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from jointcheck.schemas import load_schema

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugin-guide.md"


def _yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def _validator(ref: str | None = None) -> Draft202012Validator:
    schema = load_schema("department")
    if ref:  # a sub-schema of the department schema, e.g. "#/$defs/condition"
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": ref}
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, data) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


def test_the_full_declaration_example_is_valid():
    [block] = [b for b in _yaml_blocks() if b.startswith("schema_version: 1")]
    assert _errors(_validator(), yaml.safe_load(block)) == []


def test_the_condition_and_citation_examples_are_valid():
    blocks = [yaml.safe_load(b) for b in _yaml_blocks()]
    conditions = [b["applicability"] for b in blocks if isinstance(b, dict) and "applicability" in b]
    citations = [c for b in blocks if isinstance(b, dict) and "legal_basis" in b
                 for kind in ("duty", "penalty") for c in b["legal_basis"][kind]]
    assert len(conditions) == 2 and len(citations) == 3
    for cond in conditions:
        assert _errors(_validator("#/$defs/condition"), cond) == []
    for cite in citations:
        assert _errors(_validator("#/$defs/citation"), cite) == []


def test_the_guide_names_every_hook_and_the_entry_point_group():
    from jointcheck.core import hookspecs

    text = GUIDE.read_text(encoding="utf-8")
    hooks = [n for n in dir(hookspecs) if n.startswith("jointcheck_")]
    assert hooks
    for name in hooks:
        assert name in text, name
    assert "[project.entry-points.jointcheck]" in text
