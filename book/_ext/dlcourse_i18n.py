"""The book's two editions (issue 15): language switch, Korean search, Hangul in figures.

A Sphinx extension, loaded through ``sphinx.local_extensions`` in ``_config.yml``, active in
both editions (English at ``_build/html/``, Korean at ``_build/html/ko/``, same page paths).

1. **Language switch.** Every page gets a link to its twin in the other edition in the
   article header (``language-switch.html``, added to the theme's ``article_header_end``), and
   a ``<link rel="alternate" hreflang>`` in its head.
2. **Korean search.** Sphinx has no Korean search language: with ``language = "ko"`` it would
   index 은닉층은, 은닉층을 and 은닉층의 as three unrelated words. :class:`SearchKorean` stems a
   Hangul word by removing one trailing particle (조사: 은/는/이/가/을/를/의/에서/으로 ...) when
   at least two syllables remain, both when indexing (Python) and when a reader types a query
   (the same rule in JavaScript); words in Latin letters get the English Porter stemmer.
3. **Hangul in figures.** A figure drawn with a glyph its font lacks prints matplotlib's
   "Glyph ... missing from font(s)" warning into the cell's output; this extension turns it
   into a build warning, so ``make book`` (``-W``) fails instead of publishing boxes. The fonts
   come from ``dlcourse.i18n.use_hangul_font()`` (NanumGothic, shipped by koreanize-matplotlib).
4. **Exercise titles.** sphinx-exercise builds an exercise's title ("Room to spare") without a
   source, and Sphinx offers only nodes with a source for translation: the gettext build never
   saw the titles and the Korean edition printed them in English. :class:`ExerciseTitles` gives
   them their exercise's source before Sphinx's translation step, so they are in the catalogs
   and translated like any paragraph. :class:`ToctreeCaptions` does the same for the
   sidebar's captions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.search import languages
from sphinx.search.en import SearchEnglish, js_porter_stemmer
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Where each edition lives, relative to the site's root (the English edition).
EDITIONS = {"en": "", "ko": "ko/"}
#: The switch's text and title, each in the language it leads to.
SWITCH = {
    "en": ("English", "Read this page in English"),
    "ko": ("한국어", "이 페이지를 한국어로 읽기"),
}

# ---------------------------------------------------------------- Korean search

#: Particles (조사) and the copula endings that follow nouns in the book's prose, longest first.
PARTICLES = sorted(set("""
에서부터 으로부터 로부터 에게서 에서는 에서도 에서의 으로는 으로도 으로서 으로써 이라는 이라고
까지는 까지의 부터는 보다는 처럼 에서 에게 한테 으로 부터 까지 보다 마다 이나 이란 이며 이고
이다 이라 과는 와는 과의 와의 에는 에도 에의 로는 로도 로서 로써 만큼 조차 밖에 이든 라는 라고
은 는 이 가 을 를 의 에 와 과 도 만 로 나 랑 다
""".split()), key=len, reverse=True)
_HANGUL = re.compile("[\uac00-\ud7a3]")


def strip_particle(word: str) -> str:
    """``word`` without one trailing particle, if at least two syllables are left.

    은닉층은, 은닉층을, 은닉층의, 은닉층에서 -> 은닉층; 결과 and 차이 stay (one syllable would
    be left). A few nouns lose a last syllable that looks like a particle (정확도 -> 정확):
    harmless, since the query is stemmed the same way.
    """
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word


_JS_KOREAN = """
var PorterStemmer = Stemmer;
var KOREAN_PARTICLES = %(particles)s;
var Stemmer = function() {
  var porter = new PorterStemmer();
  this.stemWord = function(w) {
    if (/[\\uac00-\\ud7a3]/.test(w)) {
      for (var i = 0; i < KOREAN_PARTICLES.length; i++) {
        var p = KOREAN_PARTICLES[i];
        if (w.length - p.length >= 2 && w.slice(-p.length) === p) {
          return w.slice(0, w.length - p.length);
        }
      }
      return w;
    }
    return porter.stemWord(w);
  };
};
"""


class SearchKorean(SearchEnglish):
    """Korean search: Hangul words lose a trailing particle, Latin words are Porter-stemmed."""

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = js_porter_stemmer + _JS_KOREAN % {
        "particles": "[" + ", ".join(f'"{p}"' for p in PARTICLES) + "]"}

    def stem(self, word: str) -> str:
        word = word.lower()
        if _HANGUL.search(word):
            return strip_particle(word)
        return self.stemmer.stemWord(word)


# ---------------------------------------------------------------- language switch

def twin_url(pagename: str, lang: str, other: str) -> str:
    """Relative URL, from page ``pagename`` of edition ``lang``, of the same page in ``other``."""
    up = "../" * (pagename.count("/") + EDITIONS[lang].count("/"))
    return f"{up}{EDITIONS[other]}{pagename}.html"


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
                  doctree: Any) -> None:
    lang = app.config.language if app.config.language in EDITIONS else "en"
    links = []
    for other in EDITIONS:
        if other == lang:
            continue
        url = twin_url(pagename, lang, other)
        label, title = SWITCH[other]
        links.append({"lang": other, "url": url, "label": label, "title": title})
    context["dlcourse_twins"] = links
    alternates = "".join(f'<link rel="alternate" hreflang="{t["lang"]}" href="{t["url"]}" />\n'
                         for t in links)
    context["metatags"] = context.get("metatags", "") + alternates


def _config_inited(app: Sphinx, config: Any) -> None:
    if config.html_theme != "sphinx_book_theme":  # the switch lives in that theme's header
        return
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end") or ["article-header-buttons.html"]
    end = [end] if isinstance(end, str) else list(end)
    if "language-switch.html" not in end:
        end.insert(0, "language-switch.html")
    options["article_header_end"] = end
    config.html_theme_options = options
    here = Path(__file__).resolve().parent
    templates, static = str(here / "templates"), str(here / "static")
    if templates not in config.templates_path:
        config.templates_path = [*config.templates_path, templates]
    if static not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, static]
    app.add_css_file("dlcourse_i18n.css")


# ---------------------------------------------------------------- missing glyphs

_GLYPH = re.compile(r"Glyph \d+ .*? missing from (?:current )?font|"
                    r"findfont: Font family .*? not found")


def missing_glyph_lines(text: str) -> list[str]:
    """The lines of ``text`` in which matplotlib says a glyph or a font is missing."""
    return [line.strip() for line in text.splitlines() if _GLYPH.search(line)]


def _check_glyphs(app: Sphinx, doctree: nodes.document) -> None:
    for node in doctree.findall(nodes.literal_block):
        for line in missing_glyph_lines(node.astext()):
            logger.warning("a figure lacks a glyph (Hangul needs dlcourse.i18n.use_hangul_font()): "
                           "%s", line, location=node, type="dlcourse", subtype="glyph")


class ExerciseTitles(SphinxTransform):
    """Make sphinx-exercise's titles translatable (runs before Sphinx's ``Locale``, priority 20)."""

    default_priority = 10

    def apply(self, **kwargs: Any) -> None:
        try:
            from sphinx_exercise.nodes import exercise_subtitle
        except ImportError:
            return
        for node in self.document.findall(exercise_subtitle):
            if not node.source:
                holder = node.parent.parent if node.parent is not None else None
                node.source = getattr(holder, "source", None) or self.document["source"]
                node.line = getattr(holder, "line", None) or 0
            if not node.rawsource:
                node.rawsource = node.astext()


class TranslatedExerciseTitles(SphinxTransform):
    """After Sphinx's ``Locale`` (priority 20) has translated an exercise's title, give the
    translation to the copy sphinx-exercise keeps of the exercise (its registry, copied when the
    directive ran), from which the solutions' titles ("해답 연습 1.1 (...)") are made."""

    default_priority = 25

    def apply(self, **kwargs: Any) -> None:
        try:
            from sphinx_exercise.nodes import exercise_subtitle
        except ImportError:
            return
        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in self.document.findall(exercise_subtitle):
            exercise = node.parent.parent if node.parent is not None else None
            entry = registry.get(exercise.get("label", "")) if exercise is not None else None
            if not entry:
                continue
            for kept in entry["node"].findall(exercise_subtitle):
                kept.children = []
                kept.extend(child.deepcopy() for child in node.children)


