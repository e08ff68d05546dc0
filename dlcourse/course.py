"""The instructor's commands, as ``dlcourse-course``: release, collect, autograde, feedback, export.

This repository is the nbgrader course directory (``nbgrader_config.py`` at the top):
``solutions/<assignment>/`` holds the instructor notebooks, ``exercises/<assignment>/`` the
student versions generated from them (committed), and ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` are working state that git ignores.

======================================  =====================================================
``dlcourse-course release A | --all``    regenerate ``exercises/A`` from ``solutions/A``
``dlcourse-course collect A PATH``       copy submissions (a folder or a .zip) into submitted/
``dlcourse-course autograde A``          grade every submission of A safely, print a summary
``dlcourse-course feedback A``           HTML feedback in feedback/, hidden tests removed
``dlcourse-course export``               grades of everyone to grades.csv
``dlcourse-course check-sync``           exit 1 if exercises/ drifted from solutions/
======================================  =====================================================

Every command finds the course from ``--course DIR``, else ``$DLCOURSE_COURSE_DIR``, else the
nearest folder at or above the working directory that holds ``nbgrader_config.py``. nbgrader
runs in this process through its Python API (about twice as fast as its command line).
Each function below is also the Python entry point of its command. :func:`autograde` is the
one place where a submission is executed: it grades through :mod:`dlcourse.sandbox` (rebuilt
from the release, scanned, run in parallel worker processes with limits and, as root, a
separate user; only this process writes the gradebook).
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

from dlcourse import i18n_catalogs

try:
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool, Integer, List, Unicode
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

    # Safe autograding (dlcourse.sandbox; INSTRUCTORS.md, "Grading safely").
    jobs = Integer(0, help="Submissions graded at the same time; 0: one per core.").tag(config=True)
    kernel_memory_mb = Integer(2048, help="Address space of a grading kernel, in MB.").tag(config=True)
    output_limit_kb = Integer(200, help="What one cell may print while graded, in kB.").tag(config=True)
    submission_timeout = Integer(
        600, help="Wall-clock seconds for one submission, restarts included.").tag(config=True)
    sandbox_uid_base = Integer(
        64500, help="When grading as root, kernels run as uid/gid uid_base + worker slot (no "
        "account needed); -1 keeps the grader's own user.").tag(config=True)
    kernel_python = Unicode(
        "", help="Python for grading kernels; empty: the grader's own, else the system's "
        "python3.X if the sandbox user cannot run the grader's.").tag(config=True)


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
    for assignment in assignments or i18n_catalogs.with_twins(root, existing_assignments(root)):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp)
            shutil.copy2(root / CONFIG_FILE, fresh / CONFIG_FILE)
            shutil.copytree(root / "solutions" / assignment, fresh / "solutions" / assignment)
            release(fresh, assignment)
            problems += _compare_trees(fresh / "exercises" / assignment,
                                       root / "exercises" / assignment)
    return problems + i18n_catalogs.twin_drift(root)  # solutions/<A>-ko vs <A> + its catalog


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
    flags: list = dataclasses.field(default_factory=list)   # {"code", "reason", "cell", "eye"}
    zeroed: dict = dataclasses.field(default_factory=dict)  # {check grade_id: why it scored 0}

    @property
    def needs_review(self):
        """True when the instructor should look at this submission."""
        return bool(self.error) or any(f.get("eye") for f in self.flags)


@dataclasses.dataclass
class Batch:
    """What :func:`autograde` measured about the batch as a whole."""

    submissions: int = 0
    seconds: float = 0.0
    workers: int = 1
    sandboxed: bool = False     # kernels ran as separate unprivileged users

    @property
    def per_minute(self):
        return 60.0 * self.submissions / self.seconds if self.seconds else 0.0


#: The last batch graded in this process (read by the command's summary and the tests).
last_batch = Batch()


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


def sandbox_settings(root, overrides=None, jobs=None):
    """The limits of safe autograding, from nbgrader_config.py (and ``overrides``)."""
    from nbgrader.preprocessors import Execute

    from dlcourse.sandbox.batch import Settings

    config = load_config(root)
    if overrides is not None:
        config.merge(overrides)
    dl = DlCourse(config=config)
    return Settings(timeout=int(Execute(config=config).timeout or 30),
                    jobs=dl.jobs if jobs is None else jobs, memory_mb=dl.kernel_memory_mb,
                    output_kb=dl.output_limit_kb, submission_timeout=dl.submission_timeout,
                    uid_base=dl.sandbox_uid_base, kernel_python=dl.kernel_python)


def autograde(root, assignment, students=None, overrides=None, jobs=None):
    """Grade submissions safely, ``jobs`` at a time; return a :class:`Grade` per student.

    Each submission is rebuilt from the released notebook (only the answer cells are the
    student's), scanned, and run in its own worker process and kernel with limits (per cell
    ``c.Execute.timeout``; memory, output, a separate user when run as root); a cell that
    hangs or kills the kernel is taken out and the notebook run again; only this process
    writes the gradebook. Nothing a submission does stops the batch: a submission that
    cannot be graded gets 0 with ``error`` or a flag saying why. ``overrides`` is a traitlets
    Config merged over the file's. See :mod:`dlcourse.sandbox`.
    """
    global last_batch
    from dlcourse.sandbox import batch

    _ensure_in_gradebook(root, assignment)
    settings = sandbox_settings(root, overrides, jobs)
    api = open_api(root, overrides)
    students = list(students or submitted_students(root, assignment))
    released = batch.released_notebooks(root, assignment)
    started = time.perf_counter()
    sandboxed = os.geteuid() == 0 and settings.uid_base >= 0
    staging = batch.new_staging()
    grades, locks = {}, []
    try:
        private = batch.private_paths(root, api.coursedir) + [str(staging)]
        python, sites, uids = sys.executable, [], []
        if sandboxed:
            batch.harden(private, create=[
                root / getattr(api.coursedir, f"{d}_directory") for d in ("autograded", "feedback")])
            uids, locks = batch.reserve_uids(settings.uid_base, settings.workers)
            try:
                python, sites = batch.kernel_python(settings, uids[0])
            except RuntimeError as err:
                raise CourseError(str(err)) from None
        elif settings.kernel_python:
            python = settings.kernel_python
        record_api = open_api(root, _recording_config(staging, overrides))

        def base_settings(slot):
            uid = uids[slot] if sandboxed else None
            return {"uid": uid, "gid": uid, "kernel_python": python, "kernel_site_dirs": sites}

        prepared = {}

        def jobs_todo():
            for student in students:
                start = time.perf_counter()
                try:
                    prep = batch.prepare(root, api, assignment, student, released)
                except Exception as err:  # noqa: BLE001 -- one submission never stops the batch
                    grades[student] = Grade(student, error=f"could not be prepared: {err}",
                                            seconds=time.perf_counter() - start)
                    continue
                prepared[student] = (prep, start)
                runnable = [e for e in prep.notebooks if e["nb"] is not None]
                if not runnable:  # nothing to run: every check scores 0 with the reason
                    grades[student] = _record(root, api, record_api, assignment, prep, None, "",
                                              settings, staging, start)
                    continue
                jobdir = staging / "jobs" / student
                jobdir.mkdir(parents=True)
                job = {"settings": _job_settings(settings, private, runnable),
                       "notebooks": [{"name": e["name"], "nb": e["nb"], "neutralise": {
                           str(k): v for k, v in e["neutralise"].items()}} for e in runnable]}
                (jobdir / "job.json").write_text(json.dumps(job), encoding="utf-8")
                yield student, str(jobdir)

        def done(student, result, error, seconds):
            prep, _ = prepared[student]
            grades[student] = _record(root, api, record_api, assignment, prep, result, error,
                                      settings, staging, time.perf_counter() - seconds)

        batch.run_all(jobs_todo(), settings, done, base_settings)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for lock in locks:
            lock.close()
    last_batch = Batch(len(students), time.perf_counter() - started,
                       min(settings.workers, max(1, len(students))), sandboxed)
    return [grades[s] for s in students]


def _recording_config(staging, overrides):
    """nbgrader autograde that records a notebook the sandbox already executed (no kernel)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )
    from traitlets.config import Config

    cfg = Config()
    if overrides is not None:
        cfg.merge(overrides)
    cfg.CourseDirectory.submitted_directory = str(staging / "submitted")
    cfg.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                            CheckCellMetadata]
    cfg.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                             CheckCellMetadata]
    return cfg


