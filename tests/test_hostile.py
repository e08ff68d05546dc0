"""Hostile submissions: one student's loop, crash or cheat never stops the batch or earns points.

One temporary copy of the course (in a world-readable temporary folder, so that only the
grader's own protections stand between a kernel and the course) gets one submission per case
below, all graded in ONE batch by ``dlcourse.grading.autograde`` (the ``dlcourse-course
autograde`` command), two at a time, with a 3-second cell limit. Each submission is
assignment 01-perceptron's solution with one thing made hostile. The tests then check, per
student: a grade is recorded; the affected checks score 0; the unaffected ones keep their
points; a reason is recorded (in the flags / the zeroed checks, the gradebook and the
feedback); other students are untouched; grading again gives the same grades.

The 01 checks: test_step (2 points), test_perceptron (2), test_and, test_or, test_nand (1
each), test_two_layer (2), test_xor_weights (1).
"""

import copy
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from test_grading import fill_in, html_text, read_nb, source

import dlcourse
from dlcourse import course
from dlcourse.grading.sandbox import batch, canonical, scan

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A = "01-perceptron"
LIMIT = 3  # seconds per cell
ALL = {"test_step", "test_perceptron", "test_and", "test_or", "test_nand", "test_two_layer",
       "test_xor_weights"}
GATES = {"test_and", "test_or", "test_nand"}
GOOD_GATES = ("AND_WEIGHTS = (1.0, 1.0, -1.0)\nOR_WEIGHTS = (2.0, 2.0, -1.0)\n"
              "NAND_WEIGHTS = (-2.0, -2.0, 3.0)\n")
BAD_GATES = "AND_WEIGHTS = (0.0, 0.0, 0.0)\nOR_WEIGHTS = (0.0, 0.0, 0.0)\nNAND_WEIGHTS = (0.0, 0.0, 0.0)\n"
GOOD_XOR = ("XOR_W1 = [[-2.0, 2.0], [-2.0, 2.0]]\nXOR_b1 = [3.0, -1.0]\nXOR_W2 = [1.0, 1.0]\n"
            "XOR_b2 = -1.0\n")
BAD_XOR = "XOR_W1 = [[0.0, 0.0], [0.0, 0.0]]\nXOR_b1 = [0.0, 0.0]\nXOR_W2 = [0.0, 0.0]\nXOR_b2 = 0.0\n"
GOOD_STEP = "def step(x):\n    return np.where(x > 0, 1.0, 0.0)\n"
BAD_STEP = "def step(x):\n    return (x >= 0).astype(float)\n"  # loses test_step, perceptron, two_layer
GOOD_TWO_LAYER = ("def two_layer(X, W1, b1, W2, b2):\n    H = step(X @ W1 + b1)\n"
                  "    return step(H @ W2 + b2)\n")
KB_LOOP = ("import time\nwhile True:\n    try:\n        time.sleep(10)\n"
           "    except KeyboardInterrupt:\n        pass\n")


@dataclasses.dataclass
class Case:
    student: str
    make: object            # (ctx) -> {file name: bytes}; ctx has .rel, .sol, .root
    zero: set               # check cells that must score 0
    keep: set               # check cells that must keep their points
    says: str               # fragment of the recorded reason
    review: bool = True     # listed under "needs the instructor's eye"


def nb_bytes(nb):
    return json.dumps(nb, indent=1).encode()


def answer(ctx, cells=None, regions=None, written=True):
    """The solution, with whole answer cells (``cells``) or solution regions replaced."""
    nb = fill_in(ctx.rel, ctx.sol, regions or {}, written=written)
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in (cells or {}):
            cell["source"] = cells[gid]
    return nb


def notebook(**kw):
    return lambda ctx: {f"{A}.ipynb": nb_bytes(answer(ctx, **kw))}


def edited(change, **kw):
    def make(ctx):
        nb = answer(ctx, **kw)
        change(nb, ctx)
        return {f"{A}.ipynb": nb_bytes(nb)}
    return make


