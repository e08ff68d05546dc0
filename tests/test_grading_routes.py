"""Students' own cells count, and the reference rule holds whatever the route (issue 12, 2-3).

* Code cells a student adds (a helper function, ``import math``) are graded with the answers,
  in their place and order, and scanned and guarded like answer cells: full marks on 01 and
  07 with them, also when locked cells were moved or deleted.
* An answer that reaches the reference implementation scores 0 on that task, whatever the
  route: a name the locked setup cell imports (07's ``MaxPool2d``), an attribute of an
  imported module (``dlcourse.conv.MaxPool2d``), ``getattr`` (through
  ``type.__subclasses__``, which no static scan follows: the guard catches it at run time),
  ``importlib``, or a cell the student added.
* Every module of the dlcourse package is classified for the scan and the guard.

One temporary course, one batch (``dlcourse.grading.autograde``, two workers).
"""

import copy
import dataclasses
import json
import pkgutil
import shutil
from pathlib import Path

import pytest
from test_grading import fill_in, nbgrader_meta, read_nb, source, write_nb

import dlcourse
from dlcourse.grading import autograde, config, release
from dlcourse.grading.sandbox import (
    ALWAYS_ALLOWED,
    DENIED_DLCOURSE,
    ENGINE_MODULES,
    batch,
    canonical,
    scan,
)

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A1, A7 = "01-perceptron", "07-cnn"
ALL1 = {"test_step", "test_perceptron", "test_and", "test_or", "test_nand", "test_two_layer",
        "test_xor_weights"}
SLOW7 = {"test_build_cnn", "test_cnn"}  # left unattempted by the route cases (no training)
ALL7_FAST = {"test_conv_output_size", "test_conv2d_single", "test_conv2d", "test_max_pool",
             "test_avg_pool", "test_conv_params", "test_im2col", "test_conv2d_im2col"}

HEAVISIDE = "def _heaviside(x):\n    return np.where(x > 0, 1.0, 0.0)\n"
GATES_MATH = ("AND_WEIGHTS = (1.0, 1.0, -math.cos(0.0))\nOR_WEIGHTS = (2.0, 2.0, -1.0)\n"
              "NAND_WEIGHTS = (-2.0, -2.0, 3.0)\n")
WINDOW = "import math\n\n\ndef _window_sum(a, k):\n    return float(np.sum(a * k))\n"
CONV_SINGLE = ("xp = np.pad(x, padding) if padding else x\nkh, kw = k.shape\n"
               "oh = conv_output_size(xp.shape[0], kh, stride)\n"
               "ow = conv_output_size(xp.shape[1], kw, stride)\ny = np.empty((oh, ow))\n"
               "for i in range(oh):\n    for j in range(ow):\n"
               "        y[i, j] = _window_sum(xp[i * stride:i * stride + kh, "
               "j * stride:j * stride + kw], k)\nreturn y\n")
SUBCLASSES = ("sub = getattr(type, '__subcl' + 'asses__')\ntodo = sub(object)\nwhile todo:\n"
              "    c = todo.pop()\n    if c.__name__ == 'MaxPool2d':\n"
              "        return c(k, stride).forward(x)\n    todo += sub(c)\n")


def added(src, n):
    return {"cell_type": "code", "id": f"student-{n}", "metadata": {}, "execution_count": None,
            "outputs": [], "source": src}


def at(nb, gid):
    return next(i for i, c in enumerate(nb["cells"]) if nbgrader_meta(c).get("grade_id") == gid)


@dataclasses.dataclass
class Case:
    student: str
    assignment: str
    regions: dict                  # grade_id -> code replacing the solution region
    cells: list                    # [(grade_id the cell goes before, source)]
    lose: set                      # check cells that must score 0
    says: str = ""                 # fragment of the recorded reason ("" : full marks case)
    change: object = None          # (nb) -> None, after the cells are in
    stubs: set = dataclasses.field(default_factory=set)  # answers left as released


def _move_and_delete(nb):
    test_and = nb["cells"].pop(at(nb, "test_and"))
    nb["cells"].append(test_and)                 # a check cell moved to the end
    del nb["cells"][at(nb, "test_step")]         # a check cell deleted


