"""The grader's side of a batch: prepare, run in parallel, decide, record.

For each student, in the parent process (sequential, fast):

1. **prepare** -- read each submitted notebook (:func:`canonical.load_notebook`), rebuild it
   from the release (:func:`canonical.canonicalise`), restore the instructor's check cells and
   hidden tests from the gradebook (nbgrader's own sanitising preprocessors), and scan the
   answer cells (:mod:`scan`). Cells the scan refuses are marked "not to run".
2. **run** -- a pool of ``jobs`` worker processes (:mod:`worker`), one submission each, in a
   folder of its own, with a wall-clock limit; the kernel runs as sandbox user
   ``uid_base + slot`` when grading as root. A worker that overruns is killed with its kernel.
3. **decide** -- from the executed notebook, the guard's reports and the stopped cells: which
   check cells score 0 and why. Their outputs become one error that says why (the student sees
   it in the feedback), a note cell at the top lists everything, and the submission's flags
   are kept for the instructor.
4. **record** -- nbgrader's own autograde, with execution replaced by the notebook the worker
   produced, writes autograded/ and the gradebook: only the parent writes the sqlite
   database, one student at a time, so parallel grading never corrupts it, and grading one
   student never touches another's rows. The reasons also go into the gradebook as comments
   on the answer cells, and a flagged submission is marked "flagged" for the formgrader.

A notebook that cannot be read is not run: every check scores 0 with the reason. The
report of a submission is ``autograded/<student>/<assignment>/dlcourse-grading.json``.
"""

import contextlib
import copy
import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.grading.sandbox import REPORT_MIME, canonical, scan, worker

REPORT_FILE = "dlcourse-grading.json"
NOTES_CELL_ID = "dlcourse-grading-notes"
ZERO_ENAME = "GradedZero"
#: Files nbgrader itself puts next to a submission (collect, the exchange): kept, not flagged.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
#: What the guard's refusal of the reference implementation says (dlcourse.check.CheckFailed).
REFERENCE_PHRASE = "uses the reference implementation from dlcourse"


@dataclasses.dataclass
class Settings:
    """Limits and pool size, filled by ``dlcourse.grading.autograde`` from ``c.DlCourse``, ``c.Execute``."""

    timeout: int = 30                 # seconds per cell (c.Execute.timeout)
    jobs: int = 0                     # worker processes; 0: one per core
    memory_mb: int = 2048             # address space of a kernel
    output_kb: int = 200              # what one cell may print
    submission_timeout: int = 600     # wall clock for one submission, retries included
    uid_base: int = 64500             # sandbox users uid_base + slot when root; -1: never
    kernel_python: str = ""           # interpreter for kernels ("" : found automatically)
    isolation: str = "auto"           # bwrap when it works ("auto"), "bwrap" or "plain"

    @property
    def workers(self):
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


@dataclasses.dataclass
class Prepared:
    """One submission, ready to run."""

    student: str
    notebooks: list                # [{"name", "nb" (sanitised, or None), "findings", ...}]
    flags: list                    # [canonical.Flag]
    folder: Path


@dataclasses.dataclass
class Outcome:
    student: str
    flags: list                    # [dict(code, reason, cell, eye)]
    zeroed: dict                   # {grade_id: reason}
    error: str = ""
    seconds: float = 0.0

    @property
    def needs_review(self):
        return any(f.get("eye") for f in self.flags) or bool(self.error)


# ---------------------------------------------------------------- the course's side

def _source(cell):
    return canonical._source(cell)


def released_notebooks(root, assignment):
    """{name: notebook dict} of the released (student) notebooks: the skeletons."""
    import nbformat

    folder = root / "exercises" / assignment
    return {p.stem: json.loads(json.dumps(nbformat.reads(p.read_text(encoding="utf-8"),
                                                         as_version=4)))
            for p in sorted(folder.glob("*.ipynb"))}


def private_paths(root, coursedir):
    """What a kernel must never read: submissions, grades, feedback, solutions, git history."""
    names = [coursedir.submitted_directory, coursedir.autograded_directory,
             coursedir.feedback_directory, coursedir.source_directory, "gradebook.db",
             "gradebook.db-journal", ".git", "release", "exchange"]
    out = []
    for name in names:
        path = Path(name) if os.path.isabs(name) else root / name
        out.append(str(path))
    db = coursedir.db_url
    if db.startswith("sqlite:///"):
        out.append(db[len("sqlite:///"):])
    return sorted(set(out))


