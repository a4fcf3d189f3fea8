"""The draw (双随机) as a pure function: no database, no clock, no unseeded randomness.

``draw(seed, targets, officers, parameters)`` depends only on the seed, the eligible
targets and the officer pool *as sets*, the parameters and :data:`ALGORITHM_VERSION`
(docs/architecture.md#principle-6). docs/draw.md specifies every byte that goes into a hash, so a
third party can re-implement it; the summary:

- rank of a target = HMAC-SHA256(key = UTF-8 seed, msg = UTF-8 ``"target" US code``)
  (US = U+001F), compared as bytes, ties broken by credit code;
- strata: one stratum (count / ratio) or one per listed credit-risk grade (by_grade), in
  code-point order of the grade; ``k = ceil(ratio × N)`` in exact decimal arithmetic; the
  k smallest ranks of each stratum are drawn; 抽取序号 runs 1..n by stratum then rank;
- officers: for each drawn target in order and each participating department in campaign
  order, the candidates (eligible, not avoiding) sorted by certificate number are indexed
  by ``int(HMAC(seed, "officer" US code US department US i)) mod n`` for i = 0, 1, 2, …,
  skipping indexes already chosen, until the department's count is reached;
- fingerprints: SHA-256 over ``"<key>:<row_digest>\\n"`` lines sorted by key.

Problem codes JC721–JC739 belong to the draw (this module and core.draw.service).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from itertools import islice
from operator import eq, itemgetter
from typing import Any, NamedTuple

from ..attributes import TARGET_COLUMNS
from ..canonical import canonical_digest
from ..conditions import evaluate
from ..errors import JointcheckError, Problem, problem, register
from ..i18n import get_lang

ALGORITHM_VERSION = "jc-draw-2"
# jc-draw-1 draws still replay: jc-draw-2 only adds parameters (the inspection history and
# its limits, the enterprises drawn earlier in the campaign, the first 抽取序号), each of
# which is absent from a jc-draw-1 record and then changes nothing (docs/draw.md).
SUPPORTED_VERSIONS = ("jc-draw-1", ALGORITHM_VERSION)
US = "\x1f"  # the unit separator between the fields of a hashed message
MIN_OFFICERS = 2  # 行政处罚法 第四十二条: no fewer than two enforcement officers
MAX_SEED_CHARS = 256

# code -> (zh template, en template)
CODES: dict[str, tuple[str, str]] = {
    "JC721": ("没有符合条件的检查对象（名录库中 {total} 户，经抽查范围筛选和排除已抽取、已检查的对象后为 0 户）",
              "no eligible target ({total} in the library, none left after the scope filter "
              "and the exclusion of targets drawn or inspected earlier)"),
    "JC722": ("抽取数量 {count} 大于符合条件的检查对象数 {eligible}",
              "the sample count {count} is larger than the {eligible} eligible targets"),
    "JC723": ("部门“{department}”每户只抽取 {count} 名执法人员，少于《中华人民共和国行政处罚法》第四十二条要求的两名",
              "department '{department}' sends {count} officer(s) per target, fewer than the "
              "two required by 行政处罚法 第四十二条"),
    "JC724": ("组长所在部门“{department}”不在参加部门之中", "the team leader's department "
              "'{department}' is not among the participating departments"),
    "JC725": ("第 {seq} 号检查对象 {credit_code}：部门“{department}”需要 {needed} 名执法人员，"
              "符合条件的只有 {available} 名（{account}）",
              "target no. {seq} {credit_code}: department '{department}' needs {needed} "
              "officer(s), only {available} qualify ({account})"),
    "JC726": ("另有 {more} 处人员不足未列出", "{more} more shortfall(s) not listed"),
    "JC727": ("检查对象名录中统一社会信用代码 {key} 重复", "duplicate credit code {key} in the target list"),
    "JC728": ("执法检查人员名录中执法证号 {key} 重复", "duplicate certificate number {key} in the officer list"),
    "JC729": ("种子无效：{detail}", "invalid seed: {detail}"),
    "JC740": ("种子太弱：约 {bits} 位，至少需要 {need} 位——任何人都能从公布的承诺值 SHA-256(种子) 逐一试出这样的种子",
              "the seed is too weak: about {bits} bits, at least {need} needed — anyone can find such a seed from its published commitment SHA-256(seed) by trying candidates"),
    "JC730": ("不支持的抽取算法版本“{version}”（本软件支持 {supported}）",
              "unsupported draw algorithm version '{version}' (this software supports {supported})"),
    "JC731": ("抽取参数无效：{detail}", "invalid draw parameters: {detail}"),
}

HINTS: dict[str, tuple[str, str]] = {
    "JC721": ("请检查实施方案的 scope.filter 和 inspection_limits 与名录库的登记状态、行业等字段，或先导入检查对象名录库。",
              "Please check the campaign's scope.filter and inspection_limits against the "
              "library's status, industry and other fields, or import the target library "
              "first."),
    "JC722": ("请减小 sample.count，或改用 sample.ratio。",
              "Please lower sample.count, or use sample.ratio instead."),
    "JC723": ("请将实施方案中 officers.{department}.count 设为 2 或以上。",
              "Please set officers.{department}.count to 2 or more in the campaign."),
    "JC724": ("请将 team.leader_from 设为 departments 中的一个部门。",
              "Please set team.leader_from to one of the departments."),
    "JC740": ("请省略 --seed，由程序生成种子（32 位十六进制，128 位）；或给出更长的随机种子（如 32 位十六进制或 22 个随机字母数字）。确需使用此种子时加 --weak-seed（将记录在审计日志中）。",
              "Please leave out --seed and let jointcheck make one (32 hexadecimal digits, 128 bits), or give a longer random seed (e.g. 32 hexadecimal digits or 22 random letters and digits). To use this seed anyway, add --weak-seed (the audit log records it)."),
    "JC725": ("请补充该部门在岗、执法证有效且具备所需资格的执法人员，或调整实施方案的人员要求；抽取未保存任何结果。",
              "Please add active officers with valid certificates and the required "
              "qualifications to that department, or relax the campaign's requirements; "
              "nothing was recorded."),
}


register(CODES, HINTS)


class DrawError(JointcheckError):
    """The draw cannot be made (or replayed); ``.problems`` says why. Nothing is recorded."""


# --------------------------------------------------------------------------- inputs


class TargetEntry(NamedTuple):
    """What the draw needs of one eligible target (any 4-tuple in this order will do)."""

    credit_code: str
    risk_grade: str | None
    jurisdiction: str | None
    row_digest: str


@dataclass(frozen=True)
class OfficerEntry:
    """What the draw needs of one officer of a participating department."""

    cert_no: str
    department: str
    active: bool
    cert_expiry: date | None
    qualifications: frozenset[str]
    jurisdiction: str | None
    conflicts: frozenset[str]
    row_digest: str


_Date = date  # the type, where a field of Parameters is called ``date``


@dataclass(frozen=True)
class Parameters:
    """Everything besides the seed and the libraries that decides a draw.

    ``exclusion`` says whether targets drawn earlier this year in a campaign of the same
    kind are excluded; ``exclude`` lists them (sorted). ``sample`` is one of ``{"count": n}``, ``{"ratio": "0.01"}`` or
    ``{"by_grade": {"A": "0.3", ...}}``; ratios are decimal strings. ``officers`` maps department -> ``{"count": n, "qualifications": [...]}``.
    """

    campaign_id: str
    campaign_kind: str
    year: int
    date: date
    scope_filter: Mapping[str, Any] | None
    exclusion: bool
    exclude: tuple[str, ...]
    sample: Mapping[str, Any]
    departments: tuple[str, ...]
    officers: Mapping[str, Mapping[str, Any]]
    cross_jurisdiction: bool
    leader_department: str
    # jc-draw-2 (docs/draw.md#inspection-history): the day the history counts from, the
    # campaign's inspection_limits, the history entries (credit code, ISO date) the limits
    # read, the codes drawn by the campaign's earlier draws (补充抽取) and the first 抽取序号.
    start: _Date | None = None
    inspection_limits: Mapping[str, int] | None = None
    history: tuple[tuple[str, str], ...] = ()
    campaign_drawn: tuple[str, ...] = ()
    seq_start: int = 1
    version: str = ALGORITHM_VERSION

    @cached_property
    def exclusion_steps(self) -> list[tuple[str, frozenset[str]]]:
        """The credit codes each step of :data:`EXCLUSION_STEPS` excludes, in its order
        (not disjoint); computed once (a frozen dataclass may cache: it never changes)."""
        near, capped = history_exclusions(self.history, self.inspection_limits,
                                          self.start or self.date)
        return [("drawn_this_year", frozenset(self.exclude)),
                ("drawn_in_campaign", frozenset(self.campaign_drawn)),
                ("inspected_within_days", near), ("yearly_cap", capped)]

    def to_json(self) -> dict[str, Any]:
        data = self._v1_json()
        if self.version == "jc-draw-1":
            return data
        data.update({
            "start": (self.start or self.date).isoformat(),
            "inspection_limits": dict(self.inspection_limits or {}) or None,
            "history": [list(e) for e in sorted(self.history)],
            "campaign_drawn": sorted(self.campaign_drawn),
            "seq_start": self.seq_start,
        })
        return data

    def _v1_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "campaign_kind": self.campaign_kind,
            "year": self.year,
            "date": self.date.isoformat(),
            "scope_filter": self.scope_filter,
            "exclusion": self.exclusion,
            "exclude": sorted(self.exclude),
            "sample": dict(self.sample),
            "departments": list(self.departments),
            "officers": {d: {"count": int(o["count"]),
                             "qualifications": sorted(o.get("qualifications") or [])}
                         for d, o in self.officers.items()},
            "cross_jurisdiction": self.cross_jurisdiction,
            "leader_department": self.leader_department,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], version: str = ALGORITHM_VERSION
                  ) -> Parameters:
        """The parameters of a recorded draw of algorithm *version* (JC731 when malformed)."""
        try:
            limits = data.get("inspection_limits") or None
            return cls(
                campaign_id=str(data["campaign_id"]),
                campaign_kind=str(data["campaign_kind"]),
                year=int(data["year"]),
                date=date.fromisoformat(str(data["date"])),
                scope_filter=data.get("scope_filter"),
                exclusion=bool(data.get("exclusion", bool(data.get("exclude")))),
                exclude=tuple(sorted(str(c) for c in data.get("exclude") or ())),
                sample=dict(data["sample"]),
                departments=tuple(str(d) for d in data["departments"]),
                officers={str(d): {"count": int(o["count"]),
                                   "qualifications": sorted(o.get("qualifications") or [])}
                          for d, o in data["officers"].items()},
                cross_jurisdiction=bool(data["cross_jurisdiction"]),
                leader_department=str(data["leader_department"]),
                start=date.fromisoformat(str(data["start"])) if data.get("start") else None,
                inspection_limits=({str(k): int(v) for k, v in limits.items() if v is not None}
                                   if limits else None),
                history=tuple(sorted((str(c), date.fromisoformat(str(d)).isoformat())
                                     for c, d in data.get("history") or ())),
                campaign_drawn=tuple(sorted(str(c) for c in data.get("campaign_drawn") or ())),
                seq_start=int(data.get("seq_start") or 1),
                version=version,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DrawError([problem("JC731", detail=f"{type(exc).__name__}: {exc}")]) from exc


def ratio_text(value: Any) -> str:
    """A ratio as its exact decimal text: 0.01 -> "0.01", 1 -> "1" (never an exponent).

    A float is taken at its shortest round-tripping representation (``repr``), which is the
    decimal text written in the campaign file.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a ratio: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not d.is_finite() or d <= 0 or d > 1:
        raise ValueError(f"a ratio must be > 0 and <= 1: {value!r}")
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def sample_size(ratio: str, population: int) -> int:
    """``ceil(ratio × population)`` in exact decimal arithmetic (0 for an empty stratum)."""
    return math.ceil(Decimal(ratio) * population)


