"""Every page of the table of contents, opened in headless Chromium from a local server.

Per page: no console error at all (none is allowlisted), no request leaves 127.0.0.1, the math
is typeset by the vendored MathJax, every image loads, the static widget views render, every
matplotlib animation scrubs, and a full-page screenshot goes to <build>/screenshots/. Across the
site: internal links and anchors resolve (a crawl of the static files) and search finds pages.
See tests/browser/README.md.
"""

from __future__ import annotations

import base64
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------- in the page

MATH_JS = """
async () => {
  const maths = [...document.querySelectorAll('.math')];
  if (!maths.length) return {count: 0};
  if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise)
    return {count: maths.length, missing: true};
  await MathJax.startup.promise;
  return {
    count: maths.length,
    containers: document.querySelectorAll('mjx-container').length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container'))
                    .map(m => m.textContent.trim().slice(0, 80)),
    errors: [...document.querySelectorAll('mjx-merror')]
              .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80)),
  };
}
"""

IMAGES_JS = """
async () => {
  const images = [...document.images];
  for (const img of images) if (img.loading === 'lazy') img.loading = 'eager';
  await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done); img.addEventListener('error', done);
    setTimeout(done, 15000);
  })));
  return {
    count: images.length,
    broken: images.filter(img => !(img.complete && img.naturalWidth > 0))
                  .map(img => (img.currentSrc || img.getAttribute('src') || img.outerHTML)
                  .slice(0, 120)),
  };
}
"""

# html-manager renders each widget-view <script> into a div.widget-subarea placed before it.
WIDGETS_RENDERED_JS = """
() => {
  const views = [...document.querySelectorAll('script[type="WIDGET_VIEW"]')];
  return views.length > 0 && views.every(v => {
    const area = v.previousElementSibling;
    return area && area.classList.contains('widget-subarea')
        && area.querySelector('.jupyter-widgets');
  });
}
""".replace("WIDGET_VIEW", WIDGET_VIEW)


def _widget_models(html: str) -> set[str]:
    match = re.search(rf'<script type="{re.escape(WIDGET_STATE)}">(.*?)</script>', html, re.DOTALL)
    if not match:
        return set()
    state = json.loads(match.group(1))
    return {m["model_name"] for m in state.get("state", {}).values() if "model_name" in m}


def check_math(page, problems: list[str]) -> int:
    math = page.evaluate(MATH_JS)
    if math.get("missing"):
        problems.append(f"{math['count']} math elements but MathJax did not load")
    elif math["count"]:
        if math["untypeset"]:
            problems.append(f"math not typeset: {math['untypeset'][:5]}")
        if math["errors"]:
            problems.append(f"MathJax errors: {math['errors'][:5]}")
    return math["count"]


def check_widgets(page, html: str, problems: list[str]) -> int:
    views = html.count(f'<script type="{WIDGET_VIEW}">')
    if not views:
        return 0
    try:
        page.wait_for_function(WIDGETS_RENDERED_JS, timeout=TIMEOUT_MS)
    except Exception:
        problems.append(f"the {views} static widget view(s) did not all render")
        return views
    models = _widget_models(html)
    if models & {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel"}:
        if not page.locator(".widget-subarea .widget-slider").count():
            problems.append("the widget state holds a slider but no .widget-slider rendered")
    if "ImageModel" in models and not page.locator(".widget-subarea img").count():
        problems.append("the widget state holds an Image but no <img> rendered")
    return views


def check_animations(page, problems: list[str]) -> int:
    """Scrub every matplotlib to_jshtml() player: the slider and a step button change the frame."""
    players = page.locator("div.animation")
    for i in range(players.count()):
        player = players.nth(i)
        img, slider = player.locator("img").first, player.locator("input.anim-slider").first
        player.scroll_into_view_if_needed()
        # Buttons found by what they do, not by their title: the Korean edition translates titles.
        player.locator('button[onclick$=".pause_animation()"]').click()
        last = int(slider.get_attribute("max") or 0)
        if last < 1:
            problems.append(f"animation {i + 1}: only one frame")
            continue
        player.locator('button[onclick$=".first_frame()"]').click()
        first_src = img.evaluate("img => img.src")
        slider.focus()
        page.keyboard.press("End")  # scrub with the keyboard, as a reader can
        try:
            page.wait_for_function(
                "([img, src]) => img.src !== src", arg=[img.element_handle(), first_src],
                timeout=5000,
            )
        except Exception:
            problems.append(f"animation {i + 1}: moving the slider did not change the frame")
            continue
        if slider.input_value() != str(last):
            problems.append(f"animation {i + 1}: slider at {slider.input_value()}, not {last}")
        last_src = img.evaluate("img => img.src")
        player.locator('button[onclick$=".previous_frame()"]').click()
        if img.evaluate("img => img.src") == last_src or slider.input_value() != str(last - 1):
            problems.append(f"animation {i + 1}: 'Previous frame' did not step back")
    return players.count()


def full_page_screenshot(page, path: Path) -> None:
    """The whole page as a PNG. Through the DevTools protocol with ``optimizeForSpeed`` (about a
    third faster than Playwright's ``full_page`` on the long chapters); Playwright's otherwise."""
    try:
        cdp = page.context.new_cdp_session(page)
        try:
            width, height = page.evaluate(
                "() => [document.documentElement.scrollWidth,"
                " document.documentElement.scrollHeight]"
            )
            shot = cdp.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "optimizeForSpeed": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                },
            )
        finally:
            cdp.detach()
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception:
        page.screenshot(path=str(path), full_page=True)


# --------------------------------------------------------------------------- the page test


