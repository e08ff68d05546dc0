"""The engine's modules import in one direction: the graph of their imports has no cycle.

Every ``import`` statement counts, at module level or inside a function (a lazy import is still
a dependency). Names kept for older notebooks (``conv.lenet5``, ``nn.Conv2d``) are not imports:
each module lists them in ``_ALIASES`` and resolves them in its ``__getattr__`` on first use;
the tests below check that this is the only other way a module reaches another.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dlcourse"
# Not engine: the assignment checks and instructor tools sit above it, as do the explorers.
HIGHER = {"check", "course", "sandbox", "grading", "widgets"}
ENGINE = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in HIGHER | {"__init__"})


def _imports(module):
    """The dlcourse modules that ``dlcourse/<module>.py`` imports, anywhere in the file."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("dlcourse.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dlcourse":
                found |= {a.name for a in node.names if (PACKAGE / f"{a.name}.py").exists()
                          or (PACKAGE / a.name).is_dir()}
            elif node.module.startswith("dlcourse."):
                found.add(node.module.split(".")[1])
    return found - {module}


def _cycle(graph):
    """One cycle of ``graph`` (a list of modules, first == last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_engine_import_graph_is_acyclic():
    graph = {m: _imports(m) for m in ENGINE}
    assert graph["conv"] >= {"nn"} and graph["models"] >= {"nn", "conv"}  # the reader sees real edges
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"


def test_no_engine_module_imports_a_higher_one():
    for module in ENGINE:
        assert not _imports(module) & HIGHER, f"dlcourse.{module} imports {_imports(module) & HIGHER}"


def test_aliases_are_the_only_lookups_and_resolve_to_the_same_objects():
    import importlib

    for module in ENGINE:
        tree = ast.parse((PACKAGE / f"{module}.py").read_text())
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and ast.unparse(n.func) == "importlib.import_module"]
        for call in calls:
            assert ast.unparse(call.args[0]) == "_ALIASES[name]", (module, ast.unparse(call))
        mod = importlib.import_module(f"dlcourse.{module}")
        for name, target in getattr(mod, "_ALIASES", {}).items():
            assert getattr(mod, name) is getattr(importlib.import_module(target), name)
    from dlcourse import conv, models, nn
    assert conv.lenet5 is models.lenet5 and nn.Conv2d is conv.Conv2d


@pytest.mark.parametrize("module", ENGINE)
def test_each_engine_module_imports_on_its_own(module):
    result = subprocess.run([sys.executable, "-c", f"import dlcourse.{module}"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
