"""Accessibility data checked without a build: the alt-text file, the palette and its text shades.

The built pages are checked by axe-core in tests/browser/test_accessibility.py; these catch the
same mistakes earlier (a stale alt-text key, a missing translation, a text colour too light).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from dlcourse import plotting

ROOT = Path(__file__).resolve().parents[1]
ALT_FILE = ROOT / "book" / "alt-text.yml"
LANGUAGES = ("en", "ko")
MIN_LENGTH = {"en": 60, "ko": 30}  # characters: a sentence that says what the figure shows
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _contrast(colour: str, background: str = "#FFFFFF") -> float:
    def luminance(hex_colour: str) -> float:
        h = hex_colour.lstrip("#")
        channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _entries():
    data = yaml.safe_load(ALT_FILE.read_text(encoding="utf-8"))
    for page, entries in data.items():
        for entry in entries:
            yield page, entry


@pytest.mark.parametrize(("page", "entry"), list(_entries()),
                         ids=lambda v: v if isinstance(v, str) else str(v.get("cell"))[:30])
def test_alt_text_entry_matches_one_cell_and_speaks_both_languages(page, entry):
    source = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", source, re.DOTALL)
    key = entry["cell"]
    hits = sum(key in cell for cell in cells)
    assert hits == 1, f"{page}: cell key {key!r} is in {hits} code cells, not 1"
    for picture in entry.get("pictures") or [entry]:
        for language in LANGUAGES:
            text = " ".join(str(picture.get(language, "")).split())
            assert len(text) >= MIN_LENGTH[language], (
                f"{page}: {key!r} has no real {language} alt text: {text!r}")
            assert not re.search(r"\.(png|jpe?g|svg)\b", text), f"{page}: {key!r}: a file name"
        assert HANGUL.search(picture["ko"]), f"{page}: {key!r}: the ko text is not Korean"
        assert not HANGUL.search(picture["en"]), f"{page}: {key!r}: the en text has Hangul"


def test_every_page_with_figures_has_alt_texts():
    data = yaml.safe_load(ALT_FILE.read_text(encoding="utf-8"))
    for md in sorted((ROOT / "book").glob("*.md")):
        source = md.read_text(encoding="utf-8")
        draws = len(re.findall(r"plt\.show\(\)|widgets\.\w+\(", source))
        if draws:
            page = f"book/{md.stem}"
            assert data.get(page), f"{page} draws figures but has no entry in {ALT_FILE.name}"


def test_text_shades_are_readable_on_white_and_keep_their_hue():
    for colour, shade in plotting.TEXT_SHADES.items():
        assert _contrast(shade) >= 4.5, f"text shade {shade} of {colour}: {_contrast(shade):.2f}:1"
        assert plotting.text_colour(colour.lower()) == shade
    assert plotting.text_colour("#123456") == "#123456"
    for name in ("green", "vermillion", "purple", "orange"):
        assert _contrast(plotting.OKABE_ITO[name]) < 4.5  # why the shades exist


def test_style_sheet_pairs_each_palette_colour_with_a_line_style():
    import matplotlib.pyplot as plt

    with plt.style.context("dlcourse.okabe_ito"):
        cycle = plt.rcParams["axes.prop_cycle"].by_key()
    assert [c.upper() for c in cycle["color"]] == plotting.CYCLE
    assert cycle["linestyle"] == plotting.CYCLE_STYLES
    pairs = list(zip(cycle["color"], cycle["linestyle"]))
    assert len(set(pairs)) == len(pairs)
    assert (ROOT / "book" / "matplotlibrc").resolve() == plotting.STYLE_FILE.resolve()
