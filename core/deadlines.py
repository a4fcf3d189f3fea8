"""The deadlines of a campaign: one engine for every step (docs/architecture.md#domain-campaign).

A campaign file declares its deadlines (``campaign.deadlines``): how many days, in which
unit (``calendar_days`` or ``working_days``), from which event, and who owes the step.
:func:`rules` reads them; :meth:`Rule.due` gives the date with the campaign's working-day
calendar (:func:`calendar_for`, core.calendar). Pure functions on plain data; the events'
dates come from the store (core.referrals, core.status).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .calendar import Due, WorkCalendar

if TYPE_CHECKING:  # pragma: no cover
    from .model import Campaign

# The events a deadline can count from (``from:`` in the campaign file).
EVENTS = (
    "inspection_end",        # the team's visit: the record's 检查日期
    "joint_inspection_end",  # the joint inspection's end: the campaign's period.end
    "record_submitted",      # the record was handed in (submitted)
    "results_formed",        # the results were formed (settled; until then: submitted)
    "referral_drafted", "referral_sent", "referral_received",
    "case_decided",          # 立案查处 or the written reply that the conditions are not met
    "case_closed",           # 结案
)

# The deadlines the software tracks, by id, and the step that meets each.
RECORDS_TO_OFFICE = "records_to_office"
REFERRAL_LETTER = "referral_letter"
CASE_DECISION = "case_decision"
CASE_RESULT_REPORT = "case_result_report"
PUBLICATION = "publication"


@dataclass(frozen=True)
class Rule:
    """One declared deadline."""

    id: str
    title: str
    days: int
    unit: str
    event: str
    owner: str | None = None
    recipient: str | None = None
    confirmed: bool = True
    label: str | None = None

    @property
    def name(self) -> str:
        """What tables show: the declared short ``label``, else the id."""
        return self.label or self.id

    def due(self, start: date, calendar: WorkCalendar) -> Due:
        return calendar.due(start, self.days, self.unit)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "days": self.days, "unit": self.unit,
                "from": self.event, "owner": self.owner, "recipient": self.recipient,
                "confirmed": self.confirmed, "label": self.label}


def rules(campaign: Campaign | None) -> dict[str, Rule]:
    """The campaign's deadlines by id, in declared order."""
    out: dict[str, Rule] = {}
    for d in (campaign.deadlines if campaign is not None else []):
        out[d["id"]] = Rule(id=d["id"], title=d["title"], days=int(d["days"]), unit=d["unit"],
                            event=d["from"], owner=d.get("owner"), recipient=d.get("recipient"),
                            confirmed=d.get("confirmed", True), label=d.get("label"))
    return out


def holiday_paths(campaign: Campaign | None) -> list[Path]:
    """The campaign's holiday files (``holidays``), relative to the campaign file."""
    if campaign is None:
        return []
    base = Path(campaign.source.file).parent if campaign.source.file else Path(".")
    return [base / p for p in campaign.data.get("holidays") or []]


def calendar_for(campaign: Campaign | None, extra: Iterable[str | Path] = ()) -> WorkCalendar:
    """The working-day calendar of *campaign*: its holiday files plus *extra* ones
    (``--holidays``). Raises ConfigError for a file with problems."""
    return WorkCalendar.from_paths([*holiday_paths(campaign), *extra],
                                   origin=campaign.source.file if campaign else None)


def campaign_event_dates(campaign: Campaign | None) -> dict[str, date]:
    """The events whose date the campaign file itself gives (the joint inspection's end)."""
    if campaign is None or campaign.end is None:
        return {}
    return {"joint_inspection_end": campaign.end}
