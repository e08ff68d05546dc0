"""Explorer 5, the optimizer race (옵티마이저 비교): five optimizers on one 2-D surface.

SGD, Momentum, AdaGrad, RMSProp and Adam from ``dlcourse.optim`` (each with
its default settings) start from the same point with the same learning rate
and take the same number of steps on a surface f(x, y) whose gradient is
known exactly. The surfaces, each a small pure function with its gradient:

* ``bowl``: f = x^2 / 20 + y^2, an elongated bowl: steep across, shallow along
  (the gradient points mostly across the valley, so SGD zig-zags).
* ``rosenbrock``: f = (1 - x)^2 + 100 (y - x^2)^2, a curved narrow valley with
  its minimum at (1, 1); gradients of a few hundred, so SGD needs a tiny rate.
* ``saddle``: f = x^2 / 2 + y^4 / 4 - y^2 / 2, a saddle point at the origin
  between two minima at (0, +-1); a start near y = 0 stalls plain SGD.
* ``wells``: a local minimum, a deeper global one and a plateau around them,

      f = 0.008 (x^2 + y^2) - exp(-|p - (1.2, 1.2)|^2 / 2)
                            - 0.5 exp(-|p - (-1, -1)|^2 / (2 * 0.35^2)),

  where far from both wells only the faint bowl 0.008 (x^2 + y^2) is left:
  the gradient there is tiny (a plateau), so SGD crawls while the adaptive
  methods, which divide by the gradient's size, keep a steady pace.
"""

import collections
import functools
import math

import numpy as np

from dlcourse import optim
from dlcourse.i18n import gettext as tr
from dlcourse.plotting import text_colour
from dlcourse.widgets._common import (
    PALETTE,
    Explorer,
    FigureView,
    blit_animation_html,
    dropdown,
    new_figure,
    slider,
)

MAX_STEPS = 200
RECENT = 64  # settings whose runs an explorer keeps (a few MB at most)
#: Optimizer name -> (class from dlcourse.optim, colour, end marker).
OPTIMIZERS = {
    "SGD": (optim.SGD, PALETTE["black"], "o"),
    "Momentum": (optim.Momentum, PALETTE["vermillion"], "s"),
    "AdaGrad": (optim.AdaGrad, PALETTE["green"], "^"),
    "RMSProp": (optim.RMSProp, PALETTE["blue"], "D"),
    "Adam": (optim.Adam, PALETTE["purple"], "v"),
}


# ---------------------------------------------------------------- surfaces (pure functions)

def bowl(x, y):
    """Elongated bowl f = x^2 / 20 + y^2 and its gradient (x / 10, 2 y)."""
    return x * x / 20.0 + y * y, (x / 10.0, 2.0 * y)


def rosenbrock(x, y):
    """Rosenbrock's valley f = (1 - x)^2 + 100 (y - x^2)^2 and its gradient."""
    r = y - x * x
    return (1 - x) ** 2 + 100.0 * r * r, (-2.0 * (1 - x) - 400.0 * x * r, 200.0 * r)


def saddle(x, y):
    """f = x^2 / 2 + y^4 / 4 - y^2 / 2: a saddle at (0, 0), minima at (0, +-1)."""
    return 0.5 * x * x + 0.25 * y ** 4 - 0.5 * y * y, (x, y ** 3 - y)


_WELLS = ((1.0, 1.2, 1.2, 1.0), (0.5, -1.0, -1.0, 0.35))  # depth, centre x, centre y, width
_PLATEAU_BOWL = 0.008


def wells(x, y):
    """A global well at (1.2, 1.2), a local one at (-1, -1), and a plateau around them."""
    exp = math.exp if isinstance(x, float) else np.exp  # math.exp: 20x faster on one number
    f = _PLATEAU_BOWL * (x * x + y * y)
    gx, gy = 2 * _PLATEAU_BOWL * x, 2 * _PLATEAU_BOWL * y
    for depth, cx, cy, width in _WELLS:
        e = depth * exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * width * width))
        f = f - e
        gx = gx + e * (x - cx) / width ** 2
        gy = gy + e * (y - cy) / width ** 2
    return f, (gx, gy)


