"""Explorer 10, backpropagation step by step (오차 역전파, chapter 4): the slides' example.

The network of the slides' worked example (오차 역전파 예): two inputs, one
hidden layer of two sigmoid units, two sigmoid outputs, the loss
E = 1/2 sum_k (t_k - o_k)^2, and one gradient-descent step
w <- w - eta dE/dw, first for the output weight w5, then for the hidden
weight w1. The slides' figure numbers did not survive, so the numbers are the
widely used ones of the same example (Mazur, "A step by step backpropagation
example", 2015): i = (0.05, 0.10), t = (0.01, 0.99), w1..w4 = 0.15, 0.20,
0.25, 0.30, b1 = 0.35, w5..w8 = 0.40, 0.45, 0.50, 0.55, b2 = 0.60.

Weight names follow the slides: w1 i1->h1, w2 i2->h1, w3 i1->h2, w4 i2->h2,
w5 h1->o1, w6 h2->o1, w7 h1->o2, w8 h2->o2. In ``dlcourse.nn.Linear`` a weight
matrix is (in, out), so W1 = [[w1, w3], [w2, w4]] and W2 = [[w5, w7], [w6, w8]].

Every number comes from ``dlcourse``: the layers' forward caches, the loss's
and the layers' ``backward``, and ``optim.SGD`` for the update.
"""

import functools
import html
import re

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from dlcourse import functional as F
from dlcourse import losses, nn, optim
from dlcourse.i18n import gettext
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    new_figure,
    slider,
)

INPUTS = (0.05, 0.10)
TARGETS = (0.01, 0.99)
W1 = ((0.15, 0.25), (0.20, 0.30))  # rows: i1, i2; columns: h1, h2
B1 = (0.35, 0.35)
W2 = ((0.40, 0.50), (0.45, 0.55))  # rows: h1, h2; columns: o1, o2
B2 = (0.60, 0.60)

# Weight name -> (layer, row, column) in the Linear layers' W (in, out).
WEIGHTS = {
    "w1": (1, 0, 0), "w2": (1, 1, 0), "w3": (1, 0, 1), "w4": (1, 1, 1),
    "w5": (2, 0, 0), "w6": (2, 1, 0), "w7": (2, 0, 1), "w8": (2, 1, 1),
}


def build_network():
    """The example's network as a ``dlcourse.nn.Sequential`` with the example's weights."""
    return nn.Sequential([nn.Linear.from_weights(W1, B1), nn.Sigmoid(),
                          nn.Linear.from_weights(W2, B2), nn.Sigmoid()])


@functools.lru_cache(maxsize=64)
def backprop_trace(lr=0.5):
    """Every intermediate value of one forward pass, backward pass and SGD step.

    Returns a dict of floats and small arrays (batch of one, so row 0):
    ``x, t, z1 (net_h), h (out_h), z2 (net_o), o (out_o), E`` from the forward
    pass; ``dE_do`` (dlcourse.losses.SSE.backward), ``do_dz2`` (the sigmoid's
    derivative o (1 - o)), ``delta_o`` (Sigmoid.backward), ``dE_dh``
    (Linear.backward: delta_o W2^T), ``dh_dz1``, ``delta_h``; the gradients
    ``grads`` (name -> dE/dw for w1..w8, b1, b2 as arrays); the weights before
    and after the step, ``weights`` and ``new_weights`` (name -> value); and
    ``E_new``, the loss after the step.
    """
    model = build_network()
    lin1, sig1, lin2, sig2 = model.layers
    loss = losses.SSE()
    x = np.array([INPUTS])
    t = np.array([TARGETS])
    z1 = lin1.forward(x)
    h = sig1.forward(z1)
    z2 = lin2.forward(h)
    o = sig2.forward(z2)
    E = loss.forward(o, t)
    dE_do = loss.backward()
    delta_o = sig2.backward(dE_do)
    dE_dh = lin2.backward(delta_o)
    delta_h = sig1.backward(dE_dh)
    lin1.backward(delta_h)

    def weights_of(m):
        return {name: float(m[2 * (layer - 1)].params["W"][r, c])
                for name, (layer, r, c) in WEIGHTS.items()}

    weights = weights_of(model)
    grads = {name: float(model[2 * (layer - 1)].grads["W"][r, c])
             for name, (layer, r, c) in WEIGHTS.items()}
    grads["b1"] = lin1.grads["b"].copy()
    grads["b2"] = lin2.grads["b"].copy()
    optim.SGD(lr=lr).update(model.params, model.grads)
    new_weights = weights_of(model)
    E_new = loss.forward(model.forward(x), t)
    return {
        "x": x[0], "t": t[0], "z1": z1[0], "h": h[0], "z2": z2[0], "o": o[0], "E": E,
        "dE_do": dE_do[0], "do_dz2": F.sigmoid_grad(z2)[0], "delta_o": delta_o[0],
        "dE_dh": dE_dh[0], "dh_dz1": F.sigmoid_grad(z1)[0], "delta_h": delta_h[0],
        "grads": grads, "weights": weights, "new_weights": new_weights, "E_new": E_new,
        "lr": lr,
    }


