"""The architecture as a test: imports only go down the layers, and no module imports itself
back through others, counting imports inside functions.

    core.basics -> db -> core.data -> core.model -> core.evaluation -> core.training
    -> core.lifecycle -> core.newsroom -> core.cli -> ui -> pages, app.py, benchmarks
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    "core.basics",
    "db",
    "core.data",
    "core.model",
    "core.evaluation",
    "core.training",
    "core.lifecycle",
    "core.newsroom",
    "core.cli",
    "ui",
    "pages",
    "benchmarks",
]
TOP = {"app": "pages", "core.__main__": "core.cli"}  # entry points sit with these layers
PROJECT = ("core", "db", "ui", "pages", "benchmarks", "app")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("core", "db", "ui", "pages", "benchmarks"):
        files += [p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """Project modules a file imports anywhere in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from core.data import loaders" names a module; "from x import func" names x.
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def third_party_imports(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def layer_of(module: str) -> int | None:
    module = next((layer for name, layer in TOP.items() if module == name), module)
    matches = [i for i, layer in enumerate(LAYERS) if module == layer or module.startswith(layer + ".")]
    return matches[-1] if matches else None


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in project_files()}
    modules = set(files)
    graph = {}
    for name, path in files.items():
        # A package's own __init__ is not a dependency of its modules.
        graph[name] = {m for m in imported_modules(path, modules) if m != name and "." in m or m in files}
        graph[name] -= {p for p in graph[name] if name.startswith(p + ".") and files[p].name == "__init__.py"}
    return graph


def test_every_project_module_has_a_layer():
    assert [m for m in import_graph() if layer_of(m) is None and m not in ("core", "db")] == []


def test_imports_only_go_down():
    upward = [
        f"{module} (layer {LAYERS[layer_of(module)]}) imports {target} (layer {LAYERS[layer_of(target)]})"
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(module) is not None
        and layer_of(target) is not None
        and layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_no_import_cycles():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join(stack[stack.index(target) :] + [target]))
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("path", [p for p in project_files() if p.parts[-2] == "core" or "core" in p.parts])
def test_core_knows_nothing_of_streamlit(path):
    assert "streamlit" not in third_party_imports(path)


@pytest.mark.parametrize("path", [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))])
def test_pages_never_import_torch_lime_or_sqlalchemy(path):
    assert not {"torch", "lime", "sqlalchemy", "transformers"} & third_party_imports(path)


def test_pages_folder_holds_pages_only():
    """Shared Streamlit glue lives in ui/, where Streamlit's page list never shows it."""
    pages = {p.stem for p in (ROOT / "pages").glob("*.py")}
    assert pages == {"compare", "record_outcome", "history", "models"} | ({"help"} & pages)
