"""The built-in department plugin of 市市场监管局 (market supervision, special equipment).

Its eight items of the joint checklist (联合检查记录表) cover the safety management of
special equipment (特种设备) by the enterprise that uses it, and apply only to targets with
``uses_special_equipment`` (our reading: the source does not say to whom they apply). They
are declared in ``department.yaml`` beside this module, with reference legal basis (not part
of the 实施方案) in 《中华人民共和国特种设备安全法》(2013) and 《特种设备安全监察条例》
(2009年修订). It registers through the ``jointcheck`` entry-point group like any third-party
plugin.
"""

from __future__ import annotations

from pathlib import Path

from jointcheck.core.hookspecs import hookimpl


@hookimpl
def jointcheck_department() -> Path:
    """The department declaration: ``department.yaml`` next to this module."""
    return Path(__file__).with_name("department.yaml")
