"""WCAG 2.1 AA for the code-drawn parts of the book: alt text, named controls, print style.

A Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``.

1. **Alt text of the code-drawn figures** comes from one data file, ``book/alt-text.yml``
   (``alt_text_file``), keyed by page and by a piece of the drawing cell's source, with the text in
   every language of the book (``en``, ``ko``). The chapters' cells are not touched: the text
   lives beside them, where a translator finds all of it in one place. Every picture a code cell
   outputs gets its entry's text in the build's ``language``:

   - a PNG/JPEG/SVG output: the ``<img alt>``;
   - a matplotlib ``to_jshtml()`` player: the frame's ``<img alt>``;
   - a static ipywidgets view (an explorer): a ``<span class="dlc-alt" data-alt>`` after the
     view's ``<script>``, which ``dlcourse-a11y.js`` copies to the view's picture once
     html-manager has drawn it.

   A cell with pictures and no entry, an entry that matches no cell (or several), a count of
   texts that differs from the count of pictures, or a missing language is a warning, so the
   ``-W`` build fails and names what to add.
2. **Named controls in the to_jshtml players**: the frame slider gets a label (matplotlib's
   buttons already carry ``aria-label``s), and in a non-English edition the buttons' labels are
   translated.
3. **Bibliography entries** are list items (docutils' ``doc-biblioentry`` role is deprecated).
4. **Scripts and styles**: ``dlcourse-a11y.js`` (names and keyboard access for the static widget
   views' controls) and ``dlcourse.css`` (contrast fixes, and a print style: no sidebars, no
   buttons) on every page.

Entry format (a list per page)::

    book/01-perceptron:
      - cell: "features chosen\\nby a person"    # a piece of the cell's source, unique on the page
        en: "Two pipelines ..."                  # one picture: its text per language
        ko: "..."
      - cell: "perceptron_explorer("
        pictures:                                # several pictures, in output order
          - {en: "...", ko: "..."}
          - {en: "...", ko: "..."}
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGET_VIEW = '<script type="application/vnd.jupyter.widget-view+json">'
ANIM_IMG = re.compile(r'<img id="(_anim_img[0-9a-f]+)"(?![^>]*\balt=)')
ANIM_SLIDER = re.compile(r'<input id="(_anim_slider[0-9a-f]+)" type="range"(?![^>]*aria-label)')

# Labels of matplotlib's to_jshtml() player, per language (English is matplotlib's own).
PLAYER_LABELS: dict[str, dict[str, str]] = {
    "en": {"slider": "Animation frame"},
    "ko": {
        "slider": "애니메이션 프레임",
        "Decrease speed": "느리게",
        "First frame": "첫 프레임",
        "Previous frame": "이전 프레임",
        "Play backwards": "거꾸로 재생",
        "Pause": "일시 정지",
        "Play": "재생",
        "Next frame": "다음 프레임",
        "Last frame": "마지막 프레임",
        "Increase speed": "빠르게",
        "Repetition mode": "반복 방식",
        "Once": "한 번",
        "Loop": "반복",
        "Reflect": "왕복",
    },
}


def _warn(message: str, location: Any = None) -> None:
    logger.warning(message, location=location, type="dlcourse", subtype="a11y")


# --------------------------------------------------------------------------- the data file


def load_alt_texts(path: Path) -> dict[str, list[dict]]:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping page -> list of entries, got {type(data)}")
    return data


def _entry_texts(entry: dict, language: str, where: str) -> list[str]:
    """The entry's text for each of its pictures, in ``language`` (English as the fallback)."""
    pictures = entry.get("pictures") or [entry]
    texts = []
    for i, picture in enumerate(pictures, 1):
        text = picture.get(language) or picture.get("en")
        if not picture.get(language):
            _warn(f"alt text: {where}, picture {i}, has no {language!r} text", where)
        texts.append(" ".join(str(text or "").split()))
    return texts


# --------------------------------------------------------------------------- the pictures of a cell


def _cell_source(cell: nodes.Element) -> str:
    for child in cell.children:
        if child.get("nb_element") == "cell_code_source":
            return child.astext()
    return ""


