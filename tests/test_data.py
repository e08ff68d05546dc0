"""Tests for dlcourse.data: generated sets, shipped data, scaling, splitting, batching."""

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse import data as D

TOY_SETS = [D.make_moons, D.make_circles, D.make_spirals, D.make_xor]


# ---------------------------------------------------------------- helpers

def strictly_inside_hull(p, points, n_dirs=3600):
    """Is p inside the convex hull of points (checked in every direction)?

    p is inside iff for every unit vector u some point x has u.(x - p) >= 0.
    We test n_dirs directions and demand a margin larger than R * (angle gap),
    R the farthest point, which covers every direction in between.
    """
    angles = np.linspace(0, 2 * np.pi, n_dirs, endpoint=False)
    dirs = np.column_stack([np.cos(angles), np.sin(angles)])
    offsets = points - p
    reach = (offsets @ dirs.T).max(axis=0)
    radius = np.linalg.norm(offsets, axis=1).max()
    return reach.min() > radius * 2 * np.pi / n_dirs


def loo_1nn_accuracy(X, y):
    """Leave-one-out accuracy of the 1-nearest-neighbour rule."""
    dist = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(dist, np.inf)
    return np.mean(y[dist.argmin(axis=1)] == y)


def gradient_descent(x, y, lr, steps):
    """Plain GD on L(a, b) = mean((a x + b - y)^2) from a = b = 0; returns a, b, losses."""
    a = b = 0.0
    losses = []
    for _ in range(steps):
        err = a * x + b - y
        losses.append(np.mean(err**2))
        a, b = a - lr * 2 * np.mean(err * x), b - lr * 2 * np.mean(err)
    return a, b, np.array(losses)


# ---------------------------------------------------------------- logic gates

RULES = {
    "AND": lambda p, q: p and q,
    "OR": lambda p, q: p or q,
    "NAND": lambda p, q: not (p and q),
    "XOR": lambda p, q: p != q,
}


@pytest.mark.parametrize("name", D.GATES)
def test_logic_gate_truth_table(name):
    X, y = D.logic_gate(name)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    for (x1, x2), out in zip(X, y):
        assert out == int(RULES[name](bool(x1), bool(x2)))


def test_logic_gate_is_case_insensitive_and_lists_known_gates():
    np.testing.assert_array_equal(D.logic_gate("xor")[1], D.logic_gate("XOR")[1])
    np.testing.assert_array_equal(D.logic_gate("Nand")[1], [1, 1, 1, 0])
    with pytest.raises(ValueError, match="XNOR") as err:
        D.logic_gate("XNOR")
    for known in D.GATES:
        assert known in str(err.value)


def test_xor_gate_is_not_linearly_separable():
    X, y = D.logic_gate("XOR")
    # The two classes share their midpoint (0.5, 0.5), so their convex hulls meet.
    np.testing.assert_array_equal(X[y == 0].mean(axis=0), X[y == 1].mean(axis=0))


# ---------------------------------------------------------------- toy 2-D sets

@pytest.mark.parametrize("make", TOY_SETS)
@pytest.mark.parametrize("n", [2, 7, 200, 201])
def test_toy_set_shapes_dtypes_and_balance(make, n):
    X, y = make(n_samples=n)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=2)
    assert len(counts) == 2 and abs(counts[0] - counts[1]) <= 1
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make", TOY_SETS)
def test_toy_set_determinism(make):
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make(seed=4)
    assert not np.allclose(X1, X3)
    X4, y4 = make(rng=np.random.default_rng(3))
    X5, y5 = make(rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X4, X5)
    np.testing.assert_array_equal(y4, y5)


@pytest.mark.parametrize("make", TOY_SETS)
def test_toy_set_argument_errors(make):
    with pytest.raises(ValueError, match="n_samples"):
        make(n_samples=1)
    with pytest.raises(ValueError, match="noise"):
        make(noise=-0.1)
    with pytest.raises(ValueError, match="seed"):
        make(seed=1.5)


def test_noise_free_geometry():
    X, y = D.make_circles(n_samples=100, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    X, y = D.make_moons(n_samples=100, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    # Each moon is a full half circle: upper one from x=-1 to 1, lower one from 0 to 2.
    np.testing.assert_allclose([X[y == 0, 0].min(), X[y == 0, 0].max()], [-1.0, 1.0])
    np.testing.assert_allclose([X[y == 1, 0].min(), X[y == 1, 0].max()], [0.0, 2.0])
    np.testing.assert_allclose([X[y == 0, 1].min(), X[y == 1, 1].min()], [0.0, -0.5], atol=1e-3)
    X, y = D.make_xor(n_samples=40, noise=0.0)
    assert set(map(tuple, X)) == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, X[:, 0] != X[:, 1])
    with pytest.raises(ValueError, match="factor"):
        D.make_circles(factor=1.0)
    with pytest.raises(ValueError, match="n_turns"):
        D.make_spirals(n_turns=0)


def test_hull_check_can_say_no():
    # Two far-apart blobs are separable: neither mean lies in the other hull.
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.2, (50, 2))
    b = rng.normal(3, 0.2, (50, 2))
    assert not strictly_inside_hull(b.mean(axis=0), a)
    assert strictly_inside_hull(a.mean(axis=0), a)


