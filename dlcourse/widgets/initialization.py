"""Explorer 7, depth and initialisation (가중치 초기화): how the signal fares layer by layer.

A stack of ``depth`` fully connected layers of 100 units, each followed by the same
activation, gets a fixed batch of 100 random inputs x ~ N(0, 1). The left panel
shows each layer's activations as a histogram (as in Glorot and Bengio, 2010, and
He et al., 2015); the right panel shows, per layer, the standard deviation of the
activations and the gradient norm ||dL/dW|| (Frobenius) from one backward pass.
The backward pass starts from a fixed random upstream gradient dL/dh_depth ~
N(0, 1) / batch (the way ``dlcourse.gradcheck`` checks a layer), so only the
network's own factors shape it: every layer multiplies the gradient by W^T and
by the activation's derivative.

The weights come from ``dlcourse.init`` (LeCun, Glorot, He; uniform and normal)
or from the two naive choices the schemes replaced, N(0, 1) and N(0, 0.01^2).
The layers are ``dlcourse.nn`` layers; every setting is computed once and cached.
"""

import functools

import numpy as np

from dlcourse import nn
from dlcourse.i18n import gettext as tr
from dlcourse.init import SCHEMES
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

WIDTH = 100
BATCH = 100
MAX_DEPTH = 10
SEED = 0


def _naive(sigma):
    def normal(n_in, n_out, rng=None):
        return rng.normal(0.0, sigma, size=(n_in, n_out))
    normal.__name__ = f"normal(0, {sigma:g})"
    return normal


INITS = {"normal(0, 1)": _naive(1.0), "normal(0, 0.01)": _naive(0.01), **SCHEMES}
ACTIVATIONS = ("sigmoid", "tanh", "relu")
# The histograms' range per activation; values beyond it are counted in the end bins.
HIST_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 3.0)}
BINS = 40
Y_RANGE = (1e-16, 1e10)  # the right panel's fixed log range (covers every setting)


@functools.lru_cache(maxsize=32)
def _forward(activation, init):
    """The MAX_DEPTH-layer stack after one forward pass (layers keep their caches)."""
    data_rng = np.random.default_rng(SEED)
    x = data_rng.standard_normal((BATCH, WIDTH))
    upstream = data_rng.standard_normal((MAX_DEPTH, BATCH, WIDTH)) / BATCH
    layers, outputs = [], []
    for i in range(MAX_DEPTH):
        # One generator per layer: layer i has the same weights whatever the depth.
        linear = nn.Linear(WIDTH, WIDTH, init=INITS[init], rng=np.random.default_rng([SEED, i]))
        act = nn.activation(activation)
        x = act.forward(linear.forward(x))
        layers += [linear, act]
        outputs.append(x)
    return layers, outputs, upstream


