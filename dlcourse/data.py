"""Data for the course, and the small tools that feed data to a model.

=====================================  ===============================================
``logic_gate``                         AND, OR, NAND, XOR truth tables (perceptrons)
``make_moons``, ``make_circles``,      toy 2-D sets that no straight line separates
``make_spirals``, ``make_xor``
``apartment_prices``                   the slides' size -> price line, y = ax + b
``apartment_lr_limit``                 the largest learning rate that still converges
``load_iris``, ``load_digits``         real data, shipped inside the package
``one_hot``                            labels -> one-hot rows
``MinMaxScaler``, ``minmax_scale``     X_new = (X - X_min) / (X_max - X_min)
``train_test_split``                   hold out a test set (stratified by label)
``minibatches``,                       mini-batches for one epoch, and how many
``iterations_per_epoch``
=====================================  ===============================================

Conventions: ``X`` is (n, d) float64 with one sample per row; ``y`` is (n,)
int64 with labels 0..C-1. Every function that draws random numbers takes
``seed=0`` (an int), so two runs give the same data; pass ``rng`` (a NumPy
``Generator``) instead to draw from a generator you keep.

Nothing is downloaded: Iris and the digits ship in ``dlcourse/datasets/``, whose
README.md gives each file's source, licence and how it was made.
"""

import functools
import gzip
import math
import numbers
from dataclasses import dataclass
from importlib import resources

import numpy as np

from dlcourse._rng import default_rng
from dlcourse._validate import as_float_array, check_int, check_number

__all__ = [
    "APARTMENT_NOISE",
    "APARTMENT_SIZE_RANGE",
    "APARTMENT_TRUE_A",
    "APARTMENT_TRUE_B",
    "GATES",
    "Dataset",
    "MinMaxScaler",
    "apartment_lr_limit",
    "apartment_prices",
    "iterations_per_epoch",
    "load_digits",
    "load_iris",
    "logic_gate",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "minibatches",
    "minmax_scale",
    "one_hot",
    "train_test_split",
]


# ---------------------------------------------------------------- helpers

def _generator(seed, rng, where):
    """The generator to draw from: ``rng`` if given, else a fresh one from ``seed``."""
    if rng is not None:
        return default_rng(rng)
    return np.random.default_rng(check_int(seed, "seed", where, 0))


def _two_classes(X, y, rng):
    """Shuffle the rows of a 2-D toy set and fix its dtypes."""
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), np.asarray(y, dtype=np.int64)[order]


def _is_integer_labels(y):
    return y.ndim == 1 and (np.issubdtype(y.dtype, np.integer) or y.dtype == bool)


# ---------------------------------------------------------------- logic gates

GATES = ("AND", "OR", "NAND", "XOR")

_GATE_OUTPUTS = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "XOR": (0, 1, 1, 0),
}


