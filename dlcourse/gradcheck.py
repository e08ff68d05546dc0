"""Numerical gradients and gradient checks (기울기 검증), chapter 4.

Central differences: df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2h), with an
error of order h^2. Comparing it with a layer's ``backward`` catches almost
every bug in a hand-written gradient. This costs two evaluations of f per
input element, which is why training uses backpropagation instead.
"""

import numpy as np

from dlcourse import nn
from dlcourse._rng import default_rng


def numerical_gradient(f, x, h=1e-5):
    """dF/dx of a scalar function ``f(x)`` by central differences.

    ``x`` (a float array of any shape) is perturbed in place one element at a
    time and restored; returns an array of x's shape.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient: argument 'x' must be a float array, got dtype {x.dtype}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """max_i |a_i - b_i| / max(|a_i| + |b_i|, tiny): about 1e-8 or less when two gradients agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def check_layer(layer, x, rng=0, h=1e-5):
    """Compare a layer's ``backward`` with numerical gradients.

    The scalar checked is L = sum(forward(x) * dout) for a random upstream
    gradient dout, so dL/d(output) = dout. Returns a dict of relative errors,
    ``{"x": ..., "W": ..., ...}`` (one per parameter). A layer that draws random
    numbers in ``forward`` (dropout) must keep them in ``layer.rng``: the state
    of every such layer, at any depth inside the model, is restored before
    every call, so each call sees the same masks.
    """
    rng = default_rng(rng)
    x = np.array(x, dtype=np.float64)
    saved = _rng_state(layer)

    def forward(inp):
        _restore_rng(layer, saved)
        return layer.forward(inp)

    dout = rng.standard_normal(forward(x).shape)
    dx = layer.backward(dout)
    analytic = {"x": dx, **{name: g.copy() for name, g in layer.grads.items()}}

    errors = {"x": relative_error(analytic["x"], numerical_gradient(
        lambda v: np.sum(forward(v) * dout), x.copy(), h))}
    for name, p in layer.params.items():
        numeric = numerical_gradient(lambda _: np.sum(forward(x) * dout) + layer.penalty(), p, h)
        errors[name] = relative_error(analytic[name], numeric)
    return errors


def check_loss(loss, y_pred, y_true, h=1e-5):
    """Relative error between ``loss.backward()`` and the numerical dE/dy_pred."""
    y_pred = np.array(y_pred, dtype=np.float64)
    loss.forward(y_pred, y_true)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda y: loss.forward(y, y_true), y_pred.copy(), h)
    return relative_error(analytic, numeric)


def _rng_state(layer):
    """Random states of the layer and of every layer inside it, at any depth (dropout)."""
    return [(lay, lay.rng.bit_generator.state) for _, lay in nn.walk(layer) if hasattr(lay, "rng")]


def _restore_rng(layer, saved):
    for lay, state in saved:
        lay.rng.bit_generator.state = state
