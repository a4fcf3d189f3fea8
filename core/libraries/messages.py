"""The JC6xx catalogue: problems of library files (检查对象名录库, 执法检查人员名录库).

Same shape as core/errors.py: ``code -> (zh, en)`` templates plus optional hints. A problem
found in a row is a :class:`~..errors.Problem` located in a table (built by
:func:`row_problem`) and prints as ``FILE:ROW:COLUMN: CODE message``, where ROW is the
1-based row of the file (the header is row 1 in a plain file, the row number Excel shows)
and COLUMN the header text as written in the file.
"""

from __future__ import annotations

from typing import Any

from ..errors import JointcheckError, register, row_problem

CODES: dict[str, tuple[str, str]] = {
    # the file as a whole
    "JC601": ("无法读取文件：{detail}", "cannot read the file: {detail}"),
    "JC602": ("无法识别文件编码：{detail}", "cannot decode the file: {detail}"),
    "JC603": ("不支持的文件类型“{suffix}”：请使用 .csv 或 .xlsx",
              "unsupported file type '{suffix}': use .csv or .xlsx"),
    "JC604": ("缺少必需的列：{missing}（文件中的列：{found}）",
              "missing required column(s): {missing} (columns found: {found})"),
    "JC605": ("列“{header}”与列“{other}”都对应字段“{field}”",
              "columns '{header}' and '{other}' both map to field '{field}'"),
    "JC606": ("映射文件无效：{detail}", "invalid mapping file: {detail}"),
    "JC607": ("工作簿中没有名为“{sheet}”的工作表（已有：{sheets}）",
              "the workbook has no sheet named '{sheet}' (sheets: {sheets})"),
    "JC608": ("文件中没有表头行", "the file has no header row"),
    "JC609": ("无法打开 Excel 工作簿：{detail}", "cannot open the Excel workbook: {detail}"),
    # one value
    "JC610": ("必填项为空", "required value is empty"),
    "JC611": ("统一社会信用代码应为 18 位，实际为 {length} 位：{value}",
              "统一社会信用代码 must have 18 characters, found {length}: {value}"),
    "JC612": ("统一社会信用代码含有不允许的字符（不得含 I、O、S、V、Z 及符号）：{value}",
              "统一社会信用代码 contains a character outside its alphabet (no I, O, S, V, Z or symbols): {value}"),
    "JC613": ("统一社会信用代码校验码错误：{value} 的第 18 位应为“{expected}”",
              "统一社会信用代码 check character is wrong: the 18th character of {value} should be '{expected}'"),
    "JC614": ("身份证号格式错误（应为 17 位数字加 1 位数字或 X）：{value}",
              "身份证号 has the wrong format (17 digits then a digit or X): {value}"),
    "JC615": ("身份证号中的出生日期无效：{value}", "身份证号 carries an invalid birth date: {value}"),
    "JC616": ("身份证号校验码错误：{value} 的第 18 位应为“{expected}”",
              "身份证号 check character is wrong: the 18th character of {value} should be '{expected}'"),
    "JC617": ("日期无效：{value}（应为 YYYY-MM-DD）", "invalid date: {value} (expected YYYY-MM-DD)"),
    "JC618": ("取值“{value}”无效，应为：{allowed}", "invalid value '{value}'; expected one of: {allowed}"),
    "JC619": ("{key}“{value}”与第 {other} 行重复", "{key} '{value}' duplicates row {other}"),
    "JC620": ("内容过长：最多 {max} 个字符，实际 {length} 个", "value too long: at most {max} characters, found {length}"),
    "JC621": ("无法确定部门：“{value}”（可填部门代码或名称：{known}）",
              "cannot tell the department from '{value}' (give a department code or one of: {known})"),
    "JC622": ("回避对象中的统一社会信用代码无效：{value}",
              "回避对象 lists an invalid 统一社会信用代码: {value}"),
    "JC623": ("电话号码格式错误：{value}", "invalid phone number: {value}"),
    "JC624": ("本次导入不接受校验码例外（--no-check-override）",
              "check-character overrides are refused for this import (--no-check-override)"),
    "JC625": ("Excel 将此列存为数字，号码已损坏：{value}（成了科学计数法、末尾几位变成了 0 或带上了小数部分）",
              "Excel stored this column as a number and the number was damaged: {value} (it became scientific notation, its last digits became 0, or it gained a decimal part)"),
    "JC634": ("{value} 末三位为 000，可能是 Excel 把 18 位代码存为数字后只保留了 15 位有效数字（校验码碰巧仍然正确）",
              "{value} ends in 000: Excel may have stored an 18-digit code as a number and kept only 15 significant digits (the check character happens to match)"),
    "JC635": ("Excel 将此列存为数字：单元格是数字 {value} 而不是文本（12 位以上的号码存为数字会被改写，超过 15 位的数字无法还原）",
              "Excel stored this column as a number: the cell holds the number {value}, not text (a number of 12 or more digits is rewritten; beyond 15 digits it cannot be recovered)"),
    "JC636": ("电话号码开头的 0 丢失了：{value}（Excel 将此列存为数字；原号码应为 {fixed}）",
              "the phone number lost its leading 0: {value} (Excel stored this column as a number; it should read {fixed})"),
    "JC627": ("Excel 将日期存为序列号：{value}（即 {date}）", "Excel stored the date as a serial number: {value} (that is {date})"),
    "JC628": ("日期带有时间部分：{value}（应只有日期 YYYY-MM-DD）",
              "the date carries a time of day: {value} (expected only the date, YYYY-MM-DD)"),
    "JC633": ("该行有 {count} 个字段，多于表头的 {columns} 列", "the row has {count} fields, more than the header's {columns} columns"),
    "JC629": ("单元格含有空字符（NUL，0x00）", "the cell contains a NUL character (0x00)"),
    "JC626": ("未找到{key}为“{value}”的记录", "no row with {key} '{value}'"),
    "JC630": ("数据库错误：{detail}", "database error: {detail}"),
    "JC631": ("读取文件的子进程出错：{detail}", "the process reading the file failed: {detail}"),
    "JC632": ("无法写入出错行文件：{detail}", "cannot write the rejects file: {detail}"),
    # warnings
    "JC650": ("忽略无法识别的列：{headers}", "ignoring unrecognised column(s): {headers}"),
    "JC651": ("仅列出前 {count} 个问题（共 {total} 个）",
              "problems after the first {count} are not listed ({total} problems in all)"),
    "JC652": ("文件中没有以下列，{count} 条已有记录的这些字段保持不变：{columns}（如需清空，请加 --replace-missing-columns）",
              "the file has no column(s) {columns}: {count} existing row(s) keep their stored values (add --replace-missing-columns to empty them)"),
    "JC653": ("文件中没有以下列，已有记录的这些字段将被清空（--replace-missing-columns）：{columns}",
              "the file has no column(s) {columns}: existing rows lose their values (--replace-missing-columns)"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC602": ("请将文件另存为 UTF-8 或 GB18030 编码，或用 --encoding 指定编码。",
              "Please save the file as UTF-8 or GB18030, or name its encoding with --encoding."),
    "JC604": ("请添加该列，或用 --mapping 文件把现有列名对应到字段。",
              "Please either add the column or map an existing header to it with --mapping."),
    "JC613": ("请核对代码；若确为早期试点时期的有效代码，请在该行“校验码例外”列填“是”。",
              "Please check the code; if it is a genuine pilot-era code, put 是 in the row's 校验码例外 column."),
    "JC616": ("请核对身份证号。", "Please check the ID number."),
    "JC622": ("请核对代码；若确为早期试点时期的有效代码，请在该行“校验码例外”列填“是”。",
              "Please check the code; if it is a genuine pilot-era code, put 是 in the row's 校验码例外 column."),
    "JC625": ("请将该列设为文本格式后从原始系统重新导出（或重新输入完整号码）；不要填写“校验码例外”：号码本身已丢失。",
              "Please format the column as text and export it again from the source system (or type the full number again); 校验码例外 does not apply: the number itself was lost."),
    "JC634": ("请与营业执照或身份证核对：若号码确实以 000 结尾，请在该行“校验码例外”列填“是”；否则请将该列设为文本格式后从原始系统重新导出。",
              "Please check it against the licence or ID card: if the number really ends in 000, put 是 in the row's 校验码例外 column; otherwise format the column as text and export it again from the source system."),
    "JC635": ("请在 Excel 中将该列设为文本格式（设置单元格格式 → 文本）后从原始系统重新导出或重新输入完整号码；不要填写“校验码例外”：号码本身可能已丢失。",
              "Please format the column as text in Excel (Format Cells -> Text) and export it again from the source system or type the full numbers again; 校验码例外 does not apply: the number itself may be lost."),
    "JC636": ("请将该列设为文本格式后重新导出，或在号码前补上 0（如 0392-1234567）。",
              "Please format the column as text and export it again, or put the 0 back (e.g. 0392-1234567)."),
    "JC627": ("请将该列设为日期格式（YYYY-MM-DD）或文本格式后重新导出。",
              "Please format the column as a date (YYYY-MM-DD) or as text and export it again."),
    "JC628": ("请将该列设为只显示日期的格式（YYYY-MM-DD）后重新导出。",
              "Please format the column as a date without a time (YYYY-MM-DD) and export it again."),
    "JC633": ("多出的字段通常来自未加引号的逗号（如名称中的“,”）：请给含逗号的内容加上引号，或删除多余的字段。",
              "Extra fields usually come from an unquoted comma (in a name, say): please quote values that contain commas, or remove the extra fields."),
    "JC629": ("空字符通常来自损坏的文件或错误的导出：请删除该字符，或从原始系统重新导出。",
              "A NUL character comes from a damaged file or a faulty export: please delete it, or export the file again from the source system."),
    "JC630": ("若数据库正被其他导入或抽取占用，请稍后重试。",
              "If another import or draw holds the database, please try again when it is done."),
    "JC619": ("请删除或合并重复的行。", "Please either remove one of the rows or merge them."),
    "JC621": ("请在“部门”列填写部门代码（如 emergency_mgmt），或在 --mapping 文件的 departments 中登记该名称。",
              "Please either put a department code (e.g. emergency_mgmt) in the 部门 column or list the name under departments: in the --mapping file."),
}


register(CODES, HINTS)  # one catalogue of codes for the whole project (core/errors.py)


class LibraryError(JointcheckError):
    """A library file that cannot be read at all (encoding, headers, format...)."""

    def to_json(self) -> dict[str, Any]:
        """What an import refused with ``--format json`` prints: nothing was imported."""
        return {"imported": False, "errors": [p.to_json() for p in self.problems]}


__all__ = ["CODES", "HINTS", "LibraryError", "row_problem"]
