import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlcourse import losses
from dlcourse.gradcheck import check_loss

TOL = 1e-7


def _probs(rng, shape):
    return rng.uniform(0.05, 0.95, size=shape)


def _one_hot(rng, n, c):
    t = np.zeros((n, c))
    t[np.arange(n), rng.integers(0, c, n)] = 1
    return t


@pytest.mark.parametrize("loss_cls", [losses.MSE, losses.SSE, losses.MAE])
def test_regression_losses_gradcheck(loss_cls, rng):
    y, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert check_loss(loss_cls(), y, t) < TOL


def test_mape_and_msle_gradcheck(rng):
    y, t = rng.uniform(0.5, 3, (4, 3)), rng.uniform(0.5, 3, (4, 3))
    assert check_loss(losses.MAPE(), y, t) < TOL
    assert check_loss(losses.MSLE(), y, t) < TOL


def test_cross_entropies_gradcheck(rng):
    p, t = _probs(rng, (5, 4)), _one_hot(rng, 5, 4)
    assert check_loss(losses.CrossEntropy(), p / p.sum(1, keepdims=True), t) < TOL
    assert check_loss(losses.BinaryCrossEntropy(), _probs(rng, (5, 1)),
                      rng.integers(0, 2, (5, 1)).astype(float)) < TOL
    assert check_loss(losses.SoftmaxCrossEntropy(), rng.standard_normal((5, 4)) * 3, t) < TOL


def test_reductions_match_the_slides_table():
    y = np.array([[1.0, 2.0], [3.0, 5.0]])
    t = np.array([[1.0, 1.0], [1.0, 1.0]])
    d = y - t  # [[0, 1], [2, 4]]
    assert losses.MSE()(y, t) == pytest.approx(np.mean(d ** 2))          # 21 / 4
    assert losses.SSE()(y, t) == pytest.approx(0.5 * np.sum(d ** 2) / 2)  # 1/2 sum, mean over batch
    assert losses.MAE()(y, t) == pytest.approx(np.mean(np.abs(d)))
    assert losses.MAPE()(y, t) == pytest.approx(100 * np.mean(np.abs(d) / np.abs(t)))
    assert losses.MSLE()(y, t) == pytest.approx(np.mean((np.log(1 + y) - np.log(1 + t)) ** 2))


def test_cross_entropy_of_one_hot_is_minus_log_true_class():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    e = losses.CrossEntropy()(p, np.array([0, 2]))
    assert e == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)
    # one-hot labels give the same value
    assert losses.CrossEntropy()(p, np.eye(3)[[0, 2]]) == pytest.approx(e)


def test_binary_cross_entropy_value():
    p = np.array([[0.9], [0.2]])
    t = np.array([[1.0], [0.0]])
    assert losses.BinaryCrossEntropy()(p, t) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)


def test_softmax_cross_entropy_equals_softmax_then_cross_entropy(rng):
    z = rng.standard_normal((6, 5))
    labels = rng.integers(0, 5, 6)
    from dlcourse.functional import softmax
    assert losses.SoftmaxCrossEntropy()(z, labels) == pytest.approx(
        losses.CrossEntropy()(softmax(z), labels), rel=1e-12)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_finite_at_probabilities_zero_and_one(p):
    y = np.array([[p], [p]])
    for t in (np.zeros((2, 1)), np.ones((2, 1))):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            bce = losses.BinaryCrossEntropy()
            value = bce(y, t)
            grad = bce.backward()
        assert np.isfinite(value) and np.all(np.isfinite(grad))
    ce = losses.CrossEntropy()
    value = ce(np.array([[p, 1 - p]]), np.array([0]))
    assert np.isfinite(value) and np.all(np.isfinite(ce.backward()))


@settings(max_examples=60)
@given(arrays(np.float64, (3, 4), elements=st.floats(-1e6, 1e6, allow_nan=False)),
       st.integers(0, 3))
def test_losses_stay_finite(z, label):
    labels = np.full(3, label)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sce = losses.SoftmaxCrossEntropy()
        assert np.isfinite(sce(z, labels)) and np.all(np.isfinite(sce.backward()))
        p = np.clip(np.abs(z) / (1 + np.abs(z)), 0, 1)
        bce = losses.BinaryCrossEntropy()
        assert np.isfinite(bce(p, (z > 0).astype(float))) and np.all(np.isfinite(bce.backward()))


def test_label_out_of_range_is_reported():
    with pytest.raises(ValueError, match=r"out of range: expected 0 \.\.\. 2 for 3 classes, got 3"):
        losses.CrossEntropy()(np.full((2, 3), 1 / 3), np.array([0, 3]))


def test_no_silent_broadcasting():
    with pytest.raises(ValueError, match="same shape.*\\(4, 1\\) and \\(4,\\)"):
        losses.MSE()(np.zeros((4, 1)), np.zeros(4))


