"""The gradebook: students, what autograding records beyond nbgrader's grades, reading a grade, export."""

import contextlib
import dataclasses
from pathlib import Path

from dlcourse.grading.config import _quiet_gradebook, open_api


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


def add_students(root, students):
    from nbgrader.api import Gradebook

    api = open_api(root)
    with _quiet_gradebook(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for student in students:
            gb.update_or_create_student(student)


def annotate(api, assignment, student, answer_reasons, flag):
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


def read_grade(api, assignment, student):
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


#: The columns of ``dlcourse-course export`` (INSTRUCTORS.md, "Export grades").
CSV_COLUMNS = ("assignment", "student_id", "last_name", "first_name", "email", "submitted",
               "submission_time", "duedate", "auto_points", "manual_points",
               "manual_points_pending", "late_penalty", "total", "max_score")


@dataclasses.dataclass
class GradeRow:
    """One student's result on one assignment, as exported; None: no submission (empty)."""

    assignment: str
    student_id: str
    last_name: str
    first_name: str
    email: str
    submitted: bool
    submission_time: str | None      # UTC, from timestamp.txt (collect / the exchange)
    duedate: str | None
    auto_points: float | None        # points the autograder gave (code checks)
    manual_points: float | None      # points given by hand so far (written answers, overrides)
    manual_points_pending: float | None  # points of answers still to grade by hand
    late_penalty: float | None
    total: float | None              # auto + manual - late penalty (nbgrader's score)
    max_score: float

    def as_csv(self):
        def cell(value):
            if value is None:
                return ""
            if isinstance(value, bool):
                return "yes" if value else "no"
            if isinstance(value, float):
                return f"{value:g}"
            return str(value)

        return [cell(getattr(self, name)) for name in CSV_COLUMNS]


def grade_rows(gb):
    """A :class:`GradeRow` for every student and every assignment in the gradebook."""
    from nbgrader.api import MissingEntry

    rows = []
    for assignment in gb.assignments:
        duedate = assignment.duedate.isoformat(sep=" ") + " UTC" if assignment.duedate else None
        for student in gb.students:
            base = dict(assignment=assignment.name, student_id=student.id,
                        last_name=student.last_name or "", first_name=student.first_name or "",
                        email=student.email or "", duedate=duedate,
                        max_score=float(assignment.max_score))
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                rows.append(GradeRow(**base, submitted=False, submission_time=None,
                                     auto_points=None, manual_points=None,
                                     manual_points_pending=None, late_penalty=None, total=None))
                continue
            grades = [g for nb in sub.notebooks for g in nb.grades]
            auto = sum(float(g.auto_score) for g in grades
                       if g.auto_score is not None and g.manual_score is None)
            manual = sum(float(g.manual_score) for g in grades if g.manual_score is not None)
            pending = sum(float(g.max_score) for g in grades if g.needs_manual_grade)
            penalty = float(sub.late_submission_penalty or 0.0)
            stamp = sub.timestamp.isoformat(sep=" ") + " UTC" if sub.timestamp else None
            rows.append(GradeRow(**base, submitted=True, submission_time=stamp,
                                 auto_points=auto, manual_points=manual,
                                 manual_points_pending=pending, late_penalty=penalty,
                                 total=max(0.0, float(sub.score) - penalty)))
    return rows


def export(root, to="grades.csv"):
    """Write every student's result on every assignment to a CSV file (:data:`CSV_COLUMNS`).

    A student who did not submit has empty cells (not 0) for everything but their name and
    the maximum; ``manual_points_pending`` says how much is still to be graded by hand.
    """
    import csv

    from nbgrader.api import Gradebook

    api = open_api(root)
    path = Path(to).resolve()
    with _quiet_gradebook(), Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        rows = grade_rows(gb)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(row.as_csv() for row in rows)
    return path
