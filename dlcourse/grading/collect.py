"""Collect: copy students' submissions (a folder or a .zip) into ``submitted/``."""

import zipfile
from pathlib import Path

from dlcourse.grading.config import STUDENT_ID, CourseError, notebook_names
from dlcourse.grading.gradebook import add_students


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
    add_students(root, sorted({s for s, _ in planned}))
    return written
