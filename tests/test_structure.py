"""The code's budgets (docs/architecture.md): modules of at most 500 lines, functions of at
most 80, and no import circle among the package's modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "softstake_model"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 500, 80


def _name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Package modules ``path`` imports, at module level or inside a function."""
    tree = ast.parse(path.read_text())
    me = _name(path)
    pkg = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("softstake_model"):
                out.add(mod)
                out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("softstake_model"))
    known = {_name(p) for p in MODULES}
    return {m for m in out if m in known and m != me}


def _length(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function, its docstring left out (numpydoc documents every parameter)."""
    lines = fn.end_lineno - fn.lineno + 1
    first = fn.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_and_function_budgets(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, \
        f"{path.name} is over {MAX_MODULE_LINES} lines"
    long = [f"{n.name} ({_length(n)} lines)" for n in ast.walk(ast.parse(text))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and _length(n) > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_no_import_circle():
    graph = {_name(p): _imports(p) for p in MODULES}
    # a package's __init__ importing its own submodules is how a package exports: not a circle

    def edges(m):
        return {d for d in graph.get(m, ())
                if not m.startswith(d + ".") and not d.startswith(m + ".")}
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(edges(m)):
            visit(d)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, f"import circles: {cycles[:3]}"
