"""Safe autograding: one student's loop, crash or cheat cannot stop the batch or earn points.

``dlcourse.grading.autograde`` (``dlcourse.course.autograde``) grades through this package:

================  ========================================================================
``canonical``     rebuild each submission from the released notebook, copying in only the
                  student's answer cells (matched by grade_id); record what was off as flags
``scan``          static checks of answer cells: changing NumPy / builtins / the checks,
                  interpreter internals, importing the reference implementation
``worker``        runs one submission in its own process and temporary folder, restarting
                  the kernel without the cell that killed or hung it
``launch``        the grading kernel's launcher: memory / CPU / file-size limits, an
                  unprivileged user when grading as root, an empty working folder
``guard``         IPython extension loaded in the grading kernel before any student code:
                  output cap, file-access policy, snapshot and restore of NumPy, builtins
                  and ``dlcourse.check`` after every cell, ``exit()`` detection
``batch``         the instructor's side: prepares the jobs, runs them in parallel, decides
                  which checks score 0 and why, records everything in the gradebook
================  ========================================================================

INSTRUCTORS.md ("Grading safely") explains the design for instructors.
"""

#: Engine modules whose use in an answer is "using the reference implementation".
ENGINE_MODULES = ("functional", "nn", "losses", "optim", "init", "gradcheck", "conv",
                  "training", "regularizers", "data", "widgets")

#: dlcourse modules an answer may always import.
ALWAYS_ALLOWED = ("check",)

#: Mime type of the reports the guard adds to a cell's outputs (removed before recording).
REPORT_MIME = "application/vnd.dlcourse.guard+json"
