"""WCAG 2.1 AA: axe-core over every page of every edition of the built book.

axe-core ships inside the ``axe-playwright-python`` wheel (no download). Each page of _toc.yml is
opened in each edition present, English always (``<build>/html``) and Korean when
``<build>/html/ko/`` exists, waited for until its math is typeset, its static widget views are
drawn and its images have loaded (the state a reader sees), then checked with the rules tagged
``wcag2a``, ``wcag2aa``, ``wcag21a`` and ``wcag21aa``. A page fails on any violation of impact
``critical`` or ``serious``; ``moderate`` and ``minor`` ones are printed.

Run alone (it also writes ``<build>/axe/<edition>-<page>.json`` with every violation):

    .venv/bin/python -m pytest -m browser tests/browser/test_accessibility.py -q -s
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
EDITIONS = {"en": "", "ko": "ko/"}  # edition -> folder under the built site

# The state a reader sees: typeset math, rendered widget views, loaded images.
SETTLE_JS = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  const deadline = Date.now() + 30000;
  while (views.some(v => !(v.previousElementSibling
                           && v.previousElementSibling.querySelector('.jupyter-widgets')))
         && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
  }
  await new Promise(r => setTimeout(r, 300));  // the page's own fix-ups after a widget renders
  const images = [...document.images];
  for (const img of images) if (img.loading === 'lazy') img.loading = 'eager';
  await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener('load', done); img.addEventListener('error', done);
    setTimeout(done, 15000);
  })));
}
"""


def axe_page(page, url: str) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A+AA violations of the page at ``url``, once it has settled."""
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    page.evaluate(SETTLE_JS)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


def summary(violations: list[dict]) -> Counter:
    """(rule, impact) -> number of offending elements."""
    return Counter({(v["id"], v["impact"]): len(v["nodes"]) for v in violations})


def describe(v: dict, limit: int = 3) -> str:
    nodes = "\n".join(
        f"      {n['target']}: {(n.get('failureSummary') or '').splitlines()[-1:]}"
        for n in v["nodes"][:limit]
    )
    more = f"\n      ... and {len(v['nodes']) - limit} more" if len(v["nodes"]) > limit else ""
    return f"  {v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}\n{nodes}{more}"


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_page_meets_wcag_aa(edition, toc_page, book_html, site_url, browser):
    folder = book_html / EDITIONS[edition]
    if not (folder / f"{toc_page}.html").is_file():
        if edition == "en":
            pytest.fail(f"{toc_page} is in _toc.yml but {folder / toc_page}.html was not built")
        pytest.skip(f"no {edition} edition built ({folder} has no {toc_page}.html)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block",
                                  locale="ko-KR" if edition == "ko" else "en-US")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        violations = axe_page(page, site_url + EDITIONS[edition] + f"{toc_page}.html")
    finally:
        context.close()
    out = book_html.parent / "axe" / f"{edition}-{Path(toc_page).name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(violations, indent=1, ensure_ascii=False), encoding="utf-8")
    counts = summary(violations)
    print(f"{edition}/{toc_page}: " + (", ".join(f"{r} {i} x{n}" for (r, i), n in
                                                   sorted(counts.items())) or "no violations"))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, (
        f"{edition}/{toc_page}: {len(blocking)} critical/serious WCAG 2.1 AA violation(s) "
        f"(all of them in {out}):\n" + "\n".join(describe(v) for v in blocking)
    )
