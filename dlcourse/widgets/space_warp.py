"""Explorer 2, space warp (공간 왜곡): how a hidden layer bends the plane so XOR becomes separable.

A 2-2-1 network computes the hidden activations h = f(x W1 + b1) (2 numbers
per input) and the output from h alone. The explorer moves every point of the
input plane along the straight path

    p(t) = (1 - t) x + t h(x),     t from 0 (the input plane) to 1 (the hidden space),

so the grid, the four XOR inputs and the network's decision boundary morph from
where the inputs live to where the output unit sees them. At t = 1 the
boundary is a straight line: in the hidden space one line separates XOR.

``weights="slides"``: the slides' hidden layer W1 = [[-2, 2], [-2, 2]], b1 =
[3, -1] (NAND and OR units). With the slides' step function every input jumps
to a corner of the unit square, which is a jump, not a warp, so the explorer
uses sigmoid(k z), which tends to the step as the steepness k grows
(a slider; k = 20 looks like the step). Two things are worth seeing:

* Both rows of W1 are equal, so h depends on x1 + x2 only: the whole plane
  folds onto one curve, and (0, 1) and (1, 0) land on the same point.
* The output line drawn is h1 + h2 = 1.5 (output weights (1, 1), bias -1.5).
  The slides' bias -1 works with step hidden units only because step(0) = 0
  puts the two 0-rows exactly on the line h1 + h2 = 1; smooth hidden units put
  them a hair above it. The line halfway, 1.5, separates for every k > ln 3.

``weights="trained"``: a 2-2-1 network with sigmoid units (``nn.Linear``,
``nn.Sigmoid``), seeded, trained on XOR with binary cross-entropy and Adam
when you press Train; the training runs in chunks with a progress bar, and the
picture follows it.
"""

import ipywidgets as W
import numpy as np

from dlcourse import nn, optim
from dlcourse.data import logic_gate
from dlcourse.i18n import gettext as tr
from dlcourse.widgets._common import (
    CLASS_COLORS,
    PALETTE,
    Explorer,
    FigureView,
    TrainingRun,
    blit_animation_html,
    new_figure,
    slider,
)

SLIDE_W1 = np.array([[-2.0, 2.0], [-2.0, 2.0]])
SLIDE_B1 = np.array([3.0, -1.0])
OUTPUT_W2 = np.array([[1.0], [1.0]])  # the slides' output weights
OUTPUT_B2_SMOOTH = np.array([-1.5])  # halfway between the classes; see the module docstring
LIMITS = (-0.55, 1.55)
GRID_LINES = np.linspace(-0.5, 1.5, 11)
_LINE_SAMPLES = 61
_DOTS = 21  # background dots per side, coloured by the network's answer


def slides_network(steepness=2.0):
    """The slides' XOR network with sigmoid(k z) hidden units: a dlcourse ``Sequential``.

    sigmoid(k (x W1 + b1)) is a Linear layer with weights k W1, k b1 followed
    by a Sigmoid. The output unit is sigmoid(k (h1 + h2 - 1.5)).
    """
    k = float(steepness)
    return nn.Sequential([nn.Linear.from_weights(k * SLIDE_W1, k * SLIDE_B1), nn.Sigmoid(),
                          nn.Linear.from_weights(k * OUTPUT_W2, k * OUTPUT_B2_SMOOTH), nn.Sigmoid()])


def trained_network(seed=0, lr=0.05):
    """An untrained 2-2-1 sigmoid network for XOR, compiled for binary cross-entropy and Adam.

    Seeded: seed 0 gets 4 of 4 after about 200 epochs (full batch; Adam, lr 0.05).
    """
    rng = np.random.default_rng(seed)
    model = nn.Sequential([nn.Linear(2, 2, rng=rng), nn.Sigmoid(),
                           nn.Linear(2, 1, rng=rng), nn.Sigmoid()])
    return model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr))


def hidden(model, X):
    """The hidden activations h = f(x W1 + b1), (n, 2), from the model's first two layers."""
    return model[1].forward(model[0].forward(np.asarray(X, dtype=np.float64)))


def output(model, X):
    """The network's output for each row of X, (n,)."""
    return model.forward(np.asarray(X, dtype=np.float64))[:, 0]


