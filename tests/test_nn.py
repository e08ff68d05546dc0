import numpy as np
import pytest

from dlcourse import conv, data, nn
from dlcourse.gradcheck import check_layer
from dlcourse.regularizers import L1, L2

TOL = 1e-7


def _assert_gradcheck(layer, x):
    errors = check_layer(layer, x)
    assert all(e < TOL for e in errors.values()), errors
    return errors


@pytest.mark.parametrize("layer_cls", [nn.Sigmoid, nn.Tanh, nn.Identity, nn.Softmax])
def test_activation_layers_gradcheck(layer_cls, rng):
    _assert_gradcheck(layer_cls(), rng.standard_normal((4, 5)))


def test_relu_gradcheck_away_from_kink(rng):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 0.05] = 0.5  # central differences straddling 0 would be wrong
    _assert_gradcheck(nn.ReLU(), x)


def test_step_layer_passes_no_gradient(rng):
    x = rng.standard_normal((3, 4)) + 0.1
    layer = nn.Step()
    layer.forward(x)
    assert np.all(layer.backward(np.ones((3, 4))) == 0)
    _assert_gradcheck(nn.Step(), np.where(np.abs(x) < 0.01, 0.5, x))


def test_linear_gradcheck_and_shapes(rng):
    layer = nn.Linear(3, 2, rng=1)
    assert layer.params["W"].shape == (3, 2) and layer.params["b"].shape == (2,)
    assert np.all(layer.params["b"] == 0)
    errors = _assert_gradcheck(layer, rng.standard_normal((5, 3)))
    assert set(errors) == {"x", "W", "b"}


@pytest.mark.parametrize("reg", [L2(0.1), L1(0.1)])
def test_linear_with_regularizer_gradcheck(reg, rng):
    layer = nn.Linear(4, 3, regularizer=reg, rng=2)
    _assert_gradcheck(layer, rng.standard_normal((6, 4)))
    assert layer.penalty() > 0


def test_dropout_gradcheck_and_scaling(rng):
    layer = nn.Dropout(0.3, rng=7)
    _assert_gradcheck(layer, rng.standard_normal((8, 10)))
    big = np.ones((2000, 50))
    out = layer.forward(big)
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / 0.7)  # inverted: kept units are scaled up
    assert abs(out.mean() - 1.0) < 0.02  # expectation preserved
    assert abs((out == 0).mean() - 0.3) < 0.01


def test_dropout_is_identity_in_eval(rng):
    layer = nn.Dropout(0.5).eval()
    x = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(np.ones((3, 4))), np.ones((3, 4)))


def test_sequential_gradcheck(rng):
    model = nn.Sequential([nn.Linear(3, 4, rng=1), nn.Tanh(), nn.Linear(4, 2, rng=2), nn.Softmax()])
    _assert_gradcheck_model(model, rng.standard_normal((5, 3)))


def _assert_gradcheck_model(model, x):
    errors = check_layer(model, x)
    assert set(errors) >= {"x", "0.W", "0.b", "2.W", "2.b"}
    assert all(e < TOL for e in errors.values()), errors


def test_sequential_params_are_the_layers_arrays():
    model = nn.Sequential([nn.Linear(2, 2), nn.ReLU()])
    model.params["0.W"] += 1.0
    np.testing.assert_array_equal(model.params["0.W"], model[0].params["W"])


def test_relu_backward_leaves_dout_untouched(rng):
    layer = nn.ReLU()
    layer.forward(rng.standard_normal((3, 3)))
    dout = np.ones((3, 3))
    layer.backward(dout)
    assert np.all(dout == 1.0)


# --- the slides' worked examples --------------------------------------------------------

SLIDE_GATES = {"AND": (1, 1, -1), "OR": (2, 2, -1), "NAND": (-2, -2, 3)}


@pytest.mark.parametrize("gate", SLIDE_GATES)
def test_slides_gate_weights_with_step(gate):
    w1, w2, b = SLIDE_GATES[gate]
    X, y = data.logic_gate(gate)
    layer = nn.Linear(2, 1)
    layer.params["W"][:] = [[w1], [w2]]
    layer.params["b"][:] = [b]
    out = nn.Sequential([layer, nn.Step()]).forward(X)
    np.testing.assert_array_equal(out.ravel(), y)


