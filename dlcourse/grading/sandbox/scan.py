"""Static checks of answer cells, before anything runs.

Two kinds of findings, each with a reason for the student:

``tamper``
    The cell changes something the checks rely on or reaches into the interpreter:
    assigning to an attribute of a module (``np.allclose = ...``, ``dlcourse.check.call =
    ...``, ``numpy.testing.assert_allclose = ...``), ``setattr`` on a module, ``builtins`` /
    ``__builtins__``, ``sys.modules`` and other interpreter hooks, function internals
    (``__code__``, ``__globals__``), ``exec`` / ``eval`` / ``compile`` / ``__import__``,
    modules such as ``ctypes``, ``gc``, ``inspect``, ``importlib``, ``threading``,
    ``subprocess``, IPython's own objects (``get_ipython``), or a global that hides a Python
    builtin the check cells use (``float = ...``). The grader does not run such a cell: its
    task scores 0 and the submission is flagged.
``reference``
    The cell uses the course's reference implementation (any ``dlcourse`` module but
    ``dlcourse.check``) where the task asks the student to write it. The cell runs, its
    task's checks score 0. An instructor allows a module for a task in the notebook's
    metadata: ``{"dlcourse": {"allow_imports": {"<grade_id>": ["dlcourse.nn"]}}}``.

Honest answers -- NumPy code, helper functions, ``import math`` -- produce no finding; the
tests run every solution notebook of the course through :func:`scan_cell`.
"""

import ast
import builtins
import dataclasses

from dlcourse.grading.sandbox import ALWAYS_ALLOWED, DENIED_DLCOURSE, ENGINE_MODULES

#: Modules an answer may not import at all (interpreter internals, processes, threads).
DENIED_MODULES = frozenset({
    "builtins", "ctypes", "gc", "inspect", "importlib", "imp", "threading", "_thread",
    "multiprocessing", "concurrent", "subprocess", "signal", "atexit", "socket", "types",
    "marshal", "pickle", "dill", "code", "codeop", "IPython", "ipykernel", "jupyter_client",
    "zmq", "traitlets", "sysconfig", "site", "pty", "resource", "_ctypes", "cffi",
    "__main__", "runpy", "pkgutil", "zipimport", "sitecustomize",
})

#: Attributes of ``sys`` that change the interpreter.
DENIED_SYS = frozenset({
    "modules", "settrace", "setprofile", "_getframe", "addaudithook", "meta_path",
    "path_hooks", "path_importer_cache", "excepthook", "displayhook",
    "setswitchinterval", "monitoring", "_current_frames",
})

#: Attribute names that reach into functions, frames and modules.
DENIED_ATTRS = frozenset({
    "__code__", "__globals__", "__closure__", "__defaults__", "__kwdefaults__",
    "__builtins__", "__subclasses__", "__dict__", "__import__", "__loader__", "__spec__",
    "f_globals", "f_locals", "f_back", "f_builtins", "gi_frame", "cr_frame", "tb_frame",
    "__setattr__", "__delattr__", "__getattribute__",
})

#: Calls that run or compile code from text, or reach IPython.
DENIED_CALLS = frozenset({"exec", "eval", "compile", "__import__", "breakpoint", "vars",
                          "globals"})

#: IPython magics an answer may keep (they become get_ipython().run_line_magic(...)).
HARMLESS_MAGICS = frozenset({"timeit", "time", "matplotlib", "precision", "who", "whos"})

#: Names bound to modules in every grading kernel before the answers run.
DEFAULT_MODULE_NAMES = frozenset({"np", "numpy", "dlcourse", "builtins", "__builtins__", "sys",
                                  "math", "os"})

_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclasses.dataclass
class Finding:
    kind: str       # "tamper" or "reference"
    reason: str     # a sentence for people

    def as_dict(self):
        return dataclasses.asdict(self)


def parse(source):
    """The AST of a cell, IPython syntax (magics, ``!cmd``) turned into Python; None if invalid."""
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # noqa: BLE001 -- not Python: the cell fails when it runs, nothing to scan
        return None


def module_names(trees):
    """Names bound to modules (or to things imported from modules) in the given cells."""
    names = set(DEFAULT_MODULE_NAMES)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    names.add(alias.asname or alias.name)
    changed = True
    while changed:  # aliases: m = np, t = np.testing (not x = np.zeros(3))
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if (isinstance(node, ast.Assign) and _dotted(node.value) is not None
                        and _root(node.value) in names):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id not in names:
                            names.add(target.id)
                            changed = True
    return names