# ---------------------------------------------------------------- the steps

def _f(v):
    return f"{v:.4f}"


def _steps(tr):
    """(title, formula in mathtext, highlighted edges, highlighted nodes) per step."""
    x, t, z1, h, z2, o = tr["x"], tr["t"], tr["z1"], tr["h"], tr["z2"], tr["o"]
    w, g, nw, lr = tr["weights"], tr["grads"], tr["new_weights"], tr["lr"]
    steps = [("The network: weights w1..w8, biases b1 = 0.35, b2 = 0.60",
              (rf"$i = ({x[0]:g},\ {x[1]:g}),\quad t = ({t[0]:g},\ {t[1]:g}),\quad"
              rf"\eta = {lr:g}$"), (), ())]
    for j, (a, b) in enumerate((("w1", "w2"), ("w3", "w4"))):
        k = j + 1
        steps.append((
            f"Forward ①: hidden unit h{k}",
            (rf"$net_{{h{k}}} = w_{a[1]}\,i_1 + w_{b[1]}\,i_2 + b_1 = {w[a]:.2f}\times{x[0]:g}"
            rf" + {w[b]:.2f}\times{x[1]:g} + {B1[j]:g} = {_f(z1[j])}$" "\n"
            rf"$out_{{h{k}}} = \sigma(net_{{h{k}}}) = {_f(h[j])}$"),
            (a, b), (f"h{k}",)))
    for j, (a, b) in enumerate((("w5", "w6"), ("w7", "w8"))):
        k = j + 1
        steps.append((
            f"Forward ①: output unit o{k}",
            (rf"$net_{{o{k}}} = w_{a[1]}\,out_{{h1}} + w_{b[1]}\,out_{{h2}} + b_2 = {w[a]:.2f}"
            rf"\times{_f(h[0])} + {w[b]:.2f}\times{_f(h[1])} + {B2[j]:g} = {_f(z2[j])}$" "\n"
            rf"$out_{{o{k}}} = \sigma(net_{{o{k}}}) = {_f(o[j])}$"),
            (a, b), (f"o{k}",)))
    steps.append((
        "Forward ①: the loss",
        (r"$E = \dfrac{1}{2}(t_1 - out_{o1})^2 + \dfrac{1}{2}(t_2 - out_{o2})^2$" "\n"
        rf"$\ \ \ = \dfrac{{1}}{{2}}({t[0]:g} - {_f(o[0])})^2"
        rf" + \dfrac{{1}}{{2}}({t[1]:g} - {_f(o[1])})^2"
        rf" = {tr['E']:.6f}$"),
        (), ("E",)))
    steps.append((
        "Backward ②: output unit o1",
        (rf"$\dfrac{{\partial E}}{{\partial out_{{o1}}}} = out_{{o1}} - t_1"
        rf" = {_f(tr['dE_do'][0])},\quad"
        rf"\dfrac{{\partial out_{{o1}}}}{{\partial net_{{o1}}}} = out_{{o1}}(1 - out_{{o1}})"
        rf" = {_f(tr['do_dz2'][0])}$" "\n"
        rf"$\delta_{{o1}} = \dfrac{{\partial E}}{{\partial net_{{o1}}}} = {_f(tr['dE_do'][0])}"
        rf"\times{_f(tr['do_dz2'][0])} = {_f(tr['delta_o'][0])}$"),
        (), ("o1", "E")))
    steps.append((
        "Backward ②: output weight w5 (chain rule)",
        (r"$\dfrac{\partial E}{\partial w_5} = \dfrac{\partial E}{\partial out_{o1}}\,"
        r"\dfrac{\partial out_{o1}}{\partial net_{o1}}\,\dfrac{\partial net_{o1}}{\partial w_5}"
        rf" = {_f(tr['dE_do'][0])}\times{_f(tr['do_dz2'][0])}\times{_f(h[0])}$" "\n"
        rf"$\dfrac{{\partial E}}{{\partial w_5}} = \delta_{{o1}}\,out_{{h1}} = {g['w5']:.6f}$"),
        ("w5",), ("o1", "h1")))
    steps.append((
        "Backward ②: the other output weights, the same way",
        (rf"$\delta_{{o2}} = (out_{{o2}} - t_2)\,out_{{o2}}(1 - out_{{o2}})"
        rf" = {_f(tr['delta_o'][1])}$"
        "\n"
        rf"$\partial E/\partial w_6 = \delta_{{o1}} out_{{h2}} = {g['w6']:.4f},\ \ "
        rf"\partial E/\partial w_7 = {g['w7']:.4f},\ \ \partial E/\partial w_8 = {g['w8']:.4f}$"),
        ("w6", "w7", "w8"), ("o2",)))
    steps.append((
        "Backward ③: the error reaching hidden unit h1",
        (r"$\dfrac{\partial E}{\partial out_{h1}} = \delta_{o1}\,w_5 + \delta_{o2}\,w_7"
        rf" = {_f(tr['delta_o'][0])}\times{_f(w['w5'])} + {_f(tr['delta_o'][1])}\times"
        rf"{_f(w['w7'])} = {_f(tr['dE_dh'][0])}$" "\n"
        rf"$\delta_{{h1}} = \dfrac{{\partial E}}{{\partial out_{{h1}}}}\,out_{{h1}}(1 - out_{{h1}})"
        rf" = {_f(tr['dE_dh'][0])}\times{_f(tr['dh_dz1'][0])} = {tr['delta_h'][0]:.6f}$"),
        ("w5", "w7"), ("h1",)))
    steps.append((
        "Backward ③: hidden weight w1 (chain rule)",
        (r"$\dfrac{\partial E}{\partial w_1} = \dfrac{\partial E}{\partial out_{h1}}\,"
        r"\dfrac{\partial out_{h1}}{\partial net_{h1}}\,\dfrac{\partial net_{h1}}{\partial w_1}"
        rf" = {_f(tr['dE_dh'][0])}\times{_f(tr['dh_dz1'][0])}\times{x[0]:g}$" "\n"
        rf"$\dfrac{{\partial E}}{{\partial w_1}} = \delta_{{h1}}\,i_1 = {g['w1']:.7f}$"),
        ("w1",), ("h1", "i1")))
    steps.append((
        "Backward ③: the other hidden weights, the same way",
        (rf"$\delta_{{h2}} = (\delta_{{o1}} w_6 + \delta_{{o2}} w_8)\,out_{{h2}}(1 - out_{{h2}})"
        rf" = {tr['delta_h'][1]:.6f}$" "\n"
        rf"$\partial E/\partial w_2 = {g['w2']:.6f},\ \partial E/\partial w_3 = {g['w3']:.6f},\ "
        rf"\partial E/\partial w_4 = {g['w4']:.6f}$"),
        ("w2", "w3", "w4"), ("h2",)))
    steps.append((
        "Update ②: the output weight w5",
        (rf"$w_5 \leftarrow w_5 - \eta\,\dfrac{{\partial E}}{{\partial w_5}}"
        rf" = {_f(w['w5'])} - {lr:g}"
        rf"\times{g['w5']:.6f} = {nw['w5']:.6f}$"),
        ("w5",), ()))
    steps.append((
        "Update ③: the hidden weight w1",
        (rf"$w_1 \leftarrow w_1 - \eta\,\dfrac{{\partial E}}{{\partial w_1}}"
        rf" = {_f(w['w1'])} - {lr:g}"
        rf"\times{g['w1']:.7f} = {nw['w1']:.6f}$"),
        ("w1",), ()))
    others = r",\ ".join(f"w_{n[1]} = {nw[n]:.4f}" for n in WEIGHTS if n not in ("w1", "w5"))
    steps.append((
        "One epoch done: every weight and bias updated; forward again",
        (rf"${others}$" "\n"
        rf"$E:\ {tr['E']:.6f}\ \rightarrow\ {tr['E_new']:.6f}$"
        "   (repeat ①②③ epoch after epoch)"),
        (), ("E",)))
    return steps