def test_slides_xor_network_row_by_row():
    hidden, output = nn.Linear(2, 2), nn.Linear(2, 1)
    hidden.params["W"][:] = [[-2, 2], [-2, 2]]
    hidden.params["b"][:] = [3, -1]
    output.params["W"][:] = [[1], [1]]
    output.params["b"][:] = [-1]
    X, y = data.logic_gate("XOR")
    n = nn.Step().forward(hidden.forward(X))
    # the slides' table: n1 = NAND(x1, x2), n2 = OR(x1, x2)
    np.testing.assert_array_equal(n, [[1, 0], [1, 1], [1, 1], [0, 1]])
    out = nn.Sequential([hidden, nn.Step(), output, nn.Step()]).forward(X)
    np.testing.assert_array_equal(out.ravel(), y)


# --- errors that teach --------------------------------------------------------------------

def test_linear_wrong_features_message():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\).*'x'.*\(batch, 3\).*\(4, 5\)"):
        nn.Linear(3, 2).forward(np.zeros((4, 5)))


def test_linear_wrong_ndim_message():
    with pytest.raises(ValueError, match="2-D array.*got 1-D"):
        nn.Linear(3, 2).forward(np.zeros(3))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Sigmoid().backward(np.ones((1, 1)))


def test_backward_with_wrong_dout_shape(rng):
    layer = nn.Linear(3, 2)
    layer.forward(rng.standard_normal((4, 3)))
    with pytest.raises(ValueError, match="'dout'.*\\(4, 2\\).*\\(4, 3\\)"):
        layer.backward(np.ones((4, 3)))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match="'p' must lie in"):
        nn.Dropout(p)


def test_bad_layer_sizes():
    with pytest.raises(ValueError, match="'in_features' must be a positive integer, got 0"):
        nn.Linear(0, 2)


def test_unknown_activation_lists_known():
    with pytest.raises(ValueError, match="unknown activation 'swish'; known: 'step'"):
        nn.activation("swish")


# --- dtype and seeding -----------------------------------------------------------------------

def test_float64_default_and_float32_on_request(rng):
    x = rng.standard_normal((2, 3))
    assert nn.Linear(3, 2).forward(x).dtype == np.float64
    layer = nn.Linear(3, 2, dtype=np.float32)
    assert layer.forward(x.astype(np.float32)).dtype == np.float32
    model = nn.Sequential([nn.Linear(3, 2), nn.Sigmoid()]).astype(np.float32)
    assert model.forward(x.astype(np.float32)).dtype == np.float32


def test_seeded_construction_is_reproducible():
    a, b = nn.Linear(5, 3, rng=42), nn.Linear(5, 3, rng=42)
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], nn.Linear(5, 3, rng=43).params["W"])


def test_shapes_only_allocates_nothing():
    with nn.shapes_only():
        big = nn.Linear(25088, 4096)
    assert big.params == {}
    assert big.num_params() == 25088 * 4096 + 4096


# ---------------------------------------------------------------- ReLU variants as layers

@pytest.mark.parametrize("layer", [nn.LeakyReLU(), nn.LeakyReLU(alpha=0.3), nn.ELU(),
                                   nn.ELU(alpha=0.5), nn.Softplus()], ids=repr)
def test_relu_variant_layers_gradcheck(layer, rng):
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 0.05] = 0.5  # away from the kink at 0
    _assert_gradcheck(layer, x)


def test_relu_variant_layers_by_name_with_options():
    assert isinstance(nn.activation("leaky_relu"), nn.LeakyReLU)
    assert nn.activation("leaky_relu").alpha == 0.01
    assert nn.activation("LEAKY_RELU", alpha=0.2).alpha == 0.2
    assert nn.activation("elu").alpha == 1.0 and isinstance(nn.activation("softplus"), nn.Softplus)
    y = nn.activation("elu", alpha=2.0).forward(np.array([[-1.0, 2.0]]))
    assert np.allclose(y, [[2.0 * (np.exp(-1.0) - 1), 2.0]])
    model = nn.Sequential([nn.Linear(2, 3, rng=0), nn.activation("softplus"), nn.Linear(3, 1, rng=1)])
    model.compile(loss="mse", optimizer="sgd")
    assert np.isfinite(model.fit(np.ones((4, 2)), np.zeros((4, 1)), verbose=0)["loss"][0])


# ---------------------------------------------------------------- Linear.from_weights