def warp(model, X, t):
    """p(t) = (1 - t) x + t h(x) for each row of X (n, 2): t = 0 the input, 1 the hidden space."""
    X = np.asarray(X, dtype=np.float64)
    return (1.0 - t) * X + t * hidden(model, X)


def _grid_input():
    """The grid lines of the input plane: (22, 61, 2), 11 vertical then 11 horizontal."""
    s = np.linspace(GRID_LINES[0], GRID_LINES[-1], _LINE_SAMPLES)
    vertical = [np.column_stack([np.full_like(s, c), s]) for c in GRID_LINES]
    horizontal = [np.column_stack([s, np.full_like(s, c)]) for c in GRID_LINES]
    return np.array(vertical + horizontal)


def boundary_input(model, n=101):
    """Where the network's output is 0.5, in the input plane: a list of (m, 2) polylines."""
    import contourpy
    s = np.linspace(*LIMITS, n)
    X1, X2 = np.meshgrid(s, s)
    Z = output(model, np.column_stack([X1.ravel(), X2.ravel()])).reshape(n, n)
    return [line for line in contourpy.contour_generator(X1, X2, Z).lines(0.5) if len(line) > 1]


class WarpNetwork:
    """What does not change with t: the network, its grid, boundary and answers (cached)."""

    def __init__(self, model):
        self.model = model
        self.X, self.y = logic_gate("XOR")
        self.grid = _grid_input()
        s = np.linspace(-0.5, 1.5, _DOTS)
        self.dots = np.stack(np.meshgrid(s, s), axis=-1).reshape(-1, 2)
        self.refresh()

    def refresh(self):
        """Recompute after the weights changed (training)."""
        self.version = getattr(self, "version", -1) + 1
        m = self.model
        flat = self.grid.reshape(-1, 2)
        self.grid_hidden = hidden(m, flat).reshape(self.grid.shape)
        self.X_hidden = hidden(m, self.X)
        self.dots_hidden = hidden(m, self.dots)
        self.dot_class = (output(m, self.dots) > 0.5).astype(int)
        self.boundary = boundary_input(m)
        self.boundary_hidden = [hidden(m, line) for line in self.boundary]
        self.outputs = output(m, self.X)
        W2, b2 = m[2].params["W"][:, 0], float(m[2].params["b"][0])
        self.output_line = (W2, b2)  # w2 . h + b2 = 0 in the hidden space

    def at(self, t):
        """Everything warped to t: grid (22, 61, 2), points (4, 2), dots, boundary polylines."""
        def mix(a, b):
            return (1.0 - t) * a + t * b
        return {
            "t": float(t),
            "grid": mix(self.grid, self.grid_hidden),
            "points": mix(self.X, self.X_hidden),
            "dots": mix(self.dots, self.dots_hidden),
            "boundary": [mix(a, b) for a, b in zip(self.boundary, self.boundary_hidden)],
        }

    def summary(self):
        predicted = (self.outputs > 0.5).astype(int)
        h = self.X_hidden
        W2, b2 = self.output_line
        side = h @ W2 + b2 > 0
        return {"outputs": self.outputs, "predicted": predicted,
                "n_right": int((predicted == self.y).sum()),
                "separated": bool(np.all(side == (self.y == 1))), "hidden_points": h}


def output_line_segment(W2, b2, limits=LIMITS):
    """End points of w1 h1 + w2 h2 + b = 0 across the view (None if it misses the view)."""
    lo, hi = limits
    pts = []
    if abs(W2[1]) > 1e-12:
        pts += [(h1, -(W2[0] * h1 + b2) / W2[1]) for h1 in (lo, hi)]
    elif abs(W2[0]) > 1e-12:
        pts += [(-b2 / W2[0], h2) for h2 in (lo, hi)]
    if len(pts) < 2:
        return None
    return np.array(pts)