N_STEPS = 15  # len(_steps(...)); fixed by the example


def slots(tr):
    """Every number the graph can show: key -> (text, step from which it is shown).

    Keys are ``"net:h1"``, ``"out:h1"``, ``"delta:h1"`` (likewise h2, o1, o2),
    ``"E"``, and ``"grad:w1"`` ... ``"grad:w8"``.
    """
    out = {"E": (f"E = {tr['E']:.4f}", 5)}
    for unit, net, out_, delta in (("h", "z1", "h", "delta_h"), ("o", "z2", "o", "delta_o")):
        for k in range(2):
            node = f"{unit}{k + 1}"
            shown = {"h1": 1, "h2": 2, "o1": 3, "o2": 4}[node]
            out[f"net:{node}"] = (f"net {tr[net][k]:.4f}", shown)
            out[f"out:{node}"] = (f"out {tr[out_][k]:.4f}", shown)
            out[f"delta:{node}"] = (f"δ {tr[delta][k]:.3g}",
                                    {"o1": 6, "o2": 8, "h1": 9, "h2": 11}[node])
    for name, step in (("w5", 7), ("w6", 8), ("w7", 8), ("w8", 8),
                       ("w1", 10), ("w2", 11), ("w3", 11), ("w4", 11)):
        out[f"grad:{name}"] = (f"∂E/∂{name} = {tr['grads'][name]:.3g}", step)
    return out


