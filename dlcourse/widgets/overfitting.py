"""Explorer 8, overfitting (과적합): capacity, data, L2 and dropout against the test loss.

The data are noisy samples of one period of a sine, t = sin(pi x) + e with
x ~ U(-1, 1) and e ~ N(0, 0.3^2): the first ``n_train`` points of a fixed pool
of 100 train the network, 200 other points test it. The best possible test
MSE is the noise's variance, 0.09.

The network is ``dlcourse.nn``: x -> [Linear(width) -> tanh -> Dropout(p)] x 2
-> Linear(1), trained on the whole training set at once (full-batch Adam,
eta = 0.01) with the MSE loss plus the L2 penalty lambda/2 sum w^2 on every
weight matrix. The curves show the MSE alone (no penalty) on the training and
the test points, every 10 epochs, in evaluation mode (dropout off).

Training is explicit (the Train button, in chunks); every setting keeps its
own network, so coming back to a setting shows what it learned, and the
setting shown before stays on the loss panel in grey for comparison.
"""

import ipywidgets as W
import numpy as np

from dlcourse import losses, nn, optim
from dlcourse.i18n import gettext as tr
from dlcourse.regularizers import L2
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    TrainingRun,
    blit_animation_html,
    new_figure,
    slider,
)

NOISE = 0.3
POOL, N_TEST = 100, 200
WIDTHS = (1, 2, 3, 4, 8, 16, 32, 64, 128)
SIZES = (8, 12, 16, 24, 32, 48, 64, 100)
L2_VALUES = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
RECORD_EVERY = 10  # epochs between two points of the loss curves
LR = 0.01
SEED = 0
LOSS_RANGE = (1e-4, 3.0)


def noisy_sine(n, seed):
    """n points (x (n, 1), t (n, 1)) of t = sin(pi x) + N(0, NOISE^2), x ~ U(-1, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    return x, np.sin(np.pi * x) + rng.normal(0.0, NOISE, size=(n, 1))


X_POOL, T_POOL = noisy_sine(POOL, seed=1)
X_TEST, T_TEST = noisy_sine(N_TEST, seed=2)
X_CURVE = np.linspace(-1.0, 1.0, 201)[:, None]


def build_model(width=64, l2=0.0, dropout=0.0, seed=SEED):
    """Two tanh layers of ``width`` units with dropout, a linear output; MSE and Adam(0.01)."""
    rng = np.random.default_rng(seed)
    layers, n_in = [], 1
    for _ in range(2):
        layers += [nn.Linear(n_in, width, regularizer=L2(l2), rng=rng), nn.Tanh(),
                   nn.Dropout(dropout, rng=rng)]
        n_in = width
    layers.append(nn.Linear(n_in, 1, regularizer=L2(l2), rng=rng))
    model = nn.Sequential(layers)
    model.compile(loss="mse", optimizer=optim.Adam(lr=LR))
    return model


class Run:
    """One setting's network and its loss curves (MSE without the penalty, every 10 epochs)."""

    def __init__(self, width=64, n_train=12, l2=0.0, dropout=0.0):
        self.settings = {"width": width, "n_train": n_train, "l2": l2, "dropout": dropout}
        self.model = build_model(width, l2, dropout)
        self.X, self.t = X_POOL[:n_train], T_POOL[:n_train]
        self.epoch = 0
        self.history = {"epoch": [], "train": [], "test": []}
        self._record()

    def mse(self, X, t):
        """The data loss mean((y - t)^2) in evaluation mode (dropout off, no penalty)."""
        return losses.MSE()(self.model.predict(X), t)

    def _record(self):
        self.history["epoch"].append(self.epoch)
        self.history["train"].append(self.mse(self.X, self.t))
        self.history["test"].append(self.mse(X_TEST, T_TEST))

    def train(self, epochs):
        """``epochs`` more full-batch steps (``train_step``: forward, loss, backward, Adam)."""
        self.model.train(True)
        for _ in range(int(epochs)):
            self.model.train_step(self.X, self.t)
            self.epoch += 1
            if self.epoch % RECORD_EVERY == 0:
                self._record()
                self.model.train(True)
        self.model.train(False)
        return self

    def curves(self):
        return {k: np.asarray(v) for k, v in self.history.items()}


