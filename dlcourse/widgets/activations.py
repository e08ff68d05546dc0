"""Explorer 3, activation functions (활성화 함수) and the vanishing gradient (기울기 소실).

Back-propagation multiplies one derivative per layer. If every one of k layers
sees the same pre-activation x (weights of 1, the simplest deep chain), the
gradient that reaches the first layer is scaled by

    f'(x) * f'(x) * ... * f'(x) = f'(x)^k.

The sigmoid's slope is at most 0.25 (at x = 0), so its product shrinks at
least as fast as 0.25^k: after 10 layers, below 1e-6. tanh's slope reaches 1
only at x = 0; ReLU's is exactly 1 for every x > 0 (and 0 for x < 0); the step
function's is 0 everywhere it exists, so no gradient passes at all. The ReLU
variants keep a slope for x < 0: leaky ReLU 0.01, ELU e^x, softplus sigma(x)
(a smooth ReLU whose slope is never exactly 0 or 1).

Softmax is left out: it maps a vector to a vector, so its derivative is a
matrix (the Jacobian y_k (delta_kj - y_j)), not one slope; chapter 3 treats it
with the cross-entropy.
"""

import numpy as np

from dlcourse import nn
from dlcourse.i18n import gettext as tr
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

#: The activations this explorer shows, with their formulas as the slides write them.
FUNCTIONS = {
    "step": "y = 1 if x > 0 else 0",
    "sigmoid": "y = 1 / (1 + e^-x)",
    "tanh": "y = (e^x - e^-x) / (e^x + e^-x)",
    "relu": "y = max(0, x)",
    "leaky_relu": "y = x if x > 0 else 0.01 x",
    "elu": "y = x if x > 0 else e^x - 1",
    "softplus": "y = log(1 + e^x)",
    "identity": "y = x",
}
X_RANGE = (-5.0, 5.0)
Y_RANGE = (-1.6, 2.6)
MAX_DEPTH = 30
FLOOR = 1e-30  # what a product of exactly 0 is drawn at on the log scale


def activation_values(name, x):
    """f(x) and f'(x) for the activation ``name``, from the dlcourse layer's forward and backward.

    f'(x) is the layer's backward pass given dL/dy = 1, so it is exactly what
    back-propagation multiplies by. Returns two arrays shaped like ``x``.
    """
    layer = nn.activation(name)
    x = np.asarray(x, dtype=np.float64)
    y = layer.forward(x.reshape(-1, 1))
    slope = layer.backward(np.ones_like(y))
    return y.reshape(x.shape), slope.reshape(x.shape)


def derivative_product(name, x, k):
    """The gradient factor after k layers: f'(x) multiplied k times (the chain rule).

    Returns (product, products): the product for k layers, and the products
    for 1, 2, ..., ``MAX_DEPTH`` layers (``MAX_DEPTH`` = 30).
    """
    _, slope = activation_values(name, np.array([x]))
    products = np.cumprod(np.full(max(MAX_DEPTH, k), slope[0]))
    return float(products[k - 1]), products[:MAX_DEPTH]


def activation_state(name, x, k):
    """Everything the explorer shows for one setting, as a dict."""
    if name not in FUNCTIONS:
        raise ValueError(f"activation_state: name must be one of {list(FUNCTIONS)}, got {name!r}")
    fx, slope = activation_values(name, np.array([x]))
    product, products = derivative_product(name, x, k)
    return {"name": name, "x": float(x), "k": int(k), "f": float(fx[0]), "slope": float(slope[0]),
            "product": product, "products": products}


