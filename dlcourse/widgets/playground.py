"""Explorer 6, the playground: a small network learns a 2-D data set while you watch.

A multilayer perceptron (다층 퍼셉트론) with ``layers`` hidden layers of
``width`` units,

    x (2) -> [Linear -> activation -> Dropout(p)] x layers -> Linear -> sigmoid -> P(class 1)

is trained with ``dlcourse``'s own ``fit`` (binary cross-entropy, Adam, mini-batches of
32) on 70 % of a toy set (moons, circles, spirals or XOR from ``dlcourse.data``) and
tested on the other 30 %. The inputs are min-max scaled to [-1, 1] (chapter 6), so
every set fills the same square. Hidden layers start from He normal weights under
ReLU and Glorot uniform otherwise; L2 (weight decay) penalises every weight matrix.

Changing the data set, the depth, the width or the activation builds a new
network (as "Reset" does); the learning rate, L2 and dropout apply to the network
being trained, from the next update on.
"""

import time

import ipywidgets as W
import numpy as np

from dlcourse import data, nn, optim
from dlcourse.i18n import gettext as tr
from dlcourse.regularizers import L2
from dlcourse.widgets._common import (
    CLASS_COLORS,
    PALETTE,
    REGION_CMAP,
    Explorer,
    FigureView,
    TrainingRun,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

DATASETS = {
    "moons": lambda: data.make_moons(200, noise=0.1, seed=1),
    "circles": lambda: data.make_circles(200, noise=0.08, factor=0.5, seed=1),
    "spirals": lambda: data.make_spirals(300, noise=0.15, n_turns=1.25, seed=1),
    "xor": lambda: data.make_xor(200, noise=0.2, seed=1),
}
ACTIVATIONS = ("relu", "tanh", "sigmoid")
L2_VALUES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
BOX = 1.25  # the view: the square [-BOX, BOX]^2 of scaled inputs
GRID = 64  # the decision regions are the network's output on GRID x GRID points
BATCH_SIZE = 32
SEED = 0


def load(dataset):
    """The toy set ``dataset``, split 70/30, min-max scaled to [-1, 1] (fit on the training part).

    Returns ``X_train, X_test, y_train, y_test`` (X (n, 2) float64, y (n,) int64 of 0/1).
    """
    if dataset not in DATASETS:
        raise ValueError(f"load: unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    X, y = DATASETS[dataset]()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.3, seed=0)
    scaler = data.MinMaxScaler().fit(X_train)
    return (2 * scaler.transform(X_train) - 1, 2 * scaler.transform(X_test) - 1, y_train, y_test)


def build_model(layers=2, width=8, activation="relu", lr=0.01, l2=0.0, dropout=0.0, seed=SEED):
    """The playground's network, compiled with binary cross-entropy and Adam(lr)."""
    rng = np.random.default_rng(seed)
    init = "he_normal" if activation == "relu" else "glorot_uniform"
    stack, n_in = [], 2
    for _ in range(layers):
        stack += [nn.Linear(n_in, width, init=init, regularizer=L2(l2), rng=rng),
                  nn.activation(activation), nn.Dropout(dropout, rng=rng)]
        n_in = width
    stack += [nn.Linear(n_in, 1, init="glorot_uniform", regularizer=L2(l2), rng=rng),
              nn.Sigmoid()]
    model = nn.Sequential(stack)
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=lr), metrics=["accuracy"])
    return model


def set_hyperparameters(model, lr=None, l2=None, dropout=None):
    """Change the learning rate, L2 strength or dropout of a built model in place."""
    for layer in model.layers:
        if l2 is not None and isinstance(layer, nn.Linear):
            layer.regularizer.lam = float(l2)
        if dropout is not None and isinstance(layer, nn.Dropout):
            layer.p = float(dropout)
    if lr is not None:
        model.optimizer.lr = float(lr)


def region_grid(n=GRID, box=BOX):
    """The (n * n, 2) points of the view, row by row from the bottom (for imshow origin='lower')."""
    g = np.linspace(-box, box, n)
    x1, x2 = np.meshgrid(g, g)
    return np.column_stack([x1.ravel(), x2.ravel()])


