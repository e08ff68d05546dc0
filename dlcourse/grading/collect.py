"""Collect: the students' notebooks, as an instructor receives them, into ``submitted/``.

``source`` is a folder or a .zip (zips inside are opened too) in any of these layouts:

====================  ==================================================================
plain                 ``alice.ipynb`` (one-notebook assignments) or ``alice/<notebook>.ipynb``
                      (any leading folders)
Moodle                ``Alice Kim_1234_assignsubmission_file_/<notebook>.ipynb``
Canvas                ``alicekim_12345_678_<notebook>.ipynb`` (``_late_`` too)
GitHub Classroom      ``<assignment>-<username>/<...>/<notebook>.ipynb``
====================  ==================================================================

An optional roster CSV maps what the LMS calls a student to the id used in the gradebook:
a header row with a ``student_id`` column; every other column (name, LMS id, e-mail,
GitHub username) is another name for that student.

A renamed notebook (``04-backprop (1).ipynb``, ``Copy of 04-backprop.ipynb``,
``04-backprop_final.ipynb``, ``04-backprop-2.ipynb``) is matched to the assignment's notebook
when that is unambiguous, and reported. A student is never made up from a notebook's name.
Nothing aborts the batch: every file is either collected or listed with the reason and the
exact fix. The submission time (the zip entry's or the file's time) is written to
``timestamp.txt``, which nbgrader uses for late penalties.
"""

import csv
import dataclasses
import datetime
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from dlcourse.grading.config import STUDENT_ID, CourseError, notebook_names
from dlcourse.grading.gradebook import add_students

#: Folder names that never name a student (course layout, export wrappers).
STRUCTURAL = frozenset({"exercises", "submissions", "submission", "submitted", "solutions",
                        "notebooks", "assignments", "assignment", "files", "src", "work",
                        "homework", "download", "downloads"})
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_\w*?_?$")
CANVAS = re.compile(r"^(?P<login>[a-z0-9][a-z0-9.-]*?)(?:_late)?_(?P<uid>\d+)_(?P<sid>\d+)_"
                    r"(?P<orig>.+)$", re.IGNORECASE)
RENAMES = (  # applied one at a time, each followed by a match attempt
    re.compile(r"^copy\s+of\s+", re.IGNORECASE),
    re.compile(r"\s*\(\d+\)$"),
    re.compile(r"\s*-\s*copy(\s*\(\d+\))?$", re.IGNORECASE),
    re.compile(r"[-_ .]+(final|submission|submitted|submit|done|last|new|v\d+|ver\d+)$",
               re.IGNORECASE),
    re.compile(r"[-_ ]\d{1,2}$"),
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's timestamp.txt format
MAX_DEPTH = 3  # zips inside zips


@dataclasses.dataclass
class SourceFile:
    """One file of the source: its path inside it, its bytes, its time (UTC) if known."""

    path: str
    data: bytes
    time: datetime.datetime | None = None


@dataclasses.dataclass
class Collected:
    """A notebook written to ``submitted/``."""

    student: str
    notebook: str
    path: Path
    source: str                 # the file it came from, inside the folder or zip
    layout: str                 # "plain", "Moodle", "Canvas", "GitHub Classroom"
    time: datetime.datetime | None = None
    note: str = ""              # set when the instructor should check it (renamed, chosen)


@dataclasses.dataclass
class NotCollected:
    """A file that was not collected: why, and what to do about it."""

    source: str
    reason: str
    fix: str


@dataclasses.dataclass
class CollectReport:
    collected: list             # [Collected]
    not_collected: list         # [NotCollected]

    @property
    def students(self):
        return sorted({c.student for c in self.collected})

    @property
    def to_check(self):
        return [c for c in self.collected if c.note]


@dataclasses.dataclass
class _Candidate:
    file: SourceFile
    student: str | None
    layout: str
    stem: str                   # the notebook part of the file name
    problem: NotCollected | None = None


# ---------------------------------------------------------------- reading the source

def _hidden(parts):
    return any(p.startswith((".", "__MACOSX", "~$")) for p in parts)


def _zip_time(info):
    try:
        local = datetime.datetime(*info.date_time).astimezone()
    except (ValueError, OverflowError):
        return None
    return local.astimezone(datetime.timezone.utc)


def _read_zip(data, prefix, depth, out):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        out.append(SourceFile(prefix.rstrip("/"), b"", None))  # listed as unreadable
        return
    with archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            name = info.filename
            if info.is_dir() or _hidden(name.split("/")):
                continue
            try:
                body = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
                out.append(SourceFile(prefix + name, b"", None))
                continue
            if name.lower().endswith(".zip") and depth < MAX_DEPTH:
                _read_zip(body, prefix + name + "/", depth + 1, out)
            else:
                out.append(SourceFile(prefix + name, body, _zip_time(info)))


def read_source(source):
    """Every file of a folder or a .zip (zips inside opened), hidden files skipped."""
    source = Path(source)
    out = []
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source)
            if not path.is_file() or _hidden(rel.parts):
                continue
            stamp = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.timezone.utc)
            if path.suffix.lower() == ".zip":
                _read_zip(path.read_bytes(), rel.as_posix() + "/", 1, out)
            else:
                out.append(SourceFile(rel.as_posix(), path.read_bytes(), stamp))
    elif source.is_file() and zipfile.is_zipfile(source):
        _read_zip(source.read_bytes(), "", 0, out)
    else:
        raise CourseError(f"{source} is neither a folder nor a .zip file")
    return out


