"""The course's figure style: a colour-blind-safe palette, with line styles as a second cue.

Okabe and Ito's eight colours stay distinguishable with protanopia, deuteranopia and tritanopia.
Colour alone still fails in greyscale print and for readers who cannot tell any hue apart, so
where colour carries meaning the style also varies the line style (``CYCLE_STYLES``) and the
figures use markers (``MARKERS``) for point classes.

The style sheet is ``dlcourse/okabe_ito.mplstyle``:

>>> import matplotlib.pyplot as plt
>>> plt.style.use("dlcourse.okabe_ito")        # or: dlcourse.plotting.use_style()

The book applies it to every chapter without a line of chapter code: ``book/matplotlibrc`` (a
link to the style sheet) is read by Matplotlib at import when a chapter runs in ``book/``.
"""

from __future__ import annotations

from pathlib import Path

STYLE_FILE = Path(__file__).with_name("okabe_ito.mplstyle")

# M. Okabe and K. Ito, "Color Universal Design (CUD): how to make figures and presentations that
# are friendly to colorblind people" (2008).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",  # not one of the eight; for neutral parts (grids, reference lines)
}
# The order of the colour cycle, paired with these line styles (as in the style sheet).
CYCLE = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
CYCLE_STYLES = ["-", "--", "-.", ":", "-", "--", "-."]
# One marker per class or series, for scatter plots where colour tells classes apart.
MARKERS = ["o", "^", "s", "D", "v", "P", "X"]


def use_style() -> None:
    """Make the course style Matplotlib's current style (colours, line styles, colour map)."""
    import matplotlib.pyplot as plt

    plt.style.use(str(STYLE_FILE))


def cycler():
    """The style's property cycle: colour and line style together (for ``ax.set_prop_cycle``)."""
    from cycler import cycler as make

    return make(color=CYCLE) + make(linestyle=CYCLE_STYLES)


# Text in a palette colour on a white page (the explorers' HTML read-outs) needs a contrast of
# 4.5:1 (WCAG 2.1 AA); most of the eight colours are lighter than that. These are the same hues,
# darkened until they pass (each 5.2:1 or more on white).
TEXT_SHADES = {
    "#0072B2": "#0072B2",  # blue passes as it is (5.2:1)
    "#D55E00": "#B34F00",  # vermillion
    "#009E73": "#007A5A",  # bluish green
    "#E69F00": "#8F6200",  # orange
    "#CC79A7": "#A64D83",  # reddish purple
    "#56B4E9": "#2A6F9E",  # sky blue
    "#F0E442": "#736800",  # yellow
    "#999999": "#666666",  # grey
    "#000000": "#000000",
}


def text_colour(colour: str) -> str:
    """The shade of a palette ``colour`` to use for text on white (4.5:1 or more); other colours
    are returned as they are."""
    return TEXT_SHADES.get(str(colour).upper(), colour)
