"""The Korean edition (``_build/html/ko/``) in headless Chromium, as test_book_pages.py does the
English one (issue 15).

Per page of _toc.yml: it exists at the same path under ko/, declares ``lang="ko"``, opens with
no console error and no request leaving 127.0.0.1, its math is typeset, its images load, its
widget views and animations render, and the language switch in its header leads to the English
twin, whose own switch leads back. Across the edition: internal links and anchors resolve, and
search finds a Korean term whatever particle follows it (Sphinx's default splitter does not;
book/_ext/dlcourse_i18n.py's Korean search language does).

The Korean edition is built by ``make book`` after the English one; when it is missing or older
than a source or a catalog, the fixture builds it (the execution cache is shared, so no cell runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import BUILD_TIMEOUT_S, ROOT, book_sources
from test_book_pages import (
    IMAGES_JS,
    check_animations,
    check_math,
    check_widgets,
    crawl_links,
    full_page_screenshot,
    search_pages,
)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def _ko_sources() -> list[Path]:
    return book_sources() + sorted((ROOT / "locales" / "ko").rglob("*.po"))


def _build_korean(book_html: Path) -> None:
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    steps = [
        [sys.executable, str(ROOT / "book/_ext/editions.py"), "config", "ko"],
        [str(jupyter_book), "build", ".", "-W", "-n", "--keep-going", "--config",
         "_build/editions/_config.ko.yml", "--path-output", "_build/editions/ko"],
    ]
    env = {**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.monotonic()
    for command in steps:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT_S, env=env)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
            pytest.fail(f"`{' '.join(command)}` failed ({result.returncode}):\n{tail}",
                        pytrace=False)
    subprocess.run(["rm", "-rf", str(book_html / "ko")], check=True)
    subprocess.run(["cp", "-r", str(ROOT / "_build/editions/ko/_build/html"),
                    str(book_html / "ko")], check=True)
    print(f"built the Korean edition in {time.monotonic() - started:.0f} s")


@pytest.fixture(scope="session")
def ko_html(book_html: Path) -> Path:
    """<site>/ko: the Korean edition, built when missing or stale (unless DLCOURSE_BOOK_HTML)."""
    html = book_html / "ko"
    if os.environ.get("DLCOURSE_BOOK_HTML"):
        if not (html / "index.html").is_file():
            pytest.fail(f"{html} holds no Korean edition: build it with `make book`")
        return html
    pages = list(html.glob("**/*.html")) if html.is_dir() else []
    built = max((p.stat().st_mtime for p in pages), default=0)
    if not (html / "index.html").is_file() or any(p.stat().st_mtime > built for p in _ko_sources()):
        _build_korean(book_html)
    return html


def _switch(page) -> tuple[str, str, str]:
    """(href, hreflang, text) of the page's language switch."""
    link = page.locator("a.dlcourse-language-switch")
    assert link.count() == 1, f"{page.url}: {link.count()} language switches, expected 1"
    return link.get_attribute("href"), link.get_attribute("hreflang"), link.inner_text().strip()


def test_korean_page(toc_page, ko_html, site_url, watched_context, screenshot_dir):
    docname = toc_page
    context, watch = watched_context
    html_file = ko_html / f"{docname}.html"
    assert html_file.is_file(), f"{docname} has no Korean twin at ko/{docname}.html"
    html = html_file.read_text(encoding="utf-8")
    assert '<html lang="ko"' in html, f"ko/{docname}.html does not declare lang=\"ko\""
    page = context.new_page()
    problems: list[str] = []
    response = page.goto(site_url + f"ko/{docname}.html", wait_until="load")
    assert response is not None and response.ok, f"ko/{docname}: HTTP {response and response.status}"
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except Exception:
        pass
    n_math = check_math(page, problems)
    n_widgets = check_widgets(page, html, problems)
    images = page.evaluate(IMAGES_JS)
    if images["broken"]:
        problems.append(f"images that did not load: {images['broken']}")
    check_animations(page, problems)

    # the language switch, both ways
    href, lang, text = _switch(page)
    if (lang, text) != ("en", "English"):
        problems.append(f"the switch says {text!r} (hreflang={lang!r}), not English")
    # (the twin's header is all that is needed: wait for its DOM, not its images and widgets)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=2 * TIMEOUT_MS):
        page.locator("a.dlcourse-language-switch").click()
    if urlsplit(page.url).path != f"/{docname}.html":
        problems.append(f"the switch led to {page.url}, not the English /{docname}.html")
    else:
        back, back_lang, back_text = _switch(page)
        if (back_lang, back_text) != ("ko", "한국어"):
            problems.append(f"the English twin's switch says {back_text!r} ({back_lang!r})")
        with page.expect_navigation(wait_until="domcontentloaded", timeout=2 * TIMEOUT_MS):
            page.locator("a.dlcourse-language-switch").click()
        if urlsplit(page.url).path != f"/ko/{docname}.html":
            problems.append(f"the English switch led to {page.url}, not /ko/{docname}.html")

    shot = screenshot_dir / f"ko-{Path(docname).name}.png"
    if urlsplit(page.url).path == f"/ko/{docname}.html":  # back from the English twin
        try:
            page.wait_for_load_state("load", timeout=2 * TIMEOUT_MS)
            page.evaluate("() => window.scrollTo(0, 0)")
            full_page_screenshot(page, shot)
        except Exception as exc:  # a screenshot is a by-product, not a check
            print(f"ko/{docname}: no screenshot ({str(exc).splitlines()[0]})")
    errors = watch.console_errors + watch.page_errors
    if errors:
        problems.append("console errors:\n    " + "\n    ".join(errors))
    if watch.off_site:
        problems.append("requests that tried to leave 127.0.0.1:\n    " + "\n    ".join(watch.off_site))
    if watch.failed:
        problems.append("local requests that failed:\n    " + "\n    ".join(watch.failed))
    print(f"ko/{docname}: {n_math} math, {images['count']} images, {n_widgets} widget views")
    assert not problems, f"ko/{docname}:\n  " + "\n  ".join(problems)


def test_korean_links_and_anchors_resolve(book_html, ko_html, toc_pages):
    start = ["ko/index.html"] + [f"ko/{name}.html" for name in toc_pages]
    problems, visited = crawl_links(book_html, start)
    for name in toc_pages:
        assert f"ko/{name}.html" in visited and f"{name}.html" in visited  # the switch links both
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems)


def _search(page, site_url, prefix, term) -> list[str]:
    return search_pages(page, site_url + f"{prefix}search.html?q={term}")


@pytest.mark.parametrize("term", ["은닉층", "은닉층은", "은닉층을", "은닉층의"])
def test_korean_search_ignores_particles(term, ko_html, site_url, watched_context):
    """은닉층 (hidden layer) with any particle finds the glossary, where the page has 은닉층."""
    context, watch = watched_context
    page = context.new_page()
    pages = _search(page, site_url, "ko/", term)
    assert "ko/book/glossary.html" in pages, f"Korean search for {term!r} found {pages}"
    errors = watch.console_errors + watch.page_errors
    assert not errors, f"console errors on the search page: {errors}"


def test_english_search_does_not_strip_particles(book_html, site_url, watched_context):
    """Without the Korean search language a particle hides the term (this is what the Korean
    edition's stemmer fixes; it also shows the test above can fail)."""
    context, _watch = watched_context
    page = context.new_page()
    assert _search(page, site_url, "", "은닉층을") == []