def check_seed(seed: str) -> str:
    """The seed as used, or DrawError JC729: 1–256 characters, no surrounding blanks."""
    detail = None
    if not isinstance(seed, str) or not seed:
        detail = "为空" if get_lang() != "en" else "empty"
    elif seed != seed.strip():
        detail = ("首尾不能有空白字符" if get_lang() != "en"
                  else "leading or trailing whitespace")
    elif len(seed) > MAX_SEED_CHARS:
        detail = (f"长度超过 {MAX_SEED_CHARS} 个字符" if get_lang() != "en"
                  else f"longer than {MAX_SEED_CHARS} characters")
    elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in seed):
        detail = "含有控制字符" if get_lang() != "en" else "contains control characters"
    if detail:
        raise DrawError([problem("JC729", detail=detail)])
    return seed


# A given seed must carry at least this many bits' worth of length and alphabet: its
# SHA-256 commitment is published before the draw, and a short seed is found from it by
# trying every candidate (commit-reveal then proves nothing).
MIN_SEED_BITS = 128


def seed_bits(seed: str) -> int:
    """An upper estimate of a typed seed's entropy: length x log2(alphabet).

    The alphabet is the union of the character classes the seed uses: hexadecimal digits
    only (16), else digits (10), lower-case (26) and upper-case (26) ASCII letters, other
    printable ASCII (33); each non-ASCII character (a Chinese passphrase) counts 12 bits
    (about 4,000 common characters). A seed that repeats one character counts nothing.
    A fresh seed of :func:`~.service.new_seed` (32 hexadecimal digits) has 128.
    """
    if len(set(seed)) <= 1:
        return 0
    ascii_chars = [c for c in seed if c.isascii()]
    other = len(seed) - len(ascii_chars)
    alphabet = 0
    if ascii_chars and all(c in "0123456789abcdefABCDEF" for c in ascii_chars) and (
            not any(c.isupper() for c in ascii_chars)
            or not any(c.islower() for c in ascii_chars)):
        alphabet = 16
    else:
        if any(c.isdigit() for c in ascii_chars):
            alphabet += 10
        if any(c.islower() for c in ascii_chars):
            alphabet += 26
        if any(c.isupper() for c in ascii_chars):
            alphabet += 26
        if any(not c.isalnum() for c in ascii_chars):
            alphabet += 33
    bits = len(ascii_chars) * math.log2(alphabet) if alphabet else 0.0
    return int(bits + 12 * other)


