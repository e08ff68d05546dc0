"""Rebuild a submission from the released notebook: only the student's answers are taken.

The released notebook (``exercises/<assignment>/<notebook>.ipynb``) is the skeleton the
instructor controls. :func:`canonicalise` copies into it the student's answer cells (nbgrader
"solution" cells: code answers and written answers), matched by ``grade_id``; when a cell
lost its nbgrader metadata it is matched by its cell id, then by its first line (``def
step(x):``). Everything else -- check cells, their order, metadata, cell ids -- comes from the
release, so an edited, deleted, moved or duplicated check cell, or altered metadata, cannot
change the grade. What was off is returned as :class:`Flag` rows with a reason the student
and the instructor can read.

:func:`load_notebook` reads a submitted file: a missing or empty file, a file that is not
JSON or not a notebook gives ``None`` and a flag; an old nbformat (3 or below) is converted.
"""

import copy
import dataclasses
import json
from pathlib import Path


@dataclasses.dataclass
class Flag:
    """Something about a submission the instructor (and the student) should know."""

    code: str          # short machine-readable kind, e.g. "check_cell_deleted"
    reason: str        # a sentence for people
    cell: str = ""     # grade_id concerned, if any
    eye: bool = True   # listed under "needs the instructor's eye"

    def as_dict(self):
        return dataclasses.asdict(self)


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _meta(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell):
    gid = _meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def is_answer(cell):
    """An nbgrader solution cell: a code answer or a written answer."""
    return bool(_meta(cell).get("solution"))


def is_check(cell):
    """An autograded check cell (nbgrader grade cell that is not a solution)."""
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def load_notebook(path, name):
    """(notebook dict or None, [Flag]) for the submitted file ``path``.

    ``name`` is the notebook's name (for the messages).
    """
    path = Path(path)
    if not path.is_file():
        others = sorted(p.name for p in path.parent.glob("*.ipynb")) if path.parent.is_dir() else []
        extra = f" (the submission holds {', '.join(others)})" if others else ""
        return None, [Flag("notebook_missing", f"{name}.ipynb was not submitted{extra}; it "
                           "scores 0.")]
    data = path.read_bytes()
    if not data.strip():
        return None, [Flag("notebook_empty", f"{name}.ipynb is an empty file; it scores 0.")]
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        return None, [Flag("notebook_not_json", f"{name}.ipynb is not a readable notebook "
                           f"(not valid JSON: {str(err)[:120]}); it scores 0. Was the file "
                           "saved by Jupyter?")]
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        return None, [Flag("notebook_not_notebook", f"{name}.ipynb is JSON but not a Jupyter "
                           "notebook; it scores 0.")]
    flags = []
    if raw["nbformat"] != 4:
        try:
            import nbformat

            nb = nbformat.convert(nbformat.from_dict(raw), 4)
            raw = json.loads(json.dumps(nb))
            if not isinstance(raw.get("cells"), list):
                raise ValueError("no cells after conversion")
        except Exception as err:  # noqa: BLE001 -- any failure means "cannot read"
            return None, [Flag("notebook_old_format", f"{name}.ipynb uses notebook format "
                               f"{raw.get('nbformat')}, which could not be converted ({err}); "
                               "it scores 0.")]
        flags.append(Flag("notebook_converted", f"{name}.ipynb was saved in the old notebook "
                          "format 3 and was converted to format 4 for grading.", eye=False))
    if not isinstance(raw.get("cells"), list):
        return None, [Flag("notebook_not_notebook", f"{name}.ipynb has no list of cells; it "
                           "scores 0.")]
    raw["cells"] = [c for c in raw["cells"] if isinstance(c, dict)]
    return raw, flags