def _job_settings(settings, private, notebooks):
    cells = max(sum(1 for c in e["nb"]["cells"] if c.get("cell_type") == "code")
                for e in notebooks)
    return {
        "timeout": settings.timeout, "memory_bytes": settings.memory_mb * 2**20,
        "cpu_seconds": (cells + 5) * settings.timeout * len(notebooks),
        "fsize_bytes": 64 * 2**20, "nproc": 256, "output_bytes": settings.output_kb * 1000,
        "private": private, "budget_seconds": settings.submission_timeout,
        "max_attempts": 8, "worker_memory_bytes": 8 * 2**30,
        "allowed_modules": sorted({m for e in notebooks for m in e.get("allowed_modules", [])}),
        "scratch_parent": tempfile.gettempdir(),
    }


def _record(root, api, record_api, assignment, prep, result, error, settings, staging, start):
    """Decide, write the graded notebooks through nbgrader, update the gradebook; a Grade."""
    from dlcourse.sandbox import batch

    flags = [f.as_dict() for f in prep.flags]
    zeroed = {}
    results = {n["name"]: n for n in (result or {}).get("notebooks", [])}
    folder = staging / "submitted" / prep.student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    executed_nbs = {}
    answer_reasons = {}
    for entry in prep.notebooks:
        name = entry["name"]
        res = results.get(name)
        if entry["nb"] is None:
            why = next((f["reason"] for f in flags if f["code"].startswith("notebook_")),
                       f"{name}.ipynb could not be read")
            nb, z = batch.unreadable(entry, why)
        elif res is None or res.get("nb") is None:
            why = (res or {}).get("error") or error or "the grading process gave no result"
            flags.append({"code": "not_graded", "cell": "", "eye": True,
                          "reason": f"{name}.ipynb could not be graded: {why.splitlines()[0]}"})
            nb, z = batch.unreadable({"sanitised_release": entry["nb"]},
                                     f"{name}.ipynb could not be graded: {why.splitlines()[0]}")
        else:
            nb = res["nb"]
            z, f = batch.decide(entry, nb, res.get("aborts", []), settings)
            flags += f
            answer_reasons[name] = entry.get("answer_reasons", {})
        zeroed.update(z)
        executed_nbs[name] = nb
    for name, nb in executed_nbs.items():
        batch.add_notes(nb, [f["reason"] for f in flags])
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    stamp = prep.folder / "timestamp.txt"
    if stamp.is_file():
        shutil.copy2(stamp, folder / "timestamp.txt")
    with _quiet_gradebook():
        outcome = record_api.autograde(assignment, prep.student, force=True, create=True)
    grade_error = ""
    if not outcome.get("success"):
        grade_error = (outcome.get("error") or outcome.get("log") or "failed").strip()
    else:
        _annotate_gradebook(api, assignment, prep.student, answer_reasons,
                            any(f.get("eye") for f in flags))
    grade = _read_grade(api, assignment, prep.student)
    grade.seconds = time.perf_counter() - start
    grade.error, grade.flags, grade.zeroed = grade_error, flags, zeroed
    report = root / api.coursedir.autograded_directory / prep.student / assignment / batch.REPORT_FILE
    if report.parent.is_dir():
        report.write_text(json.dumps({"student": prep.student, "assignment": assignment,
                                      "flags": flags, "zeroed": zeroed,
                                      "needs_review": grade.needs_review}, indent=1) + "\n",
                          encoding="utf-8")
    return grade