UPDATED_AT = {"w5": 12, "w1": 13}  # the graph shows these two; the last step lists the rest


def step_view(step, lr=0.5):
    """What step ``step`` (0 .. N_STEPS - 1) shows, as plain data (tested directly).

    Returns a dict: ``title``, ``formula`` (mathtext), ``edges`` and ``nodes``
    highlighted, ``shown`` (slot key -> text, the numbers revealed so far, see
    ``slots``), ``grads`` (weight -> dE/dw revealed so far), ``new_weights``
    (weight -> value after the update, for the weights updated so far),
    ``E_new`` (the loss after the step, or None before the last step), and
    the ``trace`` itself.
    """
    tr = backprop_trace(float(lr))
    steps = _steps(tr)
    step = int(np.clip(step, 0, len(steps) - 1))
    title, formula, edges, nodes = steps[step]
    shown = {key: text for key, (text, first) in slots(tr).items() if step >= first}
    grads = {key[5:]: tr["grads"][key[5:]] for key in shown if key.startswith("grad:")}
    new_weights = {n: tr["new_weights"][n] for n, first in UPDATED_AT.items() if step >= first}
    return {"step": step, "title": f"Step {step} of {len(steps) - 1}: {title}",
            "formula": formula, "edges": edges, "nodes": nodes, "shown": shown,
            "grads": grads, "new_weights": new_weights,
            "E_new": tr["E_new"] if step == len(steps) - 1 else None, "trace": tr}