def test_page(toc_page, book_html, site_url, watched_context, screenshot_dir):
    docname = toc_page
    context, watch = watched_context
    html_file = book_html / f"{docname}.html"
    assert html_file.is_file(), f"{docname} is in _toc.yml but {html_file} was not built"
    html = html_file.read_text(encoding="utf-8")
    page = context.new_page()
    problems: list[str] = []
    started = time.monotonic()

    response = page.goto(site_url + f"{docname}.html", wait_until="load")
    assert response is not None and response.ok, f"{docname}: HTTP {response and response.status}"
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except Exception:
        pass  # checked below through what did (not) load
    n_math = check_math(page, problems)
    n_widgets = check_widgets(page, html, problems)
    images = page.evaluate(IMAGES_JS)
    if images["broken"]:
        problems.append(f"images that did not load: {images['broken']}")
    n_animations = check_animations(page, problems)

    shot = screenshot_dir / f"{Path(docname).name}.png"
    page.evaluate("() => window.scrollTo(0, 0)")
    full_page_screenshot(page, shot)

    errors = watch.console_errors + watch.page_errors
    if errors:
        problems.append("console errors:\n    " + "\n    ".join(errors))
    if watch.off_site:
        problems.append("requests that tried to leave 127.0.0.1 (aborted):\n    "
                        + "\n    ".join(watch.off_site))
    if watch.failed:
        problems.append("local requests that failed:\n    " + "\n    ".join(watch.failed))
    print(
        f"{docname}: {n_math} math, {images['count']} images, {n_widgets} widget views, "
        f"{n_animations} animations, {time.monotonic() - started:.1f} s; screenshot {shot}"
    )
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------- links and anchors


class _Links(HTMLParser):
    """The ids of a page, and what it links to or loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (what, url)

    def handle_starttag(self, tag, attrs):
        a = {k: v for k, v in attrs if v is not None}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "a" and "href" in a:
            self.links.append(("<a href>", a["href"]))
        elif tag in ("img", "script", "iframe", "source") and a.get("src"):
            self.links.append((f"<{tag} src>", a["src"]))
        elif tag == "link" and a.get("href"):
            rel = set(a.get("rel", "").split())
            if rel & {"stylesheet", "icon", "preload", "prefetch", "modulepreload"}:
                self.links.append(("<link href>", a["href"]))


def crawl_links(book_html: Path, start: list[str]) -> tuple[list[str], list[str]]:
    """Follow internal links from the ``start`` pages through every internal HTML page.

    Returns (problems, pages visited). A link is internal when it is relative or names no other
    host; it must resolve to a file of the build, and its ``#fragment`` to an id on that page.
    """
    base = "http://book.invalid/"
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            links = _Links()
            links.feed(path.read_text(encoding="utf-8", errors="replace"))
            parsed[path] = links
        return parsed[path]

    problems: list[str] = []
    queue = [book_html / name for name in start]
    seen = set(queue)
    while queue:
        page = queue.pop(0)
        rel = page.relative_to(book_html).as_posix()
        for what, url in parse(page).links:
            if url.startswith(("javascript:", "data:", "mailto:", "tel:")):
                continue
            target = urlsplit(urljoin(base + rel, url))
            if target.scheme not in ("http", "https") or target.netloc != "book.invalid":
                continue  # a link for the reader to another site: not followed
            path = book_html / unquote(target.path).lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                problems.append(f"{rel}: {what} {url} -> no such file")
                continue
            if path.suffix == ".html":
                if target.fragment and unquote(target.fragment) not in parse(path).ids:
                    problems.append(f"{rel}: {what} {url} -> no id {target.fragment!r} there")
                if what == "<a href>" and path not in seen:
                    seen.add(path)
                    queue.append(path)
    return problems, sorted(p.relative_to(book_html).as_posix() for p in seen)


def test_internal_links_and_anchors_resolve(book_html, toc_pages):
    start = ["index.html"] + [f"{name}.html" for name in toc_pages]
    problems, visited = crawl_links(book_html, start)
    print(f"crawled {len(visited)} pages: {', '.join(visited)}")
    for name in toc_pages:
        assert f"{name}.html" in visited
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- search


SEARCH_DONE_JS = """() => {
  const s = document.querySelector('#search-results .search-summary');
  return s !== null && s.textContent.trim() !== '';
}"""


def search_pages(page, url) -> list[str]:
    """The pages a search lists, read once Sphinx reports the search finished: it appends the
    results one by one, 5 ms apart, so the first result is not the last."""
    page.goto(url, wait_until="load")
    try:
        page.wait_for_function(SEARCH_DONE_JS, timeout=TIMEOUT_MS)
    except Exception:
        shown = page.locator("#search-results").inner_text() if page.locator(
            "#search-results").count() else "(no #search-results)"
        pytest.fail(f"the search at {url} did not finish: {shown[:300]}")
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.href)")
    return sorted({urlsplit(h).path.lstrip("/") for h in hrefs})


@pytest.mark.parametrize(
    ("term", "expected_page"),
    [
        ("perceptron", "book/01-perceptron.html"),
        ("은닉층", "book/glossary.html"),  # a Korean glossary term: "hidden layer"
    ],
)
def test_search_finds_the_term(term, expected_page, site_url, watched_context):
    context, watch = watched_context
    page = context.new_page()
    pages = search_pages(page, site_url + f"search.html?q={term}")
    assert expected_page in pages, f"search for {term!r} found {pages}, not {expected_page}"
    errors = watch.console_errors + watch.page_errors
    assert not errors, f"console errors on the search page: {errors}"
    assert not watch.off_site, f"the search page tried to leave 127.0.0.1: {watch.off_site}"