def test_circles_not_linearly_separable_but_radius_separates():
    X, y = D.make_circles()
    # The mean of class 1 lies in both classes' convex hulls: no line splits them.
    assert strictly_inside_hull(X[y == 1].mean(axis=0), X[y == 0])
    r = np.linalg.norm(X, axis=1)
    assert np.mean((r < 0.75) == (y == 1)) > 0.97


def test_moons_not_linearly_separable_but_learnable():
    X, y = D.make_moons()
    inner = X[y == 1]
    tip = inner[np.argmin(np.linalg.norm(inner - [0.0, 0.5], axis=1))]
    assert strictly_inside_hull(tip, X[y == 0])
    assert loo_1nn_accuracy(X, y) > 0.97


def test_spirals_not_linearly_separable_but_learnable():
    X, y = D.make_spirals()
    assert strictly_inside_hull(X[y == 1].mean(axis=0), X[y == 0])
    assert loo_1nn_accuracy(X, y) > 0.9


def test_xor_blobs_not_linearly_separable_but_learnable():
    X, y = D.make_xor()
    assert strictly_inside_hull(X[y == 1].mean(axis=0), X[y == 0])
    rule = (X[:, 0] > 0.5) != (X[:, 1] > 0.5)
    assert np.mean(rule == y) > 0.95


# ---------------------------------------------------------------- apartment prices

def test_apartment_data_lies_near_documented_line():
    size, price = D.apartment_prices()
    assert size.shape == price.shape == (30,)
    assert size.dtype == price.dtype == np.float64
    low, high = D.APARTMENT_SIZE_RANGE
    assert np.all((size >= low) & (size <= high))

    size, price = D.apartment_prices(n_samples=5000, seed=1)
    a, b = np.polyfit(size, price, 1)
    assert a == pytest.approx(D.APARTMENT_TRUE_A, abs=0.02)
    assert b == pytest.approx(D.APARTMENT_TRUE_B, abs=0.1)
    residual = price - (D.APARTMENT_TRUE_A * size + D.APARTMENT_TRUE_B)
    assert abs(residual.mean()) < 0.03
    assert residual.std() == pytest.approx(D.APARTMENT_NOISE, rel=0.05)


def test_apartment_determinism():
    s1, p1 = D.apartment_prices(seed=5)
    s2, p2 = D.apartment_prices(seed=5)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, D.apartment_prices(seed=6)[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_apartment_lr_limit_matches_closed_form(seed):
    x, _ = D.apartment_prices(seed=seed)
    # Largest eigenvalue of the symmetric 2x2 Hessian [[p, q], [q, r]].
    p, q, r = 2 * np.mean(x**2), 2 * np.mean(x), 2.0
    lam = (p + r) / 2 + math.sqrt(((p - r) / 2) ** 2 + q**2)
    assert D.apartment_lr_limit(x) == pytest.approx(2 / lam, rel=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(30, 0), (30, 1), (100, 2)])
def test_apartment_lr_limit_separates_convergence_from_divergence(n, seed):
    x, y = D.apartment_prices(n_samples=n, seed=seed)
    limit = D.apartment_lr_limit(x)

    a, b, losses = gradient_descent(x, y, 0.9 * limit, 20000)
    best_a, best_b = np.polyfit(x, y, 1)
    assert a == pytest.approx(best_a, abs=1e-6)
    assert b == pytest.approx(best_b, abs=1e-6)

    _, _, losses = gradient_descent(x, y, 1.1 * limit, 300)
    assert np.all(np.isfinite(losses))
    assert losses[-1] > 1e6 * losses[0]


def test_apartment_default_learning_rates_behave_as_documented():
    x, y = D.apartment_prices()
    limit = D.apartment_lr_limit(x)
    assert 0.02 < limit < 0.03
    assert gradient_descent(x, y, 0.03, 200)[2][-1] > 1e6


# ---------------------------------------------------------------- Iris and digits

