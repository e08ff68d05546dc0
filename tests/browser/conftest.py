"""Fixtures of the browser suite: the built book, a local web server, headless Chromium.

The browser is Debian's ``chromium`` package driven by Playwright for Python through
``executable_path``; Playwright's own browser download is never used. When no browser can be
had the tests skip with a message saying how to install one, except when
``DLCOURSE_REQUIRE_BROWSER=1`` (CI), where they fail.

Environment:
    DLCOURSE_BOOK_HTML        the built site to test (default: <repo>/_build/html, reused when it is
                              newer than the book's sources, built otherwise)
    DLCOURSE_REQUIRE_BROWSER  "1": a missing browser is an error, not a skip
    DLCOURSE_CHROMIUM         path of the Chromium binary (default: `chromium` on PATH, or
                              /usr/bin/chromium)
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_BROWSER = os.environ.get("DLCOURSE_REQUIRE_BROWSER") == "1"
NO_BROWSER = (
    "no browser: apt-get install chromium (Debian) — Playwright drives the system Chromium; "
    "never run `playwright install`"
)
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a 64 MB /dev/shm
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Chromium's own calls home (form-field hints from Google) would reach the live tests'
    # recording proxy; they are the browser's, not the site's
    "--disable-features=AutofillServerCommunication",
]
# Timeouts (milliseconds) for the browser; generous for a loaded 2-core CI machine.
TIMEOUT_MS = 30_000
BUILD_TIMEOUT_S = 1800
# Written next to the site after a build made by this suite: a rebuild in which Sphinx had
# nothing to write (a widget module changed, but jupyter-cache keys on the chapters' code)
# leaves the pages' times alone, and would otherwise start a build on every run.
STAMP = ".browser-tests-built"


# --------------------------------------------------------------------------- the table of contents


# The table of contents is read once, by the PDF builder's reader (book/_tools/make_pdf.py).
sys.path.insert(0, str(ROOT / "book" / "_tools"))
from make_pdf import toc_docnames  # noqa: E402


def pytest_generate_tests(metafunc):
    """``toc_page``: one test per page of _toc.yml (read at collection, so a new page is tested)."""
    if "toc_page" in metafunc.fixturenames:
        metafunc.parametrize("toc_page", toc_docnames())


@pytest.fixture(scope="session")
def toc_pages() -> list[str]:
    return toc_docnames()


def toc_source(docname: str) -> Path:
    for suffix in (".md", ".ipynb", ".rst"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml lists {docname}, but no source file exists")


def book_sources() -> list[Path]:
    """What the built site depends on: the configuration, the pages, the book's extensions and
    static files, and the explorers the chapters call."""
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    for docname in toc_docnames():
        try:
            sources.append(toc_source(docname))
        except FileNotFoundError:
            pass
    for folder in (ROOT / "book/_ext", ROOT / "book/_static", ROOT / "dlcourse/widgets"):
        if folder.is_dir():
            sources += [
                p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            ]
    for extra in ("book/references.bib", "book/alt-text.yml", "dlcourse/plotting.py",
                  "dlcourse/okabe_ito.mplstyle"):
        if (ROOT / extra).exists():
            sources.append(ROOT / extra)
    return sources


def stale_sources(html: Path) -> list[Path]:
    pages = list(html.glob("**/*.html")) if html.is_dir() else []
    if not (html / "index.html").exists() or not pages:
        return [Path("(no build)")]
    built_at = max(p.stat().st_mtime for p in pages)
    stamp = html.parent / STAMP
    if stamp.exists():
        built_at = max(built_at, stamp.stat().st_mtime)
    return [p for p in book_sources() if p.stat().st_mtime > built_at]


def build_book() -> None:
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", ".", "-W", "-n", "--keep-going"]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        env={**os.environ, "PATH": f"{jupyter_book.parent}{os.pathsep}{os.environ['PATH']}"},
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        pytest.fail(f"`{' '.join(command)}` failed ({result.returncode}):\n{tail}", pytrace=False)
    print(f"built the book in {time.monotonic() - started:.0f} s")


@pytest.fixture(scope="session")
def book_html() -> Path:
    """The built site: $DLCOURSE_BOOK_HTML as it is, else _build/html (built when stale)."""
    given = os.environ.get("DLCOURSE_BOOK_HTML")
    if given:
        html = Path(given).resolve()
        if not (html / "index.html").is_file():
            pytest.fail(f"DLCOURSE_BOOK_HTML={given} holds no built book (no index.html)")
        stale = stale_sources(html)
        if stale:
            warnings.warn(
                f"DLCOURSE_BOOK_HTML={given} is older than {stale[0].relative_to(ROOT)} "
                f"(and {len(stale) - 1} more); testing it anyway",
                stacklevel=1,
            )
        return html
    html = ROOT / "_build" / "html"
    if stale_sources(html):
        build_book()
        (html.parent / STAMP).touch()
    return html


@pytest.fixture(scope="session")
def screenshot_dir(book_html: Path) -> Path:
    """<build>/screenshots: beside the site (`_build/screenshots`), so it is never published."""
    folder = book_html.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- the web server


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture(scope="session")
def site_url(book_html: Path):
    """``http://127.0.0.1:<free port>/`` serving the built site, for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(book_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="book-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the browser


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("DLCOURSE_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def no_browser(reason: str):
    message = f"{NO_BROWSER} ({reason})"
    if REQUIRE_BROWSER:
        pytest.fail(f"DLCOURSE_REQUIRE_BROWSER=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    if chromium is None:
        no_browser("no chromium on PATH or at /usr/bin/chromium")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        no_browser(f"Playwright for Python is not installed: {exc}; run `make setup`")
    manager = sync_playwright().start()
    try:
        try:
            browser = manager.chromium.launch(
                executable_path=chromium, args=CHROMIUM_ARGS, timeout=60_000
            )
        except Error as exc:
            no_browser(f"{chromium} did not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()
    finally:
        manager.stop()


LOCAL_HOSTS = {"127.0.0.1"}
# Everything whose scheme is http(s)/ws(s) and whose host is not 127.0.0.1.
OFF_SITE = re.compile(r"^(?:https?|wss?)://(?!127\.0\.0\.1(?::\d+)?(?:/|$))", re.IGNORECASE)


class PageWatch:
    """What one browser context did: console errors, page errors, requests that tried to leave
    127.0.0.1 (aborted), and local requests that failed."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.off_site: list[str] = []
        self.failed: list[str] = []

    def attach(self, context) -> None:
        def block(route):
            if route.request.url not in self.off_site:
                self.off_site.append(route.request.url)
            route.abort("blockedbyclient")

        # Only the requests that would leave the machine are routed (and aborted), so the local
        # ones are not slowed by a round trip through Python.
        context.route(OFF_SITE, block)
        context.on("request", self._observe)
        context.on("requestfailed", self._request_failed)
        context.on("page", self.watch_page)

    def watch_page(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{exc.name}: {exc.message}"))

    def _observe(self, request) -> None:
        # A second net below the route: anything not to 127.0.0.1 is recorded, whatever its
        # scheme (data: and blob: URLs stay inside the page).
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about", "chrome-error"):
            return
        if parts.hostname not in LOCAL_HOSTS and request.url not in self.off_site:
            self.off_site.append(request.url)

    def _request_failed(self, request) -> None:
        if not OFF_SITE.match(request.url):
            self.failed.append(f"{request.url}: {request.failure}")

    def _console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            where = location.get("url", "")
            self.console_errors.append(f"{message.text} [{where}]" if where else message.text)


# --------------------------------------------------------------------------- pictures

IMAGE_HASH_JS = """
async img => {
  if (!img.src) return '';
  const bytes = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
}
"""


def picture_hash(figure) -> str:
    """sha256 of the bytes an <img> shows (a new URL with the same picture is no change)."""
    return figure.evaluate(IMAGE_HASH_JS)


def run_all_cells(page, notebook, wait_ready=None, attempts: int = 3) -> None:
    """Run > Run All Cells, as a reader would, until the first code cell shows it started
    ([*] or a number): a kernel that has just reported idle sometimes drops the first request
    (seen in JupyterLab and in JupyterLite). ``wait_ready()`` is called before each try."""
    first_prompt = notebook.locator(".jp-CodeCell .jp-InputPrompt").first
    for attempt in range(attempts):
        if wait_ready:
            wait_ready()
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(
                "el => /\\[(\\*|\\d+)\\]/.test(el.textContent)",
                arg=first_prompt.element_handle(), timeout=30_000,
            )
            return
        except Exception:  # noqa: BLE001 - not started: try again
            if attempt == attempts - 1:
                raise AssertionError("Run > Run All Cells did not start the cells") from None


def first_explorer(page, notebook, timeout_ms: int):
    """(the notebook's first explorer: a widget box with a slider and a picture, its <img>),
    once the picture has loaded."""
    explorer = notebook.locator(".jp-OutputArea-output .widget-vbox").filter(
        has=page.locator(".widget-slider")
    ).filter(has=page.locator("img")).first
    explorer.wait_for(timeout=timeout_ms)
    figure = explorer.locator("img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=figure.element_handle(),
        timeout=60_000,
    )
    return explorer, figure


def wait_for_new_picture(page, figure, before: str, seconds: float) -> str:
    """The picture's hash once it differs from ``before`` (or ``before`` after ``seconds``)."""
    deadline = time.monotonic() + seconds
    after = before
    while after == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        after = picture_hash(figure)
    return after


# --------------------------------------------------------------------------- the network guard


class _RecordingProxy(http.server.BaseHTTPRequestHandler):
    """A proxy that lets nothing through: every request it is given (any method, CONNECT for
    https) is recorded and answered 403. Set as a context's proxy with 127.0.0.1 bypassing it,
    it sees whatever tries to leave the machine, from pages, workers and service workers alike."""

    seen: list[str]

    def _refuse(self):
        self.seen.append(f"{self.command} {self.path}")
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = do_DELETE = do_PATCH = do_CONNECT = _refuse

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def network_guard():
    """(proxy settings for a browser context, list of the requests that reached the proxy)."""
    seen: list[str] = []
    handler = type("Proxy", (_RecordingProxy,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="guard-proxy", daemon=True)
    thread.start()
    try:
        proxy = {"server": f"http://127.0.0.1:{server.server_address[1]}", "bypass": "127.0.0.1"}
        yield proxy, seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def watched_context(browser, request):
    """A fresh browser context (no cache, no service workers) whose traffic is watched; the test
    gets (context, watch)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        service_workers="block",
        locale="en-US",
    )
    context.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch()
    watch.attach(context)
    yield context, watch
    context.close()
