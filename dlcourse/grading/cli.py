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
The work of each command is in its module of :mod:`dlcourse.grading` (release, collect,
autograde, gradebook, feedback, report), which is also its Python entry point.
"""

import argparse
import sys

from dlcourse import i18n_catalogs
from dlcourse.grading.autograde import autograde
from dlcourse.grading.collect import collect, format_report
from dlcourse.grading.config import ROOT_ENV, CourseError, find_root, listed_assignments
from dlcourse.grading.feedback import feedback
from dlcourse.grading.gradebook import export
from dlcourse.grading.release import check_sync, release
from dlcourse.grading.report import format_summary


def _parser():
    p = argparse.ArgumentParser(prog="dlcourse-course", description=__doc__.split("\n")[0])
    p.add_argument("--course", metavar="DIR", help="the course directory (default: found "
                   f"from ${ROOT_ENV} or the working directory upwards)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("release", help="generate exercises/ from solutions/")
    r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    r.add_argument("--all", action="store_true", help="every assignment listed in the config")
    c = sub.add_parser("collect", help="copy submissions from a folder or a .zip (plain, Moodle, "
                       "Canvas or GitHub Classroom layout)")
    c.add_argument("assignment")
    c.add_argument("path", help="folder or .zip: <student>.ipynb, <student>/<notebook>.ipynb, or "
                   "an LMS export")
    c.add_argument("--roster", metavar="CSV", help="CSV with a student_id column; the other "
                   "columns are the names and ids the LMS uses for that student")
    c.add_argument("--no-times", action="store_true", help="do not record the files' times as "
                   "submission times (for late penalties)")
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
            report = collect(root, args.assignment, args.path, roster=args.roster,
                             times=not args.no_times)
            print(format_report(report, root))
            return 1 if report.not_collected else 0
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