#: key -> (label, function, x range, y range, default start, default lr, where the minimum is)
SURFACES = {
    "bowl": ("elongated bowl", bowl, (-10.0, 10.0), (-5.0, 5.0), (-7.0, 2.0), 0.1, [(0.0, 0.0)]),
    "rosenbrock": ("Rosenbrock valley", rosenbrock, (-2.0, 2.0), (-1.0, 3.0), (-1.5, 2.0),
                   0.002, [(1.0, 1.0)]),
    "saddle": ("saddle point", saddle, (-2.0, 2.0), (-2.0, 2.0), (-1.8, 0.01), 0.01,
               [(0.0, 1.0), (0.0, -1.0)]),
    "wells": ("local minimum and plateau", wells, (-3.0, 3.0), (-3.0, 3.0), (-2.4, -0.4), 0.1,
              [(1.2, 1.2)]),
}


@functools.cache
def surface_grid(surface, n=241):
    """f on an n x n grid over the surface's window: (xs, ys, F), F[i, j] = f(xs[j], ys[i])."""
    _, fn, xr, yr, *_ = SURFACES[surface]
    xs, ys = np.linspace(*xr, n), np.linspace(*yr, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, fn(X, Y)[0]


@functools.cache
def surface_min(surface):
    """The lowest value of f: each listed minimum polished by 2000 small gradient steps."""
    fn = SURFACES[surface][1]
    best = float(surface_grid(surface)[2].min())
    for x, y in SURFACES[surface][6]:
        for _ in range(2000):
            _, (gx, gy) = fn(x, y)
            x, y = x - 1e-3 * gx, y - 1e-3 * gy
        best = min(best, float(fn(x, y)[0]))
    return best


class OptimizerRun:
    """One dlcourse optimizer walking down a surface, extended on demand.

    The position is the single parameter ``params = {"p": array([x, y])}`` and
    the gradient ``{"p": grad f(x, y)}``; ``optimizer.update`` moves it in
    place. ``extend(n)`` takes steps until n have been taken, so a steps slider
    that only moves forward never repeats one. A run that leaves 100 windows'
    widths from the centre has diverged: it stops there, before anything
    overflows (``stopped`` is then True).
    """

    def __init__(self, name, surface, lr, start):
        if surface not in SURFACES:
            raise ValueError(f"OptimizerRun: surface must be one of {list(SURFACES)}, "
                             f"got {surface!r}")
        _, self.fn, xr, yr, *_ = SURFACES[surface]
        self.bound = 100.0 * max(xr[1] - xr[0], yr[1] - yr[0])
        self.optimizer = OPTIMIZERS[name][0](lr)
        self.p = np.array(start, dtype=np.float64)
        self.params, self._grads = {"p": self.p}, {}
        self.path = [tuple(self.p)]
        self.stopped = False

    def extend(self, n_steps):
        while len(self.path) <= n_steps and not self.stopped:
            _, (gx, gy) = self.fn(self.p[0], self.p[1])
            self._grads["p"] = np.array((gx, gy))
            self.optimizer.update(self.params, self._grads)
            self.path.append((self.p[0], self.p[1]))
            if not (abs(self.p[0]) < self.bound and abs(self.p[1]) < self.bound):  # or NaN
                self.stopped = True
        return self

    def result(self, n_steps):
        """(path, f_values, stopped) for the first n_steps steps (fewer if it diverged)."""
        self.extend(n_steps)
        path = np.array(self.path[:n_steps + 1])
        with np.errstate(over="ignore", invalid="ignore"):
            values = self.fn(path[:, 0], path[:, 1])[0]
        return path, values, self.stopped and len(self.path) <= n_steps + 1


def run_optimizer(name, surface, lr, start, n_steps=MAX_STEPS):
    """``n_steps`` steps of one dlcourse optimizer on a surface: (path, f_values, stopped).

    path is (k + 1, 2) with k <= n_steps (k < n_steps when the run diverged
    and was stopped); f_values (k + 1,).
    """
    return OptimizerRun(name, surface, lr, start).result(n_steps)


def race(surface, lr, start, n_steps=MAX_STEPS):
    """Every optimizer on one surface: {name: (path, f_values, stopped)}."""
    return {name: run_optimizer(name, surface, lr, start, n_steps) for name in OPTIMIZERS}


class _RacePanels:
    """Left: contours with the paths (one cached background per surface). Right: f - f_min."""

    def __init__(self, height=3.6, title=False):
        from matplotlib.lines import Line2D

        fig, axes = new_figure(2, 1, height=height, gridspec_kw={"width_ratios": [1.15, 1]})
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.3, top=0.92, wspace=0.3)
        self.fig = fig
        self.ax, self.fax = axes[0]
        self.per_surface = {}  # contours, made on a surface's first visit
        self.f_min = {key: surface_min(key) for key in SURFACES}
        self.ax.set(xlabel="x", ylabel="y")
        self.fax.set_yscale("log")
        self.fax.set(xlim=(0, MAX_STEPS), xlabel="step", ylabel="f - f$_{min}$")
        self.lines, self.ends, self.curves = {}, {}, {}
        for name, (_, color, marker) in OPTIMIZERS.items():
            (self.lines[name],) = self.ax.plot([], [], color=color, lw=1.6)
            (self.ends[name],) = self.ax.plot([], [], marker, color=color, mec="white", ms=8)
            (self.curves[name],) = self.fax.plot([], [], color=color, lw=1.6)
        (self.start,) = self.ax.plot([], [], "o", ms=9, mfc="white", mec="k", mew=1.5)
        handles = [Line2D([], [], color=c, lw=1.6, marker=m, ms=7, label=name)
                   for name, (_, c, m) in OPTIMIZERS.items()]
        handles.append(Line2D([], [], ls="", marker="*", ms=12, color=PALETTE["yellow"], mec="k",
                              label="minimum"))
        handles.append(Line2D([], [], ls="", marker="o", ms=8, mfc="white", mec="k",
                              label="start"))
        fig.legend(handles=handles, loc="lower center", ncols=4, fontsize=9, frameon=False)
        self.title = self.ax.set_title("", fontsize=10)
        self.dynamic = [*self.lines.values(), *self.ends.values(), *self.curves.values(),
                        self.start]
        if title:
            self.dynamic.append(self.title)
        self.surface = None

    def _contours(self, key):
        """The static artists of one surface: filled contours, contour lines, the minima."""
        import matplotlib.colors as mcolors

        if key in self.per_surface:
            return self.per_surface[key]
        xs, ys, F = surface_grid(key)
        gap = F - self.f_min[key] + 1e-6 * (F.max() - self.f_min[key])
        if gap.max() > 10:  # log-spaced levels keep a deep valley's floor visible
            levels = np.geomspace(gap.min(), gap.max() * 1.001, 17)
            norm = mcolors.LogNorm()
        else:  # shallow surfaces (saddle, wells): even levels show every dip
            levels = np.linspace(gap.min(), gap.max() * 1.001, 17)
            norm = None
        artists = [self.ax.contourf(xs, ys, gap, levels=levels, cmap="Greys_r", norm=norm,
                                    alpha=0.45),
                   self.ax.contour(xs, ys, gap, levels=levels[1:-1], colors=PALETTE["grey"],
                                   linewidths=0.6)]
        minima = np.array(SURFACES[key][6])
        artists += self.ax.plot(minima[:, 0], minima[:, 1], "*", ms=13, color=PALETTE["yellow"],
                                mec="k")
        for a in artists:
            a.set_visible(False)
        self.per_surface[key] = artists
        return artists

    def show_surface(self, surface):
        """Switch the static parts to ``surface``: contours, limits, labels."""
        if surface == self.surface:
            return False
        if self.surface is not None:
            for a in self.per_surface[self.surface]:
                a.set_visible(False)
        for a in self._contours(surface):
            a.set_visible(True)
        label, _, xr, yr, *_ = SURFACES[surface]
        self.ax.set(xlim=xr, ylim=yr)
        self.ax.set_title(label if self.title not in self.dynamic else "", fontsize=10)
        self.fax.set_ylim(1e-8, self._f_top(surface))
        self.surface = surface
        return True

    def _f_top(self, surface):
        _, _, F = surface_grid(surface)
        return 10.0 ** math.ceil(math.log10(F.max() - self.f_min[surface]))

    def update(self, state):
        surface, steps = state["surface"], state["steps"]
        _, _, xr, yr, *_ = SURFACES[surface]
        wx, wy = xr[1] - xr[0], yr[1] - yr[0]
        top = self._f_top(surface)
        for name, (path, values, _stopped) in state["runs"].items():
            shown = path[:steps + 1]
            inside = ((shown[:, 0] > xr[0] - wx) & (shown[:, 0] < xr[1] + wx)
                      & (shown[:, 1] > yr[0] - wy) & (shown[:, 1] < yr[1] + wy))
            if not inside.all():  # a run that flies off is drawn up to where it leaves
                shown = shown[:int(np.argmin(inside)) + 1]
                shown = np.clip(shown, [xr[0] - wx, yr[0] - wy], [xr[1] + wx, yr[1] + wy])
            self.lines[name].set_data(shown[:, 0], shown[:, 1])
            self.ends[name].set_data(shown[-1:, 0], shown[-1:, 1])
            gap = values[:steps + 1] - self.f_min[surface]
            gap = np.clip(np.nan_to_num(gap, nan=top, posinf=top), 1e-8, top * 10)
            self.curves[name].set_data(np.arange(len(gap)), gap)
        self.start.set_data([state["start"][0]], [state["start"][1]])
        if self.title in self.dynamic:
            self.title.set_text(f"{SURFACES[surface][0]}: \u03b7 = {state['lr']:.3g}, "
                                f"step {steps}")


