"""Print the built book to one PDF per edition: ``make pdf``.

Debian's Chromium (driven by Playwright for Python, never a browser download) prints each page of
``_toc.yml`` from the HTML build, in reading order, once its math is typeset by the vendored
MathJax, its explorers are drawn by html-manager (their static picture) and its images have
loaded; the book's print style (``book/_static/dlcourse.css``) drops the sidebars, buttons and
player controls. pypdf then joins the pages behind a title page and a table of contents with page
numbers, adds a bookmark per chapter (with Chromium's outline of its headings below it), and
stamps a running footer with the page number on every page. Fonts are embedded by Chromium
(subsets): Hangul comes from the system's Korean font (Debian's ``fonts-nanum``); text stays
extractable.

Editions: English from ``<html>/``, Korean from ``<html>/ko/`` when that folder holds the pages.

    .venv/bin/python book/_tools/make_pdf.py [--html _build/html] [--out _build/pdf] [--edition en]

Writes ``<out>/dlcourse-<edition>.pdf`` and prints page counts, sizes and times.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import io
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = {"en": "", "ko": "ko/"}
TITLES = {"en": "Contents", "ko": "차례"}
PAGE_WORD = {"en": "page", "ko": "쪽"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAPER = {"format": "A4", "margin": {"top": "18mm", "bottom": "20mm", "left": "16mm",
                                    "right": "16mm"}}
TIMEOUT_MS = 120_000

# The state a reader sees: typeset math, rendered widget views, loaded images. Then, for paper:
# links to other pages of the site lead nowhere in a PDF, so they become plain text (in-page
# anchors stay links), and lazy images load now.
PREPARE_JS = """
async () => {
  for (const img of document.images) if (img.loading === 'lazy') img.loading = 'eager';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const deadline = Date.now() + 60000;
  while (views.some(v => !(v.previousElementSibling
                           && v.previousElementSibling.querySelector('.jupyter-widgets')))
         && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  const images = [...document.images];
  await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done); img.addEventListener('error', done);
    setTimeout(done, 20000);
  })));
  const here = location.href.split('#')[0];
  for (const a of document.querySelectorAll('a[href]')) {
    const target = new URL(a.getAttribute('href'), location.href);
    if (target.origin === location.origin && target.href.split('#')[0] !== here)
      a.removeAttribute('href');
  }
  if (document.fonts) await document.fonts.ready;
  const h1 = document.querySelector('main h1, article h1, h1');
  return h1 ? h1.textContent.replace(/[#¶]\\s*$/, '').trim() : document.title;
}
"""


def toc_docnames() -> list[str]:
    """Every page of _toc.yml, in reading order: the root, then each ``file:`` entry (the
    browser tests read the table of contents through this function too)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("sections"))
    return [re.sub(r"\.(md|ipynb|rst)$", "", n) for n in names]


def book_title() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return str(config.get("title", "dlcourse"))


