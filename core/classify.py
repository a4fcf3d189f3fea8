"""Result classification (docs/architecture.md#domain-results), driven by the policy data.

Per department: the first policy rule that holds gives one of the 抽查结果; the
处理结果 are the union of those declared by the non-compliant items, plus what the rule
adds, adjusted by the officer's recorded changes (each with a reason). A plugin may
override one department's classification through ``jointcheck_classify_department``; the
override is named in every output. The enterprise's joint result is its departments' most
serious result in the policy's ``joint_order``.

The result types (DepartmentFindings, DepartmentResult, JointResult) live in core.model,
which plugins import without loading the plugin host; they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .attributes import known_attributes, target_problems
from .conditions import evaluate
from .errors import Problem, did_you_mean
from .model import (
    Checklist,
    DepartmentFindings,
    DepartmentResult,
    Item,
    JointResult,
    Policy,
)
from .plugins import PluginHost
from .schema_check import validate_document
from .yamlload import Document


def item_applies(item: Item, target: Mapping[str, Any], host: PluginHost | None) -> bool:
    """Whether *item* applies to *target*: a plugin's decision, else the declared condition
    (an attribute the target does not state counts as applying: the inspector answers)."""
    if host is not None:
        _plugin, decided = host.call_first("jointcheck_item_applies", returns=bool,
                                           department=item.department, item=item, target=target)
        if decided is not None:
            return decided
    return evaluate(item.applicability, target) is not False


def check_findings(doc: Document, checklist: Checklist, host: PluginHost | None = None,
                   *, schema: str = "findings") -> list[Problem]:
    """Problems that make a findings document unusable with *checklist* (schema first;
    *schema* ``record`` for an inspection record file, the findings plus its own fields)."""
    problems = validate_document(doc, schema)
    if problems:
        return problems
    data = doc.data
    target = data.get("target") or {}
    problems.extend(target_problems(target, known_attributes(checklist.departments),
                                    lambda name, code, **kw: doc.problem(
                                        code, ("target", name), at_key=code == "JC506", **kw)))
    answered = data.get("departments") or {}
    participating = {d.code for d in checklist.departments}
    policy = checklist.policy
    for code in answered:
        if code not in participating:
            problems.append(doc.problem("JC503", ("departments", code), at_key=True,
                                        department=code))
    for dept in checklist.departments:
        given = (answered.get(dept.code) or {}).get("items") or {}
        items = {i.id: i for i in checklist.items_of(dept.code)}
        for item_id in given:
            if item_id not in items:
                problems.append(doc.problem("JC502", ("departments", dept.code, "items", item_id),
                                            at_key=True, department=dept.code, item=item_id,
                                            hint=did_you_mean(item_id, list(items))))
        missing = []
        for item in items.values():
            applies = item_applies(item, target, host)
            answer = given.get(item.id)
            if not applies and answer and answer["result"] != "not_applicable":
                problems.append(doc.problem("JC504", ("departments", dept.code, "items", item.id),
                                            at_key=True, item=item.key, result=answer["result"]))
            if applies and answer is None and data["outcome"] == "inspected":
                missing.append(item.id)
        if missing:
            path = ("departments", dept.code) if dept.code in answered else ("departments",)
            problems.append(doc.problem("JC501", path, at_key=dept.code in answered,
                                        department=dept.code, items=", ".join(missing)))
        changes = (answered.get(dept.code) or {}).get("disposition_changes") or []
        for j, change in enumerate(changes):
            if change["disposition"] not in policy.dispositions:
                problems.append(doc.problem(
                    "JC310", ("departments", dept.code, "disposition_changes", j, "disposition"),
                    disposition=change["disposition"]))
    if host is not None:  # a plugin failed deciding applicability (now or before): no verdict
        problems.extend(host.disabled("jointcheck_item_applies"))
    return problems


def _rule_holds(when: Mapping[str, Any], outcome: str, applicable: list[Item],
                noncompliant: list[tuple[Item, dict[str, Any]]]) -> bool:
    for test, value in when.items():
        if test == "outcome":
            ok = outcome == value
        elif test == "no_applicable_items":
            ok = outcome == "inspected" and not applicable
        elif test == "noncompliant_declared":
            ok = any(item.declared_result == value for item, _a in noncompliant)
        elif test == "noncompliant_not_corrected":
            ok = any(not a.get("corrected_on_site", False) for _i, a in noncompliant)
        elif test == "all_noncompliant_corrected":
            ok = bool(noncompliant) and all(a.get("corrected_on_site", False)
                                            for _i, a in noncompliant)
        elif test == "any_noncompliant":
            ok = bool(noncompliant) == value
        elif test == "always":
            ok = True
        else:  # pragma: no cover - the schema admits no other test
            raise ValueError(f"unknown policy test {test!r}")
        if not ok:
            return False
    return True


def classify_department(findings: DepartmentFindings, items: list[Item], policy: Policy,
                        host: PluginHost | None = None) -> DepartmentResult:
    """The policy's classification of one department (before any plugin override)."""
    applicable: list[Item] = []
    noncompliant: list[tuple[Item, dict[str, Any]]] = []
    for item in items:
        answer = findings.items.get(item.id)
        if not item_applies(item, findings.target, host):
            continue
        if answer is not None and answer["result"] == "not_applicable":
            continue
        applicable.append(item)
        if answer is not None and answer["result"] == "noncompliant":
            noncompliant.append((item, answer))
    for rule in policy.rules:
        if _rule_holds(rule["when"], findings.outcome, applicable, noncompliant):
            break
    else:  # the policy has no catch-all rule: nothing found is "no problem"
        rule = {"id": None, "result": 1}
    # an item corrected on the spot contributes only what the rule adds (责令改正)
    declared = {d for item, a in noncompliant if not a.get("corrected_on_site", False)
                for d in item.dispositions}
    declared |= set(rule.get("add_dispositions", []))
    for change in findings.disposition_changes:
        if change["action"] == "add":
            declared.add(change["disposition"])
        else:
            declared.discard(change["disposition"])
    order = {d: i for i, d in enumerate(policy.dispositions)}
    return DepartmentResult(
        code=rule["result"], text=policy.results[rule["result"]],
        dispositions=sorted(declared, key=lambda d: (order.get(d, len(order)), d)),
        rule=rule["id"], applicable=[i.id for i in applicable],
        noncompliant=[i.id for i, _a in noncompliant],
        disposition_changes=list(findings.disposition_changes))