def cell_of(nb, gid):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)


def _edit_check(nb, ctx):
    cell_of(nb, "test_step")["source"] = "# the student emptied this check\npass\n"


def _delete_check(nb, ctx):
    nb["cells"] = [c for c in nb["cells"] if c is not cell_of(nb, "test_step")]


def _reorder(nb, ctx):
    nb["cells"] = nb["cells"][::-1]


def _metadata_changed(nb, ctx):
    cell_of(nb, "test_step")["metadata"]["nbgrader"].update(
        {"grade": False, "solution": True, "locked": False, "points": 0})


def _metadata_removed(nb, ctx):
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)


def _duplicate_ids(nb, ctx):
    extra = copy.deepcopy(cell_of(nb, "step"))
    extra["source"] = BAD_STEP
    nb["cells"].insert(len(nb["cells"]) - 1, extra)
    for cell in nb["cells"]:
        cell["id"] = "same-id"


def _old_format(ctx):
    import nbformat

    nb = nbformat.from_dict(answer(ctx))
    return {f"{A}.ipynb": nbformat.writes(nbformat.convert(nb, 3)).encode()}


def _extra_files(ctx):
    return {f"{A}.ipynb": nb_bytes(answer(ctx)), "helper.py": b"print('hi')\n",
            "data/weights.npy": os.urandom(1000)}


def _write_course(ctx):
    pkg = Path(dlcourse.__file__).parent / "hacked_by_student.py"
    code = (GOOD_GATES + f"try:\n    open({str(pkg)!r}, 'w').write('x')\nexcept OSError:\n    pass\n"
            f"open({str(ctx.root / 'hacked.txt')!r}, 'w').write('x')\n")
    return {f"{A}.ipynb": nb_bytes(answer(ctx, cells={"gate_weights": code}))}


def _read_others(ctx):
    other = ctx.root / "submitted" / "h_good" / A / f"{A}.ipynb"
    code = (GOOD_GATES + "import os\n"
            f"try:\n    _stolen = open({str(other)!r}).read()\nexcept OSError:\n    _stolen = None\n"
            f"try:\n    _listing = os.listdir({str(ctx.root / 'submitted')!r})\n"
            "except OSError:\n    _listing = None\n")
    return {f"{A}.ipynb": nb_bytes(answer(ctx, cells={"gate_weights": code}))}


