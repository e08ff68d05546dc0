"""Release: generate ``exercises/<assignment>`` from ``solutions/<assignment>``, and check sync."""

import json
import shutil
import tempfile
from pathlib import Path

from dlcourse import i18n_catalogs
from dlcourse.grading.config import CONFIG_FILE, _require, existing_assignments, open_api

#: Metadata that editors and kernels add and that says nothing about the assignment.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "jupyter")


def normalise_notebook(path, source_path=None):
    """Rewrite a released notebook canonically, so regenerating gives byte-identical files.

    No outputs or execution counts, no editor-state metadata, JSON as nbformat writes it, and
    cell ids taken from the instructor notebook ``source_path`` (nbformat invents random ids
    for a notebook saved without them); ``cell-<n>`` where it has none.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    source_ids = []
    if source_path is not None and Path(source_path).is_file():
        source_ids = [c.get("id") for c in json.loads(Path(source_path).read_text("utf-8"))["cells"]]
    if len(source_ids) == len(nb["cells"]):
        for i, cell in enumerate(nb["cells"]):
            if "id" in cell:
                cell["id"] = source_ids[i] or f"cell-{i}"
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("widgets", None)
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def release(root, assignment):
    """Generate ``exercises/<assignment>`` from ``solutions/<assignment>``; return its notebooks.

    Also records the assignment (its cells, points and checksums) in the gradebook, which
    autograding needs.
    """
    api = open_api(root)
    _require(api.generate_assignment(assignment, force=True, create=True), f"release {assignment}")
    notebooks = sorted((root / "exercises" / assignment).glob("*.ipynb"))
    for path in notebooks:
        normalise_notebook(path, root / "solutions" / assignment / path.name)
    return notebooks


def check_sync(root, assignments=None):
    """Differences between exercises/ and a fresh release of solutions/ (empty: in sync)."""
    problems = []
    for assignment in assignments or i18n_catalogs.with_twins(root, existing_assignments(root)):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp)
            shutil.copy2(root / CONFIG_FILE, fresh / CONFIG_FILE)
            shutil.copytree(root / "solutions" / assignment, fresh / "solutions" / assignment)
            release(fresh, assignment)
            problems += _compare_trees(fresh / "exercises" / assignment,
                                       root / "exercises" / assignment)
    return problems + i18n_catalogs.twin_drift(root)  # solutions/<A>-ko vs <A> + its catalog


def _compare_trees(expected, actual):
    def files(folder):
        return {p.relative_to(folder): p for p in folder.rglob("*") if p.is_file()}

    want, have = files(expected), files(actual) if actual.is_dir() else {}
    rel = actual.relative_to(actual.parents[1])
    out = [f"{rel / name}: missing" for name in sorted(set(want) - set(have))]
    out += [f"{rel / name}: not produced by release" for name in sorted(set(have) - set(want))]
    out += [f"{rel / name}: differs from a fresh release" for name in sorted(set(want) & set(have))
            if want[name].read_bytes() != have[name].read_bytes()]
    return out
