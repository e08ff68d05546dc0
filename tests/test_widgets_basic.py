"""Explorers 1-5 driven as a reader would: set controls, press buttons, look at what they show.

Outside a kernel ipywidgets runs callbacks synchronously, so after ``ctrl.value = v`` or
``button.click()`` the explorer's ``state``, its picture (``view.widget.value``, PNG bytes)
and its text are up to date.
"""

import itertools
import re

import numpy as np
import pytest

from dlcourse import data, optim
from dlcourse import functional as F
from dlcourse.widgets import (
    activation_animation,
    activation_explorer,
    gradient_descent_animation,
    gradient_descent_explorer,
    optimizer_race_animation,
    optimizer_race_explorer,
    perceptron_animation,
    perceptron_explorer,
    perceptron_outputs,
    space_warp_animation,
    space_warp_explorer,
)
from dlcourse.widgets import activations as act
from dlcourse.widgets import gradient_descent as gd
from dlcourse.widgets import optimizer_race as race
from dlcourse.widgets import perceptron as pc
from dlcourse.widgets import space_warp as sw

PNG = b"\x89PNG\r\n\x1a\n"
SLIDES = {"AND": (1.0, 1.0, -1.0), "OR": (2.0, 2.0, -1.0), "NAND": (-2.0, -2.0, 3.0)}


def png(explorer):
    """The explorer's picture as PNG bytes (the Image widget holds a memoryview)."""
    return bytes(explorer.view.widget.value)


def shows_jshtml_player(html):
    """A ``to_jshtml`` player: its frames, the Animation object, and the scrubbing slider, and
    nothing that a page would fetch from another host (matplotlib links Font Awesome from a CDN;
    the live notebooks run offline)."""
    text = html.data
    calls_out = re.search(r"<(?:link|script|img)\b[^>]*(?:href|src)=[\"']?(?:https?:)?//", text)
    assert calls_out is None, f"the player loads {calls_out.group(0)!r} from another host"
    return "new Animation(frames" in text and 'type="range"' in text and "data:image/png" in text


def all_finite(*artists):
    return all(np.all(np.isfinite(np.asarray(a.get_xydata(), dtype=float))) for a in artists)


# ---------------------------------------------------------------- 1. perceptron

@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_the_slides_weights_get_four_of_four(gate):
    w1, w2, b = SLIDES[gate]
    out = perceptron_outputs(w1, w2, b, gate)
    assert out["n_right"] == 4
    assert out["y"].tolist() == data.logic_gate(gate)[1].tolist()

    ex = perceptron_explorer(gate="XOR")
    before = png(ex)
    ex.set(w1=w1, w2=w2, b=b, gate=gate)
    assert ex.state["n_right"] == 4
    assert "4 of 4 right" in ex.text.value
    assert png(ex) != before and png(ex).startswith(PNG)


def test_moving_one_slider_changes_the_count_the_table_and_the_picture():
    ex = perceptron_explorer()  # the slides' AND
    before = png(ex)
    ex.controls["b"].value = 0.5  # every row now has z > 0: only (1, 1) is right
    assert ex.state["y"].tolist() == [1, 1, 1, 1]
    assert ex.state["n_right"] == 1
    assert "1 of 4 right" in ex.text.value and ex.text.value.count("wrong") == 3
    assert png(ex) != before


def test_no_single_perceptron_gets_xor_right():
    # every position of the three sliders (steps of 0.1), in one vectorised sweep
    X, target = data.logic_gate("XOR")
    w1, w2, b = np.meshgrid(np.arange(-30, 31) / 10, np.arange(-30, 31) / 10,
                            np.arange(-40, 41) / 10, indexing="ij")
    z = X[:, 0, None, None, None] * w1 + X[:, 1, None, None, None] * w2 + b
    right = ((z > 0).astype(int) == target[:, None, None, None]).sum(axis=0)
    assert right.max() == 3
    # and the explorer's own function on a coarser grid
    grid = np.arange(-3, 3.01, 0.5)
    counts = [perceptron_outputs(a, c, d, "XOR")["n_right"]
              for a, c, d in itertools.product(grid, grid, np.arange(-4, 4.01, 0.5))]
    assert max(counts) == 3
    # and the best bias for every direction of w
    for angle in np.linspace(0, 2 * np.pi, 73):
        assert pc.best_bias(np.cos(angle), np.sin(angle), "XOR")[1] <= 3