class Playground(Explorer):
    """Decision regions and loss curves of a small network, trained in chunks of epochs."""

    ARCHITECTURE = ("dataset", "layers", "width", "activation")

    def __init__(self, dataset="moons", layers=2, width=8, activation="relu", lr=0.01, l2=0.0,
                 dropout=0.0, chunk=10, epochs=200):
        self.grid = region_grid()
        self.chunk = chunk
        self.model = None
        self._built_for = None
        self._build_figure()
        controls = {
            "dataset": dropdown("data set", list(DATASETS), dataset),
            "layers": slider("hidden layers", 1, 4, layers, integer=True),
            "width": slider("width", 1, 32, width, unit="units per layer", integer=True),
            "activation": dropdown("activation", list(ACTIVATIONS), activation),
            "lr": slider("learning rate η (Adam)", -4, 0, lr, log=True, step=0.25),
            "l2": W.SelectionSlider(options=[(f"{v:g}", v) for v in L2_VALUES], value=l2,
                                    description="L2 strength λ", continuous_update=True,
                                    tooltip="L2 strength lambda",
                                    style={"description_width": "initial"},
                                    layout=W.Layout(width="95%")),
            "dropout": slider("dropout", 0.0, 0.6, dropout, step=0.05, unit="drop probability p"),
        }
        self.run = TrainingRun(self.train_chunk, epochs=epochs, chunk=chunk)
        self.train_button = self.run.button
        self.reset_button = W.Button(description="Reset", icon="refresh",
                                     layout=W.Layout(width="100px"))
        self.reset_button.on_click(lambda _: self.reset())
        self._start(self.view, controls,
                    extra=[W.HBox([self.run.button, self.reset_button, self.run.epochs,
                                   self.run.progress, self.run.status],
                                  layout=W.Layout(flex_flow="row wrap"))])
        grid = W.GridBox(list(self.controls.values()),
                         layout=W.Layout(grid_template_columns="1fr 1fr", width="100%"))
        self.children = [grid, *self.children[len(self.controls):]]

    # ------------------------------------------------------------ model
    def reset(self):
        """A new network with the current settings (same seed, so the same start)."""
        self.run.stop()
        self._built_for = None
        self.refresh()

    def _ensure_model(self, values):
        key = tuple(values[k] for k in self.ARCHITECTURE)
        if key != self._built_for:
            dataset = values["dataset"]
            if self._built_for is None or self._built_for[0] != dataset:
                self.X_train, self.X_test, self.y_train, self.y_test = load(dataset)
            self.run.stop()
            self.model = build_model(values["layers"], values["width"], values["activation"],
                                     values["lr"], values["l2"], values["dropout"])
            self.history = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
            self.rng = np.random.default_rng(SEED)  # mini-batch order
            self._built_for = key
            self._builds = getattr(self, "_builds", 0) + 1
        set_hyperparameters(self.model, values["lr"], values["l2"], values["dropout"])

    def train_chunk(self, epochs=None):
        """Train ``epochs`` (default: one chunk) more epochs with ``model.fit``, then redraw."""
        epochs = self.chunk if epochs is None else int(epochs)
        self._ensure_model(self.values())
        h = self.model.fit(self.X_train, self.y_train, epochs=epochs, batch_size=BATCH_SIZE,
                           validation_data=(self.X_test, self.y_test), verbose=0, rng=self.rng)
        for key in self.history:
            self.history[key].extend(h.history[key])
        self.refresh()

    @property
    def epoch(self):
        return len(self.history["loss"])

    # ------------------------------------------------------------ compute and draw
    def compute(self, **values):
        self._ensure_model(values)
        # Learning rate, L2 and dropout change training, not the trained network's outputs
        # (dropout is off in evaluation): reuse the outputs until the network changes.
        version = (self._builds, self.epoch)
        if getattr(self, "_outputs_for", None) != version:
            self._outputs = {
                "P": self.model.predict(self.grid, batch_size=len(self.grid)).reshape(GRID, GRID),
                "train_accuracy": self.model.evaluate(self.X_train, self.y_train)["accuracy"],
                "test_accuracy": self.model.evaluate(self.X_test, self.y_test)["accuracy"]}
            self._outputs_for = version
        return {**self._outputs, "epoch": self.epoch, "dataset": values["dataset"],
                "history": {k: np.asarray(v) for k, v in self.history.items()},
                "data": (self.X_train, self.y_train, self.X_test, self.y_test),
                "hyperparameters": {k: values[k] for k in ("lr", "l2", "dropout")}}

    def refresh(self):
        # The learning rate, L2 and dropout act from the next update on: changing them leaves
        # the picture as it is, so only the text line is redone. Anything else redraws.
        start = time.perf_counter()
        self.state = self.compute(**self.values())
        picture = (self._builds, self.epoch)
        if picture != getattr(self, "_picture", None):
            self.view.redraw(full=bool(self.draw(self.state)))
            self._picture = picture
        else:
            self._describe(self.state)
        self.last_update_ms = 1000 * (time.perf_counter() - start)

    def _build_figure(self):
        fig, axes = new_figure(2, 1, height=3.6, gridspec_kw={"width_ratios": [1.0, 1.1]})
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.25, top=0.93, wspace=0.4)
        self.fig = fig
        self.artists = _draw_axes(axes[0, 0], axes[0, 1], status=False)
        self.view = FigureView(fig)
        self.view.animate(*self.artists["animated"])

    def draw(self, state):
        full = _update(self.artists, state)
        self._describe(state)
        return full

    def _describe(self, state):
        hist, h = state["history"], state["hyperparameters"]
        settings = f"η = {h['lr']:.3g}, λ = {h['l2']:g}, dropout p = {h['dropout']:g}"
        if len(hist["loss"]):
            self.text.value = tr(
                "epoch {epoch}: training loss {loss:.3f}, test loss "
                "{val_loss:.3f}; accuracy {train:.0f} % "
                "(training), {test:.0f} % (test); {settings}").format(
                epoch=state['epoch'], loss=hist['loss'][-1], val_loss=hist['val_loss'][-1],
                train=100 * state['train_accuracy'], test=100 * state['test_accuracy'], settings=settings)
        else:
            self.text.value = tr("untrained network: accuracy {train:.0f} %"
                                 " (training); {settings}. Press Train.").format(
                train=100 * state['train_accuracy'], settings=settings)