# ---------------------------------------------------------------- drawing

NODES = {"i1": (0.0, 1.0), "i2": (0.0, 0.0), "h1": (1.0, 1.0), "h2": (1.0, 0.0),
         "o1": (2.0, 1.0), "o2": (2.0, 0.0), "E": (2.6, 0.5)}
EDGES = {"w1": ("i1", "h1"), "w2": ("i2", "h1"), "w3": ("i1", "h2"), "w4": ("i2", "h2"),
         "w5": ("h1", "o1"), "w6": ("h2", "o1"), "w7": ("h1", "o2"), "w8": ("h2", "o2")}
CROSSING = ("w2", "w3", "w6", "w7")
NODE_SIZE = 30  # marker size in points
LINE = 0.1  # height of a line of 9-point text, in data units of y


def _along(name, s):
    (x0, y0), (x1, y1) = NODES[EDGES[name][0]], NODES[EDGES[name][1]]
    return x0 + s * (x1 - x0), y0 + s * (y1 - y0)


def _slot_positions():
    """key -> (x, y, ha, va) for every slot and every weight label."""
    pos = {}
    gap = 0.17  # from a node's centre to its first line of text
    for node in ("h1", "h2", "o1", "o2"):
        x, y = NODES[node]
        for k, kind in enumerate(("net", "out", "delta")):
            if y > 0.5:  # top row: a block above the node, read top-down
                pos[f"{kind}:{node}"] = (x, y + gap + (2 - k) * LINE, "center", "bottom")
            else:
                pos[f"{kind}:{node}"] = (x, y - gap - k * LINE, "center", "top")
    x, y = NODES["E"]
    pos["E"] = (x, y - gap - 0.05, "center", "top")  # clear of the dotted lines
    for name in EDGES:
        if name in CROSSING:
            pos[f"w:{name}"] = (*_along(name, 0.25), "center", "center")
            pos[f"grad:{name}"] = (*_along(name, 0.75), "center", "center")
        else:
            wx, wy = _along(name, 0.5)
            pos[f"w:{name}"] = (wx, wy + 0.04, "center", "bottom")
            pos[f"grad:{name}"] = (wx, wy - 0.04, "center", "top")
    return pos