def test_linear_from_weights_copies_and_checks():
    W, b = np.array([[1.0], [1.0]]), np.array([-1.0])
    layer = nn.Linear.from_weights(W, b)
    W[0, 0] = 5.0  # a copy: the layer does not change with the caller's array
    assert np.array_equal(layer.params["W"], [[1.0], [1.0]]) and layer.params["b"].tolist() == [-1.0]
    assert np.array_equal(layer.forward([[1, 1], [0, 1]]), [[1.0], [0.0]])
    assert np.array_equal(nn.Linear.from_weights([[1, 2]]).params["b"], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"from_weights: argument 'b' must have shape \(1,\).*got \(2,\)"):
        nn.Linear.from_weights(W, [1.0, 2.0])
    with pytest.raises(ValueError, match="argument 'W' must be a 2-D array"):
        nn.Linear.from_weights([1.0, 2.0])
    with nn.shapes_only():  # the given weights are kept even where others are not allocated
        assert nn.Linear.from_weights([[1.0, 2.0]]).params["W"].shape == (1, 2)


def test_from_weights_draws_no_random_numbers():
    import dlcourse
    before = dlcourse.default_rng().bit_generator.state
    nn.Linear.from_weights([[1.0]], [0.0])
    assert dlcourse.default_rng().bit_generator.state == before


# ---------------------------------------------------------------- composites at any depth

def _depth_three(p=0.5):
    """Residual(Sequential([..., Residual(Sequential([... Dropout ...])), Dropout])): depth 3."""
    inner = conv.Residual(nn.Sequential([nn.Linear(4, 4, rng=1), nn.Dropout(p, rng=2),
                                         nn.Tanh(), nn.Linear(4, 4, rng=3)]))
    middle = nn.Sequential([nn.Linear(4, 4, rng=4), nn.Sigmoid(), inner, nn.Dropout(p, rng=5)])
    return conv.Residual(middle, shortcut=nn.Linear(4, 4, rng=6))


def test_walk_reaches_every_layer_at_depth_three():
    model = _depth_three()
    paths = [path for path, _ in nn.walk(model)]
    assert paths[:3] == ["", "block", "block.0"]
    assert "block.2.block.1" in paths and "shortcut" in paths
    dropouts = [path for path, lay in nn.walk(model) if isinstance(lay, nn.Dropout)]
    assert dropouts == ["block.2.block.1", "block.3"]
    assert set(model.params) == {"block.0.W", "block.0.b", "block.2.block.0.W", "block.2.block.0.b",
                                 "block.2.block.3.W", "block.2.block.3.b", "shortcut.W", "shortcut.b"}
    assert model.num_params() == 4 * 20


def test_gradcheck_restores_dropout_randomness_at_depth_three(rng):
    # Before the walk went through the composite base, only the first level's Dropout was
    # restored, so the inner mask changed between evaluations and the check failed.
    errors = check_layer(_depth_three(), rng.standard_normal((3, 4)) + 0.5)
    assert max(errors.values()) < TOL, errors


def test_train_eval_penalty_and_dtype_reach_depth_three():
    model = _depth_three()
    model.eval()
    assert all(not lay.training for _, lay in nn.walk(model))
    model.train()
    assert all(lay.training for _, lay in nn.walk(model))
    model.block[2].block[0].regularizer = L2(0.5)
    W = model.block[2].block[0].params["W"]
    assert model.penalty() == pytest.approx(0.25 * np.sum(W * W))
    model.astype(np.float32)
    assert all(v.dtype == np.float32 for v in model.params.values())


def test_summary_expands_nested_composites_at_depth_three():
    model = nn.Sequential([nn.Linear(3, 4, rng=0), _depth_three(), nn.Linear(4, 2, rng=7)])
    flat = model.summary()
    assert len(flat.rows) == 3 and flat.total_params == model.num_params() == 16 + 80 + 10
    nested = model.summary(expand_nested=True)
    names = [row[0] for row in nested.rows]
    assert names[:4] == ["Linear(3, 4)", "Residual", "  block: Sequential", "    0: Linear(4, 4)"]
    assert "    2: Residual" in names             # the Residual inside the Sequential
    assert "      block: Sequential" in names     # depth 3: its block
    assert "        1: Dropout(p=0.5)" in names
    assert "  shortcut: Linear(4, 4)" in names
    assert all(row[1] == (4,) for row in nested.rows[1:-1]) and nested.rows[-1][1] == (2,)
    assert nested.total_params == flat.total_params
    # the parameter counts of each composite's children add up to the composite's own
    assert nested.rows[2][2] + nested.rows[-2][2] == nested.rows[1][2]
