"""The graded assignments, end to end: nbgrader on a temporary copy of the course.

One session-scoped copy of the course (nbgrader_config.py, solutions/, exercises/) is
released, gets one submission per student below, is autograded once and gets its feedback
once; the tests then read the results. Everything runs in process through
``dlcourse.course``, the same functions the ``dlcourse-course`` command uses.

To cover a new assignment, add data, not code:

* its name to ``c.DlCourse.assignments`` in nbgrader_config.py (already there for all seven)
  and its notebook to ``solutions/<assignment>/``: the solution and untouched-release tests,
  the hidden-test leak check and the sync check pick it up;
* a module ``tests/grading_cases/aNN_<name>.py`` with at least three ``Mistake`` rows: a
  typical wrong answer for one solution cell (by grade_id), the test cells (grade_ids) that
  must lose all their points, and a fragment of the message the student must see in the
  feedback; and at least three ``Correct`` rows: right answers written another way than the
  solution (lists for arrays where the text allows, int for float, other algorithms), each
  of which must earn full marks.

The session fixture grades only the assignments the selected tests need, so
``pytest tests/test_grading.py -k 04`` grades one assignment.
"""

import contextlib
import dataclasses
import html.parser
import io
import json
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from grading_cases import Mistake, all_corrects, all_mistakes
from traitlets.config import Config

from dlcourse import check, course, i18n_catalogs

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = course.existing_assignments(REPO)


MISTAKES = all_mistakes()
CORRECTS = all_corrects()

# A submission whose answer cell never finishes, graded with a 3-second cell limit.
SLEEPY = Mistake("01-perceptron", "sleepy",
                 {"gate_weights": "import time\ntime.sleep(120)\nAND_WEIGHTS = (1.0, 1.0, -1.0)"},
                 {"test_and", "test_or", "test_nand"}, "still None")
SLEEP_LIMIT = 3


# ---------------------------------------------------------------- notebooks