class _ActivationPanels:
    """Left: f and f' with the point x and its tangent. Right: f'(x)^depth on a log scale."""

    def __init__(self, width=7.0, height=3.3, titles=False):
        fig, axes = new_figure(2, 1, width=width, height=height,
                               gridspec_kw={"width_ratios": [1.1, 1]})
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9, wspace=0.3)
        self.fig = fig
        ax, depth = axes[0]
        self.ax, self.depth = ax, depth
        ax.set(xlim=X_RANGE, ylim=Y_RANGE, xlabel="pre-activation x")
        ax.axhline(0, color=PALETTE["grey"], lw=0.6)
        ax.axvline(0, color=PALETTE["grey"], lw=0.6)
        self.grid_x = np.linspace(*X_RANGE, 401)
        (self.f_line,) = ax.plot([], [], color=PALETTE["blue"], lw=2.2, label="f(x)")
        (self.df_line,) = ax.plot([], [], color=PALETTE["orange"], lw=2, ls="--", label="f'(x)")
        (self.tangent,) = ax.plot([], [], color=PALETTE["black"], lw=1.2, label="slope at x")
        (self.point,) = ax.plot([], [], "o", color=PALETTE["blue"], mec="k", ms=8)
        (self.dpoint,) = ax.plot([], [], "s", color=PALETTE["orange"], mec="k", ms=7)
        ax.legend(loc="upper left", fontsize=9, framealpha=0.9)
        self.title = ax.set_title("", fontsize=10)

        depth.set_yscale("log")
        depth.set(xlim=(0.5, MAX_DEPTH + 0.5), ylim=(FLOOR / 3, 30),
                  xlabel="layers k", ylabel="gradient factor f'(x)$^k$")
        depth.set_yticks([1e-30, 1e-24, 1e-18, 1e-12, 1e-6, 1])
        ks = np.arange(1, MAX_DEPTH + 1)
        depth.plot(ks, 0.25 ** ks, color=PALETTE["grey"], ls=":", lw=1.5,
                   label="0.25$^k$ (sigmoid at best)")
        depth.axhline(1, color=PALETTE["grey"], lw=0.8)
        (self.products,) = depth.plot([], [], color=PALETTE["vermillion"], lw=2, marker=".",
                                      label="f'(x)$^k$")
        (self.kpoint,) = depth.plot([], [], "o", color=PALETTE["vermillion"], mec="k", ms=8)
        depth.legend(loc="lower left", bbox_to_anchor=(0, 0.06), fontsize=9, framealpha=0.9)
        depth.text(0.98, 0.02, "a factor of 0 is drawn at 1e-30", transform=depth.transAxes,
                   ha="right", va="bottom", fontsize=8, color="#666666")
        self.depth_title = depth.set_title("", fontsize=10)
        self.dynamic = [self.f_line, self.df_line, self.tangent, self.point, self.dpoint,
                        self.products, self.kpoint]
        self.titles = titles  # text is slow to redraw: the live explorer says it in HTML instead
        if titles:
            self.dynamic += [self.title, self.depth_title]
        else:
            self.title.set_text("f(x), its slope f'(x), and the point x")
            self.depth_title.set_text("gradient factor after k layers")
        self._curves = {}

    def curves(self, name):
        if name not in self._curves:
            self._curves[name] = activation_values(name, self.grid_x)
        return self._curves[name]

    def update(self, state):
        f, df = self.curves(state["name"])
        self.f_line.set_data(self.grid_x, f)
        self.df_line.set_data(self.grid_x, df)
        x, fx, slope = state["x"], state["f"], state["slope"]
        half = 1.2 / np.hypot(1.0, slope)  # a tangent segment of the same length at any slope
        self.tangent.set_data([x - half, x + half], [fx - half * slope, fx + half * slope])
        self.point.set_data([x], [fx])
        self.dpoint.set_data([x], [slope])
        drawn = np.maximum(state["products"], FLOOR)  # 0 cannot be drawn on a log scale
        self.products.set_data(np.arange(1, MAX_DEPTH + 1), drawn)
        self.kpoint.set_data([state["k"]], [max(state["product"], FLOOR)])
        if not self.titles:
            return
        self.title.set_text(f"{state['name']}: x = {x:.2f}, f(x) = {fx:.3g}, f'(x) = {slope:.3g}")
        shown = "0 (drawn at 1e-30)" if state["product"] == 0 else f"{state['product']:.3g}"
        self.depth_title.set_text(f"after k = {state['k']} layers: {shown}")


def _verdict(state):
    p, slope, k = state["product"], state["slope"], state["k"]
    if slope == 0:
        return tr("f'(x) = 0: no gradient passes this layer at all.")
    if p < 1e-6:
        return tr("After {k} layers the gradient is multiplied by {p:.2g}: it has vanished.").format(k=k, p=p)
    if abs(slope) == 1:
        return tr("f'(x) = 1: the gradient passes every layer unchanged.")
    if p < 1e-2:
        return tr("After {k} layers only {p:.2g} of the gradient is left: learning slows down.").format(
            k=k, p=p)
    return tr("After {k} layers, {p:.3g} of the gradient is left.").format(k=k, p=p)


