"""Feedback: HTML for students, the score and each check's message, never a hidden test.

The page (``templates/feedback``, nbgrader's feedback template adapted) wraps long
messages so that a check's "It looks like ..." and "Hint: ..." are visible without scrolling,
names the tasks in its index, and carries MathJax 3 inside the file (from the course's
vendored copy, ``book/_static/vendor/mathjax``): it renders the formulas offline and still
works when ``nbgrader release_feedback`` copies the HTML file alone.
"""

import base64
import functools
import json
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from dlcourse.grading.config import _quiet_gradebook, _require, open_api

#: nbconvert template folder of the feedback page (``c.HTMLExporter.extra_template_basedirs``).
TEMPLATES = str(Path(__file__).with_name("templates"))
TEMPLATE_NAME = "feedback"  # the name nbgrader's API asks for; ours comes first
#: Where the course keeps MathJax 3 (the book's vendored copy), relative to the course root.
MATHJAX_DIR = "book/_static/vendor/mathjax"
#: What dlcourse.check.passed prints while a student works; graded feedback says what happened.
WHILE_WORKING = " (more checks run when it is graded)"


class HideHiddenTests(Preprocessor):
    """Feedback preprocessor: the student sees the score and the check's message, no hidden test.

    nbgrader's HTML feedback would show the hidden tests' source and tracebacks quoting their
    lines. In every autograder test cell this preprocessor

    * replaces each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region by one
      comment line;
    * shortens every error output to ``ExceptionName: message`` (a traceback quotes the test
      code; the message of a failed check carries what was expected, what came back and a hint);
    * in cells that held hidden tests, drops every other output (a hidden test's printout or
      last value).

    Like every nbconvert preprocessor it does nothing unless enabled, hence ``enabled = True``.
    """

    enabled = Bool(True).tag(config=True)
    begin_delimiter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_delimiter = Unicode("END HIDDEN TESTS").tag(config=True)
    placeholder = Unicode("# (hidden tests: they ran when your work was graded)").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        hidden = self._strip_hidden_region(cell)
        if _is_test_cell(cell) and cell.cell_type == "code":
            kept = []
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
                    kept.append(output)
                elif not hidden:
                    kept.append(output)
                if output.output_type == "stream" and WHILE_WORKING in output.get("text", ""):
                    output.text = output.text.replace(WHILE_WORKING, "")
            cell.outputs = kept
        return cell, resources

    def _strip_hidden_region(self, cell):
        """Replace hidden-test regions of ``cell.source``; True if there was one."""
        lines, kept, inside, found = cell.source.split("\n"), [], False, False
        for line in lines:
            if self.begin_delimiter in line:
                inside = found = True
                indent = line[: len(line) - len(line.lstrip())]
                kept.append(indent + self.placeholder)
            elif self.end_delimiter in line:
                inside = False
            elif not inside:
                kept.append(line)
        cell.source = "\n".join(kept)
        return found


def _is_test_cell(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def feedback(root, assignment, student=None, overrides=None):
    """Write HTML feedback (no hidden tests) to feedback/<student>/<assignment>/; return paths."""
    api = open_api(root, overrides)
    with _quiet_gradebook():
        result = api.generate_feedback(assignment, student, force=True)
    _require(result, f"feedback {assignment}")
    pattern = f"{student or '*'}/{assignment}/*.html"
    return sorted((root / "feedback").glob(pattern))


class OfflineMathJax(Preprocessor):
    """Feedback preprocessor: MathJax 3 and its fonts inside the page (``resources``).

    About 1.7 MB per page; without the vendored copy (``mathjax_dir``, default
    ``<course>/book/_static/vendor/mathjax``) the page shows the TeX source instead.
    """

    enabled = Bool(True).tag(config=True)
    mathjax_dir = Unicode("", help="Folder of MathJax 3 (tex-mml-chtml.js, output/chtml/fonts/"
                          "woff-v2); empty: the course's book/_static/vendor/mathjax").tag(config=True)

    def preprocess(self, nb, resources):
        folder = self.mathjax_dir
        if not folder:
            root = self.config.get("CourseDirectory", {}).get("root") or "."
            folder = str(Path(root) / MATHJAX_DIR)
        resources["dlcourse_mathjax"] = mathjax_html(folder)
        return nb, resources


@functools.lru_cache(maxsize=4)
def mathjax_html(folder):
    """The <script> elements that typeset the page's TeX offline ("" without MathJax)."""
    folder = Path(folder)
    script = folder / "tex-mml-chtml.js"
    if not script.is_file():
        return ""
    fonts = {f.name: "data:font/woff;base64," + base64.b64encode(f.read_bytes()).decode()
             for f in sorted((folder / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))}
    config = r"""
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true},
  chtml: {fontURL: 'mathjax-fonts', adaptiveCSS: false},
  loader: {load: []},
  startup: {ready: function () {
    MathJax.startup.defaultReady();
    MathJax.startup.promise.then(function () {
      var sheet = document.getElementById('MJX-CHTML-styles');
      if (!sheet) { return; }
      sheet.textContent = sheet.textContent.replace(/url\("?mathjax-fonts\/([^")]+)"?\)/g,
        function (all, name) { return FONTS[name] ? 'url("' + FONTS[name] + '")' : all; });
    });
  }}
};
"""
    body = script.read_text(encoding="utf-8").replace("</script", "<\\/script")
    return ("<script>\nvar FONTS = " + json.dumps(fonts) + ";\n" + config + "</script>\n"
            "<script>" + body + "</script>")