def check_seed_strength(seed: str, *, weak_ok: bool) -> int:
    """The seed's estimated bits (:func:`seed_bits`); DrawError JC740 when it has fewer
    than :data:`MIN_SEED_BITS` and *weak_ok* is not set."""
    bits = seed_bits(seed)
    if bits < MIN_SEED_BITS and not weak_ok:
        raise DrawError([problem("JC740", bits=bits, need=MIN_SEED_BITS)])
    return bits


def commitment_of(seed: str) -> str:
    """The published commitment to a seed: lowercase hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- hashing


def _keyed_states(seed: str, prefix: str) -> tuple[Any, Any]:
    """The inner (already fed *prefix*) and outer SHA-256 states of HMAC-SHA256 keyed
    with the UTF-8 *seed* (RFC 2104): ``HMAC(m)`` is the outer state's copy fed the inner
    state's copy's digest of *m*."""
    key = seed.encode("utf-8")
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    inner.update(prefix.encode("utf-8"))
    return inner, hashlib.sha256(bytes(b ^ 0x5C for b in key))


def keyed_hasher(seed: str, prefix: str) -> Callable[[bytes], bytes]:
    """``f(m) = HMAC-SHA256(key=UTF-8 seed, msg=UTF-8 prefix + m)`` with precomputed pads.

    Equal to ``hmac.digest(seed, prefix + m, "sha256")`` (RFC 2104), about twice as fast
    because the keyed inner and outer states are computed once.
    """
    inner, outer = _keyed_states(seed, prefix)

    def digest(message: bytes) -> bytes:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.digest()

    return digest


def target_rank(seed: str, credit_code: str) -> bytes:
    """The rank of one target (reference implementation, for docs and tests)."""
    return hmac.digest(seed.encode("utf-8"), f"target{US}{credit_code}".encode(), "sha256")


def officer_index(seed: str, credit_code: str, department: str, i: int, n: int) -> int:
    """The i-th candidate index for (target, department) among *n* candidates."""
    msg = f"officer{US}{credit_code}{US}{department}{US}{i}".encode()
    return int.from_bytes(hmac.digest(seed.encode("utf-8"), msg, "sha256"), "big") % n


def result_digest(result: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (core/canonical.py) of the result."""
    return canonical_digest(result)