def _annotate_gradebook(api, assignment, student, answer_reasons, flag):
    """Reasons as the answer cells' automatic comments; the submission flagged for review."""
    from nbgrader.api import Gradebook, MissingEntry

    with _quiet_gradebook(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for notebook, reasons in answer_reasons.items():
            for gid, why in reasons.items():
                with contextlib.suppress(MissingEntry):
                    comment = gb.find_comment(gid, notebook, assignment, student)
                    comment.auto_comment = "Grader: " + " ".join(why)
            if flag:
                with contextlib.suppress(MissingEntry):
                    gb.find_submission_notebook(notebook, assignment, student).flagged = True
        if flag:
            for nb in gb.find_submission(assignment, student).notebooks:
                nb.flagged = True
        gb.db.commit()


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
    rows = [("student", "autograded", "to grade by hand", "seconds", "flags", "lost points in")]
    for g in grades:
        lost = "ERROR: see below" if g.error else (", ".join(g.lost) or "-")
        nflags = sum(1 for f in g.flags if f.get("eye"))
        rows.append((g.student, f"{g.score:g} / {g.max_score:g}", f"{g.manual_pending:g}",
                     f"{g.seconds:.1f}", str(nflags) if nflags else "-", lost))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


def format_summary(grades, measured=None):
    """The table, then which submissions need the instructor's eye and why, then throughput."""
    lines = [format_table(grades)]
    review = [g for g in grades if g.needs_review]
    if review:
        lines += ["", f"Needs the instructor's eye ({len(review)}):"]
        for g in review:
            lines.append(f"  {g.student}:")
            if g.error:
                lines.append(f"    - could not be graded: {g.error.splitlines()[0][:300]}")
            lines += [f"    - {f['reason']}" for f in g.flags if f.get("eye")]
    notes = [(g, f) for g in grades for f in g.flags if not f.get("eye")]
    if notes:
        lines += ["", "Notes (no action needed):"]
        lines += [f"  {g.student}: {f['reason']}" for g, f in notes]
    measured = measured or last_batch
    if measured.submissions:
        lines += ["", f"Graded {measured.submissions} submission(s) in {measured.seconds:.1f} s "
                  f"with {measured.workers} worker(s): {measured.per_minute:.1f} per minute"
                  + ("; kernels ran as separate unprivileged users." if measured.sandboxed else
                     "; kernels ran as the grader's own user (run as root for full isolation).")]
    return "\n".join(lines)


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
    a.add_argument("--jobs", type=int, default=None,
                   help="submissions graded at the same time (default: c.DlCourse.jobs, 0: one "
                   "per core)")
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
    for assignment in args.assignments or i18n_catalogs.with_twins(root, listed_assignments(root)):
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
            grades = autograde(root, args.assignment, args.student, jobs=args.jobs)
            for g in grades:
                if g.error:
                    print(f"--- {g.student}: could not be graded\n{g.error}", file=sys.stderr)
            print(format_summary(grades) if grades else "no submissions to grade")
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
