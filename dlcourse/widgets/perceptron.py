"""Explorer 1, the perceptron (퍼셉트론): one line, four points, four gates.

A perceptron with weights w = (w1, w2) and bias b computes

    z = w1 x1 + w2 x2 + b,     y = 1 if z > 0 else 0      (the slides' step function)

so its decision boundary is the line w1 x1 + w2 x2 + b = 0, and w points to the
side where y = 1. The slides' weights: AND (1, 1, -1), OR (2, 2, -1),
NAND (-2, -2, 3). No (w1, w2, b) gets all four XOR rows right.
"""

import ipywidgets as W
import numpy as np

from dlcourse import nn
from dlcourse.data import GATES, logic_gate
from dlcourse.i18n import gettext as tr
from dlcourse.plotting import text_colour
from dlcourse.widgets._common import (
    CLASS_COLORS,
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

#: The slides' (w1, w2, b) for each gate that one perceptron can compute.
SLIDE_WEIGHTS = {"AND": (1.0, 1.0, -1.0), "OR": (2.0, 2.0, -1.0), "NAND": (-2.0, -2.0, 3.0)}
LIMITS = (-0.5, 1.5)  # the view of the input plane, both axes
_TINT = "#f3e3c3"  # the y = 1 side


def perceptron(w1, w2, b):
    """The perceptron as dlcourse layers: ``Sequential([Linear(2, 1), Step()])``, these weights."""
    return nn.Sequential([nn.Linear.from_weights([[w1], [w2]], [b]), nn.Step()])


def perceptron_outputs(w1, w2, b, gate="AND"):
    """The perceptron's truth table for one gate.

    Returns a dict: ``X`` (4, 2) the inputs, ``target`` (4,) the gate's outputs,
    ``z`` (4,) the weighted sums w1 x1 + w2 x2 + b, ``y`` (4,) the outputs
    step(z) as ints, ``correct`` (4,) bool, and ``n_right`` (int, 0 to 4).
    """
    X, target = logic_gate(gate)
    model = perceptron(w1, w2, b)
    z = model[0].forward(X)[:, 0]
    y = model[1].forward(z).astype(np.int64)
    correct = y == target
    return {"X": X, "target": target, "z": z, "y": y, "correct": correct,
            "n_right": int(correct.sum())}


def line_in_box(w1, w2, b, limits=LIMITS):
    """End points of w1 x1 + w2 x2 + b = 0 inside the square ``limits`` x ``limits``.

    Returns ((x1a, x1b), (x2a, x2b)), or None when the line misses the square
    (or w = 0, where there is no line: the output is the same everywhere).
    """
    lo, hi = limits
    points = []
    if abs(w2) > 1e-12:
        for x1 in (lo, hi):
            x2 = -(w1 * x1 + b) / w2
            if lo - 1e-9 <= x2 <= hi + 1e-9:
                points.append((x1, x2))
    if abs(w1) > 1e-12:
        for x2 in (lo, hi):
            x1 = -(w2 * x2 + b) / w1
            if lo - 1e-9 <= x1 <= hi + 1e-9:
                points.append((x1, x2))
    if len(points) < 2:
        return None
    points = np.array(points)
    # the two corners farthest apart (a line through a corner is found twice)
    d = np.linalg.norm(points[:, None] - points[None], axis=-1)
    i, j = np.unravel_index(np.argmax(d), d.shape)
    return (points[i, 0], points[j, 0]), (points[i, 1], points[j, 1])


def best_bias(w1, w2, gate):
    """The bias that gets the most rows right for the direction (w1, w2), and that count.

    Only the order of the projections w.x matters, so the candidates are the
    mid-points between consecutive distinct projections and one beyond each end.
    """
    X, _ = logic_gate(gate)
    p = np.unique(X @ np.array([w1, w2]))
    thresholds = np.concatenate([[p[0] - 1.0], (p[:-1] + p[1:]) / 2, [p[-1] + 1.0]])
    scores = [perceptron_outputs(w1, w2, -t, gate)["n_right"] for t in thresholds]
    best = int(np.argmax(scores))
    return float(-thresholds[best]), scores[best]


def half_plane(w1, w2, b, limits=LIMITS):
    """The part of the square ``limits`` x ``limits`` where w1 x1 + w2 x2 + b > 0, as a polygon.

    Returns an (n, 2) array of corners (n = 0 when the region is empty), found
    by walking the square's edges and cutting each one where z changes sign.
    """
    lo, hi = limits
    square = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]])
    z = square @ np.array([w1, w2]) + b
    corners = []
    for i in range(4):
        j = (i + 1) % 4
        if z[i] > 0:
            corners.append(square[i])
        if (z[i] > 0) != (z[j] > 0):
            s = z[i] / (z[i] - z[j])
            corners.append(square[i] + s * (square[j] - square[i]))
    return np.array(corners).reshape(-1, 2)