def test_iris():
    ds = D.load_iris()
    assert ds.X.shape == (150, 4) and ds.X.dtype == np.float64
    assert ds.y.shape == (150,) and ds.y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(ds.y), [50, 50, 50])
    assert ds.target_names == ("setosa", "versicolor", "virginica")
    assert len(ds.feature_names) == 4 and all(isinstance(f, str) for f in ds.feature_names)
    assert ds.images is None
    # Facts from Fisher's table: the first flower, rows 35 and 38, the column means.
    np.testing.assert_array_equal(ds.X[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_array_equal(ds.X[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(ds.X[37], [4.9, 3.6, 1.4, 0.1])
    np.testing.assert_allclose(ds.X.mean(axis=0), [5.84, 3.06, 3.76, 1.20], atol=0.01)
    assert "CC BY 4.0" in ds.description and "150" in ds.description


def test_digits():
    ds = D.load_digits()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float64
    assert ds.y.shape == (1797,) and ds.y.dtype == np.int64
    assert ds.X.min() == 0 and ds.X.max() == 16
    np.testing.assert_array_equal(ds.X, np.round(ds.X))
    # Class sizes of the UCI test file optdigits.tes.
    np.testing.assert_array_equal(
        np.bincount(ds.y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    assert ds.images.shape == (1797, 8, 8) and ds.images.dtype == np.float64
    for i in (0, 1, 1796):
        np.testing.assert_array_equal(ds.images[i].ravel(), ds.X[i])
    assert ds.target_names == tuple("0123456789")
    assert len(ds.feature_names) == 64
    assert "CC BY 4.0" in ds.description and "1797" in ds.description


@pytest.mark.parametrize("load", [D.load_iris, D.load_digits])
def test_datasets_cannot_be_corrupted_by_callers(load):
    first = load()
    X0, y0 = first.X.copy(), first.y.copy()
    first.X[:] = -1.0
    first.y[:] = -1
    if first.images is not None:
        first.images[0] = 99.0
    second = load()
    np.testing.assert_array_equal(second.X, X0)
    np.testing.assert_array_equal(second.y, y0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.X = np.zeros(3)


def test_data_loads_offline_without_scikit_learn():
    code = (
        "import sys; import dlcourse.data as d; d.load_iris(); d.load_digits(); "
        "assert 'sklearn' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- one_hot

def test_one_hot_round_trip():
    y = np.array([2, 0, 1, 2, 2])
    Y = D.one_hot(y)
    assert Y.shape == (5, 3) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    np.testing.assert_array_equal(D.one_hot([1], n_classes=4), [[0, 1, 0, 0]])
    np.testing.assert_array_equal(D.one_hot(np.array([1.0, 0.0])), [[0, 1], [1, 0]])


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"y.*0\.\.2.*got 3"):
        D.one_hot([0, 3, 1], n_classes=3)
    with pytest.raises(ValueError, match=r"y.*got -1"):
        D.one_hot([0, -1, 1])
    with pytest.raises(ValueError, match="integer labels"):
        D.one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match="n_classes"):
        D.one_hot([0, 1], n_classes=0)


# ---------------------------------------------------------------- MinMaxScaler

def test_minmax_scaler_maps_training_data_to_unit_interval():
    rng = np.random.default_rng(0)
    X = rng.normal(5, 3, size=(40, 3))
    scaler = D.MinMaxScaler()
    Z = scaler.fit_transform(X)
    np.testing.assert_allclose(Z.min(axis=0), 0.0)
    np.testing.assert_allclose(Z.max(axis=0), 1.0)
    expected = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    np.testing.assert_allclose(Z, expected)
    np.testing.assert_allclose(D.minmax_scale(X), expected)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
    # New data uses the training minimum and maximum, so it may leave [0, 1].
    Z_new = scaler.transform(X.max(axis=0, keepdims=True) + 1.0)
    assert np.all(Z_new > 1.0)


def test_minmax_scaler_constant_column():
    X = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    scaler = D.MinMaxScaler()
    with np.errstate(all="raise"):
        Z = scaler.fit_transform(X)
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(Z[:, 0], np.linspace(0, 1, 5))
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)


def test_minmax_scaler_errors():
    with pytest.raises(RuntimeError, match="fit"):
        D.MinMaxScaler().transform(np.ones((2, 2)))
    scaler = D.MinMaxScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="X"):
        scaler.transform(np.ones((3, 5)))


# ---------------------------------------------------------------- train_test_split

def test_train_test_split_sizes_and_no_overlap():
    X = np.arange(100).reshape(50, 2).astype(float)
    y = np.arange(50) % 2
    X_tr, X_te, y_tr, y_te = D.train_test_split(X, y, test_size=0.2)
    assert len(X_te) == len(y_te) == 10 and len(X_tr) == len(y_tr) == 40
    rows_tr, rows_te = X_tr[:, 0] // 2, X_te[:, 0] // 2
    assert set(rows_tr).isdisjoint(rows_te)
    assert sorted(np.concatenate([rows_tr, rows_te])) == list(range(50))
    # Rows stay paired with their labels.
    np.testing.assert_array_equal(y_tr, rows_tr.astype(int) % 2)
    np.testing.assert_array_equal(y_te, rows_te.astype(int) % 2)
    assert len(D.train_test_split(X, y, test_size=7)[1]) == 7


def test_train_test_split_stratifies():
    ds = D.load_iris()
    _, _, y_tr, y_te = D.train_test_split(ds.X, ds.y, test_size=0.2)
    np.testing.assert_array_equal(np.bincount(y_te), [10, 10, 10])
    np.testing.assert_array_equal(np.bincount(y_tr), [40, 40, 40])
    y = np.array([0] * 80 + [1] * 20)
    _, _, _, y_te = D.train_test_split(np.zeros((100, 1)), y, test_size=0.25)
    np.testing.assert_array_equal(np.bincount(y_te), [20, 5])


def test_train_test_split_determinism_and_float_targets():
    size, price = D.apartment_prices(n_samples=50)
    a = D.train_test_split(size, price, seed=1)
    b = D.train_test_split(size, price, seed=1)
    c = D.train_test_split(size, price, seed=2)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    assert len(a[1]) == 10


@pytest.mark.parametrize("bad", [0, 1.0, 0.0, 1.5, -0.2, 50, 60])
def test_train_test_split_bad_test_size(bad):
    with pytest.raises(ValueError, match="test_size"):
        D.train_test_split(np.zeros((50, 2)), np.zeros(50, dtype=int), test_size=bad)


def test_train_test_split_length_mismatch():
    with pytest.raises(ValueError, match=r"len\(X\)=10.*len\(y\)=9"):
        D.train_test_split(np.zeros((10, 2)), np.zeros(9))


# ---------------------------------------------------------------- mini-batches

def test_iterations_per_epoch():
    assert D.iterations_per_epoch(100, 5) == 20       # the slides' example
    assert D.iterations_per_epoch(101, 5) == 21
    assert D.iterations_per_epoch(100, 100) == 1      # batch gradient descent
    assert D.iterations_per_epoch(100, 1) == 100      # stochastic gradient descent
    assert D.iterations_per_epoch(3, 10) == 1


def test_minibatches_cover_every_row_once():
    X = np.arange(100, dtype=float).reshape(100, 1)
    y = np.arange(100)
    batches = list(D.minibatches(X, y, batch_size=5))
    assert len(batches) == 20
    assert all(len(xb) == len(yb) == 5 for xb, yb in batches)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), y)
    assert not np.array_equal(seen, y)  # shuffled

    batches = list(D.minibatches(X, y, batch_size=30, shuffle=False))
    assert [len(yb) for _, yb in batches] == [30, 30, 30, 10]
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_minibatches_determinism():
    X, y = np.zeros((50, 2)), np.arange(50)

    def order(**kw):
        return np.concatenate([yb for _, yb in D.minibatches(X, y, 8, **kw)])

    np.testing.assert_array_equal(order(seed=3), order(seed=3))
    assert not np.array_equal(order(seed=3), order(seed=4))
    rng = np.random.default_rng(0)
    assert not np.array_equal(order(rng=rng), order(rng=rng))  # a new order each epoch


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_minibatches_bad_batch_size(bad):
    with pytest.raises(ValueError, match=f"argument 'batch_size' must be a positive integer, got {bad!r}"):
        D.minibatches(np.zeros((10, 2)), np.zeros(10), batch_size=bad)
    with pytest.raises(ValueError, match="batch_size"):
        D.iterations_per_epoch(10, bad)


def test_minibatches_message_for_zero():
    with pytest.raises(ValueError, match="argument 'batch_size' must be a positive integer, got 0"):
        list(D.minibatches(np.zeros((10, 2)), np.zeros(10), batch_size=0))


def test_minibatches_length_mismatch():
    with pytest.raises(ValueError, match=r"len\(X\)=10.*len\(y\)=9"):
        D.minibatches(np.zeros((10, 2)), np.zeros(9), batch_size=2)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), batch_size=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_minibatches_partition_property(n, batch_size, seed):
    y = np.arange(n)
    X = np.arange(2 * n).reshape(n, 2)
    batches = list(D.minibatches(X, y, batch_size, seed=seed))
    assert len(batches) == D.iterations_per_epoch(n, batch_size) == math.ceil(n / batch_size)
    sizes = [len(yb) for _, yb in batches]
    assert all(s == batch_size for s in sizes[:-1])
    assert all(0 < s <= batch_size for s in sizes)
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], dtype=int)
    np.testing.assert_array_equal(np.sort(seen), y)
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