class _BackpropFigure:
    """The graph (and, for the static animation, the step's title and formula).

    Text is the slowest thing matplotlib draws (about 0.25 ms a character on
    the course's machine), so every number is drawn once, into the static
    background, and what a step has not revealed yet is hidden under a grey
    card (a cheap rectangle). Per step only the cards, the highlights and the
    updated weights are redrawn.
    """

    def __init__(self, lr=0.5, live=True):
        # Live, the title and the formula go to an HTMLMath widget (MathJax draws them for
        # free); the static animation draws them into the figure.
        if live:
            fig, axes = new_figure(1, 1, height=3.4)
            fig.subplots_adjust(left=0.0, right=1.0, top=1.0, bottom=0.0)
            ax, fax = axes[0, 0], None
        else:
            fig, axes = new_figure(1, 2, height=4.9, gridspec_kw={"height_ratios": [3.4, 1.1]})
            fig.subplots_adjust(left=0.0, right=1.0, top=0.94, bottom=0.0, hspace=0.0)
            ax, fax = axes[0, 0], axes[1, 0]
            fax.axis("off")
            fax.set(xlim=(0, 1), ylim=(0, 1))
        ax.set(xlim=(-0.5, 2.85), ylim=(-0.62, 1.62))
        ax.axis("off")
        self.fig, self.ax = fig, ax
        grey, orange = PALETTE["grey"], PALETTE["orange"]
        to_px, to_data = ax.transData.transform, ax.transData.inverted().transform
        node_r = NODE_SIZE / 2 * fig.dpi / 72 + 3  # pixels
        self.edge_hl = {}
        for name, (a, b) in EDGES.items():
            (x0, y0), (x1, y1) = NODES[a], NODES[b]
            ax.plot([x0, x1], [y0, y1], color=grey, lw=1.2, zorder=1)
            # The highlight stops at the circles so that it never covers a node.
            p0, p1 = to_px([(x0, y0), (x1, y1)])
            u = (p1 - p0) / np.hypot(*(p1 - p0))
            (hx0, hy0), (hx1, hy1) = to_data([p0 + node_r * u, p1 - node_r * u])
            self.edge_hl[name], = ax.plot([hx0, hx1], [hy0, hy1], color=orange, lw=4,
                                          alpha=0.8, zorder=1.5)
        ax.plot([2.0, 2.6, 2.0], [1.0, 0.5, 0.0], color=grey, lw=1.0, ls=":", zorder=1)
        self.node_hl = {}
        for name, (x, y) in NODES.items():
            face = {"i": PALETTE["sky"], "h": PALETTE["green"], "o": PALETTE["blue"],
                    "E": PALETTE["yellow"]}[name[0]]
            ax.plot([x], [y], "o", ms=NODE_SIZE, mfc=face, mec="black", mew=1, zorder=2)
            ax.text(x, y, name, ha="center", va="center", fontsize=11, zorder=3, weight="bold",
                    color="white" if name[0] in "ho" else "black")
            self.node_hl[name], = ax.plot([x], [y], "o", ms=NODE_SIZE + 8, mfc="none",
                                          mec=orange, mew=3, zorder=3)
        tr = backprop_trace(float(lr))
        for name, value in (("i1", tr["x"][0]), ("i2", tr["x"][1])):
            x, y = NODES[name]
            ax.text(x - 0.13, y, f"{name} = {value:g}", ha="right", va="center", fontsize=9.5)
        ax.text(2.6, 0.5 + 0.17, f"targets\nt1 = {TARGETS[0]:g}\nt2 = {TARGETS[1]:g}",
                ha="center", va="bottom", fontsize=9)
        pos = _slot_positions()
        labels = {}
        for name in EDGES:
            x, y, ha, va = pos[f"w:{name}"]
            labels[f"w:{name}"] = ax.text(x, y, f"{name} = {tr['weights'][name]:.2f}", ha=ha,
                                          va=va, fontsize=9, zorder=4,
                                          bbox={"fc": "white", "ec": "none", "pad": 0.5})
        for key, (text, _first) in slots(tr).items():
            x, y, ha, va = pos[key]
            grad = key.startswith("grad:")
            labels[key] = ax.text(x, y, text, ha=ha, va=va, fontsize=9, zorder=4,
                                  color=PALETTE["vermillion"] if grad else "black",
                                  bbox={"fc": "white", "ec": "none", "pad": 0.5} if grad else None)
        # A card over every slot, and a white patch over every weight label for its new value,
        # sized from the rendered text.
        renderer = fig.canvas.get_renderer()
        self.cards, self.new_weight = {}, {}
        for key, text in labels.items():
            (x0, y0), (x1, y1) = to_data(text.get_window_extent(renderer).padded(2))
            weight = key.startswith("w:")
            if weight and key[2:] not in UPDATED_AT:
                continue
            self.cards[key] = ax.add_patch(Rectangle(
                (x0, y0), x1 - x0, y1 - y0, zorder=5, lw=0.8,
                fc="white" if weight else "0.88", ec="none" if weight else "0.6"))
            if weight:
                self.new_weight[key[2:]] = ax.text(
                    *text.get_position(), "", ha=text.get_ha(), va=text.get_va(), fontsize=9,
                    zorder=6, color=PALETTE["green"], weight="bold")
        self.E_new = ax.text(2.6, 0.5 - 0.22 - LINE, "", ha="center", va="top", fontsize=9,
                             color=PALETTE["green"], weight="bold", zorder=6)
        ax.text(-0.48, 1.6, "weights in black (green: after the update);  ∂E/∂w in red;  "
                "grey card: not computed yet", fontsize=8.5, va="top", color="0.3")
        self.title = self.formula = None
        if fax is not None:
            self.title = fig.text(0.01, 0.99, "", fontsize=11, weight="bold", va="top")
            self.formula = [fax.text(0.01, y, "", fontsize=12, va="center") for y in (0.72, 0.24)]
        self.view = FigureView(fig)
        self.view.animate(*self.edge_hl.values(), *self.node_hl.values(), *self.cards.values(),
                          *self.new_weight.values(), self.E_new,
                          *([] if live else [self.title, *self.formula]))

    def draw(self, sv):
        if self.title is not None:
            self.title.set_text(sv["title"])
            lines = sv["formula"].split("\n") + [""]
            for text, line in zip(self.formula, lines):
                text.set_text(line)
        for name, line in self.edge_hl.items():
            line.set_visible(name in sv["edges"])
        for name, marker in self.node_hl.items():
            marker.set_visible(name in sv["nodes"])
        for key, card in self.cards.items():
            if key.startswith("w:"):
                card.set_visible(key[2:] in sv["new_weights"])
            else:
                card.set_visible(key not in sv["shown"])
        for name, text in self.new_weight.items():
            value = sv["new_weights"].get(name)
            text.set_text("" if value is None else f"{name} = {value:.4f}")
        self.E_new.set_text("" if sv["E_new"] is None else f"after: {sv['E_new']:.4f}")


