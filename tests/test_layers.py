"""docs/architecture.md#layers: no import circles between jointcheck's modules (what
`lint-imports` cannot see inside one layer), and the app's screens never import the app."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

import grimp

PACKAGES = ("jointcheck.core", "jointcheck.tui", "jointcheck.examples", "jointcheck.schemas")


def _graph() -> grimp.ImportGraph:
    # imports under `if TYPE_CHECKING:` are for the type checker only: they run no code
    return grimp.build_graph(*PACKAGES, include_external_packages=False,
                             exclude_type_checking_imports=True)


def _circle(graph: grimp.ImportGraph) -> list[str]:
    """One import circle of *graph* (``[a, b, ..., a]``), or ``[]`` when there is none."""
    sorter = TopologicalSorter({m: graph.find_modules_directly_imported_by(m)
                                for m in graph.modules})
    try:
        sorter.prepare()
    except CycleError as exc:
        return list(exc.args[1])
    return []


def test_no_import_circles():
    assert _circle(_graph()) == []


def test_the_circle_finder_finds_one():
    graph = grimp.ImportGraph()
    for a, b in [("x.a", "x.b"), ("x.b", "x.c"), ("x.c", "x.a"), ("x.c", "x.d")]:
        graph.add_import(importer=a, imported=b)
    circle = _circle(graph)
    assert circle[0] == circle[-1] and sorted(set(circle)) == ["x.a", "x.b", "x.c"]
    graph.remove_import(importer="x.c", imported="x.a")
    assert _circle(graph) == []


def test_no_screen_imports_the_app():
    graph = _graph()
    importers = graph.find_modules_that_directly_import("jointcheck.tui.app")
    assert sorted(m for m in importers if m.startswith("jointcheck.tui.")) == []