class _PerceptronFigure:
    """The input plane (y = 1 side shaded, boundary, w arrow, the four points).

    With ``table=True`` (the static animation) the truth table is drawn beside
    it; the live explorer shows the table as HTML instead, because text is the
    slowest thing matplotlib redraws (~3 ms a text artist).
    """

    def __init__(self, table=False):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch, Polygon

        if table:
            fig, axes = new_figure(2, 1, height=4.0, gridspec_kw={"width_ratios": [1, 1.15]})
            fig.subplots_adjust(left=0.09, right=0.98, bottom=0.24, top=0.92, wspace=0.12)
            self.ax, self.tab = axes[0]
        else:
            fig, axes = new_figure(1, 1, width=3.6, height=3.9)
            fig.subplots_adjust(left=0.17, right=0.97, bottom=0.3, top=0.97)
            self.ax, self.tab = axes[0, 0], None
        self.fig = fig
        ax = self.ax
        ax.set(xlim=LIMITS, ylim=LIMITS, xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        # the y = 1 side is tinted in a neutral sand colour, so it never competes with the classes
        self.region = Polygon(np.zeros((0, 2)), closed=True, fc=_TINT, ec="none", zorder=0)
        ax.add_patch(self.region)
        (self.line,) = ax.plot([], [], color=PALETTE["black"], lw=2, zorder=2)
        self.arrow = ax.annotate("", xy=(0, 0), xytext=(0, 0), zorder=3,
                                 arrowprops={"arrowstyle": "->", "color": PALETTE["black"],
                                             "lw": 1.5})
        self.right = ax.scatter([], [], s=160, marker="o", edgecolors="black", linewidths=1,
                                zorder=4)
        self.wrong = ax.scatter([], [], s=200, marker="X", edgecolors="black", linewidths=1,
                                zorder=4)
        self.dynamic = [self.region, self.line, self.arrow, self.right, self.wrong]
        handles = [
            Line2D([], [], ls="", marker="o", ms=9, mfc=CLASS_COLORS[0], mec="k", label="target 0"),
            Line2D([], [], ls="", marker="o", ms=9, mfc=CLASS_COLORS[1], mec="k", label="target 1"),
            Line2D([], [], ls="", marker="X", ms=10, mfc="#cccccc", mec="k", label="wrong"),
            Patch(fc=_TINT, ec="#b0a080", label="y = 1 side"),
            Line2D([], [], color="k", lw=2, label="$w_1x_1 + w_2x_2 + b = 0$"),
            Line2D([], [], color="k", lw=1.5, marker=">", ms=5, label="w"),
        ]
        if table:
            fig.legend(handles=handles, loc="lower center", fontsize=9, frameon=False, ncols=3)
            self._add_table()
        else:
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.45, -0.15),
                      fontsize=9, frameon=False, ncols=2, columnspacing=1.0)

    def _add_table(self):
        # One multi-line text per column keeps the number of text artists small.
        tab = self.tab
        tab.set_axis_off()
        tab.set(xlim=(0, 1), ylim=(0, 1))
        cols = (0.06, 0.2, 0.38, 0.62, 0.8, 0.93)
        for x, head in zip(cols, ("$x_1$", "$x_2$", "target", "$z = w \\cdot x + b$", "$y$", "")):
            tab.text(x, 0.94, head, ha="center", va="center", fontsize=10, fontweight="bold")
        tab.plot([0.0, 1.0], [0.89, 0.89], color=PALETTE["grey"], lw=0.8)
        X, _ = logic_gate("AND")

        def column(x, text="", **kw):
            return tab.text(x, 0.85, text, ha="center", va="top", fontsize=10, linespacing=1.9,
                            **kw)

        column(cols[0], "\n".join(f"{v:.0f}" for v in X[:, 0]))
        column(cols[1], "\n".join(f"{v:.0f}" for v in X[:, 1]))
        self.target_col, self.z_col, self.y_col = column(cols[2]), column(cols[3]), column(cols[4])
        self.tick_col = column(cols[5], color=PALETTE["green"])
        self.cross_col = column(cols[5], color=PALETTE["vermillion"])
        self.summary = tab.text(0.5, 0.42, "", ha="center", va="center", fontsize=12,
                                fontweight="bold")
        self.title = self.ax.set_title("")

    def update(self, w1, w2, b, gate, out, title=None):
        self.region.set_xy(half_plane(w1, w2, b))
        seg = line_in_box(w1, w2, b)
        if seg is None:
            self.line.set_data([], [])
            self.arrow.set_visible(False)
        else:
            self.line.set_data(*seg)
            # w drawn from the line's middle, towards the y = 1 side, at a fixed length
            mid = np.array([np.mean(seg[0]), np.mean(seg[1])])
            direction = np.array([w1, w2]) / np.hypot(w1, w2)
            self.arrow.xy = tuple(mid + 0.3 * direction)
            self.arrow.set_position(tuple(mid))
            self.arrow.set_visible(True)
        colors = np.array(CLASS_COLORS)[out["target"]]
        ok = out["correct"]
        self.right.set_offsets(out["X"][ok] if ok.any() else np.empty((0, 2)))
        self.right.set_facecolors(colors[ok])
        self.wrong.set_offsets(out["X"][~ok] if (~ok).any() else np.empty((0, 2)))
        self.wrong.set_facecolors(colors[~ok])
        if self.tab is None:
            return
        self.title.set_text(title or f"{gate}: w = ({w1:.3g}, {w2:.3g}), b = {b:.3g}")
        self.target_col.set_text("\n".join(str(t) for t in out["target"]))
        self.z_col.set_text("\n".join(f"{z:+.2f}" for z in out["z"]))
        self.y_col.set_text("\n".join(str(y) for y in out["y"]))
        self.tick_col.set_text("\n".join("\u2713" if good else " " for good in ok))
        self.cross_col.set_text("\n".join(" " if good else "\u2717" for good in ok))
        n = out["n_right"]
        self.summary.set_text(f"{n} of 4 right" + ("  (separated)" if n == 4 else ""))
        self.summary.set_color(PALETTE["green"] if n == 4 else PALETTE["black"])


