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
from collections.abc import Callable, Mapping

LANGS = ("zh", "en")
_current: str | None = None


def get_lang() -> str:
    """The active language: the one set by :func:`set_lang`, else ``JOINTCHECK_LANG``, else zh."""
    if _current is not None:
        return _current
    env = os.environ.get("JOINTCHECK_LANG", "").strip().lower()
    if env.startswith("en"):
        return "en"
    return "zh"


def set_lang(lang: str | None) -> None:
    """Set the process language (``None`` returns to the environment default)."""
    global _current
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    _current = lang


def translator(catalogue: Mapping[str, tuple[str, str]]) -> Callable[..., str]:
    """Return ``_(key, **params)`` rendering *key* of *catalogue* in the active language."""

    def _(key: str, **params: object) -> str:
        zh, en = catalogue[key]
        template = en if get_lang() == "en" else zh
        return template.format(**params) if params else template

    return _
