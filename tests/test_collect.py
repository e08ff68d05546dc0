"""Collecting submissions as instructors receive them: LMS exports, renamed files, a roster.

One zip holds Moodle-, Canvas- and GitHub-Classroom-style names, plain folders, renamed
notebooks and files that cannot be used. Nothing aborts: every file is collected or listed
with the reason and the fix, no student is made up from a notebook's name, and the zip
entries' times become nbgrader's submission times.
"""

import datetime
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from dlcourse.grading import cli, collect, config

REPO = Path(__file__).resolve().parents[1]
A1, A4 = "01-perceptron", "04-backprop"
NB = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture
def course_dir(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy2(REPO / config.CONFIG_FILE, root / config.CONFIG_FILE)
    for a in (A1, A4):
        shutil.copytree(REPO / "solutions" / a, root / "solutions" / a)
    return root


def make_zip(path, names, when=(2026, 11, 30, 12, 0, 0)):
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when)
            zf.writestr(info, NB)
    return path


MESSY = [
    # Moodle "download all submissions"
    "Alice Kim_1234_assignsubmission_file_/04-backprop.ipynb",
    "Bo Park_1235_assignsubmission_file_/04-backprop (1).ipynb",
    "Bo Park_1235_assignsubmission_onlinetext_/onlinetext.html",
    # Canvas (flat, resubmission suffix, late)
    "hal_12345_678_04-backprop.ipynb",
    "ivy_late_12346_679_04-backprop-2.ipynb",
    # GitHub Classroom (assignment-username/...)
    "04-backprop-octocat/exercises/04-backprop/04-backprop.ipynb",
    # plain folders, renamed notebooks
    "dave/04-backprop_final.ipynb",
    "erin/Copy of 04-backprop.ipynb",
    "frank/04-backprop.ipynb",
    "frank/04-backprop (1).ipynb",
    # unusable
    "04-backprop (1).ipynb",
    "Copy of 04-backprop.ipynb",
    "gina/notes.ipynb",
    "bad name!/04-backprop.ipynb",
    "__MACOSX/dave/._04-backprop_final.ipynb",
]


def test_messy_zip_is_collected_without_aborting(course_dir, tmp_path, capsys):
    archive = make_zip(tmp_path / "export.zip", MESSY)
    report = collect.collect(course_dir, A4, archive)
    got = {c.student: c for c in report.collected}
    assert sorted(got) == ["alice-kim", "bo-park", "dave", "erin", "frank", "gina", "hal", "ivy",
                           "octocat"]
    assert {c.layout for c in report.collected} == {"Moodle", "Canvas", "GitHub Classroom",
                                                   "plain"}
    for c in report.collected:
        assert c.path == course_dir / "submitted" / c.student / A4 / f"{A4}.ipynb"
        assert c.path.read_bytes() == NB
    # renamed files are matched and reported for a look
    assert {c.student for c in report.to_check} == {"bo-park", "ivy", "dave", "erin", "frank",
                                                    "gina"}
    assert "04-backprop_final.ipynb was taken as 04-backprop.ipynb" in got["dave"].note
    # nobody is made up from a notebook's name
    assert not [s for s in got if "backprop" in s or "copy" in s.lower()]
    left = {n.source: n for n in report.not_collected}
    assert set(left) == {"Bo Park_1235_assignsubmission_onlinetext_/onlinetext.html",
                         "04-backprop (1).ipynb", "Copy of 04-backprop.ipynb",
                         "bad name!/04-backprop.ipynb",
                         "frank/04-backprop (1).ipynb"}
    assert "no folder says whose it is" in left["04-backprop (1).ipynb"].reason
    assert "<student>/04-backprop (1).ipynb" in left["04-backprop (1).ipynb"].fix
    assert "notes.ipynb was taken as 04-backprop.ipynb" in got["gina"].note  # all she sent
    assert "roster" in left["bad name!/04-backprop.ipynb"].fix
    assert "collected (04-backprop.ipynb" in left["frank/04-backprop (1).ipynb"].reason
    # the zip's times are the submission times nbgrader reads
    stamp = (course_dir / "submitted" / "hal" / A4 / "timestamp.txt").read_text()
    expected = datetime.datetime(2026, 11, 30, 12, 0).astimezone().astimezone(datetime.UTC)
    assert stamp == expected.strftime(collect.TIME_FORMAT)
    # the command prints every file, collected or not, and exits 1 when some are left
    code = cli.main(["--course", str(course_dir), "collect", A4, str(archive)])
    out = capsys.readouterr().out
    assert code == 1
    assert "collected 9 notebook(s) of 9 student(s)" in out
    assert "Not collected (5):" in out and out.count("    fix: ") == 5
    for name in MESSY[:-1]:
        assert name in out, name


def test_roster_maps_lms_names_and_refuses_strangers(course_dir, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,lms_id,github\nakim,Alice Kim,1234,\nhal9,Hal,12345,\n"
                      "octo,,,octocat\n", encoding="utf-8")
    files = collect.read_source(make_zip(tmp_path / "export.zip", MESSY[:8]))
    chosen, left = collect.plan(files, A4, [A4], collect.read_roster(roster))
    assert sorted(student for student, *_ in chosen) == ["akim", "hal9", "octo"]
    strangers = [n for n in left if "not in the roster" in n.reason]
    assert {n.source.split("/")[0] for n in strangers} == {
        "Bo Park_1235_assignsubmission_file_", "ivy_late_12346_679_04-backprop-2.ipynb",
        "dave", "erin"}
    assert all("add a row" in n.fix for n in strangers)


def test_one_notebook_assignments_take_file_names_as_students(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("carol.ipynb", NB)
    with zipfile.ZipFile(tmp_path / "batch.zip", "w") as zf:
        zf.writestr("week1/alice.ipynb", NB)           # a folder of several: a batch
        zf.writestr("week1/dan.ipynb", NB)
        zf.writestr("bob/my homework.ipynb", NB)       # the only notebook bob sent
        zf.writestr("late-ones.zip", inner.getvalue())  # a zip inside the zip
        zf.writestr("01-perceptron_final.ipynb", NB)    # whose? nobody made up
    chosen, left = collect.plan(collect.read_source(tmp_path / "batch.zip"), A1, [A1])
    assert sorted(student for student, *_ in chosen) == ["alice", "bob", "carol", "dan"]
    assert [n.source for n in left] == ["01-perceptron_final.ipynb"]
    assert [note for student, _, _, note in chosen if student == "bob"] == [
        "renamed: my homework.ipynb was taken as 01-perceptron.ipynb"]


def test_unreadable_source_is_an_error_not_a_crash(course_dir, tmp_path):
    (tmp_path / "x.txt").write_text("no")
    with pytest.raises(config.CourseError, match="neither a folder nor a .zip"):
        collect.collect(course_dir, A4, tmp_path / "x.txt")


@pytest.mark.parametrize("stem, expected", [
    ("04-backprop", ("04-backprop", False)), ("04-backprop (1)", ("04-backprop", True)),
    ("Copy of 04-backprop", ("04-backprop", True)), ("04-backprop_final", ("04-backprop", True)),
    ("04-backprop-2", ("04-backprop", True)), ("04_Backprop", ("04-backprop", True)),
    ("04-backprop - Copy (2)", ("04-backprop", True)), ("notes", None), ("03-losses", None),
])
def test_renamed_notebooks_are_matched(stem, expected):
    assert collect.match_notebook(stem, ["04-backprop"]) == expected
