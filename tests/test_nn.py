import numpy as np
import pytest

from dlcourse import data, nn
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