def follow_up_result(policy: Policy) -> int | None:
    """The result the policy gives a problem not corrected on the spot (8
    发现问题待后续处理 in the default policy): the one that is referred."""
    return next((r["result"] for r in policy.rules
                 if r["when"].get("noncompliant_not_corrected")), None)


def joint_result(results: Mapping[str, DepartmentResult], policy: Policy) -> tuple[int, str]:
    """The most serious department result in the policy's joint order."""
    rank = {code: i for i, code in enumerate(policy.joint_order)}
    code = min((r.code for r in results.values()), key=lambda c: rank.get(c, len(rank)))
    return code, policy.results[code]


def classify(data: Mapping[str, Any], checklist: Checklist,
             host: PluginHost | None = None) -> JointResult:
    """Classify one enterprise's (checked) findings against *checklist*."""
    policy = checklist.policy
    target = dict(data.get("target") or {})
    answered = data.get("departments") or {}
    results: dict[str, DepartmentResult] = {}
    problems: list[Problem] = []
    for dept in checklist.departments:
        given = answered.get(dept.code) or {}
        findings = DepartmentFindings(
            department=dept.code, outcome=data["outcome"], items=dict(given.get("items") or {}),
            target=target, disposition_changes=list(given.get("disposition_changes") or []))
        items = checklist.items_of(dept.code)
        result = classify_department(findings, items, policy, host)
        if host is not None:
            plugin, override = host.call_first(
                "jointcheck_classify_department", returns=DepartmentResult, department=dept.code,
                findings=findings, items=items, policy=policy, default=result)
            if override is not None:
                if override.code in policy.results:
                    override.overridden_by = plugin
                    override.overridden_from = result.code
                    override.text = policy.results[override.code]
                    result = override
                else:  # a result code the policy does not define
                    assert plugin is not None
                    host.invalid(plugin, "jointcheck_classify_department", repr(override))
        results[dept.code] = result
    if host is not None:  # a plugin failure (now or earlier in this host) is an error
        problems = host.disabled("jointcheck_item_applies",
                                 "jointcheck_classify_department") + problems
    code, text = joint_result(results, policy)
    return JointResult(code=code, text=text, departments=results, problems=problems)
