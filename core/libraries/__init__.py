"""The two libraries of 双随机: 检查对象名录库 (targets) and 执法检查人员名录库 (officers).

- :mod:`.codes` — check characters of 统一社会信用代码 and 身份证号;
- :mod:`.fields` — the columns, their verbatim Chinese headers and parsers, the row digest;
- :mod:`.reader` — reading CSV / XLSX files row by row, with located problems;
- :mod:`.importer` — all-or-nothing import into the store (a library refresh);
- :mod:`.sample` — synthetic libraries for demos, tests and benchmarks.

docs/libraries.md describes the file formats, the validation and the row digest. This
package imports nothing at module level (docs/architecture.md#principle-8): :mod:`.codes`,
:mod:`.fields` and :mod:`.reader` need no SQLAlchemy (openpyxl loads for an XLSX file only);
:mod:`.importer` and :mod:`.queries`, which work on the store, import it at their top.
"""

from __future__ import annotations

KINDS = ("targets", "officers")
