import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlcourse import functional as F
from dlcourse.gradcheck import numerical_gradient, relative_error

EXTREMES = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])


def test_step_is_one_only_above_zero():
    assert F.step(np.array([-1.0, 0.0, 1e-12, 3.0])).tolist() == [0.0, 0.0, 1.0, 1.0]
    assert F.step(np.array([1, -1])).dtype == np.float64  # ints become float64


@pytest.mark.parametrize("f", [F.step, F.sigmoid, F.tanh, F.relu, F.identity, F.softmax,
                               F.sigmoid_grad, F.tanh_grad, F.relu_grad, F.log_softmax])
def test_stable_at_extremes(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        out = f(EXTREMES)
    assert np.all(np.isfinite(out)), out


def test_sigmoid_values_and_symmetry():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.sigmoid(-x), 1 - F.sigmoid(x), atol=1e-15)
    assert F.sigmoid(np.array([-1000.0]))[0] == 0.0 and F.sigmoid(np.array([1000.0]))[0] == 1.0


def test_sigmoid_derivative_peaks_at_quarter():
    x = np.linspace(-10, 10, 20001)
    d = F.sigmoid_grad(x)
    assert d.max() == pytest.approx(0.25, abs=1e-12)
    assert x[d.argmax()] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("f, df", [(F.sigmoid, F.sigmoid_grad), (F.tanh, F.tanh_grad),
                                   (F.relu, F.relu_grad)])
def test_derivatives_match_numerical(f, df):
    x = np.array([-3.1, -0.7, 0.3, 0.9, 2.5])  # avoids ReLU's kink at 0
    numeric = numerical_gradient(lambda v: np.sum(f(v)), x.copy())
    assert relative_error(df(x), numeric) < 1e-8


def test_relu_grad_is_zero_at_zero():
    assert F.relu_grad(np.array([0.0]))[0] == 0.0


def test_softmax_known_value_and_shift_invariance():
    z = np.array([[1.0, 2.0, 3.0]])
    e = np.exp(z)
    np.testing.assert_allclose(F.softmax(z), e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(z + 1000.0), F.softmax(z), rtol=1e-12)


def test_softmax_axis():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(F.softmax(z, axis=0).sum(axis=0), 1.0)


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)),
              elements=st.floats(-1e300, 1e300, allow_nan=False)))
def test_softmax_rows_sum_to_one_for_any_finite_logits(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = F.softmax(z, axis=-1)
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


def test_float32_stays_float32():
    x = np.array([-2.0, 0.5], dtype=np.float32)
    for f in (F.step, F.sigmoid, F.tanh, F.relu, F.softmax, F.sigmoid_grad):
        assert f(x).dtype == np.float32, f.__name__


def test_non_numeric_input_is_named():
    with pytest.raises(TypeError, match="'x' must hold numbers"):
        F.sigmoid(np.array(["a", "b"]))


# ---------------------------------------------------------------- ReLU variants (chapter 2)

X_GRID = np.array([-3.0, -1.0, -0.25, 0.25, 1.0, 3.0])


def test_relu_variants_match_their_formulas():
    x = X_GRID
    assert np.array_equal(F.leaky_relu(x), np.where(x > 0, x, 0.01 * x))
    assert np.array_equal(F.leaky_relu(x, alpha=0.2), np.where(x > 0, x, 0.2 * x))
    assert np.allclose(F.elu(x), np.where(x > 0, x, np.exp(x) - 1), rtol=1e-15)
    assert np.allclose(F.elu(x, alpha=0.5), np.where(x > 0, x, 0.5 * (np.exp(x) - 1)), rtol=1e-15)
    assert np.allclose(F.softplus(x), np.log(1 + np.exp(x)), rtol=1e-15)
    assert np.array_equal(F.leaky_relu_grad(x, 0.2), np.where(x > 0, 1.0, 0.2))
    assert np.allclose(F.elu_grad(x), np.where(x > 0, 1.0, np.exp(x)), rtol=1e-15)
    assert np.allclose(F.softplus_grad(x), 1 / (1 + np.exp(-x)), rtol=1e-15)


@pytest.mark.parametrize("f, grad", [
    (F.leaky_relu, F.leaky_relu_grad), (F.elu, F.elu_grad), (F.softplus, F.softplus_grad),
    (lambda v: F.leaky_relu(v, 0.3), lambda v: F.leaky_relu_grad(v, 0.3)),
    (lambda v: F.elu(v, 2.0), lambda v: F.elu_grad(v, 2.0)),
])
def test_relu_variant_derivatives_match_central_differences(f, grad):
    x = X_GRID.copy()  # no point within h of the kink at 0
    numeric = numerical_gradient(lambda v: float(np.sum(f(v))), x)
    assert relative_error(grad(X_GRID), numeric) < 1e-8


def test_relu_variants_are_stable_for_large_inputs():
    x = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.array_equal(F.softplus(x), [0.0, 1000.0])
        assert np.array_equal(F.elu(x), [-1.0, 1000.0])
        assert np.array_equal(F.leaky_relu(x), [-10.0, 1000.0])
        assert np.array_equal(F.softplus_grad(x), [0.0, 1.0])


def test_relu_variant_alpha_is_checked():
    with pytest.raises(ValueError, match="leaky_relu: argument 'alpha' must lie in"):
        F.leaky_relu(X_GRID, alpha=-0.1)
