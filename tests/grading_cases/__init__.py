"""Typical wrong answers for each graded assignment, one module per assignment.

Each module ``aNN_<name>.py`` defines ``MISTAKES``, a list of ``Mistake`` rows; the
grading tests (tests/test_grading.py) collect every module here, so an engineer adding an
assignment adds a file, not code.
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

    @property
    def student(self):
        return f"m{self.assignment[:2]}_{self.name}"


def all_mistakes():
    """Every ``Mistake`` of every module in this folder, in module order."""
    rows = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        rows.extend(importlib.import_module(f"{__name__}.{info.name}").MISTAKES)
    return rows