def test_unknown_loss_name_lists_known():
    with pytest.raises(ValueError, match="unknown loss 'hinge'; known: 'mean_squared_error'"):
        losses.get("hinge")


@pytest.mark.parametrize("name, cls", [
    ("mean_squared_error", losses.MSE), ("mean_absolute_error", losses.MAE),
    ("mean_absolute_percentage_error", losses.MAPE),
    ("mean_squared_logarithmic_error", losses.MSLE),
    ("binary_crossentropy", losses.BinaryCrossEntropy),
    ("categorical_crossentropy", losses.CrossEntropy)])
def test_slides_loss_names(name, cls):
    assert isinstance(losses.get(name), cls)


# ---------------------------------------------------------------- misuse and from_logits

def test_bce_refuses_values_outside_0_1_and_names_the_likely_cause():
    # the classic slip: no Sigmoid on the output, so logits reach the loss
    with pytest.raises(ValueError, match=r"'y_pred' must hold probabilities in \[0, 1\], got 2\.5 "
                                         r"at index \(0, 0\).*Sigmoid.*from_logits=True"):
        losses.BinaryCrossEntropy().forward([[2.5], [-1.0]], [[1], [0]])
    with pytest.raises(ValueError, match="probabilities"):
        losses.BinaryCrossEntropy()([[0.5], [np.nan]], [[1], [0]])
    # the boundaries themselves are probabilities
    assert np.isfinite(losses.BinaryCrossEntropy()([[0.0], [1.0]], [[1], [0]]))


def test_ce_refuses_logits_and_rows_that_do_not_sum_to_one():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*Softmax.*from_logits=True"):
        losses.CrossEntropy()([[2.0, -1.0, 0.5]], [0])
    with pytest.raises(ValueError, match=r"each row of 'y_pred' must sum to 1.*row 1 summing to 1\.5"):
        losses.CrossEntropy()([[0.2, 0.8], [0.7, 0.8]], [0, 1])  # sigmoid outputs, not a softmax
    # float32 softmax rows (sums off by ~1e-7) pass
    p = np.array([[0.1, 0.2, 0.7]], dtype=np.float32)
    assert losses.CrossEntropy()(p, [2]) == pytest.approx(-np.log(0.7), rel=1e-6)


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_bce_from_logits_equals_the_probability_form(scale, rng):
    s = scale * rng.standard_normal((6, 2))
    t = rng.integers(0, 2, (6, 2)).astype(float)
    p = 1.0 / (1.0 + np.exp(-s))
    on_logits, on_probs = losses.BinaryCrossEntropy(from_logits=True), losses.BinaryCrossEntropy()
    assert on_logits(s, t) == pytest.approx(on_probs(p, t), rel=1e-12)
    # chain rule through the sigmoid: dE/ds = dE/dp * p (1 - p)
    assert np.allclose(on_logits.backward(), on_probs.backward() * p * (1 - p), rtol=1e-10)
    assert check_loss(losses.BinaryCrossEntropy(from_logits=True), s, t) < TOL


def test_bce_from_logits_is_stable_where_the_probability_form_saturates():
    bce = losses.BinaryCrossEntropy(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = bce([[1000.0], [-1000.0], [-800.0]], [[0], [1], [0]])
    assert value == pytest.approx((1000.0 + 1000.0 + 0.0) / 3)  # log(1 + e^1000) ~ 1000
    assert np.allclose(bce.backward(), [[1 / 3], [-1 / 3], [0.0]])


def test_ce_from_logits_equals_softmax_then_ce(rng):
    z = 2 * rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, 5)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    on_logits, on_probs = losses.CrossEntropy(from_logits=True), losses.CrossEntropy()
    assert on_logits(z, labels) == pytest.approx(on_probs(p, labels), rel=1e-12)
    assert on_logits(z, labels) == pytest.approx(losses.SoftmaxCrossEntropy()(z, labels), rel=1e-15)
    assert check_loss(losses.CrossEntropy(from_logits=True), z, labels) < TOL


def test_one_lookup_behind_the_gets():
    from dlcourse import init, optim
    bce = losses.get("binary_crossentropy", from_logits=True)
    assert isinstance(bce, losses.BinaryCrossEntropy) and bce.from_logits
    assert losses.get(bce) is bce and isinstance(losses.get(losses.MSE), losses.MSE)
    assert optim.get("adam", lr=0.01).lr == 0.01 and isinstance(optim.get(optim.SGD), optim.SGD)
    assert init.get("HE_NORMAL") is init.he_normal
    for get, what in [(losses.get, "loss"), (optim.get, "optimizer"), (init.get, "initialiser")]:
        with pytest.raises(ValueError, match=f"unknown {what} 'nope'; known: "):
            get("nope")
    with pytest.raises(TypeError, match="loss must be a name \\(str\\) or a Loss, got int"):
        losses.get(3)
    with pytest.raises(TypeError, match="only apply to a name or a class"):
        optim.get(optim.SGD(), lr=1.0)