NOT_GATES = ALL - GATES
CASES = [
    Case("h_good", notebook(), set(), ALL, "", review=False),
    Case("h_whoami", notebook(cells={"gate_weights": GOOD_GATES + "import os\nprint('uid', os.getuid())\n"}),
         set(), ALL, "", review=False),
    # loops
    Case("h_infinite_loop", notebook(cells={"gate_weights": "while True:\n    pass\n" + GOOD_GATES}),
         GATES, NOT_GATES, "time limit"),
    Case("h_slow_loop", notebook(cells={"xor_weights": "total = 0\nfor i in range(10**12):\n"
                                        "    total += i\n" + GOOD_XOR}),
         {"test_xor_weights"}, ALL - {"test_xor_weights"}, "time limit"),
    Case("h_keyboard_loop", notebook(cells={"gate_weights": KB_LOOP + GOOD_GATES}),
         GATES, NOT_GATES, "did not stop at the time limit"),
    # exits
    Case("h_sys_exit", notebook(cells={"step": GOOD_STEP + "import sys\nsys.exit()\n"}),
         {"test_step"}, ALL - {"test_step"}, "sys.exit()"),
    Case("h_raise_systemexit", notebook(cells={"xor_weights": GOOD_XOR + "raise SystemExit(2)\n"}),
         {"test_xor_weights"}, ALL - {"test_xor_weights"}, "SystemExit"),
    Case("h_os_exit", notebook(cells={"gate_weights": "import os\nos._exit(1)\n" + GOOD_GATES}),
         GATES, NOT_GATES, "exit status 1"),
    Case("h_exit", notebook(cells={"two_layer": GOOD_TWO_LAYER + "exit()\n"}),
         {"test_two_layer"}, ALL - {"test_two_layer"}, "exit() or quit()"),
    # crashes and resources
    Case("h_segfault", notebook(cells={"gate_weights": "import faulthandler\nfaulthandler._sigsegv()\n"
                                       + GOOD_GATES}),
         GATES, NOT_GATES, "segmentation fault"),
    Case("h_ctypes_segfault", notebook(cells={"gate_weights": "import ctypes\nctypes.string_at(0)\n"
                                              + GOOD_GATES}),
         GATES, NOT_GATES, "imports ctypes"),
    Case("h_memory_bomb", notebook(cells={"gate_weights": "_hog = []\nwhile True:\n"
                                          "    _hog.append(bytearray(50 * 2**20))\n" + GOOD_GATES}),
         GATES, NOT_GATES, "memory"),
    Case("h_huge_output", notebook(cells={"gate_weights": GOOD_GATES + "print('spam' * 75_000_000)\n"}),
         GATES, NOT_GATES, "kB a cell may print"),
    # the notebook's structure
    Case("h_check_edited", edited(_edit_check, cells={"step": BAD_STEP}),
         {"test_step"}, GATES, "check cell 'test_step' was edited"),
    Case("h_check_deleted", edited(_delete_check, cells={"step": BAD_STEP}),
         {"test_step"}, GATES, "check cell 'test_step' was deleted"),
    Case("h_reordered", edited(_reorder), set(), ALL, "cells were moved"),
    Case("h_metadata_changed", edited(_metadata_changed, cells={"step": BAD_STEP}),
         {"test_step"}, GATES, "metadata of the cell 'test_step' was changed"),
    Case("h_metadata_removed", edited(_metadata_removed), set(), ALL, "lost its nbgrader metadata"),
    Case("h_duplicate_ids", edited(_duplicate_ids), set(), ALL, "cell ids appear more than once"),
    # files
    Case("h_not_json", lambda ctx: {f"{A}.ipynb": b'{"cells": [oops'}, ALL, set(), "not valid JSON"),
    Case("h_old_format", _old_format, set(), ALL, "old notebook format 3", review=False),
    Case("h_empty_file", lambda ctx: {f"{A}.ipynb": b""}, ALL, set(), "empty file"),
    Case("h_missing_notebook", lambda ctx: {"my-notes.txt": b"I forgot"}, ALL, set(), "was not submitted"),
    Case("h_extra_files", _extra_files, set(), ALL, "besides the notebook"),
    # replacing what the checks use
    Case("h_numpy_allclose",
         notebook(cells={"gate_weights": BAD_GATES + "np.allclose = lambda *a, **k: True\n"}),
         GATES, NOT_GATES, "np.allclose"),
    Case("h_numpy_testing", notebook(cells={"xor_weights": BAD_XOR + "import numpy.testing\n"
                                            "numpy.testing.assert_allclose = lambda *a, **k: None\n"}),
         {"test_xor_weights"}, ALL - {"test_xor_weights"}, "numpy.testing.assert_allclose"),
    Case("h_check_helpers", notebook(cells={"gate_weights": BAD_GATES + "import dlcourse.check\n"
                                            "dlcourse.check.check_array = lambda *a, **k: None\n"}),
         GATES, NOT_GATES, "dlcourse.check.check_array"),
    Case("h_builtins", notebook(cells={"step": BAD_STEP + "import builtins\n"
                                       "builtins.isinstance = lambda *a: True\nfloat = int\n"}),
         {"test_step"}, GATES, "builtins"),
    Case("h_runtime_tamper", notebook(cells={"gate_weights": BAD_GATES + "_m = [dlcourse.check]\n"
                                             "_m[0].check_array = lambda *a, **k: None\n"
                                             "_m[0].check_numbers = lambda got, **k: np.zeros(3)\n",
                                             "xor_weights": BAD_XOR}),
         GATES | {"test_xor_weights"}, {"test_step", "test_perceptron", "test_two_layer"},
         "dlcourse.check.check_array"),
    Case("h_reference", notebook(regions={"step": "from dlcourse.functional import step as _ref\n"
                                                  "return _ref(x)"}),
         {"test_step"}, ALL - {"test_step"}, "reference implementation"),
    # the file system
    Case("h_writes_course", _write_course, GATES, NOT_GATES, "hacked.txt"),
    Case("h_reads_others", _read_others, GATES, NOT_GATES, "submitted"),
]
BY_STUDENT = {c.student: c for c in CASES}
# cases where the instructor's restored check itself fails the wrong answer (no grader verdict)
NATURAL = {"h_check_edited", "h_check_deleted", "h_metadata_changed"}


