"""The gradebook: students, what autograding records beyond nbgrader's grades, reading a grade, export."""

import contextlib
import dataclasses
from pathlib import Path

from dlcourse.grading.config import _quiet_gradebook, load_config, open_api


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
