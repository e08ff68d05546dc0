"""Typical wrong answers, and right answers written another way, for each graded assignment.

Each module ``aNN_<name>.py`` defines ``MISTAKES``, a list of ``Mistake`` rows (each must
lose exactly its tasks), and ``CORRECTS``, a list of ``Correct`` rows (each must earn full
marks); the grading tests (tests/test_grading.py) collect every module here, so an engineer
adding an assignment adds a file, not code.

A ``Correct`` row is an answer written from the task text alone, by another route than the
solution: whatever the text allows (a list where it says "a list or an array", an int where
it does not fix the type, extra cache keys, another valid algorithm) the checks must accept.
"""

import dataclasses
import importlib
import pkgutil


@dataclasses.dataclass
class Mistake:
    """A typical wrong submission: solution cell ``cell`` answered with ``code``."""

    assignment: str
    name: str           # short, becomes part of the student id
    answers: dict       # {grade_id of a solution cell: code replacing its solution region}
    loses: set          # grade_ids of the test cells that must score 0
    says: str           # a fragment of the message the feedback must show
    visible: bool = True  # the visible checks already fail on it (False only where a task
                          # says its visible checks look at the form alone, as 03's task 4)

    @property
    def student(self):
        return f"m{self.assignment[:2]}_{self.name}"


@dataclasses.dataclass
class Correct:
    """A right answer written another way: solution cells ``answers`` replaced, full marks."""

    assignment: str
    name: str           # short, becomes part of the student id
    answers: dict       # {grade_id of a solution cell: code replacing its solution region}
    why: str            # what differs from the solution, and which words of the text allow it

    @property
    def student(self):
        return f"c{self.assignment[:2]}_{self.name}"


def _rows(attribute):
    rows = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        rows.extend(getattr(importlib.import_module(f"{__name__}.{info.name}"), attribute, []))
    return rows


def all_mistakes():
    """Every ``Mistake`` of every module in this folder, in module order."""
    return _rows("MISTAKES")


def all_corrects():
    """Every ``Correct`` of every module in this folder, in module order."""
    return _rows("CORRECTS")
