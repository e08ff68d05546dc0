"""Explorers 6-10 driven as a reader would: set controls, press buttons, look at what they show.

Outside a kernel ipywidgets runs callbacks synchronously, so after ``ctrl.value = v`` or
``button.click()`` the explorer's ``state``, its picture (``view.widget.value``, PNG bytes)
and its text line are up to date.
"""

import numpy as np
import pytest

from dlcourse import conv, losses
from dlcourse.gradcheck import numerical_gradient, relative_error
from dlcourse.widgets import backprop as bp
from dlcourse.widgets import (
    backprop_animation,
    backprop_explorer,
    convolution_animation,
    convolution_explorer,
    init_animation,
    init_explorer,
    overfitting_animation,
    overfitting_explorer,
    playground,
    playground_animation,
)
from dlcourse.widgets import convolution as cv
from dlcourse.widgets import initialization as ini

PNG = b"\x89PNG\r\n\x1a\n"


def png(explorer):
    """The explorer's picture as PNG bytes (the Image widget holds a memoryview)."""
    return bytes(explorer.view.widget.value)


def shows_jshtml_player(html):
    """A ``to_jshtml`` player: its frames, the Animation object, and the scrubbing slider."""
    text = html.data
    return "new Animation(frames" in text and 'type="range"' in text and "data:image/png" in text


# ---------------------------------------------------------------- 6. playground

def test_playground_train_lowers_the_loss_and_reset_restores_the_start():
    pg = playground("moons")
    start_png, start_text = png(pg), pg.text.value
    assert start_png.startswith(PNG) and pg.epoch == 0 and "Press Train" in start_text
    pg.run.epochs.value = 50
    pg.train_button.click()
    assert pg.epoch == 50 and pg.run.progress.value == 50
    loss = pg.state["history"]["loss"]
    assert len(loss) == 50 and loss[-1] < 0.6 * loss[0]
    assert png(pg) != start_png and "epoch 50" in pg.text.value
    assert pg.train_button.description == "Train"  # back from "Stop" once the run is over
    pg.reset_button.click()
    assert pg.epoch == 0 and len(pg.state["history"]["loss"]) == 0
    assert png(pg) == start_png and pg.text.value == start_text


@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_playground_reaches_high_accuracy_after_enough_chunks(dataset):
    pg = playground(dataset, layers=2, width=8, activation="tanh", lr=0.03)
    for _ in range(12):
        pg.train_chunk(10)
        if pg.state["test_accuracy"] >= 0.95:
            break
    assert pg.state["train_accuracy"] >= 0.95 and pg.state["test_accuracy"] >= 0.9
    # The decision regions are the network's output: P(class 1) > 0.5 on class-1 points.
    P, (X_train, y_train, _, _) = pg.state["P"], pg.state["data"]
    assert P.shape == (64, 64) and 0 <= P.min() and P.max() <= 1
    grid = np.linspace(-1.25, 1.25, 64)
    cols = np.abs(grid[None, :] - X_train[:, :1]).argmin(axis=1)
    rows = np.abs(grid[None, :] - X_train[:, 1:]).argmin(axis=1)
    assert np.mean((P[rows, cols] > 0.5) == y_train) > 0.9


def test_playground_hyperparameters_apply_to_the_network_being_trained():
    pg = playground("circles")
    pg.train_chunk(10)
    pg.set(lr=0.1, l2=1e-3, dropout=0.3)
    assert pg.epoch == 10  # same network, trained on
    assert pg.model.optimizer.lr == pytest.approx(0.1)
    linears = [layer for layer in pg.model.layers if hasattr(layer, "regularizer")]
    assert all(layer.regularizer.lam == 1e-3 for layer in linears)
    assert [layer.p for layer in pg.model.layers if type(layer).__name__ == "Dropout"] == [0.3, 0.3]
    pg.set(width=16)  # a new architecture is a new network
    assert pg.epoch == 0 and pg.model.layers[0].params["W"].shape == (2, 16)
    pg.set(layers=3, activation="sigmoid")
    assert sum(type(layer).__name__ == "Sigmoid" for layer in pg.model.layers) == 4


def test_playground_dataset_change_shows_the_new_points():
    pg = playground("moons")
    moons = png(pg)
    pg.set(dataset="spirals")
    X_train = pg.state["data"][0]
    assert len(X_train) == 210 and np.abs(X_train).max() <= 1 + 1e-9  # scaled to [-1, 1]
    assert png(pg) != moons


# ---------------------------------------------------------------- 7. initialization

def test_sigmoid_gradients_vanish_towards_the_input():
    e = init_explorer(depth=10, activation="sigmoid", init="normal(0, 0.01)")
    g = e.state["grad_norm"]
    assert len(g) == 10 and np.all(np.diff(g) > 0)  # grows towards the output, layer by layer
    assert g[0] < 1e-8 * g[-1]
    e.set(init="glorot_uniform")  # Glorot's scale does not save the sigmoid (max slope 1/4)
    assert e.state["grad_norm"][0] < 1e-3 * e.state["grad_norm"][-1]