def harden(paths, create=()):
    """Remove "others" permissions from the private paths (grading as root); return changed.

    The folders in ``create`` are made first if missing (nbgrader would make them 0755).
    """
    changed = []
    for path in create:
        os.makedirs(path, exist_ok=True)
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            mode = os.stat(path).st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)
                changed.append(path)
    return changed


def _sanitise(nb, api, assignment, student, name):
    """nbgrader's own sanitising: check cells (with hidden tests) and metadata from the gradebook."""
    import nbformat
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    node = nbformat.from_dict(copy.deepcopy(nb))
    resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student,
                              "db_url": api.coursedir.db_url}}
    for cls in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                CheckCellMetadata):
        node, resources = cls(config=api.config).preprocess(node, resources)
    return json.loads(json.dumps(node))


def tasks_of(nb):
    """{index of a code answer cell: [indices of its check cells]} (checks up to the next answer)."""
    out, current = {}, None
    for i, cell in enumerate(nb["cells"]):
        if canonical.is_answer(cell) and cell.get("cell_type") == "code":
            current = i
            out[i] = []
        elif canonical.is_check(cell) and current is not None:
            out[current].append(i)
    return out


def prepare(root, api, assignment, student, released):
    """Read, canonicalise, sanitise and scan one student's submission."""
    folder = root / api.coursedir.submitted_directory / student / assignment
    flags = []
    expected = {f"{name}.ipynb" for name in released} | set(NBGRADER_FILES)
    if folder.is_dir():
        extra = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                       if p.is_file() and str(p.relative_to(folder)) not in expected
                       and ".ipynb_checkpoints" not in p.parts)
        if extra:
            shown = ", ".join(extra[:8]) + (" ..." if len(extra) > 8 else "")
            flags.append(canonical.Flag("extra_files", f"the submission holds {len(extra)} "
                                        f"file(s) besides the notebook, which were not used: "
                                        f"{shown}."))
    notebooks = []
    for name, rel in released.items():
        raw, nb_flags = canonical.load_notebook(folder / f"{name}.ipynb", name)
        flags += nb_flags
        entry = {"name": name, "released": rel, "nb": None, "findings": {}, "neutralise": {}}
        if raw is not None:
            try:
                nb, cflags = canonical.canonicalise(rel, raw)
                flags += cflags
                entry["nb"] = _sanitise(nb, api, assignment, student, name)
            except Exception as err:  # noqa: BLE001 -- a submission must never stop the batch
                flags.append(canonical.Flag("notebook_unusable", f"{name}.ipynb could not be "
                                            f"prepared for grading ({type(err).__name__}: {err}); "
                                            "it scores 0."))
                entry["nb"] = None
        if entry["nb"] is None:
            entry["sanitised_release"] = _sanitise(rel, api, assignment, student, name)
        else:
            _scan(entry)
        notebooks.append(entry)
    return Prepared(student, notebooks, flags, folder)


def owners(nb):
    """{index of a code cell the student added: index of the answer cell whose task it counts for}.

    An added cell counts for the answer right below it (a helper written above its answer),
    else for the answer above it, else for the first answer.
    """
    cells = nb["cells"]
    answers = [i for i, c in enumerate(cells)
               if canonical.is_answer(c) and c.get("cell_type") == "code"]
    out = {}
    for i, cell in enumerate(cells):
        if not canonical.is_added(cell):
            continue
        below = next((j for j in range(i + 1, len(cells)) if cells[j].get("cell_type") == "code"
                      and not canonical.is_added(cells[j])), None)
        above = [a for a in answers if a < i]
        out[i] = (below if below in answers else above[-1] if above
                  else answers[0] if answers else None)
    return out


