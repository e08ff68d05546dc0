"""The Korean edition's build pieces (issue 15): book/_ext/dlcourse_i18n.py and the termbase.

* Korean search: particles are stripped when indexing (Python) and from the query (JavaScript);
* missing glyphs: matplotlib's warning in a cell's output fails a ``-W`` build, and the
  package's Hangul font (NanumGothic from koreanize-matplotlib) leaves no such warning;
* the language switch's URLs;
* termbase consistency: the Korean catalogs use book/termbase.yml's ``ko`` word wherever its
  ``en`` term appears.

Small Sphinx projects are built in a temporary folder (seconds); the real book's two editions
are checked in the browser suite (tests/browser/test_book_ko.py).
"""

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from dlcourse import i18n_catalogs as cat
from dlcourse.i18n import Entry, read_po

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "book" / "_ext"
sys.path.insert(0, str(EXT))
import dlcourse_i18n  # noqa: E402  (book/_ext is not a package)

TERMBASE = ROOT / "book" / "termbase.yml"


# ---------------------------------------------------------------- Korean search

@pytest.mark.parametrize(("word", "stem"), [
    ("은닉층", "은닉층"), ("은닉층은", "은닉층"), ("은닉층을", "은닉층"), ("은닉층의", "은닉층"),
    ("은닉층에서", "은닉층"), ("은닉층으로", "은닉층"), ("가중치가", "가중치"), ("역전파를", "역전파"),
    ("결과", "결과"), ("차이", "차이"), ("층은", "층은"),  # one syllable would be left: kept
])
def test_particles_are_stripped(word, stem):
    assert dlcourse_i18n.strip_particle(word) == stem


def test_latin_words_get_the_english_stemmer():
    lang = dlcourse_i18n.SearchKorean({})
    assert lang.stem("Perceptrons") == lang.stem("perceptron") == "perceptron"
    assert lang.stem("ReLU를") == "relu"