class BackpropExplorer(Explorer):
    """Step through one forward pass, the loss, the backward pass and the update."""

    def __init__(self, step=0, lr=0.5):
        self.figure = _BackpropFigure(lr)
        controls = {
            "step": slider("step", 0, N_STEPS - 1, step, integer=True),
            "lr": slider("learning rate η", 0.05, 2.0, lr, step=0.05),
        }
        self.back_button = W.Button(description="◀ Back", tooltip="Back one step",
                                    layout=W.Layout(width="120px"))
        self.next_button = W.Button(description="Next step ▶", button_style="primary", tooltip="Next step",
                                    layout=W.Layout(width="120px"))
        self.back_button.on_click(lambda _: self._move(-1))
        self.next_button.on_click(lambda _: self._move(+1))
        self.formula = W.HTMLMath(layout=W.Layout(min_height="5.5em"))
        self._start(self.figure.view, controls,
                    extra=[W.HBox([self.back_button, self.next_button]), self.formula])

    def _move(self, delta):
        ctrl = self.controls["step"]
        ctrl.value = int(np.clip(ctrl.value + delta, ctrl.min, ctrl.max))

    def compute(self, step, lr):
        return step_view(step, lr)

    def draw(self, state):
        self.figure.draw(state)
        # $...$ is matplotlib's delimiter; the book's MathJax (and Jupyter's) reads \(...\).
        inline = re.sub(r"\$(.+?)\$", r"\\(\1\\)", state["formula"])
        self.formula.value = (f"<b>{html.escape(state['title'])}</b><br>"
                              + inline.replace("\n", "<br>"))
        tr = state["trace"]
        self.text.value = gettext("E = {E:.6f} before the step and {E_new:.6f} after it "
                                  "(η = {lr:g}); ∂E/∂w5 = {w5:.6f}, "
                                  "∂E/∂w1 = {w1:.7f}").format(
            E=tr['E'], E_new=tr['E_new'], lr=tr['lr'], w5=tr['grads']['w5'], w1=tr['grads']['w1'])
        return False


def backprop_explorer(step=0, lr=0.5):
    """The slides' backpropagation example, one step at a time (Next / Back, or the slider)."""
    return BackpropExplorer(step=step, lr=lr)


def backprop_animation(lr=0.5, interval=1500):
    """Every step of the example as a frame of a scrubbable JavaScript animation."""
    figure = _BackpropFigure(lr, live=False)
    return blit_animation_html(figure.view, lambda i: figure.draw(step_view(i, lr)), N_STEPS,
                               interval=interval)
