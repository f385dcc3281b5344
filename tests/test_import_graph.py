"""The house's one-way flow, checked on the code's own imports (docs/architecture.md).

The four stages (installed as copydesk.crawler, copydesk.cleaning, copydesk.dedup and
copydesk.storage, from the repository folders of those names) import no module of the composition
root (copydesk.*) and none of each other: what crosses between them goes through the seams the root
wires (crawler.sink.CrawlSink, storage.seen.SeenStore, dedup.api.ClusterIndex). Every import counts,
also one inside a function. Within a stage, module-level imports form no circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("crawler", "cleaning", "dedup", "storage")
# Declared exceptions to "no sideways import", as (importing stage, imported module) pairs. None today.
SEAMS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return "copydesk." + ".".join(parts) if parts[0] in STAGES else ".".join(parts)


def _imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = list(_module_level(tree)) if top_level_only else list(ast.walk(tree))
    found: list[tuple[int, str]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from copydesk import storage` imports the stage, not the root package
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names if module in ("copydesk",)]
    return found


def _module_level(node: ast.AST):
    """The nodes run when the module is imported or type-checked (under ``if TYPE_CHECKING:`` too),
    not those inside function bodies: a deferred import in a function draws no circle."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        yield child
        yield from _module_level(child)


def _stage_files(stage: str) -> list[Path]:
    return sorted(p for p in (ROOT / stage).rglob("*.py") if "__pycache__" not in p.parts)


def _owner(module: str) -> str | None:
    """'crawler' for copydesk.crawler.x, 'root' for any other copydesk module, None outside copydesk."""
    parts = module.split(".")
    if parts[0] != "copydesk":
        return None
    if len(parts) == 1:
        return "root-package"
    return parts[1] if parts[1] in STAGES else "root"


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_neither_the_root_nor_another_stage(stage):
    bad = []
    for path in _stage_files(stage):
        for line, module in _imports(path):
            owner = _owner(module)
            if owner is None or owner == stage or owner == "root-package" and module == "copydesk":
                continue
            if owner in STAGES and (stage, module) in SEAMS:
                continue
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_no_import_circle_inside_a_stage(stage):
    files = _stage_files(stage)
    names = {_module_name(p) for p in files}
    graph: dict[str, set[str]] = {}
    for path in files:
        me = _module_name(path)
        targets = set()
        for _, module in _imports(path, top_level_only=True):
            # `from . import x` and `from .x import y` both name a module of the stage or the stage itself
            while module and module not in names:
                module = module.rpartition(".")[0]
            if module and module != me and not me.startswith(module + ".") and module != f"copydesk.{stage}":
                targets.add(module)
        graph[me] = targets
    assert not _cycles(graph), _cycles(graph)


def test_the_checker_sees_a_sideways_import(tmp_path):
    """The checker itself: an import of the root inside a function is caught, a relative one resolved."""
    stage = tmp_path / "crawler"
    stage.mkdir()
    f = stage / "x.py"
    f.write_text("from .sink import Page\n\ndef g():\n    from copydesk.config import Config\n    from copydesk import storage\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = [m for _, m in _imports(f)]
    finally:
        ROOT = saved
    assert "copydesk.crawler.sink" in found and "copydesk.config" in found and "copydesk.storage" in found
    assert [_owner(m) for m in found] == ["crawler", "root", "root-package", "storage"]