CASES = [
    Case("a01_helper", A1, {"step": "return _heaviside(x)"},
         [("step", HEAVISIDE), ("gate_weights", "import math\n")], set(), ""),
    Case("a01_moved", A1, {"step": "return _heaviside(x)"},
         [("step", HEAVISIDE), ("gate_weights", "import math\n")], set(), "",
         change=_move_and_delete),
    Case("a07_helper", A7, {"conv_output_size": "return math.floor((size + 2 * padding - "
                                                "kernel_size) / stride) + 1",
                            "conv2d_single": CONV_SINGLE},
         [("conv_output_size", WINDOW)], set(), ""),
    Case("r07_setup_name", A7, {"max_pool2d": "return MaxPool2d(k, stride).forward(x)"}, [],
         {"test_max_pool"}, "MaxPool2d, which the notebook imports from dlcourse.conv",
         stubs={"build_cnn", "train_cnn"}),
    Case("r07_module_attr", A7, {"max_pool2d": "return dlcourse.conv.MaxPool2d(k, stride)"
                                               ".forward(x)"}, [],
         {"test_max_pool"}, "dlcourse.conv", stubs={"build_cnn", "train_cnn"}),
    Case("r07_getattr", A7, {"max_pool2d": SUBCLASSES}, [], {"test_max_pool"},
         "uses the reference implementation from dlcourse (dlcourse.conv)",
         stubs={"build_cnn", "train_cnn"}),
    Case("r07_importlib", A7, {"max_pool2d": "import importlib\nreturn importlib.import_module("
                                             "'dlcourse.conv').MaxPool2d(k, stride).forward(x)"},
         [], {"test_max_pool"}, "imports importlib", stubs={"build_cnn", "train_cnn"}),
    Case("r07_added_cell", A7, {"max_pool2d": "return _Pool(k, stride).forward(x)"},
         [("max_pool2d", "from dlcourse.conv import MaxPool2d as _Pool\n")], {"test_max_pool"},
         "a cell you added", stubs={"build_cnn", "train_cnn"}),
]


def make(case, root):
    rel = read_nb(root / "exercises" / case.assignment / f"{case.assignment}.ipynb")
    sol = read_nb(root / "solutions" / case.assignment / f"{case.assignment}.ipynb")
    nb = fill_in(rel, sol, case.regions)
    for gid in case.stubs:
        nb["cells"][at(nb, gid)]["source"] = source(rel["cells"][at(rel, gid)])
    for n, (gid, src) in enumerate(case.cells):
        nb["cells"].insert(at(nb, gid), added(src, n))
    if case.change:
        case.change(nb)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("routes") / "course"
    root.mkdir()
    shutil.copy2(REPO / config.CONFIG_FILE, root / config.CONFIG_FILE)
    with open(root / config.CONFIG_FILE, "a", encoding="utf-8") as f:
        f.write("\nc.DlCourse.sandbox_uid_base = 64700\n")
    for a in (A1, A7):
        for folder in ("solutions", "exercises"):
            shutil.copytree(REPO / folder / a, root / folder / a)
        release.release(root, a)
    for case in CASES:
        write_nb(make(case, root), root / "submitted" / case.student / case.assignment
                 / f"{case.assignment}.ipynb")
    grades = {}
    for a in (A1, A7):
        for g in autograde.autograde(root, a, jobs=2):
            grades[g.student] = g
    return root, grades


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.student)
def test_grade(graded, case):
    root, grades = graded
    g = grades[case.student]
    assert not g.error, g.error
    lost = set(g.lost) - (SLOW7 if case.stubs else set())
    assert lost == case.lose, (g.lost, g.flags)
    reasons = " ".join([f["reason"] for f in g.flags] + list(g.zeroed.values()))
    if case.lose:
        assert case.says in reasons or case.says in json.dumps(read_nb(
            root / "autograded" / case.student / case.assignment / f"{case.assignment}.ipynb")), \
            reasons
        assert g.needs_review, "a reference use is flagged for the instructor"
    kept = (ALL1 if case.assignment == A1 else ALL7_FAST) - case.lose
    assert not kept & set(g.lost)


def test_added_cells_are_graded_in_place(graded):
    root, _ = graded
    nb = read_nb(root / "autograded" / "a01_helper" / A1 / f"{A1}.ipynb")
    cells = nb["cells"]
    i = next(i for i, c in enumerate(cells) if source(c) == HEAVISIDE)
    assert nbgrader_meta(cells[i + 1]).get("grade_id") == "step", "right above its answer"
    assert not [o for o in cells[i]["outputs"] if o["output_type"] == "error"]
    j = next(i for i, c in enumerate(cells) if source(c) == "import math\n")
    assert nbgrader_meta(cells[j + 1]).get("grade_id") == "gate_weights"