# --------------------------------------------------------------------------- history

# The steps that take an in-scope target out of the eligible set, in the order the funnel
# counts them (a target is counted at the first step that excludes it).
EXCLUSION_STEPS = ("drawn_this_year", "drawn_in_campaign", "inspected_within_days",
                   "yearly_cap")


def history_relevant(day: date, limits: Mapping[str, int] | None, start: date) -> bool:
    """Whether an inspection on *day* can matter to *limits* counted from *start*: within
    ``exclude_within_days`` days of it (either side, inclusive), or in its calendar year
    when there is a ``max_per_year``."""
    if not limits:
        return False
    within = limits.get("exclude_within_days")
    if within is not None and abs((day - start).days) <= within:
        return True
    return limits.get("max_per_year") is not None and day.year == start.year


def history_window(limits: Mapping[str, int] | None, start: date) -> tuple[date, date] | None:
    """The first and last day an inspection can matter to *limits* (:func:`history_relevant`
    is exact; this bounds it, for a query), or None without limits."""
    if not limits:
        return None
    lo = hi = start
    within = limits.get("exclude_within_days")
    if within is not None:
        lo, hi = start - timedelta(days=within), start + timedelta(days=within)
    if limits.get("max_per_year") is not None:
        lo, hi = min(lo, date(start.year, 1, 1)), max(hi, date(start.year, 12, 31))
    return lo, hi


def history_exclusions(history: Iterable[tuple[str, str]], limits: Mapping[str, int] | None,
                       start: date) -> tuple[frozenset[str], frozenset[str]]:
    """``(inspected_within_days, yearly_cap)``: the credit codes the limits exclude.

    *history* holds one ``(credit_code, ISO date)`` per inspection (a code appears once per
    inspection). A code is excluded when one of its inspections is within
    ``exclude_within_days`` days of *start* (|date - start| <= days), or when it has
    ``max_per_year`` or more inspections dated in *start*'s calendar year. (ISO dates
    compare as text: the window is two strings, the year a prefix.)
    """
    if not limits:
        return frozenset(), frozenset()
    within = limits.get("exclude_within_days")
    cap = limits.get("max_per_year")
    lo = hi = ""
    if within is not None:
        lo = (start - timedelta(days=within)).isoformat()
        hi = (start + timedelta(days=within)).isoformat()
    year = f"{start.year:04d}-"
    near: set[str] = set()
    per_year: dict[str, int] = {}
    for code, text in history:
        if within is not None and lo <= text <= hi:
            near.add(code)
        if cap is not None and text.startswith(year):
            per_year[code] = per_year.get(code, 0) + 1
    capped = {c for c, n in per_year.items() if cap is not None and n >= cap}
    return frozenset(near), frozenset(capped)


def history_fingerprint(history: Iterable[tuple[str, str]]) -> str:
    """SHA-256 hex of the UTF-8 text ``code US date LF`` per entry, entries sorted (code,
    then date; an inspection repeated on one day appears as often as it was recorded)."""
    text = "".join(f"{c}{US}{d}\n" for c, d in sorted(history))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def excluded_codes(parameters: Parameters) -> frozenset[str]:
    """Every credit code the draw excludes from the eligible set (§2 of docs/draw.md)."""
    out: frozenset[str] = frozenset()
    for _step, codes in parameters.exclusion_steps:
        out |= codes
    return out


def exclusion_funnel(in_scope_codes: Iterable[str], parameters: Parameters
                     ) -> dict[str, int]:
    """How many of the in-scope *excluded* targets each step took out (first step wins)."""
    steps = parameters.exclusion_steps
    counts = dict.fromkeys(EXCLUSION_STEPS, 0)
    for code in in_scope_codes:
        for step, codes in steps:
            if code in codes:
                counts[step] += 1
                break
    return counts


# --------------------------------------------------------------------------- eligibility