def read_nb(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_meta(cell):
    return cell["metadata"].get("nbgrader", {})


def notebooks(root, assignment, folder="solutions"):
    return sorted((root / folder / assignment).glob("*.ipynb"))


def between(text, begin, end):
    """The lines strictly between marker lines containing ``begin`` and ``end``."""
    out, inside = [], False
    for line in text.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            out.append(line)
    return out


def points_in(nb):
    """{grade_id: points} of the autograded test cells of a notebook."""
    return {nbgrader_meta(c)["grade_id"]: nbgrader_meta(c)["points"] for c in nb["cells"]
            if c["cell_type"] == "code" and nbgrader_meta(c).get("grade")
            and not nbgrader_meta(c).get("solution")}


def hidden_test_lines(nb_path, released_path):
    """Lines of hidden tests worth looking for (not blank, not also visible elsewhere)."""
    visible = {line.strip() for c in read_nb(released_path)["cells"]
               for line in source(c).split("\n")}
    lines = set()
    for cell in read_nb(nb_path)["cells"]:
        for line in between(source(cell), "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            line = line.strip()
            if len(line) >= 8 and line not in visible:
                lines.add(line)
    return lines


def fill_in(released, solution, answers=None, written=True):
    """A student's notebook: the released one with each stub replaced.

    Stubs get the instructor's solution, or ``answers[grade_id]`` (code at column 0, indented
    here like the stub). Written (markdown) answers get the model answer if ``written``.
    """
    answers = answers or {}
    model = {nbgrader_meta(c).get("grade_id"): c for c in solution["cells"]}
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            continue
        ours = model[meta["grade_id"]]
        if cell["cell_type"] == "markdown":
            cell["source"] = source(ours) if written else source(cell)
            continue
        lines = source(cell).split("\n")
        at = next(i for i, line in enumerate(lines) if line.strip() == "# YOUR CODE HERE")
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        if meta["grade_id"] in answers:
            new = textwrap.indent(answers[meta["grade_id"]], indent).split("\n")
        else:
            new = between(source(ours), "BEGIN SOLUTION", "END SOLUTION")
        cell["source"] = "\n".join(lines[:at] + new + lines[at + 2:])
    return nb


def write_nb(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path):
    """The visible text of an HTML file, whitespace collapsed, entities decoded."""
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return " ".join("".join(parser.parts).split())


def squash(text):
    return " ".join(text.split())


# ---------------------------------------------------------------- the graded course

@dataclasses.dataclass
class Graded:
    root: Path
    grades: dict        # {student: course.Grade}
    seconds: list       # autograde time per submission


def solution_student(assignment):
    return f"s{assignment[:2]}_solution"


def untouched_student(assignment):
    return f"u{assignment[:2]}_untouched"


def copy_course(dest):
    dest.mkdir(parents=True)
    shutil.copy2(REPO / course.CONFIG_FILE, dest / course.CONFIG_FILE)
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def submit(root, assignment, tmp, mistakes):
    """Collect the solution and untouched release from a folder of <student>/<notebook>.ipynb,
    the mistakes and correct-but-different answers (rows with ``answers``) from a zip of
    <student>.ipynb (<student>/<notebook>.ipynb if several)."""
    folder, archive = tmp / f"{assignment}-folder", tmp / f"{assignment}.zip"
    several = len(notebooks(root, assignment)) > 1
    with zipfile.ZipFile(archive, "w") as zf:
        for sol_path in notebooks(root, assignment):
            rel_path = root / "exercises" / assignment / sol_path.name
            solution, released = read_nb(sol_path), read_nb(rel_path)
            write_nb(fill_in(released, solution),
                     folder / solution_student(assignment) / sol_path.name)
            write_nb(released, folder / untouched_student(assignment) / sol_path.name)
            for m in mistakes:
                nb = fill_in(released, solution, m.answers, written=False)
                name = f"{m.student}/{sol_path.name}" if several else f"{m.student}.ipynb"
                zf.writestr(name, json.dumps(nb, indent=1))
    course.collect(root, assignment, folder)
    if mistakes:
        course.collect(root, assignment, archive)


def needed_assignments(items):
    """The assignments the selected tests read grades of (all, if a test needs the first)."""
    needed = set()
    for item in items:
        if "graded" not in getattr(item, "fixturenames", ()):
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        found = {getattr(v, "assignment", v) for v in params.values()} & set(ASSIGNMENTS)
        needed |= found or {ASSIGNMENTS[0]}
    return [a for a in ASSIGNMENTS if a in needed]


@pytest.fixture(scope="session")
def graded(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp("grading")
    root = copy_course(tmp / "course")
    grades, seconds = {}, []
    for assignment in needed_assignments(request.session.items):
        course.release(root, assignment)
        mistakes = [m for m in MISTAKES + CORRECTS if m.assignment == assignment]
        submit(root, assignment, tmp, mistakes)
        for grade in course.autograde(root, assignment):
            assert not grade.error, grade.error
            grades[grade.student] = grade
            seconds.append(grade.seconds)
        course.feedback(root, assignment)
    return Graded(root, grades, seconds)


def points_of(root, assignment):
    total = {}
    for path in notebooks(root, assignment):
        total.update(points_in(read_nb(path)))
    return total


def feedback_html(root, student, assignment):
    paths = sorted((root / "feedback" / student / assignment).glob("*.html"))
    assert paths, f"no feedback for {student}"
    return paths


# ---------------------------------------------------------------- every assignment

def test_assignments_are_listed_and_exist():
    on_disk = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir()
                     and not i18n_catalogs.is_twin(p.name))  # <A>-ko: tests/test_i18n_grading.py
    assert on_disk == ASSIGNMENTS, "every solutions/ folder must be in c.DlCourse.assignments"
    assert ASSIGNMENTS, "no assignment yet"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_three_mistakes(assignment):
    assert len([m for m in MISTAKES if m.assignment == assignment]) >= 3


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks(graded, assignment):
    grade = graded.grades[solution_student(assignment)]
    points = points_of(graded.root, assignment)
    assert grade.lost == []
    assert grade.score == grade.max_score == sum(points.values())
    assert grade.manual_pending > 0, "each assignment needs a written answer graded by hand"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(graded, assignment):
    grade = graded.grades[untouched_student(assignment)]
    assert grade.score == 0
    assert grade.max_score == sum(points_of(graded.root, assignment).values())
    text = " ".join(html_text(p) for p in feedback_html(graded.root, grade.student, assignment))
    assert "not attempted yet" in text


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.student)
def test_mistake_loses_exactly_its_tasks(graded, mistake):
    grade = graded.grades[mistake.student]
    points = points_of(graded.root, mistake.assignment)
    assert set(grade.lost) == mistake.loses
    assert grade.score == grade.max_score - sum(points[t] for t in mistake.loses)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_three_correct_but_different_answers(assignment):
    assert len([c for c in CORRECTS if c.assignment == assignment]) >= 3


@pytest.mark.parametrize("correct", CORRECTS, ids=lambda c: c.student)
def test_correct_but_different_answer_earns_full_marks(graded, correct):
    """A right answer written another way than the solution loses nothing, flags nothing."""
    grade = graded.grades[correct.student]
    assert grade.lost == [], f"{correct.why}: lost {grade.lost} ({grade.zeroed})"
    assert grade.score == grade.max_score == sum(points_of(graded.root, correct.assignment).values())
    assert not grade.needs_review, grade.flags


def run_visible(assignment, answers):
    """The check cells that fail when a student runs the released notebook (visible checks
    only) with ``answers`` filled in, top to bottom, as "Restart Kernel and Run All" does."""
    failed = set()
    for sol_path in notebooks(REPO, assignment):
        released = read_nb(REPO / "exercises" / assignment / sol_path.name)
        nb = fill_in(released, read_nb(sol_path), answers, written=False)
        namespace = {"__name__": "__main__"}
        for cell in nb["cells"]:
            meta = nbgrader_meta(cell)
            if cell["cell_type"] != "code":
                continue
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source(cell), meta.get("grade_id", "cell"), "exec"), namespace)
            except Exception:  # noqa: BLE001 -- a failing cell is what we look for
                if meta.get("grade") and not meta.get("solution"):
                    failed.add(meta["grade_id"])
    return failed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_visible_check(assignment):
    assert run_visible(assignment, {}) == set()


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.student)
def test_visible_checks_show_every_task_a_mistake_loses(mistake):
    """The policy at the top of each notebook: a rule is never checked by hidden tests alone,
    so a typical mistake already fails the visible checks of every task it loses."""
    failed = run_visible(mistake.assignment, mistake.answers)
    assert failed == (mistake.loses if mistake.visible else set())