def logic_gate(name):
    """The truth table of a two-input logic gate, as a tiny data set.

    Returns ``(X, y)``: X (4, 2) float64 holds the inputs (x1, x2), one per row,
    and y (4,) int64 the gate's output. ``name`` is one of ``GATES`` (any case).

    ====  ====  ===  ==  ====  ===
     x1    x2   AND  OR  NAND  XOR
    ====  ====  ===  ==  ====  ===
     0     0     0    0    1    0
     0     1     0    1    1    1
     1     0     0    1    1    1
     1     1     1    1    0    0
    ====  ====  ===  ==  ====  ===

    One line separates the 0s from the 1s of AND, OR and NAND, so a single
    perceptron learns them. No line does so for XOR: it needs a hidden layer.
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a str, got {type(name).__name__}")
    key = name.strip().upper()
    if key not in _GATE_OUTPUTS:
        raise ValueError(f"logic_gate: unknown gate {name!r}; known gates: {', '.join(GATES)}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array(_GATE_OUTPUTS[key], dtype=np.int64)
    return X, y


# ---------------------------------------------------------------- toy 2-D sets

def make_moons(n_samples=200, noise=0.1, seed=0, rng=None):
    """Two interleaved half circles ("moons") in the plane.

    Class 0 lies on the upper half of the unit circle, (cos t, sin t), and
    class 1 on a lower half circle shifted right and down,
    (1 - cos t, 0.5 - sin t), with t evenly spaced in [0, pi]. Gaussian noise
    of standard deviation ``noise`` is added to both coordinates.

    Returns ``(X, y)``: X (n_samples, 2) float64, y (n_samples,) int64 of 0/1,
    rows in random order, n_samples // 2 rows of class 1 and the rest class 0.
    """
    where = "make_moons: "
    n = check_int(n_samples, "n_samples", where, 2)
    noise = check_number(noise, "noise", where, low=0)
    gen = _generator(seed, rng, where)
    n1 = n // 2
    n0 = n - n1
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    X = np.vstack([
        np.column_stack([np.cos(t0), np.sin(t0)]),
        np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
    ])
    X = X + gen.normal(0.0, noise, size=X.shape)
    return _two_classes(X, [0] * n0 + [1] * n1, gen)


def make_circles(n_samples=200, noise=0.05, factor=0.5, seed=0, rng=None):
    """A small circle inside a large one.

    Class 0 lies on the unit circle and class 1 on a circle of radius
    ``factor`` (0 < factor < 1), angles evenly spaced; Gaussian noise of
    standard deviation ``noise`` is added to both coordinates. The radius
    r = sqrt(x1^2 + x2^2) separates the classes, a straight line cannot.

    Returns ``(X, y)``: X (n_samples, 2) float64, y (n_samples,) int64 of 0/1,
    rows in random order, n_samples // 2 rows of class 1 and the rest class 0.
    """
    where = "make_circles: "
    n = check_int(n_samples, "n_samples", where, 2)
    noise = check_number(noise, "noise", where, low=0)
    factor = check_number(factor, "factor", where, low=0, high=1, low_open=True, high_open=True)
    gen = _generator(seed, rng, where)
    n1 = n // 2
    n0 = n - n1
    a0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    a1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    X = np.vstack([
        np.column_stack([np.cos(a0), np.sin(a0)]),
        factor * np.column_stack([np.cos(a1), np.sin(a1)]),
    ])
    X = X + gen.normal(0.0, noise, size=X.shape)
    return _two_classes(X, [0] * n0 + [1] * n1, gen)


def make_spirals(n_samples=300, noise=0.2, n_turns=1.5, seed=0, rng=None):
    """Two interleaved spirals, a classic hard case for a small network.

    Class 0 follows the spiral r = theta / pi, point (r cos theta, r sin theta),
    with theta evenly spaced from pi/2 to pi/2 + 2 pi n_turns; class 1 is the
    same spiral turned by half a turn (each point x becomes -x). Neighbouring
    arms are 1 apart, so ``noise`` (the standard deviation of the Gaussian
    noise added to both coordinates) near 0.5 makes the classes overlap.
    Before noise the points lie within radius 0.5 + 2 n_turns of the origin.

    Returns ``(X, y)``: X (n_samples, 2) float64, y (n_samples,) int64 of 0/1,
    rows in random order, n_samples // 2 rows of class 1 and the rest class 0.
    """
    where = "make_spirals: "
    n = check_int(n_samples, "n_samples", where, 2)
    noise = check_number(noise, "noise", where, low=0)
    n_turns = check_number(n_turns, "n_turns", where, low=0, low_open=True)
    gen = _generator(seed, rng, where)

    def arm(count):
        theta = np.linspace(np.pi / 2, np.pi / 2 + 2 * np.pi * n_turns, count)
        r = theta / np.pi
        return np.column_stack([r * np.cos(theta), r * np.sin(theta)])

    n1 = n // 2
    n0 = n - n1
    X = np.vstack([arm(n0), -arm(n1)])
    X = X + gen.normal(0.0, noise, size=X.shape)
    return _two_classes(X, [0] * n0 + [1] * n1, gen)


def make_xor(n_samples=200, noise=0.2, seed=0, rng=None):
    """The XOR truth table as four noisy blobs.

    Each point starts at a corner (x1, x2) of the unit square, the corners
    taken in turn, and gets Gaussian noise of standard deviation ``noise`` on
    both coordinates. Its label is the corner's XOR: 1 at (0, 1) and (1, 0),
    0 at (0, 0) and (1, 1). See ``logic_gate("XOR")`` for the four clean rows.

    Returns ``(X, y)``: X (n_samples, 2) float64, y (n_samples,) int64 of 0/1,
    rows in random order, n_samples // 2 rows of class 1 and the rest class 0.
    """
    where = "make_xor: "
    n = check_int(n_samples, "n_samples", where, 2)
    noise = check_number(noise, "noise", where, low=0)
    gen = _generator(seed, rng, where)
    corners = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], dtype=np.float64)
    labels = np.array([0, 1, 0, 1])            # x1 XOR x2 for each corner
    which = np.arange(n) % 4                    # alternating labels keeps classes balanced
    X = corners[which] + gen.normal(0.0, noise, size=(n, 2))
    return _two_classes(X, labels[which], gen)


# ---------------------------------------------------------------- apartment prices

#: True slope a: price rises 0.5 (억 원, 100 million won) per 10 m^2.
APARTMENT_TRUE_A = 0.5
#: True intercept b, in 억 원.
APARTMENT_TRUE_B = 1.0
#: Standard deviation of the Gaussian noise on each price, in 억 원.
APARTMENT_NOISE = 0.3
#: Sizes are drawn uniformly from this range, in units of 10 m^2 (30 to 90 m^2).
APARTMENT_SIZE_RANGE = (3.0, 9.0)


def apartment_prices(n_samples=30, seed=0, rng=None):
    """Apartment size -> sale price, which one line y = ax + b models.

    Synthetic data for the slides' gradient-descent example:

        size  x ~ Uniform(3, 9)             in units of 10 m^2 (8.4 means 84 m^2)
        price y = a x + b + noise           in 억 원 (100 million won)

    with a = ``APARTMENT_TRUE_A`` = 0.5, b = ``APARTMENT_TRUE_B`` = 1.0 and
    noise ~ Normal(0, 0.3^2) (``APARTMENT_NOISE``); an 84 m^2 flat costs about
    5.2억 원. Sizes are rounded to 1 m^2 and prices to 0.01억 (1 million won).

    Gradient descent on the mean squared error L(a, b) = mean((a x + b - y)^2)
    with the raw sizes converges for learning rates below
    ``apartment_lr_limit(size)``, which is 0.0232 for the default data
    (n_samples=30, seed=0) and near 0.025 for large n_samples. With the
    default data and a, b starting at 0: lr = 0.001 crawls, lr = 0.01
    converges, lr = 0.02 zig-zags in, lr = 0.03 diverges. Even at lr = 0.01 the
    slope settles within tens of steps but the intercept needs thousands, because
    x is far from 0; rescaling x (``MinMaxScaler``) removes that imbalance.

    Returns ``(size, price)``, two (n_samples,) float64 arrays.
    """
    where = "apartment_prices: "
    n = check_int(n_samples, "n_samples", where, 2)
    gen = _generator(seed, rng, where)
    low, high = APARTMENT_SIZE_RANGE
    size = np.round(gen.uniform(low, high, size=n), 1)
    price = APARTMENT_TRUE_A * size + APARTMENT_TRUE_B + gen.normal(0.0, APARTMENT_NOISE, size=n)
    return size, np.round(price, 2)


def apartment_lr_limit(size):
    """The largest learning rate for which gradient descent on y = ax + b converges.

    The loss L(a, b) = mean((a x + b - y)^2) is a bowl with the constant Hessian

        H = 2 * [[mean(x^2), mean(x)],
                 [mean(x),   1      ]].

    Each gradient-descent step multiplies the distance to the minimum by
    (I - lr H), so it shrinks only if |1 - lr * lambda| < 1 for every eigenvalue
    lambda of H: the limit is lr < 2 / lambda_max. (With the loss written as
    1/2 mean(...)^2 the Hessian halves and the limit doubles.)

    ``size`` is the 1-D array of inputs x; returns the limit 2 / lambda_max as a float.
    """
    x = as_float_array(size, "size", "apartment_lr_limit: ")
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(
            f"apartment_lr_limit: size must be a non-empty 1-D array of finite numbers, "
            f"got shape {x.shape}"
        )
    x = x.astype(np.float64)
    hessian = 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return float(2.0 / np.linalg.eigvalsh(hessian)[-1])


# ---------------------------------------------------------------- real data sets

@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: X (n, d) float64, y (n,) int64 labels, their names, and where it comes from.

    ``images`` is (n, 8, 8) for the digits (X reshaped: they share memory), else None.
    Each ``load_...()`` call returns fresh arrays, so changing them harms nobody.
    """

    X: np.ndarray
    y: np.ndarray
    target_names: tuple
    feature_names: tuple
    description: str
    images: np.ndarray | None = None

    def __repr__(self):
        images = "" if self.images is None else f", images={self.images.shape}"
        return (
            f"Dataset(X={self.X.shape} {self.X.dtype}, y={self.y.shape} {self.y.dtype}, "
            f"target_names={self.target_names}{images})"
        )