@functools.lru_cache(maxsize=512)
def layer_statistics(depth, activation="sigmoid", init="glorot_uniform"):
    """Per-layer statistics of one forward and one backward pass.

    Returns a dict: ``hist`` (depth, BINS) histogram counts of each layer's
    activations over ``HIST_RANGE[activation]`` (values beyond it in the end
    bins), ``edges`` (BINS + 1,), ``std`` (depth,) the activations' standard
    deviations, ``grad_norm`` (depth,) ||dL/dW_l|| for l = 1 .. depth, and
    ``saturated`` (depth,) the fraction of activations within 0.02 of the
    activation's bounds (sigmoid 0 and 1, tanh -1 and 1; ReLU: exactly 0).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"layer_statistics: unknown activation {activation!r}; "
                         f"choose one of {', '.join(ACTIVATIONS)}")
    if init not in INITS:
        raise ValueError(f"layer_statistics: unknown init {init!r}; "
                         f"choose one of {', '.join(INITS)}")
    if not 1 <= int(depth) <= MAX_DEPTH:
        raise ValueError(f"layer_statistics: depth must be 1 .. {MAX_DEPTH}, got {depth!r}")
    depth = int(depth)
    layers, outputs, upstream = _forward(activation, init)
    model = nn.Sequential(layers[:2 * depth])  # caches from _forward's pass are still there
    model.backward(upstream[depth - 1])
    lo, hi = HIST_RANGE[activation]
    edges = np.linspace(lo, hi, BINS + 1)
    hist = np.array([np.histogram(np.clip(h, lo, hi), bins=edges)[0] for h in outputs[:depth]])
    if activation == "relu":
        saturated = [np.mean(h == 0) for h in outputs[:depth]]
    else:
        saturated = [np.mean((h < lo + 0.02) | (h > hi - 0.02)) for h in outputs[:depth]]
    return {
        "hist": hist, "edges": edges,
        "std": np.array([h.std() for h in outputs[:depth]]),
        "grad_norm": np.array([np.linalg.norm(model[2 * i].grads["W"]) for i in range(depth)]),
        "saturated": np.array(saturated),
    }


class InitExplorer(Explorer):
    """Histograms of activations and gradient norms per layer, for a depth, activation and init."""

    def __init__(self, depth=5, activation="sigmoid", init="normal(0, 1)", status=False):
        self._build_figure(status)
        controls = {
            "depth": slider("depth", 1, MAX_DEPTH, depth, unit="hidden layers of 100 units",
                            integer=True),
            "activation": dropdown("activation", list(ACTIVATIONS), activation),
            "init": dropdown("weight initialisation", list(INITS), init),
        }
        self._start(self.view, controls)

    def compute(self, depth, activation, init):
        return {"depth": depth, "activation": activation, "init": init,
                **layer_statistics(depth, activation, init)}

    def _build_figure(self, status):
        fig, axes = new_figure(2, 1, height=3.8, gridspec_kw={"width_ratios": [1.0, 1.0]})
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.13, top=0.86 if status else 0.9,
                            wspace=0.3)
        hax, gax = axes[0, 0], axes[0, 1]
        self.fig, self.hax, self.gax = fig, hax, gax
        self.ridges = []
        for _ in range(MAX_DEPTH):
            ridge = hax.stairs(np.zeros(BINS), np.linspace(0, 1, BINS + 1), baseline=0.0,
                               fill=True, facecolor=PALETTE["sky"], edgecolor=PALETTE["blue"],
                               lw=1.0)
            self.ridges.append(ridge)
        hax.set(ylim=(-0.2, MAX_DEPTH), yticks=MAX_DEPTH - 1 - np.arange(MAX_DEPTH) + 0.02,
                yticklabels=[f"layer {i + 1}" for i in range(MAX_DEPTH)])
        hax.tick_params(axis="y", length=0, labelsize=9)
        hax.set_title("activations of each layer (histograms)", fontsize=10)
        self.std_line, = gax.plot([], [], "o-", color=PALETTE["blue"], label="std of activations")
        self.grad_line, = gax.plot([], [], "s--", color=PALETTE["vermillion"],
                                   label="gradient norm ‖∂L/∂W‖")
        gax.set(yscale="log", ylim=Y_RANGE, xlim=(0.5, MAX_DEPTH + 0.5), xlabel="layer",
                xticks=np.arange(1, MAX_DEPTH + 1))
        gax.set_yticks(10.0 ** np.arange(-16, 11, 4))
        gax.grid(True, alpha=0.3)
        gax.legend(loc="upper left", fontsize=8.5)
        gax.set_title("scale per layer (log axis)", fontsize=10)
        self.status = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=11,
                               weight="bold", visible=status)
        self.view = FigureView(fig)
        self.view.animate(*self.ridges, self.std_line, self.grad_line,
                          *([self.status] if status else []))

    def _show_axis(self, activation):
        """The histograms' x axis for ``activation``: the only static part that changes."""
        lo, hi = HIST_RANGE[activation]
        if self.hax.get_xlim() != (lo, hi):
            self.hax.set_xlim(lo, hi)
            beyond = f" (values beyond pile up at {hi:g})" if activation == "relu" else ""
            self.hax.set_xlabel(f"{activation} output{beyond}", fontsize=9.5)

    def draw(self, state):
        activation, depth = state["activation"], state["depth"]
        self._show_axis(activation)
        # One rendered background per activation, all drawn when the explorer is built.
        self.view.prerender(ACTIVATIONS, self._show_axis)
        self._show_axis(activation)
        self.view.use_background(activation)
        for i, ridge in enumerate(self.ridges):
            ridge.set_visible(i < depth)
            if i >= depth:
                continue
            counts = state["hist"][i].astype(float)
            # ReLU's many exact zeros (and the values piled at the right end) would flatten
            # the rest: scale by the bins in between.
            body = counts[1:-1] if activation == "relu" and counts[1:-1].max() > 0 else counts
            height = 0.9 * np.minimum(counts / max(body.max(), 1.0), 1.0)
            base = MAX_DEPTH - 1 - i
            ridge.set_data(values=base + height, edges=state["edges"], baseline=base)
        layers = np.arange(1, depth + 1)
        self.std_line.set_data(layers, np.clip(state["std"], *Y_RANGE))
        self.grad_line.set_data(layers, np.clip(state["grad_norm"], *Y_RANGE))
        if self.status.get_visible():
            self.status.set_text(f"{activation} with {state['init']} weights, {depth} layers")
        g = state["grad_norm"]
        self.text.value = tr(
            "‖∂L/∂W‖ is {first:.2e} at layer 1 and {last:.2e} at layer {depth} "
            "(ratio {ratio:.2g}); "
            "std of activations {std_first:.2g} at layer 1, "
            "{std_last:.2g} at layer {depth}; "
            "{saturated:.0f} % of layer {depth}'s outputs ").format(
            first=g[0], last=g[-1], depth=depth, ratio=g[0] / max(g[-1], 1e-300),
            std_first=state['std'][0], std_last=state['std'][-1],
            saturated=100 * state['saturated'][-1]) \
            + (tr("are 0.") if activation == "relu" else tr("are saturated (within 0.02 of a bound)."))
        return False


def init_explorer(depth=5, activation="sigmoid", init="normal(0, 1)"):
    """Depth, activation and weight initialisation: activations and gradients layer by layer."""
    return InitExplorer(depth=depth, activation=activation, init=init)


#: The static book's frames: the classic contrasts, each at full depth.
CONTRASTS = (
    ("sigmoid", "normal(0, 1)"), ("sigmoid", "normal(0, 0.01)"), ("sigmoid", "glorot_uniform"),
    ("tanh", "normal(0, 0.01)"), ("tanh", "glorot_uniform"), ("relu", "normal(0, 1)"),
    ("relu", "glorot_uniform"), ("relu", "he_normal"),
)


def init_animation(settings=CONTRASTS, depth=MAX_DEPTH):
    """One frame per (activation, init) of ``settings``, with a title, for the static book."""
    explorer = InitExplorer(depth=depth, activation=settings[0][0], init=settings[0][1],
                            status=True)

    def update(i):
        activation, init = settings[i]
        explorer.draw(explorer.compute(depth, activation, init))
        return i == 0  # the background was drawn without the title's frame text

    return blit_animation_html(explorer.view, update, len(settings), interval=2500)
