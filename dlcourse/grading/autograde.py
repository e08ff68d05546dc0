"""Autograde: the one place where a submission is executed.

It grades through :mod:`dlcourse.grading.sandbox` (rebuilt from the release, scanned, run in
parallel worker processes with limits and, as root, a separate user; only this process writes
the gradebook).
"""

import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time

from dlcourse.grading import gradebook
from dlcourse.grading.config import CourseError, DlCourse, _quiet_gradebook, load_config, open_api
from dlcourse.grading.gradebook import Grade
from dlcourse.grading.release import release

#: What plain ``nbgrader autograde`` (command line or the formgrader's button) says.
REFUSAL = ("this course grades only with `dlcourse-course autograde ASSIGNMENT` (safe: limits, "
           "scan, guard); plain `nbgrader autograde` would run students' code unprotected")


class RefusePlainAutograde:
    """Registered by nbgrader_config.py as a preprocessor of nbgrader's autograde exporter.

    nbgrader builds that exporter before it touches any submission, folder or grade, so plain
    ``nbgrader autograde`` (and the formgrader's Autograde button) stops there with one line
    naming the safe command. ``dlcourse-course autograde`` records its grades through
    nbgrader's autograde with this list emptied (:func:`_recording_config`).
    """

    def __init__(self, *args, **kwargs):
        raise SystemExit(f"nbgrader autograde refused: {REFUSAL}")


@dataclasses.dataclass
class Batch:
    """What :func:`autograde` measured about the batch as a whole."""

    submissions: int = 0
    seconds: float = 0.0
    workers: int = 1
    sandboxed: bool = False     # kernels ran as separate unprivileged users
    isolation: str = ""         # bubblewrap or plain, in words (sandbox.bwrap.decide)

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

    from dlcourse.grading.sandbox.batch import Settings

    config = load_config(root)
    if overrides is not None:
        config.merge(overrides)
    dl = DlCourse(config=config)
    return Settings(timeout=int(Execute(config=config).timeout or 30),
                    jobs=dl.jobs if jobs is None else jobs, memory_mb=dl.kernel_memory_mb,
                    output_kb=dl.output_limit_kb, submission_timeout=dl.submission_timeout,
                    uid_base=dl.sandbox_uid_base, kernel_python=dl.kernel_python,
                    isolation=dl.isolation)


def autograde(root, assignment, students=None, overrides=None, jobs=None):
    """Grade submissions safely, ``jobs`` at a time; return a :class:`Grade` per student.

    Each submission is rebuilt from the released notebook (only the answer cells are the
    student's), scanned, and run in its own worker process and kernel with limits (per cell
    ``c.Execute.timeout``; memory, output, a separate user when run as root); a cell that
    hangs or kills the kernel is taken out and the notebook run again; only this process
    writes the gradebook. Nothing a submission does stops the batch: a submission that
    cannot be graded gets 0 with ``error`` or a flag saying why. ``overrides`` is a traitlets
    Config merged over the file's. See :mod:`dlcourse.grading.sandbox`.
    """
    global last_batch
    from dlcourse.grading.sandbox import batch

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

        try:
            isolation = batch.run_all(jobs_todo(), settings, done, base_settings)
        except (RuntimeError, ValueError) as err:
            raise CourseError(str(err)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for lock in locks:
            lock.close()
    last_batch = Batch(len(students), time.perf_counter() - started,
                       min(settings.workers, max(1, len(students))), sandboxed, isolation)
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
    cfg.Autograde.NotebookExporter.preprocessors = []  # the refusal of plain nbgrader autograde
    cfg.Autograde.sanitize_preprocessors = [DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                                            CheckCellMetadata]
    cfg.Autograde.autograde_preprocessors = [IgnorePattern, ClearMetadataPreprocessor,
                                             LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                             CheckCellMetadata]
    return cfg


def _job_settings(settings, private, notebooks):
    from dlcourse.grading.sandbox import batch

    cells = max(sum(1 for c in e["nb"]["cells"] if c.get("cell_type") == "code")
                for e in notebooks)
    return {
        "timeout": settings.timeout, "memory_bytes": settings.memory_mb * 2**20,
        "cpu_seconds": (cells + 5) * settings.timeout * len(notebooks),
        "fsize_bytes": 64 * 2**20, "nproc": 256, "output_bytes": settings.output_kb * 1000,
        "private": private, "budget_seconds": settings.submission_timeout,
        "max_attempts": 8, "worker_memory_bytes": 8 * 2**30,
        "scratch_parent": tempfile.gettempdir(),
        **batch.guard_policy(notebooks),
    }


def _record(root, api, record_api, assignment, prep, result, error, settings, staging, start):
    """Decide, write the graded notebooks through nbgrader, update the gradebook; a Grade."""
    from dlcourse.grading.sandbox import batch

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
    for kept in batch.NBGRADER_FILES:  # the time, and the exchange's secret for release_feedback
        if (prep.folder / kept).is_file():
            shutil.copy2(prep.folder / kept, folder / kept)
    with _quiet_gradebook():
        outcome = record_api.autograde(assignment, prep.student, force=True, create=True)
    grade_error = ""
    if not outcome.get("success"):
        grade_error = (outcome.get("error") or outcome.get("log") or "failed").strip()
    else:
        gradebook.annotate(api, assignment, prep.student, answer_reasons,
                            any(f.get("eye") for f in flags))
    grade = gradebook.read_grade(api, assignment, prep.student)
    grade.seconds = time.perf_counter() - start
    grade.error, grade.flags, grade.zeroed = grade_error, flags, zeroed
    report = root / api.coursedir.autograded_directory / prep.student / assignment / batch.REPORT_FILE
    if report.parent.is_dir():
        report.write_text(json.dumps({"student": prep.student, "assignment": assignment,
                                      "flags": flags, "zeroed": zeroed,
                                      "needs_review": grade.needs_review}, indent=1) + "\n",
                          encoding="utf-8")
    return grade