IRIS_DESCRIPTION = """\
Iris flowers: 150 samples, 50 of each of 3 species (setosa, versicolor,
virginica); 4 features in cm (sepal length, sepal width, petal length, petal
width). Setosa is linearly separable from the other two; versicolor and
virginica are not separable from each other.
Source: R. A. Fisher, "The use of multiple measurements in taxonomic problems",
Annals of Eugenics 7(2), 179-188 (1936), via the UCI Machine Learning Repository,
https://doi.org/10.24432/C56C76. Licence: CC BY 4.0.
This copy is the iris.csv bundled with scikit-learn 1.9.1 (BSD-3-Clause): it has
Fisher's values, as in R; the UCI file differs in two rows (35 and 38)."""

DIGITS_DESCRIPTION = """\
Handwritten digits 0-9: 1797 images of 8 x 8 pixels (64 features), 174 to 183
per digit. Each pixel is an integer 0..16: the number of ink pixels in a 4 x 4
block of a 32 x 32 scanned bitmap.
Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits",
UCI Machine Learning Repository (1998), https://doi.org/10.24432/C50P49: its test
part (optdigits.tes, written by 13 people). Licence: CC BY 4.0.
This copy is the digits.csv.gz bundled with scikit-learn 1.9.1 (BSD-3-Clause)."""