class _WarpPanel:
    def __init__(self, title=False):
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        fig, axes = new_figure(1, 1, width=4.6, height=4.3)
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.25, top=0.93)
        self.fig, self.ax = fig, axes[0, 0]
        ax = self.ax
        ax.set(xlim=LIMITS, ylim=LIMITS, aspect="equal",
               xlabel="(1 - t) $x_1$ + t $h_1$", ylabel="(1 - t) $x_2$ + t $h_2$")
        import matplotlib.colors as mcolors
        light = ["#b9d7ea", "#f2c4a6"]  # pale versions of the class colours
        self.dots = ax.scatter([], [], s=18, marker="s", linewidths=0, zorder=0)
        self._light = mcolors.to_rgba_array(light)
        self._class_rgba = mcolors.to_rgba_array(CLASS_COLORS)
        self._colored_for = None
        self.grid = LineCollection([], colors="#8a8a8a", linewidths=0.7, zorder=1)
        ax.add_collection(self.grid)
        self.boundary = LineCollection([], colors=PALETTE["black"], linewidths=2.2, zorder=2)
        ax.add_collection(self.boundary)
        (self.line,) = ax.plot([], [], color=PALETTE["black"], ls="--", lw=1.2, zorder=2)
        self.points = ax.scatter([], [], s=150, edgecolors="black", linewidths=1.2, zorder=4)
        self.title = ax.set_title("", fontsize=10)
        handles = [
            Line2D([], [], ls="", marker="o", ms=9, mfc=CLASS_COLORS[0], mec="k",
                   label="XOR = 0"),
            Line2D([], [], ls="", marker="o", ms=9, mfc=CLASS_COLORS[1], mec="k",
                   label="XOR = 1"),
            Line2D([], [], color="k", lw=2.2, label="output = 0.5"),
            Line2D([], [], color="k", lw=1.2, ls="--", label="output line in h-space"),
            Line2D([], [], ls="", marker="s", ms=7, mfc=light[0], mec="none",
                   label="network says 0"),
            Line2D([], [], ls="", marker="s", ms=7, mfc=light[1], mec="none",
                   label="network says 1"),
        ]
        fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=8.5, frameon=False)
        self.dynamic = [self.dots, self.grid, self.boundary, self.line, self.points]
        if title:
            self.dynamic.append(self.title)

    def update(self, net, warped, title=""):
        self.dots.set_offsets(warped["dots"])
        if self._colored_for != (id(net), net.version):  # colours change only with the weights
            self.dots.set_facecolors(self._light[net.dot_class])
            self.points.set_facecolors(self._class_rgba[net.y])
            self._colored_for = (id(net), net.version)
        self.grid.set_segments(list(warped["grid"]))
        self.boundary.set_segments(warped["boundary"])
        seg = output_line_segment(*net.output_line)
        # the output unit's straight line belongs to the hidden space: it fades in as t -> 1
        if seg is None or warped["t"] < 0.5:
            self.line.set_data([], [])
        else:
            self.line.set_data(seg[:, 0], seg[:, 1])
            self.line.set_alpha(min(1.0, 2 * warped["t"] - 1.0))
        self.points.set_offsets(warped["points"])
        self.title.set_text(title)


class SpaceWarpExplorer(Explorer):
    """A warp slider, and a steepness slider (slides) or Train button (trained)."""

    def __init__(self, weights="slides", t=1.0, steepness=2.0, seed=0):
        if weights not in ("slides", "trained"):
            raise ValueError(f"space_warp_explorer: weights must be 'slides' or 'trained', "
                             f"got {weights!r}")
        self.weights = weights
        self.panel = _WarpPanel()
        view = FigureView(self.panel.fig)
        view.animate(*self.panel.dynamic)
        controls = {"t": slider("warp t (0 = input plane x, 1 = hidden space h)", 0.0, 1.0, t,
                                step=0.02)}
        extra = ()
        self.epoch, self.loss = 0, None
        self._net_key = None
        if weights == "slides":
            controls["steepness"] = slider("steepness k of sigmoid(k z) (20 ~ the step)", 0.5,
                                           20.0, steepness, step=0.5)
            self.net = None
        else:
            self.seed = seed
            self.net = WarpNetwork(trained_network(seed))
            self.training = TrainingRun(self._train_chunk, epochs=500,
                                        options=(100, 500, 1500, 3000), chunk=50)
            reset = W.Button(description="Reset", icon="undo", layout=W.Layout(width="90px"))
            reset.on_click(lambda _: self.reset())
            extra = (W.HBox([self.training.widget, reset]),)
        self._start(view, controls, extra)

    def _train_chunk(self, n):
        model = self.net.model
        X, y = self.net.X, self.net.y
        for _ in range(n):
            self.loss, _ = model.train_step(X, y)
        self.epoch += n
        self.net.refresh()
        self.refresh()

    def train(self, epochs=1500):
        """Train synchronously (what the Train button does outside a kernel)."""
        self.training.start(epochs)
        return self

    def reset(self):
        """Back to the seeded, untrained network (stopping a run in progress)."""
        self.training.stop()
        self.net = WarpNetwork(trained_network(self.seed))
        self.epoch, self.loss = 0, None
        self.training.progress.value = 0
        self.training.status.value = ""
        self.refresh()

    def compute(self, t, steepness=None):
        if self.weights == "slides" and self._net_key != steepness:
            self.net, self._net_key = WarpNetwork(slides_network(steepness)), steepness
        return {**self.net.at(t), **self.net.summary(), "steepness": steepness,
                "epoch": self.epoch, "loss": self.loss}

    def draw(self, state):
        self.panel.update(self.net, state)
        self.text.value = _describe(self.weights, state)
        return False


