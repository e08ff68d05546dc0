"""Every grading path is safe: plain `nbgrader autograde` refuses (issue 12, item 4).

With the course's nbgrader_config.py, nbgrader's own autograde -- the command line and the
formgrader's Autograde button (nbgrader's API) -- would run students' code with none of the
protections of `dlcourse-course autograde`. They refuse with one line naming the safe command,
before touching any submission, folder or grade. Proved with the hostile corpus of
tests/test_hostile.py: nobody earns a point, nothing is written.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import test_hostile as th
from test_grading import read_nb

from dlcourse.grading import autograde, config, release

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A = th.A


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    root = tmp_path_factory.mktemp("plain") / "course"
    root.mkdir()
    shutil.copy2(REPO / config.CONFIG_FILE, root / config.CONFIG_FILE)
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / A, root / folder / A)
    release.release(root, A)
    ctx = th.Ctx(root, read_nb(root / "exercises" / A / f"{A}.ipynb"),
                 read_nb(root / "solutions" / A / f"{A}.ipynb"))
    for case in th.CASES:
        folder = root / "submitted" / case.student / A
        for name, data in case.make(ctx).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    # what an earlier safe grading left: plain nbgrader autograde --force must not remove it
    earlier = root / "autograded" / "h_good" / A / f"{A}.ipynb"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("{}")
    return root


def earned(root):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "dlcourse") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(A).submissions}


def test_command_line_refuses_with_one_line(hostile_course):
    root = hostile_course
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    for extra in ([], ["--force"]):
        r = subprocess.run([nbgrader, "autograde", A, f"--CourseDirectory.root={root}", *extra],
                           cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode != 0
        refusal = [line for line in (r.stdout + r.stderr).splitlines() if "refused" in line]
        assert refusal == [f"nbgrader autograde refused: {autograde.REFUSAL}"]
        assert "dlcourse-course autograde" in refusal[0]
        assert "Traceback" not in r.stderr
    assert earned(root) == {}, "no submission was graded"
    assert sorted(p.name for p in (root / "autograded").iterdir()) == ["h_good"]
    assert (root / "autograded" / "h_good" / A / f"{A}.ipynb").read_text() == "{}"


def test_formgrader_button_refuses(hostile_course):
    """The formgrader's Autograde button calls NbGraderAPI.autograde(assignment, student)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    root = hostile_course
    cfg = config.load_config(root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    for case in th.CASES[:5]:
        result = api.autograde(A, case.student, force=True, create=True)
        assert not result["success"]
        assert "dlcourse-course autograde" in result["error"]
    assert earned(root) == {}
    assert (root / "autograded" / "h_good" / A / f"{A}.ipynb").read_text() == "{}"
