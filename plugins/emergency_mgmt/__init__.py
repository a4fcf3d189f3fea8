"""The built-in department plugin of 应急管理局 (emergency management).

Its four items of the joint checklist (联合检查记录表) — double prevention of risks and
hidden dangers, safety equipment, the responsibility system and rules, the safety
organization — are declared in ``department.yaml`` beside this module, with reference legal
basis (not part of the 实施方案) in 《中华人民共和国安全生产法》, both the 2014 text (in force
2014-12-01 to 2021-08-31) and the 2021 text. It registers through the ``jointcheck``
entry-point group like any third-party plugin.
"""

from __future__ import annotations

from pathlib import Path

from jointcheck.core.hookspecs import hookimpl


@hookimpl
def jointcheck_department() -> Path:
    """The department declaration: ``department.yaml`` next to this module."""
    return Path(__file__).with_name("department.yaml")