class ToctreeCaptions(SphinxTransform):
    """Translate the sidebar's captions ("Chapters", "Reference"). Jupyter Book's toctrees are
    put into the root page by sphinx-external-toc (priority 100), after Sphinx's translation step
    (``Locale``, 20), so their captions stayed English although the catalog translates them."""

    default_priority = 105

    def apply(self, **kwargs: Any) -> None:
        language = self.config.language
        if not language or language.startswith("en"):
            return
        from os import path

        from sphinx import addnodes
        from sphinx.locale import init as init_locale
        from sphinx.util.i18n import docname_to_domain

        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, language, domain)
        if not has_catalog:
            return
        for node in self.document.findall(addnodes.toctree):
            caption = node.get("caption")
            if caption and catalog.gettext(caption) != caption:
                node["caption"] = node["rawcaption"] = catalog.gettext(caption)


class ExerciseTitleMessages(SphinxPostTransform):
    """Hand the exercise titles to the gettext catalog before sphinx-exercise's post-transform
    (priority 20) melts them into the numbered title, where extraction would no longer find
    them."""

    default_priority = 15
    builders = ("gettext",)

    def run(self, **kwargs: Any) -> None:
        from sphinx.builders.gettext import docname_to_domain
        from sphinx_exercise.nodes import exercise_subtitle

        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        catalog = self.app.builder.catalogs[domain]
        for node in self.document.findall(exercise_subtitle):
            if node.rawsource and hasattr(node, "uid"):
                catalog.add(node.rawsource, node)


def setup(app: Sphinx) -> dict[str, Any]:
    languages["ko"] = SearchKorean
    app.add_transform(ExerciseTitles)
    app.add_transform(TranslatedExerciseTitles)
    app.add_transform(ToctreeCaptions)
    app.add_post_transform(ExerciseTitleMessages)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    app.connect("doctree-read", _check_glyphs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