def in_scope(scope_filter: Mapping[str, Any] | None, row: Mapping[str, Any]) -> bool:
    """Whether a target row (columns of the targets table) is within the campaign's scope.

    Every column is present in the mapping evaluated (missing ones as ``None``), so an
    unknown value reads the same from a file and from the store; unknown counts as out of
    scope.
    """
    if not scope_filter:
        return True
    attrs = {c: row.get(c) for c in TARGET_COLUMNS}
    if not isinstance(attrs["attributes"], Mapping):
        attrs["attributes"] = {}
    return evaluate(scope_filter, attrs) is True


def eligible_targets(rows: Iterable[Mapping[str, Any]], parameters: Parameters,
                     digest: Callable[[Mapping[str, Any]], str] | None = None
                     ) -> tuple[list[TargetEntry], int]:
    """The eligible targets among library *rows*, and how many rows there were.

    A row is eligible when it is in scope (:func:`in_scope`) and its credit code is not
    excluded (:func:`excluded_codes`). *digest* computes a row's digest when the row carries
    no ``row_digest``.
    """
    excluded = excluded_codes(parameters)
    out: list[TargetEntry] = []
    total = 0
    for row in rows:
        total += 1
        code = row["credit_code"]
        if code in excluded or not in_scope(parameters.scope_filter, row):
            continue
        rd = row.get("row_digest") or (digest(row) if digest else None)
        if not rd:
            raise ValueError(f"no row digest for {code}")
        out.append(TargetEntry(code, row.get("risk_grade"), row.get("jurisdiction"), rd))
    return out, total


def officer_entry(row: Mapping[str, Any], row_digest: str | None = None) -> OfficerEntry:
    """An :class:`OfficerEntry` from an officer row (store or file)."""
    expiry = row.get("cert_expiry")
    if isinstance(expiry, str):
        expiry = date.fromisoformat(expiry) if expiry.strip() else None
    return OfficerEntry(
        cert_no=str(row["cert_no"]),
        department=str(row["department"]),
        active=bool(row.get("active", True)),
        cert_expiry=expiry,
        qualifications=frozenset(_str_list(row.get("qualifications"))),
        jurisdiction=row.get("jurisdiction"),
        conflicts=frozenset(_str_list(row.get("conflicts"))),
        row_digest=row_digest or row["row_digest"],
    )


def _str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace("；", ";").replace(",", ";").split(";")
                if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


# --------------------------------------------------------------------------- officers


STAGES = ("department", "active", "certificate", "qualified", "jurisdiction", "conflict")
_STAGE_LABELS = {
    "department": ("在册", "on file"),
    "active": ("在岗", "active"),
    "certificate": ("执法证在有效期内", "certificate valid"),
    "qualified": ("具备所需资格", "qualified"),
    "jurisdiction": ("非检查对象所在辖区", "other jurisdiction"),
    "conflict": ("无回避关系", "no declared conflict"),
}


@dataclass
class Pool:
    """One department's officers who may be drawn at all on the draw date."""

    department: str
    count: int
    qualifications: tuple[str, ...]
    officers: list[OfficerEntry]  # sorted by cert_no
    funnel: dict[str, int]  # stage -> officers left after it (department .. qualified)


def officer_pools(officers: Iterable[OfficerEntry], parameters: Parameters) -> dict[str, Pool]:
    """Per participating department: active, certificate valid on the draw date, qualified."""
    by_dept: dict[str, list[OfficerEntry]] = {d: [] for d in parameters.departments}
    seen: set[str] = set()
    for o in officers:
        if o.cert_no in seen:
            raise DrawError([problem("JC728", key=o.cert_no)])
        seen.add(o.cert_no)
        if o.department in by_dept:
            by_dept[o.department].append(o)
    pools = {}
    for dept in parameters.departments:
        spec = parameters.officers.get(dept) or {"count": MIN_OFFICERS, "qualifications": []}
        required = frozenset(spec.get("qualifications") or ())
        members = by_dept[dept]
        funnel = {"department": len(members)}
        members = [o for o in members if o.active]
        funnel["active"] = len(members)
        members = [o for o in members
                   if o.cert_expiry is not None and o.cert_expiry >= parameters.date]
        funnel["certificate"] = len(members)
        members = [o for o in members if required <= o.qualifications]
        funnel["qualified"] = len(members)
        members.sort(key=lambda o: o.cert_no)
        pools[dept] = Pool(dept, int(spec["count"]), tuple(sorted(required)), members, funnel)
    return pools


def officers_fingerprint(pools: Mapping[str, Pool]) -> str:
    """The fingerprint (:func:`fingerprint`) of the officers who may be drawn at all:
    every pool's members by 执法证号 with their row digests."""
    members = sorted((o.cert_no, o.row_digest) for p in pools.values() for o in p.officers)
    return fingerprint([c for c, _ in members], [d for _, d in members])


def funnel_text(funnel: Mapping[str, int]) -> str:
    en = get_lang() == "en"
    return " → ".join(f"{_STAGE_LABELS[s][1 if en else 0]} {funnel[s]}"
                      for s in STAGES if s in funnel)


# --------------------------------------------------------------------------- the draw


class TeamMember(NamedTuple):
    department: str
    cert_no: str
    leader: bool

    def to_json(self) -> dict[str, Any]:
        return {"department": self.department, "cert_no": self.cert_no, "leader": self.leader}


