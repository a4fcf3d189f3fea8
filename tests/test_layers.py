"""docs/architecture.md#layers: no import circles between jointcheck's modules (what
`lint-imports` cannot see inside one layer), and the app's screens never import the app."""

from __future__ import annotations

import grimp

PACKAGES = ("jointcheck.core", "jointcheck.tui", "jointcheck.examples", "jointcheck.schemas")


def _graph() -> grimp.ImportGraph:
    # imports under `if TYPE_CHECKING:` run no code: they make no circle
    return grimp.build_graph(*PACKAGES, include_external_packages=False,
                             exclude_type_checking_imports=True)


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


# Circles known and owned by work in progress, each with what breaks it. The test fails
# for any other circle, and for one of these once it is gone (strike it from the list).
KNOWN: set[tuple[str, ...]] = set()  # none: a new circle fails this test


def test_no_import_circles():
    found = {tuple(c) for c in _circles(_graph())}
    assert found - KNOWN == set(), "new import circles"
    assert KNOWN - found == set(), "a known circle is gone: strike it from KNOWN"


def test_the_circle_finder_finds_one():
    graph = grimp.ImportGraph()
    for a, b in [("x.a", "x.b"), ("x.b", "x.c"), ("x.c", "x.a"), ("x.c", "x.d")]:
        graph.add_import(importer=a, imported=b)
    assert _circles(graph) == [["x.a", "x.b", "x.c"]]


def test_no_screen_imports_the_app():
    graph = _graph()
    importers = graph.find_modules_that_directly_import("jointcheck.tui.app")
    assert sorted(m for m in importers if m.startswith("jointcheck.tui.")) == []
