"""Explorer 4, gradient descent (경사 하강법) on the slides' apartment prices.

The model is the line  price = a * size + b  (size in 10 m^2, price in 억 원 =
10^8 won; the figures write 10^8 won, since Hangul may be missing from the
plotting font),
the loss the mean squared error  L(a, b) = mean((a x + b - y)^2), and each step

    a <- a - eta dL/da,   b <- b - eta dL/db        (dlcourse.optim.SGD)

L is a quadratic bowl with the constant Hessian H = 2 [[mean x^2, mean x],
[mean x, 1]], so one step maps the distance to the minimum theta* = (a*, b*)
to (I - eta H) times itself, and after t steps

    theta_t = theta* + (I - eta H)^t (theta_0 - theta*).

The explorer uses this exact form to get thousands of steps at once (the
steps slider only reveals them); ``sgd_path`` runs the same steps with the
engine (``nn.Linear``, ``losses.MSE``, ``optim.SGD``) and the tests check that
both agree. The steps converge when eta < 2 / lambda_max(H), which is
``dlcourse.data.apartment_lr_limit``.
"""

import functools

import ipywidgets as W
import numpy as np

from dlcourse import data, losses, nn, optim
from dlcourse.i18n import N_
from dlcourse.i18n import gettext as tr
from dlcourse.plotting import text_colour
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    new_figure,
    slider,
)

#: What the steps slider offers: every step at first, then ever larger strides.
STEP_CHOICES = (*range(21), 25, 30, 40, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 1500,
                2000, 3000)
MAX_STEPS = STEP_CHOICES[-1]
A_RANGE, B_RANGE = (-0.3, 1.3), (-0.6, 2.2)  # the (a, b) window of the loss map
SIZE_RANGE, PRICE_RANGE = (2.5, 9.5), (0.0, 7.0)
LOSS_RANGE = (0.03, 1e3)
REGIMES = {  # key: (label, colour)
    "too small": (N_("too small: crawls"), PALETTE["sky"]),
    "about right": (N_("about right"), PALETTE["green"]),
    "too large": (N_("too large: zig-zags"), PALETTE["orange"]),
    "divergent": (N_("divergent"), PALETTE["vermillion"]),
}


def lr_regime(lr, limit):
    """Name the learning rate's regime, from ``limit`` = 2 / lambda_max (``apartment_lr_limit``).

    * ``"divergent"``: lr >= limit, the steep direction grows (|1 - lr lambda_max| >= 1);
    * ``"too large"``: limit / 2 < lr < limit, it overshoots and zig-zags (1 - lr lambda_max < 0)
      but still converges;
    * ``"about right"``: limit / 10 <= lr <= limit / 2;
    * ``"too small"``: lr < limit / 10, every step is timid and the loss falls slowly.
    """
    if lr >= limit:
        return "divergent"
    if lr > limit / 2:
        return "too large"
    if lr >= limit / 10:
        return "about right"
    return "too small"


@functools.lru_cache(maxsize=8)
def _problem(n_samples=30, seed=0):
    size, price = data.apartment_prices(n_samples, seed)
    hessian = 2.0 * np.array([[np.mean(size * size), np.mean(size)], [np.mean(size), 1.0]])
    c = 2.0 * np.array([np.mean(size * price), np.mean(price)])
    best = np.linalg.solve(hessian, c)  # the normal equations: least squares
    best_loss = float(np.mean((best[0] * size + best[1] - price) ** 2))
    for arr in (size, price, hessian, best):
        arr.setflags(write=False)
    return {"size": size, "price": price, "hessian": hessian, "best": best,
            "best_loss": best_loss, "limit": data.apartment_lr_limit(size)}


def mse_loss(a, b, problem):
    """L(a, b) = mean((a x + b - y)^2) for arrays a, b of any (equal) shape.

    Written as L* + 1/2 d^T H d with d = (a, b) - theta*, exact for a quadratic.
    """
    da, db = np.asarray(a) - problem["best"][0], np.asarray(b) - problem["best"][1]
    H = problem["hessian"]
    return problem["best_loss"] + 0.5 * (H[0, 0] * da * da + 2 * H[0, 1] * da * db
                                         + H[1, 1] * db * db)


