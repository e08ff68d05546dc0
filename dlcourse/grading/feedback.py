"""Feedback: HTML for students, the score and each check's message, never a hidden test."""


from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from dlcourse.grading.config import _quiet_gradebook, _require, open_api


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
