"""The grades CSV an instructor imports (issue 12, item 7), from a gradebook built by hand.

No submission: empty cells, not 0. A submission that scored 0: zeros. Columns for the
autograder's points, points given by hand, points still to grade by hand, the submission time,
the late penalty and the total.
"""

import csv
import datetime
import shutil
from pathlib import Path

import pytest

from dlcourse.grading import config, gradebook

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def rows(tmp_path):
    from nbgrader.api import Gradebook

    config._put_venv_on_path()  # nbgrader runs alembic to create the database
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(REPO / config.CONFIG_FILE, root / config.CONFIG_FILE)
    due = datetime.datetime(2026, 12, 1, 12, 0)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "dlcourse") as gb:
        gb.add_assignment("01-perceptron", duedate=due)
        gb.add_notebook("01-perceptron", "01-perceptron")
        gb.add_grade_cell("test_step", "01-perceptron", "01-perceptron", max_score=8,
                          cell_type="code")
        gb.add_solution_cell("step", "01-perceptron", "01-perceptron")
        gb.add_grade_cell("why_xor", "01-perceptron", "01-perceptron", max_score=2,
                          cell_type="markdown")
        gb.add_solution_cell("why_xor", "01-perceptron", "01-perceptron")
        for sid in ("alice", "bob", "carol"):
            gb.add_student(sid, first_name=sid.title(), last_name="Kim")
        for sid, auto, manual, when in (("alice", 8, 1.5, due - datetime.timedelta(hours=1)),
                                        ("bob", 0, None, due + datetime.timedelta(hours=2))):
            sub = gb.add_submission("01-perceptron", sid, timestamp=when)
            for g in sub.notebooks[0].grades:
                if g.cell_type == "code":
                    g.auto_score, g.needs_manual_grade = auto, False
                elif manual is not None:
                    g.manual_score, g.needs_manual_grade = manual, False
                else:
                    g.needs_manual_grade = True
            sub.notebooks[0].late_submission_penalty = 0.0 if sid == "alice" else 1.0
        gb.db.commit()
    out = gradebook.export(root, tmp_path / "grades.csv")
    with open(out, newline="", encoding="utf-8") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}, out


def test_columns_and_values(rows):
    by_student, path = rows
    assert path.read_text().splitlines()[0] == ",".join(gradebook.CSV_COLUMNS)
    alice, bob, carol = by_student["alice"], by_student["bob"], by_student["carol"]
    assert (alice["auto_points"], alice["manual_points"], alice["manual_points_pending"],
            alice["late_penalty"], alice["total"], alice["max_score"]) == (
        "8", "1.5", "0", "0", "9.5", "10")
    assert alice["submission_time"] == "2026-12-01 11:00:00 UTC"
    assert alice["duedate"] == "2026-12-01 12:00:00 UTC" and alice["submitted"] == "yes"
    # scored 0 on the checks, the written answer still to grade, late: zeros, not blanks
    assert (bob["auto_points"], bob["manual_points"], bob["manual_points_pending"],
            bob["late_penalty"], bob["total"]) == ("0", "0", "2", "1", "0")
    # did not submit: empty, never 0
    assert carol["submitted"] == "no"
    for column in ("submission_time", "auto_points", "manual_points", "manual_points_pending",
                   "late_penalty", "total"):
        assert carol[column] == "", column
    assert carol["max_score"] == "10" and carol["first_name"] == "Carol"