def race_state(surface, lr, start, steps, runs=None):
    """The explorer's state; ``runs`` (from ``race``) is reused when given."""
    runs = race(surface, lr, start) if runs is None else runs
    summary = {}
    f_min = surface_min(surface)
    for name, (path, values, stopped) in runs.items():
        k = min(steps, len(path) - 1)
        summary[name] = {"x": float(path[k, 0]), "y": float(path[k, 1]),
                         "gap": float(values[k] - f_min), "diverged": bool(stopped),
                         "steps_run": k}
    return {"surface": surface, "lr": float(lr), "start": tuple(start), "steps": int(steps),
            "runs": runs, "summary": summary, "f_min": f_min}


def _table_html(state):
    rows = []
    for name, s in state["summary"].items():
        colour = OPTIMIZERS[name][1]
        if s["diverged"]:
            where = (f"<b style='color:{text_colour(PALETTE['vermillion'])}'>diverged</b> "
                     f"(left the map after {s['steps_run']} steps)")
        else:
            where = f"({s['x']:.3g}, {s['y']:.3g}), f - f<sub>min</sub> = {s['gap']:.3g}"
        rows.append(f"<tr><td style='padding:1px 8px'><b style='color:{text_colour(colour)}'>{name}</b></td>"
                    f"<td style='padding:1px 8px'>{where}</td></tr>")
    return (tr("After {steps} steps at &eta; = {lr:.3g} on the {surface}:").format(
        steps=state['steps'], lr=state['lr'], surface=SURFACES[state['surface']][0])
            + f"<table>{''.join(rows)}</table>")


