"""The package's language setting and catalog, the catalogs' tooling, the Korean assignment twins.

Issue 15. What the book's build does with the catalogs is in tests/test_i18n_book.py; the
completeness of the translations in tests/test_i18n_catalogs.py.
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import dlcourse
from dlcourse import i18n
from dlcourse import i18n_catalogs as cat
from dlcourse.i18n import Entry, compile_mo, format_po, read_po

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = cat.assignments(ROOT)


@pytest.fixture(autouse=True)
def _english_afterwards(monkeypatch):
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    yield
    i18n.set_language(None)


@pytest.fixture
def korean_catalog(tmp_path, monkeypatch):
    """A package catalog in a temporary locale folder with a few Korean entries."""
    po = tmp_path / "ko" / "LC_MESSAGES" / "dlcourse.po"
    po.parent.mkdir(parents=True)
    entries = [cat.header("ko", "dlcourse"),
               Entry("expected {expected}, got {got}", "기대한 값 {expected}, 받은 값 {got}",
                     flags=["python-brace-format"]),
               Entry("Hint: {hint}", "힌트: {hint}", flags=["python-brace-format"]),
               Entry("epochs per run", "한 번에 학습할 에폭"),
               Entry("a NumPy array", "NumPy 배열", flags=["fuzzy"])]
    po.write_text(format_po(entries), encoding="utf-8")
    checks = [cat.header("ko", "checks"), Entry("look at the sign.", "부호를 보라.")]
    (po.parent / "dlcourse-checks.po").write_text(format_po(checks), encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    monkeypatch.setattr(i18n, "_translations", {})
    return po


# ---------------------------------------------------------------- the language setting

def test_default_is_english_and_set_language_switches():
    assert dlcourse.get_language() == "en"
    dlcourse.set_language("ko")
    assert dlcourse.get_language() == "ko"
    dlcourse.set_language("ko_KR.UTF-8")
    assert i18n.get_language() == "ko"
    dlcourse.set_language(None)
    assert dlcourse.get_language() == "en"


def test_environment_variable(monkeypatch):
    monkeypatch.setenv("DLCOURSE_LANG", "ko")
    assert dlcourse.get_language() == "ko"
    dlcourse.set_language("en")  # an explicit choice wins over the environment
    assert dlcourse.get_language() == "en"
    dlcourse.set_language(None)
    monkeypatch.setenv("DLCOURSE_LANG", "klingon")  # a typo must not break a notebook
    assert dlcourse.get_language() == "en"


def test_unknown_language_names_argument_and_value():
    with pytest.raises(ValueError, match=r"set_language: lang must be one of 'en', 'ko', got 'fr'"):
        dlcourse.set_language("fr")


def test_check_messages_follow_the_language(korean_catalog):
    from dlcourse.check import CheckFailed, check_array
    with pytest.raises(CheckFailed) as english:
        check_array(np.array([1.0]), [2.0], name="f(x)", hint="look at the sign.")
    assert str(english.value) == "f(x): expected [2.0], got [1.0]. Hint: look at the sign."
    dlcourse.set_language("ko")
    with pytest.raises(CheckFailed) as korean:
        check_array(np.array([1.0]), [2.0], name="f(x)", hint="look at the sign.")
    assert str(korean.value) == "f(x): 기대한 값 [2.0], 받은 값 [1.0]. 힌트: 부호를 보라."
    with pytest.raises(CheckFailed) as other:  # a hint not in the catalog stays as written
        check_array(np.array([1.0]), [2.0], name="f(x)", hint="mind the gap.")
    assert str(other.value).endswith("힌트: mind the gap.")
    # a fuzzy entry is not used: English, as msgfmt would
    with pytest.raises(CheckFailed, match=r"^f: 기대한 값 a NumPy array, 받은 값 None\. 힌트: "):
        check_array(None, [1.0], name="f")


def test_explorer_labels_follow_the_language(korean_catalog):
    from dlcourse.widgets._common import TrainingRun
    assert TrainingRun(lambda n: None).epochs.description == "epochs per run"
    dlcourse.set_language("ko")
    assert TrainingRun(lambda n: None).epochs.description == "한 번에 학습할 에폭"


def test_the_shipped_catalog_is_read_and_complete_entries_translate():
    """The real dlcourse.po compiles; whatever it translates comes out in Korean."""
    entries = read_po(cat.package_catalog(ROOT))
    done = [e for e in entries if e.msgid and e.translated]
    t = i18n.translation("ko")
    for e in done:
        assert t.gettext(e.msgid) == e.msgstr
    for e in entries:
        if e.msgid and not e.translated:
            assert t.gettext(e.msgid) == e.msgid  # falls back to English


def test_package_catalog_is_up_to_date():
    """Every marked string of the package is in dlcourse.po (run `make catalogs` if not)."""
    in_catalog = {e.msgid for e in read_po(cat.package_catalog(ROOT)) if e.msgid}
    marked = {e.msgid for e in cat.package_template(ROOT)}
    assert marked - in_catalog == set(), "run `make catalogs`: dlcourse.po lacks these strings"
    assert {"Hint: {hint}", "expected {expected}, got {got}", "epochs per run", "Train"} <= marked


def test_checks_catalog_is_up_to_date():
    """Every hint and mistake description of the check cells is in dlcourse-checks.po."""
    in_catalog = {e.msgid for e in read_po(cat.checks_catalog(ROOT)) if e.msgid}
    strings = {e.msgid for e in cat.checks_template(ROOT)}
    assert strings and strings - in_catalog == set(), "run `make catalogs`"
    assert "step(0) must be 0: the slides set y = 1 only for x > 0 (use >, not >=)." in strings


def test_package_data_ships_the_catalog():
    """pyproject's package-data pattern picks up dlcourse.po (a wheel install needs it)."""
    import tomllib
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = data["tool"]["setuptools"]["package-data"]["dlcourse"]
    shipped = {p for pattern in patterns for p in (ROOT / "dlcourse").glob(pattern)}
    assert {cat.package_catalog(ROOT), cat.checks_catalog(ROOT)} <= shipped


