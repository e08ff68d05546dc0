"""The instructor's commands, as ``dlcourse-course``: release, collect, autograde, feedback, export.

This repository is the nbgrader course directory (``nbgrader_config.py`` at the top):
``solutions/<assignment>/`` holds the instructor notebooks, ``exercises/<assignment>/`` the
student versions generated from them (committed), and ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` are working state that git ignores.

======================================  =====================================================
``dlcourse-course release A | --all``    regenerate ``exercises/A`` from ``solutions/A``
``dlcourse-course collect A PATH``       copy submissions (a folder or a .zip) into submitted/
``dlcourse-course autograde A``          grade every submission of A, print a table
``dlcourse-course feedback A``           HTML feedback in feedback/, hidden tests removed
``dlcourse-course export``               grades of everyone to grades.csv
``dlcourse-course check-sync``           exit 1 if exercises/ drifted from solutions/
======================================  =====================================================

Every command finds the course from ``--course DIR``, else ``$DLCOURSE_COURSE_DIR``, else the
nearest folder at or above the working directory that holds ``nbgrader_config.py``. nbgrader
runs in this process through its Python API (about twice as fast as its command line).
Each function below is also the Python entry point of its command; :func:`autograde` is the
one place where a submission is executed, so stricter sandboxing can wrap it.
"""

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

try:
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool, List, Unicode
    from traitlets.config import Configurable
    from traitlets.config.loader import PyFileConfigLoader
except ImportError as err:  # the course tools are an optional part of the package
    raise ImportError(
        "dlcourse.course needs nbgrader: pip install 'dlcourse[grading]'"
    ) from err

CONFIG_FILE = "nbgrader_config.py"
ROOT_ENV = "DLCOURSE_COURSE_DIR"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class CourseError(RuntimeError):
    """A command cannot go on; the message says why (``dlcourse-course`` prints it, exits 1)."""


class DlCourse(Configurable):
    """Course settings nbgrader has no place for; set in nbgrader_config.py as ``c.DlCourse``."""

    assignments = List(
        Unicode(), help="The assignments in course order, one per chapter ('01-perceptron', ...)."
    ).tag(config=True)


class HideHiddenTests(Preprocessor):
    """Feedback preprocessor: the student sees the score and the check's message, no hidden test.

    nbgrader's HTML feedback would show the hidden tests' source and tracebacks quoting their
    lines. In every autograder test cell this preprocessor

    * replaces each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region by one
      comment line;
    * shortens every error output to ``ExceptionName: message`` (a traceback quotes the test
      code; the message of a failed check carries what was expected, what came back and a hint);
    * in cells that held hidden tests, drops every other output (a hidden test's printout or
      last value).

    Like every nbconvert preprocessor it does nothing unless enabled, hence ``enabled = True``.
    """

    enabled = Bool(True).tag(config=True)
    begin_delimiter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_delimiter = Unicode("END HIDDEN TESTS").tag(config=True)
    placeholder = Unicode("# (hidden tests: they ran when your work was graded)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        hidden = self._strip_hidden_region(cell)
        if _is_test_cell(cell) and cell.cell_type == "code":
            kept = []
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                    kept.append(output)
                elif not hidden:
                    kept.append(output)
            cell.outputs = kept
        return cell, resources

    def _strip_hidden_region(self, cell):
        """Replace hidden-test regions of ``cell.source``; True if there was one."""
        lines, kept, inside, found = cell.source.split("\n"), [], False, False
        for line in lines:
            if self.begin_delimiter in line:
                inside = found = True
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + self.placeholder)
            elif self.end_delimiter in line:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        return found


def _is_test_cell(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


# ---------------------------------------------------------------- finding and opening the course

def find_root(course=None):
    """The course directory: ``course``, else $DLCOURSE_COURSE_DIR, else searched upwards."""
    if course is None:
        course = os.environ.get(ROOT_ENV)
    if course is not None:
        root = Path(course).resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not a course directory: it has no {CONFIG_FILE}")
        return root
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(f"no {CONFIG_FILE} in {here} or above it: pass --course DIR")


def load_config(root):
    """The traitlets Config of ``root/nbgrader_config.py`` (it derives its paths from itself)."""
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


def _put_venv_on_path():
    # nbgrader runs the `alembic` command, which lives next to this Python when the virtual
    # environment is not activated (for example `.venv/bin/python -m pytest`).
    bindir = os.path.dirname(sys.executable)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def open_api(root, overrides=None):
    """An ``NbGraderAPI`` for the course in ``root``; ``overrides`` (a Config) wins over the file."""
    _put_venv_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root)
    if overrides is not None:
        config.merge(overrides)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    if Path(api.coursedir.root).resolve() != Path(root).resolve():
        raise CourseError(f"{root / CONFIG_FILE} sets the course root to {api.coursedir.root}")
    return api


