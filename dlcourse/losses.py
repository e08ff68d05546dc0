"""Loss functions (손실 함수), chapter 3.

``forward(y_pred, y_true)`` returns the loss as a Python float and keeps what
``backward()`` needs; ``backward()`` returns dL/d(y_pred), same shape as y_pred.
Shapes: y_pred and y_true are (batch, outputs) or (batch,); nothing is
broadcast, so the two must match exactly (the cross-entropies also take integer
class labels of shape (batch,)).

Reductions follow the slides' table and Keras:
MSE, MAE, MAPE and MSLE are means over every element; SSE is the slides'
(1/2) sum over the outputs, averaged over the batch; the cross-entropies are
summed over the classes and averaged over the batch.
"""

import numpy as np

from dlcourse import functional as F
from dlcourse._validate import as_float_array, check_same_shape, resolve


class Loss:
    """Base class: ``loss(y_pred, y_true)`` is ``loss.forward(y_pred, y_true)``."""

    name = "loss"

    def __call__(self, y_pred, y_true):
        return self.forward(y_pred, y_true)

    def _prepare(self, y_pred, y_true):
        where = f"{type(self).__name__}: "
        y_pred = as_float_array(y_pred, "y_pred", where)
        y_true = as_float_array(y_true, "y_true", where).astype(y_pred.dtype, copy=False)
        check_same_shape(y_pred, y_true, "y_pred", "y_true", where)
        if y_pred.ndim == 0 or y_pred.shape[0] == 0:
            raise ValueError(f"{where}'y_pred' must hold a batch of at least one example, "
                             f"got shape {y_pred.shape}")
        self.y_pred, self.y_true = y_pred, y_true
        return y_pred, y_true

    def backward(self):
        if getattr(self, "y_pred", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._grad()

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error  E = mean((y - t)^2) over every element;  dE/dy = 2 (y - t) / N."""

    name = "mean_squared_error"

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        return float(np.mean((y - t) ** 2))

    def _grad(self):
        return 2.0 * (self.y_pred - self.y_true) / self.y_pred.size


class SSE(Loss):
    """Sum of squares error as the slides write it, E = 1/2 sum_k (y_k - t_k)^2,
    averaged over the batch B;  dE/dy = (y - t) / B."""

    name = "sum_squared_error"

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        return float(0.5 * np.sum((y - t) ** 2) / y.shape[0])

    def _grad(self):
        return (self.y_pred - self.y_true) / self.y_pred.shape[0]


class MAE(Loss):
    """Mean absolute error E = mean(|y - t|);  dE/dy = sign(y - t) / N (0 where y = t)."""

    name = "mean_absolute_error"

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        return float(np.mean(np.abs(y - t)))

    def _grad(self):
        return np.sign(self.y_pred - self.y_true) / self.y_pred.size


class MAPE(Loss):
    """Mean absolute percentage error E = 100 * mean(|t - y| / max(|t|, eps)).

    The slides' table writes mean(|t - y| / |t|); the factor 100 (as in Keras)
    makes it a percentage, and eps keeps a target of 0 from dividing by zero.
    dE/dy = 100 * sign(y - t) / (max(|t|, eps) N).
    """

    name = "mean_absolute_percentage_error"
    eps = 1e-7

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        return float(100.0 * np.mean(np.abs(t - y) / np.maximum(np.abs(t), self.eps)))

    def _grad(self):
        y, t = self.y_pred, self.y_true
        return 100.0 * np.sign(y - t) / (np.maximum(np.abs(t), self.eps) * y.size)


class MSLE(Loss):
    """Mean squared logarithmic error E = mean((log(1 + y) - log(1 + t))^2).

    The slides' table writes (log(y) + 1) - (log(t) + 1), where the 1s cancel;
    the intended form (Keras) adds 1 inside the log, so that a value of 0 is
    allowed. Values below 0 are clipped to 0 (as Keras does);
    dE/dy = 2 (log(1 + y) - log(1 + t)) / ((1 + y) N), and 0 where y was clipped.
    """

    name = "mean_squared_logarithmic_error"

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        self.diff = np.log1p(np.maximum(y, 0)) - np.log1p(np.maximum(t, 0))
        return float(np.mean(self.diff ** 2))

    def _grad(self):
        y = self.y_pred
        return np.where(y > 0, 2.0 * self.diff / ((1.0 + np.maximum(y, 0)) * y.size), 0.0)


def _class_labels_to_one_hot(y_true, y_pred, where):
    """Integer labels (batch,) become one-hot (batch, C); one-hot passes through."""
    y_true_arr = np.asarray(y_true)
    if y_pred.ndim == 2 and y_true_arr.ndim == 1 and y_true_arr.shape[0] == y_pred.shape[0]:
        if not np.issubdtype(y_true_arr.dtype, np.integer):
            raise TypeError(f"{where}1-D 'y_true' must hold integer class labels, "
                            f"got dtype {y_true_arr.dtype}")
        n_classes = y_pred.shape[1]
        bad = (y_true_arr < 0) | (y_true_arr >= n_classes)
        if bad.any():
            raise ValueError(f"{where}label in 'y_true' out of range: expected 0 ... {n_classes - 1} "
                             f"for {n_classes} classes, got {int(y_true_arr[bad][0])}")
        one_hot = np.zeros_like(y_pred)
        one_hot[np.arange(len(y_true_arr)), y_true_arr] = 1.0
        return one_hot
    return y_true


def _check_probabilities(y, where, activation, rows_sum_to_one=False):
    """Fail unless every y lies in [0, 1] (and each row sums to 1, for a softmax output).

    The classic slip is a model whose output has no Sigmoid or Softmax: its
    values (logits) are not probabilities, and clipping them would report a
    near-perfect loss.
    """
    fix = f"(is the output's {activation} missing? For raw scores pass from_logits=True)"
    outside = (y < 0) | (y > 1) | ~np.isfinite(y)
    if outside.any():
        raise ValueError(f"{where}'y_pred' must hold probabilities in [0, 1], got "
                         f"{float(y[outside][0])!r} at index {tuple(map(int, np.argwhere(outside)[0]))} "
                         f"{fix}")
    if rows_sum_to_one and y.ndim == 2:
        sums = y.sum(axis=1)
        off = np.abs(sums - 1.0) > 1e-3
        if off.any():
            raise ValueError(f"{where}each row of 'y_pred' must sum to 1 (a probability "
                             f"distribution over the classes), got row {int(np.argmax(off))} "
                             f"summing to {sums[off][0]:.6g} {fix}")


class CrossEntropy(Loss):
    """Categorical cross-entropy (교차 엔트로피) on probabilities, or on logits.

    E = -(1/B) sum_b sum_k t_bk log y_bk; for a one-hot label this is -log of
    the probability given to the true class; dE/dy = -t / (B y). y is (B, C),
    every row a probability distribution (checked), clipped to [eps, 1] so that
    a probability of exactly 0 gives a large finite loss, not inf.
    ``from_logits=True`` takes logits z instead, y = softmax(z), computed with
    log-softmax (any finite z is safe); then dE/dz = (softmax(z) - t) / B.
    ``y_true`` is one-hot (B, C) or integer labels (B,).
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def forward(self, y_pred, y_true):
        where = f"{type(self).__name__}: "
        y_pred = as_float_array(y_pred, "y_pred", where)
        y, t = self._prepare(y_pred, _class_labels_to_one_hot(y_true, y_pred, where))
        if self.from_logits:
            return float(-np.sum(t * F.log_softmax(y, axis=-1)) / y.shape[0])
        _check_probabilities(y, where, "Softmax", rows_sum_to_one=True)
        self.eps = np.finfo(y.dtype).eps
        return float(-np.sum(t * np.log(np.clip(y, self.eps, 1.0))) / y.shape[0])

    def _grad(self):
        y, t = self.y_pred, self.y_true
        if self.from_logits:
            return (F.softmax(y, axis=-1) - t) / y.shape[0]
        return -t / (np.clip(y, self.eps, 1.0) * y.shape[0])

    def __repr__(self):
        return f"{type(self).__name__}(from_logits=True)" if self.from_logits else super().__repr__()


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities of the positive class, or on logits.

    E = -(1/B) sum_b sum_k [t log y + (1 - t) log(1 - y)]; y must lie in [0, 1]
    (checked) and is clipped to [eps, 1 - eps] so that probabilities of exactly
    0 and 1 stay finite; dE/dy = (y - t) / (y (1 - y) B).
    ``from_logits=True`` takes logits s instead, y = sigmoid(s), in the stable
    log-sigmoid form  E = (1/B) sum [max(s, 0) - t s + log(1 + e^-|s|)];
    then dE/ds = (sigmoid(s) - t) / B.
    """

    name = "binary_crossentropy"

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def forward(self, y_pred, y_true):
        y, t = self._prepare(y_pred, y_true)
        if self.from_logits:
            s = y
            return float(np.sum(np.maximum(s, 0) - t * s + np.log1p(np.exp(-np.abs(s)))) / s.shape[0])
        _check_probabilities(y, "BinaryCrossEntropy: ", "Sigmoid")
        self.eps = np.finfo(y.dtype).eps
        p = np.clip(y, self.eps, 1.0 - self.eps)
        return float(-np.sum(t * np.log(p) + (1.0 - t) * np.log(1.0 - p)) / y.shape[0])

    def _grad(self):
        y, t = self.y_pred, self.y_true
        if self.from_logits:
            return (F.sigmoid(y) - t) / y.shape[0]
        p = np.clip(y, self.eps, 1.0 - self.eps)
        return (p - t) / (p * (1.0 - p) * y.shape[0])

    def __repr__(self):
        return "BinaryCrossEntropy(from_logits=True)" if self.from_logits else super().__repr__()


class SoftmaxCrossEntropy(CrossEntropy):
    """Softmax followed by cross-entropy, on logits z (batch, C): ``CrossEntropy(from_logits=True)``.

    E = -(1/B) sum_b sum_k t_bk log softmax(z_b)_k, computed with log-softmax so
    that any finite logits give a finite loss; the gradient is simply
    dE/dz = (softmax(z) - t) / B.  ``y_true`` is one-hot or integer labels.
    """

    name = "softmax_crossentropy"

    def __init__(self):
        super().__init__(from_logits=True)

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


LOSSES = {
    "mean_squared_error": MSE, "mse": MSE,
    "sum_squared_error": SSE, "sse": SSE,
    "mean_absolute_error": MAE, "mae": MAE,
    "mean_absolute_percentage_error": MAPE, "mape": MAPE,
    "mean_squared_logarithmic_error": MSLE, "msle": MSLE,
    "binary_crossentropy": BinaryCrossEntropy,
    "categorical_crossentropy": CrossEntropy,
    "sparse_categorical_crossentropy": CrossEntropy,
    "softmax_crossentropy": SoftmaxCrossEntropy,
}


def get(loss, **options):
    """A loss from a name of the slides' table (e.g. "binary_crossentropy"), a Loss
    class or object; ``options`` go to the class (``get("binary_crossentropy",
    from_logits=True)``)."""
    return resolve(loss, LOSSES, "loss", Loss, **options)