# ---------------------------------------------------------------- the roster

def _key(text):
    """Compare names the way people do: case, accents, spaces, '-' and '_' ignored."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip()
    return re.sub(r"[\s_\-.]+", " ", text).strip()


def read_roster(path):
    """{alias key: student id} from a CSV with a ``student_id`` column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CourseError(f"cannot read the roster {path}: {err}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "student_id" not in rows[0]:
        raise CourseError(f"the roster {path} needs a header row with a 'student_id' column "
                          "(and any other columns: name, LMS id, e-mail, GitHub username)")
    roster = {}
    for n, row in enumerate(rows, start=2):
        sid = (row.get("student_id") or "").strip()
        if not STUDENT_ID.match(sid):
            raise CourseError(f"{path}, line {n}: {sid!r} is not a usable student id "
                              "(letters, digits, '.', '_' and '-' only)")
        for value in row.values():
            if value and value.strip():
                roster.setdefault(_key(value), sid)
    return roster


# ---------------------------------------------------------------- naming

def match_notebook(stem, notebooks):
    """(notebook, renamed) for a file name without .ipynb, or None if it is none of them."""
    if stem in notebooks:
        return stem, False
    keys = {_key(nb): nb for nb in notebooks}
    current = stem.strip()
    for _ in range(6):
        if _key(current) in keys:
            return keys[_key(current)], True
        for pattern in RENAMES:
            shorter = pattern.sub("", current).strip()
            if shorter != current and shorter:
                current = shorter
                break
        else:
            return None
    return None


def _slug(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()


def _identify(file, assignment, notebooks, roster, siblings=1):
    """A _Candidate: whose file this is (None with a problem if that cannot be told).

    ``siblings``: how many notebooks share the file's folder (a folder of one notebook is a
    student's; a folder of several, in a one-notebook assignment, is a batch of students).
    """
    parts = file.path.split("/")
    stem = parts[-1][: -len(".ipynb")]
    folders = [p for p in parts[:-1] if p not in ("", ".", "..")] if ".." not in parts[:-1] \
        else None

    def person(*names, layout, fallback=None):
        for name in names:
            if name and roster and _key(name) in roster:
                return _Candidate(file, roster[_key(name)], layout, stem)
        shown = next(n for n in names if n)
        if roster:
            return _Candidate(file, None, layout, stem, NotCollected(
                file.path, f"{shown!r} ({layout}) is not in the roster",
                f"add a row for {shown!r} to the roster CSV (student_id plus this name or id)"))
        sid = fallback if fallback is not None else shown
        if not STUDENT_ID.match(sid or ""):
            return _Candidate(file, None, layout, stem, NotCollected(
                file.path, f"{shown!r} is not a usable student id (letters, digits, '.', '_' "
                "and '-' only)",
                f"rename {'the folder' if layout == 'plain' and folders else 'the file'} to "
                "the student's id, or give a roster CSV (--roster) that maps "
                f"{shown!r} to one"))
        return _Candidate(file, sid, layout, stem)

    if folders is None:
        return _Candidate(file, None, "plain", stem, NotCollected(
            file.path, "the path climbs out of the folder ('..')",
            "unpack the archive and collect the folder instead"))
    canvas = CANVAS.match(stem) if not folders or len(folders) <= 1 else None
    if canvas and match_notebook(canvas["orig"], notebooks):
        found = person(canvas["uid"], canvas["login"], layout="Canvas",
                       fallback=canvas["login"].lower())
        found.stem = canvas["orig"]
        return found
    own_name = match_notebook(stem, notebooks) is not None
    for folder in reversed(folders):
        moodle = MOODLE.match(folder)
        if moodle:
            return person(moodle["id"], moodle["name"], layout="Moodle",
                          fallback=_slug(moodle["name"]) or f"moodle-{moodle['id']}")
        if folder.lower().startswith(assignment.lower() + "-") and len(folder) > len(assignment) + 1:
            user = folder[len(assignment) + 1:]
            return person(user, layout="GitHub Classroom")
        if _key(folder) in STRUCTURAL or folder.lower().endswith(".zip") or match_notebook(
                folder, notebooks) or (
                _key(folder) == _key(assignment)):
            continue
        if own_name or len(notebooks) > 1 or siblings == 1:
            return person(folder, layout="plain")
        break
    if not own_name and len(notebooks) == 1:
        return person(stem, layout="plain")  # alice.ipynb
    names = ", ".join(f"{n}.ipynb" for n in notebooks)
    if own_name:
        return _Candidate(file, None, "plain", stem, NotCollected(
            file.path, "the file is named after the notebook, and no folder says whose it is",
            f"put it in a folder named after the student: <student>/{parts[-1]}"))
    return _Candidate(file, None, "plain", stem, NotCollected(
        file.path, f"{parts[-1]} is not one of this assignment's notebooks ({names}) and no "
        "folder says whose it is", f"put it in <student>/ and name it after the notebook ({names})"))


# ---------------------------------------------------------------- collecting

def plan(files, assignment, notebooks, roster=None):
    """Decide what goes where: ([(student, notebook, _Candidate, note)], [NotCollected])."""
    skipped = []
    people = {}
    folders = {}
    for file in files:
        if file.path.lower().endswith(".ipynb"):
            parent = file.path.rsplit("/", 1)[0] if "/" in file.path else ""
            folders[parent] = folders.get(parent, 0) + 1
    for file in files:
        name = file.path.split("/")[-1]
        if not name.lower().endswith(".ipynb"):
            skipped.append(NotCollected(file.path, "not a notebook",
                                        "nothing, if it is not part of the work; otherwise ask "
                                        "the student for the .ipynb file"))
            continue
        if not file.data.strip():
            skipped.append(NotCollected(file.path, "empty or unreadable file",
                                        "ask the student to submit the notebook again"))
            continue
        parent = file.path.rsplit("/", 1)[0] if "/" in file.path else ""
        cand = _identify(file, assignment, notebooks, roster, folders.get(parent, 1))
        if cand.problem:
            skipped.append(cand.problem)
        else:
            people.setdefault(cand.student, []).append(cand)
    chosen = []
    for student, cands in sorted(people.items()):
        by_notebook, loose = {}, []
        for cand in cands:
            match = match_notebook(cand.stem, notebooks)
            if match is None:
                loose.append(cand)
            else:
                by_notebook.setdefault(match[0], []).append((cand, match[1]))
        if loose and len(notebooks) == 1 and not by_notebook and len(loose) == 1:
            by_notebook[notebooks[0]] = [(loose.pop(), True)]  # the only notebook they sent
        for cand in loose:
            names = ", ".join(f"{n}.ipynb" for n in notebooks)
            skipped.append(NotCollected(cand.file.path, f"{student}: not one of this "
                                        f"assignment's notebooks ({names})",
                                        f"rename it to the notebook it answers ({names}) and "
                                        "collect again"))
        for notebook, options in sorted(by_notebook.items()):
            pick, note = _choose(student, notebook, options, skipped)
            if pick is not None:
                chosen.append((student, notebook, pick, note))
    return chosen, skipped


def _choose(student, notebook, options, skipped):
    """The one file to collect among a student's files for one notebook."""
    def label(cand):
        return cand.file.path.split("/")[-1]

    if len(options) == 1:
        cand, renamed = options[0]
        note = f"renamed: {label(cand)} was taken as {notebook}.ipynb" if renamed else ""
        return cand, note
    timed = [o for o in options if o[0].file.time is not None]
    newest = max(timed, key=lambda o: o[0].file.time) if len(timed) == len(options) else None
    if newest is not None and sum(o[0].file.time == newest[0].file.time for o in options) == 1:
        pick, why = newest, "the newest"
    else:
        exact = [o for o in options if not o[1]]
        pick, why = (exact[0], "the one named exactly") if len(exact) == 1 else (None, "")
    if pick is None:
        for cand, _ in options:
            skipped.append(NotCollected(cand.file.path, f"{student} sent {len(options)} files "
                                        f"for {notebook}.ipynb and nothing says which counts",
                                        "keep the one that counts, remove the others, and "
                                        "collect again"))
        return None, ""
    for cand, _ in options:
        if cand is not pick[0]:
            skipped.append(NotCollected(cand.file.path, f"{student}: another file for "
                                        f"{notebook}.ipynb was collected ({label(pick[0])}, "
                                        f"{why})", "to grade this one instead, collect it "
                                        "alone"))
    note = (f"{len(options)} files for {notebook}.ipynb: took {label(pick[0])} ({why})")
    return pick[0], note


def collect(root, assignment, source, roster=None, times=True):
    """Copy submissions into ``submitted/<student>/<assignment>/<notebook>.ipynb``.

    ``source``: a folder or a .zip in any layout the module describes; ``roster``: a CSV path
    (or None). Students are added to the gradebook; a resubmission replaces the earlier file.
    Returns a :class:`CollectReport`; raises :class:`CourseError` only when ``source`` or
    the roster cannot be read at all.
    """
    notebooks = notebook_names(root, assignment)
    aliases = read_roster(roster) if roster else None
    files = read_source(source)
    chosen, skipped = plan(files, assignment, notebooks, aliases)
    collected = []
    for student, notebook, cand, note in chosen:
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / f"{notebook}.ipynb"
        dest.write_bytes(cand.file.data)
        stamp = cand.file.time if times else None
        if stamp is not None:
            (folder / "timestamp.txt").write_text(stamp.strftime(TIME_FORMAT), encoding="utf-8")
        collected.append(Collected(student, notebook, dest, cand.file.path, cand.layout, stamp,
                                   note))
    if collected:
        add_students(root, sorted({c.student for c in collected}))
    return CollectReport(collected, skipped)


def format_report(report, root):
    """What ``dlcourse-course collect`` prints."""
    lines = [f"collected {len(report.collected)} notebook(s) of {len(report.students)} "
             f"student(s):"]
    for c in report.collected:
        when = c.time.strftime("%Y-%m-%d %H:%M UTC") if c.time else "no time"
        lines.append(f"  {c.student}: {c.path.relative_to(root)}  <- {c.source} ({c.layout}, "
                     f"{when})")
    if report.to_check:
        lines += ["", f"Collected, but check these ({len(report.to_check)}):"]
        lines += [f"  {c.student}: {c.note}" for c in report.to_check]
    if report.not_collected:
        lines += ["", f"Not collected ({len(report.not_collected)}):"]
        for n in report.not_collected:
            lines += [f"  {n.source}: {n.reason}", f"    fix: {n.fix}"]
    return "\n".join(lines)


def _student_and_notebook(rel, notebooks):
    """(student, notebook) for one file path, or :class:`CourseError` with the reason."""
    cand = _identify(SourceFile(rel, b"{}"), "", notebooks, None, siblings=2)
    if cand.problem:
        raise CourseError(f"{rel}: {cand.problem.reason}")
    match = match_notebook(cand.stem, notebooks)
    if match is None and len(notebooks) == 1:
        match = (notebooks[0], True)
    if match is None:
        raise CourseError(f"{rel}: not one of the notebooks ({', '.join(notebooks)})")
    return cand.student, match[0]