@contextlib.contextmanager
def _quiet_gradebook():
    # nbgrader 0.9.6 makes SQLAlchemy 2.0 warn "Object of type <SubmittedAssignment> not in
    # session" whenever it records a new submission: harmless, and noise for the instructor.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w*> not in session")
        yield


def _require(result, what):
    """nbgrader's API never raises: turn an unsuccessful result into an error with its log."""
    if not result.get("success"):
        details = result.get("error") or result.get("log") or "(no log)"
        raise CourseError(f"{what} failed:\n{details}")
    return result


def listed_assignments(root):
    """The assignments named in the config (``c.DlCourse.assignments``), in course order."""
    return list(DlCourse(config=load_config(root)).assignments)


def existing_assignments(root):
    """The listed assignments that have an instructor notebook folder in solutions/."""
    return [a for a in listed_assignments(root) if (root / "solutions" / a).is_dir()]


def notebook_names(root, assignment):
    """Names (without .ipynb) of the assignment's notebooks."""
    folder = root / "solutions" / assignment
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    if not names:
        raise CourseError(f"no notebooks in {folder}")
    return names


# ---------------------------------------------------------------- release

#: Metadata that editors and kernels add and that says nothing about the assignment.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "jupyter")


def normalise_notebook(path, source_path=None):
    """Rewrite a released notebook canonically, so regenerating gives byte-identical files.

    No outputs or execution counts, no editor-state metadata, JSON as nbformat writes it, and
    cell ids taken from the instructor notebook ``source_path`` (nbformat invents random ids
    for a notebook saved without them); ``cell-<n>`` where it has none.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    source_ids = []
    if source_path is not None and Path(source_path).is_file():
        source_ids = [c.get("id") for c in json.loads(Path(source_path).read_text("utf-8"))["cells"]]
    if len(source_ids) == len(nb["cells"]):
        for i, cell in enumerate(nb["cells"]):
            if "id" in cell:
                cell["id"] = source_ids[i] or f"cell-{i}"
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("widgets", None)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def release(root, assignment):
    """Generate ``exercises/<assignment>`` from ``solutions/<assignment>``; return its notebooks.

    Also records the assignment (its cells, points and checksums) in the gradebook, which
    autograding needs.
    """
    api = open_api(root)
    _require(api.generate_assignment(assignment, force=True, create=True), f"release {assignment}")
    notebooks = sorted((root / "exercises" / assignment).glob("*.ipynb"))
    for path in notebooks:
        normalise_notebook(path, root / "solutions" / assignment / path.name)
    return notebooks


def check_sync(root, assignments=None):
    """Differences between exercises/ and a fresh release of solutions/ (empty: in sync)."""
    problems = []
    for assignment in assignments or existing_assignments(root):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp)
            shutil.copy2(root / CONFIG_FILE, fresh / CONFIG_FILE)
            shutil.copytree(root / "solutions" / assignment, fresh / "solutions" / assignment)
            release(fresh, assignment)
            problems += _compare_trees(fresh / "exercises" / assignment,
                                       root / "exercises" / assignment)
    return problems


def _compare_trees(expected, actual):
    def files(folder):
        return {p.relative_to(folder): p for p in folder.rglob("*") if p.is_file()}

    want, have = files(expected), files(actual) if actual.is_dir() else {}
    rel = actual.relative_to(actual.parents[1])
    out = [f"{rel / name}: missing" for name in sorted(set(want) - set(have))]
    out += [f"{rel / name}: not produced by release" for name in sorted(set(have) - set(want))]
    out += [f"{rel / name}: differs from a fresh release" for name in sorted(set(want) & set(have))
            if want[name].read_bytes() != have[name].read_bytes()]
    return out


# ---------------------------------------------------------------- collect

def _submission_entries(source):
    """(relative path, bytes) of every notebook in a folder or a .zip, hidden files skipped."""
    source = Path(source)
    if source.is_dir():
        for path in sorted(source.rglob("*.ipynb")):
            rel = path.relative_to(source)
            if not any(part.startswith((".", "__MACOSX")) for part in rel.parts):
                yield rel.as_posix(), path.read_bytes()
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                parts = info.filename.split("/")
                if info.filename.endswith(".ipynb") and not any(
                        part.startswith((".", "__MACOSX")) for part in parts):
                    yield info.filename, archive.read(info)
    else:
        raise CourseError(f"{source} is neither a folder nor a .zip file")


def _student_and_notebook(rel, notebooks):
    """Map ``alice.ipynb`` or ``alice/<notebook>.ipynb`` (any leading folders) to ids."""
    parts = rel.split("/")
    stem = parts[-1][: -len(".ipynb")]
    if stem in notebooks and len(parts) >= 2:
        student, notebook = parts[-2], stem
    elif len(notebooks) == 1:
        student, notebook = stem, notebooks[0]
    else:
        raise CourseError(f"{rel}: this assignment has several notebooks "
                         f"({', '.join(notebooks)}); use <student>/<notebook>.ipynb")
    if not STUDENT_ID.match(student):
        raise CourseError(f"{rel}: {student!r} is not a usable student id "
                         "(letters, digits, '.', '_' and '-' only)")
    return student, notebook


def collect(root, assignment, source):
    """Copy submissions into ``submitted/<student>/<assignment>/<notebook>.ipynb``.

    ``source`` is a folder or a .zip holding ``<student>.ipynb`` files (one-notebook
    assignments) or ``<student>/<notebook>.ipynb``. Students are added to the gradebook.
    Returns the list of (student, path) written; a resubmission replaces the earlier file.
    """
    notebooks = notebook_names(root, assignment)
    planned = {}
    for rel, data in _submission_entries(source):
        key = _student_and_notebook(rel, notebooks)
        if key in planned:
            raise CourseError(f"{rel}: a second notebook {key[1]!r} for student {key[0]!r}")
        planned[key] = data
    if not planned:
        raise CourseError(f"no .ipynb files in {source}")
    written = []
    for (student, notebook), data in sorted(planned.items()):
        dest = root / "submitted" / student / assignment / f"{notebook}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append((student, dest))
    _add_students(root, sorted({s for s, _ in planned}))
    return written


def _add_students(root, students):
    from nbgrader.api import Gradebook

    api = open_api(root)
    with _quiet_gradebook(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for student in students:
            gb.update_or_create_student(student)


# ---------------------------------------------------------------- autograde

@dataclasses.dataclass
class Grade:
    """The outcome of autograding one student's submission of one assignment."""

    student: str
    score: float = 0.0          # points earned on the autograded (code) cells
    max_score: float = 0.0      # points available on them
    manual_pending: float = 0.0  # points a human still has to grade (written answers)
    lost: list = dataclasses.field(default_factory=list)  # grade ids that lost points
    seconds: float = 0.0
    error: str = ""             # why the submission could not be graded, if it could not