def test_explorer_on_xor_says_why():
    ex = perceptron_explorer(w1=1, w2=1, b=-0.5, gate="XOR")
    assert ex.state["n_right"] == 3
    assert "No straight line" in ex.text.value


def test_half_plane_and_line_stay_inside_the_view():
    poly = pc.half_plane(1.0, 1.0, -1.0)
    assert poly.min() >= pc.LIMITS[0] and poly.max() <= pc.LIMITS[1]
    assert len(pc.half_plane(0.0, 0.0, -1.0)) == 0 and len(pc.half_plane(0.0, 0.0, 1.0)) == 4
    assert pc.line_in_box(0.0, 0.0, 1.0) is None


def test_perceptron_animation_turns_w_and_finds_a_separating_direction():
    assert shows_jshtml_player(perceptron_animation("AND", n_frames=4))
    best = [pc.best_bias(np.cos(a), np.sin(a), "AND")[1] for a in np.linspace(0, np.pi / 2, 5)]
    assert max(best) == 4


# ---------------------------------------------------------------- 2. space warp

def test_slides_warp_is_the_identity_at_0_and_the_hidden_layer_at_1():
    ex = space_warp_explorer("slides", t=0.0, steepness=3.0)
    grid = sw._grid_input()
    X, _ = data.logic_gate("XOR")
    assert np.allclose(ex.state["grid"], grid)
    assert np.allclose(ex.state["points"], X)
    before = png(ex)

    ex.controls["t"].value = 1.0
    k = 3.0
    hidden = F.sigmoid(k * (X @ sw.SLIDE_W1 + sw.SLIDE_B1))  # the slides' hidden layer, sharpened
    assert np.allclose(ex.state["points"], hidden)
    assert np.allclose(ex.state["grid"],
                       F.sigmoid(k * (grid.reshape(-1, 2) @ sw.SLIDE_W1 + sw.SLIDE_B1))
                       .reshape(grid.shape))
    assert png(ex) != before
    # both rows of W1 are equal: (0, 1) and (1, 0) land on the same hidden point
    assert np.allclose(ex.state["points"][1], ex.state["points"][2])
    assert ex.state["separated"] and ex.state["n_right"] == 4


def test_a_gentle_hidden_layer_does_not_separate_with_the_drawn_line():
    ex = space_warp_explorer("slides")
    ex.controls["steepness"].value = 1.0
    assert not ex.state["separated"]
    assert "not" in ex.text.value
    ex.controls["steepness"].value = 20.0  # nearly the step: the corners of the unit square
    assert np.allclose(ex.state["hidden_points"], [[1, 0], [1, 1], [1, 1], [0, 1]], atol=1e-6)


def test_pressing_train_solves_xor_and_the_warp_follows_the_network():
    ex = space_warp_explorer("trained", t=1.0)
    assert ex.state["epoch"] == 0 and "press <b>Train</b>" in ex.text.value
    before = png(ex)
    ex.training.epochs.value = 500
    ex.training.button.click()  # outside a kernel: every chunk runs before click() returns
    assert ex.state["epoch"] == 500
    assert ex.training.progress.value == ex.training.progress.max == 500
    assert ex.state["n_right"] == 4 and ex.state["separated"]
    assert "4 of 4 right" in ex.text.value and png(ex) != before
    model = ex.net.model
    X, _ = data.logic_gate("XOR")
    assert np.allclose(ex.state["points"], model[1].forward(model[0].forward(X)))
    ex.controls["t"].value = 0.0
    assert np.allclose(ex.state["points"], X)

    reset_png = png(ex)
    [reset] = [w for w in ex.children[1].children if getattr(w, "description", "") == "Reset"]
    reset.click()
    assert ex.state["epoch"] == 0 and png(ex) != reset_png


def test_space_warp_animations():
    assert shows_jshtml_player(space_warp_animation("slides", n_frames=3))
    assert shows_jshtml_player(space_warp_animation("trained", n_frames=2, epochs=50))


# ---------------------------------------------------------------- 3. activations

DERIVATIVES = {
    "sigmoid": F.sigmoid_grad, "tanh": F.tanh_grad, "relu": F.relu_grad,
    "identity": np.ones_like, "step": np.zeros_like, "leaky_relu": F.leaky_relu_grad,
    "elu": F.elu_grad, "softplus": F.softplus_grad,
}


