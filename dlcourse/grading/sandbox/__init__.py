"""Safe autograding: one student's loop, crash or cheat cannot stop the batch or earn points.

``dlcourse.grading.autograde`` (``dlcourse.course.autograde``) grades through this package:

================  ========================================================================
``canonical``     rebuild each submission from the released notebook, copying in only the
                  student's answer cells (matched by grade_id); record what was off as flags
``scan``          static checks of answer cells: changing NumPy / builtins / the checks,
                  interpreter internals, importing the reference implementation
``worker``        runs one submission in its own process and temporary folder, restarting
                  the kernel without the cell that killed or hung it
``launch``        the grading kernel's launcher: memory / CPU / file-size limits, an
                  unprivileged user when grading as root, an empty working folder
``guard``         IPython extension loaded in the grading kernel before any student code:
                  output cap, file-access policy, snapshot and restore of NumPy, builtins
                  and ``dlcourse.check`` after every cell, ``exit()`` detection
``batch``         the instructor's side: prepares the jobs, runs them in parallel, decides
                  which checks score 0 and why, records everything in the gradebook
================  ========================================================================

INSTRUCTORS.md ("Grading safely") explains the design for instructors.
"""

# Every module of the dlcourse package is in exactly one of the three lists below
# (tests/test_grading_routes.py checks it); the scan and the guard both read them.

#: The reference implementation: an answer that uses one of these (however it reaches it)
#: uses the course's own solution, unless the notebook's metadata allows it for that task.
ENGINE_MODULES = ("functional", "nn", "losses", "optim", "init", "gradcheck", "conv",
                  "training", "regularizers", "data", "widgets", "models", "composite",
                  "_validate", "i18n", "locale")

#: dlcourse modules an answer may always use (the checks; seeding; the figures' palette).
ALWAYS_ALLOWED = ("check", "_rng", "plotting")

#: dlcourse modules an answer may never touch (the grader itself, and the tool that writes the
#: catalogs and the Korean twins from solutions/): importing one is tampering.
DENIED_DLCOURSE = ("grading", "course", "i18n_catalogs")

#: Mime type of the reports the guard adds to a cell's outputs (removed before recording).
REPORT_MIME = "application/vnd.dlcourse.guard+json"


def engine_files(modules, package_dir):
    """{source file: 'dlcourse.<module>'} of the given engine modules (packages: every file)."""
    import os

    out = {}
    for name in modules:
        single = os.path.join(package_dir, name + ".py")
        if os.path.isfile(single):
            out[os.path.realpath(single)] = f"dlcourse.{name}"
        folder = os.path.join(package_dir, name)
        if os.path.isdir(folder):
            for base, _dirs, files in os.walk(folder):
                for f in files:
                    if f.endswith(".py"):
                        out[os.path.realpath(os.path.join(base, f))] = f"dlcourse.{name}"
    return out


def engine_dependencies(package_dir):
    """{module: {engine modules it imports}}, read from the sources (no import)."""
    import ast

    deps = {}
    for name in ENGINE_MODULES:
        deps[name] = set()
        for path in engine_files([name], package_dir):
            try:
                with open(path, encoding="utf-8") as f:
                    tree = ast.parse(f.read())
            except (OSError, SyntaxError):
                continue
            for node in ast.walk(tree):
                mods = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    if node.module == "dlcourse":
                        mods = [a.name for a in node.names]
                    elif node.module.startswith("dlcourse."):
                        mods = [node.module.split(".")[1]]
                elif isinstance(node, ast.Import):
                    mods = [a.name.split(".")[1] for a in node.names
                            if a.name.startswith("dlcourse.")]
                deps[name] |= {m for m in mods if m in ENGINE_MODULES and m != name}
    return deps


def with_dependencies(allowed, package_dir):
    """``allowed`` (``'dlcourse.nn'`` or ``'nn'``) and every engine module they build on.

    Allowing ``dlcourse.nn`` for a task allows what ``nn`` itself uses (``nn.Sequential.fit``
    lives in ``training``): the task may call the library, not only import it.
    """
    deps = engine_dependencies(package_dir)
    todo = [a.split(".", 1)[1] if a.startswith("dlcourse.") else a for a in allowed]
    seen = set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += sorted(deps.get(m, ()))
    return sorted(f"dlcourse.{m}" for m in seen)