def submitted_students(root, assignment):
    """Students with a submission of ``assignment`` in submitted/."""
    folder = root / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir())


def _ensure_in_gradebook(root, assignment):
    # A fresh clone has exercises/ but no gradebook.db; releasing again records the assignment
    # and rewrites exercises/ with identical bytes.
    from nbgrader.api import Gradebook, MissingEntry

    api = open_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            known = bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            known = False
    if not known:
        release(root, assignment)


def autograde(root, assignment, students=None, overrides=None):
    """Execute and grade submissions; return a :class:`Grade` per student.

    Each cell runs under the per-cell time limit of the config (``c.Execute.timeout``); a
    submission that cannot be graded gets ``error`` set and the others go on. ``overrides``
    is a traitlets Config merged over the file's (e.g. a shorter timeout).
    """
    _ensure_in_gradebook(root, assignment)
    api = open_api(root, overrides)
    grades = []
    for student in students or submitted_students(root, assignment):
        start = time.perf_counter()
        with _quiet_gradebook():
            result = api.autograde(assignment, student, force=True, create=True)
        grade = _read_grade(api, assignment, student)
        grade.seconds = time.perf_counter() - start
        if not result.get("success"):
            grade.error = (result.get("error") or result.get("log") or "failed").strip()
        grades.append(grade)
    return grades