def _describe(weights, state):
    h = state["hidden_points"]
    where = ", ".join(f"({a:.2f}, {b:.2f})" for a, b in h)
    head = tr("t = {t:.2f}. Hidden points h for (0,0), (0,1), (1,0), (1,1): {where}. ").format(
        t=state['t'], where=where)
    if weights == "slides":
        k = state["steepness"]
        sep = (tr("the line h<sub>1</sub> + h<sub>2</sub> = 1.5 separates the two classes")
               if state["separated"] else
               tr("the line h<sub>1</sub> + h<sub>2</sub> = 1.5 does <b>not</b> separate them "
                  "(k is below ln 3 &asymp; 1.1)"))
        return head + tr("With steepness k = {k:g}, {sep}; {right} of 4 right.").format(
            k=k, sep=sep, right=state['n_right'])
    if state["epoch"] == 0:
        return head + tr("Untrained (random, seeded weights): press <b>Train</b>.")
    return head + (tr("After {epoch} epochs: loss {loss:.4f}, {right} of 4 right").format(
                   epoch=state['epoch'], loss=state['loss'], right=state['n_right'])
                   + (tr(", separated by a line in the hidden space.") if state["separated"]
                      else "."))


def space_warp_explorer(weights="slides", t=1.0, steepness=2.0, seed=0):
    """The XOR inputs and a grid morphing from the input plane into the hidden space.

    ``weights="slides"``: the slides' hidden layer with sigmoid(k z) units and a
    steepness slider (see the module docstring for why not the step itself).
    ``weights="trained"``: a seeded 2-2-1 sigmoid network, trained on XOR when
    you press Train (in chunks, with a progress bar; Reset starts over).
    The slider t runs from the input plane (0) to the hidden space (1); the
    background dots are coloured by the network's answer and travel with the
    plane, and the thick line (output = 0.5) becomes straight at t = 1.
    """
    return SpaceWarpExplorer(weights, t, steepness, seed)


def space_warp_animation(weights="slides", n_frames=26, steepness=2.0, epochs=500, seed=0):
    """For the static book: t from 0 to 1 (the plane folding into the hidden space).

    For ``"trained"`` the network is trained first (``epochs`` epochs, seeded).
    """
    if weights == "slides":
        net = WarpNetwork(slides_network(steepness))
        label = f"slides' weights, k = {steepness:g}"
    else:
        model = trained_network(seed)
        X, y = logic_gate("XOR")
        for _ in range(epochs):
            model.train_step(X, y)
        net = WarpNetwork(model)
        label = f"trained ({epochs} epochs)"
    panel = _WarpPanel(title=True)
    view = FigureView(panel.fig)
    view.animate(*panel.dynamic)
    ts = np.linspace(0.0, 1.0, n_frames)

    def update(i):
        panel.update(net, net.at(ts[i]), title=f"{label}: t = {ts[i]:.2f}")

    return blit_animation_html(view, update, n_frames, interval=150)