def test_moved_and_deleted_locked_cells_are_still_handled(graded):
    _, grades = graded
    codes = {f["code"] for f in grades["a01_moved"].flags}
    assert {"check_cell_deleted", "cells_reordered", "cells_added"} <= codes
    assert "test_step" not in grades["a01_moved"].lost  # restored from the release and graded


# ---------------------------------------------------------------- without running anything

def test_every_dlcourse_module_is_classified():
    """The scan and the guard share one classification; a new engine module must join it."""
    lists = {"engine": set(ENGINE_MODULES), "allowed": set(ALWAYS_ALLOWED),
             "grader": set(DENIED_DLCOURSE)}
    for a, b in [("engine", "allowed"), ("engine", "grader"), ("allowed", "grader")]:
        assert not lists[a] & lists[b], (a, b)
    names = {m.name for m in pkgutil.iter_modules(dlcourse.__path__)}
    assert names, "the package's modules are listed"
    missing = names - set().union(*lists.values())
    assert not missing, f"classify these in dlcourse/grading/sandbox/__init__.py: {missing}"


def test_scan_catches_each_route():
    setup = scan.parse("import numpy as np\nimport dlcourse.check\nfrom dlcourse import data, nn, "
                       "optim\nfrom dlcourse.conv import Conv2d, Flatten, MaxPool2d\n")
    mods = scan.module_names([setup])
    engine = scan.engine_names([setup])
    assert engine["MaxPool2d"] == "dlcourse.conv" and engine["nn"] == "dlcourse.nn"
    routes = {
        "def f(x, k):\n    return MaxPool2d(k).forward(x)": "reference",
        "def f(x, k):\n    return nn.Sequential([MaxPool2d(k)]).forward(x)": "reference",
        "def f(x, k):\n    return dlcourse.conv.MaxPool2d(k).forward(x)": "reference",
        "def f(x, k):\n    return getattr(dlcourse, 'conv').MaxPool2d(k).forward(x)": "reference",
        "def f(x, k):\n    return getattr(nn, 'Seq' + 'uential')": "reference",
        "P = MaxPool2d": "reference",
        "import importlib\nP = importlib.import_module('dlcourse.conv')": "tamper",
        "def f():\n    return globals()['MaxPool2d']": "tamper",
        "from dlcourse.grading.sandbox import guard": "tamper",
        "import __main__": "tamper",
    }
    for code, kind in routes.items():
        found = scan.scan_cell(code, modules=mods, engine=engine)
        assert found and found[0].kind == kind, (code, found)
    honest = [
        "def f(x, nn):\n    return nn * 2",                     # a parameter named nn
        "def f(x):\n    MaxPool2d = 3\n    return x + MaxPool2d",  # a local of that name
        "def g(xs):\n    return [data for data in xs]",          # a comprehension variable
        "import math\nx = math.floor(2.5)",
    ]
    for code in honest:
        assert scan.scan_cell(code, modules=mods, engine=engine) == [], code
    assert scan.scan_cell("def f(k):\n    return MaxPool2d(k)", modules=mods, engine=engine,
                          allowed=["dlcourse.conv"]) == []


def test_canonical_rebuild_keeps_added_cells_in_place():
    rel = read_nb(REPO / "exercises" / A1 / f"{A1}.ipynb")
    sol = read_nb(REPO / "solutions" / A1 / f"{A1}.ipynb")
    import nbformat

    rel = json.loads(json.dumps(nbformat.from_dict(rel)))
    for cell in rel["cells"]:
        cell["source"] = source(cell)
    sub = fill_in(rel, sol)
    sub["cells"].insert(0, added("import math\n", 0))
    sub["cells"].insert(at(sub, "two_layer"), added("A = 1\n", 1))
    sub["cells"].insert(at(sub, "two_layer"), added("B = 2\n", 2))
    sub["cells"].insert(at(sub, "two_layer"), added("   \n", 3))  # empty: dropped
    nb, flags = canonical.canonicalise(rel, copy.deepcopy(sub))
    srcs = [source(c) for c in nb["cells"]]
    assert srcs[0] == "import math\n"
    k = at(nb, "two_layer")
    assert srcs[k - 2: k] == ["A = 1\n", "B = 2\n"]
    assert sum(canonical.is_added(c) for c in nb["cells"]) == 3
    assert [f.code for f in flags] == ["cells_added"] and not flags[0].eye
    owner = batch.owners(nb)
    assert owner[k - 1] == k and owner[k - 2] == k      # helpers count for the answer below
    assert owner[0] == at(nb, "step")                   # above everything: the first answer