@functools.lru_cache(maxsize=64)
def gd_path(lr, n_steps=MAX_STEPS, start=(0.0, 0.0), n_samples=30, seed=0):
    """Gradient descent on the apartment data: the iterates after 0..n_steps steps.

    Returns a dict: ``a``, ``b``, ``loss`` ((n + 1,) arrays, read-only) for
    the n + 1 <= n_steps + 1 iterates computed, ``diverged`` (bool), ``growth``
    (the loss's factor per step at the end: < 1 converging, > 1 diverging) and
    ``limit``. A diverging run stops once (a, b) is 1e6 away from the minimum,
    so nothing overflows: ``n = len(a) - 1`` may then be smaller than ``n_steps``.
    """
    problem = _problem(n_samples, seed)
    H, best = problem["hessian"], problem["best"]
    lam, Q = np.linalg.eigh(H)
    factors = 1.0 - lr * lam  # per-step factor along each eigenvector of H
    d0 = Q.T @ (np.asarray(start, dtype=np.float64) - best)
    t = np.arange(n_steps + 1)
    # stop before |factor|^t * |d0| overflows anything we square later
    log_growth = (np.log(np.maximum(np.abs(factors), 1e-300)) * t[:, None]
                  + np.log(np.abs(d0) + 1e-300))
    keep = np.all(log_growth < np.log(1e6), axis=1)
    n = int(np.argmin(keep)) if not keep.all() else n_steps + 1
    t = t[:n]
    d = (factors[None, :] ** t[:, None]) * d0[None, :]
    theta = best[None, :] + d @ Q.T
    loss = mse_loss(theta[:, 0], theta[:, 1], problem)
    tail = loss[-11:]
    growth = float(np.exp(np.mean(np.diff(np.log(np.maximum(tail, 1e-300)))))) if len(tail) > 1 \
        else 1.0
    diverged = bool(lr >= problem["limit"])
    out = {"a": theta[:, 0], "b": theta[:, 1], "loss": loss}
    for arr in out.values():
        arr.setflags(write=False)
    return {**out, "diverged": diverged, "growth": growth, "limit": problem["limit"]}


def sgd_path(lr, n_steps, start=(0.0, 0.0), n_samples=30, seed=0):
    """The same steps run by the engine: ``nn.Linear(1, 1)``, ``losses.MSE``, ``optim.SGD``.

    Slow (one forward, backward and update per step) but independent of
    ``gd_path``'s closed form; returns (a, b, loss) arrays of n_steps + 1 values.
    """
    size, price = data.apartment_prices(n_samples, seed)
    X, y = size[:, None], price[:, None]
    model = nn.Linear.from_weights([[start[0]]], [start[1]])
    loss_fn, opt = losses.MSE(), optim.SGD(lr)
    a, b, values = [], [], []
    for _ in range(n_steps + 1):
        a.append(float(model.params["W"][0, 0]))
        b.append(float(model.params["b"][0]))
        values.append(loss_fn(model.forward(X), y))
        model.backward(loss_fn.backward())
        opt.update(model.params, model.grads)
    return np.array(a), np.array(b), np.array(values)


def gd_state(lr, steps, n_samples=30, seed=0):
    """What the explorer shows after ``steps`` steps at learning rate ``lr``, as a dict."""
    path = gd_path(float(lr), MAX_STEPS, n_samples=n_samples, seed=seed)
    problem = _problem(n_samples, seed)
    n = len(path["a"]) - 1
    shown = min(int(steps), n)
    regime = lr_regime(lr, path["limit"])
    return {
        "lr": float(lr), "steps": int(steps), "shown": shown, "regime": regime,
        "limit": path["limit"], "a": float(path["a"][shown]), "b": float(path["b"][shown]),
        "loss": float(path["loss"][shown]), "best": problem["best"],
        "best_loss": problem["best_loss"], "diverged": path["diverged"],
        "growth": path["growth"], "overflowed": int(steps) > n, "path": path,
    }


def describe(state):
    """One line of text for the state: the regime, and divergence as words, not NaN."""
    label, colour = REGIMES[state["regime"]]
    head = (f"<b style='color:{text_colour(colour)}'>{tr(label)}</b>: "
            + tr("&eta; = {lr:.3g} is {ratio:.2f} &times; the limit 2/&lambda;<sub>max</sub> = "
                 "{limit:.4f}. ").format(lr=state['lr'], ratio=state['lr'] / state['limit'],
                                         limit=state['limit']))
    if state["diverged"]:
        return head + (f"<b>Diverges: the loss grows {state['growth']:.3g}&times; per step</b>"
                       + (f" (stopped after {state['shown']} steps: a and b are 10<sup>6</sup> "
                          f"away from the minimum)."
                          if state["overflowed"] else
                          f"; after {state['shown']} steps L = {state['loss']:.3g} "
                          f"(억 원)&sup2;."))
    a_star, b_star = state["best"]
    return head + (f"After {state['shown']} steps: a = {state['a']:.4f}, b = {state['b']:.4f}, "
                   f"L = {state['loss']:.4g} (억 원)&sup2; (least squares: a* = {a_star:.4f}, "
                   f"b* = {b_star:.4f}, L* = {state['best_loss']:.4g}).")


