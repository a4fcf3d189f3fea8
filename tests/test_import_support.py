"""Helpers for the library tests (no tests here): valid codes and small library files."""

from __future__ import annotations

import csv
from pathlib import Path

from jointcheck.core.libraries.codes import credit_code_check_char, id_number_check_char

TARGET_HEADERS = ["统一社会信用代码", "市场主体名称", "法定代表人", "地址", "联系电话", "管辖单位",
                  "成立日期", "登记状态", "行业", "信用风险等级", "使用特种设备"]
OFFICER_HEADERS = ["序号", "姓名", "性别", "单位", "职务", "执法证号", "手机号码", "身份证号", "部门",
                   "执法证有效期至", "资格", "管辖单位", "在岗", "回避对象"]


def code(n: int, prefix: str = "91410611") -> str:
    """A valid credit code, distinct for each *n*, never ending in 000 (which the reader
    asks to confirm: JC634)."""
    body = f"{prefix}{n:09d}"
    valid = body + credit_code_check_char(body)
    if valid.endswith("000"):
        body = f"{prefix}{n:08d}X"  # an organisation-code check X: distinct from the digits
        valid = body + credit_code_check_char(body)
    return valid


def bad_check(valid: str) -> str:
    """*valid* with a wrong check character."""
    return valid[:17] + ("0" if valid[17] != "0" else "1")


def id_number(n: int, born: str = "19800101") -> str:
    body = f"410611{born}{n % 1000:03d}"
    return body + id_number_check_char(body)


def target_row(n: int, **over: str) -> list[str]:
    row = {
        "统一社会信用代码": code(n), "市场主体名称": f"鹤壁测试{n}机械有限公司", "法定代表人": "张三",
        "地址": f"河南省鹤壁市淇滨区九州路{n}号", "联系电话": "0392-3331234", "管辖单位": "淇滨区",
        "成立日期": "2010-05-01", "登记状态": "存续", "行业": "工业", "信用风险等级": "B",
        "使用特种设备": "是" if n % 2 else "否",
    }
    row.update(over)
    return [row[h] for h in TARGET_HEADERS]


def officer_row(n: int, **over: str) -> list[str]:
    dept = "应急管理局" if n % 2 else "市场监管局"
    row = {
        "序号": str(n), "姓名": f"王{n}", "性别": "男", "单位": f"鹤壁市{dept}", "职务": "科员",
        "执法证号": f"41061{n:06d}", "手机号码": f"138{n:08d}", "身份证号": id_number(n),
        "部门": dept, "执法证有效期至": "2030-12-31",
        "资格": "特种设备安全监察" if dept == "市场监管局" else "安全生产执法",
        "管辖单位": "淇滨区", "在岗": "是", "回避对象": "",
    }
    row.update(over)
    return [row[h] for h in OFFICER_HEADERS]


def write_csv(path: Path, headers: list[str], rows: list[list[str]],
              encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[list[object]],
               sheet: str = "Sheet1", title: str | None = None) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def targets_file(path: Path, n: int, start: int = 1, **kw) -> Path:
    return write_csv(path, TARGET_HEADERS, [target_row(i) for i in range(start, start + n)],
                     **kw)


def officers_file(path: Path, n: int, start: int = 1, **kw) -> Path:
    return write_csv(path, OFFICER_HEADERS, [officer_row(i) for i in range(start, start + n)],
                     **kw)