def test_the_product_over_k_layers_is_the_slope_to_the_power_k():
    ex = activation_explorer()
    for name, derivative in DERIVATIVES.items():
        for x, k in [(-2.0, 3), (0.5, 7), (1.5, 12), (3.0, 30)]:
            ex.set(name=name, x=x, k=k)
            slope = float(derivative(np.array([x]))[0])
            assert ex.state["slope"] == pytest.approx(slope), name
            assert ex.state["product"] == pytest.approx(slope ** k, rel=1e-12, abs=1e-300), name
            assert np.allclose(ex.state["products"], slope ** np.arange(1, act.MAX_DEPTH + 1),
                               rtol=1e-12, atol=0), name


def test_sigmoid_vanishes_and_relu_passes_as_the_text_says():
    ex = activation_explorer("sigmoid", x=3.0, k=20)
    assert ex.state["product"] < 1e-6 and "vanished" in ex.text.value
    before = png(ex)
    ex.controls["name"].value = "relu"
    assert ex.state["product"] == 1.0 and "unchanged" in ex.text.value
    assert png(ex) != before
    ex.controls["x"].value = -1.0
    assert ex.state["product"] == 0.0 and "no gradient" in ex.text.value


def test_the_relu_variants_are_offered_with_their_formulas():
    ex = activation_explorer("leaky_relu", x=-2.0, k=2)
    assert ex.state["f"] == pytest.approx(-0.02) and ex.state["slope"] == pytest.approx(0.01)
    assert "0.01 x" in ex.text.value
    ex.set(name="elu", x=-1.0)
    assert ex.state["f"] == pytest.approx(np.exp(-1.0) - 1)
    ex.set(name="softplus", x=0.0)
    assert ex.state["f"] == pytest.approx(np.log(2.0)) and ex.state["slope"] == pytest.approx(0.5)


def test_softmax_is_not_offered():
    assert "softmax" not in activation_explorer().controls["name"].options


def test_activation_animation():
    assert shows_jshtml_player(activation_animation(n_frames=3))


# ---------------------------------------------------------------- 4. gradient descent

@pytest.fixture(scope="module")
def gd_explorer():
    """One explorer for the tests below; each sets every control it relies on."""
    return gradient_descent_explorer()


def test_a_rate_below_the_limit_converges_to_the_least_squares_line(gd_explorer):
    size, price = data.apartment_prices()
    a_star, b_star = np.polyfit(size, price, 1)
    ex = gd_explorer
    ex.set(lr=0.01, steps=10)
    before = png(ex)
    ex.set(lr=0.02, steps=3000)
    assert ex.state["regime"] == "too large"  # zig-zags, yet converges
    assert ex.state["a"] == pytest.approx(a_star, abs=1e-3)
    assert ex.state["b"] == pytest.approx(b_star, abs=1e-2)
    assert png(ex) != before
    ex.controls["lr"].value = 0.01
    assert ex.state["regime"] == "about right"
    assert ex.state["b"] == pytest.approx(b_star, abs=2e-2)


def test_regimes_follow_the_limit(gd_explorer):
    limit = data.apartment_lr_limit(data.apartment_prices()[0])
    assert [gd.lr_regime(lr, limit) for lr in (0.001, 0.01, 0.02, 0.03)] == [
        "too small", "about right", "too large", "divergent"]
    gd_explorer.set(lr=0.001, steps=100)
    assert "too small" in gd_explorer.regime.value


@pytest.mark.parametrize("lr", [0.03, 0.1])
def test_a_divergent_rate_is_reported_in_words_and_nothing_drawn_is_nan(lr, gd_explorer):
    ex = gd_explorer
    ex.set(lr=lr, steps=3000)
    state = ex.state
    assert state["diverged"] and state["regime"] == "divergent"
    assert state["growth"] > 1
    assert "Diverges" in ex.text.value and "per step" in ex.text.value
    assert "nan" not in ex.text.value.lower() and "inf" not in ex.text.value.lower()
    panels = ex.panels
    assert all_finite(panels.path, panels.now, panels.fit, panels.curve)
    assert np.abs(panels.path.get_xydata()).max() < 10
    assert panels.warning.get_text().startswith("diverges")