class OverfittingExplorer(Explorer):
    """Capacity, training-set size, L2 and dropout: the fit and the training and test loss."""

    def __init__(self, width=64, n_train=12, l2=0.0, dropout=0.0, epochs=1000, chunk=100):
        self.runs = {}
        self.reference = None  # the trained setting shown before, drawn in grey
        self._shown = None
        self._build_figure()
        controls = {
            "width": _choice("capacity: hidden units per layer (2 layers)", WIDTHS, width),
            "n_train": _choice("training-set size [points]", SIZES, n_train),
            "l2": _choice("L2 strength λ", L2_VALUES, l2, fmt="{:g}"),
            "dropout": slider("dropout", 0.0, 0.5, dropout, step=0.05, unit="drop probability p"),
        }
        self.run = TrainingRun(self.train_chunk, epochs=epochs, options=(200, 500, 1000, 2000),
                               chunk=chunk)
        self.train_button = self.run.button
        self._start(self.view, controls,
                    extra=[W.HBox([self.run.button, self.run.epochs, self.run.progress,
                                   self.run.status], layout=W.Layout(flex_flow="row wrap"))])

    @staticmethod
    def key(values):
        return (values["width"], values["n_train"], values["l2"], round(values["dropout"], 3))

    def current(self):
        """The ``Run`` of the current setting (made, untrained, on first visit)."""
        values = self.values()
        key = self.key(values)
        if key not in self.runs:
            self.runs[key] = Run(**values)
        return self.runs[key]

    def train_chunk(self, epochs=100):
        """Train the current setting ``epochs`` more epochs, then redraw."""
        self.current().train(epochs)
        self.refresh()

    def compute(self, **values):
        key = self.key(values)
        if key not in self.runs:
            self.runs[key] = Run(**values)
        run = self.runs[key]
        if self._shown is not None and self._shown != key and self.runs[self._shown].epoch > 0:
            self.reference = self.runs[self._shown]
        self._shown = key
        curve = getattr(run, "_curve", None)
        if curve is None or curve[0] != run.epoch:
            run._curve = (run.epoch, run.model.predict(X_CURVE)[:, 0])
        ref = self.reference if self.reference is not run else None
        return {"settings": run.settings, "epoch": run.epoch, "curves": run.curves(),
                "fit": run._curve[1], "X": run.X[:, 0], "t": run.t[:, 0],
                "reference": None if ref is None else (ref.settings, ref.curves())}

    def _build_figure(self):
        fig, axes = new_figure(2, 1, height=3.5)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
        self.fig = fig
        self.artists = _draw_axes(axes[0, 0], axes[0, 1])
        self.view = FigureView(fig)
        self.view.animate(*self.artists["animated"])

    def draw(self, state):
        a = self.artists
        a["fit"][0].set_data(X_CURVE[:, 0], state["fit"])
        a["train_points"].set_data(state["X"], state["t"])
        c = state["curves"]
        a["losses"][0].set_data(c["epoch"], np.clip(c["train"], *LOSS_RANGE))
        a["losses"][1].set_data(c["epoch"], np.clip(c["test"], *LOSS_RANGE))
        ref = state["reference"]
        for line, part in zip(a["reference"], ("train", "test")):
            line.set_visible(ref is not None)
            if ref is not None:
                line.set_data(ref[1]["epoch"], np.clip(ref[1][part], *LOSS_RANGE))
        s = state["settings"]
        if state["epoch"] == 0:
            self.text.value = tr("width {width}, {n_train} training points, "
                                 "λ = {l2:g}, p = {dropout:g}: not trained yet, "
                                 "press Train.").format(**s)
        else:
            train, test = c["train"][-1], c["test"][-1]
            self.text.value = tr(
                "epoch {epoch}: training MSE {train:.4f}, test MSE {test:.4f}, "
                "gap {gap:.4f} (the noise alone gives 0.09)").format(
                epoch=state['epoch'], train=train, test=test, gap=test - train)
        if ref is not None:
            r = ref[0]
            self.text.value += "<br>" + tr("grey: the setting shown before (width {width}, "
                                           "{n_train} points, λ = {l2:g}, p = {dropout:g})").format(**r)
        return _grow_epoch_axis(a["loss_ax"], [c["epoch"][-1]]
                                + ([ref[1]["epoch"][-1]] if ref is not None else []))


def _choice(description, options, value, fmt="{}"):
    return W.SelectionSlider(options=[(fmt.format(v), v) for v in options], value=value,
                             description=description, continuous_update=True,
                             tooltip=description.replace("λ", "lambda"),
                             style={"description_width": "initial"}, layout=W.Layout(width="95%"))


def _grow_epoch_axis(ax, last_epochs):
    """Double the epoch axis until every curve fits; True if it changed (a full redraw)."""
    limit = ax.get_xlim()[1]
    new = limit
    while max(last_epochs) > new:
        new *= 2
    if new != limit:
        ax.set_xlim(0, new)
        return True
    return False