def _pictures(cell: nodes.Element) -> list[tuple[str, nodes.Element]]:
    """(kind, node) for every picture among the cell's outputs, in order."""
    found = []
    for output in cell.children:
        if output.get("nb_element") != "cell_code_output":
            continue
        for node in output.findall(lambda n: isinstance(n, (nodes.image, nodes.raw))):
            if isinstance(node, nodes.image):
                found.append(("image", node))
            elif node.get("format") == "html" and node.astext().lstrip().startswith(WIDGET_VIEW):
                found.append(("widget", node))
            elif node.get("format") == "html" and ANIM_IMG.search(node.astext()):
                found.append(("animation", node))
    return found


def _replace_raw(node: nodes.raw, text: str) -> nodes.raw:
    new = nodes.raw(text, text, format="html")
    new.source, new.line = node.source, node.line
    node.replace_self(new)
    return new


def _apply(kind: str, node: nodes.Element, alt: str) -> None:
    if kind == "image":
        node["alt"] = alt
    elif kind == "animation":
        text = ANIM_IMG.sub(lambda m: f'<img id="{m.group(1)}" alt="{html.escape(alt)}"',
                            node.astext(), count=1)
        _replace_raw(node, text)
    elif kind == "widget":
        marker = f'<span class="dlc-alt" hidden data-alt="{html.escape(alt)}"></span>'
        _replace_raw(node, node.astext() + marker)


def label_players(doctree: nodes.document, language: str) -> None:
    """Name the frame slider of every to_jshtml() player, and translate the buttons' labels."""
    labels = PLAYER_LABELS.get(language, PLAYER_LABELS["en"])
    slider = labels.get("slider", PLAYER_LABELS["en"]["slider"])
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if node.get("format") != "html" or "anim-slider" not in text:
            continue
        text = ANIM_SLIDER.sub(
            lambda m: f'<input id="{m.group(1)}" type="range" aria-label="{slider}"', text
        )
        for english, translated in labels.items():
            if english == "slider":
                continue
            text = text.replace(f'title="{english}" aria-label="{english}"',
                                f'title="{translated}" aria-label="{translated}"')
            text = text.replace(f'">{english}</label>', f'">{translated}</label>')
        _replace_raw(node, text)


def add_alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    if app.builder.format != "html":
        return  # the gettext build of `make catalogs` executes no cell, so draws no picture
    docname = app.env.docname
    path = Path(app.srcdir) / app.config.alt_text_file
    app.env.note_dependency(str(path))
    language = app.config.language or "en"
    entries = load_alt_texts(path).get(docname, []) or []
    cells = [c for c in doctree.findall(nodes.container) if c.get("nb_element") == "cell_code"]
    sources = [_cell_source(c) for c in cells]
    claimed: set[int] = set()
    for entry in entries:
        key = str(entry.get("cell", ""))
        where = f"{app.config.alt_text_file}: {docname}: cell {key!r}"
        hits = [i for i, src in enumerate(sources) if key and key in src]
        if len(hits) != 1:
            _warn(f"{where} matches {len(hits)} code cells, not 1: give a piece of the "
                  "drawing cell's source that no other cell of the page contains", docname)
            continue
        cell = cells[hits[0]]
        claimed.add(hits[0])
        texts = _entry_texts(entry, language, where)
        pictures = _pictures(cell)
        if len(texts) != len(pictures):
            _warn(f"{where} gives {len(texts)} text(s) for {len(pictures)} picture(s) "
                  f"({', '.join(k for k, _ in pictures) or 'none'})", cell)
        for (kind, node), text in zip(pictures, texts):
            _apply(kind, node, text)
    for i, cell in enumerate(cells):
        if i in claimed:
            continue
        pictures = _pictures(cell)
        if pictures:
            first = next((ln for ln in sources[i].splitlines() if ln.strip()), "")
            _warn(f"a code cell draws {len(pictures)} picture(s) "
                  f"({', '.join(k for k, _ in pictures)}) without alt text: add an entry for "
                  f"{docname} to {app.config.alt_text_file} (its first line: {first!r})", cell)
    label_players(doctree, language)


def fix_page_roles(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """docutils marks bibliography entries ``role="doc-biblioentry"`` inside a ``role="list"``:
    ARIA 1.2 deprecates that role, and without list items the list is missing its required
    children. Each entry becomes a ``listitem``."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("alt_text_file", "book/alt-text.yml", "env")
    app.connect("doctree-read", add_alt_texts)
    app.connect("html-page-context", fix_page_roles)
    app.add_css_file("dlcourse.css")
    app.add_js_file("dlcourse-a11y.js", defer="defer")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