def _packaged_lines(filename):
    """The lines of a gzip-compressed text file in dlcourse/datasets/."""
    packed = (resources.files("dlcourse") / "datasets" / filename).read_bytes()
    return gzip.decompress(packed).decode("ascii").splitlines()


def _read_only(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


@functools.cache
def _iris_arrays():
    # First line: "150,4,setosa,versicolor,virginica"; then 4 features and the label.
    lines = _packaged_lines("iris.csv.gz")
    n, d, *names = lines[0].strip().split(",")
    table = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64, ndmin=2)
    if table.shape != (int(n), int(d) + 1):
        raise RuntimeError(f"dlcourse/datasets/iris.csv.gz is damaged: table shape {table.shape}")
    X, y = _read_only(table[:, :-1].copy(), table[:, -1].astype(np.int64))
    return X, y, tuple(names)


@functools.cache
def _digits_arrays():
    # 1797 rows of 64 pixel values and the label, no header.
    table = np.loadtxt(_packaged_lines("digits.csv.gz"), delimiter=",", dtype=np.float64, ndmin=2)
    if table.shape != (1797, 65):
        raise RuntimeError(f"dlcourse/datasets/digits.csv.gz is damaged: table shape {table.shape}")
    return _read_only(table[:, :-1].copy(), table[:, -1].astype(np.int64))


def load_iris():
    """Fisher's Iris flowers: X (150, 4) in cm, y (150,) with 3 classes of 50.

    Features: sepal length, sepal width, petal length, petal width.
    Classes: 0 setosa, 1 versicolor, 2 virginica. Read from the packaged file
    once; every call returns a new ``Dataset`` with its own arrays.
    """
    X, y, names = _iris_arrays()
    return Dataset(
        X=X.copy(),
        y=y.copy(),
        target_names=names,
        feature_names=(
            "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)",
        ),
        description=IRIS_DESCRIPTION,
    )


def load_digits():
    """Handwritten digits: X (1797, 64), y (1797,) labels 0..9, images (1797, 8, 8).

    Pixel values are integers 0..16 stored as float64; divide by 16 to get
    [0, 1]. Row i of X is image i read row by row: X[i] = images[i].ravel(),
    so feature 8*r + c is pixel (r, c). Read from the packaged file once;
    every call returns a new ``Dataset`` with its own arrays.
    """
    X, y = _digits_arrays()
    X = X.copy()
    return Dataset(
        X=X,
        y=y.copy(),
        target_names=tuple(str(d) for d in range(10)),
        feature_names=tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)),
        description=DIGITS_DESCRIPTION,
        images=X.reshape(-1, 8, 8),
    )