@dataclasses.dataclass
class Ctx:
    root: Path
    rel: dict
    sol: dict


@dataclasses.dataclass
class Graded:
    root: Path
    grades: dict
    summary: str
    batch: course.Batch


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    os.environ["DLCOURSE_CELL_TIMEOUT"] = str(LIMIT)
    # A world-readable folder: the kernel's user could reach the course if the grader let it.
    base = Path(tempfile.mkdtemp(prefix="dlcourse-hostile-"))
    os.chmod(base, 0o755)
    root = base / "course"
    root.mkdir()
    shutil.copy2(REPO / course.CONFIG_FILE, root / course.CONFIG_FILE)
    with open(root / course.CONFIG_FILE, "a", encoding="utf-8") as f:
        # sandbox users of their own, apart from any other grading run on this machine
        f.write("\nc.DlCourse.sandbox_uid_base = 64800\n")
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / A, root / folder / A)
    course.release(root, A)
    ctx = Ctx(root, read_nb(root / "exercises" / A / f"{A}.ipynb"),
              read_nb(root / "solutions" / A / f"{A}.ipynb"))
    for case in CASES:
        folder = root / "submitted" / case.student / A
        for name, data in case.make(ctx).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    grades = {g.student: g for g in course.autograde(root, A, jobs=2)}
    summary = course.format_summary(list(grades.values()))
    print(f"\n[hostile] {summary.splitlines()[-1]}")
    yield Graded(root, grades, summary, course.last_batch)
    os.environ.pop("DLCOURSE_CELL_TIMEOUT", None)
    shutil.rmtree(base, ignore_errors=True)


def reasons(grade):
    return " ".join([f["reason"] for f in grade.flags] + list(grade.zeroed.values()))


def recorded(root, student):
    api = course.open_api(root)
    return course._read_grade(api, A, student)


# ---------------------------------------------------------------- every case

def test_the_batch_completes(hostile):
    assert set(hostile.grades) == set(BY_STUDENT)
    assert not [g.student for g in hostile.grades.values() if g.error]
    assert "Needs the instructor's eye" in hostile.summary and "per minute" in hostile.summary


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.student)
def test_case_is_graded_with_a_reason(hostile, case):
    grade = hostile.grades[case.student]
    stored = recorded(hostile.root, case.student)
    assert stored.max_score == 10, "a grade is recorded in the gradebook"
    assert (stored.score, sorted(stored.lost)) == (grade.score, sorted(grade.lost))
    assert case.zero <= set(grade.lost), f"should score 0: {case.zero - set(grade.lost)}"
    assert not case.keep & set(grade.lost), f"should keep their points: {case.keep & set(grade.lost)}"
    assert case.says.lower() in reasons(grade).lower(), reasons(grade)
    assert grade.needs_review == case.review, grade.flags
    if case.zero and case.student not in NATURAL:
        assert case.zero & set(grade.zeroed), "the zeroed checks carry the reason"


