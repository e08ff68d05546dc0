"""The book's configuration (_config.yml, _toc.yml) and, when a fresh build exists, the built HTML.

Jupyter Book ignores a misplaced key without a warning, even under -W (launch_buttons under
html:, for example), so the keys the book depends on are checked here by position. These tests
do not build the book: the ones on the HTML run only when _build/html is newer than every book
source, and are skipped otherwise (run `make book` first).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build" / "html"
REPOSITORY_URL = "https://github.com/dlcourse/dlcourse"
CHAPTERS = [
    "book/01-perceptron",
    "book/02-activations",
    "book/03-losses",
    "book/04-backprop",
    "book/05-optimizers",
    "book/06-training-well",
    "book/07-cnn",
]
REFERENCE = ["book/assignments", "book/notation", "book/glossary", "book/slide-differences",
             "book/bibliography"]
BIB_KEYS = {
    "rosenblatt1958",
    "minsky1969",
    "rumelhart1986",
    "lecun1998gradient",
    "lecun1998efficient",
    "glorot2010",
    "srivastava2014",
    "kingma2015",
    "he2015delving",
    "he2016deep",
    "krizhevsky2012",
    "simonyan2015",
    "szegedy2015",
    "duchi2011",
    "tieleman2012",
    "polyak1964",
    "nair2010",
    "fisher1936",
    "alpaydin1998",
}


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def toc_files(toc: dict) -> list[str]:
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return files


def source_of(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    raise AssertionError(f"_toc.yml lists {docname!r}, but neither {docname}.md nor .ipynb exists")


# --------------------------------------------------------------------------- configuration


def test_launch_buttons_are_top_level_with_a_repository(config):
    assert "launch_buttons" not in config.get("html", {}), "launch_buttons under html: is ignored"
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["notebook_interface"] == "jupyterlab"
    assert config["repository"]["url"] == REPOSITORY_URL
    assert config["repository"]["branch"] == "main"
    assert config["html"]["use_repository_button"] is True


def test_only_toc_files_are_built_and_the_rest_is_excluded(config):
    assert config["only_build_toc_files"] is True
    patterns = set(config["exclude_patterns"])
    required = {
        ".*",
        "**/.*",
        "_build",
        ".venv",
        "exercises",
        "solutions",
        "tests",
        "benchmarks",
        "submitted",
        "autograded",
        "feedback",
        "README.md",
    }
    assert required <= patterns, f"missing exclude_patterns: {sorted(required - patterns)}"


def test_notebooks_are_executed_cached_and_errors_fail_the_build(config):
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["allow_errors"] is False
    assert 0 < execute["timeout"] <= 1800


def test_extensions_and_bibliography_are_configured_where_jupyter_book_reads_them(config):
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    assert (ROOT / "book/references.bib").is_file()
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    for name, folder in config["sphinx"].get("local_extensions", {}).items():
        assert (ROOT / folder / f"{name}.py").is_file(), f"local extension {name} not in {folder}"


def test_toc_lists_the_chapters_then_the_reference_pages(toc):
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"
    captions = [part["caption"] for part in toc["parts"]]
    assert captions == ["Chapters", "Reference"]
    assert [c["file"] for c in toc["parts"][0]["chapters"]] == CHAPTERS
    assert sorted(c["file"] for c in toc["parts"][1]["chapters"]) == sorted(REFERENCE)


def test_every_toc_file_exists(toc):
    for docname in toc_files(toc):
        source_of(docname)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapters_are_myst_notebooks_on_the_python3_kernel(docname):
    text = source_of(docname).read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, f"{docname}: no YAML front matter, so myst-nb will not execute it"
    front = yaml.safe_load(match.group(1))
    assert front["jupytext"]["text_representation"]["format_name"] == "myst"
    assert front["kernelspec"]["name"] == "python3"
    assert "```{code-cell}" in text


def test_every_vendored_asset_named_in_the_config_exists(config):
    sphinx = config["sphinx"]["config"]
    static_dirs = [ROOT / d for d in sphinx["html_static_path"]]
    assert all(d.is_dir() for d in static_dirs)

    def find_static(path: str) -> Path | None:
        return next((d / path for d in static_dirs if (d / path).is_file()), None)

    assets = [sphinx["mathjax_path"], *sphinx["nb_ipywidgets_js"]]
    for asset in assets:
        assert "://" not in asset and not asset.startswith("//"), f"{asset} is not local"
        assert find_static(asset), f"{asset} is not in {sphinx['html_static_path']}"
    for attributes in sphinx["nb_ipywidgets_js"].values():
        for value in attributes.values():
            assert "://" not in str(value), f"{value} points off-site"
    # MathJax's CommonHTML output loads its fonts lazily from next to the component.
    mathjax = find_static(sphinx["mathjax_path"]).parent
    assert (mathjax / "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").is_file()
    assert find_static("vendor/README.md"), "vendor/README.md (versions, licences) is missing"


def test_bibliography_lists_every_entry_and_the_expected_keys_exist():
    bib = (ROOT / "book/references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.MULTILINE))
    assert BIB_KEYS <= keys, f"missing bib entries: {sorted(BIB_KEYS - keys)}"
    assert ":all:" in (ROOT / "book/bibliography.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the built book


class _AssetCollector(HTMLParser):
    """Collect every URL a page would fetch by itself (not the links a reader clicks)."""

    LINK_RELS_TO_IGNORE = frozenset(
        {
            "canonical",
            "alternate",
            "author",
            "license",
            "search",
            "index",
            "next",
            "prev",
            "help",
            "bookmark",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str]] = []
        self.anchors: list[str] = []
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.anchors.append(a["href"])
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels and rels <= self.LINK_RELS_TO_IGNORE:
                return
            self.assets.append((tag, a.get("href", "")))
        elif tag in {"script", "img", "iframe", "source", "video", "audio", "embed", "track"}:
            for key in ("src", "data-src", "poster"):
                if key in a:
                    self.assets.append((tag, a[key]))
            if "srcset" in a:
                self.assets += [(tag, part.split()[0]) for part in a["srcset"].split(",") if part]
        elif tag == "object" and "data" in a:
            self.assets.append((tag, a["data"]))
        if "style" in a:
            self.inline_styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_styles.append(data)


_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def _is_external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _css_urls(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # ignore commented-out @imports
    return _CSS_URL.findall(css)


def _book_sources() -> list[Path]:
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml"]
    sources += [
        p for p in (ROOT / "book").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    return sources


@pytest.fixture(scope="module")
def built_pages() -> dict[Path, _AssetCollector]:
    pages = sorted(BUILD.rglob("*.html")) if BUILD.is_dir() else []
    if not pages:
        pytest.skip("no built book in _build/html; run `make book` first")
    built_at = max(p.stat().st_mtime for p in pages)
    stale = [p.relative_to(ROOT) for p in _book_sources() if p.stat().st_mtime > built_at]
    if stale:
        pytest.skip(
            f"_build/html is older than {stale[0]} (and {len(stale) - 1} more); "
            "run `make book` to check the built pages"
        )
    parsed = {}
    for page in pages:
        collector = _AssetCollector()
        collector.feed(page.read_text(encoding="utf-8"))
        parsed[page] = collector
    return parsed


def test_no_page_loads_a_script_stylesheet_font_or_image_from_another_host(built_pages):
    offenders = []
    local_css: set[Path] = set()
    for page, found in built_pages.items():
        for tag, url in found.assets:
            if _is_external(url):
                offenders.append(f"{page.relative_to(BUILD)}: <{tag}> {url}")
            elif url and not url.startswith(("data:", "#", "javascript:")):
                target = (page.parent / unquote(urlsplit(url).path)).resolve()
                if target.suffix == ".css" and target.is_file():
                    local_css.add(target)
        for style in found.inline_styles:
            offenders += [
                f"{page.relative_to(BUILD)}: inline style {u}"
                for u in _css_urls(style)
                if _is_external(u)
            ]
    for css in sorted(local_css):
        offenders += [
            f"{css.relative_to(BUILD)}: {u}"
            for u in _css_urls(css.read_text(encoding="utf-8", errors="replace"))
            if _is_external(u)
        ]
    assert not offenders, "assets from other hosts:\n" + "\n".join(offenders)


def test_no_page_names_a_cdn(built_pages):
    cdn = re.compile(
        r"cdn\.jsdelivr|unpkg\.com|cdnjs|bootstrapcdn|cdn\.mathjax|"
        r"mathjax@|fonts\.googleapis",
        re.IGNORECASE,
    )
    hits = [
        f"{page.relative_to(BUILD)}: {m.group(0)}"
        for page in built_pages
        for m in cdn.finditer(page.read_text(encoding="utf-8"))
    ]
    assert not hits, "CDN references:\n" + "\n".join(hits)


def test_the_vendored_scripts_are_the_ones_the_pages_load(built_pages):
    page = BUILD / "book/01-perceptron.html"
    srcs = [url for tag, url in built_pages[page].assets if tag == "script"]
    for expected in (
        "_static/vendor/mathjax/tex-mml-chtml.js",
        "_static/vendor/requirejs/require.js",
        "_static/vendor/html-manager/embed-amd.js",
    ):
        assert any(expected in src for src in srcs), f"chapter 1 does not load {expected}"
    html = page.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in html, "no widget state was embedded"
    assert "new Animation(frames" in html, "no Animation.to_jshtml() player in chapter 1"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapters_have_a_binder_launch_button_and_the_repository_button(built_pages, docname):
    anchors = built_pages[BUILD / f"{docname}.html"].anchors
    binder = f"https://mybinder.org/v2/gh/dlcourse/dlcourse/main?urlpath=lab/tree/{docname}.md"
    assert binder in anchors, f"no Binder launch button for {docname}"
    assert REPOSITORY_URL in anchors, f"no repository button on {docname}"


def test_korean_exercises_and_solutions_carry_korean_titles(built_pages):
    """The Korean edition prints "연습 1.1 (경계에서 여유 두기)", and the solution under it
    "해답 연습 1.1 (...)", not the English title (book/_ext/dlcourse_i18n.py)."""
    english = []
    for page in built_pages:
        rel = page.relative_to(BUILD).as_posix()
        if not rel.startswith("ko/book/"):
            continue
        text = page.read_text(encoding="utf-8")
        titles = re.findall(r"연습 \d+\.\d+ ?(?:</span>)? ?\(([^()<]+)\)", text)
        english += [f"{rel}: {t}" for t in titles if not re.search("[가-힣]", t)]
    assert not english, f"exercise titles left in English in the Korean edition: {english[:5]}"


def test_korean_sidebar_captions_are_korean(built_pages):
    """The sidebar's captions come from _toc.yml through the catalog (intro.po): 본문, 참고 자료."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    captions = [part["caption"] for part in toc.get("parts", []) if part.get("caption")]
    assert captions, "_toc.yml has no captions to check"
    english = []
    for page in built_pages:
        rel = page.relative_to(BUILD).as_posix()
        if rel.startswith("ko/book/"):
            text = page.read_text(encoding="utf-8")
            english += [f"{rel}: {c}" for c in captions if f'caption-text">{c}<' in text]
    assert not english, f"sidebar captions left in English in the Korean edition: {english[:4]}"