def engine_names(trees):
    """{name: 'dlcourse.<module>'} for names the given (locked) cells bind to the engine.

    ``from dlcourse.conv import MaxPool2d``, ``from dlcourse import nn``, ``import
    dlcourse.optim as optim``: an answer that uses such a name uses the reference
    implementation, as if it had imported it itself.
    """
    out = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                sub = _dlcourse_module(node.module or "")
                for alias in node.names:
                    module = (f"dlcourse.{sub}" if sub else
                              f"dlcourse.{alias.name}" if sub == "" else None)
                    if module is not None and module.split(".")[1] in ENGINE_MODULES:
                        out[alias.asname or alias.name] = module
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    sub = _dlcourse_module(alias.name)
                    if sub in ENGINE_MODULES and alias.asname:
                        out[alias.asname] = f"dlcourse.{sub}"
    return out


def check_names(sources):
    """Builtin names the check cells use (a global of that name in an answer would hide it)."""
    used = set()
    for src in sources:
        tree = parse(src)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in _BUILTIN_NAMES:
                used.add(node.id)
    return used


def _root(node):
    """The leftmost name of ``a.b.c`` / ``a[0].b`` / ``a.b(...)``, or None."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _targets(node):
    if isinstance(node, (ast.Assign,)):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return node.targets
    return []


def _flatten(targets):
    for t in targets:
        if isinstance(t, (ast.Tuple, ast.List)):
            yield from _flatten(t.elts)
        elif isinstance(t, ast.Starred):
            yield from _flatten([t.value])
        else:
            yield t


def _top_level_bindings(tree):
    """(name, line) of globals a cell binds at module level or through ``global``."""
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((node.name, node.lineno))
        for t in _flatten(_targets(node)):
            if isinstance(t, ast.Name):
                out.append((t.id, node.lineno))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                out.append(((alias.asname or alias.name).split(".")[0], node.lineno))
        if isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
            items = [node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else [
                i.optional_vars for i in node.items if i.optional_vars is not None]
            for t in _flatten(items):
                if isinstance(t, ast.Name):
                    out.append((t.id, node.lineno))
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            out.extend((name, node.lineno) for name in node.names)
    return out


def _dlcourse_module(name):
    """'dlcourse.functional' -> 'functional'; 'dlcourse' -> ''; other -> None."""
    if name == "dlcourse":
        return ""
    if name.startswith("dlcourse."):
        return name.split(".")[1]
    return None


def scan_cell(source, *, modules=DEFAULT_MODULE_NAMES, protected=(), allowed=(), engine=None):
    """Findings for one answer cell (or a code cell the student added).

    ``modules``: names bound to modules (:func:`module_names` over the notebook's code);
    ``protected``: builtin names the check cells use (:func:`check_names`);
    ``allowed``: dlcourse modules this task may use (``"dlcourse.nn"``);
    ``engine``: names the locked cells bind to the engine (:func:`engine_names`).
    """
    tree = parse(source)
    if tree is None:
        return []
    allowed = {a.split(".", 1)[1] if a.startswith("dlcourse.") else a for a in allowed}
    allowed |= set(ALWAYS_ALLOWED) | {"set_seed", "default_rng", "__version__"}
    modules = set(modules) | {"__builtins__", "builtins"}
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    found = []

    def tamper(line, what):
        found.append(Finding("tamper", f"line {line}: {what}. Answers may not change the "
                             "environment the checks run in, so this cell was not run."))

    def reference(line, what):
        found.append(Finding("reference", f"line {line}: uses the reference implementation from "
                             f"dlcourse ({what}); this task asks you to write it."))

    dl_names = {"dlcourse"}  # names of the dlcourse package (import dlcourse.check binds it)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                sub = _dlcourse_module(alias.name)
                if alias.name.split(".")[0] in DENIED_MODULES or sub in DENIED_DLCOURSE:
                    tamper(node.lineno, f"imports {alias.name}")
                elif sub:
                    if sub not in allowed:
                        reference(node.lineno, f"import {alias.name}")
                    elif not alias.asname:
                        dl_names.add("dlcourse")
                elif sub == "":
                    dl_names.add(alias.asname or "dlcourse")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            sub = _dlcourse_module(mod)
            if mod.split(".")[0] in DENIED_MODULES or sub in DENIED_DLCOURSE or (
                    sub == "" and any(a.name in DENIED_DLCOURSE for a in node.names)):
                tamper(node.lineno, f"imports from {mod}")
            elif mod == "sys" and any(a.name in DENIED_SYS for a in node.names):
                tamper(node.lineno, "imports interpreter hooks from sys")
            elif sub == "":
                bad = [a.name for a in node.names if a.name not in allowed]
                if bad:
                    reference(node.lineno, f"from dlcourse import {', '.join(bad)}")
            elif sub and sub not in allowed:
                reference(node.lineno, f"from {mod} import {', '.join(a.name for a in node.names)}")

    for node in ast.walk(tree):
        for t in _flatten(_targets(node)):
            if not isinstance(t, (ast.Attribute, ast.Subscript)):
                continue
            if _root(t) in modules or _root(t) is None:
                tamper(node.lineno, f"changes {ast.unparse(t)}, which belongs to a module")
            elif isinstance(t, ast.Attribute) and (t.attr in DENIED_ATTRS or t.attr == "__class__"):
                tamper(node.lineno, f"changes {t.attr}")
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            tamper(node.lineno, "uses __builtins__")
        elif isinstance(node, ast.Attribute):
            if node.attr in DENIED_ATTRS:
                tamper(node.lineno, f"uses {node.attr}")
            elif isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr in DENIED_SYS:
                tamper(node.lineno, f"uses sys.{node.attr}")
            elif (isinstance(node.value, ast.Name) and node.value.id in dl_names
                  and node.attr not in allowed):
                reference(node.lineno, f"dlcourse.{node.attr}")
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name == "get_ipython":
                if not _harmless_magic(node, parents):
                    tamper(node.lineno, "uses IPython's own objects (get_ipython, a shell command "
                           "or a magic)")
            elif name in ("setattr", "delattr"):
                first = node.args[0] if node.args else None
                if first is None or _root(first) in modules or _root(first) is None:
                    tamper(node.lineno, f"calls {name}() on a module")
            elif name in DENIED_CALLS:
                tamper(node.lineno, f"calls {name}()")
            elif isinstance(node.func, ast.Attribute) and node.func.attr in ("__setattr__",
                                                                             "__delattr__"):
                tamper(node.lineno, f"calls {node.func.attr}")
    for name, line in _top_level_bindings(tree):
        if name in protected:
            tamper(line, f"defines a global named '{name}', which hides the Python builtin the "
                   "checks use")
    # a name the locked cells bound to the engine (07's `MaxPool2d`, 05's `data`), read by the
    # answer wherever it is not a local variable of one of its functions
    for node, name in _global_loads(tree, set(engine or ())):
        module = engine[name]
        if module.split(".", 1)[1] not in allowed:
            reference(node.lineno, f"{name}, which the notebook imports from {module}")
    # a bare use of the dlcourse package (x = dlcourse, getattr(dlcourse, ...)) reaches the engine
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id in dl_names and isinstance(node.ctx, ast.Load)
                and not isinstance(parents.get(node), ast.Attribute)):
            reference(node.lineno, "the dlcourse package itself")
    return _unique(found)


def _global_loads(tree, names):
    """(node, name) of every read of one of ``names`` that refers to the global of that name.

    Python's rule: in a function, a name is local when the function assigns it (or takes it
    as an argument) and does not declare it ``global``; comprehensions and lambdas likewise.
    """
    if not names:
        return []
    out = []

    def local_names(fn):
        args = fn.args
        found = {a.arg for a in args.args + args.posonlyargs + args.kwonlyargs}
        found |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        declared = set()
        body = fn.body if isinstance(fn.body, list) else [fn.body]
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Global):
                declared.update(node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
                continue  # its body is another scope
            elif isinstance(node, ast.Lambda):
                continue
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                found.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update((a.asname or a.name).split(".")[0] for a in node.names)
            stack.extend(ast.iter_child_nodes(node))
        return found - declared

    def visit(node, shadowed):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for d in getattr(node, "decorator_list", []) + node.args.defaults + [
                    d for d in node.args.kw_defaults if d is not None]:
                visit(d, shadowed)
            inner = shadowed | local_names(node)
            for child in (node.body if isinstance(node.body, list) else [node.body]):
                visit(child, inner)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            targets = {n.id for g in node.generators for n in ast.walk(g.target)
                       if isinstance(n, ast.Name)}
            inner = shadowed | targets
            for child in ast.iter_child_nodes(node):
                visit(child, inner)
            return
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names
                and node.id not in shadowed):
            out.append((node, node.id))
        for child in ast.iter_child_nodes(node):
            visit(child, shadowed)

    visit(tree, frozenset())
    return out


def _harmless_magic(call, parents):
    """True for get_ipython().run_line_magic('timeit', ...) made from a ``%timeit`` line."""
    attr = parents.get(call)
    outer = parents.get(attr)
    return (isinstance(attr, ast.Attribute) and attr.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(outer, ast.Call) and outer.args
            and isinstance(outer.args[0], ast.Constant) and outer.args[0].value in HARMLESS_MAGICS)


def _unique(findings):
    seen, out = set(), []
    for f in findings:
        if (f.kind, f.reason) not in seen:
            seen.add((f.kind, f.reason))
            out.append(f)
    return out
