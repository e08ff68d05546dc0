"""Activation functions (활성화 함수) and their derivatives, chapter 2.

Every function takes an array ``x`` of any shape and returns an array of the same
shape and floating dtype (integers become float64). All of them are numerically
stable: inputs of +-1000 give no overflow warning, no inf and no NaN.
"""

import numpy as np

from dlcourse._validate import as_float_array, check_number


def step(x):
    """Step function (계단 함수): 1 where x > 0, else 0 (as in the slides)."""
    x = as_float_array(x, "x", "step: ")
    return (x > 0).astype(x.dtype)


def sigmoid(x):
    """Sigmoid sigma(x) = 1 / (1 + exp(-x)).

    Computed as 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, so
    ``exp`` only ever sees a non-positive number and cannot overflow.
    """
    x = as_float_array(x, "x", "sigmoid: ")
    e = np.exp(-np.abs(x))  # in (0, 1]
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def tanh(x):
    """Hyperbolic tangent tanh(x) = (e^x - e^-x) / (e^x + e^-x), in (-1, 1)."""
    x = as_float_array(x, "x", "tanh: ")
    return np.tanh(x)


def relu(x):
    """ReLU(x) = max(0, x)."""
    x = as_float_array(x, "x", "relu: ")
    return np.maximum(x, 0)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: f(x) = x where x > 0, alpha x elsewhere (Maas et al., 2013).

    The small slope alpha for x <= 0 keeps a gradient flowing where ReLU's is
    0, so a unit whose inputs all turn negative can still recover (no dying ReLU).
    """
    x = as_float_array(x, "x", "leaky_relu: ")
    alpha = check_number(alpha, "alpha", "leaky_relu: ", low=0)
    return np.where(x > 0, x, alpha * x)


def elu(x, alpha=1.0):
    """ELU: f(x) = x where x > 0, alpha (e^x - 1) elsewhere (Clevert et al., 2016).

    Smooth at 0 when alpha = 1, and negative outputs down to -alpha push the
    mean activation towards 0. ``expm1`` of min(x, 0) never overflows.
    """
    x = as_float_array(x, "x", "elu: ")
    alpha = check_number(alpha, "alpha", "elu: ", low=0)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def softplus(x):
    """Softplus f(x) = log(1 + e^x), a smooth ReLU (Dugas et al., 2001).

    Computed as max(x, 0) + log(1 + e^-|x|), so ``exp`` only sees numbers <= 0.
    """
    x = as_float_array(x, "x", "softplus: ")
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def identity(x):
    """Identity (항등 함수) f(x) = x, the output activation for regression."""
    return as_float_array(x, "x", "identity: ").copy()


def softmax(z, axis=-1):
    """Softmax y_k = exp(z_k) / sum_i exp(z_i) along ``axis``.

    The maximum is subtracted first: softmax(z) = softmax(z - max z), and then
    every exponent is <= 0, so nothing overflows. Each slice sums to 1.
    """
    z = as_float_array(z, "z", "softmax: ")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log softmax(z) = (z - max z) - log sum exp(z - max z), stable for any finite z."""
    z = as_float_array(z, "z", "log_softmax: ")
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def sigmoid_grad(x):
    """Derivative of the sigmoid at x: sigma'(x) = sigma(x) (1 - sigma(x)); at most 0.25, at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x):
    """Derivative of tanh at x: 1 - tanh(x)^2; at most 1, at x = 0."""
    t = tanh(x)
    return 1.0 - t * t


def relu_grad(x):
    """Derivative of ReLU at x: 1 where x > 0, else 0 (we take 0 at x = 0)."""
    x = as_float_array(x, "x", "relu_grad: ")
    return (x > 0).astype(x.dtype)


def leaky_relu_grad(x, alpha=0.01):
    """Derivative of leaky ReLU at x: 1 where x > 0, else alpha (we take alpha at x = 0)."""
    x = as_float_array(x, "x", "leaky_relu_grad: ")
    alpha = check_number(alpha, "alpha", "leaky_relu_grad: ", low=0)
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def elu_grad(x, alpha=1.0):
    """Derivative of ELU at x: 1 where x > 0, else alpha e^x (= elu(x) + alpha)."""
    x = as_float_array(x, "x", "elu_grad: ")
    alpha = check_number(alpha, "alpha", "elu_grad: ", low=0)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def softplus_grad(x):
    """Derivative of softplus at x: the sigmoid, 1 / (1 + e^-x)."""
    return sigmoid(x)