class OptimizerRaceExplorer(Explorer):
    """Surface, learning rate, steps and start; see ``optimizer_race_explorer``."""

    def __init__(self, surface="bowl", lr=None, steps=100):
        _, _, xr, yr, start, default_lr, _ = SURFACES[surface]
        self.panels = _RacePanels()
        self.panels.show_surface(surface)
        view = FigureView(self.panels.fig)
        view.animate(*self.panels.dynamic)
        view.use_background(surface)
        # Every surface's contours are drawn now, so that a first visit to one only blits.
        view.prerender(SURFACES, self.panels.show_surface)
        self.panels.show_surface(surface)
        options = [(v[0], k) for k, v in SURFACES.items()]
        controls = {
            "surface": dropdown("surface f(x, y)", options, surface),
            "lr": slider("learning rate \u03b7 (log scale, same for all)", -4, 0,
                         default_lr if lr is None else lr, step=0.05, log=True),
            "steps": slider("steps", 0, MAX_STEPS, steps, integer=True),
            "x0": slider("start x0", *xr, start[0], step=(xr[1] - xr[0]) / 200),
            "y0": slider("start y0", *yr, start[1], step=(yr[1] - yr[0]) / 400),
        }
        self._runs = collections.OrderedDict()  # recent settings' runs, newest last
        self._start(view, controls)

    def _on_change(self, change):
        if change.owner is self.controls.get("surface"):
            self._surface_defaults(change.new)
        super()._on_change(change)

    def _surface_defaults(self, surface):
        """A new surface brings its own window, start point and a learning rate that suits it."""
        _, _, xr, yr, start, lr, _ = SURFACES[surface]
        held, self._hold = self._hold, True
        try:
            for ctrl, (lo, hi), value, n in ((self.controls["x0"], xr, start[0], 200),
                                             (self.controls["y0"], yr, start[1], 400)):
                ctrl.max = max(hi, ctrl.min)  # widen first, so min <= max at every moment
                ctrl.min = lo
                ctrl.max = hi
                ctrl.step = (hi - lo) / n
                ctrl.value = value
            self.controls["lr"].value = lr
        finally:
            self._hold = held

    def set(self, **values):
        """As ``Explorer.set``; a new surface is applied first, so the values given with it win."""
        if "surface" in values:
            values = {"surface": values.pop("surface"), **values}
        return super().set(**values)

    def compute(self, surface, lr, steps, x0, y0):
        # The steps slider only reveals: runs restart only for new settings, and the last
        # RECENT settings' runs are kept, so going back to a value redraws without recomputing.
        key = (surface, lr, x0, y0)
        if key not in self._runs:
            self._runs[key] = {name: OptimizerRun(name, surface, lr, (x0, y0))
                               for name in OPTIMIZERS}
            if len(self._runs) > RECENT:
                self._runs.popitem(last=False)
        self._runs.move_to_end(key)
        runs = {name: run.result(steps) for name, run in self._runs[key].items()}
        return race_state(surface, lr, (x0, y0), steps, runs)

    def draw(self, state):
        changed = self.panels.show_surface(state["surface"])
        if changed:
            self.view.use_background(state["surface"])  # drawn in full on the first visit only
        self.panels.update(state)
        self.text.value = _table_html(state)
        return False