def _scan(entry):
    """Scan the answer cells and the cells the student added, in notebook order.

    Names the locked cells bind to the engine (07's ``MaxPool2d``) count as the engine for
    the cells below them, until a student's cell binds the name to something of its own.
    A cell the student added is not run when the scan finds anything in it.
    """
    nb = entry["nb"]
    cells = nb["cells"]
    allow = (entry["released"].get("metadata", {}).get("dlcourse", {}) or {}).get("allow_imports", {})
    trees = {i: scan.parse(_source(c)) for i, c in enumerate(cells) if c.get("cell_type") == "code"}
    modules = scan.module_names([t for t in trees.values() if t is not None])
    protected = scan.check_names([_source(c) for c in cells if canonical.is_check(c)])
    entry["owners"] = owner = owners(nb)
    engine = {}
    for i, tree in trees.items():
        cell = cells[i]
        answer = canonical.is_answer(cell)
        if not (answer or i in owner):
            if tree is not None:
                engine.update(scan.engine_names([tree]))
            continue
        task = i if answer else owner[i]
        gid = canonical.grade_id(cells[task]) if task is not None else None
        found = scan.scan_cell(_source(cell), modules=modules, protected=protected,
                               allowed=allow.get(gid, []), engine=engine)
        if found:
            entry["findings"][i] = [f.as_dict() for f in found]
            tamper = [f.reason for f in found if f.kind == "tamper"]
            if tamper or not answer:
                entry["neutralise"][i] = "this cell was not run: " + (tamper or [
                    f.reason for f in found])[0]
        if tree is not None:
            for name, _line in scan._top_level_bindings(tree):
                engine.pop(name, None)
            engine.update(scan.engine_names([tree]))
    entry["allowed_modules"] = sorted({m for mods in allow.values() for m in mods})
    entry["allowed_by_task"] = {gid: sorted(mods) for gid, mods in allow.items()}


def guard_policy(entries):
    """What the guard needs for the reference rule: per check cell, its task and the modules
    the task may use (with what they build on); the student's cells (answers and added cells)
    with the task each counts for. Cells are keyed by a hash of their source."""
    from dlcourse.grading.sandbox import with_dependencies
    from dlcourse.grading.sandbox.guard import cell_key

    pkg = str(Path(canonical.__file__).resolve().parents[2])
    union = sorted({m for e in entries for m in e.get("allowed_modules", [])})
    by_cell, task_by_cell, student = {}, {}, {}
    for n, entry in enumerate(entries):
        cells = entry["nb"]["cells"]
        allowed_by_task = entry.get("allowed_by_task", {})
        owner = entry.get("owners", {})
        for answer, checks in tasks_of(entry["nb"]).items():
            gid = canonical.grade_id(cells[answer])
            task = f"{n}:{gid}"
            allowed = with_dependencies(allowed_by_task.get(gid, []), pkg)
            for i in checks:
                key = cell_key(_source(cells[i]))
                by_cell[key] = sorted(set(by_cell.get(key, allowed)) & set(allowed))
                task_by_cell[key] = task
            if answer not in entry.get("neutralise", {}):
                student[cell_key(_source(cells[answer]))] = task
        for i, answer in owner.items():
            if answer is not None and i not in entry.get("neutralise", {}):
                student[cell_key(_source(cells[i]))] = f"{n}:{canonical.grade_id(cells[answer])}"
    return {"allowed_modules": with_dependencies(union, pkg), "allowed_by_cell": by_cell,
            "task_by_cell": task_by_cell, "student_cells": student}


# ---------------------------------------------------------------- deciding

def _error(ename, evalue):
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": [f"{ename}: {evalue}"]}


def _reports(cell):
    merged = {"changed": [], "blocked": [], "exit": False, "truncated": False}
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if isinstance(out, dict) else {}
        rep = data.get(REPORT_MIME)
        if isinstance(rep, dict):
            merged["changed"] += list(rep.get("changed", []))
            merged["blocked"] += list(rep.get("blocked", []))
            merged["exit"] = merged["exit"] or bool(rep.get("exit"))
            merged["truncated"] = merged["truncated"] or bool(rep.get("truncated"))
        elif out.get("output_type") == "stream" and "[output truncated by the grader" in str(
                out.get("text", "")):
            merged["truncated"] = True
    return merged


def _strip_reports(cell):
    cell["outputs"] = [o for o in cell.get("outputs", [])
                       if not (isinstance(o, dict) and REPORT_MIME in o.get("data", {}))]