def _build(tmp_path, pages, language="ko", warning_is_error=True):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(EXT)!r})
        extensions = ["dlcourse_i18n"]
        language = {language!r}
        html_theme = "basic"
        """), encoding="utf-8")
    toc = "\n".join(f"   {name}" for name in pages)
    (src / "index.rst").write_text(f"Index\n=====\n\n.. toctree::\n\n{toc}\n", encoding="utf-8")
    for name, text in pages.items():
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    args = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-n", str(src), str(out)]
    if warning_is_error:
        args.insert(-2, "-W")
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return result, out


def _search_index(out):
    text = (out / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])


PAGES = {
    "topic": "은닉층은\n============\n\n신경망의 은닉층은 입력을 변환한다.\n",
    "object": "가중치\n============\n\n역전파는 은닉층을 거쳐 기울기를 전한다.\n",
    "genitive": "출력\n============\n\n은닉층의 출력이 다음 층의 입력이 된다.\n",
    "other": "손실\n============\n\n손실 함수는 오차를 잰다.\n",
}


def test_korean_index_finds_every_particle_form(tmp_path):
    result, out = _build(tmp_path, PAGES)
    assert result.returncode == 0, result.stderr
    index = _search_index(out)
    docs = index["docnames"]
    found = {docs[i] for i in _as_list(index["terms"]["은닉층"])}
    found |= {docs[i] for i in _as_list(index["titleterms"].get("은닉층", []))}
    assert found & set(PAGES) == {"topic", "object", "genitive"}  # (index lists the titles)
    assert "은닉층은" not in index["terms"] and "은닉층을" not in index["terms"]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_default_splitter_would_not(tmp_path):
    """The same pages indexed as Sphinx does without the extension's language: no shared term
    (this is why the extension exists, and shows the test above can fail)."""
    pages = {k: v for k, v in PAGES.items()}
    src_conf = tmp_path / "plain"
    result, out = _build(src_conf, pages, language="en")
    assert result.returncode == 0, result.stderr
    terms = _search_index(out)["terms"]
    assert "은닉층" not in terms and "은닉층은" in terms and "은닉층을" in terms


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the browser "
                    "suite checks the JavaScript stemmer in Chromium instead")
def test_javascript_stemmer_matches_python(tmp_path):
    result, out = _build(tmp_path, PAGES)
    assert result.returncode == 0, result.stderr
    words = ["은닉층", "은닉층은", "은닉층을", "은닉층의", "은닉층에서", "결과", "차이", "perceptrons",
             "가중치가"]
    script = (out / "_static" / "language_data.js").read_text(encoding="utf-8") + (
        "\nconst s = new Stemmer();\nconsole.log(JSON.stringify("
        + json.dumps(words) + ".map(w => s.stemWord(w))));\n")
    js = tmp_path / "stem.js"
    js.write_text(script, encoding="utf-8")
    run = subprocess.run(["node", str(js)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    lang = dlcourse_i18n.SearchKorean({})
    assert json.loads(run.stdout) == [lang.stem(w) for w in words]


# ---------------------------------------------------------------- missing glyphs

GLYPH_WARNING = ("UserWarning: Glyph 51008 (\\N{HANGUL SYLLABLE EUN}) missing from font(s) "
                 "DejaVu Sans.")


def test_a_missing_glyph_in_a_cell_output_fails_the_build(tmp_path):
    page = ("Figure\n======\n\n::\n\n   /tmp/x.py:3: " + GLYPH_WARNING
            + "\n     fig.savefig(buf)\n")
    result, _ = _build(tmp_path / "bad", {"figure": page})
    assert result.returncode != 0
    assert "lacks a glyph" in result.stderr
    result, _ = _build(tmp_path / "good", {"figure": page.replace("Glyph 51008", "Text")})
    assert result.returncode == 0, result.stderr


DRAW = """
import warnings, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
{setup}
fig, ax = plt.subplots()
ax.set_title("은닉층의 출력")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig.savefig(__import__("io").BytesIO(), format="png")
print("\\n".join(str(w.message) for w in caught))
"""


def _draw(setup):
    result = subprocess.run([sys.executable, "-c", DRAW.format(setup=setup)], capture_output=True,
                            text=True, timeout=120, check=True)
    return result.stdout


def test_hangul_renders_with_the_packaged_font():
    assert dlcourse_i18n.missing_glyph_lines(_draw("")), "without the font Hangul must be missing"
    assert _draw("import dlcourse.i18n; dlcourse.i18n.use_hangul_font()").strip() == ""
    assert _draw("import dlcourse.widgets").strip() == "", "the explorers must set the font up"


def test_the_font_comes_from_a_package():
    from dlcourse.i18n import hangul_font_files
    files = hangul_font_files()
    assert files and all("koreanize_matplotlib" in f.parts for f in files)


def test_the_glyph_warning_is_recognised():
    assert dlcourse_i18n.missing_glyph_lines("a\n" + GLYPH_WARNING + "\nb") == [GLYPH_WARNING]
    assert dlcourse_i18n.missing_glyph_lines("Glyphs are fine.\nmissing data") == []


# ---------------------------------------------------------------- language switch

@pytest.mark.parametrize(("page", "lang", "other", "url"), [
    ("book/01-perceptron", "en", "ko", "../ko/book/01-perceptron.html"),
    ("book/01-perceptron", "ko", "en", "../../book/01-perceptron.html"),
    ("search", "en", "ko", "ko/search.html"),
    ("genindex", "ko", "en", "../genindex.html"),
])
def test_twin_urls(page, lang, other, url):
    assert dlcourse_i18n.twin_url(page, lang, other) == url


def test_korean_config_derives_from_the_english_one():
    sys.path.insert(0, str(EXT))
    import editions
    english = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    korean = editions.derived("ko")
    assert korean["sphinx"]["config"]["language"] == "ko"
    assert korean["sphinx"]["config"]["locale_dirs"] == [str(ROOT / "locales")]
    assert korean["execute"]["cache"] == str(ROOT / "_build" / ".jupyter_cache")
    assert korean["execute"]["execute_notebooks"] == english["execute"]["execute_notebooks"]
    assert korean["exclude_patterns"] == english["exclude_patterns"]


# ---------------------------------------------------------------- termbase

def _plain(text):
    """``text`` without code, math, link targets and identifiers; a role keeps its shown text."""
    text = re.sub(r"\{[\w:.-]+\}`([^`<]*)(?:<[^>]*>)?`", r"\1", text)
    text = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\\begin\{.*?\\end\{[^}]*\}", " ", text, flags=re.S)
    # Display maths in a catalog entry has no dollars; names in code-like use are not prose:
    # relu_grad, stride=1, 'softmax_crossentropy', Linear(...).
    code_like = (r"\w+\([^()]*\)|\{[^{}]*\}|\\[a-zA-Z]+(\{[^}]*\})*|\w*_\w+|\w+(?=\s*=)"
                 r"|'[^']*'|\"[^\"]*\"")
    text = re.sub(code_like, " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _allowed_words(term):
    """The words a translation may use for ``term``: the termbase's Korean word; a name kept in
    Latin letters (an acronym or a CamelCase name such as ReLU, AdaGrad); and an English name a
    deck itself writes (deck 003's 보폭(stride)). A common alternative alone (과적합 for 과잉적합)
    is not enough: it goes in parentheses after the termbase's word."""
    words = {term["ko"]}
    if any(c.isupper() for c in term["en"][1:]):
        words.add(term["en"])
    for written in (term.get("decks") or {}).values():
        words.update(re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", str(written)))
    return {w for w in words if w}


def termbase_problems(entries, terms, where):
    """Translated entries whose English uses a termbase term and whose Korean lacks its word.

    Longer terms are matched first and blanked out, so "gradient descent" is not also read as
    "gradient", nor "weighted sum" as "weight"."""
    terms = sorted(terms, key=lambda t: -len(t["en"]))
    problems = []
    for e in entries:
        if not (e.msgid and e.translated):
            continue
        english, korean = _plain(e.msgid), e.msgstr
        for term in terms:
            en = term["en"]
            # Exactly as written, or capitalised at the start of a sentence or a list item (a
            # capitalised word elsewhere is a name or a menu label: "Restart Kernel").
            pattern = rf"(?<![\w-]){re.escape(en)}(?![\w-])"
            if en[:1].islower():
                start = r"(?:^|(?<=[.!?:|*#>-]\s)|(?<=\n))"
                pattern += rf"|{start}{re.escape(en[:1].upper() + en[1:])}(?![\w-])"
            if not re.search(pattern, english):
                continue
            english = re.sub(pattern, " ", english)
            if not any(w in korean for w in _allowed_words(term)):
                loc = e.locations[0] if e.locations else where
                problems.append(f"{loc}: {term['en']!r} is {term['ko']!r} in the termbase, "
                                f"not found in: {korean[:80]!r}")
    return problems


def test_termbase_check_trips_on_a_wrong_word():
    terms = [{"en": "overfitting", "ko": "과잉적합", "alt": ["과적합"]}]
    good = Entry("Overfitting is the gap.", "과잉적합(과적합)은 그 차이다.")
    bad = Entry("Overfitting is the gap.", "과적합은 그 차이다.")
    code = Entry("Call `overfitting()`.", "`overfitting()`을 부른다.")
    assert termbase_problems([good, code], terms, "t") == []
    assert len(termbase_problems([bad], terms, "t")) == 1


def test_catalogs_use_the_termbase_words():
    if not TERMBASE.is_file():
        pytest.skip("book/termbase.yml does not exist yet (issue 14 creates it); until then "
                    "locales/TRANSLATING.md lists the decks' words")
    data = yaml.safe_load(TERMBASE.read_text(encoding="utf-8"))
    terms = data if isinstance(data, list) else data.get("terms", data.get("entries", []))
    terms = [t for t in terms if t.get("en") and t.get("ko")]
    assert terms, "book/termbase.yml holds no entry with both en and ko"
    problems = []
    for path in cat.catalog_files(ROOT):
        problems += termbase_problems(read_po(path), terms, str(path))
    assert not problems, f"{len(problems)} entries do not use the termbase:\n" + "\n".join(problems)