@pytest.mark.parametrize("correct", CORRECTS, ids=lambda c: c.student)
def test_correct_but_different_answer_passes_every_visible_check(correct):
    assert run_visible(correct.assignment, correct.answers) == set()


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.student)
def test_feedback_names_the_mistake(graded, mistake):
    text = " ".join(html_text(p) for p in
                    feedback_html(graded.root, mistake.student, mistake.assignment))
    assert squash(mistake.says) in text
    assert "Hint:" in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_never_shows_hidden_tests(graded, assignment):
    students = [solution_student(assignment), untouched_student(assignment)] + [
        m.student for m in MISTAKES + CORRECTS if m.assignment == assignment]
    for sol_path in notebooks(graded.root, assignment):
        secret = hidden_test_lines(sol_path, graded.root / "exercises" / assignment / sol_path.name)
        assert secret, f"{sol_path.name} has no hidden tests"
        for student in students:
            html = feedback_html(graded.root, student, assignment)
            text = " ".join(html_text(p) for p in html if p.stem == sol_path.stem)
            leaked = sorted(line for line in secret if squash(line) in text)
            assert not leaked, f"feedback of {student} shows hidden tests: {leaked[:3]}"
            assert "HIDDEN TESTS" not in text


def test_leak_check_would_catch_a_leak(graded):
    """Without HideHiddenTests the same check finds hidden lines: the check above has teeth."""
    assignment = ASSIGNMENTS[0]
    student = MISTAKES[0].student
    off = Config()
    off.HideHiddenTests.enabled = False
    try:
        paths = course.feedback(graded.root, assignment, student, overrides=off)
        text = " ".join(html_text(p) for p in paths)
        sol_path = notebooks(graded.root, assignment)[0]
        secret = hidden_test_lines(sol_path, graded.root / "exercises" / assignment / sol_path.name)
        assert any(squash(line) in text for line in secret)
    finally:
        course.feedback(graded.root, assignment, student)


def test_exercises_in_sync_with_solutions():
    """exercises/ is exactly what `dlcourse-course release` makes from solutions/."""
    assert course.check_sync(REPO) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_opens_with_setup_and_keeps_no_solution(assignment):
    for sol_path in notebooks(REPO, assignment):
        released = read_nb(REPO / "exercises" / assignment / sol_path.name)
        first = source(released["cells"][0])
        assert "pip install" in first and "jupyter" in first.lower() and "book/" in first
        text = "\n".join(source(c) for c in released["cells"])
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        ids = [nbgrader_meta(c).get("grade_id") for c in released["cells"]]
        assert len(ids) == len(set(ids)), "grade_id must be unique"