class ActivationExplorer(Explorer):
    """Function choice, point x and depth k; see ``activation_explorer``."""

    def __init__(self, name="sigmoid", x=1.0, k=5):
        self.panels = _ActivationPanels()
        view = FigureView(self.panels.fig)
        view.animate(*self.panels.dynamic)
        controls = {
            "name": dropdown("activation f", list(FUNCTIONS), name),
            "x": slider("point x (pre-activation)", *X_RANGE, x, step=0.05),
            "k": slider("depth k [layers]", 1, MAX_DEPTH, k, integer=True),
        }
        self._start(view, controls)

    def compute(self, name, x, k):
        return activation_state(name, x, k)

    def draw(self, state):
        self.panels.update(state)
        self.text.value = (
            f"<b>{state['name']}</b>: {FUNCTIONS[state['name']]}. "
            + tr("At x = {x:.2f}: f(x) = {f:.4g}, slope f'(x) = {slope:.4g}; over k = {k} layers "
                 "f'(x)<sup>k</sup> = {product:.3g}.").format(**state)
            + f" {_verdict(state)}")
        return False


def activation_explorer(name="sigmoid", x=1.0, k=5):
    """Pick an activation (step, sigmoid, tanh, ReLU and its variants leaky ReLU, ELU and
    softplus, identity); see f, f' and the vanishing gradient.

    Left: f and f' with the point x, its value and its slope (the tangent).
    Right, on a log scale: f'(x)^k, the factor by which the gradient shrinks
    after k layers that all see x, against 0.25^k, the sigmoid's best case.
    Softmax is not offered: its derivative is a matrix, not a slope (chapter 3).
    """
    return ActivationExplorer(name, x, k)


def activation_animation(names=("sigmoid", "tanh", "relu", "step"), n_frames=33, k=10):
    """For the static book: x sweeps from -5 to 5 for several activations at once.

    Top: each function with f, f' and the moving point. Bottom: f'(x)^k for
    k = 1..30 for all of them, so the reader sees the sigmoid's product fall far
    below ReLU's 1 (and the step's 0, drawn at the floor 1e-30).
    """
    colors = [PALETTE[c] for c in ("blue", "vermillion", "green", "purple", "orange")]
    fig, axes = new_figure(len(names), 2, height=5.2,
                           gridspec_kw={"height_ratios": [1, 1.1]})
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.88, hspace=0.6, wspace=0.35)
    gs = axes[1, 0].get_gridspec()
    for ax in axes[1]:
        ax.remove()
    depth = fig.add_subplot(gs[1, :])
    depth.set_yscale("log")
    depth.set(xlim=(0.5, MAX_DEPTH + 0.5), ylim=(FLOOR / 3, 30), xlabel="layers k",
              ylabel="f'(x)$^k$")
    depth.set_yticks([1e-30, 1e-20, 1e-10, 1])
    xs = np.linspace(*X_RANGE, 401)
    ks = np.arange(1, MAX_DEPTH + 1)
    points, lines = [], []
    for ax, name, color in zip(axes[0], names, colors):
        f, df = activation_values(name, xs)
        ax.plot(xs, f, color=color, lw=2, label="f")
        ax.plot(xs, df, color=color, lw=1.5, ls="--", label="f'")
        ax.set(xlim=X_RANGE, ylim=(-1.3, 1.8), title=name, xlabel="x")
        ax.axhline(0, color=PALETTE["grey"], lw=0.5)
        points.append((ax.plot([], [], "o", color=color, mec="k", ms=6)[0],
                       ax.plot([], [], "s", color=color, mec="k", ms=5)[0]))
        lines.append(depth.plot([], [], color=color, lw=2, marker=".", label=name)[0])
    axes[0, 0].legend(loc="upper left", fontsize=8)
    depth.legend(loc="lower left", fontsize=9, ncols=len(names))
    depth.text(MAX_DEPTH, FLOOR * 3, "a factor of 0 is drawn at 1e-30", ha="right", va="bottom",
               fontsize=8, color=PALETTE["grey"])
    title = fig.suptitle("", fontsize=11)
    depth_title = depth.set_title("", fontsize=10)
    view = FigureView(fig)
    view.animate(*[p for pair in points for p in pair], *lines, title, depth_title)
    x_frames = np.linspace(*X_RANGE, n_frames)

    def update(i):
        x = x_frames[i]
        at_k = []
        for name, (p, dp), line in zip(names, points, lines):
            fx, slope = activation_values(name, np.array([x]))
            p.set_data([x], fx)
            dp.set_data([x], slope)
            _, products = derivative_product(name, x, k)
            line.set_data(ks, np.maximum(products, FLOOR))
            at_k.append(f"{name} {products[k - 1]:.2g}")
        title.set_text(f"the point moves: x = {x:+.2f}")
        depth_title.set_text(f"gradient factor f'(x)^k; at k = {k}: " + ", ".join(at_k))

    return blit_animation_html(view, update, n_frames, interval=150)