def editions_present(site: Path) -> list[str]:
    first = toc_docnames()[0]
    return [ed for ed, folder in EDITIONS.items() if (site / folder / f"{first}.html").is_file()]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def find_chromium() -> str:
    for candidate in (os.environ.get("DLCOURSE_CHROMIUM"), shutil.which("chromium"),
                      "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("make pdf: no Chromium found; on Debian: apt-get install chromium fonts-nanum")


def front_matter_html(title: str, edition: str, entries: list[tuple[str, int]]) -> str:
    lang = "ko" if edition == "ko" else "en"
    rows = "\n".join(
        f'<li><span class="t">{html.escape(name)}</span><span class="d"></span>'
        f'<span class="p">{page}</span></li>' for name, page in entries
    )
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>
body {{ font-family: sans-serif; color: #000; }}
.title {{ height: 240mm; display: flex; flex-direction: column; justify-content: center;
          text-align: center; break-after: page; }}
.title h1 {{ font-size: 26pt; margin: 0 0 8mm; }}
.title p {{ font-size: 12pt; }}
h2 {{ font-size: 18pt; }}
ol {{ list-style: none; padding: 0; font-size: 12pt; }}
li {{ display: flex; margin: 3mm 0; }}
.d {{ flex: 1; border-bottom: 1px dotted #555; margin: 0 2mm 1.2mm; }}
</style></head><body>
<section class="title"><h1>{html.escape(title)}</h1>
<p>dlcourse — {"한국어판" if edition == "ko" else "English edition"}</p></section>
<h2>{TITLES.get(edition, "Contents")}</h2><ol>{rows}</ol></body></html>"""


def footer_html(title: str, n_pages: int) -> tuple[str, str]:
    """A document of ``n_pages`` empty pages and the footer template stamped on each."""
    body = '<div style="break-after: page; height: 1px"></div>' * (n_pages - 1) + "<div></div>"
    footer = (
        '<div style="font-size: 8pt; width: 100%; margin: 0 16mm; display: flex; '
        'font-family: sans-serif; color: #333;"><span style="flex: 1">'
        f"{html.escape(title)}</span>"
        '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
    )
    return f"<!doctype html><html><body style='margin:0'>{body}</body></html>", footer


def build_edition(browser, site: Path, edition: str, out: Path) -> dict:
    from pypdf import PdfReader, PdfWriter

    started = time.monotonic()
    title = book_title()
    server, base = serve(site)
    parts: list[tuple[str, bytes, int]] = []
    try:
        context = browser.new_context(locale="ko-KR" if edition == "ko" else "en-US",
                                      viewport={"width": 1000, "height": 1400})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.emulate_media(media="print")
        for docname in toc_docnames():
            url = f"{base}{EDITIONS[edition]}{docname}.html"
            response = page.goto(url, wait_until="load")
            if response is None or not response.ok:
                sys.exit(f"make pdf: {url}: HTTP {response and response.status}")
            heading = page.evaluate(PREPARE_JS)
            pdf = page.pdf(print_background=True, outline=True, tagged=True,
                           prefer_css_page_size=False, **PAPER)
            n = len(PdfReader(io.BytesIO(pdf)).pages)
            parts.append((heading, pdf, n))
            print(f"  {edition}/{docname}: {n} pages ({heading})", flush=True)

        def front(entries):
            page.set_content(front_matter_html(title, edition, entries), wait_until="load")
            return page.pdf(print_background=True, tagged=True, **PAPER)

        draft = front([(h, 0) for h, _, _ in parts])
        n_front = len(PdfReader(io.BytesIO(draft)).pages)
        starts, page_no = [], n_front + 1
        for _, _, n in parts:
            starts.append(page_no)
            page_no += n
        front_pdf = front([(h, s) for (h, _, _), s in zip(parts, starts)])
        if len(PdfReader(io.BytesIO(front_pdf)).pages) != n_front:
            sys.exit("make pdf: the table of contents changed length between its two passes")
        total = page_no - 1

        body, footer = footer_html(title, total)
        page.set_content(body, wait_until="load")
        numbers = PdfReader(io.BytesIO(page.pdf(
            display_header_footer=True, header_template="<span></span>",
            footer_template=footer, **PAPER)))
        context.close()
    finally:
        server.shutdown()
        server.server_close()

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front_pdf)), import_outline=False)
    for heading, pdf, _ in parts:
        writer.append(PdfReader(io.BytesIO(pdf)), outline_item=heading)
    if len(numbers.pages) != len(writer.pages):
        sys.exit(f"make pdf: {len(numbers.pages)} numbered pages for {len(writer.pages)} pages")
    for target, stamp in zip(writer.pages, numbers.pages):
        target.merge_page(stamp)
    writer.add_metadata({"/Title": title, "/Author": "The dlcourse authors",
                         "/Subject": f"dlcourse textbook, {edition} edition",
                         "/Creator": "make pdf (Chromium + pypdf)"})
    from pypdf.generic import NameObject, TextStringObject
    writer._root_object[NameObject("/Lang")] = TextStringObject(edition)
    writer.page_mode = "/UseOutlines"
    writer.compress_identical_objects()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"dlcourse-{edition}.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    return {"path": path, "pages": total, "bytes": path.stat().st_size,
            "seconds": time.monotonic() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf")
    parser.add_argument("--edition", action="append", choices=sorted(EDITIONS),
                        help="default: every edition present in the HTML build")
    args = parser.parse_args(argv)
    editions = args.edition or editions_present(args.html)
    if "en" not in editions_present(args.html):
        sys.exit(f"make pdf: no English edition in {args.html}; run `make book` first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS,
                                    timeout=60_000)
        try:
            for edition in editions:
                if edition not in editions_present(args.html):
                    sys.exit(f"make pdf: no {edition} edition in {args.html}")
                result = build_edition(browser, args.html, edition, args.out)
                print(f"{result['path']}: {result['pages']} pages, "
                      f"{result['bytes'] / 1e6:.1f} MB, {result['seconds']:.0f} s", flush=True)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
