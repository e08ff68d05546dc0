"""nbgrader configuration: this repository is the course directory of dlcourse.

solutions/<assignment>/   instructor notebooks (nbgrader's source), edited by hand
exercises/<assignment>/   student notebooks (nbgrader's release), generated, committed
submitted/ autograded/ feedback/ gradebook.db   working state, ignored by git

Every path is derived from this file's own location, so the course works from any working
directory: `dlcourse-course --course /path/to/course ...`, or nbgrader's own commands with
`--CourseDirectory.root=/path/to/course` (nbgrader then reads this file from that folder; it
has no `--config` option, and without either it looks only in the working directory).
The instructor's commands are in INSTRUCTORS.md; how to write an assignment is in
solutions/README.md.
"""

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from dlcourse.grading.autograde import RefusePlainAutograde
from dlcourse.grading.feedback import TEMPLATE_NAME, TEMPLATES, HideHiddenTests, OfflineMathJax

c = get_config()  # noqa: F821 -- provided by traitlets when it runs this file

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.course_id = "dlcourse"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db")

# The assignments, one per chapter, in course order (read by dlcourse-course and the tests).
# An assignment whose solutions/ folder does not exist yet is skipped.
c.DlCourse.assignments = [
    "01-perceptron",
    "02-activations",
    "03-losses",
    "04-backprop",
    "05-optimizers",
    "06-training-well",
    "07-cnn",
]

# What a student's notebook shows in place of the instructor's solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell time limit while autograding, in seconds: runaway code cannot stall grading. After
# the limit the kernel is interrupted, the cell records CellTimeoutError, and grading goes on
# with the next cell; a cell that ignores the interrupt is taken out and the notebook run again
# in a fresh kernel. (tests/test_grading.py checks that this setting takes effect, through
# the environment variable, which exists for that test and for unusually slow machines.)
c.Execute.timeout = int(os.environ.get("DLCOURSE_CELL_TIMEOUT", "30"))
c.Execute.interrupt_on_timeout = True

# Safe autograding (`dlcourse-course autograde`; INSTRUCTORS.md, "Grading safely"): each
# submission runs in a worker process and a kernel of its own, `jobs` at a time (0: one per
# core), with these limits. Plain `nbgrader autograde` and the formgrader's Autograde button
# would run students' code with none of them: they refuse, with one line naming the safe
# command, before touching any submission or grade.
c.Autograde.NotebookExporter.preprocessors = [RefusePlainAutograde]
c.DlCourse.jobs = 0
c.DlCourse.kernel_memory_mb = 2048       # address space of one kernel (a memory bomb stops here)
c.DlCourse.output_limit_kb = 200         # what one cell may print while graded
c.DlCourse.submission_timeout = 600      # wall clock for one submission, restarts included
c.DlCourse.sandbox_uid_base = 64500      # as root: kernels run as uid/gid 64500 + worker slot
c.DlCourse.kernel_python = ""            # "": found automatically (see INSTRUCTORS.md)

# Feedback shows the score and each failed check's message and hint, never a hidden test:
# HideHiddenTests removes their source and the tracebacks that quote it.
# The page wraps long messages, names the tasks in its index and carries MathJax (offline,
# from book/_static/vendor/mathjax) inside the file (dlcourse/grading/feedback.py).
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests,
                                    OfflineMathJax]
c.HideHiddenTests.enabled = True
c.HTMLExporter.template_name = TEMPLATE_NAME
c.HTMLExporter.extra_template_basedirs = [TEMPLATES]
