"""Links from the book to its live edition (issue 17; the site is built by book/_ext/lite.py).

- Every chapter page that is a MyST notebook gets a button under its title that opens the
  chapter as a live notebook: ``lite/notebooks/index.html?path=book/<chapter>.ipynb`` (in the
  Korean edition ``book/<chapter>-ko.ipynb``).
- The role ``{lite}`text <exercises/01-perceptron/01-perceptron.ipynb>``` links to a notebook of
  the live site; in the Korean edition it points at the Korean twin (``<A>-ko/<A>-ko.ipynb``,
  ``<chapter>-ko.ipynb``) when that twin exists in the repository.

The live site sits at the root of the English build (``_build/html/lite``); an edition built in
a subfolder (the Korean one, ``_build/html/ko``) reaches it one level up.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from lite import is_notebook_page, live_path

LABELS = {
    "en": ("Open this chapter live", "runs in your browser, no install"),
    "ko": ("이 장을 브라우저에서 실행", "설치 없이 브라우저에서 실행됩니다"),
}


def _language(config) -> str:
    return (config.language or "en").split("_")[0]


def _is_notebook_page(docname: str) -> bool:
    return bool(re.match(r"^book/\d\d-", docname)) and is_notebook_page(docname)


def notebook_path(path: str, language: str) -> str:
    """The live site's path of a notebook in this edition (``lite.live_path``)."""
    return live_path(path, language)


def lite_url(app, docname: str, path: str) -> str:
    depth = docname.count("/")
    prefix = "../" * depth
    if _language(app.config) != "en":
        prefix += "../"  # editions other than English are built in _build/html/<lang>/
    return f"{prefix}lite/notebooks/index.html?path={notebook_path(path, _language(app.config))}"


def lite_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    match = re.match(r"^(.*?)\s*<([^<>]+)>$", text, flags=re.S)
    label, path = (match.group(1), match.group(2)) if match else (text, text)
    url = lite_url(env.app, env.docname, path.strip())
    node = nodes.reference(rawtext, label, refuri=url, classes=["dlcourse-lite-link"])
    return [node], []


def add_button(app, pagename, templatename, context, doctree):
    if doctree is None or not _is_notebook_page(pagename) or "body" not in context:
        return
    label, hint = LABELS.get(_language(app.config), LABELS["en"])
    url = lite_url(app, pagename, f"{pagename}.ipynb")
    button = (
        f'<p class="dlcourse-lite"><a class="btn btn-sm btn-outline-primary dlcourse-lite-button" '
        f'href="{html.escape(url)}">&#9654; {html.escape(label)}</a> '
        f'<span class="dlcourse-lite-hint">{html.escape(hint)}</span></p>'
    )
    body = context["body"]
    heading_end = body.find("</h1>")
    if heading_end == -1:
        context["body"] = button + body
    else:
        heading_end += len("</h1>")
        context["body"] = body[:heading_end] + button + body[heading_end:]


def setup(app):
    app.add_role("lite", lite_role)
    app.connect("html-page-context", add_button)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
