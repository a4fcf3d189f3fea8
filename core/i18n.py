"""User-facing language: Simplified Chinese by default, English on request.

The language is chosen once per process (``--lang`` or ``JOINTCHECK_LANG``) and every
module keeps its own small catalogue of ``key -> (zh, en)`` templates::

    _ = translator({"saved": ("已保存 {n} 条", "saved {n} rows")})
    click.echo(_("saved", n=3))

Domain terms (抽查结果, 处理结果, department names...) stay verbatim Chinese in both
languages.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

LANGS = ("zh", "en")
_current: str | None = None


def get_lang() -> str:
    """The active language: the one set by :func:`set_lang`, else ``JOINTCHECK_LANG``, else zh."""
    if _current is not None:
        return _current
    env = os.environ.get("JOINTCHECK_LANG", "").strip().lower()
    if env.startswith("en"):
        return "en"
    if env and not env.startswith("zh") and env != "c":
        _warn_unsupported(os.environ["JOINTCHECK_LANG"].strip())
    return "zh"


_warned: set[str] = set()

# JC902, the one problem of this module: core.errors lists it in the catalogue (errors
# imports i18n, never the other way round)
UNSUPPORTED_LANG = ("不支持的界面语言 JOINTCHECK_LANG={value}，使用简体中文（可用：zh、en）",
                    "unsupported interface language JOINTCHECK_LANG={value}; using Simplified "
                    "Chinese (zh and en are available)")


def _warn_unsupported(value: str) -> None:
    """Say once per process, on stderr, that JOINTCHECK_LANG names no supported language."""
    if value in _warned:
        return
    _warned.add(value)
    sys.stderr.write(f"警告：JC902 {UNSUPPORTED_LANG[0].format(value=value)}\n")


def set_lang(lang: str | None) -> None:
    """Set the process language (``None`` returns to the environment default)."""
    global _current
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    _current = lang


class Localized(str):
    """Text in the active language that remembers its rendering in every language.

    A ``str`` (so it goes wherever text goes); :meth:`in_lang` gives it in another
    language, so a :class:`Problem` carrying it as a hint can be rendered again.
    """

    texts: dict[str, str]

    def __new__(cls, zh: str, en: str) -> Localized:
        self = super().__new__(cls, en if get_lang() == "en" else zh)
        self.texts = {"zh": zh, "en": en}
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Localized, (self.texts["zh"], self.texts["en"]))

    def in_lang(self, lang: str) -> str:
        return self.texts.get(lang, str(self))


def translator(catalogue: Mapping[str, tuple[str, str]]) -> Callable[..., str]:
    """Return ``_(key, **params)`` rendering *key* of *catalogue* in the active language.

    The text is a :class:`Localized`: a ``str`` that can be rendered again in the other
    language (a problem's hint or detail shown later, in a report, say).
    """

    def _(key: str, **params: object) -> str:
        zh, en = catalogue[key]
        if params:
            zh = zh.format(**{k: v.texts["zh"] if isinstance(v, Localized) else v
                              for k, v in params.items()})
            en = en.format(**{k: v.texts["en"] if isinstance(v, Localized) else v
                              for k, v in params.items()})
        return Localized(zh, en)

    return _
