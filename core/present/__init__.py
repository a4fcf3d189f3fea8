"""Presentation: pure functions that turn domain objects into rows and text.

Shared by the CLI (core.cli), the inspectors' app (jointcheck.tui) and the reports. Every
function here takes plain domain objects (a merged Checklist, a JointResult, a DrawRecord,
library rows as mappings) and returns rows or strings: no click, no database, no output.
The language follows core.i18n (Simplified Chinese by default, English on request); domain
terms stay verbatim Chinese. Callers fetch the data with the services and queries beside
each domain (core.draw.queries, core.libraries.queries) and print or show the result.

- :mod:`.conditions` — applicability and scope conditions as text;
- :mod:`.checklist` — the merged joint checklist (联合检查记录表) as a table or markdown;
- :mod:`.results` — a classification (抽查结果, 处理结果, the joint result) as lines;
- :mod:`.draw` — a recorded draw: its header lines, its drawn targets and teams;
- :mod:`.libraries` — rows of the 检查对象名录库 / 执法检查人员名录库: cells, masks, exports;
- :mod:`.records` — tasks and inspection records;
- :mod:`.legal` — legal basis: the reference-material labels, citations with their edition,
  the note on which edition a checklist cites.

Importing this package imports none of its modules (light imports, docs/architecture.md).
"""
