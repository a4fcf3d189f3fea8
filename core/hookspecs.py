"""Hook specifications of jointcheck (project name and entry-point group: ``jointcheck``).

A department plugin is a module (or object) registered through the ``jointcheck``
entry-point group; it implements any of the hooks below with ``@hookimpl``::

    from jointcheck.core.hookspecs import hookimpl

    @hookimpl
    def jointcheck_department():
        return Path(__file__).with_name("department.yaml")

Content is data, behaviour is a hook (docs/architecture.md#principle-1): items, legal basis and
referral rules belong in the YAML declaration; hooks exist for what data cannot say.
Merging never depends on the order in which hooks are called.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .errors import Problem
    from .model import Checklist, DepartmentFindings, DepartmentResult, Item, Policy

PROJECT = "jointcheck"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def jointcheck_department() -> Path | str | Mapping[str, Any] | None:
    """Contribute this plugin's department declaration.

    Called once per plugin while the configuration is loaded. Return the path of a YAML
    file following the ``department`` schema (preferred: errors are then reported with
    file, line and column), or the declaration itself as a mapping. Return ``None`` when
    the plugin declares no department (for instance a plugin that only adds validation).
    """


@hookspec
def jointcheck_validate(checklist: Checklist) -> list[Problem] | None:
    """Return extra validation problems for the merged configuration.

    Called after the built-in cross-document checks, with the merged joint checklist of
    the campaign being checked: by ``jointcheck validate``, and whenever a campaign is
    opened for use (``checklist``, ``classify``, ``draw``, ``demo``: see
    :func:`jointcheck.core.campaign.open_campaign`), so an error reported here stops those
    commands too. Return a list of :class:`jointcheck.core.errors.Problem` (use
    ``severity="warning"`` for advice), or ``None``. Problems are reported with the
    plugin's name; any other return value is JC404.
    """


@hookspec(firstresult=True)
def jointcheck_classify_department(
    department: str,
    findings: DepartmentFindings,
    items: list[Item],
    policy: Policy,
    default: DepartmentResult,
) -> DepartmentResult | None:
    """Override the classification of one department's findings for one enterprise.

    Called once per participating department after the policy has classified it;
    *default* is the policy's result. Return a
    :class:`jointcheck.core.model.DepartmentResult` to replace it (its ``overridden_by``
    is filled with the plugin's name and shown in every output), or ``None`` to keep the
    policy's result. The first plugin that returns a result wins.
    """


@hookspec(firstresult=True)
def jointcheck_item_applies(department: str, item: Item, target: Mapping[str, Any]) -> bool | None:
    """Decide whether *item* applies to *target*, beyond its declared ``applicability``.

    Called for every item of every participating department when findings are checked
    and classified. *target* holds the target's attributes (e.g.
    ``uses_special_equipment``). Return ``True`` or ``False`` to decide, or ``None`` to
    leave it to the declared condition. The first plugin that decides wins. Any other value
    (``"no"``) or an exception is an error of the classification (JC404/JC402), never a
    decision.
    """