def truth_table_html(state):
    """The truth table and the count as HTML (what the live explorer shows beside the plane)."""
    green, red = text_colour(PALETTE["green"]), text_colour(PALETTE["vermillion"])
    rows = []
    for (x1, x2), t, z, y, ok in zip(state["X"], state["target"], state["z"], state["y"],
                                     state["correct"]):
        mark = (f"<span style='color:{green}'>&#10003; right</span>" if ok
                else f"<span style='color:{red}'><b>&#10007; wrong</b></span>")
        rows.append(f"<tr><td>{x1:.0f}</td><td>{x2:.0f}</td><td>{t}</td><td>{z:+.2f}</td>"
                    f"<td><b>{y}</b></td><td>{mark}</td></tr>")
    n, gate = state["n_right"], state["gate"]
    if n == 4:
        note = tr("The line separates the 1s from the 0s.")
    elif gate == "XOR":
        note = tr("No straight line puts (0,1) and (1,0) on one side and (0,0) and (1,1) on the "
                  "other: one perceptron gets at most 3 of 4.")
    else:
        note = tr("Try the slides' weights: {weights}.").format(weights=SLIDE_WEIGHTS[gate])
    cell = "style='padding:2px 10px;text-align:center'"
    head = "".join(f"<th {cell}>{h}</th>" for h in
                   ("x<sub>1</sub>", "x<sub>2</sub>", f"{gate}", "z = w&middot;x + b",
                    "y = step(z)", ""))
    body = "".join(rows).replace("<td>", f"<td {cell}>")
    colour = green if n == 4 else "inherit"
    return (f"<div style='font-size:14px;line-height:1.4'>"
            f"<div>w = ({state['w1']:.3g}, {state['w2']:.3g}), b = {state['b']:.3g}</div>"
            f"<table style='border-collapse:collapse;margin:6px 0'><tr>{head}</tr>{body}</table>"
            f"<div style='font-size:18px;color:{colour}'><b>{n} of 4 right</b></div>"
            f"<div style='max-width:300px'>{note}</div></div>")


