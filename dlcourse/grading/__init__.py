"""The course's grading: nbgrader driven safely, separate from the engine students read.

================  ========================================================================
``config``        finding the course, nbgrader_config.py, ``c.DlCourse`` settings, the API
``release``       ``exercises/`` generated from ``solutions/``; the sync check
``collect``       submissions from a folder or a .zip into ``submitted/``
``autograde``     the one place a submission runs: through :mod:`.sandbox`
``gradebook``     students, reading a grade, comments and flags, CSV export
``feedback``      HTML feedback without hidden tests
``report``        the summary the instructor reads after autograding
``cli``           ``dlcourse-course``
``sandbox``       rebuild, scan, run with limits, guard, decide (safe autograding)
================  ========================================================================

This package imports nothing at import time: the grading kernel imports
:mod:`dlcourse.grading.sandbox.guard` without nbgrader.
"""