class DrawnTarget(NamedTuple):
    seq: int
    credit_code: str
    stratum: str | None
    rank: str  # hex of the target's HMAC
    jurisdiction: str | None
    team: tuple[TeamMember, ...]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "credit_code": self.credit_code, "stratum": self.stratum,
                "rank": self.rank, "team": [m.to_json() for m in self.team]}


@dataclass
class DrawResult:
    """The outcome of :func:`draw`; :meth:`to_json` is what is stored and digested."""

    targets: list[DrawnTarget]
    strata: list[dict[str, Any]]
    eligible: int
    unsampled: dict[str, int]  # grade (or "" for none) -> eligible targets of unlisted grades
    officers_eligible: dict[str, int]
    targets_fingerprint: str
    officers_fingerprint: str
    warnings: list[str] = field(default_factory=list)
    algorithm_version: str = ALGORITHM_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm_version": self.algorithm_version,
            "eligible": self.eligible,
            "strata": self.strata,
            "unsampled": self.unsampled,
            "officers_eligible": self.officers_eligible,
            "targets": [t.to_json() for t in self.targets],
        }

    @property
    def digest(self) -> str:
        return result_digest(self.to_json())


def check_parameters(parameters: Parameters, *, file: str | None = None) -> None:
    """Parameter problems that make any draw impossible (DrawError)."""
    problems = []
    if parameters.leader_department not in parameters.departments:
        problems.append(problem("JC724", file=file, path="campaign.team.leader_from",
                                     department=parameters.leader_department))
    for dept in parameters.departments:
        spec = parameters.officers.get(dept) or {}
        count = int(spec.get("count", MIN_OFFICERS))
        if count < MIN_OFFICERS:
            problems.append(problem("JC723", file=file,
                                         path=f"campaign.officers.{dept}.count",
                                         department=dept, count=count))
    sample = parameters.sample
    modes = [k for k in ("count", "ratio", "by_grade") if k in sample]
    if len(modes) != 1:
        problems.append(problem("JC731", file=file, path="campaign.sample",
                                     detail="sample needs exactly one of count, ratio, by_grade"))
    else:
        try:
            if "count" in sample and int(sample["count"]) < 1:
                raise ValueError("count must be >= 1")
            if "ratio" in sample:
                ratio_text(sample["ratio"])
            if "by_grade" in sample:
                if not sample["by_grade"]:
                    raise ValueError("by_grade is empty")
                for r in sample["by_grade"].values():
                    ratio_text(r)
        except (TypeError, ValueError) as exc:
            problems.append(problem("JC731", file=file, path="campaign.sample",
                                         detail=str(exc)))
    if problems:
        raise DrawError(problems)


@dataclass
class TargetDraw:
    """The first stage of a draw: which targets, in which order (抽取序号 = position + 1)."""

    drawn: list[tuple[str | None, bytes, str]]  # (stratum grade, rank, credit_code)
    strata: list[dict[str, Any]]
    eligible: int
    unsampled: dict[str, int]
    targets_fingerprint: str


def fingerprint(keys: list[str], digests: list[str]) -> str:
    """SHA-256 hex of the UTF-8 text: each key + LF in order, then each digest + LF.

    *keys* must be in ascending code-point order, *digests* in the same order.
    """
    if not keys:
        return hashlib.sha256(b"").hexdigest()
    # hashed part by part: the same bytes, without copying a million rows' text twice more
    h = hashlib.sha256("\n".join(keys).encode("utf-8"))
    h.update(b"\n")
    h.update("\n".join(digests).encode("utf-8"))
    h.update(b"\n")
    return h.hexdigest()


def _set_fingerprint(entries: list[Any]) -> tuple[str | None, str]:
    """``(first duplicate credit code or None, fingerprint)`` of ``(code, _, digest)`` rows."""
    ordered = sorted(entries, key=itemgetter(0))
    codes = list(map(itemgetter(0), ordered))
    duplicate = None
    if any(map(eq, codes, islice(codes, 1, None))):
        duplicate = next(a for a, b in zip(codes, codes[1:], strict=False) if a == b)
    return duplicate, fingerprint(codes, list(map(itemgetter(2), ordered)))


# Runs ``fn(arg)`` and returns a function giving its result: the caller may run it elsewhere
# (core.draw.service ranks a large set in a forked child); this module
# itself never forks, starts a thread or touches anything outside its arguments.
Beside = Callable[[Callable[[Any], Any], Any], Callable[[], Any]]


def run_here(fn: Callable[[Any], Any], arg: Any) -> Callable[[], Any]:
    """The :data:`Beside` runner that runs ``fn(arg)`` at once, in this process."""
    value = fn(arg)
    return lambda: value