class PerceptronExplorer(Explorer):
    """Sliders for w1, w2, b and a gate choice; see ``perceptron_explorer``."""

    def __init__(self, w1=1.0, w2=1.0, b=-1.0, gate="AND"):
        self.figure = _PerceptronFigure(table=False)
        view = FigureView(self.figure.fig)
        view.animate(*self.figure.dynamic)
        controls = {
            "w1": slider("w1 (weight of x1)", -3.0, 3.0, w1, step=0.1),
            "w2": slider("w2 (weight of x2)", -3.0, 3.0, w2, step=0.1),
            "b": slider("b (bias)", -4.0, 4.0, b, step=0.1),
            "gate": dropdown("gate", list(GATES), gate.upper()),
        }
        self._start(view, controls)
        # the plane and its truth table side by side
        self.text.layout = W.Layout(margin="0 0 0 12px")
        self.children = [*self.controls.values(), W.HBox([view.widget, self.text])]

    def compute(self, w1, w2, b, gate):
        return {"w1": w1, "w2": w2, "b": b, "gate": gate, **perceptron_outputs(w1, w2, b, gate)}

    def draw(self, state):
        self.figure.update(state["w1"], state["w2"], state["b"], state["gate"], state)
        self.text.value = truth_table_html(state)
        return False


def perceptron_explorer(w1=1.0, w2=1.0, b=-1.0, gate="AND"):
    """A live perceptron: sliders for w1, w2, b and a gate (AND, OR, NAND, XOR).

    Shows the input plane with the four inputs (colour: the gate's output;
    a cross: the perceptron gets that row wrong), the boundary
    w1 x1 + w2 x2 + b = 0 with w drawn as an arrow towards the y = 1 side, and
    beside it the truth table of z and y = step(z) and how many of the four
    rows are right. The defaults are the slides' AND weights.
    """
    return PerceptronExplorer(w1, w2, b, gate)


def perceptron_animation(gate="AND", n_frames=36):
    """For the static book: the direction of w turns through a full circle.

    For each direction the bias is the best one (``best_bias``); the frames show
    the line and the truth table, and a small plot records the best count per
    direction. AND, OR and NAND reach 4 of 4 for a range of directions; XOR
    never gets past 3.
    """
    parts = _PerceptronFigure(table=True)
    inset = parts.tab.inset_axes([0.14, 0.0, 0.82, 0.25])
    inset.set(xlim=(0, 360), ylim=(-0.3, 4.6), xticks=[0, 90, 180, 270, 360], yticks=[0, 2, 4])
    inset.set_xlabel("angle of w [degrees]", fontsize=9, labelpad=1)
    inset.set_ylabel("best\nright", fontsize=9)
    inset.tick_params(labelsize=8)
    inset.axhline(4, color=PALETTE["green"], lw=0.8, ls=":")
    (trace,) = inset.plot([], [], color=PALETTE["blue"], marker="o", ms=3, lw=1)
    angles = np.linspace(0, 360, n_frames, endpoint=False)
    best = []
    for angle in angles:
        w1, w2 = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        best.append((w1, w2, *best_bias(w1, w2, gate)))

    def update(i):
        w1, w2, b, _ = best[i]
        out = perceptron_outputs(w1, w2, b, gate)
        parts.update(w1, w2, b, gate, out,
                     title=f"{gate}: w at {angles[i]:.0f}\u00b0, best b = {b:.2f}")
        trace.set_data(angles[:i + 1], [row[3] for row in best[:i + 1]])

    view = FigureView(parts.fig)
    view.animate(*parts.dynamic, parts.title, parts.target_col, parts.z_col, parts.y_col,
                 parts.tick_col, parts.cross_col, parts.summary, trace)
    return blit_animation_html(view, update, n_frames, interval=250)