def _draw_axes(ax, lax, status=True):
    """Static parts and the artists that change; returns them in a dict.

    ``status`` adds a line of text (epoch, accuracy) to the loss panel, for the static
    animation; the live explorer shows it below the figure instead (text is slow to draw).
    """
    im = ax.imshow(np.full((GRID, GRID), 0.5), extent=(-BOX, BOX, -BOX, BOX), origin="lower",
                   cmap=REGION_CMAP, vmin=0, vmax=1, alpha=0.6, interpolation="bilinear")
    bar = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03, ticks=[0, 0.5, 1])
    bar.ax.set_title("P(class 1)", fontsize=9, loc="left")
    scatters = []  # Line2D markers: several times faster to draw than scatter()
    for split, filled in (("training", True), ("test", False)):
        for k, (color, marker) in enumerate(zip(CLASS_COLORS, ("o", "s"))):
            points, = ax.plot([], [], ls="none", marker=marker, ms=5 if filled else 5.5, mfc=color,
                              mec="black" if filled else "white", mew=0.6 if filled else 1.4,
                              label=f"class {k}, {split} (edge {'black' if filled else 'white'})")
            scatters.append(points)
    ax.set(xlim=(-BOX, BOX), ylim=(-BOX, BOX), xlabel="$x_1$ (scaled)", ylabel="$x_2$ (scaled)",
           aspect="equal")
    ax.figure.legend(handles=scatters, loc="lower left", bbox_to_anchor=(0.0, 0.0), ncol=2,
                     fontsize=8.5, frameon=False, handletextpad=0.2, columnspacing=1.0)
    train_line, = lax.plot([], [], color=PALETTE["blue"], lw=1.8, label="training loss")
    test_line, = lax.plot([], [], color=PALETTE["vermillion"], lw=1.8, ls="--", label="test loss")
    lax.set(yscale="log", xlim=(0, 100), ylim=(1e-3, 2.0), xlabel="epoch",
            ylabel="binary cross-entropy")
    lax.grid(True, which="major", alpha=0.3)
    lax.legend(loc="upper right", fontsize=9)
    status = lax.text(0.02, 0.03, "", transform=lax.transAxes, fontsize=9, va="bottom",
                      visible=status)
    return {"im": im, "scatters": scatters, "train_line": train_line, "test_line": test_line,
            "status": status, "loss_ax": lax,
            "animated": [im, *scatters, train_line, test_line] + ([status] if status else [])}


def _update(artists, state):
    """Update the artists for ``state``; True if the loss axis had to grow (a full redraw)."""
    artists["im"].set_data(state["P"])
    X_train, y_train, X_test, y_test = state["data"]
    for sc, (X, y, k) in zip(artists["scatters"], [(X_train, y_train, 0), (X_train, y_train, 1),
                                                   (X_test, y_test, 0), (X_test, y_test, 1)]):
        sc.set_data(X[y == k, 0], X[y == k, 1])
    hist = state["history"]
    epochs = np.arange(1, len(hist["loss"]) + 1)
    artists["train_line"].set_data(epochs, hist["loss"])
    artists["test_line"].set_data(epochs, hist["val_loss"])
    if artists["status"].get_visible():
        artists["status"].set_text(
            f"epoch {state['epoch']}   test accuracy {100 * state['test_accuracy']:.0f} %")
    lax = artists["loss_ax"]
    limit = lax.get_xlim()[1]
    if len(epochs) > limit:  # the axis only grows, so a reset never costs a full redraw
        while limit < len(epochs):
            limit *= 2
        lax.set_xlim(0, limit)
        return True
    return False


def playground(dataset="moons", **settings):
    """The playground explorer: pick a data set and a network, press Train, watch it learn.

    ``settings`` are the starting values of the controls: ``layers``, ``width``,
    ``activation``, ``lr``, ``l2``, ``dropout``.
    """
    return Playground(dataset=dataset, **settings)


def playground_animation(dataset="moons", epochs=200, n_frames=21, **settings):
    """Train once and show the decision regions and loss curves every few epochs (static book)."""
    explorer = Playground(dataset=dataset, epochs=epochs, **settings)
    explorer.artists["status"].set_visible(True)
    explorer.view.animate(explorer.artists["status"])
    per_frame = max(1, epochs // (n_frames - 1))
    explorer.artists["loss_ax"].set_xlim(0, per_frame * (n_frames - 1))
    states = [explorer.state]
    for _ in range(n_frames - 1):
        explorer.train_chunk(per_frame)
        states.append(explorer.state)
    # Frame 0 redraws in full: the loss axis was set for this run.
    return blit_animation_html(explorer.view,
                               lambda i: _update(explorer.artists, states[i]) or i == 0,
                               n_frames, interval=300)
