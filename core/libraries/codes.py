"""Check characters of the two national identifiers the libraries carry (docs/architecture.md#domain-libraries).

- 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters over the
  31-symbol alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z); the value of a
  symbol is its index; position *i* (1-based, 1..17) weighs ``3**(i-1) mod 31``; the 18th
  character is ``alphabet[(31 - sum mod 31) mod 31]``.
- 居民身份证号码 (resident identity card number), GB 11643-1999: 17 digits then a check
  character; weights ``7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2``; the check is
  ``"10X98765432"[sum mod 11]``. Positions 7–14 are the birth date (YYYYMMDD).

These functions are pure and cheap: the importer calls them for every row of a million-row
file. They take already-normalised text (upper case, no spaces); see
:func:`normalise_code`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
# (weight, symbol) -> weighted value, so that the hot loop is one dict lookup per symbol
CREDIT_TABLES = tuple({c: (v * w) for c, v in _CREDIT_VALUE.items()} for w in CREDIT_WEIGHTS)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")
_ID_TABLES = tuple({str(d): d * w for d in range(10)} for w in ID_WEIGHTS)


def normalise_code(s: str) -> str:
    """Strip blanks (ASCII and full-width) and upper-case: how codes are compared and stored.

    Full-width digits and letters (``９１４１０６…``, typed with a Chinese input method)
    are read as their ASCII forms (Unicode NFKC)."""
    if s.isascii() and s.isalnum():  # the common case: nothing to remove
        return s.upper()

    return unicodedata.normalize("NFKC", s).strip().replace(" ", "").upper()


_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?[eE][+-]?[0-9]+$")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3}){3,}(?:\.0+)?$")  # 410,621,000,012,345


def excel_number_text(text: str) -> bool:
    """Whether *text* is how a spreadsheet writes a number, not how a code or a phone
    number is written: scientific notation (``9.14106E+17``, ``4.10621E+14``), digits
    with a decimal part of zeros (``410621000012345.0``) or in groups of three
    (``410,621,000,012,345``: a number format with thousands separators)."""
    t = text.strip()
    if t.isdigit():  # the common case: a code or a number written as digits
        return False
    if _SCIENTIFIC.match(t) or _GROUPED.match(t):
        return True
    head, dot, tail = t.partition(".")
    return bool(dot) and head.isdigit() and head.isascii() and tail != "" and set(tail) == {"0"}


def rounded_code(text: str, length: int = 18) -> bool:
    """Whether *text* is *length* ASCII digits ending in 000: what a spreadsheet keeps of a
    longer number (15 significant digits). A genuine code can end in 000 too (about one
    all-digit credit code in 3,000), so this is a doubt to confirm, not a proof."""
    t = text.strip()
    return len(t) == length and t.isdigit() and t.isascii() and t.endswith("000")


def excel_mangled(text: str, length: int = 18) -> bool:
    """Whether a code of *length* characters that failed its check looks like Excel stored
    it as a number: scientific notation (``9.14106E+17``), or all digits ending in 000 (a
    spreadsheet keeps 15 significant digits), or a number with a decimal part."""
    return excel_number_text(text) or rounded_code(text, length)


def phone_lost_zero(text: str) -> bool:
    """Whether a phone number written as bare digits lost its leading 0 (a spreadsheet
    stores 03923700330 as the number 3923700330): 10 or 11 digits that are neither a
    mobile number (11 digits from 1) nor a 400/800 service number (10 digits)."""
    t = text.strip()
    if not (t.isdigit() and t.isascii()) or t.startswith("0"):
        return False
    if len(t) == 10:
        return not t.startswith(("400", "800"))
    if len(t) == 11:
        return not t.startswith("1")
    return False


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code.

    Raises :class:`ValueError` when *first17* is not 17 symbols of the code alphabet.
    """
    if len(first17) != 17:
        raise ValueError(f"expected 17 characters, got {len(first17)}")
    try:
        total = sum(table[c] for table, c in zip(CREDIT_TABLES, first17, strict=True))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a symbol of the credit-code alphabet") from None
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


_lookup = dict.__getitem__


def credit_code_problem(s: str) -> str | None:
    """Why *s* is not a valid credit code: ``"length"``, ``"alphabet"``, ``"check"``, or None."""
    if len(s) != 18:
        return "length"
    try:
        # map() stops at the shorter input: the 17 weighted positions
        total = sum(map(_lookup, CREDIT_TABLES, s))
    except KeyError:
        return "alphabet"
    last = s[17]
    if last not in _CREDIT_VALUE:
        return "alphabet"
    if CREDIT_ALPHABET[(31 - total % 31) % 31] != last:
        return "check"
    return None


def credit_code_valid(s: str) -> bool:
    """True when *s* is an 18-character credit code whose check character matches."""
    return isinstance(s, str) and credit_code_problem(s) is None


def id_number_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number.

    Raises :class:`ValueError` when *first17* is not 17 ASCII digits.
    """
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError("expected 17 digits")
    total = sum(table[c] for table, c in zip(_ID_TABLES, first17, strict=True))
    return ID_CHECK[total % 11]


def id_number_problem(s: str) -> str | None:
    """Why *s* is not a valid ID number: ``"length"``, ``"format"``, ``"birth_date"``,
    ``"check"``, or None."""
    if len(s) != 18:
        return "length"
    body = s[:17]
    if not _DIGITS.issuperset(body) or s[17] not in "0123456789X":
        return "format"
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return "birth_date"
    if born.year < 1850:
        return "birth_date"
    if id_number_check_char(body) != s[17]:
        return "check"
    return None


def id_number_valid(s: str) -> bool:
    """True when *s* is an 18-character ID number with a real birth date and a matching
    check character (an upper-case ``X`` stands for 10)."""
    return isinstance(s, str) and id_number_problem(s) is None