def _runtime_reasons(cell, settings):
    """Why an answer cell's task must score 0, from what happened when it ran."""
    reasons = []
    rep = _reports(cell)
    names = {o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"}
    if "SystemExit" in names:
        reasons.append("it called sys.exit() or raised SystemExit while being graded")
    if names & {"CellTimeoutError", "KeyboardInterrupt"}:
        reasons.append(f"it did not finish within the time limit of {settings.timeout} s per "
                       "cell and was interrupted")
    if "MemoryError" in names:
        reasons.append(f"it ran out of memory (a kernel may use {settings.memory_mb} MB)")
    if rep["exit"]:
        reasons.append("it called exit() or quit() while being graded")
    if rep["truncated"]:
        reasons.append(f"it printed more than the {settings.output_kb} kB a cell may print "
                       "(the rest was dropped)")
    if rep["changed"]:
        shown = ", ".join(rep["changed"][:6])
        reasons.append(f"it changed {shown}, which the checks rely on (the grader put them back)")
    if rep["blocked"]:
        tries = list(dict.fromkeys(rep["blocked"]))
        reasons.append(f"it tried to {' and to '.join(tries[:3])}, which the grader refused")
    elif any(o.get("ename") == "PermissionError" for o in cell.get("outputs", [])
             if o.get("output_type") == "error"):
        ev = next(o.get("evalue", "") for o in cell["outputs"] if o.get("ename") == "PermissionError")
        reasons.append(f"it tried to access a file the grader does not allow ({ev[:160]})")
    return reasons


def decide(entry, executed, aborts, settings):
    """Apply the grader's rules to one executed notebook, in place.

    Returns ({grade_id of a zeroed check cell: reason}, [flag dicts]).
    """
    cells = executed["cells"]
    original = entry["nb"]["cells"]
    stopped = {a["index"]: a["reason"] for a in aborts}
    zeroed, flags = {}, []
    answer_reasons = {}
    for i, ans in tasks_of(executed).items():
        gid = canonical.grade_id(cells[i])
        reasons = []
        for f in entry["findings"].get(i, []):
            reasons.append(f["reason"])
        if i in stopped:
            reasons.append(stopped[i])
        if i in entry["neutralise"] or i in stopped:
            why = entry["neutralise"].get(i) or stopped[i]
            cells[i]["source"] = _source(original[i])
            cells[i]["outputs"] = [_error("NotRun", why)]
        else:
            reasons += _runtime_reasons(cells[i], settings)
        if reasons:
            answer_reasons[gid] = reasons
            for f in reasons:
                flags.append({"code": "answer", "cell": gid, "reason": f"{gid}: {f}", "eye": True})
            for t in ans:
                zeroed[canonical.grade_id(cells[t])] = f"the answer '{gid}' {_as_clause(reasons[0])}"
    tasks = tasks_of(executed)
    for i, task in entry.get("owners", {}).items():
        reasons = [f["reason"] for f in entry["findings"].get(i, [])]
        if i in stopped:
            reasons.append(stopped[i])
        if i in entry["neutralise"] or i in stopped:
            cells[i]["source"] = _source(original[i])
            cells[i]["outputs"] = [_error("NotRun", entry["neutralise"].get(i) or stopped[i])]
        else:
            reasons += _runtime_reasons(cells[i], settings)
        if not reasons:
            continue
        gid = canonical.grade_id(cells[task]) if task is not None else ""
        reasons = [f"a cell you added: {r}" for r in reasons]
        answer_reasons.setdefault(gid, []).extend(reasons)
        flags += [{"code": "added_cell", "cell": gid, "reason": f"{gid}: {r}", "eye": True}
                  for r in reasons]
        for t in tasks.get(task, []):
            zeroed.setdefault(canonical.grade_id(cells[t]), f"the cell you added for "
                              f"'{gid}' {_as_clause(reasons[0][len('a cell you added: '):])}")
    for i, cell in enumerate(cells):
        if not canonical.is_check(cell):
            continue
        gid = canonical.grade_id(cell)
        rep = _reports(cell)
        refused = [o.get("evalue", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "error" and REFERENCE_PHRASE in str(o.get("evalue"))]
        if refused:
            flags.append({"code": "reference_at_run_time", "cell": gid, "eye": True,
                          "reason": f"{gid}: {refused[0][:300]}"})
        if i in stopped:
            zeroed.setdefault(gid, f"while these checks ran, your code {_as_clause(stopped[i])}")
            flags.append({"code": "check_stopped", "cell": gid, "reason": f"{gid}: {stopped[i]}",
                          "eye": True})
            cell["source"] = _source(original[i])
        elif rep["changed"] or rep["blocked"] or rep["truncated"]:
            what = (f"changed {', '.join(rep['changed'][:6])}" if rep["changed"]
                    else f"tried to {rep['blocked'][0]}" if rep["blocked"]
                    else f"printed more than the {settings.output_kb} kB a cell may print")
            reason = f"while these checks ran, your code {what}"
            zeroed.setdefault(gid, reason)
            flags.append({"code": "check_tampered", "cell": gid, "reason": f"{gid}: {reason}",
                          "eye": True})
    for cell in cells:
        if cell.get("cell_type") == "code":
            _strip_reports(cell)
        gid = canonical.grade_id(cell)
        if gid in zeroed and canonical.is_check(cell):
            cell["outputs"] = [_error(ZERO_ENAME, f"this check scores 0: {zeroed[gid]}.")]
    entry["answer_reasons"] = answer_reasons
    return zeroed, flags


def _as_clause(reason):
    """'this cell was not run: line 2: ...' -> 'was not run: line 2: ...' for a sentence."""
    reason = reason.rstrip(".")
    for prefix in ("this cell ", "it "):
        if reason.startswith(prefix):
            return reason[len(prefix):]
    return reason


def unreadable(entry, reason):
    """The sanitised release with every check scoring 0 (nothing is run)."""
    nb = copy.deepcopy(entry["sanitised_release"])
    zeroed = {}
    for cell in nb["cells"]:
        if canonical.is_check(cell):
            cell["outputs"] = [_error(ZERO_ENAME, f"this check scores 0: {reason}")]
            zeroed[canonical.grade_id(cell)] = reason
    return nb, zeroed


def add_notes(nb, lines):
    if not lines:
        return
    body = "\n".join(f"* {line}" for line in lines)
    nb["cells"].insert(0, {
        "cell_type": "markdown", "id": NOTES_CELL_ID, "metadata": {},
        "source": "### Notes from the grader\n\nRead these first: they explain checks that "
                  f"scored 0 or parts of your submission that were not used.\n\n{body}\n"})


# ---------------------------------------------------------------- running

def _probe_python(python, site_dirs, uid):
    from dlcourse.grading.sandbox.launch import BOOT

    cmd = [python, "-S", "-c", BOOT.replace("runpy.run_module('ipykernel_launcher', "
                                            "run_name='__main__', alter_sys=True)",
                                            "import numpy, ipykernel, dlcourse.check"),
           str(len(site_dirs)), *site_dirs] if site_dirs else [
        python, "-c", "import numpy, ipykernel, dlcourse.check"]

    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    try:
        r = subprocess.run(cmd, preexec_fn=drop if uid is not None else None, cwd="/",
                           env={"PATH": "/usr/bin:/bin", "HOME": "/", "PYTHONNOUSERSITE": "1",
                                "OPENBLAS_NUM_THREADS": "1"},
                           capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


_KERNEL_PYTHON = {}  # settings.kernel_python -> (python, site_dirs): file permissions, not uids


def kernel_python(settings, uid):
    """(python, site_dirs) the sandbox user can run; raises RuntimeError if there is none."""
    if settings.kernel_python not in _KERNEL_PYTHON:
        _KERNEL_PYTHON[settings.kernel_python] = _find_kernel_python(settings, uid)
    return _KERNEL_PYTHON[settings.kernel_python]


def _find_kernel_python(settings, uid):
    import sysconfig

    if settings.kernel_python:
        candidates = [settings.kernel_python]
    else:
        candidates = [sys.executable]
        ver = f"{sys.version_info.major}.{sys.version_info.minor}"
        candidates += [f"/usr/bin/python{ver}", f"/usr/local/bin/python{ver}"]
    sites = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for python in candidates:
        if not os.path.exists(python):
            continue
        if python == sys.executable and _probe_python(python, [], uid):
            return python, []
        if _probe_python(python, sites, uid):
            return python, sites
    raise RuntimeError(
        f"the sandbox user (uid {uid}) cannot run Python with numpy, ipykernel and dlcourse: "
        f"tried {', '.join(candidates)}. Install Python where every user can read it (or set "
        "c.DlCourse.kernel_python), or set c.DlCourse.sandbox_uid_base = -1 to grade without "
        "a separate user (less isolation).")


def _tail(path, n=3000):
    with contextlib.suppress(OSError):
        return Path(path).read_text(encoding="utf-8", errors="replace")[-n:]
    return ""


def run_all(jobs, settings, on_done, base_settings):
    """Run ``jobs`` [(key, jobdir)] on ``settings.workers`` workers.

    ``base_settings(slot)`` adds the slot's settings (its uid) to a job; ``on_done(key, result,
    error, seconds)`` is called in this process as each job ends, while the others run on.
    Before the first job, :func:`bwrap.decide` tries bubblewrap once; returns the isolation
    used, in words ("" when nothing ran).
    """
    from dlcourse.grading.sandbox import bwrap

    isolation = {}
    pending = iter(jobs)  # prepared lazily, while the running workers work
    exhausted = False
    running = {}  # slot -> (proc, key, jobdir, started, uid)
    slots = list(range(settings.workers))
    grace = 60
    while not exhausted or running:
        while not exhausted and slots:
            nxt = next(pending, None)
            if nxt is None:
                exhausted = True
                break
            slot = slots.pop(0)
            key, jobdir = nxt
            job = json.loads(Path(jobdir, "job.json").read_text(encoding="utf-8"))
            extra = base_settings(slot)
            if not isolation:
                try:
                    isolation["plan"], isolation["line"] = bwrap.decide(
                        settings.isolation, extra.get("kernel_python") or sys.executable,
                        extra.get("kernel_site_dirs") or [], extra.get("uid"),
                        job["settings"].get("private", []), str(Path(worker.__file__).parents[2]))
                except (RuntimeError, ValueError):
                    for proc, *_rest in running.values():
                        with contextlib.suppress(OSError):
                            os.killpg(proc.pid, 9)
                    raise
            extra["bwrap"] = isolation["plan"]
            job["settings"].update(extra)
            Path(jobdir, "job.json").write_text(json.dumps(job), encoding="utf-8")
            log = open(Path(jobdir, "worker.log"), "wb")  # noqa: SIM115 -- closed below
            proc = subprocess.Popen([sys.executable, "-m", "dlcourse.grading.sandbox.worker", jobdir],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=jobdir)
            log.close()
            running[slot] = (proc, key, jobdir, time.monotonic(), job["settings"].get("uid"))
        time.sleep(0.05)
        for slot, (proc, key, jobdir, started, uid) in list(running.items()):
            late = time.monotonic() - started > settings.submission_timeout + grace
            if proc.poll() is None and not late:
                continue
            error = ""
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, 9)
                proc.wait()
                error = (f"grading did not finish within {settings.submission_timeout + grace} s "
                         "and was stopped")
            worker.cleanup_kernel(os.path.join(jobdir, "kernel.pid"))
            worker.kill_uid(uid)
            shutil.rmtree(worker.ipc_path(jobdir, proc.pid), ignore_errors=True)
            result = None
            try:
                result = json.loads(Path(jobdir, "result.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                error = error or ("the grading process failed (exit status "
                                  f"{proc.returncode}):\n{_tail(Path(jobdir, 'worker.log'))}")
            del running[slot]
            slots.append(slot)
            slots.sort()
            on_done(key, result, error, time.monotonic() - started)
    return isolation.get("line", "")


def reserve_uids(base, count):
    """Reserve ``count`` sandbox uids from ``base`` on, for this batch (flock files).

    Two batches on one machine (two assignments graded at once) then never share a user, so
    one's clean-up ("kill every process of uid X") cannot hit the other's kernels. Returns
    (uids, lock files to keep open while grading).
    """
    import fcntl

    lockdir = Path(tempfile.gettempdir()) / "dlcourse-grading-uids"
    lockdir.mkdir(mode=0o700, exist_ok=True)
    uids, handles = [], []
    uid = base
    while len(uids) < count and uid < base + 4096:
        handle = open(lockdir / f"{uid}.lock", "w")  # noqa: SIM115 -- held for the batch
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
        else:
            worker.kill_uid(uid)  # left over from a grader that was killed
            uids.append(uid)
            handles.append(handle)
        uid += 1
    return uids, handles


def new_staging():
    return Path(tempfile.mkdtemp(prefix="dlcourse-grading-"))
