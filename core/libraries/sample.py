"""Synthetic, realistic libraries for demos, tests and benchmarks (``jointcheck sample-data``).

Everything is drawn from ``random.Random(seed)`` — never the global generator — so a seed
always gives byte-identical files. The enterprises sit in the districts of 鹤壁市 (the city
of the source document); credit codes carry a valid GB 11714 organisation-code check
character and a valid GB 32100 check character, except for a handful of "pilot-era" codes
whose check character fails and whose row says 校验码例外 = 是 (to show the override).
ID numbers are valid GB 11643 numbers whose sequence digit matches the officer's 性别.

Generation is column-wise and table-driven so that a million targets take a few seconds.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..attributes import condition_leaves
from .codes import CREDIT_ALPHABET, CREDIT_WEIGHTS, ID_CHECK, ID_WEIGHTS, credit_code_valid

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Campaign, Department

# (district, 行政区划代码, weight). 行政区划 (target field `region`) is the district's name:
# the 市区 of the source's scope are 淇滨区、山城区、鹤山区, the rest are the two counties and
# the two functional zones (the example campaign's scope filter draws from the 市区 only).
DISTRICTS: tuple[tuple[str, str, int], ...] = (
    ("淇滨区", "410611", 34),
    ("山城区", "410603", 16),
    ("鹤山区", "410602", 10),
    ("浚县", "410621", 18),
    ("淇县", "410622", 14),
    ("鹤壁经济技术开发区", "410671", 5),
    ("鹤壁市城乡一体化示范区", "410672", 3),
)
# 行政区划 as written in addresses: the two zones already carry the city's name
REGIONS = {d[0]: ("河南省" if d[0].startswith("鹤壁") else "河南省鹤壁市") + d[0] for d in DISTRICTS}
ROADS = ("淇河路", "九州路", "华山路", "黎阳路", "朝歌路", "兴鹤大街", "长江路", "泰山路", "嵩山路",
         "天山路", "湘江路", "红旗街", "卫河路", "鹤煤大道", "淇水大道", "钜桥路", "湘江东路", "黄河路")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
            "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
            "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾",
            "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "红", "玉", "兰", "文",
         "志", "海", "辉", "鹏", "飞", "宇", "浩", "凯", "晨", "欣", "瑞", "博", "佳", "琳", "雪",
         "梅", "慧", "波", "鑫", "斌", "宁", "亮", "峰", "林", "婷", "晶", "永", "春", "新", "立")
TRADE_NAMES = ("鑫源", "恒达", "宏盛", "华泰", "永丰", "金鹤", "淇澳", "中原", "瑞丰", "天诚", "兴旺",
               "昌隆", "宏远", "鼎盛", "博远", "润泽", "汇通", "聚隆", "新兴", "卓越", "华誉", "泰和",
               "安泰", "嘉禾", "信达", "东方", "银河", "宝丰", "晨光", "伟业", "恒通", "富源", "佳和",
               "广源", "旭日", "正泰", "长城", "同创", "国泰", "顺达", "锦程", "众诚", "海川", "利民")

# industry -> (weight, share using special equipment, [(business word, scope)])
INDUSTRIES: dict[str, tuple[int, float, tuple[tuple[str, str], ...]]] = {
    "工业": (40, 0.55, (
        ("机械制造", "通用机械设备制造、销售；金属制品加工"),
        ("化工", "化工产品（不含危险化学品）生产、销售"),
        ("食品", "食品生产；农副产品加工"),
        ("建材", "水泥制品、新型建筑材料生产、销售"),
        ("电子科技", "电子元器件制造；电子产品研发、销售"),
        ("镁业", "镁合金材料生产、加工、销售"),
        ("纺织", "纺织品、服装加工、销售"),
        ("煤业", "煤炭开采；煤炭洗选"),
    )),
    "建筑业": (10, 0.25, (("建筑工程", "房屋建筑工程施工；市政公用工程施工"),)),
    "批发和零售业": (20, 0.10, (("商贸", "日用百货、五金交电批发零售"),
                                ("物资", "金属材料、建筑材料销售"))),
    "住宿和餐饮业": (10, 0.15, (("餐饮管理", "餐饮服务；住宿服务"),)),
    "交通运输业": (5, 0.30, (("物流", "普通货物道路运输；仓储服务"),)),
    "服务业": (15, 0.08, (("商务服务", "企业管理咨询；会议及展览服务"),
                          ("物业管理", "物业管理；家政服务"))),
}
STATUSES = (("存续", 70), ("在业", 18), ("吊销", 5), ("注销", 5), ("迁出", 2))
GRADES = (("A", 45), ("B", 35), ("C", 15), ("D", 5))
# (organisation form, 市场主体类型, credit-code type prefix, weight)
FORMS = (
    ("有限公司", "有限责任公司(自然人投资或控股)", "91", 55),
    ("有限责任公司", "有限责任公司(自然人独资)", "91", 15),
    ("股份有限公司", "股份有限公司(非上市、自然人投资或控股)", "91", 6),
    ("厂", "个人独资企业", "91", 8),
    ("合伙企业（普通合伙）", "普通合伙企业", "91", 3),
    ("专业合作社", "农民专业合作社", "93", 3),
    ("经营部", "个体工商户", "92", 10),
)

TARGET_HEADERS = ("序号", "统一社会信用代码", "市场主体名称", "注册号", "法定代表人", "地址", "经营地址",
                  "联系电话", "管辖单位", "登记单位", "市场主体类型", "经营范围", "行政区划", "成立日期",
                  "登记状态", "行业", "信用风险等级", "使用特种设备", "校验码例外")
# 附件1's eight columns in its order (序号 … 身份证号), then what the library adds (部门 first)
OFFICER_HEADERS = ("序号", "姓名", "性别", "单位", "职务", "执法证号", "手机号码", "身份证号", "部门",
                   "执法证有效期至", "资格", "管辖单位", "在岗", "回避对象")

# (部门 as written, 单位 stem, cert prefix, titles, ((qualification, share), ...))
DepartmentSpec = tuple[str, str, str, tuple[str, ...], tuple[tuple[str, float], ...]]


@dataclass(frozen=True)
class AttributeSpec:
    """A target attribute a department plugin declares: a column headed by its label."""

    label: str
    type: str  # boolean | number | string
    values: tuple[str, ...] = ()  # for a string: the values its conditions name


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    ("应急管理局", "鹤壁市应急管理局", "1",
     ("科员", "执法队员", "副科长", "科长", "副大队长", "大队长"),
     (("安全生产执法", 1.0), ("危险化学品安全监管", 0.3), ("特种设备安全监察", 0.05))),
    ("市场监管局", "鹤壁市市场监督管理局", "2",
     ("科员", "执法队员", "四级主任科员", "副科长", "科长", "所长"),
     (("特种设备安全监察", 0.85), ("食品安全", 0.4), ("产品质量监督", 0.3))),
)
PILOT_ERA_SHARE = 1 / 20_000  # rows whose check character fails, with 校验码例外 = 是

_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code


def _half_tables(weights: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """Weighted digit sums of every 4-digit half of an 8-digit body."""
    hi = [sum(int(c) * w for c, w in zip(f"{i:04d}", weights[:4], strict=True)) for i in range(10_000)]
    lo = [sum(int(c) * w for c, w in zip(f"{i:04d}", weights[4:], strict=True)) for i in range(10_000)]
    return hi, lo


_TABLES: dict[str, tuple[list[int], list[int]]] = {}


def _credit_codes_for(prefixes: list[str], bodies: list[int]) -> list[str]:
    """Credit codes from prefixes and 8-digit organisation-code bodies (both check chars)."""
    if not _TABLES:
        _TABLES["org"] = _half_tables(_ORG_WEIGHTS)
        _TABLES["cc"] = _half_tables(CREDIT_WEIGHTS[8:16])
    org_hi, org_lo = _TABLES["org"]
    cc_hi, cc_lo = _TABLES["cc"]
    w_org_check = CREDIT_WEIGHTS[16]
    prefix_sum: dict[str, int] = {}
    out = []
    for prefix, body in zip(prefixes, bodies, strict=True):
        ps = prefix_sum.get(prefix)
        if ps is None:
            ps = prefix_sum[prefix] = sum(_VALUE[c] * w for c, w in
                                          zip(prefix, CREDIT_WEIGHTS, strict=False))
        hi, lo = divmod(body, 10_000)
        c9 = 11 - (org_hi[hi] + org_lo[lo]) % 11
        c9s = "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
        total = ps + cc_hi[hi] + cc_lo[lo] + _VALUE[c9s] * w_org_check
        out.append(f"{prefix}{body}{c9s}{CREDIT_ALPHABET[(31 - total % 31) % 31]}")
    return out


def id_number(rng: random.Random, region: str, born: date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)
    digit = rng.randrange(0, 10)
    body = f"{region}{born:%Y%m%d}{digit}{seq:02d}"
    number = body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    if number.endswith("000"):  # the reader asks to confirm such a number (JC634)
        return id_number(random.Random(number), region, born, male)
    return number


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def target_lines(n: int, rng: random.Random, *, chunk: int = 50_000,
                 attributes: Sequence[AttributeSpec] = (), attributes_seed: object = 0):
    """The lines of a synthetic 检查对象名录库 as CSV text (header first), in chunks.

    The vocabulary holds no comma, quote or line break, so fields need no quoting and the
    lines are joined directly (several times faster than :mod:`csv` for a million rows).
    Yields ``(text, codes)``: a block of lines and the credit codes in it.
    """
    yield ",".join(TARGET_HEADERS + tuple(a.label for a in attributes)) + "\n", []
    if n <= 0:
        return
    # the declared attributes' values come from a generator of their own: the columns the
    # library always has stay byte-identical for a seed
    extra_rng = random.Random(f"jointcheck-sample-attributes:{attributes_seed}")
    industry_names = list(INDUSTRIES)
    status_names = [s[0] for s in STATUSES]
    grade_names = [g[0] for g in GRADES]
    bodies = rng.sample(range(10_000_000, 100_000_000), n)
    start_day = date(1995, 1, 1).toordinal()
    span = date(2020, 6, 30).toordinal() - start_day
    days = [date.fromordinal(start_day + i).isoformat() for i in range(span)]
    for base in range(0, n, chunk):
        m = min(chunk, n - base)
        r = rng.random
        choices = rng.choices
        districts = choices(DISTRICTS, weights=[d[2] for d in DISTRICTS], k=m)
        forms = choices(FORMS, weights=[f[3] for f in FORMS], k=m)
        industries = choices(industry_names, weights=[INDUSTRIES[i][0] for i in industry_names],
                             k=m)
        statuses = choices(status_names, weights=[s[1] for s in STATUSES], k=m)
        grades = choices(grade_names, weights=[g[1] for g in GRADES], k=m)
        trades = choices(TRADE_NAMES, k=m)
        surnames = choices(SURNAMES, k=m)
        given1 = choices(GIVEN, k=m)
        given2 = [g if r() < 0.7 else "" for g in choices(GIVEN, k=m)]
        roads = choices(ROADS, k=m)
        roads2 = choices(ROADS, k=m)
        u = [r() for _ in range(m)]  # one uniform per row, reused for independent choices
        v = [r() for _ in range(m)]
        w = [r() for _ in range(m)]
        codes = _credit_codes_for([f"{f[2]}{d[1]}" for f, d in zip(forms, districts, strict=True)],
                                  bodies[base:base + m])
        lines = []
        for i in range(m):
            district, division, _ = districts[i]
            form, entity_type, _, _ = forms[i]
            industry = industries[i]
            _, special_share, words = INDUSTRIES[industry]
            ui, vi, wi = u[i], v[i], w[i]
            word, scope = words[int(vi * len(words))]
            code = codes[i]
            override = ""
            if wi < PILOT_ERA_SHARE:  # a pilot-era code: failing check char, overridden
                code = code[:17] + CREDIT_ALPHABET[(_VALUE[code[17]] + 1 + int(ui * 30)) % 31]
                codes[i] = code
                override = "是"
            elif code.endswith("000") and code.isdigit():
                override = "是"  # a genuine code ending in 000, confirmed (JC634)
            if district.endswith("县"):
                place = district
            elif district.startswith("鹤壁") or ui < 0.8:
                place = "鹤壁"
            else:
                place = "鹤壁市" + district
            number = int(ui * 997) + 1
            region = REGIONS[district]
            address = f"{region}{roads[i]}{number}号"
            business_address = address if vi < 0.8 else \
                f"{region}{roads2[i]}{int(vi * 991) + 3}号"
            phone = (f"0392-{2000000 + int(wi * 6000000)}" if ui < 0.6
                     else f"1{'3578'[int(vi * 4)]}{100000000 + int(wi * 899999999)}")
            authority = ("鹤壁市市场监督管理局" if district.startswith("鹤壁")
                         else f"鹤壁市{district}市场监督管理局")
            special = "是" if (wi * 7.31) % 1 < special_share else "否"
            lines.append(
                f"{base + i + 1},{code},{place}{trades[i]}{word}{form},"
                f"{division}{100000000 + int(vi * 899999999)},"
                f"{surnames[i]}{given1[i]}{given2[i]},{address},{business_address},{phone},"
                f"{district},{authority},{entity_type},{scope},{district},"
                f"{days[int(wi * span)]},{statuses[i]},{industry},{grades[i]},{special},"
                f"{override}{_attribute_cells(attributes, extra_rng)}\n")
        yield "".join(lines), codes


def officer_rows(n: int, rng: random.Random, target_codes: list[str] | None = None,
                 departments: Sequence[DepartmentSpec] = DEPARTMENTS):
    """The rows of a synthetic 执法检查人员名录库 (header first), the officers taken in turn
    from *departments*."""
    yield OFFICER_HEADERS
    district_names = [d[0] for d in DISTRICTS]
    for i in range(n):
        dept, unit_stem, cert_digit, titles, quals = departments[i % len(departments)]
        male = rng.random() < 0.65
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 33 * 365))
        jurisdiction = rng.choices(district_names, weights=[d[2] for d in DISTRICTS])[0]
        unit = unit_stem if rng.random() < 0.4 else f"{unit_stem}{jurisdiction}分局"
        if rng.random() < 0.12:  # expired certificates
            expiry = date(2018, 1, 1) + timedelta(days=rng.randrange(0, 730))
        else:
            expiry = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 5 * 365))
        qualifications = [q for q, share in quals if rng.random() < share]
        conflicts = ""
        if target_codes and rng.random() < 0.08:
            conflicts = "；".join(rng.sample(target_codes, k=min(len(target_codes),
                                                                rng.choice((1, 1, 2)))))
        region = rng.choice(("410602", "410603", "410611", "410621", "410622"))
        yield (i + 1, _person_name(rng), "男" if male else "女", unit, rng.choice(titles),
               f"4106{cert_digit}{i + 1:06d}",
               f"1{rng.choice('3589')}{rng.randrange(100000000, 1000000000)}",
               id_number(rng, region, born, male), dept, expiry.isoformat(), "；".join(qualifications),
               jurisdiction, "否" if rng.random() < 0.05 else "是", conflicts)


def write_sample(outdir: str | Path, *, targets: int = 1000, officers: int = 60,
                 seed: int | str = 2020, departments: Sequence[DepartmentSpec] = DEPARTMENTS,
                 attributes: Sequence[AttributeSpec] = ()) -> tuple[Path, Path]:
    """Write ``targets.csv`` and ``officers.csv`` (UTF-8 with BOM) into *outdir*: officers
    of *departments* (default: the two built-in ones), targets with a column for each of
    *attributes* (see :func:`campaign_specs`).

    Deterministic for a given seed; returns the two paths.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"jointcheck-sample:{seed}")
    targets_path = out / "targets.csv"
    officers_path = out / "officers.csv"
    kept: list[str] = []  # a few codes for the officers' 回避对象
    with open(targets_path, "w", encoding="utf-8-sig", newline="") as f:
        for text, codes in target_lines(targets, rng, attributes=attributes,
                                        attributes_seed=seed):
            f.write(text)
            if len(kept) < 200:
                kept.extend(c for c in codes[:200] if credit_code_valid(c))
    officer_rng = random.Random(f"jointcheck-sample-officers:{seed}")
    with open(officers_path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerows(officer_rows(officers, officer_rng, kept, departments))
    return targets_path, officers_path


def _attribute_cells(attributes: Sequence[AttributeSpec], rng: random.Random) -> str:
    """``,v1,v2…`` for one target row (empty without declared attributes)."""
    if not attributes:
        return ""
    cells = []
    for a in attributes:
        if a.type == "boolean":
            cells.append("是" if rng.random() < 0.3 else "否")
        elif a.type == "number":
            cells.append(str(rng.randrange(1, 51)))
        else:
            cells.append(rng.choice(a.values or ("甲", "乙", "丙")))
    return "," + ",".join(cells)


GENERIC_TITLES = ("科员", "执法队员", "副科长", "科长", "副大队长", "大队长")


def campaign_specs(departments: Iterable[Department], campaign: Campaign | None
                   ) -> tuple[list[DepartmentSpec], list[AttributeSpec]]:
    """The officer departments and target attributes of ``sample-data --campaign``: each
    department of the campaign (a built-in one as :data:`DEPARTMENTS` writes it) whose
    officers nearly all hold the qualifications the campaign asks of it, and a column for
    every attribute the departments declare. Without a campaign: the built-in two."""
    if campaign is None:
        return list(DEPARTMENTS), []
    builtin = {d[0]: d for d in DEPARTMENTS}
    specs: list[DepartmentSpec] = []
    attributes: dict[str, AttributeSpec] = {}
    named: dict[str, set[str]] = {}
    for n, dept in enumerate(departments):
        wanted = campaign.officers_for(dept.code)["qualifications"]
        base = next((builtin[name] for name in dept.names if name in builtin), None)
        if base is None:
            header = dept.data["department"]
            base = (dept.name, header.get("full_name") or dept.name, "", GENERIC_TITLES, ())
        quals = dict(base[4])
        for q in wanted:
            quals[q] = max(quals.get(q, 0.0), 0.95)
        specs.append((base[0], base[1], str((n + 1) % 10), base[3], tuple(quals.items())))
        for item in dept.items:
            for _path, leaf in condition_leaves(item.applicability):
                for op in ("equals", "in", "not_in"):
                    values: Any = leaf.get(op)
                    for v in values if isinstance(values, list) else [values]:
                        if isinstance(v, str):
                            named.setdefault(leaf["attribute"], set()).add(v)
        for a in dept.data.get("attributes") or ():
            attributes.setdefault(a["name"], AttributeSpec(a["label"], a["type"]))
    return specs, [AttributeSpec(a.label, a.type, tuple(sorted(named.get(name, ()))))
                   for name, a in attributes.items()]