def test_sigmoid_with_unit_normal_weights_saturates():
    e = init_explorer(depth=5, activation="sigmoid", init="normal(0, 1)")
    assert np.all(e.state["saturated"] > 0.5)
    # The gradient shrinks towards the input only mildly: the large weights (sum of 100
    # N(0, 1) terms) make up for most of the small slopes of the saturated units.
    e.set(depth=10)
    g = e.state["grad_norm"]
    assert g[0] < g[-1] and g[0] > 0.1 * g[-1]
    hist = e.state["hist"]
    assert np.all(hist[:, 0] + hist[:, -1] > 0.5 * hist.sum(axis=1))  # piled up at 0 and 1
    assert "saturated" in e.text.value


def test_relu_with_he_keeps_the_scale_and_naive_inits_do_not():
    e = init_explorer(depth=10, activation="relu", init="he_normal")
    std, g = e.state["std"], e.state["grad_norm"]
    assert 0.5 < std[-1] / std[0] < 2 and 0.5 < g[0] / g[-1] < 2
    e.set(init="normal(0, 0.01)")
    assert e.state["std"][-1] < 1e-6 * e.state["std"][0]  # the signal dies
    e.set(init="normal(0, 1)")
    assert e.state["std"][-1] > 1e6 * e.state["std"][0]  # the signal explodes


def test_init_explorer_draws_one_histogram_per_layer():
    e = init_explorer(depth=4, activation="tanh", init="glorot_normal")
    first = png(e)
    assert [r.get_visible() for r in e.ridges] == [True] * 4 + [False] * 6
    assert len(e.grad_line.get_xdata()) == 4 and e.hax.get_xlim() == (-1.0, 1.0)
    e.set(depth=7, activation="relu")
    assert sum(r.get_visible() for r in e.ridges) == 7 and e.hax.get_xlim() == (0.0, 3.0)
    assert png(e) != first
    stats = ini.layer_statistics(7, "relu", "glorot_normal")
    np.testing.assert_array_equal(e.grad_line.get_ydata(), stats["grad_norm"])


# ---------------------------------------------------------------- 8. overfitting

def test_overfitting_gap_and_l2_shrinks_it():
    e = overfitting_explorer(width=64, n_train=12)
    assert "not trained yet" in e.text.value
    e.run.epochs.value = 500
    e.train_button.click()
    c = e.state["curves"]
    gap = c["test"][-1] - c["train"][-1]
    assert e.state["epoch"] == 500 and gap > 0.1 and "gap" in e.text.value
    e.set(l2=1e-2)
    assert e.state["epoch"] == 0  # a new setting, not trained yet
    assert all(line.get_visible() for line in e.artists["reference"])  # the run before, in grey
    e.train_button.click()
    c2 = e.state["curves"]
    assert c2["test"][-1] - c2["train"][-1] < 0.5 * gap
    e.set(l2=0.0)  # back to the first setting: its run is kept
    assert e.state["epoch"] == 500 and e.state["curves"]["test"][-1] == c["test"][-1]


def test_overfitting_more_data_closes_the_gap():
    e = overfitting_explorer(width=32, n_train=100)
    e.run.epochs.value = 200
    e.train_button.click()
    c = e.state["curves"]
    assert len(e.artists["train_points"].get_xdata()) == 100
    assert c["test"][-1] - c["train"][-1] < 0.06


# ---------------------------------------------------------------- 9. convolution

def test_feature_map_is_dlcourse_conv_output():
    e = convolution_explorer(index=7, preset="sharpen", padding=1, stride=1)
    image = cv._digits()[0][7]
    layer = conv.Conv2d(1, 1, 3, stride=1, padding=1, rng=0)  # im2col: another route
    layer.params["W"][...] = cv.PRESETS["sharpen"]
    np.testing.assert_allclose(e.state["feature_map"], layer.forward(image[None, None])[0, 0])


@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("stride", [1, 2])
def test_feature_map_size_follows_the_formula(padding, stride):
    e = convolution_explorer(padding=padding, stride=stride)
    side = (8 + 2 * padding - 3) // stride + 1
    assert e.state["feature_map"].shape == (side, side)
    assert e.state["padded"].shape == (8 + 2 * padding,) * 2
    assert f"= {side}" in e.text.value