# ---------------------------------------------------------------- time limit and configuration

def test_cell_time_limit_takes_effect(graded, monkeypatch, tmp_path):
    """A cell that sleeps past the limit is stopped; that task scores 0, the rest is graded."""
    monkeypatch.setenv("DLCOURSE_CELL_TIMEOUT", str(SLEEP_LIMIT))
    from nbgrader.preprocessors import Execute
    assert Execute(config=course.load_config(graded.root)).timeout == SLEEP_LIMIT

    root, m = graded.root, SLEEPY
    sol_path = notebooks(root, m.assignment)[0]
    released = read_nb(root / "exercises" / m.assignment / sol_path.name)
    write_nb(fill_in(released, read_nb(sol_path), m.answers),
             tmp_path / m.student / sol_path.name)
    course.collect(root, m.assignment, tmp_path)
    start = time.perf_counter()
    [grade] = course.autograde(root, m.assignment, [m.student])
    elapsed = time.perf_counter() - start
    assert not grade.error
    assert set(grade.lost) == m.loses
    assert elapsed < 60, f"grading took {elapsed:.0f} s although the cell sleeps 120 s"
    autograded = read_nb(root / "autograded" / m.student / m.assignment / sol_path.name)
    [cell] = [c for c in autograded["cells"] if nbgrader_meta(c).get("grade_id") == "gate_weights"]
    errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
    assert errors and {"CellTimeoutError", "KeyboardInterrupt"} & {o["ename"] for o in errors}


def test_config_paths_come_from_the_file(graded):
    api = course.open_api(graded.root)
    assert Path(api.coursedir.root) == graded.root
    assert api.coursedir.db_url == f"sqlite:///{graded.root / 'gradebook.db'}"
    assert api.coursedir.source_directory == "solutions"
    assert api.coursedir.release_directory == "exercises"
    assert api.coursedir.course_id == "dlcourse"


