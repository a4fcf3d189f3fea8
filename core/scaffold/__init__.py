"""``jointcheck plugin new``: generate a pip-installable department plugin package.

The package is rendered from the templates in ``templates/`` (``string.Template``
placeholders such as ``$code``) entirely in memory, written into a hidden sibling
directory, and only then renamed into place: a failure never leaves a half-written
plugin behind, and an existing directory is never touched.

Layout of the generated package (``CODE`` = ``fire_safety``)::

    jointcheck-fire_safety/
        pyproject.toml                    entry point: [project.entry-points.jointcheck]
        README.md                         Chinese and English
        .gitignore
        jointcheck_fire_safety/__init__.py    the hookimpl returning department.yaml
        jointcheck_fire_safety/department.yaml
        tests/test_department.py
        tests/test_cases.py                   runs tests/cases/ (jointcheck plugin test)
        tests/cases/example.yaml              one passing case
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from string import Template

from .. import __version__
from ..errors import os_detail

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_MAX_LENGTH = 64  # department.schema.json $defs/code
NAME_MAX_LENGTH = 100

# template file -> path inside the generated package (``$module`` is substituted)
TEMPLATES: dict[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "module_init.py.tmpl": "$module/__init__.py",
    "department.yaml.tmpl": "$module/department.yaml",
    "test_department.py.tmpl": "tests/test_department.py",
    "test_cases.py.tmpl": "tests/test_cases.py",
    "case_example.yaml.tmpl": "tests/cases/example.yaml",
}


class ScaffoldError(Exception):
    """A refused request: *key* names the message (see core/cli/plugin.py), *exit_code*
    is 2 for a usage error (bad CODE or name) and 1 for a refusal (existing directory,
    file system error)."""

    def __init__(self, key: str, exit_code: int, **params: object):
        self.key = key
        self.exit_code = exit_code
        self.params = params
        super().__init__(f"{key}: {params}")


@dataclass
class Scaffold:
    """The generated package: its root directory and the files written, relative to it."""

    root: Path
    code: str
    module: str
    files: list[str] = field(default_factory=list)

    @property
    def declaration(self) -> Path:
        return self.root / self.module / "department.yaml"


def check_code(code: str) -> None:
    """Raise :class:`ScaffoldError` (exit 2) unless *code* is a valid department code."""
    if not CODE_PATTERN.match(code):
        raise ScaffoldError("bad_code", 2, code=code)
    if len(code) > CODE_MAX_LENGTH:
        raise ScaffoldError("long_code", 2, code=code, max=CODE_MAX_LENGTH)


def check_name(name: str) -> str:
    """The department name, stripped; :class:`ScaffoldError` (exit 2) when unusable."""
    name = name.strip()
    if not name:
        raise ScaffoldError("empty_name", 2)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ScaffoldError("bad_name", 2, name=name)
    if len(name) > NAME_MAX_LENGTH:
        raise ScaffoldError("long_name", 2, max=NAME_MAX_LENGTH)
    return name


def package_dir_name(code: str) -> str:
    return f"jointcheck-{code}"


def render(code: str, name: str) -> dict[str, str]:
    """Every file of the package for *code* / *name*: ``{relative path: text}``."""
    check_code(code)
    name = check_name(name)
    module = f"jointcheck_{code}"
    # json.dumps gives a double-quoted string that is valid in YAML and in TOML alike.
    values = {
        "code": code,
        "module": module,
        "name": name,
        "dist": "jointcheck-" + code.replace("_", "-"),
        "dir": package_dir_name(code),
        "name_quoted": json.dumps(name, ensure_ascii=False),
        "description_quoted": json.dumps(f"jointcheck 部门插件：{name}（{code}）",
                                         ensure_ascii=False),
        "jointcheck_version": __version__,
    }
    templates = files(__name__) / "templates"
    out: dict[str, str] = {}
    for template_name, target in TEMPLATES.items():
        text = (templates / template_name).read_text(encoding="utf-8")
        out[Template(target).substitute(values)] = Template(text).substitute(values)
    return out


def create(code: str, name: str, parent: str | Path = ".") -> Scaffold:
    """Generate the package ``jointcheck-<code>/`` under *parent*.

    Raises :class:`ScaffoldError` for a bad code or name (exit 2), an existing target
    (exit 1) or a file system error (exit 1); nothing is left on disk in those cases.
    """
    rendered = render(code, name)
    parent = Path(parent)
    root = parent / package_dir_name(code)
    if root.exists() or root.is_symlink():
        raise ScaffoldError("exists", 1, path=str(root))
    if parent.exists() and not parent.is_dir():
        raise ScaffoldError("parent_not_dir", 1, path=str(parent))
    staging = parent / f".{root.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for rel, text in rendered.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        if root.exists() or root.is_symlink():  # appeared meanwhile: still never overwrite
            raise ScaffoldError("exists", 1, path=str(root))
        os.rename(staging, root)
    except OSError as exc:
        raise ScaffoldError("os_error", 1, path=str(exc.filename or root),
                            detail=os_detail(exc, str(exc.filename or root))) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Scaffold(root=root, code=code, module=f"jointcheck_{code}", files=sorted(rendered))