def _draw_axes(ax, lax, runs=(("this setting", PALETTE["blue"]),), epochs=1000, reference=True):
    """The fit panel and the loss panel; returns the changing artists in a dict.

    ``runs`` are (label, colour) of the networks shown: one fit line, and a solid
    (training) and a dashed (test) loss line each. ``reference`` adds the grey lines of
    the setting shown before.
    """
    from matplotlib.lines import Line2D

    ax.plot(X_TEST[:, 0], T_TEST[:, 0], ".", color=PALETTE["grey"], ms=3, label="test data")
    ax.plot(X_CURVE[:, 0], np.sin(np.pi * X_CURVE[:, 0]), color="black", lw=1, ls=":",
            label="sin(πx)")
    train_points, = ax.plot([], [], "o", color=PALETTE["orange"], mec="black", mew=0.7, ms=6,
                            label="training data")
    fit_lines = [ax.plot([], [], color=color, lw=2, label=label)[0] for label, color in runs]
    ax.set(xlim=(-1.05, 1.05), ylim=(-2.2, 2.2), xlabel="x", ylabel="t")
    ax.legend(loc="lower right", fontsize=7.5, framealpha=0.9, handlelength=1.5)
    ax.set_title("network output and data", fontsize=10)
    loss_lines = []
    for _label, color in runs:
        loss_lines += [lax.plot([], [], color=color, lw=1.8)[0],
                       lax.plot([], [], color=color, lw=1.8, ls="--")[0]]
    ref_lines = [lax.plot([], [], color=PALETTE["grey"], lw=1.2, ls=ls, alpha=0.8)[0]
                 for ls in ("-", "--")] if reference else []
    lax.axhline(NOISE ** 2, color="black", lw=0.8, ls=":")
    handles = [Line2D([], [], color=color, lw=1.8, label=label) for label, color in runs]
    if reference:
        handles.append(Line2D([], [], color=PALETTE["grey"], lw=1.2, label="setting before"))
    handles.append(Line2D([], [], color="black", lw=0.8, ls=":", label="noise variance 0.09"))
    lax.set(yscale="log", ylim=LOSS_RANGE, xlim=(0, epochs), xlabel="epoch",
            ylabel="MSE (without penalty)")
    lax.grid(True, alpha=0.3)
    lax.legend(handles=handles, loc="lower left", fontsize=7.5, handlelength=1.5)
    lax.set_title("training (solid) and test (dashed) loss", fontsize=10)
    return {"fit": fit_lines, "train_points": train_points, "losses": loss_lines,
            "reference": ref_lines, "loss_ax": lax,
            "animated": [train_points, *fit_lines, *ref_lines, *loss_lines]}


def overfitting_explorer(width=64, n_train=12, l2=0.0, dropout=0.0):
    """Train a network on a few noisy points; compare training and test loss across settings."""
    return OverfittingExplorer(width=width, n_train=n_train, l2=l2, dropout=dropout)


def overfitting_animation(width=64, n_train=12, l2=1e-2, epochs=1500, n_frames=16):
    """The same large network on the same few points, without and with L2, frame by frame."""
    fig, axes = new_figure(2, 1, height=3.5)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.86, wspace=0.25)
    a = _draw_axes(axes[0, 0], axes[0, 1], epochs=epochs, reference=False,
                   runs=(("no penalty", PALETTE["vermillion"]),
                         (f"L2, λ = {l2:g}", PALETTE["green"])))
    title = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=11, weight="bold")
    view = FigureView(fig)
    view.animate(*a["animated"], title)
    runs = [Run(width, n_train, 0.0), Run(width, n_train, l2)]
    a["train_points"].set_data(runs[0].X[:, 0], runs[0].t[:, 0])
    per_frame = max(1, epochs // (n_frames - 1))
    frames = []
    for i in range(n_frames):
        if i:
            for run in runs:
                run.train(per_frame)
        frames.append([(run.curves(), run.model.predict(X_CURVE)[:, 0]) for run in runs])

    def update(i):
        for k, (curves, fit) in enumerate(frames[i]):
            a["fit"][k].set_data(X_CURVE[:, 0], fit)
            a["losses"][2 * k].set_data(curves["epoch"], np.clip(curves["train"], *LOSS_RANGE))
            a["losses"][2 * k + 1].set_data(curves["epoch"], np.clip(curves["test"], *LOSS_RANGE))
        title.set_text(f"width {width}, {n_train} training points, epoch {i * per_frame}")
        return i == 0

    return blit_animation_html(view, update, n_frames, interval=400)