def optimizer_race_explorer(surface="bowl", lr=None, steps=100):
    """SGD, Momentum, AdaGrad, RMSProp and Adam racing on a 2-D surface.

    Controls: the surface (elongated bowl, Rosenbrock, saddle, local minimum and
    plateau), one learning rate for all five (log scale; each surface brings a
    default), the number of steps shown (0 to 200: each step is computed once,
    moving the slider back only hides steps) and the start point. Left: the paths
    over the contours of f; right: f - f_min against the step, on a log scale.
    A run that diverges is stopped and reported as such.
    """
    return OptimizerRaceExplorer(surface, lr, steps)


def optimizer_race_animation(surface="saddle", lr=None, start=None,
                             steps=(0, 1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 85,
                                    100, 120, 140, 160, 180, 200)):
    """For the static book: the five paths on ``surface`` growing step by step."""
    _, _, _, _, default_start, default_lr, _ = SURFACES[surface]
    lr = default_lr if lr is None else lr
    start = default_start if start is None else start
    panels = _RacePanels(title=True)
    panels.show_surface(surface)
    view = FigureView(panels.fig)
    view.animate(*panels.dynamic)
    runs = race(surface, lr, start, max(steps))

    def update(i):
        panels.update(race_state(surface, lr, start, steps[i], runs))

    return blit_animation_html(view, update, len(steps), interval=300)