class _GDPanels:
    """Left: the loss map over (a, b) with the path. Right: the data and line; the loss curve."""

    def __init__(self, problem, title=False, height=4.6):
        import matplotlib.colors as mcolors

        fig = new_figure(1, 1, height=height)[0]
        fig.clear()
        gs = fig.add_gridspec(2, 2, width_ratios=[1, 1.15], left=0.1, right=0.98, bottom=0.1,
                              top=0.93, wspace=0.3, hspace=0.5)
        self.fig = fig
        self.map = fig.add_subplot(gs[:, 0])
        self.line_ax = fig.add_subplot(gs[0, 1])
        self.loss_ax = fig.add_subplot(gs[1, 1])
        self.problem = problem

        ax = self.map
        a = np.linspace(*A_RANGE, 241)
        b = np.linspace(*B_RANGE, 241)
        A, B = np.meshgrid(a, b)
        L = mse_loss(A, B, problem)
        # flat bands (not a smooth image): they read as a bowl and keep each PNG small and fast
        levels = problem["best_loss"] * np.geomspace(1.02, 4000, 12)
        bands = [problem["best_loss"], *levels, max(L.max(), levels[-1]) * 1.01]
        ax.contourf(A, B, L, levels=bands, cmap="Greys", norm=mcolors.LogNorm(), alpha=0.3)
        ax.contour(A, B, L, levels=levels, colors=PALETTE["grey"], linewidths=0.8)
        ax.plot(*problem["best"], marker="*", ms=14, color=PALETTE["yellow"], mec="k",
                ls="", label="least squares")
        ax.set(xlim=A_RANGE, ylim=B_RANGE, xlabel="slope a [10⁸ won per 10 m²]",
               ylabel="intercept b [10⁸ won]")
        (self.path,) = ax.plot([], [], color=PALETTE["vermillion"], lw=1.2, marker=".", ms=4,
                               label="gradient descent")
        (self.now,) = ax.plot([], [], "o", color=PALETTE["vermillion"], mec="k", ms=8)
        ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
        self.map_title = ax.set_title("", fontsize=10)

        ax = self.line_ax
        size, price = problem["size"], problem["price"]
        ax.scatter(size, price, s=14, color=PALETTE["blue"], label="apartments")
        xs = np.array(SIZE_RANGE)
        ax.plot(xs, problem["best"][0] * xs + problem["best"][1], color=PALETTE["grey"], ls="--",
                lw=1, label="least squares")
        (self.fit,) = ax.plot([], [], color=PALETTE["vermillion"], lw=2, label="y = ax + b")
        ax.set(xlim=SIZE_RANGE, ylim=PRICE_RANGE, xlabel="size x [10 m²]",
               ylabel="price y [10⁸ won]")
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)

        ax = self.loss_ax
        ax.set_xscale("symlog", linthresh=10, linscale=0.6)
        ax.set_yscale("log")
        ax.set(xlim=(0, MAX_STEPS), ylim=LOSS_RANGE, xlabel="step t",
               ylabel="loss L [(10⁸ won)²]")
        ax.axhline(problem["best_loss"], color=PALETTE["grey"], ls="--", lw=1)
        ax.text(MAX_STEPS, problem["best_loss"] * 0.8, "least squares L* ", ha="right", va="top",
                fontsize=8, color="#666666")
        (self.curve,) = ax.plot([], [], color=PALETTE["vermillion"], lw=1.8)
        self.warning = ax.text(0.5, 0.92, "", transform=ax.transAxes, ha="center", va="top",
                               fontsize=9, color=PALETTE["vermillion"], fontweight="bold")
        self.dynamic = [self.path, self.now, self.fit, self.curve, self.warning]
        if title:  # text is slow to redraw: the live explorer says this in HTML instead
            self.dynamic.append(self.map_title)
        self._xs = xs

    def update(self, state):
        path, n = state["path"], state["shown"]
        # A diverging path is drawn up to its first point well outside the view, and the
        # line's ends are clipped: nothing drawn is ever NaN, inf or astronomically large.
        a, b = path["a"][:n + 1], path["b"][:n + 1]
        wa, wb = A_RANGE[1] - A_RANGE[0], B_RANGE[1] - B_RANGE[0]
        inside = ((a > A_RANGE[0] - wa) & (a < A_RANGE[1] + wa)
                  & (b > B_RANGE[0] - wb) & (b < B_RANGE[1] + wb))
        if not inside.all():
            last = int(np.argmin(inside))  # the first point out of bounds
            a = np.clip(a[:last + 1], A_RANGE[0] - wa, A_RANGE[1] + wa)
            b = np.clip(b[:last + 1], B_RANGE[0] - wb, B_RANGE[1] + wb)
        self.path.set_data(a, b)
        self.now.set_data(a[-1:], b[-1:])
        fit = np.clip(state["a"] * self._xs + state["b"], -100, 100)
        self.fit.set_data(self._xs, fit)
        steps = np.arange(n + 1)
        self.curve.set_data(steps, np.clip(path["loss"][:n + 1], LOSS_RANGE[0], LOSS_RANGE[1] * 3))
        if state["diverged"]:
            self.warning.set_text(f"diverges: loss \u00d7{state['growth']:.3g} per step")
        else:
            self.warning.set_text("")
        if self.map_title not in self.dynamic:
            return
        label = REGIMES[state["regime"]][0]
        self.map_title.set_text(f"\u03b7 = {state['lr']:.3g} ({label}), step {n}")
        self.map_title.set_color(REGIMES[state["regime"]][1] if state["regime"] != "about right"
                                 else PALETTE["black"])