def draw_targets(seed: str, targets: Iterable[tuple[str, str | None, str]],
                 parameters: Parameters, *, total_targets: int | None = None,
                 file: str | None = None, beside: Beside | None = None) -> TargetDraw:
    """Stage 1: rank the eligible targets ``(credit_code, risk_grade, row_digest)``.

    The result does not depend on the order of *targets*; a duplicate credit code is an
    error (JC727), so is an empty set (JC721) or a count larger than the set (JC722).
    *beside* may rank the targets while this function computes the set's fingerprint (see
    :data:`Beside`); the result is the same with or without it.
    """
    check_seed(seed)
    check_parameters(parameters, file=file)
    entries = targets if isinstance(targets, list) else list(targets)
    if not entries:
        raise DrawError([problem("JC721", file=file, path="campaign.scope",
                                      total=total_targets if total_targets is not None else 0)])
    sample = parameters.sample
    strata_spec: list[tuple[str | None, str | None, int | None]]  # (grade, ratio, count)
    if "by_grade" in sample:
        strata_spec = [(g, ratio_text(sample["by_grade"][g]), None)
                       for g in sorted(sample["by_grade"])]
    elif "ratio" in sample:
        strata_spec = [(None, ratio_text(sample["ratio"]), None)]
    else:
        strata_spec = [(None, None, int(sample["count"]))]
    # each stratum's eligible targets and how many it draws, known before ranking: the
    # ranking then keeps only the best of each stratum (see _best)
    if "by_grade" in sample:
        per_grade = Counter(map(itemgetter(1), entries))
        sizes: dict[str | None, int] = {g: per_grade.get(g, 0) for g, _, _ in strata_spec}
        unsampled: dict[str, int] = {}
        for grade, n in per_grade.items():
            if grade not in sizes:
                unsampled[grade or ""] = unsampled.get(grade or "", 0) + n
    else:
        sizes, unsampled = {None: len(entries)}, {}
    wanted = {grade: count if count is not None else sample_size(ratio or "0", sizes[grade])
              for grade, ratio, count in strata_spec}
    # The ranking (an HMAC a target) beside the fingerprint (sort, duplicate check, hash)
    # when the caller can: the ranking's result is small (the best of each stratum).
    ranked = (beside or run_here)(_best, _Ranking(seed, entries, wanted, "by_grade" in sample))
    try:
        duplicate, targets_fp = _set_fingerprint(entries)
    finally:
        best_of = ranked()  # always waited for, even when the fingerprint fails
    if duplicate is not None:
        raise DrawError([problem("JC727", key=duplicate)])
    count = strata_spec[0][2]
    if count is not None and count > len(entries):
        raise DrawError([problem("JC722", file=file, path="campaign.sample.count",
                                      count=count, eligible=len(entries))])

    drawn: list[tuple[str | None, bytes, str]] = []
    strata = []
    for grade, ratio, _count in strata_spec:
        best = best_of[grade]  # (rank, credit_code) ascending: ties broken by code
        drawn.extend((grade, r, code) for r, code in best)
        strata.append({"grade": grade, "ratio": ratio, "eligible": sizes[grade],
                       "drawn": len(best)})
    return TargetDraw(drawn, strata, len(entries), unsampled, targets_fp)


def draw_officers(seed: str, stage: TargetDraw, jurisdictions: Mapping[str, str | None],
                  officers: Iterable[OfficerEntry], parameters: Parameters, *,
                  file: str | None = None, max_reported: int = 20) -> DrawResult:
    """Stage 2: a team for every drawn target (*jurisdictions*: credit code -> 管辖单位)."""
    pools = officer_pools(officers, parameters)
    officers_fp = officers_fingerprint(pools)
    conflicts: dict[str, set[str]] = {}
    for pool in pools.values():
        for o in pool.officers:
            for code in o.conflicts:
                conflicts.setdefault(code, set()).add(o.cert_no)
    cache: dict[tuple[str, str | None], list[OfficerEntry]] = {}
    cross = parameters.cross_jurisdiction

    def candidates(pool: Pool, code: str, jurisdiction: str | None
                   ) -> tuple[list[OfficerEntry], dict[str, int]]:
        key = (pool.department, jurisdiction if cross else None)
        lst = cache.get(key)
        if lst is None:
            if cross and jurisdiction:
                lst = [o for o in pool.officers if o.jurisdiction != jurisdiction]
            else:
                lst = pool.officers
            cache[key] = lst
        funnel = dict(pool.funnel)
        if cross:
            funnel["jurisdiction"] = len(lst)
        avoid = conflicts.get(code)
        if avoid:
            lst = [o for o in lst if o.cert_no not in avoid]
        funnel["conflict"] = len(lst)
        return lst, funnel

    index_of = keyed_hasher(seed, f"officer{US}")
    results: list[DrawnTarget] = []
    shortfalls: list[Problem] = []
    for seq, (grade, rank, code) in enumerate(stage.drawn, start=parameters.seq_start):
        jurisdiction = jurisdictions.get(code)
        team: list[TeamMember] = []
        for dept in parameters.departments:
            pool = pools[dept]
            cands, funnel = candidates(pool, code, jurisdiction)
            n = len(cands)
            if n < pool.count:
                shortfalls.append(problem(
                    "JC725", file=file, path=f"campaign.officers.{dept}", seq=seq,
                    credit_code=code, department=dept, needed=pool.count,
                    available=n, account=funnel_text(funnel)))
                continue
            chosen: list[int] = []
            prefix = f"{code}{US}{dept}{US}".encode()
            i = 0
            while len(chosen) < pool.count:
                idx = int.from_bytes(index_of(prefix + str(i).encode("ascii")), "big") % n
                if idx not in chosen:
                    chosen.append(idx)
                i += 1
            lead = dept == parameters.leader_department
            team.extend(TeamMember(dept, cands[idx].cert_no, lead and j == 0)
                        for j, idx in enumerate(chosen))
        results.append(DrawnTarget(seq, code, grade, rank.hex(), jurisdiction, tuple(team)))
    if shortfalls:
        shown = shortfalls[:max_reported]
        if len(shortfalls) > max_reported:
            shown.append(problem("JC726", file=file, more=len(shortfalls) - max_reported))
        raise DrawError(shown)

    return DrawResult(
        targets=results, strata=stage.strata, eligible=stage.eligible,
        unsampled=stage.unsampled,
        officers_eligible={d: len(p.officers) for d, p in pools.items()},
        targets_fingerprint=stage.targets_fingerprint, officers_fingerprint=officers_fp,
        algorithm_version=parameters.version,
    )


