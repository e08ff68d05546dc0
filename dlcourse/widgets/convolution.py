"""Explorer 9, convolution and pooling (합성곱과 풀링): a kernel slides over a digit.

One 8 x 8 digit of ``dlcourse.data.load_digits()`` (ink 0 .. 16) is padded by
P pixels (zeros, 0 덧대기, or copies of the edge, 복사 덧대기) and a 3 x 3
kernel K slides over it every S pixels. Each output is the sum of the window
times the kernel (cross-correlation, as every library and the slides compute
it),

    y[i, j] = sum_{u, v} x_pad[i S + u, j S + v] K[u, v],

so the feature map has floor((8 + 2P - 3) / S) + 1 pixels a side. Then 2 x 2
max or average pooling with stride 2 keeps one value per window. The numbers
come from ``dlcourse.conv`` (``conv2d_loops``, ``pad2d``, ``MaxPool2d``,
``AvgPool2d``).
"""

import functools

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from dlcourse import conv, data
from dlcourse.i18n import gettext as tr
from dlcourse.widgets._common import (
    PALETTE,
    REGION_CMAP,
    Explorer,
    FigureView,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

PRESETS = {
    "vertical edge": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "horizontal edge": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "blur (box)": [[1 / 9] * 3] * 3,
    "blur (Gaussian)": (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16).tolist(),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "outline (Laplacian)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}
CUSTOM = "custom (edited)"
CELLS = [f"k{r}{c}" for r in range(3) for c in range(3)]
POOLING = ("max", "average", "none")
MAX_PAD = 2
SIDE = 8  # the digits are 8 x 8


@functools.lru_cache(maxsize=1)
def _digits():
    d = data.load_digits()
    return d.images, d.y


def feature_maps(image, kernel, padding=0, padding_mode="zeros", stride=1, pooling="max"):
    """Padding, convolution and pooling of one image with ``dlcourse.conv``.

    ``image`` (H, W), ``kernel`` (3, 3). Returns a dict: ``padded`` (H + 2P, W + 2P),
    ``feature_map`` (OH, OW) with OH = floor((H + 2P - 3) / S) + 1, and ``pooled``
    (OH // 2, OW // 2) after 2 x 2 pooling with stride 2 (None when ``pooling`` is
    "none" or the feature map is smaller than 2 x 2).
    """
    x = np.asarray(image, dtype=np.float64)[None, None]
    K = np.asarray(kernel, dtype=np.float64).reshape(1, 1, 3, 3)
    fmap = conv.conv2d_loops(x, K, np.zeros(1), stride=stride, padding=padding,
                             padding_mode=padding_mode)
    pooled = None
    if pooling != "none" and min(fmap.shape[2:]) >= 2:
        layer = conv.MaxPool2d(2) if pooling == "max" else conv.AvgPool2d(2)
        pooled = layer.forward(fmap)[0, 0]
    return {"padded": conv.pad2d(x, padding, padding_mode)[0, 0], "feature_map": fmap[0, 0],
            "pooled": pooled}


class ConvolutionExplorer(Explorer):
    """A digit, a 3 x 3 kernel (presets or cell by cell), padding, stride and pooling."""

    def __init__(self, index=0, preset="vertical edge", padding=1, padding_mode="zeros", stride=1,
                 pooling="max", annotate=False):
        images, _ = _digits()
        self._writing = False
        self._build_figure(annotate)
        self.cells = {name: W.FloatText(value=0.0, step=0.1, layout=W.Layout(width="72px"),
                                        tooltip=f"kernel K, row {name[1]}, column {name[2]}")
                      for name in CELLS}
        controls = {
            "index": slider("digit image", 0, len(images) - 1, index, unit="index", integer=True),
            "preset": dropdown("kernel", [*PRESETS, CUSTOM], preset),
            "padding": W.ToggleButtons(options=[0, 1, 2], value=padding,
                                       description="padding P [pixels]",
                                       style={"description_width": "initial",
                                              "button_width": "48px"}),
            "padding_mode": W.ToggleButtons(options=["zeros", "replicate"], value=padding_mode,
                                            description="padding with",
                                            style={"description_width": "initial",
                                                   "button_width": "80px"}),
            "stride": W.ToggleButtons(options=[1, 2], value=stride, description="stride S [pixels]",
                                      style={"description_width": "initial",
                                             "button_width": "48px"}),
            "pooling": W.ToggleButtons(options=list(POOLING), value=pooling,
                                       description="pooling 2×2",
                                       style={"description_width": "initial",
                                              "button_width": "72px"}),
            **self.cells,
        }
        if preset != CUSTOM:
            self._write_kernel(PRESETS[preset])
        self._start(self.view, controls)
        kernel_box = W.VBox([W.HTML("<b>kernel K</b> (type in any cell)"),
                             W.GridBox(list(self.cells.values()),
                                       layout=W.Layout(grid_template_columns="repeat(3, 76px)"))])
        left = W.VBox([controls[k] for k in ("index", "preset", "padding", "padding_mode",
                                             "stride", "pooling")],
                      layout=W.Layout(width="64%"))
        self.children = [W.HBox([left, kernel_box]), self.view.widget, self.text]

    # ------------------------------------------------------------ kernel presets and cells
    def _write_kernel(self, kernel):
        self._writing = True
        try:
            for name, value in zip(CELLS, np.asarray(kernel, dtype=float).ravel()):
                self.cells[name].value = round(float(value), 4)
        finally:
            self._writing = False

    def _on_change(self, change):
        owner = change["owner"]
        if owner is self.controls["preset"] and change["new"] != CUSTOM:
            hold, self._hold = self._hold, True
            self._write_kernel(PRESETS[change["new"]])
            self._hold = hold
        elif owner in self.cells.values() and not self._writing:
            # Editing a cell by hand makes the kernel a custom one.
            hold, self._hold = self._hold, True
            self.controls["preset"].value = CUSTOM
            self._hold = hold
        if not self._hold:
            self.refresh()

    def kernel(self):
        return np.array([self.cells[name].value for name in CELLS], dtype=float).reshape(3, 3)

    # ------------------------------------------------------------ compute and draw
    def compute(self, index, preset, padding, padding_mode, stride, pooling, **cells):
        images, labels = _digits()
        kernel = np.array([cells[name] for name in CELLS], dtype=float).reshape(3, 3)
        maps = feature_maps(images[index], kernel, padding, padding_mode, stride, pooling)
        return {"index": index, "label": int(labels[index]), "kernel": kernel,
                "padding": padding, "padding_mode": padding_mode, "stride": stride,
                "pooling": pooling, **maps}

    def _build_figure(self, annotate):
        fig, axes = new_figure(4, 1, height=2.7,
                               gridspec_kw={"width_ratios": [SIDE + 2 * MAX_PAD, 5, 10, 5]})
        fig.subplots_adjust(left=0.01, right=0.99, bottom=0.1, top=0.88, wspace=0.1)
        self.fig = fig
        self.artists = _draw_axes(axes[0], annotate)
        self.view = FigureView(fig)
        self.view.animate(*self.artists["animated"])

    def draw(self, state):
        _update(self.artists, state)
        fmap, pooled = state["feature_map"], state["pooled"]
        oh = fmap.shape[0]
        size = (f"floor((8 + 2×{state['padding']} − 3) / {state['stride']}) + 1 = {oh}")
        pool = (tr("no pooling") if state["pooling"] == "none" else
                tr("{pooling} pooling 2×2, stride 2: {h}×{w}").format(
                    pooling=state['pooling'], h=pooled.shape[0], w=pooled.shape[1])
                if pooled is not None else tr("too small to pool"))
        self.text.value = tr("digit {label} (image {index}); feature map "
                             "{h}×{w}: {size}; values {low:.3g} to "
                             "{high:.3g}; {pool}").format(
            label=state['label'], index=state['index'], h=oh, w=fmap.shape[1], size=size,
            low=fmap.min(), high=fmap.max(), pool=pool)
        return False


def _draw_axes(axes, annotate=False):
    """Input, kernel, feature map and pooled panels with fixed limits; the changing artists."""
    ax_in, ax_k, ax_f, ax_p = axes
    fig = ax_in.figure
    span = {ax_in: SIDE + 2 * MAX_PAD, ax_k: 5, ax_f: 10, ax_p: 5}
    titles = {ax_in: "input x, padded", ax_k: "kernel K", ax_f: "feature map x ∗ K",
              ax_p: "pooled 2×2"}
    for ax, n in span.items():
        ax.set(xlim=(-0.5, n - 0.5), ylim=(n - 0.5, -0.5), xticks=[], yticks=[], aspect="equal")
        for side in ax.spines.values():
            side.set_visible(False)
        box = ax.get_position(original=True)
        fig.text((box.x0 + box.x1) / 2, 0.97, titles[ax], ha="center", va="top", fontsize=10)
    blank = np.zeros((1, 1))
    im_in = ax_in.imshow(blank, cmap="Greys", vmin=0, vmax=16, interpolation="nearest")
    im_k = ax_k.imshow(blank, cmap=REGION_CMAP, interpolation="nearest",
                       extent=(0.5, 3.5, 3.5, 0.5))
    im_f = ax_f.imshow(blank, cmap=REGION_CMAP, interpolation="nearest")
    im_p = ax_p.imshow(blank, cmap=REGION_CMAP, interpolation="nearest")
    # Pixel grids over each image (one line each: cheap to redraw), then the frames.
    grids = {name: ax.plot([], [], color="0.75", lw=0.6)[0]
             for name, ax in (("in", ax_in), ("k", ax_k), ("f", ax_f), ("p", ax_p))}
    digit = ax_in.add_patch(Rectangle((MAX_PAD - 0.5, MAX_PAD - 0.5), SIDE, SIDE, fill=False,
                                      ec=PALETTE["orange"], lw=1.8, ls="--"))
    window = ax_in.add_patch(Rectangle((0, 0), 3, 3, fill=False, ec=PALETTE["vermillion"], lw=2.5,
                                       visible=False))
    cell = ax_f.add_patch(Rectangle((0, 0), 1, 1, fill=False, ec=PALETTE["vermillion"], lw=2.5,
                                    visible=False))
    texts = []
    if annotate:  # the kernel's numbers (the live explorer has them in its text boxes)
        texts = [ax_k.text(1 + c, 1 + r, "", ha="center", va="center", fontsize=8)
                 for r in range(3) for c in range(3)]
    fig.text(0.01, 0.02, "dashed orange: the 8×8 digit; grey grid: pixels;  "
             "blue < 0 < red, white = 0", fontsize=8.5, color="0.3")
    return {"in": im_in, "k": im_k, "f": im_f, "p": im_p, "window": window, "cell": cell,
            "grids": grids, "k_texts": texts,
            "animated": [im_in, im_k, im_f, im_p, *grids.values(), digit, window, cell, *texts]}


def _centered(image, n):
    """imshow extent putting an (h, w) image in the middle of an n x n panel (pixels at ints)."""
    h, w = image.shape
    top, left = (n - h) / 2 - 0.5, (n - w) / 2 - 0.5
    return (left, left + w, top + h, top)


def _grid_lines(line, extent, shape):
    """Set ``line`` to the pixel borders of an image of ``shape`` drawn at ``extent``."""
    left, right, bottom, top = extent
    h, w = shape
    xs, ys = [], []
    for x in np.linspace(left, right, w + 1):
        xs += [x, x, np.nan]
        ys += [top, bottom, np.nan]
    for y in np.linspace(top, bottom, h + 1):
        xs += [left, right, np.nan]
        ys += [y, y, np.nan]
    line.set_data(xs, ys)


def _update(a, state):
    p = state["padding"]
    padded = state["padded"]
    origin = MAX_PAD - p - 0.5
    extent = (origin, origin + padded.shape[1], origin + padded.shape[0], origin)
    a["in"].set_data(padded)
    a["in"].set_extent(extent)
    _grid_lines(a["grids"]["in"], extent, padded.shape)
    k = state["kernel"]
    kmax = max(float(np.abs(k).max()), 1e-9)
    a["k"].set_data(k)
    a["k"].set_clim(-kmax, kmax)
    _grid_lines(a["grids"]["k"], (0.5, 3.5, 3.5, 0.5), (3, 3))
    for text, value in zip(a["k_texts"], k.ravel()):
        text.set_text(f"{value:.2g}")
        text.set_color("white" if abs(value) > 0.6 * kmax else "black")
    fmap = state["feature_map"]
    fmax = max(float(np.nanmax(np.abs(fmap), initial=0.0)), 1e-9)
    a["f"].set_data(fmap)
    a["f"].set_extent(_centered(fmap, 10))
    a["f"].set_clim(-fmax, fmax)
    _grid_lines(a["grids"]["f"], _centered(fmap, 10), fmap.shape)
    pooled = state["pooled"]
    a["p"].set_visible(pooled is not None)
    a["grids"]["p"].set_visible(pooled is not None)
    if pooled is not None:
        a["p"].set_data(pooled)
        a["p"].set_extent(_centered(pooled, 5))
        a["p"].set_clim(-fmax, fmax)  # the feature map's colours, so the kept values match
        _grid_lines(a["grids"]["p"], _centered(pooled, 5), pooled.shape)


def convolution_explorer(index=0, preset="vertical edge", padding=1, padding_mode="zeros",
                         stride=1, pooling="max"):
    """Convolve a digit with a 3 x 3 kernel (presets or your own), then pool."""
    return ConvolutionExplorer(index=index, preset=preset, padding=padding,
                               padding_mode=padding_mode, stride=stride, pooling=pooling)


def convolution_animation(index=0, preset="vertical edge", padding=0, stride=1, pooling="max"):
    """The kernel window sliding over the digit while the feature map fills in, then pooling."""
    explorer = ConvolutionExplorer(index=index, preset=preset, padding=padding, stride=stride,
                                   pooling=pooling, annotate=True)
    a, state = explorer.artists, explorer.state
    fmap = state["feature_map"]
    oh, ow = fmap.shape
    positions = [(i, j) for i in range(oh) for j in range(ow)]
    n_frames = len(positions) + 2  # every window, then the full map, then the pooled map
    top, left = (10 - oh) / 2 - 0.5, (10 - ow) / 2 - 0.5

    def update(i):
        partial = dict(state)
        if i < len(positions):
            r, c = positions[i]
            shown = np.full(fmap.shape, np.nan)  # not computed yet: blank
            shown.flat[:i + 1] = fmap.flat[:i + 1]
            partial.update(feature_map=shown, pooled=None)
            a["window"].set_xy((MAX_PAD - padding - 0.5 + c * stride,
                                MAX_PAD - padding - 0.5 + r * stride))
            a["cell"].set_xy((left + c, top + r))
        else:
            partial.update(pooled=state["pooled"] if i == n_frames - 1 else None)
        a["window"].set_visible(i < len(positions))
        a["cell"].set_visible(i < len(positions))
        _update(a, partial)
        # NaN (not computed) would break the colour limits: keep the full map's.
        fmax = max(float(np.abs(fmap).max()), 1e-9)
        a["f"].set_clim(-fmax, fmax)
        return i == 0

    return blit_animation_html(explorer.view, update, n_frames, interval=250)
