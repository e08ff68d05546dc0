"""Finding and opening the course: its directory, nbgrader_config.py, the nbgrader API.

This repository is the nbgrader course directory (``nbgrader_config.py`` at the top):
``solutions/<assignment>/`` holds the instructor notebooks, ``exercises/<assignment>/`` the
student versions generated from them (committed), and ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` are working state that git ignores.

Every command finds the course from ``--course DIR``, else ``$DLCOURSE_COURSE_DIR``, else the
nearest folder at or above the working directory that holds ``nbgrader_config.py``. nbgrader
runs in this process through its Python API (about twice as fast as its command line).
"""

import contextlib
import os
import re
import sys
import warnings
from pathlib import Path

try:
    import nbconvert  # noqa: F401 -- the course tools need nbgrader and nbconvert
    from traitlets import Integer, List, Unicode
    from traitlets.config import Configurable
    from traitlets.config.loader import PyFileConfigLoader
except ImportError as err:  # the course tools are an optional part of the package
    raise ImportError(
        "dlcourse.grading needs nbgrader: pip install 'dlcourse[grading]'"
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

    # Safe autograding (dlcourse.grading.sandbox; INSTRUCTORS.md, "Grading safely").
    jobs = Integer(0, help="Submissions graded at the same time; 0: one per core.").tag(config=True)
    kernel_memory_mb = Integer(2048, help="Address space of a grading kernel, in MB.").tag(config=True)
    output_limit_kb = Integer(200, help="What one cell may print while graded, in kB.").tag(config=True)
    submission_timeout = Integer(
        600, help="Wall-clock seconds for one submission, restarts included.").tag(config=True)
    sandbox_uid_base = Integer(
        64500, help="When grading as root, kernels run as uid/gid uid_base + worker slot (no "
        "account needed); -1 keeps the grader's own user.").tag(config=True)
    isolation = Unicode(
        "auto", help="Kernel isolation: 'auto' (bubblewrap when installed and working, else "
        "plain), 'bwrap' (required) or 'plain'; $DLCOURSE_ISOLATION overrides it.").tag(config=True)
    kernel_python = Unicode(
        "", help="Python for grading kernels; empty: the grader's own, else the system's "
        "python3.X if the sandbox user cannot run the grader's.").tag(config=True)


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
