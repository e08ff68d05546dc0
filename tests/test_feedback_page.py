"""The feedback page a student reads (issue 12, item 6), without grading anything.

A graded check cell with a long failure message goes through the course's feedback
preprocessors and template: messages wrap, the index names the tasks, MathJax is inside the
file (no network), and "more checks run when it is graded" is gone from graded feedback.
The look itself was checked in headless Chromium (a screenshot of a real class's feedback).
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

from dlcourse.grading import feedback

REPO = Path(__file__).resolve().parents[1]
LONG = ("step([-2.0, -0.5, 0.5, 3.0]): entry 3 (x = 0.0) is 1.0, expected 0.0. It looks like "
        "your comparison includes 0; the slides define step(0) = 0. Hint: use x > 0, not x >= 0.")


def graded_notebook(failed):
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell("## Task 1\n\nThe step function $\\mathrm{step}(x)$.")
    hidden = "### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\n" if failed else ""
    check = nbformat.v4.new_code_cell("# Checks for task 1 (2 points)\ncheck(step)\n" + hidden)
    check.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_step",
                                  "points": 2, "score": 0 if failed else 2, "locked": True}
    check.outputs = [nbformat.v4.new_output(
        "stream", name="stdout",
        text="OK: step: the visible checks pass (more checks run when it is graded).\n")]
    if failed:
        check.outputs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=LONG,
                                                    traceback=["Traceback ...", "secret()"]))
    nb.cells = [md, check]
    return nb


def render(nb):
    c = Config()
    c.HTMLExporter.template_name = feedback.TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [feedback.TEMPLATES]
    import nbgrader

    c.HTMLExporter.extra_template_paths = [str(Path(nbgrader.__file__).parent / "server_extensions"
                                               / "formgrader" / "static" / "node_modules"
                                               / "bootstrap" / "dist" / "css")]
    c.OfflineMathJax.mathjax_dir = str(REPO / feedback.MATHJAX_DIR)
    exporter = HTMLExporter(config=c)
    exporter.register_preprocessor(feedback.HideHiddenTests(config=c), enabled=True)
    exporter.register_preprocessor(feedback.OfflineMathJax(config=c), enabled=True)
    resources = {"nbgrader": {"notebook": "01-perceptron", "score": 0, "max_score": 2,
                              "late_penalty": 0}}
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return html


@pytest.mark.parametrize("failed", [True, False])
def test_feedback_page(failed):
    html = render(graded_notebook(failed))
    assert "white-space: pre-wrap" in html, "long messages wrap"
    if failed:  # the whole message, hint included (HTML-escaped: x &gt; 0)
        assert LONG.replace(">", "&gt;") in html
    else:
        assert "CheckFailed" not in html
    assert "secret()" not in html and "Traceback ..." not in html, "no hidden test shows"
    assert re.search(r'href="#test_step">Checks for task 1 \(2 points\)</a>', html)
    assert "Test cell" not in html
    assert "more checks run when it is graded" not in html
    if not failed:
        assert "OK: step: the visible checks pass." in html
    assert "window.MathJax" in html and "MathJax_Main-Regular.woff" in html
    assert not re.findall(r'<script[^>]+src="https?://', html), "nothing from the network"
    assert "cdnjs" not in html