def _read_grade(api, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry

    grade = Grade(student)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return grade
        for notebook in submission.notebooks:
            for g in notebook.grades:
                if g.needs_manual_grade:
                    grade.manual_pending += g.max_score
                elif g.cell_type == "code":
                    grade.score += g.score
                    grade.max_score += g.max_score
                    if g.score < g.max_score:
                        grade.lost.append(g.name)
    return grade


def format_table(grades):
    """A plain-text table of autograde results, one row per student."""
    rows = [("student", "autograded", "to grade by hand", "seconds", "lost points in")]
    for g in grades:
        lost = "ERROR: see the log above" if g.error else (", ".join(g.lost) or "-")
        rows.append((g.student, f"{g.score:g} / {g.max_score:g}", f"{g.manual_pending:g}",
                     f"{g.seconds:.1f}", lost))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


# ---------------------------------------------------------------- feedback and export

def feedback(root, assignment, student=None, overrides=None):
    """Write HTML feedback (no hidden tests) to feedback/<student>/<assignment>/; return paths."""
    api = open_api(root, overrides)
    with _quiet_gradebook():
        result = api.generate_feedback(assignment, student, force=True)
    _require(result, f"feedback {assignment}")
    pattern = f"{student or '*'}/{assignment}/*.html"
    return sorted((root / "feedback").glob(pattern))


def export(root, to="grades.csv"):
    """Write every student's score on every assignment to a CSV file (nbgrader's columns)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    api = open_api(root)
    path = Path(to).resolve()
    plugin = CsvExportPlugin(config=load_config(root), to=str(path))
    with _quiet_gradebook(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        plugin.export(gb)
    return path


# ---------------------------------------------------------------- command line

def _parser():
    p = argparse.ArgumentParser(prog="dlcourse-course", description=__doc__.split("\n")[0])
    p.add_argument("--course", metavar="DIR", help="the course directory (default: found "
                   f"from ${ROOT_ENV} or the working directory upwards)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="generate exercises/ from solutions/")
    r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    r.add_argument("--all", action="store_true", help="every assignment listed in the config")
    c = sub.add_parser("collect", help="copy submissions from a folder or a .zip")
    c.add_argument("assignment")
    c.add_argument("path", help="folder or .zip of <student>.ipynb or <student>/<notebook>.ipynb")
    a = sub.add_parser("autograde", help="grade the submissions of an assignment")
    a.add_argument("assignment")
    a.add_argument("--student", action="append", help="only this student (repeatable)")
    f = sub.add_parser("feedback", help="HTML feedback for the autograded submissions")
    f.add_argument("assignment")
    f.add_argument("--student", help="only this student")
    e = sub.add_parser("export", help="export all grades to CSV")
    e.add_argument("--to", default="grades.csv", help="output file (default: grades.csv)")
    sub.add_parser("check-sync", help="exit 1 if exercises/ differ from a fresh release")
    return p


def _release_command(root, args):
    if args.all == bool(args.assignments):
        raise CourseError("release: name the assignments or give --all (not both)")
    for assignment in args.assignments or listed_assignments(root):
        if not (root / "solutions" / assignment).is_dir():
            print(f"{assignment}: skipped (no solutions/{assignment} yet)")
            continue
        for path in release(root, assignment):
            print(f"released {path.relative_to(root)}")
    return 0


def main(argv=None):
    """Entry point of ``dlcourse-course``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        root = find_root(args.course)
        if args.command == "release":
            return _release_command(root, args)
        if args.command == "collect":
            for student, path in collect(root, args.assignment, args.path):
                print(f"{student}: {path.relative_to(root)}")
            return 0
        if args.command == "autograde":
            grades = autograde(root, args.assignment, args.student)
            for g in grades:
                if g.error:
                    print(f"--- {g.student}: could not be graded\n{g.error}", file=sys.stderr)
            print(format_table(grades) if grades else "no submissions to grade")
            return 1 if any(g.error for g in grades) else 0
        if args.command == "feedback":
            for path in feedback(root, args.assignment, args.student):
                print(path.relative_to(root))
            return 0
        if args.command == "export":
            print(f"wrote {export(root, args.to)}")
            return 0
        problems = check_sync(root)
        for line in problems:
            print(line)
        print("exercises/ drifted: run `dlcourse-course release --all`" if problems
              else "exercises/ is in sync with solutions/")
        return 1 if problems else 0
    except CourseError as err:
        print(f"dlcourse-course: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
