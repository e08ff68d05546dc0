"""nbgrader's multi-user exchange, end to end on one machine (issue 12, item 8).

An exchange root in a temporary folder, the course directory and three students' home
folders: the instructor releases, each student fetches and submits (one correct, one with a
mistake, one untouched), the instructor collects, grades with `dlcourse-course autograde`,
writes and releases feedback, and each student fetches it. This is the JupyterHub route of
INSTRUCTORS.md with the Hub taken out: on a Hub the same commands run in each user's server.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_grading import fill_in, read_nb, write_nb

from dlcourse.grading import cli, config, release

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A = "01-perceptron"
STUDENTS = {"ana": {}, "ben": {"step": "return (x >= 0).astype(float)"}, "cho": None}


def nbgrader(*args, cwd, exchange, course_id="dlcourse"):
    env = {**os.environ,
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    cmd = [str(Path(sys.executable).with_name("nbgrader")), *args,
           f"--Exchange.root={exchange}", f"--CourseDirectory.course_id={course_id}"]
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{' '.join(args)}:\n{r.stdout}\n{r.stderr}"
    return r


def test_exchange_round_trip(tmp_path):
    exchange, root, homes = tmp_path / "exchange", tmp_path / "course", tmp_path / "home"
    exchange.mkdir()
    root.mkdir()
    shutil.copy2(REPO / config.CONFIG_FILE, root / config.CONFIG_FILE)
    with open(root / config.CONFIG_FILE, "a", encoding="utf-8") as f:
        f.write("\nc.DlCourse.sandbox_uid_base = 64600\n")
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / A, root / folder / A)
    release.release(root, A)
    sol = read_nb(root / "solutions" / A / f"{A}.ipynb")

    nbgrader("release_assignment", A, f"--CourseDirectory.root={root}", cwd=root,
             exchange=exchange)
    for student, answers in STUDENTS.items():
        home = homes / student
        home.mkdir(parents=True)
        nbgrader("fetch_assignment", A, cwd=home, exchange=exchange)
        path = home / A / f"{A}.ipynb"
        assert path.is_file(), "the released notebook reached the student"
        if answers is not None:
            write_nb(fill_in(read_nb(path), sol, answers), path)
        nbgrader("submit", A, f"--student={student}", cwd=home, exchange=exchange)
    nbgrader("collect", A, f"--CourseDirectory.root={root}", cwd=root, exchange=exchange)
    for student in STUDENTS:
        folder = root / "submitted" / student / A
        assert (folder / f"{A}.ipynb").is_file() and (folder / "timestamp.txt").is_file()

    assert cli.main(["--course", str(root), "autograde", A, "--jobs", "2"]) == 0
    assert cli.main(["--course", str(root), "feedback", A]) == 0
    nbgrader("release_feedback", A, f"--CourseDirectory.root={root}", cwd=root,
             exchange=exchange)
    scores = {}
    for student in STUDENTS:
        home = homes / student
        nbgrader("fetch_feedback", A, f"--student={student}", cwd=home, exchange=exchange)
        own = (root / "feedback" / student / A / f"{A}.html").read_text(encoding="utf-8")
        fetched = [p.read_text(encoding="utf-8")
                   for p in (home / A / "feedback").glob(f"*/{A}.html")]
        # one OS user plays all three students here, so nbgrader's cache of "my submissions"
        # is shared: a student may also receive a classmate's page; on a Hub it is theirs only
        assert own in fetched, f"{student} received their feedback"
        scores[student] = own.split("(Score: ", 1)[1].split(")", 1)[0]
        assert "BEGIN HIDDEN TESTS" not in own
    assert scores["ana"].startswith("10.0") and scores["cho"].startswith("0.0")
    assert not scores["ben"].startswith(("10.0", "0.0")), scores