def _first_line(text):
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def canonicalise(released, submitted):
    """(notebook, [Flag]): the release with the student's answers copied in.

    ``released`` and ``submitted`` are notebook dicts (nbformat 4). The result has the
    release's cells, ids, metadata and order; each answer cell's source is the student's.
    """
    nb = copy.deepcopy(released)
    flags = []
    cells = submitted["cells"]
    used = set()

    def note(code, reason, cell="", eye=True):
        flags.append(Flag(code, reason, cell, eye))

    by_gid = {}
    for i, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid is not None:
            by_gid.setdefault(gid, []).append(i)
    release_gids = {grade_id(c) for c in nb["cells"] if grade_id(c)}
    release_ids = {c.get("id") for c in nb["cells"] if c.get("id")}

    ids = [c.get("id") for c in cells if isinstance(c.get("id"), str)]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        note("cell_ids_duplicated", f"cell ids appear more than once ({', '.join(repeated[:5])}):"
             " the notebook's cells were graded by their grade_id from the released notebook.")
    for gid, where in sorted(by_gid.items()):
        if len(where) > 1:
            note("grade_id_duplicated", f"the cell '{gid}' appears {len(where)} times; the "
                 "first one was graded.", gid)

    order = []
    placed = {}  # index of a submitted cell -> index of the released cell it became
    for r, rcell in enumerate(nb["cells"]):
        gid = grade_id(rcell)
        if gid is None:
            continue
        found = [i for i in by_gid.get(gid, []) if i not in used]
        how = "grade_id"
        if not found and rcell.get("id"):
            found = [i for i, c in enumerate(cells) if i not in used and c.get("id") == rcell["id"]
                     and grade_id(c) in (None, gid)]
            how = "id"
        if not found and is_answer(rcell) and rcell.get("cell_type") == "code":
            first = _first_line(_source(rcell))
            found = [i for i, c in enumerate(cells) if i not in used and first
                     and c.get("cell_type") == "code" and grade_id(c) not in release_gids
                     and _first_line(_source(c)) == first]
            how = "first line"
        if not found:
            if is_answer(rcell):
                note("answer_missing", f"the answer cell '{gid}' is missing from the "
                     "submission; it was graded as not attempted.", gid)
            elif is_check(rcell):
                note("check_cell_deleted", f"the check cell '{gid}' was deleted; the "
                     "instructor's version was restored and graded.", gid)
            continue
        i = found[0]
        used.add(i)
        order.append(i)
        placed[i] = r
        scell = cells[i]
        smeta = _meta(scell)
        if how != "grade_id":
            note("metadata_removed", f"the cell '{gid}' lost its nbgrader metadata; it was "
                 f"recognised by its {how} and graded with the released metadata.", gid)
        else:
            changed = [k for k in ("grade", "solution", "locked", "points", "cell_type")
                       if k in _meta(rcell) and smeta.get(k) != _meta(rcell).get(k)]
            if changed:
                note("metadata_changed", f"the nbgrader metadata of the cell '{gid}' was "
                     f"changed ({', '.join(changed)}); the released metadata was used.", gid)
        if is_answer(rcell):
            if scell.get("cell_type") != rcell.get("cell_type"):
                note("answer_wrong_type", f"the answer cell '{gid}' was changed from "
                     f"{rcell.get('cell_type')} to {scell.get('cell_type')}; it was graded as "
                     "not attempted.", gid)
                continue
            rcell["source"] = _source(scell)
        elif is_check(rcell) and _source(scell).strip() != _source(rcell).strip():
            note("check_cell_edited", f"the check cell '{gid}' was edited; the instructor's "
                 "version was graded.", gid)
        elif not is_check(rcell) and _source(scell).strip() != _source(rcell).strip():
            note("locked_cell_edited", f"the read-only cell '{gid}' was edited; the released "
                 "version was used.", gid, eye=False)

    if order != sorted(order):
        note("cells_reordered", "cells were moved; the notebook was graded in the released "
             "order.")
    foreign = [i for i, c in enumerate(cells) if i not in used and _source(c).strip()
               and grade_id(c) not in release_gids and c.get("id") not in release_ids]
    added = [i for i in foreign if cells[i].get("cell_type") == "code"]
    if added:
        _insert_added(nb, cells, added, placed)
        note("cells_added", f"{len(added)} code cell(s) you added were graded with your answers, "
             "in their place (checked like answer cells).", eye=False)

    for cell in nb["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return nb, flags


#: Key of ``metadata.dlcourse`` marking a code cell the student added (graded with the answers).
ADDED_KEY = "added"


def is_added(cell):
    """A code cell the student added (kept by :func:`canonicalise`, scanned like an answer)."""
    meta = cell.get("metadata", {}).get("dlcourse") if isinstance(cell, dict) else None
    return isinstance(meta, dict) and bool(meta.get(ADDED_KEY)) and cell.get("cell_type") == "code"


def _insert_added(nb, cells, added, placed):
    """Put the student's own code cells into ``nb`` where they were, in their order.

    Each goes after the released cell that the nearest cell above it became (a cell added
    above every released cell goes first); several after one cell keep their order.
    """
    after = {}  # released index (-1: before everything) -> [submitted indices]
    for i in added:
        above = [j for j in placed if j < i]
        anchor = placed[max(above)] if above else -1
        after.setdefault(anchor, []).append(i)
    taken = {c.get("id") for c in nb["cells"]}
    out = []

    def emit(anchor):
        for n, i in enumerate(after.get(anchor, [])):
            cid = f"added-{anchor + 1}-{n}"
            while cid in taken:
                cid += "x"
            taken.add(cid)
            out.append({"cell_type": "code", "id": cid, "execution_count": None,
                        "metadata": {"dlcourse": {ADDED_KEY: True}}, "outputs": [],
                        "source": _source(cells[i])})

    emit(-1)
    for r, cell in enumerate(nb["cells"]):
        out.append(cell)
        emit(r)
    nb["cells"] = out