def test_commands_work_from_another_directory(graded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "grades.csv"
    assert course.main(["--course", str(graded.root), "export", "--to", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert rows[0].startswith("assignment,") and any(
        solution_student(ASSIGNMENTS[0]) in row for row in rows)
    monkeypatch.chdir(graded.root / "solutions")
    assert course.find_root() == graded.root
    assert not (tmp_path / "gradebook.db").exists()


def test_nbgrader_cli_reads_the_config_from_another_directory(graded, tmp_path):
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run(
        [str(nbgrader), "db", "student", "list", f"--CourseDirectory.root={graded.root}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert solution_student(ASSIGNMENTS[0]) in result.stdout + result.stderr
    assert not (tmp_path / "gradebook.db").exists()


def test_report_autograde_time(graded, capsys):
    median = statistics.median(graded.seconds)
    with capsys.disabled():
        print(f"\n[grading] autograded {len(graded.seconds)} submissions: median "
              f"{median:.1f} s, max {max(graded.seconds):.1f} s per submission")
    assert graded.seconds


# ---------------------------------------------------------------- the checks themselves

class AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = None


@pytest.mark.parametrize("got", [AlwaysEqual(), [0.0, 1.0], np.array([0, 1], dtype=object),
                                 np.array([[0.0, 1.0]]), None])
def test_check_array_rejects_lookalikes(got):
    with pytest.raises(check.CheckFailed):
        check.check_array(got, [0.0, 1.0], name="f(x)")


@pytest.mark.parametrize("got", [AlwaysEqual(), True, "0.25", np.array([0.25]), None])
def test_check_close_rejects_non_numbers(got):
    with pytest.raises(check.CheckFailed):
        check.check_close(got, 0.25, name="f(0)")


def test_check_message_reads_expected_got_hint():
    with pytest.raises(check.CheckFailed) as info:
        check.check_close(0.5, 0.25, name="sigmoid_grad(0.0)",
                          hint="the derivative is sigma(x) * (1 - sigma(x)), not sigma(x).")
    assert str(info.value) == ("sigmoid_grad(0.0): expected 0.25, got 0.5. Hint: the derivative "
                               "is sigma(x) * (1 - sigma(x)), not sigma(x).")


def test_hidden_checks_do_not_print_the_answer():
    with pytest.raises(check.CheckFailed) as info:
        check.check_array(np.ones(3), [0.125, 0.375, 0.625], name="f(x)", reveal=False)
    assert "0.125" not in str(info.value) and "0.375" not in str(info.value)


def test_stub_is_not_attempted_and_wrong_is_wrong():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(check.NotAttempted, match="not attempted yet: stub still raises"):
        check.call(stub, 1.0)
    with pytest.raises(check.NotAttempted):
        check.check_numbers(None, shape=(3,), name="AND_WEIGHTS")
    with pytest.raises(check.CheckFailed, match="raised ZeroDivisionError") as info:
        check.call(lambda x: x / 0, 1.0)
    assert not isinstance(info.value, check.NotAttempted)


def test_checks_ignore_a_monkeypatched_numpy(monkeypatch):
    monkeypatch.setattr(np, "isclose", lambda *a, **k: np.array(True))
    monkeypatch.setattr(np, "absolute", lambda x: x * 0)
    with pytest.raises(check.CheckFailed):
        check.check_array(np.array([1.0, 2.0]), [0.0, 0.0], name="f(x)")


@pytest.mark.parametrize("entry, student", [
    ("alice.ipynb", "alice"), ("batch/alice.ipynb", "alice"),
    ("alice/01-perceptron.ipynb", "alice"), ("2024/bob.k/01-perceptron.ipynb", "bob.k"),
])
def test_collect_names_students_from_files(entry, student):
    assert course._student_and_notebook(entry, ["01-perceptron"]) == (student, "01-perceptron")


@pytest.mark.parametrize("entry", ["-rf.ipynb", "a b.ipynb", "x/../01-perceptron.ipynb"])
def test_collect_refuses_unusable_student_ids(entry):
    with pytest.raises(course.CourseError):
        course._student_and_notebook(entry, ["01-perceptron"])


@pytest.mark.parametrize("got", [AlwaysEqual(), (1.0,), (1.0, 2.0, 3.0), iter([1.0, 2.0]),
                                 {"a": 1, "b": 2}, np.array([1.0, 2.0]), None])
def test_check_pair_rejects_what_is_not_a_pair(got):
    with pytest.raises(check.CheckFailed):
        check.check_pair(got, name="f(x)")


@pytest.mark.parametrize("got", [(1.0, "a"), [1.0, "a"]])
def test_check_pair_accepts_a_tuple_or_a_list(got):
    assert check.check_pair(got, name="f(x)") == (1.0, "a")


def test_check_type_rejects_subclasses_and_lookalikes():
    class Mine(dict):
        pass

    assert check.check_type({}, dict, name="d") == {}
    for got in (Mine(), AlwaysEqual(), None):
        with pytest.raises(check.CheckFailed, match="expected a builtins.dict"):
            check.check_type(got, dict, name="d")


def test_check_numbers_takes_numpy_numbers_and_0d_arrays_in_a_pair():
    got = check.check_numbers((np.float64(1.5), np.array(2)), shape=(2,), name="pair")
    assert got.tolist() == [1.5, 2.0]
    with pytest.raises(check.CheckFailed):
        check.check_numbers((np.array([1.0]), 2.0), shape=(2,), name="pair")


def test_messages_come_from_the_message_functions(monkeypatch):
    """One place builds "expected ..., got ...": a translation hooked there reaches every check."""
    monkeypatch.setattr(check, "_msg_expected_got", lambda e, g: f"<{e}|{g}>")
    for fail in (lambda: check.check_close(0.5, 0.25, name="f"),
                 lambda: check.check_array([1.0], [1.0], name="f"),
                 lambda: check.check_equal(3, 4, name="f"),
                 lambda: check.check_pair(None, name="f"),
                 lambda: check.check_shape(np.ones(2), (3,), name="f")):
        with pytest.raises(check.CheckFailed, match="<"):
            fail()


def test_passed_says_what_grading_adds(monkeypatch, capsys):
    check.passed("step")
    assert "hidden checks test the same rules" in capsys.readouterr().out
    monkeypatch.setattr(check, "_grading", True)
    check.passed("step")
    assert capsys.readouterr().out.strip() == "OK: step: the visible checks pass."
