"""Shared parts of the explorers: palette, controls, a fast figure view, static animations.

Every explorer keeps its computation (pure NumPy functions, tested directly)
apart from its drawing. Drawing goes through ``FigureView``: a matplotlib
figure rendered off-screen (Agg) and shown as an ``ipywidgets.Image``, so the
picture is part of the widget state. That makes explorers testable without a
kernel (the image bytes change when a control changes) and lets the static book
show the first picture.
"""

import io
import re
import time

import ipywidgets as W
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dlcourse.i18n import gettext as tr
from dlcourse.i18n import use_hangul_font

use_hangul_font()  # Hangul in figures: NanumGothic (koreanize-matplotlib) as the fallback font

# Okabe and Ito's palette, distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000",
    "grey": "#999999",
}
CYCLE = [PALETTE[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]
CLASS_COLORS = (PALETTE["blue"], PALETTE["vermillion"])  # class 0, class 1
REGION_CMAP = "RdBu_r"  # diverging, readable with red-green deficiency; ends match CLASS_COLORS' hues
BOOK_WIDTH_IN = 7.0  # figures fit the book's text column at 96 dpi
DPI = 80


def new_figure(ncols=1, nrows=1, width=BOOK_WIDTH_IN, height=3.0, layout=None, **kw):
    """An off-screen figure (no pyplot, so nothing leaks into notebook output)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    for ax in axes.flat:
        ax.set_prop_cycle(color=CYCLE)
    return fig, axes


class FigureView:
    """Show a matplotlib figure as an ``ipywidgets.Image`` and redraw it quickly.

    Drawing axes, ticks and labels is most of matplotlib's time, so the view
    keeps a rendered background and, on ``redraw()``, paints only the artists
    registered with ``animate(...)`` (blitting), then encodes a PNG with light
    compression. Call ``redraw(full=True)`` after changing anything static
    (axis limits, titles, artists not registered).
    """

    def __init__(self, fig):
        from PIL import Image  # matplotlib depends on Pillow
        self._Image = Image
        self.fig = fig
        self._animated = []
        self._background = None
        w, _h = fig.get_size_inches() * fig.dpi
        self.widget = W.Image(format="png", layout=W.Layout(width=f"{int(w)}px", max_width="100%"))

    def animate(self, *artists):
        """Register artists that change from one redraw to the next."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self._background = None
        self.__dict__.get("_backgrounds", {}).clear()
        return artists[0] if len(artists) == 1 else artists

    def use_background(self, key):
        """Keep one rendered background per ``key`` and switch to ``key``'s.

        For a figure whose static part takes a few looks (one contour map per
        surface, say): set the static artists for ``key``, then call this. The
        first visit to a key draws in full (~90 ms); later visits only blit.
        """
        cache = self.__dict__.setdefault("_backgrounds", {})
        current = self.__dict__.get("_background_key")
        if current is not None and self._background is not None:
            cache[current] = self._background
        self._background_key = key
        self._background = cache.get(key)

    def prerender(self, keys, show):
        """Render the background of every key of ``keys`` now, so that a first visit only blits.

        ``show(key)`` sets the static artists for ``key`` (as before
        ``use_background(key)``). For Dropdown choices whose first full draw
        would take longer than a redraw should (~90 ms a background). The
        figure is left showing the last key: call ``show`` for the current one.
        """
        cache = self.__dict__.setdefault("_backgrounds", {})
        current = self.__dict__.get("_background_key")
        if current is not None and self._background is not None:
            cache[current] = self._background
        for key in keys:
            if key not in cache:
                show(key)
                self.fig.canvas.draw()  # animated artists are skipped here
                cache[key] = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        if current is not None:
            self._background = cache.get(current)

    def png(self, full=False):
        canvas = self.fig.canvas
        if full or self._background is None:
            canvas.draw()  # animated artists are skipped here
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        rgba = np.asarray(canvas.buffer_rgba())
        buf = io.BytesIO()
        self._Image.fromarray(rgba[..., :3]).save(buf, format="png", compress_level=1)
        return buf.getvalue()

    def redraw(self, full=False):
        self.widget.value = self.png(full)


# Symbols in control labels, spelled out in the controls' tooltips (and so in the names screen
# readers announce): "learning rate η" is also "learning rate eta".
_SYMBOL_NAMES = {"η": "eta", "λ": "lambda", "σ": "sigma", "α": "alpha", "β": "beta",
                 "ε": "epsilon", "×": "by", "²": " squared"}


def spelled(label):
    """``label`` with its symbols spelled out, for a tooltip."""
    return "".join(_SYMBOL_NAMES.get(ch, ch) for ch in label)


def slider(description, min, max, value, step=None, unit="", integer=False, log=False, **kw):
    """A labelled slider; ``unit`` is shown after the description, e.g. 'learning rate (eta)'.
    Its tooltip repeats the label with symbols spelled out (η -> eta)."""
    label = f"{tr(description)} [{tr(unit)}]" if unit else tr(description)
    kw.setdefault("tooltip", spelled(label))
    common = dict(description=label, continuous_update=True,
                  style={"description_width": "initial"}, layout=W.Layout(width="95%"), **kw)
    if log:
        return W.FloatLogSlider(value=value, base=10, min=min, max=max, step=step or 0.1,
                                readout_format=".3g", **common)
    if integer:
        return W.IntSlider(value=value, min=min, max=max, step=step or 1, **common)
    return W.FloatSlider(value=value, min=min, max=max, step=step or (max - min) / 100,
                         readout_format=".3g", **common)


def dropdown(description, options, value=None):
    return W.Dropdown(options=options, value=value if value is not None else options[0],
                      description=tr(description), tooltip=spelled(tr(description)),
                      style={"description_width": "initial"})


class Explorer(W.VBox):
    """Base of the explorers: controls, a figure, and a text line.

    Subclasses set ``self.controls`` (name -> widget) and implement
    ``compute(**values) -> state`` (pure, tested) and ``draw(state)`` (updates
    the figure's artists in place, and returns True when it changed anything
    not registered with ``view.animate``, such as axis limits), then call
    ``self._start(view, controls)``. Any control
    change recomputes and redraws; ``set(name=value, ...)`` does it from code,
    which is how the tests and the benchmark drive an explorer.
    """

    def _start(self, view, controls, extra=()):
        self.controls = dict(controls)
        self.view = view
        self.text = W.HTML()
        self.state = None
        self.last_update_ms = None
        self._hold = False
        for ctrl in self.controls.values():
            ctrl.observe(self._on_change, names="value")
        super().__init__([*self.controls.values(), *extra, self.view.widget, self.text])
        self.refresh()

    def values(self):
        return {name: ctrl.value for name, ctrl in self.controls.items()}

    def _on_change(self, _change):
        if not self._hold:
            self.refresh()

    def refresh(self):
        start = time.perf_counter()
        self.state = self.compute(**self.values())
        full = self.draw(self.state)  # draw() returns True when static parts changed
        self.view.redraw(full=bool(full))
        self.last_update_ms = 1000 * (time.perf_counter() - start)

    def set(self, **values):
        """Set several controls, then recompute and redraw once."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"{type(self).__name__}.set: unknown control(s) {sorted(unknown)}; "
                             f"controls are {sorted(self.controls)}")
        self._hold = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._hold = False
        self.refresh()
        return self

    def compute(self, **values):
        raise NotImplementedError

    def draw(self, state):
        raise NotImplementedError


# matplotlib's player links Font Awesome 4 from a CDN for its buttons' icons. The book's theme
# and JupyterLab's widgets already ship Font Awesome, so the link would only make a page (and a
# live notebook in the browser) call another host: it is left out.
_CDN_FONT_AWESOME = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*"\s*/?>\s*'
)


def _player(markup):
    """``IPython.display.HTML`` of matplotlib's animation player, without its CDN link."""
    from IPython.display import HTML
    return HTML(_CDN_FONT_AWESOME.sub("", markup))


def animation_html(fig, update, n_frames, interval=200):
    """A scrubbable JavaScript animation (matplotlib's ``to_jshtml``) for the static book.

    ``update(i)`` changes the figure for frame i. Returns ``IPython.display.HTML``.
    """
    from matplotlib.animation import FuncAnimation

    matplotlib.rcParams["animation.embed_limit"] = 40  # MB
    anim = FuncAnimation(fig, lambda i: update(i) or [], frames=n_frames, interval=interval,
                         blit=False)
    return _player(anim.to_jshtml(default_mode="once"))


def blit_animation_html(view, update, n_frames, interval=200):
    """``animation_html`` for a ``FigureView``: each frame is blitted, not drawn in full.

    ``update(i)`` changes the view's animated artists for frame i and returns
    True when it changed a static part too (as ``Explorer.draw`` does). About
    ten times faster than ``animation_html`` (which draws every frame twice in
    full); the markup is the same ``to_jshtml`` player, starting paused, with
    its scrubbing slider. Frames are stored with a 256-colour palette (a third
    of the bytes, no visible change for line art). Returns ``IPython.display.HTML``.
    """
    import tempfile
    from pathlib import Path

    from matplotlib.animation import HTMLWriter

    class _Frames:
        """Stands in for the figure: the writer asks it for each frame's PNG."""
        png = b""

        def savefig(self, f, **_kw):
            f.write(self.png)

    frames = _Frames()
    writer = HTMLWriter(fps=1000.0 / interval, embed_frames=True, default_mode="once",
                        embed_limit=40)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.html")
        writer.setup(view.fig, path)
        writer.fig = frames
        for i in range(n_frames):
            view.png(full=bool(update(i)))
            frames.png = _small_png(view.fig)
            writer.grab_frame()
        writer.finish()
        return _player(path.read_text())


def _small_png(fig):
    """The figure's current Agg buffer as a 256-colour PNG (for embedded animation frames)."""
    from PIL import Image
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    buf = io.BytesIO()
    Image.fromarray(rgb).quantize(256, method=Image.Quantize.FASTOCTREE).save(buf, format="png")
    return buf.getvalue()


class TrainingRun:
    """A Train / Stop button and a progress bar that run ``train_chunk(n)`` a chunk at a time.

    ``train_chunk(n)`` trains ``n`` more epochs and redraws. In a kernel the
    chunks run as an asyncio task on the kernel's event loop, which handles
    widget messages between chunks: the picture updates after every chunk and
    the other controls (and Stop) keep working while it trains. Outside a
    kernel (tests, scripts, the book's build) ``button.click()`` runs every
    chunk before it returns. ``widget`` holds the button, the epochs-per-run
    menu, the progress bar and a status line.
    """

    def __init__(self, train_chunk, epochs=100, options=(50, 100, 200, 500, 1000), chunk=10,
                 label="Train"):
        self.train_chunk = train_chunk
        self.chunk = int(chunk)
        self.label = tr(label)
        self.epochs = W.Dropdown(options=sorted({*options, epochs}), value=epochs,
                                 description=tr("epochs per run"),
                                 style={"description_width": "initial"},
                                 layout=W.Layout(width="180px"))
        self.button = W.Button(description=self.label, icon="play", button_style="success",
                               layout=W.Layout(width="110px"))
        self.progress = W.IntProgress(value=0, min=0, max=epochs, layout=W.Layout(width="150px"))
        self.status = W.Label("")
        self.widget = W.HBox([self.button, self.epochs, self.progress, self.status])
        self.task = None
        self._stop = False
        self.button.on_click(lambda _: self.stop() if self.running else self.start())

    @property
    def running(self):
        return self.task is not None and not self.task.done()

    def start(self, epochs=None):
        """Train ``epochs`` (default: the menu's value) in chunks, in the background in a kernel."""
        import asyncio
        if self.running:
            return self.task
        total = int(self.epochs.value if epochs is None else epochs)
        self._stop = False
        self.progress.max, self.progress.value = total, 0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or not _in_kernel():
            for _ in self._chunks(total):
                pass
            return None
        self.button.description, self.button.icon = tr("Stop"), "stop"  # before the task starts
        self.task = loop.create_task(self._run_async(total))
        return self.task

    def stop(self):
        """Stop after the chunk that is running (a run outside a kernel cannot be interrupted)."""
        self._stop = True

    def _chunks(self, total):
        self.button.description, self.button.icon = tr("Stop"), "stop"
        self.button.button_style = "warning"
        done = 0
        try:
            while done < total and not self._stop:
                n = min(self.chunk, total - done)
                self.train_chunk(n)
                done += n
                self.progress.value = done
                self.status.value = tr("{done} / {total} epochs").format(done=done, total=total)
                yield done
        finally:
            self.button.description, self.button.icon = self.label, "play"
            self.button.button_style = "success"
            if self._stop:
                self.status.value = tr("stopped after {done} / {total} epochs").format(done=done, total=total)

    async def _run_async(self, total):
        import asyncio
        try:
            for _ in self._chunks(total):
                await asyncio.sleep(0.001)  # let the kernel handle widget messages
        except Exception as exc:  # a background task's error would otherwise go unseen
            self.status.value = tr("training failed: {error}: {message}").format(
                error=type(exc).__name__, message=exc)
            raise


def _in_kernel():
    """True inside a Jupyter kernel (IPython with a kernel attached)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