class GradientDescentExplorer(Explorer):
    """Learning rate and steps; see ``gradient_descent_explorer``."""

    def __init__(self, lr=0.01, steps=10):
        self.problem = _problem()
        self.panels = _GDPanels(self.problem)
        view = FigureView(self.panels.fig)
        view.animate(*self.panels.dynamic)
        lr_ctrl = slider("learning rate \u03b7 (log scale)", -4, -1, lr, step=0.05, log=True)
        steps_ctrl = W.SelectionSlider(
            options=list(STEP_CHOICES), value=int(steps), description="steps taken t",
            continuous_update=True, style={"description_width": "initial"},
            layout=W.Layout(width="95%"))
        self.regime = W.HTML()
        self._start(view, {"lr": lr_ctrl, "steps": steps_ctrl})
        self.children = [lr_ctrl, self.regime, steps_ctrl, view.widget, self.text]

    def compute(self, lr, steps):
        return gd_state(lr, steps)

    def draw(self, state):
        self.panels.update(state)
        label, colour = REGIMES[state["regime"]]
        limit = state["limit"]
        self.regime.value = (
            f"<span style='color:{text_colour(colour)}'><b>{tr(label)}</b></span> &nbsp;"
            f"(too small &lt; {limit / 10:.4f} &le; about right &le; {limit / 2:.4f} &lt; "
            f"too large &lt; {limit:.4f} &le; divergent)")
        self.text.value = describe(state)
        return False


def gradient_descent_explorer(lr=0.01, steps=10):
    """Fit the slides' apartment line y = ax + b by gradient descent, step by step.

    A learning-rate slider on a log scale, labelled with its regime (too small,
    about right, too large, divergent: from ``data.apartment_lr_limit``), and a
    steps slider. Left: the loss map over (a, b) with the path of the steps.
    Right: the data with the current line, and the loss curve. A divergent rate
    is reported in words ("diverges: the loss grows 2.1x per step"); what is
    drawn is clipped, so no NaN or inf ever reaches the figure.
    """
    return GradientDescentExplorer(lr, steps)


def gradient_descent_animation(lr=0.01, steps=(0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 70,
                                                100, 150, 200, 300, 500, 700, 1000, 1500, 2000,
                                                3000)):
    """For the static book: the fit at learning rate ``lr`` after each count in ``steps``."""
    panels = _GDPanels(_problem(), title=True)
    view = FigureView(panels.fig)
    view.animate(*panels.dynamic)
    note = panels.line_ax.set_title("", fontsize=9)
    view.animate(note)

    def update(i):
        state = gd_state(lr, steps[i])
        panels.update(state)
        note.set_text(f"a = {state['a']:.3g}, b = {state['b']:.3g}, L = {state['loss']:.3g}"
                      if not state["diverged"] else "the line flies off: diverging")

    return blit_animation_html(view, update, len(steps), interval=300)