@pytest.mark.slow
def test_wheel_contains_the_catalog_and_speaks_korean(tmp_path):
    """Build a wheel, install it into a fresh target, and read the catalog from there."""
    src, out = tmp_path / "src", tmp_path / "wheel"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src)
    shutil.copytree(ROOT / "dlcourse", src / "dlcourse",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(src)], check=True, capture_output=True)
    wheel = next(out.glob("dlcourse-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "dlcourse/locale/ko/LC_MESSAGES/dlcourse.po" in names
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = ("import dlcourse.i18n as i; print(i.LOCALE_DIR); "
            "print(type(i.translation('ko')).__name__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, env={"PYTHONPATH": str(target), "PATH": ""}, check=True)
    folder, kind = result.stdout.split()
    assert Path(folder).is_relative_to(target) and kind == "GNUTranslations"


# ---------------------------------------------------------------- .po files

def test_po_round_trip_and_msgfmt(tmp_path):
    entries = [cat.header("ko", "t"),
               Entry('say "hi"\nand\ttab \\ end', '안녕 "hi"\n그리고\t탭 \\ 끝', comments=["note"],
                     locations=["a.py:1", "b.py:2"], flags=["python-brace-format"]),
               Entry("long " * 40, "", flags=["fuzzy"], previous="old text\nwith a line"),
               Entry("gone", "사라짐", obsolete=True)]
    path = tmp_path / "t.po"
    path.write_text(format_po(entries), encoding="utf-8")
    assert read_po(path) == entries
    if shutil.which("msgfmt"):
        subprocess.run(["msgfmt", "-c", "-o", str(tmp_path / "t.mo"), str(path)], check=True,
                       capture_output=True)
    import gettext
    import io
    t = gettext.GNUTranslations(io.BytesIO(compile_mo(read_po(path))))
    assert t.gettext('say "hi"\nand\ttab \\ end') == '안녕 "hi"\n그리고\t탭 \\ 끝'
    assert t.gettext("long " * 40) == "long " * 40  # fuzzy: not compiled
    assert t.gettext("gone") == "gone"  # obsolete: not compiled


def test_merge_keeps_translations_and_marks_changed_text_fuzzy():
    old = [Entry("The perceptron adds its inputs.", "퍼셉트론은 입력을 더한다."),
           Entry("Removed paragraph.", "삭제된 문단.")]
    template = [Entry("The perceptron adds its inputs."),
                Entry("The perceptron adds its weighted inputs."), Entry("New.")]
    merged = cat.merge(template, old[:1]) + []
    assert merged[0].msgstr == "퍼셉트론은 입력을 더한다." and not merged[0].fuzzy
    merged = cat.merge(template[1:], old)
    assert merged[0].fuzzy and merged[0].msgstr == "퍼셉트론은 입력을 더한다."
    assert merged[0].previous == "The perceptron adds its inputs."
    assert merged[1].msgstr == "" and [e.msgid for e in merged] == [t.msgid for t in template[1:]]


def test_markup_check_catches_lost_roles_code_math_and_links():
    good = Entry("Use {term}`perceptron` with `step(x)`, $z = Wx$ and [ch. 1](01-a.md).",
                 "{term}`퍼셉트론 <perceptron>`에 `step(x)`, $z = Wx$, [1장](01-a.md)을 쓴다.",
                 locations=["book/x.md:1"])
    assert cat.check_entry(good) == []
    for broken in ("퍼셉트론에 `step(x)`, $z = Wx$, [1장](01-a.md)을 쓴다.",
                   "{term}`perceptron`에 step(x), $z = Wx$, [1장](01-a.md)을 쓴다.",
                   "{term}`perceptron`에 `step(x)`, $z = W x$, [1장](01-a.md)을 쓴다.",
                   "{term}`perceptron`에 `step(x)`, $z = Wx$, [1장](01-b.md)을 쓴다."):
        assert cat.check_entry(Entry(good.msgid, broken, locations=["book/x.md:1"])), broken
    fields = Entry("expected {expected}, got {got}", "기대한 값 {expected}, 받은 값 {got}",
                   flags=["python-brace-format"], locations=["dlcourse/check.py:1"])
    assert cat.check_entry(fields) == []
    fields.msgstr = "기대한 값 {expect}, 받은 값 {got}"
    assert cat.check_entry(fields)


def test_every_translated_entry_keeps_its_markup():
    """Runs on the real catalogs: a translation that drops a role, code, math or a link fails."""
    problems = [p for path in cat.catalog_files(ROOT) for p in cat.check_file(path)]
    assert not problems, "\n".join(problems)


def test_split_blocks_restores_every_markdown_cell():
    for a in ASSIGNMENTS:
        nb = json.loads((ROOT / "solutions" / a / f"{a}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                src = cat._source(cell)
                blocks = cat.split_blocks(src)
                assert "".join(b + s for b, s in blocks) == src
    fenced = "Text.\n\n```python\nx = 1\n\ny = 2\n```\n\n$$\na\n\nb\n$$\n\nEnd."
    blocks = [b for b, _ in cat.split_blocks(fenced)]
    assert blocks == ["Text.", "```python\nx = 1\n\ny = 2\n```", "$$\na\n\nb\n$$", "End."]
    assert [cat.translatable(b) for b in blocks] == [True, False, False, True]


def test_notebook_catalogs_are_up_to_date():
    for a in ASSIGNMENTS:
        rel = f"solutions/{a}/{a}.ipynb"
        wanted = [e.msgid for e in cat.notebook_template(ROOT / rel, rel)]
        have = [e.msgid for e in read_po(cat.notebook_catalog(ROOT, a)) if e.msgid and not e.obsolete]
        assert have == wanted, f"run `make catalogs`: {cat.notebook_catalog(ROOT, a)} is stale"


# ---------------------------------------------------------------- the Korean twins

def _cells(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_twin_keeps_graded_and_answer_cells_byte_identical(assignment):
    source = _cells(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    twin_nb = json.loads(cat.twin_text(ROOT, assignment))
    twin = twin_nb["cells"]
    assert len(twin) == len(source)
    setups = 0
    for s, t in zip(source, twin):
        meta = s["metadata"].get("nbgrader", {})
        assert t["metadata"] == s["metadata"] and t.get("id") == s.get("id")
        if s["cell_type"] == "code" and meta.get("grade_id") == "setup":
            setups += 1
            assert cat._source(t) == cat.SET_LANGUAGE["ko"] + cat._source(s)
            assert meta["locked"] and not meta.get("grade") and not meta.get("solution")
        elif s["cell_type"] == "code" or meta.get("grade") or meta.get("solution"):
            assert t["source"] == s["source"], f"{assignment}: cell {meta.get('grade_id')} changed"
    assert setups == 1
    english = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text(
        encoding="utf-8"))["metadata"].get("dlcourse", {})
    assert twin_nb["metadata"]["dlcourse"] == {**english, "language": "ko", "twin_of": assignment}


def test_twin_translates_paragraphs_and_falls_back_to_english(tmp_path):
    a = ASSIGNMENTS[0]
    (tmp_path / "solutions" / a).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / a / f"{a}.ipynb", tmp_path / "solutions" / a)
    rel = f"solutions/{a}/{a}.ipynb"
    template = cat.notebook_template(tmp_path / rel, rel)
    first, second = template[0].msgid, template[1].msgid
    template[0].msgstr = "# 과제 1: 퍼셉트론"
    template[1].msgstr, template[1].flags = "퍼지 번역", ["fuzzy"]
    po = cat.notebook_catalog(tmp_path, a)
    po.parent.mkdir(parents=True)
    po.write_text(format_po([cat.header("ko", "t")] + template), encoding="utf-8")
    assert cat.twin_drift(tmp_path)  # no twin yet
    cat.write_twins(tmp_path)
    assert cat.twin_drift(tmp_path) == []
    text = "".join("".join(c["source"]) for c in _cells(cat.twin_path(tmp_path, a)))
    assert "# 과제 1: 퍼셉트론" in text and first not in text
    assert second in text and "퍼지 번역" not in text  # fuzzy: English stays
    po.write_text(po.read_text(encoding="utf-8").replace("# 과제 1: 퍼셉트론", "# 과제 1"),
                  encoding="utf-8")
    assert cat.twin_drift(tmp_path), "a catalog change must show as drift"


def test_twin_setup_line_switches_the_package_to_korean():
    exec(cat.SET_LANGUAGE["ko"], {})
    assert dlcourse.get_language() == "ko"


def test_committed_twins_are_in_sync():
    """solutions/<A>-ko is what `make twins` makes of solutions/<A> and its catalog."""
    assert cat.twin_drift(ROOT) == []


def test_release_all_and_check_sync_include_the_twins():
    from dlcourse import course
    listed = cat.with_twins(ROOT, course.listed_assignments(ROOT))
    assert listed == [n for a in ASSIGNMENTS for n in (a, f"{a}-ko")]
    assert all(not cat.is_twin(a) for a in course.listed_assignments(ROOT))



def test_twins_keep_the_grading_settings_of_their_source():
    """A twin is graded by the same rules: 07-cnn's per-task allowances (build_cnn may use
    dlcourse.nn) travel with it, or the Korean twin loses the points the English one earns."""
    twin = json.loads(cat.twin_text(ROOT, "07-cnn"))
    assert twin["metadata"]["dlcourse"]["allow_imports"]["build_cnn"] == ["dlcourse.nn", "dlcourse.conv"]