@pytest.mark.parametrize("case", [c for c in CASES if c.review], ids=lambda c: c.student)
def test_summary_names_who_needs_the_instructors_eye(hostile, case):
    eye = hostile.summary.split("Needs the instructor's eye", 1)[1]
    assert f"  {case.student}:" in eye


def test_graded_notebook_tells_the_student(hostile):
    """The reasons reach the student: a note at the top and the zeroed checks' messages."""
    for student in ("h_os_exit", "h_reference", "h_numpy_allclose", "h_not_json", "h_check_deleted"):
        nb = read_nb(hostile.root / "autograded" / student / A / f"{A}.ipynb")
        assert source(nb["cells"][0]).startswith("### Notes from the grader")
        report = json.loads((hostile.root / "autograded" / student / A / batch.REPORT_FILE)
                            .read_text())
        assert report["needs_review"] and report["flags"]
    paths = course.feedback(hostile.root, A, "h_reference")
    text = " ".join(html_text(p) for p in paths)
    assert "Notes from the grader" in text
    assert "uses the reference implementation from dlcourse" in text
    assert "GradedZero: this check scores 0" in text


def test_reasons_are_in_the_gradebook(hostile):
    from nbgrader.api import Gradebook

    api = course.open_api(hostile.root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        comment = gb.find_comment("step", A, A, "h_reference")
        assert "reference implementation" in (comment.auto_comment or "")
        assert gb.find_submission_notebook(A, A, "h_os_exit").flagged
        assert not gb.find_submission_notebook(A, A, "h_good").flagged


def test_huge_output_is_capped(hostile):
    path = hostile.root / "autograded" / "h_huge_output" / A / f"{A}.ipynb"
    assert path.stat().st_size < 2_000_000
    assert hostile.root.joinpath("gradebook.db").stat().st_size < 5_000_000


def test_nothing_was_written_into_the_course(hostile):
    assert not (hostile.root / "hacked.txt").exists()
    assert not (Path(dlcourse.__file__).parent / "hacked_by_student.py").exists()


def test_reading_another_submission_was_refused(hostile):
    nb = read_nb(hostile.root / "autograded" / "h_reads_others" / A / f"{A}.ipynb")
    text = json.dumps(nb)
    assert "OK: AND_WEIGHTS" not in text  # the gates were zeroed
    assert "refused" in reasons(hostile.grades["h_reads_others"])


@pytest.mark.skipif(os.geteuid() != 0, reason="separate sandbox users need root")
def test_kernels_run_as_an_unprivileged_user_without_access(hostile):
    assert hostile.batch.sandboxed
    nb = read_nb(hostile.root / "autograded" / "h_whoami" / A / f"{A}.ipynb")
    out = "".join(source(o) if "source" in o else "".join(o.get("text", ""))
                  for o in cell_of(nb, "gate_weights")["outputs"])
    uid = int(out.split("uid", 1)[1].split()[0])
    assert uid >= 64500
    # the operating system (not only the guard) refuses: others have no access to private folders
    for name in ("submitted", "autograded", "solutions", "gradebook.db"):
        assert os.stat(hostile.root / name).st_mode & 0o007 == 0, name
    target = hostile.root / "submitted" / "h_good" / A / f"{A}.ipynb"
    probe = ("import sys\ntry:\n    open(sys.argv[1]).read()\nexcept PermissionError:\n"
             "    pass\nelse:\n    sys.exit('read it')\ntry:\n    open(sys.argv[2], 'w')\n"
             "except PermissionError:\n    sys.exit(0)\nsys.exit('wrote it')\n")

    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    r = subprocess.run(["/usr/bin/python3", "-c", probe, str(target), str(hostile.root / "x.txt")],
                       preexec_fn=drop, capture_output=True, text=True, timeout=60, cwd="/")
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- idempotence and isolation

def test_regrading_is_idempotent_and_touches_no_one_else(hostile):
    students = sorted(hostile.grades)
    before = {s: recorded(hostile.root, s) for s in students}
    again = ["h_os_exit", "h_good", "h_reordered", "h_not_json"]
    out = course.autograde(hostile.root, A, again, jobs=2)
    for g in out:
        first = hostile.grades[g.student]
        assert (g.score, sorted(g.lost), g.zeroed) == (first.score, sorted(first.lost), first.zeroed)
        assert [f["reason"] for f in g.flags] == [f["reason"] for f in first.flags]
    for s in students:
        now = recorded(hostile.root, s)
        assert (now.score, sorted(now.lost), now.manual_pending) == (
            before[s].score, sorted(before[s].lost), before[s].manual_pending), s


def test_command_prints_the_summary(hostile, capsys):
    code = course.main(["--course", str(hostile.root), "autograde", A, "--student", "h_good",
                        "--student", "h_empty_file", "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "h_good" in out and "Needs the instructor's eye (1)" in out
    assert "empty file" in out and "per minute" in out


def test_report_throughput(hostile, capsys):
    b = hostile.batch
    with capsys.disabled():
        print(f"\n[hostile] {b.submissions} hostile submissions in {b.seconds:.0f} s with "
              f"{b.workers} workers: {b.per_minute:.1f} per minute")
    assert b.submissions == len(CASES)


# ---------------------------------------------------------------- honest work is never flagged

@pytest.mark.parametrize("assignment", course.existing_assignments(REPO))
def test_solutions_pass_the_scan_and_the_canonical_rebuild(assignment):
    for sol_path in sorted((REPO / "solutions" / assignment).glob("*.ipynb")):
        rel = read_nb(REPO / "exercises" / assignment / sol_path.name)
        sol = read_nb(sol_path)
        import nbformat

        rel = json.loads(json.dumps(nbformat.from_dict(rel)))
        for cell in rel["cells"]:
            cell["source"] = source(cell)
        nb, flags = canonical.canonicalise(rel, fill_in(rel, sol))
        assert not [f for f in flags if f.eye], flags
        entry = {"nb": sol, "released": rel, "findings": {}, "neutralise": {}}
        for cell in sol["cells"]:
            cell["source"] = source(cell)
        batch._scan(entry)
        assert entry["findings"] == {}, entry["findings"]


def test_scan_catches_the_usual_tricks():
    mods = scan.module_names([scan.parse("import numpy as np\nimport dlcourse.check")])
    bad = {
        "np.allclose = lambda *a, **k: True": "tamper",
        "import numpy.testing\nnumpy.testing.assert_allclose = print": "tamper",
        "dlcourse.check.call = lambda f, *a: None": "tamper",
        "import builtins\nbuiltins.len = len": "tamper",
        "__builtins__['len'] = None": "tamper",
        "import sys\nsys.modules['numpy'] = None": "tamper",
        "exec('x = 1')": "tamper",
        "step.__code__ = (lambda x: x).__code__": "tamper",
        "!cat /etc/passwd": "tamper",
        "from dlcourse.functional import step": "reference",
        "import dlcourse.nn as nn": "reference",
        "step = dlcourse.functional.step": "reference",
        "from dlcourse import losses": "reference",
    }
    for code, kind in bad.items():
        found = scan.scan_cell(code, modules=mods)
        assert found and found[0].kind == kind, code
    good = ["import math\nx = math.sqrt(2)", "%timeit np.zeros(3)",
            "class A:\n    def __init__(self):\n        self.W = np.zeros(2)\n        setattr(self, 'b', 1)",
            "from dlcourse.check import check_array", "import os\nprint(os.getcwd())"]
    for code in good:
        assert scan.scan_cell(code, modules=mods) == [], code
    assert scan.scan_cell("import dlcourse.nn as nn", modules=mods, allowed=["dlcourse.nn"]) == []
