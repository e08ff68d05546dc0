"""The PDFs of `make pdf`: one per edition present, complete, numbered, searchable.

``make pdf`` (book/_tools/make_pdf.py) prints the HTML build with Debian's Chromium; CI runs it
after ``make book``. These tests read ``_build/pdf/dlcourse-<edition>.pdf`` (or
``$DLCOURSE_PDF_DIR``) for every edition of the HTML build: English always, Korean when
``<build>/html/ko/`` exists. A missing PDF fails in CI (``DLCOURSE_REQUIRE_BROWSER=1``) and skips
elsewhere, with the command that makes it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_BROWSER = os.environ.get("DLCOURSE_REQUIRE_BROWSER") == "1"
EDITIONS = {"en": "", "ko": "ko/"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def pdf_dir() -> Path:
    return Path(os.environ.get("DLCOURSE_PDF_DIR", ROOT / "_build" / "pdf"))


def html_dir() -> Path:
    return Path(os.environ.get("DLCOURSE_BOOK_HTML", ROOT / "_build" / "html"))


def _edition_pdf(edition: str, first_page: str) -> Path:
    html = html_dir()
    if not (html / EDITIONS[edition] / f"{first_page}.html").is_file():
        if edition == "en":
            pytest.fail(f"no English HTML build in {html}: run `make book`")
        pytest.skip(f"no {edition} edition in {html}")
    path = pdf_dir() / f"dlcourse-{edition}.pdf"
    if not path.is_file():
        message = f"{path} does not exist: run `make pdf` (after `make book`)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _text_and_fonts(path: Path):
    from pypdf import PdfReader

    reader = PdfReader(path)
    texts = [page.extract_text() or "" for page in reader.pages]
    fonts: dict[str, tuple[bool, str]] = {}  # base font -> (embedded, subtype)
    images = 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont") or font.get("/Name") or id(font))
            fonts[name] = (embedded or fonts.get(name, (False,))[0], str(font.get("/Subtype")))
        xobjects = resources.get("/XObject") or {}
        images += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return reader, texts, fonts, images


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_pdf_of_the_edition(edition, toc_pages):
    docnames = toc_pages
    path = _edition_pdf(edition, docnames[0])
    reader, texts, fonts, images = _text_and_fonts(path)
    n = len(reader.pages)
    size_mb = path.stat().st_size / 1e6
    print(f"{path}: {n} pages, {size_mb:.1f} MB, {images} images, {len(fonts)} fonts")

    # Every page of the table of contents is in it (a bookmark each), after a title page and
    # the contents; well over a page per chapter.
    outline = reader.outline
    top = [item for item in outline if not isinstance(item, list)]
    assert len(top) == len(docnames), f"{len(top)} top-level bookmarks for {len(docnames)} pages"
    assert n >= 2 + 2 * len(docnames), f"only {n} pages for {len(docnames)} pages of the book"
    for item in top:
        page_no = reader.get_destination_page_number(item)
        # Compared without spaces: the text layer spaces Hangul and brackets its own way
        # ("표기법 (notation)" for the title 표기법(notation)).
        assert item.title.split()[0] in "".join(texts[page_no].split()), (
            f"bookmark {item.title!r} points at page {page_no + 1}, which does not show it")

    # Text is extractable (not pictures of text), and the page numbers are stamped.
    empty = [i + 1 for i, t in enumerate(texts) if len(t.strip()) < 20]
    assert len(empty) <= n // 20, f"pages with no extractable text: {empty}"
    for i in (0, n // 2, n - 1):
        assert re.search(rf"\b{i + 1} / {n}\b", texts[i]), (
            f"page {i + 1} has no footer '{i + 1} / {n}': {texts[i][-120:]!r}")
    contents = re.sub(r"[\s\x00-\x1f]", "", texts[1] + texts[2])
    for item in top:
        assert re.sub(r"\s", "", item.title) in contents, f"the contents do not list {item.title!r}"

    # Fonts embedded; math typeset by MathJax (whose web fonts Chromium embeds as Type3 fonts),
    # so no raw TeX is left in the text; figures present.
    not_embedded = [name for name, (ok, subtype) in fonts.items() if not ok and subtype != "/Type3"]
    assert not not_embedded, f"fonts not embedded: {not_embedded}"
    assert any(subtype == "/Type3" for _, subtype in fonts.values()), "no MathJax glyphs"
    raw_tex = [i + 1 for i, t in enumerate(texts)
               if re.search(r"\\(frac|sum|partial|mathbf)\b|\\\(|\$\$", t)]
    assert len(raw_tex) <= n // 20, f"raw TeX in the text of pages {raw_tex[:10]}"
    assert images >= 40, f"only {images} images: figures or explorers missing?"

    # Hangul, drawn in an embedded font (checked above) and extractable: the English edition
    # quotes the lectures' Korean terms (over 3000 syllables), the Korean one is in Korean.
    hangul = sum(len(HANGUL.findall(t)) for t in texts)
    assert hangul >= (1000 if edition == "ko" else 100), f"{hangul} Hangul syllables only"
    if edition == "ko":
        assert "차례" in texts[1], "the Korean edition's contents page is not titled 차례"