# ---------------------------------------------------------------- labels and scaling

def one_hot(y, n_classes=None):
    """One-hot encode labels: row i is all 0 except a 1 in column y[i].

    y (n,) holds integer labels 0..C-1; C = ``n_classes``, or max(y) + 1 if not
    given. Returns (n, C) float64. Example: one_hot([2, 0], 3) is
    [[0, 0, 1], [1, 0, 0]]. ``y.argmax(axis=1)`` turns it back into labels.
    """
    where = "one_hot: "
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"{where}y must be a 1-D array of labels, got shape {labels.shape}")
    if not _is_integer_labels(labels):
        if labels.dtype.kind != "f":
            raise ValueError(f"{where}y must hold integer labels, got dtype {labels.dtype}")
        not_whole = ~np.isfinite(labels) | (labels != np.round(labels))
        if not_whole.any():
            raise ValueError(f"{where}y must hold integer labels, got {labels[not_whole][0]!r}")
    labels = labels.astype(np.int64)
    if n_classes is None:
        if labels.size == 0:
            raise ValueError(f"{where}cannot infer n_classes from an empty y; pass n_classes")
        n_classes = max(int(labels.max()) + 1, 1)
    else:
        n_classes = check_int(n_classes, "n_classes", where, 1)
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{where}y must hold labels in 0..{n_classes - 1} (n_classes={n_classes}), "
            f"got {labels[i]} at index {i}"
        )
    out = np.zeros((labels.size, n_classes), dtype=np.float64)
    out[np.arange(labels.size), labels] = 1.0
    return out


def _features(X, where):
    arr = as_float_array(X, "X", where)
    if arr.ndim not in (1, 2) or len(arr) == 0:
        raise ValueError(
            f"{where}X must be a non-empty 1-D or 2-D array (samples, features), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}X must hold finite numbers, got NaN or inf")
    return arr.astype(np.float64)


class MinMaxScaler:
    """Rescale every column to [0, 1]: X_new = (X - X_min) / (X_max - X_min).

    ``fit(X)`` learns X_min and X_max per column from the training data;
    ``transform`` applies them to any data (test rows may fall outside [0, 1]);
    ``inverse_transform`` undoes it: X = X_new (X_max - X_min) + X_min.
    A constant column (X_max = X_min) maps to 0 instead of dividing by zero.
    X is (n, d), or (n,) for a single feature.
    """

    def __init__(self):
        self.X_min = None
        self.X_max = None

    def fit(self, X):
        """Learn X_min and X_max, the minimum and maximum of each column. Returns self."""
        X = _features(X, "MinMaxScaler.fit: ")
        self.X_min = X.min(axis=0)
        self.X_max = X.max(axis=0)
        return self

    def _scale(self, X, where):
        if self.X_min is None:
            raise RuntimeError(f"{where}this MinMaxScaler is not fitted yet; call fit(X_train) first")
        X = _features(X, where)
        if X.shape[1:] != np.shape(self.X_min):
            expected = f"(n, {np.size(self.X_min)})" if np.ndim(self.X_min) else "(n,)"
            raise ValueError(
                f"{where}X must have shape {expected} like the data given to fit, got {X.shape}"
            )
        span = self.X_max - self.X_min
        return X, np.where(span > 0, span, 1.0)

    def transform(self, X):
        """X_new = (X - X_min) / (X_max - X_min), same shape as X."""
        X, span = self._scale(X, "MinMaxScaler.transform: ")
        return (X - self.X_min) / span

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``: every column of the result spans [0, 1]."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo ``transform``: X_new (X_max - X_min) + X_min."""
        X, span = self._scale(X, "MinMaxScaler.inverse_transform: ")
        return X * span + self.X_min


def minmax_scale(X):
    """Min-max scale X column by column to [0, 1]: ``MinMaxScaler().fit_transform(X)``."""
    return MinMaxScaler().fit_transform(X)