def draw(seed: str, targets: Iterable[TargetEntry], officers: Iterable[OfficerEntry],
         parameters: Parameters, *, total_targets: int | None = None,
         file: str | None = None, max_reported: int = 20,
         beside: Beside | None = None) -> DrawResult:
    """Draw the targets and their teams. Raises :class:`DrawError` when it cannot.

    *targets* is the eligible set as :class:`TargetEntry` (see :func:`eligible_targets`),
    *officers* every officer of the libraries (only the participating departments' are
    used). The result does not depend on the order of either.
    """
    entries = list(targets)
    jurisdictions = {t[0]: t[2] for t in entries}
    stage = draw_targets(seed, [(t[0], t[1], t[3]) for t in entries], parameters,
                         total_targets=total_targets, file=file, beside=beside)
    return draw_officers(seed, stage, jurisdictions, officers, parameters, file=file,
                         max_reported=max_reported)


@dataclass(frozen=True)
class _Ranking:
    """What :func:`_best` ranks: *wanted* is ``{stratum: k}``, a stratum being a grade
    (*by_grade*) or None for all the targets. Its ``len()`` is its number of targets (what
    a :data:`Beside` runner weighs)."""

    seed: str
    entries: list[Any]
    wanted: dict[str | None, int]
    by_grade: bool

    def __len__(self) -> int:
        return len(self.entries)


def _best(job: _Ranking) -> dict[str | None, list[tuple[bytes, str]]]:
    """The *k* best ``(rank, credit_code)`` of each stratum of *job*, ascending (what
    ``heapq.nsmallest(k, ranked)`` gives).

    The hot loop of the draw: :func:`keyed_hasher`'s digest, inlined. Every target is
    ranked; a stratum keeps only the candidates not worse than its k-th best so far (the
    bar falls as candidates come: sorted and cut to k whenever 2k are held), so that not
    a million pairs are built and sorted for a few thousand drawn.
    """
    seed, entries, wanted, by_grade = job.seed, job.entries, job.wanted, job.by_grade
    inner, outer = _keyed_states(seed, f"target{US}")
    icopy, ocopy = inner.copy, outer.copy
    above = b"\xff" * 33  # after every rank (32 bytes): no bar yet
    # per stratum: [bar, candidates, k]; a rank after the bar cannot be among the k best
    state: dict[str | None, list[Any]] = {g: [above if k > 0 else b"", [], k]
                                          for g, k in wanted.items()}
    get = state.get
    for t in entries:
        st = get(t[1] if by_grade else None)
        if st is None:
            continue  # a grade outside every stratum (counted by the caller)
        code = t[0]
        h = icopy()
        h.update(code.encode("utf-8"))
        o = ocopy()
        o.update(h.digest())
        rank = o.digest()
        if rank > st[0]:
            continue
        held = st[1]
        held.append((rank, code))
        k = st[2]
        if len(held) >= 2 * k:
            held.sort()
            del held[k:]
            st[0] = held[-1][0]
    out: dict[str | None, list[tuple[bytes, str]]] = {}
    for g, (_bar, held, k) in state.items():
        held.sort()
        out[g] = held[:k]
    return out


# --------------------------------------------------------------------------- comparing


def first_difference(recorded: Mapping[str, Any], replayed: Mapping[str, Any]
                     ) -> tuple[int | None, str, Any, Any] | None:
    """The first difference between two stored results, or None when they are the same.

    Returns ``(seq, what, recorded_value, replayed_value)`` where *what* is ``"target"``,
    ``"team"``, ``"count"`` or ``"summary"`` (strata / eligible counts differ).
    """
    a = list(recorded.get("targets") or [])
    b = list(replayed.get("targets") or [])
    for x, y in zip(a, b, strict=False):
        if x.get("credit_code") != y.get("credit_code") or x.get("seq") != y.get("seq"):
            return (y.get("seq"), "target", x.get("credit_code"), y.get("credit_code"))
        if x.get("team") != y.get("team"):
            return (y.get("seq"), "team", x.get("team"), y.get("team"))
        if x != y:
            return (y.get("seq"), "target", x, y)
    if len(a) != len(b):
        return (min(len(a), len(b)) + 1, "count", len(a), len(b))
    ra = {k: v for k, v in recorded.items() if k != "targets"}
    rb = {k: v for k, v in replayed.items() if k != "targets"}
    if ra != rb:
        return (None, "summary", ra, rb)
    return None