def test_pooling_keeps_the_max_or_the_mean_of_each_window():
    e = convolution_explorer(padding=1, stride=1, pooling="max")
    fmap = e.state["feature_map"]
    blocks = fmap.reshape(4, 2, 4, 2)
    np.testing.assert_allclose(e.state["pooled"], blocks.max(axis=(1, 3)))
    e.set(pooling="average")
    np.testing.assert_allclose(e.state["pooled"], blocks.mean(axis=(1, 3)))
    e.set(pooling="none")
    assert e.state["pooled"] is None and not e.artists["p"].get_visible()
    e.set(pooling="max", padding=0, stride=2)  # 3 x 3 -> one 2 x 2 window
    assert e.state["pooled"].shape == (1, 1)


def test_kernel_presets_and_cells():
    e = convolution_explorer(preset="vertical edge")
    np.testing.assert_array_equal(e.kernel(), cv.PRESETS["vertical edge"])
    before = png(e)
    e.controls["preset"].value = "blur (box)"
    np.testing.assert_allclose(e.state["kernel"], np.full((3, 3), 1 / 9), atol=1e-4)
    e.cells["k11"].value = 1.0  # one cell edited by hand
    assert e.controls["preset"].value == cv.CUSTOM
    assert e.state["kernel"][1, 1] == 1.0 and png(e) != before
    e.set(preset="identity", padding=0)
    np.testing.assert_allclose(e.state["feature_map"], e.state["padded"][1:-1, 1:-1])


def test_replicate_padding_copies_the_edge():
    e = convolution_explorer(index=3, padding=2, padding_mode="replicate")
    padded, image = e.state["padded"], cv._digits()[0][3]
    np.testing.assert_array_equal(padded[2:-2, 2:-2], image)
    np.testing.assert_array_equal(padded[0, 2:-2], image[0])
    e.set(padding_mode="zeros")
    assert e.state["padded"][0].sum() == 0


# ---------------------------------------------------------------- 10. backprop

def _numerical(name):
    """dE/dname by central differences on the example's network."""
    model = bp.build_network()
    x, t = np.array([bp.INPUTS]), np.array([bp.TARGETS])
    layer, r, c = bp.WEIGHTS[name]
    W = model[2 * (layer - 1)].params["W"]
    return numerical_gradient(lambda _: losses.SSE()(model.forward(x), t), W)[r, c]


def test_backprop_every_revealed_gradient_matches_backward_and_numbers():
    e = backprop_explorer()
    seen = {}
    for _ in range(bp.N_STEPS - 1):
        e.next_button.click()
        seen.update(e.state["grads"])
    assert e.controls["step"].value == bp.N_STEPS - 1
    assert sorted(seen) == sorted(bp.WEIGHTS)
    tr = bp.backprop_trace(0.5)
    for name, value in seen.items():
        assert value == tr["grads"][name]
        assert relative_error(value, _numerical(name)) < 1e-7, name
    # The slides' example as published (Mazur 2015): E, dE/dw5, dE/dw1.
    assert tr["E"] == pytest.approx(0.298371109, abs=1e-9)
    assert seen["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert seen["w1"] == pytest.approx(0.000438568, abs=1e-9)


def test_backprop_steps_reveal_in_order_and_update_with_the_learning_rate():
    e = backprop_explorer()
    assert e.state["grads"] == {} and "E" not in e.state["shown"]
    assert all(card.get_visible() for key, card in e.figure.cards.items() if ":" in key
               and not key.startswith("w:"))
    first = png(e)
    e.set(step=5)
    assert "E" in e.state["shown"] and e.state["grads"] == {}
    assert not e.figure.cards["E"].get_visible() and png(e) != first
    e.set(step=7)
    assert list(e.state["grads"]) == ["w5"] and "chain rule" in e.formula.value
    e.set(step=12, lr=0.5)
    assert e.state["new_weights"]["w5"] == pytest.approx(0.35891648, abs=1e-8)
    e.set(lr=1.0)
    assert e.state["new_weights"]["w5"] == pytest.approx(0.4 - 1.0 * e.state["grads"]["w5"])
    e.back_button.click()
    assert e.controls["step"].value == 11 and "w5" not in e.state["new_weights"]
    e.set(step=bp.N_STEPS - 1, lr=0.5)
    assert e.state["E_new"] < e.state["trace"]["E"]
    assert e.state["new_weights"]["w1"] == pytest.approx(0.149780716, abs=1e-8)


# ---------------------------------------------------------------- static views

def test_backprop_and_convolution_animations_are_jshtml_players():
    assert shows_jshtml_player(backprop_animation())
    assert shows_jshtml_player(convolution_animation())


def test_init_animation_is_a_jshtml_player():
    assert shows_jshtml_player(init_animation(settings=ini.CONTRASTS[:3], depth=6))


@pytest.mark.slow
def test_training_animations_are_jshtml_players():
    assert shows_jshtml_player(playground_animation("xor", epochs=20, n_frames=3))
    assert shows_jshtml_player(overfitting_animation(epochs=60, n_frames=3))