def test_closed_form_steps_equal_the_engines_sgd_steps():
    for lr in (0.02, 0.03):
        a, b, loss = gd.sgd_path(lr, 25)  # nn.Linear + losses.MSE + optim.SGD
        path = gd.gd_path(lr)
        assert np.allclose(path["a"][:26], a, rtol=1e-9, atol=1e-12)
        assert np.allclose(path["b"][:26], b, rtol=1e-9, atol=1e-12)
        assert np.allclose(path["loss"][:26], loss, rtol=1e-9)


def test_steps_slider_only_reveals_and_the_animation_plays(gd_explorer):
    ex = gd_explorer
    ex.set(lr=0.01, steps=5)
    path = ex.state["path"]
    ex.controls["steps"].value = 50
    assert ex.state["path"] is path and ex.state["shown"] == 50
    assert len(ex.panels.curve.get_xdata()) == 51
    assert shows_jshtml_player(gradient_descent_animation(0.03, steps=(0, 1, 10)))


# ---------------------------------------------------------------- 5. optimizer race

@pytest.mark.parametrize("surface", list(race.SURFACES))
def test_surface_gradients_match_finite_differences(surface):
    fn = race.SURFACES[surface][1]
    h = 1e-6
    for x, y in [(-0.7, 0.3), (0.4, -1.1), (1.3, 0.9)]:
        gx, gy = fn(x, y)[1]
        dx = (fn(x + h, y)[0] - fn(x - h, y)[0]) / (2 * h)
        dy = (fn(x, y + h)[0] - fn(x, y - h)[0]) / (2 * h)
        assert gx == pytest.approx(dx, rel=1e-5, abs=1e-7)
        assert gy == pytest.approx(dy, rel=1e-5, abs=1e-7)


@pytest.fixture(scope="module")
def race_explorer():
    return optimizer_race_explorer()


@pytest.mark.parametrize("surface", list(race.SURFACES))
def test_trajectories_match_hand_rolled_steps_of_dlcourse_optim(surface, race_explorer):
    ex = race_explorer.set(surface=surface, steps=6)  # a surface brings its own lr and start
    _, fn, _, _, start, lr, _ = race.SURFACES[surface]
    for name, cls in [("SGD", optim.SGD), ("Momentum", optim.Momentum),
                      ("AdaGrad", optim.AdaGrad), ("RMSProp", optim.RMSProp),
                      ("Adam", optim.Adam)]:
        opt, params = cls(lr=lr), {"p": np.array(start, dtype=float)}
        expected = [params["p"].copy()]
        for _ in range(6):
            opt.update(params, {"p": np.array(fn(*params["p"])[1])})
            expected.append(params["p"].copy())
        assert np.allclose(ex.state["runs"][name][0], expected, rtol=1e-12, atol=1e-12), name


def test_controls_move_the_race_and_a_new_surface_brings_its_defaults():
    ex = optimizer_race_explorer("bowl", steps=20)
    before = png(ex)
    ex.controls["steps"].value = 120
    assert all(len(path) == 121 for path, _, _ in ex.state["runs"].values())
    assert png(ex) != before
    ex.controls["surface"].value = "saddle"
    label, _, xr, yr, start, lr, _ = race.SURFACES["saddle"]
    assert ex.values() == {"surface": "saddle", "lr": lr, "steps": 120, "x0": start[0],
                           "y0": start[1]}
    assert ex.panels.ax.get_xlim() == xr and ex.panels.ax.get_ylim() == yr
    assert label in ex.text.value
    # the saddle: plain SGD stalls near y = 0, Adam escapes towards a minimum at y = +-1
    summary = ex.state["summary"]
    assert abs(summary["SGD"]["y"]) < 0.3 and abs(abs(summary["Adam"]["y"]) - 1) < 0.2
    ex.set(x0=1.0, y0=-0.5)
    assert np.allclose(ex.state["runs"]["Adam"][0][0], [1.0, -0.5])


def test_a_diverging_optimizer_is_stopped_and_reported():
    ex = optimizer_race_explorer("rosenbrock", steps=200)
    ex.controls["lr"].value = 0.05
    summary = ex.state["summary"]
    assert summary["SGD"]["diverged"] and summary["Momentum"]["diverged"]
    assert not summary["Adam"]["diverged"]
    assert "diverged" in ex.text.value
    panels = ex.panels
    assert all_finite(*panels.lines.values(), *panels.ends.values(), *panels.curves.values())


def test_optimizer_race_animation():
    assert shows_jshtml_player(optimizer_race_animation("saddle", steps=(0, 5, 20)))