# ---------------------------------------------------------------- splitting and batching

def _same_length(X, y, where):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}X and y must be arrays with one row per sample, got scalars")
    if len(X) != len(y):
        raise ValueError(
            f"{where}X and y must have the same number of rows, got len(X)={len(X)} "
            f"and len(y)={len(y)}"
        )
    return X, y


def _test_count(test_size, n, where):
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"{where}test_size must be a fraction in (0, 1) or a number of rows, got {test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= n - 1:
            raise ValueError(
                f"{where}test_size as a number of rows must be in 1..{n - 1} for {n} samples, "
                f"got {test_size!r}"
            )
        return n_test
    if not 0 < test_size < 1:
        raise ValueError(f"{where}test_size as a fraction must be in (0, 1), got {test_size!r}")
    n_test = math.ceil(round(test_size * n, 9))
    if n_test > n - 1:
        raise ValueError(
            f"{where}test_size={test_size!r} leaves no training rows out of {n} samples"
        )
    return n_test


def train_test_split(X, y, test_size=0.2, seed=0, stratify=True, rng=None):
    """Split the rows into a training set and a test set.

    ``test_size`` is a fraction in (0, 1) (the test set gets ceil(test_size * n)
    rows) or a number of rows. With ``stratify=True`` and integer labels y, each
    class keeps its share: e.g. 150 Iris rows, test_size=0.2 -> 10 test rows of
    each species. Float y (e.g. prices) is split at random. Both parts come out
    in random order.

    Returns ``X_train, X_test, y_train, y_test`` (copies; dtypes kept).
    """
    where = "train_test_split: "
    X, y = _same_length(X, y, where)
    n = len(y)
    if n < 2:
        raise ValueError(f"{where}need at least 2 samples to split, got {n}")
    n_test = _test_count(test_size, n, where)
    gen = _generator(seed, rng, where)
    if stratify and _is_integer_labels(y):
        classes, counts = np.unique(y, return_counts=True)
        share = counts * n_test / n
        take = np.floor(share).astype(np.int64)
        left = n_test - int(take.sum())
        # Largest remainders get the leftover rows; ties are broken at random.
        order = np.lexsort((gen.random(len(classes)), -(share - take)))
        take[order[:left]] += 1
        test = np.concatenate([
            gen.choice(np.flatnonzero(y == c), size=k, replace=False)
            for c, k in zip(classes, take)
        ])
    else:
        test = gen.permutation(n)[:n_test]
    in_test = np.zeros(n, dtype=bool)
    in_test[test] = True
    train = gen.permutation(np.flatnonzero(~in_test))
    test = gen.permutation(test)
    return X[train], X[test], y[train], y[test]


def iterations_per_epoch(n_samples, batch_size):
    """Weight updates in one epoch: ceil(n_samples / batch_size).

    From the slides: 100 rows with batch size 5 -> 20 iterations per epoch.
    Batch size n is batch gradient descent (1 iteration), batch size 1 is
    stochastic gradient descent (n iterations).
    """
    where = "iterations_per_epoch: "
    n = check_int(n_samples, "n_samples", where, 0)
    b = check_int(batch_size, "batch_size", where)
    return -(-n // b)


def minibatches(X, y, batch_size, shuffle=True, seed=0, rng=None):
    """Yield ``(X_batch, y_batch)`` pairs that cover every row once: one epoch.

    Batches hold ``batch_size`` rows, the last one whatever is left, so there
    are ``iterations_per_epoch(len(X), batch_size)`` of them. With
    ``shuffle=True`` the rows come in a random order drawn from ``seed``, or
    from ``rng`` if given: pass the same ``rng`` every epoch (or seed=epoch) to
    get a new order each epoch.

        for epoch in range(n_epochs):
            for xb, yb in minibatches(X, y, 32, rng=rng):
                ...   # one iteration: forward, backward, update

    Arguments are checked at the call, before the first batch.
    """
    where = "minibatches: "
    X, y = _same_length(X, y, where)
    b = check_int(batch_size, "batch_size", where)
    order = _generator(seed, rng, where).permutation(len(y)) if shuffle else np.arange(len(y))
    return _batches(X, y, order, b)


def _batches(X, y, order, batch_size):
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]
